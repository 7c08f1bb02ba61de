"""Issue 14 items 2-3: `leads undo --list` says when as a person reads it (ISO kept in --json), and the
dry run of a big operation is a summary and its first rows, --all for every one."""

from __future__ import annotations

import json
from datetime import datetime

from leads.db import Database
from leads.models import Rep
from tests import factories as f


def test_undo_list_times_read_as_today_or_yesterday_and_a_big_dry_run_is_summarized(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    with database.session() as s:
        s.add_all([Rep(name="morgan", role="manager", territory={}), Rep(name="ana")])
        notice = f.notice(s, "n1", "Sysco Virginia")
        ids = [f.lead(s, f.account(s, f"A-{i}", f"Account {i}"), score=90 - i, notice=notice) for i in range(25)]
        s.flush()
        ids = [lead.id for lead in ids]
    database.dispose()

    def run(*args: str, who: str = "morgan", day: str = "2025-12-24"):
        return leads_cli("--as", who, *args, db_url=db_url, env={"LEADS_TODAY": day, "COLUMNS": "80"})

    assert run("assign", *map(str, ids), "--to", "ana").returncode == 0
    assert run("note", str(ids[3]), "called them", who="ana").returncode == 0

    listed = json.loads(run("undo", "--list", "--json").stdout)
    at = listed[0]["at"]
    assert at.startswith("2025-12-24T") and datetime.fromisoformat(at).year == 2025  # ISO, as stored
    hhmm = at[11:16]
    for day, shown in (("2025-12-24", f"today {hhmm}"), ("2025-12-25", f"yesterday {hhmm}")):
        table = run("undo", "--list", day=day).stdout.splitlines()
        assert table[0].split() == ["operation", "at", "who", "what", "leads", "undone"]
        assert f"  {shown}  morgan  assigned 25 leads to ana  25" in table[1], table
    later = run("undo", "--list", day="2026-01-05").stdout
    assert f"2025-12-24 {hhmm}  morgan" in later and "T" not in later.splitlines()[1]

    dry = run("undo", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    err = dry.stderr.splitlines()
    assert err[0].startswith("Dry run: undoing 'assigned 25 leads to ana' (operation ")
    assert err[0].endswith(
        "would put back the owner of 25 leads; 1 worked since (refused without --force); nothing was changed."
    )
    assert err[-1] == "… and 5 more (--all to list them)"
    rows = dry.stdout.splitlines()
    assert rows[0].split() == ["lead", "field", "now", "back_to", "note"] and len(rows) == 1 + 20
    assert [int(line.split()[0]) for line in rows[1:]] == ids[:20]
    assert "worked since: note by ana at 2025-12-24" in rows[4]

    everything = run("undo", "--dry-run", "--all")
    assert len(everything.stdout.splitlines()) == 1 + 25 and "more (--all" not in everything.stderr
    as_json = json.loads(run("undo", "--dry-run", "--json").stdout)
    assert [r["lead"] for r in as_json] == ids  # data formats always carry every row
    alone = run("undo", "--all")
    assert alone.returncode == 1 and "--all lists every lead of a --dry-run" in alone.stderr
