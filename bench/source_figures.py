"""Per-source figures on the saved agency files: what each parser reads from each fixture.

For every source in the registry and every saved file in tests/files/<source>/ (SOURCE.md notes aside):
rows parsed (`leads parse`'s parser, in process; for a source whose only saved data is a row dump,
the agency-format file its test rebuilds from that dump), rows expected where the source's own test file declares
them (``SAVED_FILES`` in tests/test_<source>.py, each with a comment on how it was counted), the share of
notices typed as a closure, and the share with a street line. A file that fails to parse is printed with
its error. Markdown, for the README or an issue note.

Usage: python bench/source_figures.py
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rebuilt import test_module, write_rebuilt  # noqa: E402
from leads.crawl import parse_saved_file_answer  # noqa: E402
from leads.registry import sources  # noqa: E402

FILES = ROOT / "tests" / "files"
CLOSURE_TYPES = ("closure", "registry_end", "registry_closed", "bankruptcy_ch7")
SUFFIXES = {".html", ".htm", ".csv", ".xlsx", ".pdf", ".json", ".xml", ".txt"}


def dump_rows(source: str) -> int | None:
    """Data rows of the source's row dump (its test's ``dump()``: header + rows)."""
    module = test_module(source)
    dump = getattr(module, "dump", None)
    return len(dump()) - 1 if dump else None


def declared(source: str) -> tuple[dict[str, int], set[str]]:
    """(file -> notices its test says it holds, files that are not agency responses)."""
    if importlib.util.find_spec(f"tests.test_{source}") is None:
        return {}, set()
    module = importlib.import_module(f"tests.test_{source}")
    return dict(getattr(module, "SAVED_FILES", {})), set(getattr(module, "NOT_RESPONSES", ()))


def share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def main() -> int:
    logging.disable(logging.WARNING)  # the parsers' per-row warnings; the table says what matters
    print("| source | region | verified on | file | parsed | expected (test) or dump rows | closures | street line |")
    print("|---|---|---|---|---:|---:|---:|---:|")
    failures = 0
    for info in sources():
        folder = FILES / info.name
        if not folder.is_dir():
            print(f"| `{info.name}` | {info.region} | {info.verified_on} | (no saved file) | | | | |")
            continue
        expected, not_responses = declared(info.name)
        with tempfile.TemporaryDirectory() as temp:
            for _source, path in write_rebuilt([info.name], Path(temp)):
                notices, why_none = parse_saved_file_answer(info.name, path)
                print(row(info, f"{path.name} (rebuilt from the dump)", notices, why_none, dump_rows(info.name)))
        for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES):
            if path.name in not_responses:
                continue
            try:
                notices, why_none = parse_saved_file_answer(info.name, path)
            except Exception as exc:  # noqa: BLE001 - a benchmark reports every failure and goes on
                failures += 1
                print(f"| `{info.name}` | {info.region} | {info.verified_on} | {path.name} | error: {exc} | | | |")
                continue
            print(row(info, path.name, notices, why_none, expected.get(path.name)))
    return 1 if failures else 0


def row(info, name: str, notices: list, why_none: str | None, want: int | None) -> str:
    n = len(notices)
    closures = sum(1 for x in notices if (x.notice_type or "") in CLOSURE_TYPES)
    street = sum(1 for x in notices if x.address)
    parsed = f"{n} ({why_none})" if why_none else str(n)
    return (
        f"| `{info.name}` | {info.region} | {info.verified_on} | {name} | {parsed} | "
        f"{'' if want is None else want} | {share(closures, n)} | {share(street, n)} |"
    )


if __name__ == "__main__":
    raise SystemExit(main())
