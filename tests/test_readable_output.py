"""Output a person reads (issue 14 items 6-9, issue 9's evidence in words), through the real CLI."""

from __future__ import annotations

import csv
import json
import re

import pytest

from leads.services.listing import LIST_COLUMNS
from tests import test_match
from tests.test_match import _setup

book = test_match.book  # the small Virginia account book fixture, used by name


def _cli(leads_cli, db_url, columns=200):
    def run(*args: str, who: str = "boss"):
        return leads_cli("--as", who, *args, db_url=db_url, env={"COLUMNS": str(columns)})

    return run


def test_show_and_why_say_the_evidence_in_sentences(db_url, leads_cli, book, tmp_path) -> None:
    run0, profile = _setup(db_url, leads_cli, book, tmp_path)
    assert run0("match", "--profile", str(profile)).returncode == 0
    run = _cli(leads_cli, db_url)
    why = run("why", "V-1")
    assert why.returncode == 0, why.stderr
    text = " ".join(why.stdout.split())
    # AeroFarms' Ringgold VA site is located by its city centre, about 8 miles from Danville's ZIP.
    assert re.search(
        r"Vendor AeroFarms \(your account's incumbent\) filed a WARN closure notice on 2025-12-11 "
        r"\(effective 2025-12-19\) for its Ringgold VA site, about 8(\.\d)? miles from this account, "
        r"affecting 173 employees; name agreement 100\.",
        text,
    ), text
    assert "{" not in why.stdout and "'" not in why.stdout.replace("account's", "")
    lead = json.loads(run("why", "V-1", "--json").stdout)[0]["leads"][0]["lead"]
    card = " ".join(run("show", str(lead)).stdout.split())
    assert "Vendor AeroFarms (your account's incumbent) filed a WARN closure notice on 2025-12-11" in card
    assert "source: warn_va https://www.virginiaworks.gov/warn" in card
    # The closing account: the sentence says so, with what carried and what weakened the link.
    closing = " ".join(run("why", "C-1").stdout.split())
    assert "Giant Delivers filed a WARN closure notice on 2025-12-12" in closing
    assert (
        "this account itself looks to be closing" in closing
        and "what carried it: a name no other place in the data bears" in closing
    )
    # A competitor's closure names the distance and the radius.
    nearby = " ".join(run("why", "N-1").stdout.split())
    assert re.search(
        r"Farm Fresh #\d+, a fresh grocery competitor .* miles from this account \(within the 15-mile", nearby
    )


def test_review_evidence_is_a_readable_cell_and_json_keeps_the_raw_evidence(db_url, leads_cli, book, tmp_path) -> None:
    run0, profile = _setup(db_url, leads_cli, book, tmp_path)
    assert run0("match", "--profile", str(profile)).returncode == 0
    run = _cli(leads_cli, db_url)
    table = run("review")
    assert table.returncode == 0 and "evidence" in table.stdout.splitlines()[0]
    assert "{" not in table.stdout and '"' not in table.stdout
    assert "miles away" in table.stdout
    rows = json.loads(run("review", "--json").stdout)
    assert all(isinstance(r["matched"], dict) and r["evidence"] for r in rows)
    # At 200 columns the whole queue fits with its evidence in full: every cell is the sentence, uncut.
    assert all(r["evidence"] in table.stdout for r in rows) and "…" not in table.stdout


def test_evidence_never_puts_same_city_beside_a_far_distance() -> None:
    """ZIPs published at 0,0 (an unknown location) no longer drag a city's centre out to sea."""
    from leads.evidence_text import evidence_sentence
    from leads.matching import geo

    la = geo.city_point("los angeles", "CA")
    assert la is not None and geo.miles(la, geo.zip_point("90071")) < 10
    matched = {
        "location": {"agreement": "same city", "distance_miles": 69.5, "notice_located_by": "city"},
        "vendor": {"score": 100.0},
    }
    notice = {"closed_business": "Instacart", "source": "warn_ca", "notice_type": "closure", "city": "Los Angeles"}
    sentence = evidence_sentence("vendor_closed", matched, notice)
    assert "in this account's city" in sentence and "miles" not in sentence


LONG_NAME = "Danville Bistro and Catering Company of Southern Virginia Holdings, LLC"


@pytest.fixture
def long_book(tmp_path):
    """Accounts whose vendors closed in Virginia, one with a name longer than a narrow terminal allows."""
    path = tmp_path / "long.csv"
    rows = [
        ["Account ID", "Account Name", "Street", "City", "State", "Zip", "Industry", "Incumbent Vendor"],
        ["V-1", LONG_NAME, "101 Main St", "Danville", "VA", "24541", "Restaurant", "AeroFarms LLC"],
        ["V-2", "Chatham Grill", "20 Depot St", "Chatham", "VA", "24531", "Restaurant", "Aerofarms"],
        ["N-1", "Beachside Diner", "300 Laskin Rd", "Virginia Beach", "VA", "23451", "Restaurant", "Sysco"],
    ]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_list_fits_80_and_120_columns_without_wrapping(db_url, leads_cli, long_book, tmp_path) -> None:
    run0, profile = _setup(db_url, leads_cli, long_book, tmp_path)
    assert run0("match", "--profile", str(profile)).returncode == 0
    count = len(json.loads(run0("list", "--all", "--json").stdout))
    assert count >= 3
    for width in (80, 120):
        shown = _cli(leads_cli, db_url, columns=width)("list", "--all")
        assert shown.returncode == 0, shown.stderr
        lines = shown.stdout.splitlines()
        assert len(lines) == count + 1, shown.stdout  # a header and one line per lead: no cell wrapped
        assert all(len(line) <= width for line in lines), [len(line) for line in lines]
        header = lines[0].split()
        assert header[:2] == ["lead", "priority"] and {"account", "why", "status", "state"} <= set(header)
        assert "…" in shown.stdout and LONG_NAME not in shown.stdout
    # At 120 there is room for more: the city and the owner.
    assert "city" in _cli(leads_cli, db_url, columns=120)("list", "--all").stdout.splitlines()[0]

    wide = _cli(leads_cli, db_url, columns=80)("list", "--all", "--wide")
    assert LONG_NAME in wide.stdout and "…" not in wide.stdout
    assert wide.stdout.splitlines()[0].split() == LIST_COLUMNS
    assert "match 97, closed" in wide.stdout  # the full why

    picked = _cli(leads_cli, db_url, columns=80)("list", "--all", "--columns", "lead,account,phone")
    assert picked.stdout.splitlines()[0].split() == ["lead", "account", "phone"]
    as_csv = _cli(leads_cli, db_url, columns=80)("list", "--all", "--csv", "--columns", "account_id,zip")
    assert as_csv.stdout.splitlines()[0] == "account_id,zip"
    full_csv = _cli(leads_cli, db_url, columns=40)("list", "--all", "--csv")
    assert full_csv.stdout.splitlines()[0] == ",".join(LIST_COLUMNS) and LONG_NAME in full_csv.stdout

    bad = run0("list", "--columns", "lead,acount")
    assert bad.returncode == 1 and "no column acount" in bad.stderr and "account_id" in bad.stderr
