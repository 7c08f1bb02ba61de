"""Matching real closure notices (Virginia's WARN CSV) to a small account book, through the real CLI."""

from __future__ import annotations

import csv
import json
from datetime import UTC

import pytest
import sqlalchemy as sa

from leads.crawl import parse_saved_file
from leads.db import Database
from leads.models import Evidence, Lead, MatchCandidate
from leads.store import upsert_notices
from tests.helpers import FILES

# Real businesses from the NYC sample, as accounts no Virginia closure should touch.
NYC = FILES / "accounts" / "new-york-city-business-dataset-sample.csv"
PROFILE = """
[[competitor]]
name = "fresh grocery"
name_keywords = ["farm fresh"]
served_industries = ["restaurant", "5812"]
radius_miles = 15
"""


@pytest.fixture
def book(tmp_path):
    """A small account book: planted links to real Virginia notices, plus 30 real unrelated businesses."""
    path = tmp_path / "book.csv"
    with open(NYC, encoding="utf-8-sig", newline="") as fh:
        nyc = list(csv.reader(fh, delimiter=";"))[1:31]
    rows = [
        ["Account ID", "Account Name", "Street", "City", "State", "Zip", "Industry", "Incumbent Vendor"],
        # vendor closed: their supplier AeroFarms (Ringgold VA) closes
        ["V-1", "Danville Bistro", "101 Main St", "Danville", "VA", "24541", "Restaurant", "AeroFarms LLC"],
        ["V-2", "Chatham Grill", "20 Depot St", "Chatham", "VA", "24531", "Restaurant", "Aerofarms"],
        # account closing: the account itself is Giant Delivers in Manassas
        ["C-1", "Giant Delivers", "9000 Center St", "Manassas", "VA", "20110", "Grocery delivery", ""],
        # competitor nearby: a restaurant 2 miles from the Farm Fresh stores that closed in Virginia Beach
        ["N-1", "Beachside Diner", "300 Laskin Rd", "Virginia Beach", "VA", "23451", "Restaurant", "Sysco"],
        # do-not-contact account whose vendor closed: a lead may exist but is never listed
    ]
    rows += [[f"NY-{r[0]}", r[1], r[4], r[7], "NY", r[6][:5], "", ""] for r in nyc]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _load_virginia(db_url: str) -> int:
    notices = parse_saved_file("warn_va", FILES / "warn_va" / "va.csv", "https://www.virginiaworks.gov/warn")
    database = Database(db_url)
    from datetime import datetime

    with database.session() as s:
        upsert_notices(s, notices, datetime.now(UTC))
    database.dispose()
    return len(notices)


def _setup(db_url, leads_cli, book, tmp_path):
    run = lambda *a: leads_cli("--as", "boss", *a, db_url=db_url)  # noqa: E731
    assert run("reps", "add", "boss", "--role", "manager").returncode == 0
    imported = run("accounts", "import", str(book))
    assert imported.returncode == 0, imported.stderr
    _load_virginia(db_url)
    profile = tmp_path / "profile.toml"
    profile.write_text(PROFILE)
    return run, profile


def _leads(db_url: str) -> dict[str, dict]:
    database = Database(db_url)
    out = {}
    with database.session() as s:
        for lead in s.scalars(sa.select(Lead)):
            out[lead.account.external_id] = {
                "status": lead.status,
                "flagged": lead.flagged_closing,
                "score": lead.score,
                "evidence": sorted((e.kind, e.notice.company_name) for e in lead.evidence),
            }
    database.dispose()
    return out


def test_three_link_kinds_on_real_notices_and_idempotent(db_url, leads_cli, book, tmp_path) -> None:
    run, profile = _setup(db_url, leads_cli, book, tmp_path)
    first = run("match", "--profile", str(profile), "--json")
    assert first.returncode == 0, first.stderr
    leads = _leads(db_url)
    assert leads["V-1"]["evidence"] == [("vendor_closed", "AeroFarms")]
    assert leads["V-2"]["evidence"] == [("vendor_closed", "AeroFarms")]
    assert not leads["V-1"]["flagged"] and leads["V-1"]["score"] >= 78
    # Giant Delivers filed two closure notices (2023 and 2025): one account, flagged closing, both as evidence.
    assert leads["C-1"]["flagged"] is True
    assert {e for e in leads["C-1"]["evidence"]} == {("account_closing", "Giant Delivers")}
    assert ("competitor_nearby", "Farm Fresh #6293") in leads["N-1"]["evidence"]
    assert not any(k.startswith("NY-") for k in leads)
    # The evidence card says why.
    why = run("why", "V-1")
    assert "vendor closed, score" in why.stdout and "Vendor AeroFarms (your account's incumbent)" in why.stdout
    card = json.loads(run("why", "V-1", "--json").stdout)[0]
    evidence = card["leads"][0]["evidence"][0]
    assert evidence["source"] == "warn_va" and evidence["matched"]

    # A flagged closing account is not a prospect: not in the list.
    listed = {r["account_id"] for r in json.loads(run("list", "--all", "--json", "--limit", "0").stdout)}
    assert "C-1" not in listed and {"V-1", "V-2", "N-1"} <= listed

    # Running again changes nothing.
    before = _leads(db_url)
    second = run("match", "--profile", str(profile), "--json")
    assert second.returncode == 0
    measures = {r["measure"]: r["value"] for r in json.loads(second.stdout)}
    assert measures["leads created"] == 0 and measures["leads updated"] == 0
    assert _leads(db_url) == before


def test_existing_lead_keeps_status_and_owner(sqlite_url, leads_cli, book, tmp_path) -> None:
    run, profile = _setup(sqlite_url, leads_cli, book, tmp_path)
    run("reps", "add", "ana")
    run("match")
    lead_id = next(r["lead"] for r in json.loads(run("list", "--all", "--json").stdout) if r["account_id"] == "V-1")
    run("assign", str(lead_id), "--to", "ana")
    assert leads_cli("--as", "ana", "status", str(lead_id), "contacted", db_url=sqlite_url).returncode == 0
    # The competitor profile adds a new kind of evidence; the lead keeps its status and owner.
    run("match", "--profile", str(profile))
    row = next(r for r in json.loads(run("list", "--all", "--json").stdout) if r["lead"] == lead_id)
    assert (row["status"], row["owner"]) == ("contacted", "ana")


def test_review_band_confirm_and_reject_persist(db_url, leads_cli, book, tmp_path) -> None:
    run, _ = _setup(db_url, leads_cli, book, tmp_path)
    # A strict accept threshold sends the planted links to review instead.
    first = run("match", "--accept", "99.5", "--review", "60")
    assert first.returncode == 0, first.stderr
    queue = json.loads(run("review", "--json").stdout)
    by_account = {}
    for row in queue:
        by_account.setdefault(row["account_id"], []).append(row)
    assert {"V-1", "V-2"} <= set(by_account)
    confirm = by_account["V-1"][0]["candidate"]
    reject = by_account["V-2"][0]["candidate"]
    assert run("review", "confirm", str(confirm)).returncode == 0
    rejected = run("review", "reject", str(reject), "--note", "different AeroFarms")
    assert rejected.returncode == 0 and "will not be proposed again" in rejected.stdout
    again = run("review", "reject", str(reject))
    assert again.returncode == 1 and "already rejected by boss" in again.stderr
    assert "V-1" in _leads(db_url)
    # Matching again, now with default thresholds: the rejected pair stays rejected, no lead for V-2.
    run("match")
    assert "V-2" not in _leads(db_url) or not any(n == "AeroFarms" for _, n in _leads(db_url)["V-2"]["evidence"])
    database = Database(db_url)
    with database.session() as s:
        statuses = {c.id: c.status for c in s.scalars(sa.select(MatchCandidate))}
        assert statuses[reject] == "rejected" and statuses[confirm] == "confirmed"
        assert s.scalar(sa.select(sa.func.count()).select_from(Evidence)) >= 1
    database.dispose()


def test_reps_cannot_run_matching(sqlite_url, leads_cli, book, tmp_path) -> None:
    run, _ = _setup(sqlite_url, leads_cli, book, tmp_path)
    run("reps", "add", "ana")
    result = leads_cli("--as", "ana", "match", db_url=sqlite_url)
    assert result.returncode == 1 and "only managers can run matching" in result.stderr


def test_dry_run_changes_nothing(sqlite_url, leads_cli, book, tmp_path) -> None:
    run, _ = _setup(sqlite_url, leads_cli, book, tmp_path)
    result = run("match", "--dry-run")
    assert result.returncode == 0 and "Dry run:" in result.stderr
    assert _leads(sqlite_url) == {}
