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
import string
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
    from leads.services.accounts import state_of_zip

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
                    # The samples' "State/Province" holds the county ("Fairfield"): the state is the ZIP's.
                    "State": state_of_zip(r["Postal Code"][:5]) or r["State/Province"],
                    "Zip": r["Postal Code"][:5],
                    "Industry": r["Business Category Code 1 - Description"],
                    "Incumbent Vendor (sample)": vendor,
                    "Do Not Contact": "yes" if rng.random() < 0.02 else "no",
                }
            )
    add_closures_beyond_warn(rows, casual, rng)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} sample accounts to {OUT}")


#: Closures beyond WARN in the snapshot (issue 12): a Chicago licence cancelled, and a chapter 7 case in S.D.N.Y.
CHICAGO_VENDOR = "DECORATORS SUPPLY CORP"
CHAPTER_7_VENDOR = "Shelley Food Stores, Inc. II"


def add_closures_beyond_warn(rows: list[dict[str, str]], casual, rng: random.Random) -> None:
    """A real active Chicago business (the city's licence sample, same ZIP as the closed licence) whose vendor is
    the closed Chicago business, and a New York account whose vendor is the chapter 7 debtor (made up, as every
    vendor here). Run after the LA and NY rows, so those rows stay as they were."""
    from leads.crawl import parse_saved_file

    closed = [
        n
        for n in parse_saved_file(
            "registry_il_chicago", FILES / "registry_il_chicago/rebuilt/r5kz-chrr_closures_part1.json"
        )
        if n.company_name == CHICAGO_VENDOR
    ]
    with open(FILES / "registry_il_chicago" / "raw_licenses_part1.csv", encoding="utf-8", newline="") as fh:
        active = [
            r
            for r in csv.DictReader(fh)
            if r["LICENSE STATUS"] == "AAI" and r["ZIP CODE"] == closed[0].zip5 and r["DOING BUSINESS AS NAME"]
        ]
    chicago = active[0]
    rows.append(
        {
            "Account ID": f"IL-{chicago['ACCOUNT NUMBER']}",
            "Account Name": string.capwords(chicago["DOING BUSINESS AS NAME"]),
            "Street": string.capwords(chicago["ADDRESS"]),
            "City": "Chicago",
            "State": "IL",
            "Zip": chicago["ZIP CODE"],
            "Industry": chicago["LICENSE DESCRIPTION"],
            "Incumbent Vendor (sample)": casual(CHICAGO_VENDOR.title(), rng),
            "Do Not Contact": "no",
        }
    )
    free = [r for r in rows if r["Account ID"].startswith("NY-") and not r["Incumbent Vendor (sample)"]]
    free = [r for r in free if r["Do Not Contact"] == "no"]
    ny = next((r for r in free if "Eating" in r["Industry"]), free[0])  # a restaurant buys from a food store
    ny["Incumbent Vendor (sample)"] = casual(CHAPTER_7_VENDOR, rng)


if __name__ == "__main__":
    main()
