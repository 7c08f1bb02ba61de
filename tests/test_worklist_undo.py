"""Issue 14 item 3: undo shows what it would revert, lists past operations, never silently overrules
later work, and is only for active people with the right role."""

from __future__ import annotations

import json

from leads.db import Database
from leads.models import Rep
from tests import factories as f


def _three_leads(database: Database) -> list[int]:
    with database.session() as s:
        s.add_all([Rep(name="morgan", role="manager", territory={}), Rep(name="lee", role="manager", territory={})])
        s.add_all([Rep(name="ana"), Rep(name="bo")])
        notice = f.notice(s, "n1", "Sysco Virginia")
        rows = [f.lead(s, f.account(s, f"A-{i}", f"Account {i}"), score=90 - i, notice=notice) for i in range(3)]
        s.flush()
        return [r.id for r in rows]


def test_undo_previews_lists_and_protects_worked_leads(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    one, two, three = _three_leads(database)
    run = lambda *a, who="morgan": leads_cli("--as", who, *a, db_url=db_url)  # noqa: E731

    def owners() -> dict[int, str | None]:
        rows = json.loads(run("list", "--all", "--json").stdout)
        return {r["lead"]: r["owner"] for r in rows}

    assert run("assign", str(one), str(two), str(three), "--to", "ana").returncode == 0
    ops = json.loads(run("undo", "--list", "--json").stdout)
    assert [(o["who"], o["what"], o["leads"], o["undone"]) for o in ops] == [
        ("morgan", "assigned 3 leads to ana", 3, None)
    ]
    op = ops[0]["operation"]
    # ana works one of them: the undo names it and changes nothing without --force.
    assert run("status", str(one), "contacted", who="ana").returncode == 0
    dry = run("undo", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    steps = {s["lead"]: s for s in json.loads(dry.stdout)}
    assert steps[one]["note"].startswith("worked since: status change by ana at ")
    assert (steps[two]["field"], steps[two]["now"], steps[two]["back_to"], steps[two]["note"]) == (
        "owner",
        "ana",
        "(none)",
        "",
    )
    assert "would put back the owner of 3 leads; 1 worked since (refused without --force)" in dry.stderr
    refused = run("undo")
    assert refused.returncode == 1
    assert f"worked since 'assigned 3 leads to ana' (operation {op}, by morgan at " in refused.stderr
    assert f": 1 lead ({one}); nothing was undone" in refused.stderr
    assert set(owners().values()) == {"ana"}
    # Reps do not undo a manager's assignment; an inactive manager undoes nothing.
    rep = run("undo", op, who="ana")
    assert rep.returncode == 1 and "only managers can undo 'assigned 3 leads to ana'" in rep.stderr
    assert run("assign", str(two), "--to", "bo", who="lee").returncode == 0
    assert run("reps", "edit", "lee", "--inactive").returncode == 0
    gone = run("undo", who="lee")
    assert gone.returncode == 1 and "lee is not an active member of the team" in gone.stderr
    # Forced: the worked lead goes back too; the lead bo got since is left to bo.
    forced = run("undo", op, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "2 leads restored; 1 left alone because they changed since" in forced.stdout
    assert owners() == {one: None, two: "bo", three: None}
    history = json.loads(run("history", str(one), "--json").stdout)
    assert history[-1]["action"] == "undo_assign" and "forced over status change by ana" in history[-1]["note"]
    again = run("undo", op)
    assert again.returncode == 1 and "was already undone" in again.stderr
    listed = json.loads(run("undo", "--list", "--json").stdout)
    assert [o["who"] for o in listed] == ["lee", "morgan"] and listed[1]["undone"]
    database.dispose()
