"""Issue 14 item 17: bulk status changes on several leads or on a filter, with --dry-run, as one
operation that `leads undo` reverts, with a history row per lead."""

from __future__ import annotations

import json

from leads.db import Database
from leads.models import Rep
from tests import factories as f


def _book(database: Database) -> dict[str, int]:
    """ana's leads: three in VA, one in MD; bo's one in VA."""
    with database.session() as s:
        s.add(Rep(name="morgan", role="manager", territory={}))
        ana, bo = Rep(name="ana"), Rep(name="bo")
        s.add_all([ana, bo])
        notice = f.notice(s, "n1", "Sysco Virginia")
        ids = {}
        for key, state, owner in (("va1", "VA", ana), ("va2", "VA", ana), ("va3", "VA", ana), ("md", "MD", ana)):
            ids[key] = f.lead(
                s, f.account(s, key, f"Account {key}", state=state, owner=owner), owner=owner, notice=notice
            )
        ids["bo"] = f.lead(s, f.account(s, "bo", "Account bo", owner=bo), owner=bo, notice=notice)
        s.flush()
        return {k: v.id for k, v in ids.items()}


def test_bulk_status_by_ids_and_by_filter_is_one_undoable_operation(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    ids = _book(database)
    run = lambda *a, who="ana": leads_cli("--as", who, *a, db_url=db_url)  # noqa: E731

    def statuses() -> dict[int, str]:
        rows = json.loads(run("list", "--all", "--json", who="morgan").stdout)
        return {r["lead"]: r["status"] for r in rows}

    # Several ids: all or nothing. bo's lead is not ana's, so none of the three moves.
    refused = run("status", str(ids["va1"]), str(ids["md"]), str(ids["bo"]), "contacted")
    assert refused.returncode == 1
    assert f"1 of 3 leads cannot move to contacted; nothing was changed: lead {ids['bo']} belongs to bo" in (
        refused.stderr
    )
    assert set(statuses().values()) == {"new"}
    # A filter: her VA leads only (bo's VA lead is not hers); the dry run changes nothing.
    dry = run("status", "--where-state", "VA", "--where-status", "new", "contacted", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: would move 3 leads to contacted; nothing was changed." in dry.stderr
    assert set(statuses().values()) == {"new"}
    moved = run("status", "--where-state", "VA", "--where-status", "new", "contacted", "--note", "called the list")
    assert moved.returncode == 0, moved.stderr
    assert "Moved 3 leads to contacted as one operation" in moved.stderr
    va = [ids["va1"], ids["va2"], ids["va3"]]
    assert sorted(k for k, v in statuses().items() if v == "contacted") == sorted(va)
    history = json.loads(run("history", str(ids["va2"]), "--json").stdout)
    assert (history[-1]["action"], history[-1]["to"], history[-1]["note"]) == ("status", "contacted", "called the list")
    ops = json.loads(run("undo", "--list", "--json").stdout)
    assert [(o["what"], o["leads"]) for o in ops] == [("moved 3 leads to contacted", 3)]
    # Several ids with one already there: it is left as it is.
    both = run("status", str(ids["va1"]), str(ids["md"]), "contacted")
    assert both.returncode == 0, both.stderr
    assert f"Already contacted, left as they are: {ids['va1']}." in both.stderr
    one = run("status", str(ids["md"]), "meeting", "--dry-run")
    assert one.returncode == 0 and "Dry run: would move 1 lead to meeting; nothing was changed." in one.stderr
    # Her own undo reverts her last operation (the md lead), then the three.
    assert run("undo").returncode == 0
    assert statuses()[ids["md"]] == "new"
    undo = run("undo")
    assert undo.returncode == 0, undo.stderr
    assert "Undid 'moved 3 leads to contacted'" in undo.stdout and "3 leads restored" in undo.stdout
    assert set(statuses().values()) == {"new"}
    database.dispose()
