"""Output a person reads (issue 14 items 6-9, issue 9's evidence in words), through the real CLI."""

from __future__ import annotations

import json
import re

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
    assert "this account itself looks to be closing" in closing and "carried by rare name" in closing
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
    assert "weakened by no address" in table.stdout and "miles away" in table.stdout
    rows = json.loads(run("review", "--json").stdout)
    assert all(isinstance(r["matched"], dict) and r["evidence"] for r in rows)


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
