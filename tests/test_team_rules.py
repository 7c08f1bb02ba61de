"""Territories as a manager reads them (states OR ZIPs OR cities), explicit edits, and team validation, via the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta

import sqlalchemy as sa

from leads.db import Database
from leads.models import Lead, Rep
from tests import factories as f


def _leads(database: Database, places: list[tuple[str, str, str]], *, owner: str | None = None) -> list[int]:
    with database.session() as s:
        rep = s.scalar(sa.select(Rep).where(Rep.name == owner)) if owner else None
        n = f.notice(s, "n1", "Sysco Virginia", effective=date.today() + timedelta(days=10), employees=300)
        rows = []
        for i, (state, zip5, city) in enumerate(places):
            acct = f.account(s, f"A-{i}", f"Account {i}", state=state, zip5=zip5, city=city, vendor="Sysco Virginia")
            rows.append(f.lead(s, acct, score=95 - i, notice=n, closure=n.effective_date, owner=rep))
        s.flush()
        return [r.id for r in rows]


def _owners(database: Database) -> dict[str, str | None]:
    with database.session() as s:
        return {
            lead.account.external_id: lead.owner.name if lead.owner else None for lead in s.scalars(sa.select(Lead))
        }


def test_territory_rules_combine_with_or(db_url, manager) -> None:
    """States NY,NJ and zips 100,101: every NY lead is hers, and so is a ZIP 101 lead filed under another state."""
    boss = manager(db_url)
    assert boss("reps", "add", "mia", "--states", "NY,NJ", "--zips", "100,101").returncode == 0
    assert boss("reps", "add", "ana", "--cities", "Richmond").returncode == 0
    database = Database(db_url)
    _leads(
        database,
        [
            ("NY", "14201", "Buffalo"),
            ("NJ", "07030", "Hoboken"),
            ("CT", "10101", "Nowhere"),
            ("VA", "23220", "Richmond"),
        ],
    )
    auto = boss("assign", "--auto")
    assert auto.returncode == 0, auto.stderr
    assert _owners(database) == {"A-0": "mia", "A-1": "mia", "A-2": "mia", "A-3": "ana"}
    assert "4 by territory" in auto.stderr
    listed = {r["name"]: r["territory"] for r in json.loads(boss("reps", "list", "--json").stdout)}
    assert listed["mia"] == "states NJ,NY or zips 100,101"
    assert listed["ana"] == "cities Richmond"
    for command in (["reps", "list", "--help"], ["reps", "add", "--help"], ["reps", "edit", "--help"]):
        assert " OR " in boss(*command).stdout
    database.dispose()


def test_territory_edits_are_explicit(db_url, manager) -> None:
    boss = manager(db_url)
    assert boss("reps", "add", "mia", "--states", "NY,NJ", "--zips", "100,101").returncode == 0
    territory = lambda: {r["name"]: r["territory"] for r in json.loads(boss("reps", "list", "--json").stdout)}["mia"]  # noqa: E731

    # --zips replaces the ZIPs only; her states stay.
    zips = boss("reps", "edit", "mia", "--zips", "102")
    assert zips.returncode == 0, zips.stderr
    assert zips.stdout.strip() == (
        "Updated mia: territory states NJ,NY or zips 102 (was states NJ,NY or zips 100,101)."
    )
    assert territory() == "states NJ,NY or zips 102"
    # Add and remove by value, several kinds at once; a full state name is a state.
    both = boss("reps", "edit", "mia", "--add-states", "virginia,ny", "--remove-states", "NJ", "--add-zips", "103")
    assert both.returncode == 0, both.stderr
    assert territory() == "states NY,VA or zips 102,103"
    assert boss("reps", "edit", "mia", "--remove-zips", "102,103", "--add-cities", "Hoboken").returncode == 0
    assert territory() == "states NY,VA or cities Hoboken"
    # Nothing to change says so, instead of "Updated mia".
    same = boss("reps", "edit", "mia", "--add-states", "VA")
    assert same.returncode == 0 and same.stdout.startswith("No change to mia")
    # --clear-territory with other rules is refused and changes nothing; alone, it clears.
    mixed = boss("reps", "edit", "mia", "--clear-territory", "--states", "NY,NJ")
    assert mixed.returncode == 1 and "--clear-territory removes every rule: use it alone" in mixed.stderr
    assert territory() == "states NY,VA or cities Hoboken"
    conflict = boss("reps", "edit", "mia", "--states", "TX", "--add-states", "OK")
    assert conflict.returncode == 1 and "--states replaces the states" in conflict.stderr
    cleared = boss("reps", "edit", "mia", "--clear-territory")
    assert cleared.returncode == 0 and "territory none (was states NY,VA or cities Hoboken)" in cleared.stdout
    assert territory() == ""
    assert boss("reps", "edit", "mia", "--clear-territory").stdout.startswith("No change to mia")


def test_team_validation(db_url, manager) -> None:
    boss = manager(db_url)
    bad_state = boss("reps", "add", "mia", "--states", "NY,ZZ")
    assert bad_state.returncode == 1 and "unknown state 'ZZ'" in bad_state.stderr
    assert boss("reps", "add", "mia", "--capacity", "-5").returncode == 2
    assert boss("reps", "add", "mia", "--zips", "1000001").returncode == 1
    assert boss("reps", "add", "mia", "--states", "NY", "--capacity", "2").returncode == 0
    negative = boss("reps", "edit", "mia", "--capacity", "-5")
    assert negative.returncode == 2 and "-5 is not in the range x>=0" in negative.stderr
    assert boss("reps", "edit", "mia", "--add-states", "ZZ").returncode == 1
    reps = json.loads(boss("reps", "list", "--json").stdout)
    assert {r["name"]: (r["territory"], r["capacity"]) for r in reps}["mia"] == ("states NY", 2)


def test_handover_past_capacity_needs_force(db_url, manager) -> None:
    """A hand-over or a hand assignment that takes a rep past capacity is refused unless forced."""
    boss = manager(db_url)
    assert boss("reps", "add", "ana").returncode == 0
    assert boss("reps", "add", "cy", "--capacity", "2").returncode == 0
    database = Database(db_url)
    ids = _leads(database, [("VA", "22030", "Fairfax")] * 3, owner="ana")

    refused = boss("reps", "deactivate", "ana", "--to", "cy")
    assert refused.returncode == 1
    assert "cy would carry 3 open leads against a capacity of 2 (now 0, 3 more)" in refused.stderr
    assert "--force" in refused.stderr
    assert set(_owners(database).values()) == {"ana"}
    preview = boss("reps", "deactivate", "ana", "--to", "cy", "--dry-run")
    assert preview.returncode == 0 and "Warning: cy would carry 3 open leads" in preview.stderr

    by_hand = boss("assign", str(ids[0]), str(ids[1]), str(ids[2]), "--to", "cy")
    assert by_hand.returncode == 1 and "capacity of 2" in by_hand.stderr
    assert boss("assign", str(ids[0]), "--to", "cy").returncode == 0  # within capacity: no word

    forced = boss("reps", "deactivate", "ana", "--to", "cy", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "Warning: cy would carry 3 open leads against a capacity of 2 (now 1, 2 more)" in forced.stderr
    assert set(_owners(database).values()) == {"cy"}
    database.dispose()
