"""Issue 14 item 1: `leads list --new` means new to you, and only the rows shown stop being new."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from leads.db import Database
from leads.models import Lead, Rep, UserCursor
from tests import factories as f


def _leads(database: Database, n: int) -> list[int]:
    """morgan (manager), ana and bo (reps), and n unassigned leads."""
    with database.session() as s:
        s.add_all([Rep(name="morgan", role="manager", territory={}), Rep(name="ana"), Rep(name="bo")])
        notice = f.notice(s, "n1", "Sysco Virginia")
        rows = [f.lead(s, f.account(s, f"A-{i}", f"Account {i}"), score=90 - i, notice=notice) for i in range(n)]
        s.flush()
        return [r.id for r in rows]


def test_new_means_new_to_you_and_only_what_was_shown_is_passed(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    ids = _leads(database, 7)
    run = lambda *a, who="morgan": leads_cli("--as", who, *a, db_url=db_url)  # noqa: E731

    def new_for(who: str, *extra: str) -> list[int]:
        result = run("list", "--new", "--json", *extra, who=who)
        assert result.returncode == 0, result.stderr
        return [row["lead"] for row in json.loads(result.stdout)]

    assert run("assign", *map(str, ids[:5]), "--to", "ana").returncode == 0
    # --limit 2 of 5 new: the next pull shows the other 3, then nothing.
    first = run("list", "--new", "--json", "--limit", "2", who="ana")
    assert "showing 2 of 5 (--limit 0 for all)" in first.stderr
    shown = [row["lead"] for row in json.loads(first.stdout)]
    assert shown == ids[:2]
    assert new_for("ana") == ids[2:5]
    assert new_for("ana") == []
    # Leads created before her pull reach her later by assignment: new to her, to her only.
    assert run("assign", str(ids[5]), str(ids[6]), "--to", "ana").returncode == 0
    assert new_for("ana") == ids[5:7]
    # A lead handed to bo is new to bo; a plain list is no pull and passes nothing.
    assert run("assign", str(ids[0]), "--to", "bo").returncode == 0
    assert run("list", "--json", who="bo").returncode == 0
    assert new_for("bo") == [ids[0]]
    # Given back to ana, it has arrived for her again.
    assert run("assign", str(ids[0]), "--to", "ana").returncode == 0
    assert new_for("ana") == [ids[0]]
    # The manager's --new goes by creation: everything once, then nothing.
    assert new_for("morgan", "--all") == ids
    assert new_for("morgan", "--all") == []
    database.dispose()


def test_a_cursor_from_before_views_still_counts_as_seen(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    ids = _leads(database, 2)
    now = datetime.now(UTC)
    with database.session() as s:  # made two days ago; ana pulled with an older leads yesterday
        s.execute(sa.update(Lead).values(created_at=now - timedelta(days=2)))
        s.add(UserCursor(user="ana", name="list_new", value=now - timedelta(days=1)))
    run = lambda *a, who="morgan": leads_cli("--as", who, *a, db_url=db_url)  # noqa: E731
    assert run("assign", str(ids[0]), "--to", "ana").returncode == 0  # reaches her after her pull
    listed = json.loads(run("list", "--new", "--json", "--all", who="ana").stdout)
    assert [row["lead"] for row in listed] == [ids[0]]
    database.dispose()
