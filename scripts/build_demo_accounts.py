"""Build the demo's sample account book from real public business records (CompanyData.com samples, CC0).

Each account is a real Los Angeles or New York business with its real address and industry. What is
made up, and labelled so: the "Incumbent Vendor" column. Some accounts are given, as their vendor, a
real business that filed a WARN closure in the demo snapshot (written as a CRM user would type it),
others a real business that did not close. Run from the project root:

    python scripts/build_demo_accounts.py
"""

from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FILES = ROOT / "tests" / "files"
OUT = ROOT / "leads" / "data" / "demo" / "sample_accounts.csv"


def read_companydata(name: str) -> list[dict[str, str]]:
    with open(FILES / "accounts" / name, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def casual(name: str, rng: random.Random) -> str:
    """How a rep types a supplier's name: legal suffix dropped or changed, sometimes lower case."""
    base = re.sub(r",?\s+(Inc\.?|LLC|L\.L\.C\.|Corp\.?|Corporation|Co\.|Ltd\.?)$", "", name.strip(), flags=re.I)
    return rng.choice([base, base + " Inc", base.upper(), base + ", LLC", base])


def main() -> None:
    from leads.crawl import parse_saved_file

    rng = random.Random(20261125)
    closed = {}
    for source, files in {
        "warn_ca": ["warn_report.xlsx", "warn-report-for-7-1-2018-to-06-30-2019.pdf"],
        "warn_ny": ["ny.csv"],
    }.items():
        for f in files:
            for n in parse_saved_file(source, FILES / source / f):
                if n.notice_type == "closure" and len(n.company_name) < 60:
                    closed.setdefault(n.state or ("CA" if source == "warn_ca" else "NY"), set()).add(n.company_name)
    la, ny = (
        read_companydata("los-angeles-business-dataset-sample.csv"),
        read_companydata("new-york-city-business-dataset-sample.csv"),
    )
    rows = []
    for city_rows, state in ((la, "CA"), (ny, "NY")):
        others = [r["Company Name"] for r in (ny if state == "CA" else la)]
        closures = sorted(closed.get(state, ()))
        for r in city_rows:
            roll = rng.random()
            if roll < 0.06 and closures:
                vendor = casual(rng.choice(closures), rng)
            elif roll < 0.25:
                vendor = casual(rng.choice(others), rng)
            else:
                vendor = ""
            rows.append(
                {
                    "Account ID": f"{state}-{r['ID']}",
                    "Account Name": r["Company Name"],
                    "Street": r["Address 1"],
                    "City": r["City"],
                    "State": r["State/Province"],
                    "Zip": r["Postal Code"][:5],
                    "Industry": r["Business Category Code 1 - Description"],
                    "Incumbent Vendor (sample)": vendor,
                    "Do Not Contact": "yes" if rng.random() < 0.02 else "no",
                }
            )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} sample accounts to {OUT}")


if __name__ == "__main__":
    main()
