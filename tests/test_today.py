"""Issue 14 item 16: `leads today`, a rep's day in one view: new to you, follow-ups due, accounts closing."""

from __future__ import annotations

import json

import sqlalchemy as sa

from leads.db import Database
from leads.models import Lead, Rep
from tests import factories as f


def test_today_shows_new_due_and_closing_and_passes_only_the_new(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    with database.session() as s:
        s.add_all([Rep(name="morgan", role="manager", territory={}), Rep(name="ana"), Rep(name="bo")])
        notice = f.notice(s, "n1", "Sysco Virginia")
        ids = []
        for i in range(5):
            ids.append(f.lead(s, f.account(s, f"A-{i}", f"Account {i}"), score=90 - i, notice=notice))
        s.flush()
        ids = [lead.id for lead in ids]
    run = lambda *a, who="morgan": leads_cli("--as", who, *a, db_url=db_url)  # noqa: E731
    assert run("assign", *map(str, ids[:4]), "--to", "ana").returncode == 0
    assert run("assign", str(ids[4]), "--to", "bo").returncode == 0
    # ana has seen leads 0-1 already; lead 1 is due; lead 3 is an account that is closing itself.
    assert run("list", "--new", "--json", "--limit", "2", who="ana").returncode == 0
    assert run("follow-up", str(ids[1]), "today", who="ana").returncode == 0
    with database.session() as s:
        s.execute(sa.update(Lead).where(Lead.id == ids[3]).values(flagged_closing=True))

    day = run("today", "--json", who="ana")
    assert day.returncode == 0, day.stderr
    sections = {key: [row["lead"] for row in rows] for key, rows in json.loads(day.stdout).items()}
    assert sections == {"new": [ids[2]], "due": [ids[1]], "closing": [ids[3]]}  # bo's lead 4 is not hers
    # What today showed as new is no longer new; due and closing stay until worked.
    again = json.loads(run("today", "--json", who="ana").stdout)
    assert [r["lead"] for r in again["new"]] == [] and [r["lead"] for r in again["due"]] == [ids[1]]
    assert [r["lead"] for r in again["closing"]] == [ids[3]]

    table = run(
        "today",
        who="ana",
    )
    assert table.returncode == 0, table.stderr
    assert "New to you (0)" in table.stdout and "Nothing new since you last looked." in table.stdout
    assert "Follow-ups due today or overdue (1)" in table.stdout and "Account 1" in table.stdout
    assert "stop selling" in table.stdout and "Account 3" in table.stdout
    # A flagged lead stays out of the plain list (it is in today's closing section instead).
    listed = [row["lead"] for row in json.loads(run("list", "--json", who="ana").stdout)]
    assert ids[3] not in listed and ids[1] in listed
    # A section shows its first --limit rows and says how many there are; only those stop being new.
    first = run("today", "--all", "--limit", "2")
    assert first.returncode == 0, first.stderr
    assert "New to you (showing 2 of 4)" in first.stdout  # the flagged lead 3 is in "closing", not "new"
    rest = json.loads(run("today", "--all", "--json").stdout)
    assert len(rest["new"]) == 2 and "New to you (0)" in run("today", "--all").stdout
    database.dispose()
