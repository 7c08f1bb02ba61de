"""Benchmark: the street-line scan (leads.normalize.parse_address) against usaddress-scourgify's tagger.

Reads every distinct street line of ../shared/data/businesses (Chicago licences, IRS EO BMF DC, CompanyData) and
of the address columns of ../shared/bench/matching (evaluation only, nothing copied); prints the CPU time per line
of each parser and how often they agree (whole normalized line; house number and street only).

Usage: python bench/address_parse.py [--shared ../shared] [--show 20]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from build_license_pairs import shared_dir  # noqa: E402

from leads import normalize as nz  # noqa: E402


def real_lines(shared: Path) -> list[str]:
    lines: set[str] = set()
    biz = shared / "data" / "businesses"
    for path in sorted((biz / "chicago-business-licenses").glob("raw_*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            lines |= {r["ADDRESS"] for r in csv.DictReader(fh)}
    irs = biz / "irs-eo-bmf-dc" / "eo_dc.csv"
    if irs.exists():
        with open(irs, encoding="utf-8", newline="") as fh:
            lines |= {r["STREET"] for r in csv.DictReader(fh)}
    for path in sorted((biz / "companydata-us-top1000").glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            lines |= {r["Address 1"] for r in csv.DictReader(fh, delimiter=";")}
    for path in sorted((shared / "bench" / "matching").glob("*/*.csv")):
        with open(path, encoding="utf-8", errors="replace", newline="") as fh:
            for row in csv.DictReader(fh):
                lines |= {v for k, v in row.items() if k and v and ("addr" in k.lower() or "street" in k.lower())}
    return sorted(line for line in lines if line and line.strip())


def timed(lines: list[str], scourgify: bool) -> tuple[float, list[str]]:
    nz._scourgify.cache_clear()
    t0 = time.process_time()
    out = [nz.format_address(nz.parse_address(line, use_scourgify=scourgify)) for line in lines]
    return time.process_time() - t0, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=shared_dir(), help="the shared data folder (default: ../shared)")
    ap.add_argument("--show", type=int, default=20, help="disagreements on the street to print (a random sample)")
    args = ap.parse_args()
    lines = real_lines(args.shared) if args.shared else []
    if not lines:
        print(f"no address lines found under {args.shared} (the development data is read from ../shared)")
        return 1
    scan_s, scan = timed(lines, False)
    tag_s, tagged = timed(lines, True)
    same = sum(a == b for a, b in zip(scan, tagged, strict=True))
    differ = [(line, a, b) for line, a, b in zip(lines, scan, tagged, strict=True)
              if nz.split_address(a)[:2] != nz.split_address(b)[:2]]  # fmt: skip
    n = len(lines)
    print(f"{n:,} distinct real street lines")
    print(f"token scan:          {scan_s / n * 1e6:6.1f} us per line (CPU)")
    print(f"scourgify (tagger):  {tag_s / n * 1e6:6.1f} us per line (CPU), {tag_s / scan_s:.1f}x the scan")
    print(f"same normalized line: {same / n:.1%}; same house number and street: {1 - len(differ) / n:.1%}")
    if differ and args.show:
        print("street disagreements (line | scan | scourgify), a random sample:")
        for line, a, b in random.Random(1).sample(differ, min(args.show, len(differ))):
            print(f"  {line!r} | {a} | {b}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
