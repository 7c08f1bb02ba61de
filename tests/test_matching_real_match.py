"""`leads match` through the database (SQLite and PostgreSQL) on real Chicago closures: each failure class of
issue 9, and the evidence of each link in words (`leads why`).

The notices are the 348 cancelled or revoked licences of the City of Chicago's export
(tests/files/registry_il_chicago/raw_licenses_part1.csv, stored by `leads crawl registry_il_chicago --file`, with
the coordinates the city publishes). The account book is made of real licence rows of the same export: a CVS branch
of the same licence account at another address (part 2 of the export, ../shared/data/businesses), the other tenants
of an office tower where two of the closed businesses were (53 W Jackson Blvd), and closed businesses themselves as a
CRM would hold them (street written "Morgan Street, 3610", no street at all, a geocode instead of a street).
"""

from __future__ import annotations

import csv

import sqlalchemy as sa

from leads.db import Database
from leads.models import Account, Lead
from tests.helpers import FILES

LICENCES = FILES / "registry_il_chicago" / "raw_licenses_part1.csv"
HEADER = ["Account ID", "Account Name", "Street", "City", "State", "Zip", "Latitude", "Longitude"]


def _licence(dba: str) -> dict[str, str]:
    with open(LICENCES, newline="", encoding="utf-8") as fh:
        return next(r for r in csv.DictReader(fh) if r["DOING BUSINESS AS NAME"] == dba)


def _book(tmp_path) -> str:
    ron = _licence("RON'S GOLD SHOP")  # closed (AAC) at 9203 S Commercial Ave, geocoded by the city
    far = f"{float(ron['LATITUDE']) + 0.05:.9f}"  # the same name 3.5 miles north: another shop
    rows = [
        # CVS licence account 299710, site 6 (export part 2): a branch; site 67, 4800 N Damen Ave, closed.
        ["CHAIN-OTHER", "CVS/PHARMACY #8694", "2722 N CENTRAL AVE", "CHICAGO", "IL", "60639", "", ""],
        ["CHAIN-SAME", "CVS Pharmacy", "4800 N Damen Ave", "Chicago", "IL", "60625", "", ""],
        # 53 W Jackson Blvd: Pro Active Strategies (suite 1115) and Acento Securities (1302) closed; Barry
        # Personnel (1505), Alliance Financial and Computer Patch (1157) did not.
        ["TOWER-OTHER", "BARRY PERSONNEL RESOURCES INC", "53 W JACKSON BLVD  1505", "CHICAGO", "IL", "60604", "", ""],
        ["TOWER-OTHER-2", "ALLIANCE FINANCIAL LLC", "53 W JACKSON BLVD", "CHICAGO", "IL", "60604", "", ""],
        ["TOWER-OTHER-3", "IBEX II COMPUTER CENTER", "53 W JACKSON BLVD  1157", "CHICAGO", "IL", "60604", "", ""],
        ["TOWER-SAME", "Pro Active Strategies, Inc.", "53 W Jackson Blvd Suite 1115", "Chicago", "IL", "60604", "", ""],
        ["SWAPPED", "Decorators Supply Corp", "S Morgan Street, 3610", "Chicago", "IL", "60609", "", ""],
        ["NO-ADDRESS", "Lakeshore Athletic Club Streeterville", "", "Chicago", "IL", "", "", ""],
        ["GEOCODE", "Ron's Gold Shop", "", "", "IL", "", ron["LATITUDE"], ron["LONGITUDE"]],
        ["GEOCODE-FAR", "Ron's Gold Shop", "", "", "IL", "", far, ron["LONGITUDE"]],
    ]  # fmt: skip
    path = tmp_path / "book.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return str(path)


def test_each_failure_class_through_leads_match(db_url, leads_cli, tmp_path) -> None:
    run = lambda *a: leads_cli("--as", "boss", *a, db_url=db_url, env={"COLUMNS": "200"})  # noqa: E731
    assert run("reps", "add", "boss", "--role", "manager").returncode == 0
    imported = run("accounts", "import", _book(tmp_path))
    assert imported.returncode == 0, imported.stderr
    crawled = run("crawl", "registry_il_chicago", "--file", str(LICENCES))
    assert crawled.returncode == 0, crawled.stderr
    matched = run("match")
    assert matched.returncode == 0, matched.stderr

    database = Database(db_url)
    with database.session() as s:
        leads = {
            lead.account.external_id: lead.evidence[0].matched
            for lead in s.scalars(sa.select(Lead).join(Account))
            if lead.evidence and lead.evidence[0].kind == "account_closing"
        }
    database.dispose()
    # Not linked: a chain's branch at another address, another tenant of the tower, the namesake 3.5 miles away.
    assert sorted(leads) == ["CHAIN-SAME", "GEOCODE", "NO-ADDRESS", "SWAPPED", "TOWER-SAME"]
    assert "same street" in leads["CHAIN-SAME"]["carried_by"]
    assert "same street" in leads["SWAPPED"]["carried_by"]  # "S Morgan Street, 3610" = "3610 S MORGAN ST 1ST"
    assert "rare name" in leads["NO-ADDRESS"]["carried_by"] and "no address" in leads["NO-ADDRESS"]["weakened_by"]
    assert "distance" in leads["GEOCODE"]["carried_by"] and leads["GEOCODE"]["distance_miles"] == 0.0
    tower = leads["TOWER-SAME"]
    assert tower["businesses_at_address"] >= 3 and any(w.startswith("shared address") for w in tower["weakened_by"])

    # `leads why` says it in words.
    def why(account: str) -> str:
        out = run("why", account)
        assert out.returncode == 0, out.stderr
        return " ".join(out.stdout.split())

    text = why("NO-ADDRESS")
    assert "what carried it: a name no other place in the data bears" in text
    assert "what weakened it: no street address to compare" in text
    text = why("GEOCODE")
    assert "looks to be closing; under a mile from this account; name agreement 100" in text
    assert "the two sites under a mile apart" in text
    assert "businesses share the street address" in why("TOWER-SAME")
    assert "No closure is linked to this account." in why("TOWER-OTHER")


def test_every_reason_of_the_matcher_reads_as_words() -> None:
    # The reasons leads.matching.frequency.judge writes, as `leads why` and `leads show` print them.
    from leads.evidence_text import evidence_sentence

    matched = {
        "name": {"score": 100},
        "carried_by": ["same name", "same city", "distance"],
        "weakened_by": ["common name (7 places)", "common name (2 places, one in this city)", "different postcode",
                        "shared address (12 businesses)", "different house number", "3.4 miles apart", "no street"],
        "distance_miles": 0.1,
    }  # fmt: skip
    text = evidence_sentence("account_closing", matched, {"closed_business": "7-ELEVEN"})
    assert text.endswith(
        "what carried it: the same name, the same city and the two sites under a mile apart; what weakened it: "
        "7 places bear this name (a chain or a common name), 2 places bear this name, one of them in this city, "
        "a different postcode, 12 businesses share the street address, a different house number, the two sites "
        "3.4 miles apart and no street name to compare."
    ), text
