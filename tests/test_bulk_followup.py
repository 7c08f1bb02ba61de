"""Issue 14 item 4: follow-up and note on several leads or on a filter, as bulk status does: --dry-run,
all or nothing, one operation that `leads undo` reverts (a note is retracted, never deleted)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from leads.db import Database
from tests import test_security_pg
from tests.test_worklist_bulk import _book

roles, team = test_security_pg.roles, test_security_pg.team  # PostgreSQL logins per rep, used by name


def test_bulk_follow_up_is_one_undoable_operation_that_respects_later_work(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    ids = _book(database)
    database.dispose()
    va1, va2, va3 = ids["va1"], ids["va2"], ids["va3"]

    def run(*args: str, who: str = "ana"):
        return leads_cli("--as", who, *args, db_url=db_url, env={"LEADS_TODAY": "2025-12-24", "COLUMNS": "80"})

    def follow_ups() -> dict[int, tuple[str | None, str | None]]:
        cards = {i: json.loads(run("show", str(i), "--json").stdout)[0] for i in (va1, va2, va3, ids["bo"])}
        return {i: (c["follow_up"], c["follow_up_time"]) for i, c in cards.items()}

    # bo's lead is not ana's: none of the three changes.
    refused = run("follow-up", str(va1), str(va2), str(ids["bo"]), "next", "monday")
    assert refused.returncode == 1
    assert f"1 of 3 leads cannot take this follow-up; nothing was changed: lead {ids['bo']} belongs to bo" in (
        refused.stderr
    )
    assert run("follow-up", str(va1), "tomorrow").stdout == f"Lead {va1} follow-up: 2025-12-25 (Thursday).\n"

    dry = run("follow-up", "--where-state", "VA", "next", "monday", "10am", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: would set the follow-up of 3 leads to 2025-12-29 10:00 (Monday); nothing was changed." in (
        dry.stderr
    )
    table = {int(line.split()[0]): line.split()[-3:] for line in dry.stdout.splitlines()[1:]}
    assert table == {
        va1: ["2025-12-25", "2025-12-29", "10:00"],
        va2: ["(none)", "2025-12-29", "10:00"],
        va3: ["(none)", "2025-12-29", "10:00"],
    }
    before = {va1: ("2025-12-25", None), va2: (None, None), va3: (None, None), ids["bo"]: (None, None)}
    assert follow_ups() == before

    done = run("follow-up", "--where-state", "VA", "next", "monday", "10am")
    assert done.returncode == 0, done.stderr
    assert "Set the follow-up of 3 leads to 2025-12-29 10:00 (Monday) as one operation" in done.stderr
    assert follow_ups() == {
        va1: ("2025-12-29", "10:00"),
        va2: ("2025-12-29", "10:00"),
        va3: ("2025-12-29", "10:00"),
    } | {ids["bo"]: (None, None)}
    ops = json.loads(run("undo", "--list", "--json").stdout)
    assert [(o["what"], o["leads"]) for o in ops] == [("follow-up of 3 leads to 2025-12-29 10:00", 3)]

    # ana works one of them since: the undo names it and changes nothing without --force.
    assert run("note", str(va2), "called, call back in January").returncode == 0
    steps = {s["lead"]: s for s in json.loads(run("undo", "--dry-run", "--json").stdout)}
    assert (steps[va1]["field"], steps[va1]["now"], steps[va1]["back_to"]) == (
        "follow_up",
        "2025-12-29 10:00",
        "2025-12-25",
    )
    assert steps[va2]["note"].startswith("worked since: note by ana at 2025-12-24")
    held = run("undo")
    assert held.returncode == 1 and f": 1 lead ({va2}); nothing was undone" in held.stderr
    assert follow_ups()[va1] == ("2025-12-29", "10:00")
    forced = run("undo", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "3 leads restored" in forced.stdout
    assert follow_ups() == before
    history = json.loads(run("history", str(va1), "--json").stdout)
    assert (history[-1]["action"], history[-1]["from"], history[-1]["to"]) == (
        "follow_up",
        "2025-12-29 10:00",
        "2025-12-25",
    )


def test_bulk_note_is_one_operation_and_its_undo_retracts_it_in_the_history(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    ids = _book(database)
    database.dispose()
    va1, bo = ids["va1"], ids["bo"]

    def run(*args: str, who: str = "ana"):
        return leads_cli("--as", who, *args, db_url=db_url)

    def notes(lead: int) -> list[tuple[str, str]]:
        rows = json.loads(run("history", str(lead), "--json").stdout)
        return [(h["action"], h["note"]) for h in rows if h["action"].startswith("note")]

    # A rep notes only her own leads; a manager any.
    refused = run("note", str(va1), str(bo), "Q1 campaign")
    assert refused.returncode == 1
    assert f"1 of 2 leads cannot take the note; nothing was changed: lead {bo} belongs to bo" in refused.stderr
    dry = run("note", "--where-state", "VA", "Mailed the Q1 flyer", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: would add the note to 3 leads; nothing was changed." in dry.stderr
    assert notes(va1) == []

    added = run("note", str(va1), str(bo), "Q1 campaign", who="morgan")
    assert added.returncode == 0, added.stderr
    assert "Added the note to 2 leads as one operation" in added.stderr
    assert notes(va1)[-1] == ("note", "Q1 campaign") and notes(bo)[-1] == ("note", "Q1 campaign")
    ops = json.loads(run("undo", "--list", "--json", who="morgan").stdout)
    assert [(o["what"], o["leads"]) for o in ops] == [("noted 2 leads: “Q1 campaign”", 2)]

    exported = list(csv.DictReader(io.StringIO(run("export", "--preset", "hubspot", "--all", who="morgan").stdout)))
    assert {row["Last Note"] for row in exported if row["Company name"] in ("Account va1", "Account bo")} == {
        "Q1 campaign"
    }
    undone = run("undo", who="morgan")
    assert undone.returncode == 0, undone.stderr
    assert "the note is marked retracted on 2 leads (notes are kept)" in undone.stdout
    # The note is still there, followed by its retraction; exports no longer carry it as the last note.
    for lead in (va1, bo):
        (kept, retracted) = notes(lead)[-2:]
        assert kept == ("note", "Q1 campaign")
        assert retracted[0] == "note" and retracted[1].startswith("retracted “Q1 campaign”: undo of")
    exported = list(csv.DictReader(io.StringIO(run("export", "--preset", "hubspot", "--all", who="morgan").stdout)))
    assert "Q1 campaign" not in {row["Last Note"] for row in exported}


@pytest.mark.postgres
def test_a_reps_own_login_bulk_follow_up_and_note_and_their_undo(team, leads_cli) -> None:
    """On PostgreSQL with row-level security and history triggers, a rep's undo is her own work."""
    as_ana = lambda *a: leads_cli(*a, db_url=team.url("ana"), env={"LEADS_TODAY": "2025-12-24"})  # noqa: E731
    mine = [str(i) for i in team.leads["ana"]]
    for args in (["follow-up", *mine, "eow"], ["undo"], ["note", *mine, "Mailed the flyer"], ["undo"]):
        done = as_ana(*args)
        assert done.returncode == 0, (args, done.stderr)
    history = json.loads(as_ana("history", mine[0], "--json").stdout)
    assert [(h["action"], h["to"]) for h in history] == [
        ("follow_up", "2025-12-26"),
        ("follow_up", None),
        ("note", None),
        ("note", None),
    ]
    assert history[-1]["note"].startswith("retracted “Mailed the flyer”: undo of")
    theirs = as_ana("note", mine[0], str(team.leads["bo"][0]), "x")
    assert theirs.returncode == 1 and "nothing was changed" in theirs.stderr
