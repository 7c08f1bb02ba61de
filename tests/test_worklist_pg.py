"""Issue 14 items 1, 3, 17 on a rep's own PostgreSQL login (row-level security on): what `--new`
showed her, her bulk status change and its undo work within her rights, and only there."""

from __future__ import annotations

import json

import pytest

from tests.test_security_pg import Team, roles, team  # noqa: F401  (the fixtures)


@pytest.mark.postgres
def test_a_reps_login_pulls_new_changes_in_bulk_and_undoes_it(team: Team, leads_cli) -> None:  # noqa: F811
    as_ana = lambda *a: leads_cli(*a, db_url=team.url("ana"))  # noqa: E731
    mine, bo_lead = [str(i) for i in team.leads["ana"]], str(team.leads["bo"][0])

    first = as_ana("list", "--new", "--json", "--limit", "1")
    assert first.returncode == 0, first.stderr
    assert len(json.loads(first.stdout)) == 1
    rest = json.loads(as_ana("list", "--new", "--json").stdout)
    assert len(rest) == 1 and str(rest[0]["lead"]) in mine
    assert json.loads(as_ana("list", "--new", "--json").stdout) == []

    other = as_ana("status", *mine, bo_lead, "contacted")
    assert other.returncode == 1 and "nothing was changed" in other.stderr
    moved = as_ana("status", *mine, "contacted")
    assert moved.returncode == 0, moved.stderr
    ops = json.loads(as_ana("undo", "--list", "--json").stdout)
    assert [(o["who"], o["what"], o["leads"]) for o in ops] == [("ana", "moved 2 leads to contacted", 2)]
    undone = as_ana("undo")
    assert undone.returncode == 0, undone.stderr
    assert "2 leads restored" in undone.stdout
    rows = json.loads(as_ana("list", "--json").stdout)
    assert {r["status"] for r in rows} == {"new"}
