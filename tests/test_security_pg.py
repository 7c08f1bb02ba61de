"""Roles and row-level security on PostgreSQL: the database, not only the CLI, keeps a rep to their own leads.

Roles are cluster-wide, so every test names its logins and group roles with its own suffix and
drops them afterwards; the tables live in the per-test schema of the pg_url fixture.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from leads.db import Database
from leads.errors import NotFound
from leads.models import Lead, MatchCandidate, Notice, Rep
from leads.services.people import Actor
from leads.services.work import set_status
from tests import factories as f


@dataclass
class Team:
    prefix: str
    logins: dict[str, str]  # rep name -> PostgreSQL login
    admin_url: str
    leads: dict[str, list[int]]  # owner name ("" for unassigned) -> lead ids
    rep_ids: dict[str, int]

    def url(self, who: str) -> str:
        return make_url(self.admin_url).set(username=self.logins[who]).render_as_string(hide_password=False)


@pytest.fixture
def roles(pg_url):
    """Unique role names for this test; every role made from them is dropped afterwards."""
    suffix = uuid.uuid4().hex[:10]
    names = {"prefix": f"lt{suffix}", "ana": f"ana_{suffix}", "bo": f"bo_{suffix}", "mia": f"mia_{suffix}"}
    yield names
    all_roles = [names["ana"], names["bo"], names["mia"], f"{names['prefix']}_rep", f"{names['prefix']}_manager"]
    admin = sa.create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY(:r)"), {"r": all_roles}
        )
        existing = set(
            conn.scalars(sa.text("SELECT rolname::text FROM pg_roles WHERE rolname = ANY(:r)"), {"r": all_roles})
        )
        for role in all_roles:
            if role in existing:
                conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                conn.exec_driver_sql(f'DROP ROLE "{role}"')
        assert not conn.scalar(sa.text("SELECT count(*) FROM pg_roles WHERE rolname = ANY(:r)"), {"r": all_roles})
    admin.dispose()


@pytest.fixture
def team(pg_url, roles, leads_cli) -> Team:
    """mia (manager), ana and bo (reps) set up through the CLI; two leads each and one unassigned; grants applied."""
    admin = lambda *a: leads_cli("--as", "mia", *a, db_url=pg_url)  # noqa: E731
    for args in (
        ["db", "upgrade"],
        ["reps", "add", "mia", "--role", "manager"],
        ["reps", "add", "ana"],
        ["reps", "add", "bo"],
    ):
        done = admin(*args)
        assert done.returncode == 0, done.stderr
    database = Database(pg_url)
    owned: dict[str, list[Lead]] = {"ana": [], "bo": [], "": []}
    with database.session() as s:
        reps = {r.name: r for r in s.scalars(sa.select(Rep))}
        n = f.notice(s, "n1", "Sysco Virginia", effective=date.today() + timedelta(days=10))
        for i, owner in enumerate(["ana", "ana", "bo", "bo", ""]):
            acct = f.account(s, f"A-{i}", f"Account {i}", vendor="Sysco Virginia", owner=reps.get(owner))
            owned[owner].append(f.lead(s, acct, owner=reps.get(owner), notice=n, score=95 - i))
        s.flush()
        ids = {k: [lead.id for lead in v] for k, v in owned.items()}
        rep_ids = {name: r.id for name, r in reps.items()}
    database.dispose()
    for who in ("ana", "bo", "mia"):
        done = admin("db", "grant", "--rep", who, "--login", roles[who], "--group-prefix", roles["prefix"])
        assert done.returncode == 0, done.stderr
        assert f"{who}: login {roles[who]} (created without a password" in done.stdout
    again = admin("db", "grant", "--all", "--group-prefix", roles["prefix"])
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [
        f"ana: login {roles['ana']}, access rep.",
        f"bo: login {roles['bo']}, access rep.",
        f"mia: login {roles['mia']}, access manager.",
        f"Row-level security is on in schema {make_url(pg_url).query['options'].split('=')[-1]} "
        f"(groups {roles['prefix']}_rep, {roles['prefix']}_manager).",
    ]
    return Team(
        prefix=roles["prefix"],
        logins={k: roles[k] for k in ("ana", "bo", "mia")},
        admin_url=pg_url,
        leads=ids,
        rep_ids=rep_ids,
    )


def _denied(engine: sa.Engine, sql: str, match: str) -> None:
    with pytest.raises(sa.exc.DBAPIError, match=match):
        with engine.begin() as conn:
            conn.execute(sa.text(sql))


@pytest.mark.postgres
def test_a_reps_login_lists_and_works_only_their_own_leads(team: Team, leads_cli) -> None:
    as_ana = lambda *a: leads_cli(*a, db_url=team.url("ana"))  # noqa: E731
    bo_lead, ana_lead = team.leads["bo"][0], team.leads["ana"][0]

    # LEADS_USER is "tester" (nobody on the team): the login decides, and it is ana.
    everyone = as_ana("list", "--all", "--json")
    assert everyone.returncode == 0, everyone.stderr
    assert sorted(r["lead"] for r in json.loads(everyone.stdout)) == sorted(team.leads["ana"])
    assert {r["owner"] for r in json.loads(everyone.stdout)} == {"ana"}

    posing = as_ana("--as", "mia", "list", "--all")
    assert posing.returncode == 1
    assert (
        f"connected to the database as login {team.logins['ana']}, which belongs to ana: ana cannot act as mia"
        in posing.stderr
    )

    other = as_ana("status", str(bo_lead), "contacted")
    assert other.returncode == 1 and f"no lead {bo_lead}" in other.stderr
    assert as_ana("note", str(bo_lead), "mine now").returncode == 1
    mine = as_ana("--as", "ana", "status", str(ana_lead), "contacted", "--note", "called")
    assert mine.returncode == 0, mine.stderr
    card = json.loads(as_ana("show", str(ana_lead), "--json").stdout)[0]
    assert [h["action"] for h in card["history"]] == ["status"] and card["evidence"]
    assert as_ana("list", "--new", "--json").returncode == 0  # writes ana's own cursor

    assign = as_ana("assign", str(bo_lead), "--to", "ana")
    assert assign.returncode == 1 and "only managers can assign leads" in assign.stderr
    grant = as_ana("db", "grant", "--all", "--group-prefix", team.prefix)
    assert grant.returncode == 1 and "only managers can set up database logins; ana is a rep" in grant.stderr
    undo = as_ana("undo")
    assert undo.returncode == 1 and "ana has no bulk operation to undo" in undo.stderr


def _commit_refused(engine: sa.Engine, statements: list[str], match: str) -> None:
    """Every statement runs; the commit (where deferred checks run) is refused with ``match``."""
    with pytest.raises(sa.exc.DBAPIError, match=match):
        with engine.begin() as conn:
            for sql in statements:
                conn.execute(sa.text(sql))


def _candidates(team: Team) -> None:
    """One review-queue candidate on one of ana's accounts and one on one of bo's."""
    database = Database(team.admin_url)
    with database.session() as s:
        notice = s.scalar(sa.select(Notice))
        for owner in ("ana", "bo"):
            lead = s.get(Lead, team.leads[owner][0])
            s.add(
                MatchCandidate(
                    notice_id=notice.id,
                    account_id=lead.account_id,
                    kind="competitor_nearby",
                    score=80,
                    matched={"notice": notice.company_name},
                    status="pending",
                )
            )
    database.dispose()


@pytest.mark.postgres
def test_the_database_enforces_it_when_the_cli_is_bypassed(team: Team) -> None:
    _candidates(team)
    ana = sa.create_engine(team.url("ana"))
    bo_lead, ana_lead = team.leads["bo"][0], team.leads["ana"][0]
    admin = sa.create_engine(team.admin_url)
    with admin.begin() as conn:
        bo_account = conn.scalar(sa.text(f"SELECT account_id FROM leads WHERE id = {bo_lead}"))
        before = conn.execute(sa.text(f"SELECT status, version, updated_by FROM leads WHERE id = {ana_lead}")).one()
    try:
        with ana.begin() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM leads")) == len(team.leads["ana"])
            assert set(conn.scalars(sa.text("SELECT DISTINCT owner_id FROM leads"))) == {team.rep_ids["ana"]}
            assert conn.scalar(sa.text("SELECT count(*) FROM accounts")) == len(team.leads["ana"])
            assert conn.scalar(sa.text("SELECT count(*) FROM evidence")) == len(team.leads["ana"])
            # The review queue: only the candidates of her own accounts (for `leads why`).
            assert conn.scalar(sa.text("SELECT count(*) FROM match_candidates")) == 1
            changed = conn.execute(sa.text(f"UPDATE leads SET status = 'contacted' WHERE id = {bo_lead}"))
            assert changed.rowcount == 0
        # Only the columns a rep's commands write: not the owner, not the account (the walk through
        # the account book of issue 13), not the score or priority. Nor deletes, the team, or DDL.
        for column, value in (
            ("owner_id", team.rep_ids["bo"]),
            ("account_id", bo_account),
            ("priority", 99),
            ("score", 100),
            ("flagged_closing", "true"),
            ("closure_date", "'2020-01-01'"),
        ):
            _denied(
                ana, f"UPDATE leads SET {column} = {value} WHERE id = {ana_lead}", "permission denied for table leads"
            )
        _denied(ana, "DELETE FROM leads", "permission denied for table leads")
        _denied(ana, "UPDATE activity SET note = 'edited'", "permission denied for table activity")
        _denied(ana, "DELETE FROM activity", "permission denied for table activity")
        _denied(ana, "UPDATE reps SET role = 'manager'", "permission denied for table reps")
        _denied(ana, "UPDATE match_candidates SET status = 'rejected'", "permission denied for table match_candidates")
        _denied(ana, "ALTER TABLE leads DISABLE ROW LEVEL SECURITY", "must be owner of table leads")
        _denied(ana, "ALTER TABLE leads DISABLE TRIGGER ALL", "must be owner of table leads")
        # History in another's name, or on another's lead.
        _denied(
            ana,
            f"INSERT INTO activity (at, actor, action, lead_id) VALUES (now(), 'mia', 'note', {ana_lead})",
            r"history is written in your own name \(ana\), not as mia",
        )
        _denied(
            ana,
            f"INSERT INTO activity (at, actor, action, lead_id) VALUES (now(), 'ana', 'note', {bo_lead})",
            'new row violates row-level security policy for table "activity"',
        )
        # A status change without its history row, and a history row without its change.
        _commit_refused(
            ana,
            [f"UPDATE leads SET status = 'won' WHERE id = {ana_lead}"],
            f"a rep changes lead {ana_lead} only with the history row that records it",
        )
        _commit_refused(
            ana,
            [f"UPDATE leads SET follow_up = '2031-01-01' WHERE id = {ana_lead}"],
            f"a rep changes lead {ana_lead} only with the history row that records it",
        )
        _commit_refused(
            ana,
            [
                f"INSERT INTO activity (at, actor, action, lead_id, from_value, to_value) "
                f"VALUES (now(), 'ana', 'status', {ana_lead}, 'new', 'won')"
            ],
            rf"a history row \(status\) is written only with the change of lead {ana_lead}",
        )
        # A status row that says something else than the change made with it.
        _commit_refused(
            ana,
            [
                f"UPDATE leads SET status = 'contacted' WHERE id = {ana_lead}",
                f"INSERT INTO activity (at, actor, action, lead_id, from_value, to_value) "
                f"VALUES (now(), 'ana', 'status', {ana_lead}, 'new', 'won')",
            ],
            "only with the",
        )
        _commit_refused(
            ana,
            [
                f"UPDATE leads SET updated_at = now() WHERE id = {ana_lead}",
                f"INSERT INTO activity (at, actor, action, lead_id) VALUES (now(), 'ana', 'lead_created', {ana_lead})",
            ],
            r"a history row \(lead_created\) is written only with",
        )
        # What `leads note` does, by hand, with a forged name, version and a backdated time: it lands,
        # stamped by the database.
        with ana.begin() as conn:
            conn.execute(
                sa.text(
                    f"UPDATE leads SET updated_by = 'mia', version = 99, updated_at = '2001-01-01' "
                    f"WHERE id = {ana_lead}"
                )
            )
            conn.execute(
                sa.text(
                    f"INSERT INTO activity (at, actor, action, lead_id, note) "
                    f"VALUES ('2001-01-01', 'ana', 'note', {ana_lead}, 'by hand')"
                )
            )
        # The service layer with a forged manager actor: the lead is simply not there for ana's login.
        database = Database(team.url("ana"))
        with pytest.raises(NotFound, match=f"no lead {bo_lead}"):
            with database.session() as s:
                mia = s.scalar(sa.select(Rep).where(Rep.name == "mia"))
                set_status(s, Actor(name="mia", rep=mia), bo_lead, "contacted")
        database.dispose()
    finally:
        ana.dispose()
    with admin.begin() as conn:
        after = conn.execute(
            sa.text(
                f"SELECT status, version, updated_by, updated_at > now() - interval '1 hour' "
                f"FROM leads WHERE id = {ana_lead}"
            )
        ).one()
        assert tuple(after) == (before.status, before.version + 1, "ana", True)
        rows = conn.execute(
            sa.text(
                f"SELECT actor, action, at > now() - interval '1 hour' FROM activity "
                f"WHERE lead_id = {ana_lead} ORDER BY id"
            )
        ).all()
        assert [tuple(r) for r in rows] == [("ana", "note", True)]
        assert conn.execute(sa.text(f"SELECT status, owner_id FROM leads WHERE id = {bo_lead}")).one() == (
            "new",
            team.rep_ids["bo"],
        )
    admin.dispose()


@pytest.mark.postgres
def test_a_managers_login_sees_all_and_assigns_but_does_not_administer(team: Team, leads_cli) -> None:
    as_mia = lambda *a: leads_cli(*a, db_url=team.url("mia"))  # noqa: E731
    bo_lead = team.leads["bo"][0]
    listed = as_mia("list", "--all", "--json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == sum(len(v) for v in team.leads.values())
    moved = as_mia("assign", str(bo_lead), "--to", "ana")
    assert moved.returncode == 0, moved.stderr
    mine = json.loads(leads_cli("list", "--json", db_url=team.url("ana")).stdout)
    assert bo_lead in {r["lead"] for r in mine}
    assert as_mia("undo").returncode == 0
    for args in (
        ["reps", "add", "cy"],
        ["reps", "edit", "cy", "--capacity", "3"],
        ["status", str(bo_lead), "contacted", "--note", "called for bo"],
        ["note", str(bo_lead), "left a message"],
        ["follow-up", str(bo_lead), "2031-01-02"],
        ["show", str(bo_lead)],
        ["history", str(bo_lead)],
        ["why", "A-2"],
        ["review"],
        ["nightly", "--no-crawl"],
    ):
        done = as_mia(*args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    history = json.loads(as_mia("history", str(bo_lead), "--json").stdout)
    assert {h["who"] for h in history} >= {"mia"}

    mia = sa.create_engine(team.url("mia"))
    admin = sa.create_engine(team.admin_url)
    with admin.begin() as conn:
        activity_rows = conn.scalar(sa.text("SELECT count(*) FROM activity"))
        leads_rows = conn.scalar(sa.text("SELECT count(*) FROM leads"))
    try:
        _denied(mia, "UPDATE activity SET note = 'edited'", "permission denied for table activity")
        _denied(mia, "DELETE FROM activity", "permission denied for table activity")
        _denied(
            mia,
            "INSERT INTO activity (at, actor, action) VALUES (now(), 'ana', 'note')",
            r"history is written in your own name \(mia\), not as ana",
        )
        # A lead, an account or a notice cannot be deleted (the history rows would lose their lead).
        _denied(mia, f"DELETE FROM leads WHERE id = {bo_lead}", "permission denied for table leads")
        _denied(mia, "DELETE FROM accounts", "permission denied for table accounts")
        _denied(mia, "DELETE FROM notices", "permission denied for table notices")
        _denied(mia, "DELETE FROM reps WHERE name = 'bo'", "permission denied for table reps")
        # The login mapping and people's names (what history records) are the admin's.
        _denied(mia, "UPDATE reps SET db_login = 'someone' WHERE name = 'bo'", "permission denied for table reps")
        _denied(
            mia,
            "INSERT INTO reps (name, role, active, territory, created_at, db_login) "
            "VALUES ('eve', 'manager', true, '{}', now(), 'someone')",
            r"a rep's database login is set only by the admin \(leads db grant",
        )
        _denied(mia, "UPDATE reps SET name = 'ana2' WHERE name = 'ana'", "permission denied for table reps")
        # Her own history rows (a note beside the change of its lead) are stamped with her name and the server's time.
        with mia.begin() as conn:
            conn.execute(sa.text(f"UPDATE leads SET updated_by = 'ana' WHERE id = {bo_lead}"))
            conn.execute(
                sa.text(
                    "INSERT INTO activity (at, actor, action, lead_id, note) "
                    f"VALUES ('2001-01-01', 'mia', 'note', {bo_lead}, 'by hand')"
                )
            )
        with admin.begin() as conn:
            assert conn.scalar(sa.text(f"SELECT updated_by FROM leads WHERE id = {bo_lead}")) == "mia"
            assert (
                conn.scalar(sa.text("SELECT at > now() - interval '1 hour' FROM activity WHERE note = 'by hand'"))
                is True
            )
            assert conn.scalar(sa.text("SELECT count(*) FROM activity")) == activity_rows + 1
            assert conn.scalar(sa.text("SELECT count(*) FROM leads")) == leads_rows
    finally:
        mia.dispose()
        admin.dispose()
    grant = as_mia("db", "grant", "--all", "--group-prefix", team.prefix)
    assert grant.returncode == 1
    assert (
        f"needs an admin connection: you are connected as {team.logins['mia']}, which is neither a superuser "
        "nor the owner of the tables" in grant.stderr
    )


@pytest.mark.postgres
def test_a_reps_login_runs_every_command_a_rep_does(team: Team, leads_cli) -> None:
    """Issue 13 scenario 14 and the rest of a rep's day on her own login: within what she may see."""
    _candidates(team)
    as_ana = lambda *a: leads_cli(*a, db_url=team.url("ana"))  # noqa: E731
    lead = team.leads["ana"][1]
    for args in (
        ["status", str(lead), "contacted", "--note", "called"],
        ["note", str(lead), "sent the deck"],
        ["follow-up", str(lead), "2031-01-02"],
        ["status", str(lead), "meeting"],
        ["list"],
        ["list", "--new"],
        ["due"],
        ["show", str(lead)],
        ["history", str(lead)],
        ["export", "--out", "mine.csv"],
        ["why", "A-1"],
        ["sources"],
    ):
        done = as_ana(*args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
    why = json.loads(as_ana("why", "A-0", "--json").stdout)[0]
    assert why["leads"] and [c["status"] for c in why["other_candidates"]] == ["pending"]
    hidden = as_ana("why", "A-2")  # bo's account
    assert hidden.returncode == 1 and "no account with id 'A-2'" in hidden.stderr
    history = json.loads(as_ana("history", str(lead), "--json").stdout)
    assert [(h["who"], h["action"]) for h in history] == [
        ("ana", "status"),
        ("ana", "note"),
        ("ana", "follow_up"),
        ("ana", "status"),
    ]
    card = json.loads(as_ana("show", str(lead), "--json").stdout)[0]
    assert card["status"] == "meeting" and card["follow_up"] == "2031-01-02"


@pytest.mark.postgres
def test_grants_follow_the_team_and_refuse_unsafe_logins(team: Team, leads_cli) -> None:
    admin = lambda *a: leads_cli("--as", "mia", *a, db_url=team.admin_url)  # noqa: E731
    prefix = ["--group-prefix", team.prefix]

    # A dry run prints the SQL and changes nothing.
    dry = admin("db", "grant", "--all", "--group-prefix", f"{team.prefix}x", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"CREATE ROLE {team.prefix}x_rep NOLOGIN;" in dry.stdout
    assert "ENABLE ROW LEVEL SECURITY;" in dry.stdout and "nothing changed" in dry.stderr
    engine = sa.create_engine(team.admin_url)
    with engine.begin() as conn:
        assert not conn.scalar(
            sa.text("SELECT count(*) FROM pg_roles WHERE rolname LIKE :p"), {"p": f"{team.prefix}x%"}
        )
    engine.dispose()
    refused = admin("db", "grant", "--rep", "bo", "--login", "postgres", *prefix)
    assert refused.returncode == 1 and "bypass row-level security" in refused.stderr
    taken = admin("db", "grant", "--rep", "bo", "--login", team.logins["ana"], *prefix)
    assert taken.returncode == 1 and "already belongs to ana" in taken.stderr

    # bo leaves (his open leads go to ana): his login reaches nothing at once, and loses its grants when the
    # setup is re-applied.
    left = admin("reps", "deactivate", "bo", "--to", "ana", "--force")
    assert left.returncode == 0, left.stderr
    bo = sa.create_engine(team.url("bo"))
    with bo.begin() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM leads")) == 0
    synced = admin("db", "grant", "--all", *prefix)
    assert synced.returncode == 0, synced.stderr
    assert f"bo: login {team.logins['bo']}, access none (inactive)." in synced.stdout
    # Out of the groups, the login has not even USAGE on the schema: the tables do not exist for it.
    _denied(bo, "SELECT count(*) FROM leads", 'relation "leads" does not exist')
    bo.dispose()

    # ana is promoted: after the re-sync her login sees every lead.
    assert admin("reps", "edit", "ana", "--role", "manager").returncode == 0
    assert admin("db", "grant", "--all", *prefix).returncode == 0
    ana = sa.create_engine(team.url("ana"))
    with ana.begin() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM leads")) == sum(len(v) for v in team.leads.values())
    ana.dispose()


def test_on_sqlite_the_file_is_the_trust_boundary(sqlite_url, leads_cli) -> None:
    done = leads_cli("--as", "boss", "db", "grant", "--all", db_url=sqlite_url)
    assert done.returncode == 1
    assert "Error: On SQLite the file is the trust boundary:" in done.stderr
