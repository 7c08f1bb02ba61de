"""A labelled linkage set from the City of Chicago business licences (../shared/data/businesses/
chicago-business-licenses, City of Chicago portal terms): the legal name of each licensed site against its
"doing business as" name, with real truth for the hard cases.

* one site = one ``ACCOUNT NUMBER`` + ``SITE NUMBER``: its record with both names (left: legal name and a ``dba``
  column, as an account book keeps them) and its record under one name (right: the DBA name on two sites of
  three, the legal name on the third, as directories list them) are the one true pair;
* an account at several sites is a chain: its branches share the legal name and are non-matches to each other;
* different accounts at one ``ADDRESS`` are different businesses at one address (non-matches).

The right file keeps the street address on every other site only (directories miss addresses) and both files
carry the licence's LATITUDE/LONGITUDE; ``--no-coordinates`` (or ``coordinates=False``) withholds them, so the
same pairs are measured with and without coordinates. Nothing is invented: every name, address and point is the
licence's own.

    python bench/build_license_pairs.py OUT_DIR [--no-coordinates]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path


def shared_dir() -> Path | None:
    """../shared beside the project (a worktree one level deeper looks one more level up; $LEADS_SHARED wins)."""
    import os

    if os.environ.get("LEADS_SHARED"):
        return Path(os.environ["LEADS_SHARED"])
    root = Path(__file__).resolve().parent.parent
    for up in (root.parent, root.parent.parent):
        if (up / "shared").is_dir():
            return up / "shared"
    return None


_SHARED = shared_dir()
SOURCE = (_SHARED or Path("../shared")) / "data" / "businesses" / "chicago-business-licenses"


def sites(source: Path = SOURCE) -> list[dict[str, str]]:
    """One row per licensed site (the first licence row of each account + site), in file order."""
    seen: set[tuple[str, str]] = set()
    out = []
    for part in ("raw_licenses_part1.csv", "raw_licenses_part2.csv"):
        with open(source / part, encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                key = (r["ACCOUNT NUMBER"], r["SITE NUMBER"])
                if key in seen or not r["LEGAL NAME"].strip():
                    continue
                seen.add(key)
                out.append(r)
    return out


def build(out_dir: Path, coordinates: bool = True, source: Path = SOURCE) -> dict[str, object]:
    """Write legal.csv, dba.csv and truth.csv to ``out_dir``; returns counts of what the set holds."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = sites(source)
    cols = ["id", "name", "dba", "address", "city", "state", "zip"] + (["lat", "lon"] if coordinates else [])
    accounts: dict[str, int] = {}
    at_address: dict[str, set[str]] = {}
    with (
        open(out_dir / "legal.csv", "w", newline="", encoding="utf-8") as lf,
        open(out_dir / "dba.csv", "w", newline="", encoding="utf-8") as rf,
    ):
        lw, rw = csv.writer(lf), csv.writer(rf)
        lw.writerow(cols)
        rw.writerow(cols)
        for k, r in enumerate(rows):
            sid = f"{r['ACCOUNT NUMBER']}-{r['SITE NUMBER']}"
            accounts[r["ACCOUNT NUMBER"]] = accounts.get(r["ACCOUNT NUMBER"], 0) + 1
            at_address.setdefault(r["ADDRESS"].strip().upper(), set()).add(r["ACCOUNT NUMBER"])
            point = [r["LATITUDE"], r["LONGITUDE"]] if coordinates else []
            dba = r["DOING BUSINESS AS NAME"].strip()
            lw.writerow([sid, r["LEGAL NAME"], dba, r["ADDRESS"], r["CITY"], r["STATE"], r["ZIP CODE"], *point])
            name = (dba or r["LEGAL NAME"]) if k % 3 else r["LEGAL NAME"]
            address = r["ADDRESS"] if k % 2 == 0 else ""
            rw.writerow([sid, name, "", address, r["CITY"], r["STATE"], r["ZIP CODE"], *point])
    with open(out_dir / "truth.csv", "w", newline="", encoding="utf-8") as tf:
        w = csv.writer(tf)
        w.writerow(["left_id", "right_id"])
        for r in rows:
            sid = f"{r['ACCOUNT NUMBER']}-{r['SITE NUMBER']}"
            w.writerow([sid, sid])
    return {
        "sites": len(rows),
        "chain_sites": sum(n for n in accounts.values() if n > 1),
        "shared_address_sites": sum(len(a) for a in at_address.values() if len(a) > 1),
        "with_coordinates": sum(1 for r in rows if r["LATITUDE"].strip()) if coordinates else 0,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--no-coordinates", action="store_true")
    args = ap.parse_args()
    print(build(args.out_dir, coordinates=not args.no_coordinates))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
