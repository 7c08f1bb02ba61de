"""`leads match` through the database (SQLite and PostgreSQL) on real Virginia WARN notices: account coordinates
imported, a chain's namesake at another place held back, and the evidence naming what carried and weakened
each link."""

from __future__ import annotations

import csv

import sqlalchemy as sa

from leads.db import Database
from leads.models import Account, Evidence, Lead, MatchCandidate
from tests.test_match import _load_virginia


def _book(tmp_path, rows):
    path = tmp_path / "book.csv"
    header = ["Account ID", "Account Name", "Street", "City", "State", "Zip", "Latitude", "Longitude"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def test_chain_namesake_elsewhere_is_held_back_and_evidence_says_why(db_url, leads_cli, tmp_path) -> None:
    # Virginia's WARN file has two Giant Delivers closures in Manassas (no street). The book holds the
    # Manassas account (with its CRM geocode) and a Giant Delivers in Frederick, Maryland.
    book = _book(tmp_path, [
        ["C-1", "Giant Delivers", "9000 Center St", "Manassas", "VA", "20110", "38.7509", "-77.4753"],
        ["C-2", "Giant Delivers", "12 N Market St", "Frederick", "MD", "21701", "", ""],
    ])  # fmt: skip
    run = lambda *a: leads_cli("--as", "boss", *a, db_url=db_url)  # noqa: E731
    assert run("reps", "add", "boss", "--role", "manager").returncode == 0
    imported = run("accounts", "import", str(book))
    assert imported.returncode == 0, imported.stderr
    _load_virginia(db_url)
    result = run("match")
    assert result.returncode == 0, result.stderr

    database = Database(db_url)
    with database.session() as s:
        coords = dict(
            (e, (la, lo)) for e, la, lo in s.execute(sa.select(Account.external_id, Account.lat, Account.lon))
        )
        assert coords == {"C-1": (38.7509, -77.4753), "C-2": (None, None)}
        leads = {lead.account.external_id: lead for lead in s.scalars(sa.select(Lead))}
        assert set(leads) == {"C-1"}  # the Maryland namesake is another place
        ev = s.scalars(sa.select(Evidence).where(Evidence.lead_id == leads["C-1"].id)).first().matched
        assert ev["carried_by"] == ["same name", "same city"]
        assert ev["weakened_by"] == ["no address", "common name (2 places, one in this city)"]
        assert ev["name_places"] == 2
        pending = [c.account.external_id for c in s.scalars(sa.select(MatchCandidate)) if c.status == "pending"]
        assert pending == []  # the Maryland one ranks below the Manassas account for the same closures
    database.dispose()


def test_bad_coordinates_name_the_row(db_url, leads_cli, tmp_path) -> None:
    book = _book(tmp_path, [["C-1", "Giant Delivers", "9000 Center St", "Manassas", "VA", "20110", "north", "-77.4"]])
    run = lambda *a: leads_cli("--as", "boss", *a, db_url=db_url)  # noqa: E731
    assert run("reps", "add", "boss", "--role", "manager").returncode == 0
    imported = run("accounts", "import", str(book))
    assert imported.returncode == 1
    assert "line 2" in imported.stderr and "latitude/longitude 'north', '-77.4' are not numbers" in imported.stderr
