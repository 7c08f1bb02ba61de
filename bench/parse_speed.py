"""Benchmark: how fast each source's parser reads its saved real files (what `leads parse` runs).

In-process: leads.crawl.parse_saved_file over every fixture in tests/files/<source>/, best of N runs
after one warm-up, reported per file, per source and per format (HTML, CSV, XLSX, PDF, JSON), with the
PDF figure set against its target (>= 1,000 rows/s). Then one real `leads parse --json` subprocess per
format, to show what the command's start-up adds on top of the parsing.
Usage: python bench/parse_speed.py [--repeat 5] [--no-cli]
Prints what it measured; it does not judge beyond comparing with the target.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rebuilt import not_responses, write_rebuilt  # noqa: E402
from leads.crawl import list_sources, parse_saved_file  # noqa: E402
from leads.errors import LeadsError  # noqa: E402

FILES = ROOT / "tests" / "files"
FORMATS = {".html": "HTML", ".htm": "HTML", ".csv": "CSV", ".xlsx": "XLSX", ".pdf": "PDF", ".json": "JSON"}
PDF_TARGET = 1000  # rows/s


@dataclass
class Timing:
    source: str
    path: Path
    fmt: str
    rows: int
    best: float  # seconds, best of the repetitions
    error: str = ""

    @property
    def rate(self) -> float | None:
        return self.rows / self.best if self.rows and self.best > 0 else None


def fixtures(rebuilt_in: Path) -> list[tuple[str, Path]]:
    """(source, file) for every saved file in a folder named after a source (notes and row dumps aside),
    then the agency-format files the tests rebuild from row dumps (written under ``rebuilt_in``)."""
    sources = sorted(info.name for info in list_sources())
    found = []
    for folder in sorted(p for p in FILES.iterdir() if p.is_dir() and p.name in sources):
        dumps = not_responses(folder.name)
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix.lower() in FORMATS and path.name not in dumps:
                found.append((folder.name, path))
    return found + write_rebuilt(sources, rebuilt_in)


def time_parse(source: str, path: Path, repeat: int) -> Timing:
    fmt = FORMATS[path.suffix.lower()]
    try:
        rows = len(parse_saved_file(source, path))  # warm-up: imports, spider loader, caches
    except LeadsError as exc:
        return Timing(source, path, fmt, 0, 0.0, error=str(exc).split(": ", 1)[-1][:70])
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        parse_saved_file(source, path)
        best = min(best, time.perf_counter() - started)
    return Timing(source, path, fmt, rows, best)


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if rows and seconds > 0 else "-"


def time_cli(timings: list[Timing]) -> list[tuple[str, Timing, float]]:
    """One `leads parse --json` subprocess per format, on that format's largest file with notices."""
    command = [str(Path(sys.executable).parent / "leads")]
    if not Path(command[0]).exists():
        command = [sys.executable, str(ROOT / "cli.py")]
    results = []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "LEADS_DATA_DIR": home}
        env.pop("LEADS_DATABASE_URL", None)
        for fmt in ("HTML", "CSV", "XLSX", "PDF", "JSON"):
            candidates = [t for t in timings if t.fmt == fmt and t.rows]
            if not candidates:
                continue
            pick = max(candidates, key=lambda t: t.rows)
            started = time.perf_counter()
            done = subprocess.run(
                [*command, "parse", pick.source, str(pick.path), "--json"],
                cwd=home,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            wall = time.perf_counter() - started
            if done.returncode != 0:
                print(f"  {fmt}: leads parse failed: {done.stderr.strip()[-200:]}", file=sys.stderr)
                continue
            results.append((fmt, pick, wall))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per file (best is kept); default 5")
    parser.add_argument("--no-cli", action="store_true", help="skip the subprocess start-up measurement")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # skipped-row warnings are the parsers' business, not the benchmark's

    print(
        f"leads parse speed: best of {args.repeat} after a warm-up; Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs\n"
    )
    with tempfile.TemporaryDirectory() as rebuilt_in:
        timings = [time_parse(source, path, args.repeat) for source, path in fixtures(Path(rebuilt_in))]
        report(timings, args)


def report(timings: list[Timing], args: argparse.Namespace) -> None:

    print(f"{'source':<15} {'file':<52} {'format':<6} {'rows':>6} {'best s':>8} {'rows/s':>9}")
    for t in timings:
        if t.error:
            print(f"{t.source:<15} {t.path.name[:52]:<52} {t.fmt:<6} {'-':>6} {'-':>8} {'-':>9}  not parsed: {t.error}")
            continue
        print(f"{t.source:<15} {t.path.name[:52]:<52} {t.fmt:<6} {t.rows:>6} {t.best:>8.3f} {rate(t.rows, t.best):>9}")

    by_source: dict[str, list[Timing]] = defaultdict(list)
    by_format: dict[str, list[Timing]] = defaultdict(list)
    for t in timings:
        if not t.error:
            by_source[t.source].append(t)
            by_format[t.fmt].append(t)

    print(f"\n{'per source':<15} {'files':>5} {'rows':>6} {'best s':>8} {'rows/s':>9}")
    for source, ts in sorted(by_source.items()):
        rows, seconds = sum(t.rows for t in ts), sum(t.best for t in ts)
        print(f"{source:<15} {len(ts):>5} {rows:>6} {seconds:>8.3f} {rate(rows, seconds):>9}")

    print(f"\n{'per format':<15} {'files':>5} {'rows':>6} {'best s':>8} {'rows/s':>9}")
    for fmt in ("HTML", "CSV", "XLSX", "PDF", "JSON"):
        ts = by_format.get(fmt, [])
        rows, seconds = sum(t.rows for t in ts), sum(t.best for t in ts)
        print(f"{fmt:<15} {len(ts):>5} {rows:>6} {seconds:>8.3f} {rate(rows, seconds):>9}")

    pdf = by_format.get("PDF", [])
    pdf_rows, pdf_seconds = sum(t.rows for t in pdf), sum(t.best for t in pdf)
    sources = ", ".join(sorted({t.source for t in pdf})) or "none"
    print(
        f"\nPDF sources: {rate(pdf_rows, pdf_seconds)} rows/s (target >= {PDF_TARGET:,}) "
        f"[{pdf_rows} rows in {pdf_seconds:.2f} s; {sources}]"
    )

    slow = sorted(
        source for source, ts in by_source.items() if sum(t.rows for t in ts) / sum(t.best for t in ts) < 1000
    )
    print(f"sources under 1,000 rows/s: {', '.join(slow) or 'none'}")
    rebuilt = sorted({t.source for t in timings if not str(t.path).startswith(str(FILES))})
    print(f"timed on files rebuilt from row dumps (tests' REBUILT_FILES): {', '.join(rebuilt) or 'none'}")

    if not args.no_cli:
        print(
            f"\n{'leads parse --json (subprocess)':<36} {'file':<44} {'rows':>6} {'wall s':>7} {'parse s':>8} "
            f"{'start-up s':>10}"
        )
        for fmt, t, wall in time_cli(timings):
            print(f"{fmt:<36} {t.path.name[:44]:<44} {t.rows:>6} {wall:>7.3f} {t.best:>8.3f} {wall - t.best:>10.3f}")


if __name__ == "__main__":
    main()
