"""Closures beyond WARN in the product (issue 12 item 3), end to end through the real CLI on SQLite and PostgreSQL.

A Chicago licence closure (the saved registry rows, paged by the local SODA server) and a chapter 7 filing
(a D. Del. feed item with its real claims register) are crawled; a small account book is imported; `leads match`
links the closure and the filing to the accounts whose incumbent vendor they are, and the filing's creditor to
the account it is (customer_of_closed); `leads show`, `leads why` and the nightly digest state the evidence.
"""

from __future__ import annotations

import csv
import json
import re

from tests.conftest import FAST_CRAWL
from tests.helpers import FILES
from tests.test_bankruptcy_us import _delaware_feed

CHICAGO = "registry_il_chicago/rebuilt/r5kz-chrr_closures_part1.json"
BOOK = [
    ["Account ID", "Account Name", "Street", "City", "State", "Zip", "Industry", "Incumbent Vendor"],
    ["IL-1", "Bridgeport Paint Works", "3500 S Halsted St", "Chicago", "IL", "60609", "Painting", "Decorators Supply"],
    ["DE-1", "Brandywine Re Advisors", "1000 N West St", "Wilmington", "DE", "19801", "Insurance", "Scottish Holdings"],
    ["CA-1", "Business Wire, Inc.", "101 California St", "San Francisco", "CA", "94111", "News", ""],
]
CHICAGO_FACT = "City of Chicago business licence cancelled on 2012-12-29 (licence 29584, Hazardous Materials at 3610 S Morgan St 1st)"
CH7_FACT = "Chapter 7 petition filed 2018-01-28 in Delaware, case 18-10160"
CREDITOR = "Listed as a creditor of Scottish Holdings, Inc. in its chapter 7 case 18-10160 (Delaware, petition filed 2018-01-28)"


def _chicago_row() -> dict:
    """The saved row the expected Chicago sentence is read from (the site's one closed licence)."""
    rows = json.loads((FILES / CHICAGO).read_bytes())
    (row,) = [r for r in rows if r.get("doing_business_as_name") == "DECORATORS SUPPLY CORP"]
    return row


def test_a_licence_closure_and_a_chapter_7_filing_become_leads_with_their_evidence(
    db_url, server, leads_cli, manager, tmp_path
) -> None:
    row = _chicago_row()
    assert (row["license_status"], row["license_number"], row["license_status_change_date"][:10]) == (
        "AAC",
        "29584",
        "2012-12-29",
    )
    boss = manager(db_url)
    assert boss("reps", "add", "ana").returncode == 0
    book = tmp_path / "book.csv"
    with open(book, "w", newline="") as fh:
        csv.writer(fh).writerows(BOOK)
    imported = boss("accounts", "import", str(book))
    assert imported.returncode == 0, imported.stderr

    feed = server.add("deb/rss_outside.pl", _delaware_feed(), "application/rss+xml")
    server.add("/cgi-bin/SearchClaims.pl?171908", (FILES / "bankruptcy_us" / "deb_claims_register.html").read_bytes())
    crawls = [
        ("registry_il_chicago", "--url", server.url(f"soda/files/{CHICAGO}")),
        ("bankruptcy_us", "--url", feed, "-a", "claims=yes"),
    ]
    for args in crawls:
        done = boss("crawl", *args, *FAST_CRAWL)
        assert done.returncode == 0, done.stderr

    matched = boss("match", "--json")
    assert matched.returncode == 0, matched.stderr
    measures = {r["measure"]: r["value"] for r in json.loads(matched.stdout)}
    assert measures["links vendor_closed/accept"] == 2 and measures["links customer_of_closed/accept"] == 1, measures

    listed = boss("list", "--all", "--json")
    assert listed.returncode == 0, listed.stderr
    lead_of = {r["account_id"]: r["lead"] for r in json.loads(listed.stdout)}
    cards = {}
    for account in ("IL-1", "DE-1", "CA-1"):
        show = boss("show", str(lead_of[account]))
        assert show.returncode == 0, show.stderr
        cards[account] = [" ".join(show.stdout.split())]
    why = boss("why", "CA-1")  # `leads why` prints the same evidence lines as the card
    assert why.returncode == 0, why.stderr
    cards["CA-1"].append(" ".join(why.stdout.split()))
    for text in cards["IL-1"]:
        assert "- vendor closed, score" in text
        assert (
            f"Vendor DECORATORS SUPPLY CORP (your account's incumbent): {CHICAGO_FACT}, in this account's ZIP" in text
        )
    for text in cards["DE-1"]:
        assert f"Vendor Scottish Holdings, Inc. (your account's incumbent): {CH7_FACT}; name agreement 100." in text
    for text in cards["CA-1"]:
        assert (
            "creditor of a liquidation" in text and f"{CREDITOR}, as Business Wire, Inc. at 101 California St." in text
        )

    nightly = boss("nightly", "--no-crawl")
    assert nightly.returncode == 0, nightly.stdout + nightly.stderr
    (path,) = (tmp_path / "data" / "digests").glob("digest-*.txt")
    digest = path.read_text()
    ana = digest.split("== ana: 3 new leads")[1].split("\n== ")[0]
    sections = re.findall(r"^  -- (.+): (\d+)$", ana, re.M)
    assert sections == [
        ("City registry closures", "1"),
        ("Bankruptcy, chapter 7 (liquidation)", "1"),
        ("Creditors of liquidating businesses", "1"),
    ]
    assert f"why: its vendor closed: DECORATORS SUPPLY CORP: {CHICAGO_FACT} (registry_il_chicago; score" in ana
    assert f"why: its vendor closed: Scottish Holdings, Inc.: {CH7_FACT} (bankruptcy_us; score" in ana
    assert (
        f"why: it is a creditor of a liquidating business: Scottish Holdings, Inc.: {CH7_FACT} (bankruptcy_us; score"
        in ana
    )
