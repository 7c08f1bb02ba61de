"""Issue 14: the team never loses its last manager, nothing stays with an inactive rep, do-not-contact
is enforced on changes, `--new` means new to you, undo previews and protects worked leads, bulk status."""

from __future__ import annotations

import json

import sqlalchemy as sa

from leads.db import Database
from leads.models import Activity, Rep


def _runner(leads_cli, db_url):
    return lambda *a, who="morgan": leads_cli("--as", who, *a, db_url=db_url)  # noqa: E731


def test_the_last_active_manager_stays_and_an_operator_can_recover(db_url, leads_cli) -> None:
    run = _runner(leads_cli, db_url)
    assert run("reps", "add", "morgan", "--role", "manager").returncode == 0
    assert run("reps", "add", "ana").returncode == 0
    for attempt in (
        ("reps", "deactivate", "morgan"),
        ("reps", "edit", "morgan", "--inactive"),
        ("reps", "edit", "morgan", "--role", "rep"),
    ):
        refused = run(*attempt)
        assert refused.returncode == 1, attempt
        assert "morgan is the last active manager" in refused.stderr, refused.stderr
    # Bootstrap is refused while an active manager exists.
    early = run("reps", "add", "ana", "--role", "manager", "--bootstrap", who="ana")
    assert early.returncode == 1 and "only for a team without an active manager; ask morgan" in early.stderr
    # With a second manager, morgan may leave; then the database is edited into the broken state
    # an older version allowed (no active manager) and the documented recovery repairs it.
    assert run("reps", "add", "lee", "--role", "manager").returncode == 0
    assert run("reps", "deactivate", "morgan").returncode == 0
    database = Database(db_url)
    with database.session() as s:
        s.execute(sa.update(Rep).where(Rep.name == "lee").values(active=False))
    stuck = run("reps", "add", "zed", who="ana")
    assert stuck.returncode == 1 and "only managers can add reps" in stuck.stderr
    fixed = run("reps", "add", "morgan", "--role", "manager", "--bootstrap", who="ops")
    assert fixed.returncode == 0, fixed.stderr
    assert "morgan is now an active manager" in fixed.stdout
    listed = {r["name"]: r for r in json.loads(run("reps", "list", "--json").stdout)}
    assert listed["morgan"]["active"] and listed["morgan"]["role"] == "manager"
    assert run("reps", "add", "zed").returncode == 0  # morgan manages again
    with database.session() as s:
        log = s.scalar(sa.select(Activity).where(Activity.action == "rep_bootstrap"))
        assert log.actor == "ops" and log.subject == "morgan" and log.from_value == "manager, inactive"
    database.dispose()
