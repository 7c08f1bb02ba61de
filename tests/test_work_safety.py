"""Issue 14: the team never loses its last manager, nothing stays with an inactive rep, do-not-contact
is enforced on changes, `--new` means new to you, undo previews and protects worked leads, bulk status."""

from __future__ import annotations

import json

import sqlalchemy as sa

from leads.db import Database
from leads.models import Activity, Lead, Rep
from tests import factories as f


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


def _book(database: Database) -> dict[str, int]:
    """morgan (manager), ana leaving with four open leads (one do-not-contact, one flagged closing), bo, cy."""
    with database.session() as s:
        s.add(Rep(name="morgan", role="manager", territory={}))
        ana = Rep(name="ana", role="rep", territory={"states": ["VA"]})
        bo = Rep(name="bo", role="rep", territory={"states": ["VA"]})
        cy = Rep(name="cy", role="rep", territory={})
        s.add_all([ana, bo, cy])
        n = f.notice(s, "n1", "Sysco Virginia")
        ids = {}
        for key, dnc in (("plain", False), ("second", False), ("dnc", True), ("closing", False)):
            acct = f.account(s, key, f"Account {key}", owner=ana, dnc=dnc, vendor="Sysco Virginia")
            ids[key] = f.lead(s, acct, owner=ana, notice=n)
        ids["closing"].flagged_closing = True
        spare = f.account(s, "spare", "Account spare", dnc=True, vendor="Sysco Virginia")
        ids["spare"] = f.lead(s, spare, notice=n)
        s.flush()
        return {k: v.id for k, v in ids.items()}


def _owners(database: Database) -> dict[int, str | None]:
    with database.session() as s:
        return {lead.id: lead.owner.name if lead.owner else None for lead in s.scalars(sa.select(Lead))}


def test_nothing_stays_with_an_inactive_rep(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    ids = _book(database)
    run = _runner(leads_cli, db_url)
    moved = run("reps", "deactivate", "ana", "--reassign", "auto")
    assert moved.returncode == 0, moved.stderr
    owners = _owners(database)
    # The flagged-closing lead follows the account to its new owner (by territory, as any lead);
    # the do-not-contact lead is nobody's: unassigned, out of every list, back with `leads undo`.
    assert owners[ids["plain"]] == owners[ids["second"]] == owners[ids["closing"]] == "bo"
    assert owners[ids["dnc"]] is None
    assert "1 stays unassigned (1: account is do-not-contact)" in moved.stderr
    team = {r["name"]: r for r in json.loads(run("reps", "list", "--json").stdout)}
    assert team["ana"]["active"] is False and team["ana"]["open_leads"] == 0
    assert run("undo").returncode == 0
    assert _owners(database)[ids["dnc"]] == "ana"
    # A handover to one rep: the do-not-contact lead is not handed over either.
    to_cy = run("reps", "deactivate", "ana", "--to", "cy")
    assert to_cy.returncode == 0, to_cy.stderr
    owners = _owners(database)
    assert owners[ids["dnc"]] is None and owners[ids["plain"]] == owners[ids["closing"]] == "cy"
    database.dispose()


def test_working_a_do_not_contact_account_needs_force_and_a_logged_reason(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    ids = _book(database)
    run = _runner(leads_cli, db_url)
    dnc, spare = str(ids["dnc"]), str(ids["spare"])
    refused = run("status", dnc, "contacted", who="ana")
    assert refused.returncode == 1
    assert f"lead {dnc}: the account is do-not-contact; nothing was changed" in refused.stderr
    no_reason = run("status", dnc, "contacted", "--force", who="ana")
    assert no_reason.returncode == 1 and "needs --reason" in no_reason.stderr
    assign = run("assign", spare, "--to", "bo")
    assert assign.returncode == 1 and "do-not-contact" in assign.stderr
    assert _owners(database)[ids["spare"]] is None
    # Closing it out contacts nobody: allowed without --force.
    assert run("status", str(ids["spare"]), "disqualified").returncode == 0
    ok = run("status", dnc, "contacted", "--force", "--reason", "customer called us back", who="ana")
    assert ok.returncode == 0, ok.stderr
    forced = run("assign", dnc, "--to", "bo", "--force", "--reason", "bo handles the callback")
    assert forced.returncode == 0, forced.stderr
    history = json.loads(run("history", dnc, "--json").stdout)
    assert history[-2]["action"] == "status_forced"
    assert history[-2]["note"] == "do-not-contact overridden: customer called us back"
    assert history[-1]["action"] == "assign" and "bo handles the callback" in history[-1]["note"]
    database.dispose()
