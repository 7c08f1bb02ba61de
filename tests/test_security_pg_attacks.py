"""Issue 13 scenario 2, attack by attack, on a rep's and a manager's own PostgreSQL login.

Each attack is raw SQL on the person's own login (never as postgres), the way someone with psql
would try it; each is refused, or lands harmless (stamped by the database in the person's own
name). tests/test_security_pg.py holds the first round (walking accounts through leads.account_id,
history in another's name, deletes, the rep table); this file the rest: history and lead stamps
without their pair, planted ids and batches, TRUNCATE, COPY, sequences, alembic_version, DDL,
the trigger functions, SET ROLE / SET SESSION AUTHORIZATION, settings the checks could trust, a
search_path that shadows the tables the checks read, and what else a group may reach.
"""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from leads.security import REP_PRIVILEGES
from tests.test_security_pg import Team, _candidates, _commit_refused, _denied, roles, team  # noqa: F401 (fixtures)

PAIRLESS = "only with the history row that records it"


def _copy_out(engine: sa.Engine, sql: str) -> list[bytes]:
    with engine.begin() as conn:
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        with dbapi.cursor() as cursor, cursor.copy(sql) as copy:
            return [bytes(row) for row in copy]


def _copy_in(engine: sa.Engine, sql: str, data: str) -> None:
    with engine.begin() as conn:
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        with dbapi.cursor() as cursor, cursor.copy(sql) as copy:
            copy.write(data)


def _history(admin: sa.Engine) -> list[tuple]:
    with admin.begin() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT id, at, actor, action, lead_id FROM activity"))]


def _nothing_landed(admin: sa.Engine, lead: int, lead_before: tuple, history_before: list[tuple]) -> None:
    with admin.begin() as conn:
        assert tuple(conn.execute(sa.text(f"SELECT * FROM leads WHERE id = {lead}")).one()) == lead_before
    assert _history(admin) == history_before
    admin.dispose()


def _commands_work(leads_cli, url: str, *commands: list[str]) -> None:
    for args in commands:
        done = leads_cli(*args, db_url=url)
        assert done.returncode == 0, (args, done.stderr)


@pytest.mark.postgres
def test_a_reps_login_cannot_stamp_plant_truncate_or_copy_its_way_around_history(team: Team, leads_cli) -> None:  # noqa: F811
    ana, admin = sa.create_engine(team.url("ana")), sa.create_engine(team.admin_url)
    mine, bos = team.leads["ana"][0], team.leads["bo"][0]
    operation = str(uuid.uuid4())
    with admin.begin() as conn:  # a bulk operation of the manager's, whose rows `leads undo` reverts
        conn.execute(
            sa.text("INSERT INTO operations (id, actor, kind, at) VALUES (:id, 'mia', 'status', now())"),
            {"id": operation},
        )
        lead_before = tuple(conn.execute(sa.text(f"SELECT * FROM leads WHERE id = {mine}")).one())
        next_id = conn.scalar(sa.text("SELECT coalesce(max(id), 0) + 1 FROM activity"))
    history_before = _history(admin)
    try:
        # The lead's stamps (who changed it, its version) without a history row: refused at commit.
        for change in ("updated_by = 'mia'", "version = version + 5", "updated_at = '2001-01-01'", "status = status"):
            _commit_refused(
                ana, [f"UPDATE leads SET {change} WHERE id = {mine}"], f"a rep changes lead {mine} {PAIRLESS}"
            )
        # A history row alone (backdated, on her own lead, in her own name): refused at commit.
        _commit_refused(
            ana,
            [
                f"INSERT INTO activity (at, actor, action, lead_id, note) VALUES ('2001-01-01', 'ana', 'note', {mine}, 'x')"
            ],
            r"a history row \(note\) is written only with the change of lead",
        )
        # A row planted on the id the sequence hands out next (the next history row, anyone's,
        # would fail on the duplicate key), even paired with a change of her lead.
        _commit_refused(
            ana,
            [
                f"UPDATE leads SET updated_at = now() WHERE id = {mine}",
                f"INSERT INTO activity (id, at, actor, action, lead_id) VALUES ({next_id}, now(), 'ana', 'note', {mine})",
            ],
            "permission denied for table activity",
        )
        _denied(ana, "SELECT setval(pg_get_serial_sequence('activity', 'id'), 1)", "permission denied for sequence")
        # A true status row and a second, false one beside it (another "from"), or a copy of the true one.
        for extra in ("won", "new"):
            _commit_refused(
                ana,
                [
                    f"UPDATE leads SET status = 'contacted' WHERE id = {mine}",
                    f"INSERT INTO activity (at, actor, action, lead_id, from_value, to_value) "
                    f"VALUES (now(), 'ana', 'status', {mine}, 'new', 'contacted')",
                    f"INSERT INTO activity (at, actor, action, lead_id, from_value, to_value) "
                    f"VALUES (now(), 'ana', 'status_forced', {mine}, '{extra}', 'contacted')",
                ],
                f"lead {mine} has more than one history row of its move to contacted",
            )
        # A row slipped into the manager's bulk operation, for her `leads undo` to act on.
        _commit_refused(
            ana,
            [
                f"UPDATE leads SET updated_at = now() WHERE id = {mine}",
                f"INSERT INTO activity (at, actor, action, lead_id, note, batch_id) "
                f"VALUES (now(), 'ana', 'note', {mine}, 'x', '{operation}')",
            ],
            f"names bulk operation {operation}, which is not yours",
        )
        for table in ("activity", "leads", "accounts", "reps", "alembic_version", "operations", "lead_views"):
            _denied(ana, f"TRUNCATE {table}", f"permission denied for table {table}")
        _denied(ana, "UPDATE alembic_version SET version_num = '0001'", "permission denied for table alembic_version")
        _denied(ana, "DELETE FROM alembic_version", "permission denied for table alembic_version")
        _denied(ana, "INSERT INTO alembic_version VALUES ('9999')", "permission denied for table alembic_version")
        _denied(ana, "INSERT INTO leads (account_id, score) VALUES (1, 1)", "permission denied for table leads")
        # COPY: out, only what SELECT shows her; in, not on a table under row-level security; to a file, never.
        copied = _copy_out(ana, "COPY leads (id, owner_id) TO STDOUT")
        assert sorted(int(r.split(b"\t")[0]) for r in copied) == sorted(team.leads["ana"])
        assert bos not in {int(r.split(b"\t")[0]) for r in copied}
        assert len(_copy_out(ana, "COPY accounts (id) TO STDOUT")) == len(team.leads["ana"])
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="COPY FROM not supported with row-level security"):
            _copy_in(ana, "COPY activity (at, actor, action, lead_id) FROM STDIN", f"2001-01-01\tana\tnote\t{mine}\n")
        _denied(
            ana, "COPY leads TO '/tmp/leads_all.csv'", "privileges of the pg_write_server_files role to COPY to a file"
        )
        _denied(
            ana, "COPY activity FROM '/etc/hostname'", "privileges of the pg_read_server_files role to COPY from a file"
        )
        # DDL: no table, view or function of her own in the schema (nor in public) to hide behind.
        _denied(ana, "CREATE TABLE mine (id int)", "permission denied for schema")
        _denied(ana, "CREATE VIEW all_leads AS SELECT 1 AS one", "permission denied for schema")
        _denied(ana, "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "permission denied for schema")
        _denied(ana, "CREATE TABLE public.mine (id int)", "permission denied for schema public")
        # The trigger functions run as their owner: nobody calls them.
        _denied(ana, "SELECT leads_activity_stamp()", "permission denied for function leads_activity_stamp")
    finally:
        ana.dispose()
    _nothing_landed(admin, mine, lead_before, history_before)
    # Her own bulk operation and its undo still write their batch.
    _commands_work(leads_cli, team.url("ana"), ["status", *map(str, team.leads["ana"]), "contacted"], ["undo"])


@pytest.mark.postgres
def test_a_managers_login_cannot_forge_plant_or_truncate_history(team: Team, leads_cli) -> None:  # noqa: F811
    mia, admin = sa.create_engine(team.url("mia")), sa.create_engine(team.admin_url)
    lead = team.leads["bo"][0]
    with admin.begin() as conn:
        next_id = conn.scalar(sa.text("SELECT coalesce(max(id), 0) + 1 FROM activity"))
        lead_before = tuple(conn.execute(sa.text(f"SELECT * FROM leads WHERE id = {lead}")).one())
    history_before = _history(admin)
    try:
        # A status or follow-up row that no change of the lead goes with: a story, not history.
        for action, values in (
            ("status", "'new', 'won'"),
            ("status_forced", "'new', 'lost'"),
            ("follow_up", "NULL, '2031-01-01'"),
        ):
            _commit_refused(
                mia,
                [
                    f"INSERT INTO activity (at, actor, action, lead_id, from_value, to_value) "
                    f"VALUES (now(), 'mia', '{action}', {lead}, {values})"
                ],
                rf"a history row \({action}\) is written only with the change of lead {lead}",
            )
        # ... nor one that says another status than the change made with it.
        _commit_refused(
            mia,
            [
                f"UPDATE leads SET status = 'contacted' WHERE id = {lead}",
                f"INSERT INTO activity (at, actor, action, lead_id, from_value, to_value) "
                f"VALUES (now(), 'mia', 'status', {lead}, 'new', 'won')",
            ],
            r"a history row \(status\) is written only with",
        )
        _denied(
            mia,
            f"INSERT INTO activity (id, at, actor, action) VALUES ({next_id}, now(), 'mia', 'note')",
            "permission denied for table activity",
        )
        _denied(mia, "SELECT setval(pg_get_serial_sequence('activity', 'id'), 1)", "permission denied for sequence")
        _denied(
            mia,
            "INSERT INTO reps (id, name, role, active, territory, created_at) VALUES (999, 'eve', 'rep', true, '{}', now())",
            "permission denied for table reps",
        )
        _denied(mia, "UPDATE reps SET created_at = now()", "permission denied for table reps")
        # A second "ana" beside ana (history and the CLI know people by name, whatever the case).
        for twin in ("Ana", "ANA", " ana "):
            _denied(
                mia,
                f"INSERT INTO reps (name, role, active, territory, created_at) VALUES ('{twin}', 'rep', true, '{{}}', now())",
                f"the team has a rep named {twin} already",
            )
        for table in ("activity", "leads", "accounts", "notices", "reps", "alembic_version", "evidence", "operations"):
            _denied(mia, f"TRUNCATE {table}", f"permission denied for table {table}")
        _denied(mia, "UPDATE alembic_version SET version_num = '0001'", "permission denied for table alembic_version")
        _denied(mia, "DELETE FROM alembic_version", "permission denied for table alembic_version")
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="COPY FROM not supported with row-level security"):
            _copy_in(mia, "COPY activity (at, actor, action) FROM STDIN", "2001-01-01\tmia\tnote\n")
        _denied(
            mia,
            "COPY activity TO '/tmp/activity.csv'",
            "privileges of the pg_write_server_files role to COPY to a file",
        )
        _denied(mia, "CREATE TABLE mine (id int)", "permission denied for schema")
        _denied(mia, "SELECT leads_rep_history_has_change()", "permission denied for function")
    finally:
        mia.dispose()
    _nothing_landed(admin, lead, lead_before, history_before)
    # Her commands still write their history: a status change, a follow-up.
    _commands_work(
        leads_cli, team.url("mia"), ["status", str(lead), "contacted"], ["follow-up", str(lead), "2031-01-02"]
    )


@pytest.mark.postgres
def test_no_role_setting_or_search_path_makes_a_login_someone_else(team: Team) -> None:  # noqa: F811
    ana, mia = sa.create_engine(team.url("ana")), sa.create_engine(team.url("mia"))
    admin = sa.create_engine(team.admin_url)
    mine = team.leads["ana"][0]
    history_before = _history(admin)
    try:
        # Another person's login, or a session authorization: not hers to take.
        _denied(ana, f'SET ROLE "{team.logins["bo"]}"', "permission denied to set role")
        _denied(ana, f'SET ROLE "{team.prefix}_manager"', "permission denied to set role")
        _denied(mia, f'SET ROLE "{team.logins["ana"]}"', "permission denied to set role")
        _denied(
            ana, f'SET SESSION AUTHORIZATION "{team.logins["mia"]}"', "permission denied to set session authorization"
        )
        # Her own group: the policies find no rep for the group's name, so she sees less, not more;
        # the history checks go by the login (session_user), not by the role set.
        with ana.begin() as conn:
            conn.execute(sa.text(f'SET LOCAL ROLE "{team.prefix}_rep"'))
            assert conn.scalar(sa.text("SELECT count(*) FROM leads")) == 0
            assert conn.scalar(sa.text("SELECT count(*) FROM accounts")) == 0
        _commit_refused(
            mia,
            [
                f'SET LOCAL ROLE "{team.prefix}_manager"',
                "INSERT INTO activity (at, actor, action) VALUES (now(), 'ana', 'note')",
            ],
            r"history is written in your own name \(mia\), not as ana",
        )
        # Settings: triggers stay on (replica mode is a superuser's), and row security cannot be
        # switched off (a query it would filter fails instead).
        _denied(
            ana, "SELECT set_config('session_replication_role', 'replica', false)", "permission denied to set parameter"
        )
        _denied(mia, "SET session_replication_role = replica", "permission denied to set parameter")
        _commit_refused(
            ana,
            ["SET LOCAL row_security = off", "SELECT count(*) FROM leads"],
            "query would be affected by row-level security",
        )
        # A search_path that puts a temporary `reps` (naming her a manager) first: the policies and
        # the trigger functions read the schema's own tables.
        with ana.begin() as conn:
            schema = conn.scalar(sa.text("SELECT current_schema()::text"))
            conn.execute(
                sa.text(
                    "CREATE TEMP TABLE reps (id int, name text, role text, active boolean, db_login text) ON COMMIT DROP"
                )
            )
            conn.execute(
                sa.text("INSERT INTO pg_temp.reps VALUES (:id, 'mia', 'manager', true, session_user)"),
                {"id": team.rep_ids["mia"]},
            )
            conn.execute(sa.text(f'SET LOCAL search_path = pg_temp, "{schema}"'))
            assert conn.scalar(sa.text("SELECT count(*) FROM leads")) == len(team.leads["ana"])
            assert conn.scalar(sa.text("SELECT count(*) FROM pg_temp.reps")) == 1
        _commit_refused(
            ana,
            [
                "CREATE TEMP TABLE reps (id int, name text, role text, active boolean, db_login text) ON COMMIT DROP",
                f"INSERT INTO pg_temp.reps VALUES ({team.rep_ids['mia']}, 'mia', 'manager', true, session_user)",
                f'SET LOCAL search_path = pg_temp, "{schema}"',
                f"UPDATE leads SET updated_at = now() WHERE id = {mine}",
                f"INSERT INTO activity (at, actor, action, lead_id) VALUES (now(), 'mia', 'note', {mine})",
            ],
            r"history is written in your own name \(ana\), not as mia",
        )
    finally:
        ana.dispose()
        mia.dispose()
    assert _history(admin) == history_before
    with admin.begin() as conn:
        # Every function that runs as its owner pins its search_path, pg_temp last.
        definers = conn.execute(
            sa.text(
                "SELECT proname::text, array_to_string(proconfig, ',') FROM pg_proc "
                "WHERE pronamespace = to_regnamespace(current_schema()) AND prosecdef ORDER BY proname"
            )
        ).all()
        assert len(definers) == 5
        assert all(config == f"search_path={schema}, pg_temp" for _, config in definers), definers
        # Nothing else in the schema (a view, a table added later) is open to either group
        # beyond what the role table lists.
        reachable = conn.execute(
            sa.text(
                "SELECT c.relname::text, c.relkind::text, g.g FROM pg_class c, "
                "unnest(ARRAY[:r, :m]) AS g(g) "
                "WHERE c.relnamespace = to_regnamespace(current_schema()) AND c.relkind IN ('r', 'v', 'm', 'p', 'f') "
                "AND has_table_privilege(g.g, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')"
            ),
            {"r": f"{team.prefix}_rep", "m": f"{team.prefix}_manager"},
        ).all()
        assert {name for name, kind, group in reachable if group.endswith("_rep")} == set(REP_PRIVILEGES)
        assert all(kind == "r" for _, kind, _ in reachable)
        trunc_or_refs = conn.execute(
            sa.text(
                "SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = to_regnamespace(current_schema()) "
                "AND c.relkind = 'r' AND (has_table_privilege(:r, c.oid, 'TRUNCATE, REFERENCES, TRIGGER') "
                "OR has_table_privilege(:m, c.oid, 'TRUNCATE, REFERENCES, TRIGGER, DELETE') AND c.relname <> 'user_cursors')"
            ),
            {"r": f"{team.prefix}_rep", "m": f"{team.prefix}_manager"},
        ).all()
        assert trunc_or_refs == []
    admin.dispose()


@pytest.mark.postgres
def test_a_reps_login_marks_as_seen_only_her_own_leads(team: Team, leads_cli) -> None:  # noqa: F811
    """A row in lead_views for another rep's lead would be refused or not by whether that lead id exists: her
    rows are her own name's and her own leads' only; `leads list --new` on her login still works."""
    ana = sa.create_engine(team.url("ana"))
    bos, mine = team.leads["bo"][0], team.leads["ana"][0]
    try:
        for lead in (bos, 999_999):
            _denied(
                ana,
                f"INSERT INTO lead_views (\"user\", lead_id, arrived_at, seen_at) VALUES ('ana', {lead}, now(), now())",
                "row-level security",
            )
        shown = leads_cli("list", "--new", "--json", db_url=team.url("ana"))
        assert shown.returncode == 0, shown.stderr
        assert mine in {row["lead"] for row in json.loads(shown.stdout)}
    finally:
        ana.dispose()


def _activity(at: str = "now()", **values: object) -> str:
    cols = ", ".join(values)
    vals = ", ".join("NULL" if v is None else str(v) if isinstance(v, int) else f"'{v}'" for v in values.values())
    return f"INSERT INTO activity (at, {cols}) VALUES ({at}, {vals})"


@pytest.mark.postgres
def test_history_rows_tell_the_change_they_come_with(team: Team, leads_cli) -> None:  # noqa: F811
    """The last INSERTs that were not the system's own: a follow-up row beside a real change of the
    follow-up but telling another one; a manager's note on no lead, or beside no change of its lead;
    team and review rows with no change of the rep or candidate they name; an action leads never
    writes. Each is refused at commit; the CLI's own commands on the same logins still write theirs."""
    _candidates(team)
    ana, mia, admin = (sa.create_engine(u) for u in (team.url("ana"), team.url("mia"), team.admin_url))
    mine, bos = team.leads["ana"][0], team.leads["bo"][0]
    with admin.begin() as conn:
        lead_before = tuple(conn.execute(sa.text(f"SELECT * FROM leads WHERE id = {mine}")).one())
        bos_before = tuple(conn.execute(sa.text(f"SELECT * FROM leads WHERE id = {bos}")).one())
        cid = conn.scalar(sa.text("SELECT min(id) FROM match_candidates"))
    history_before = _history(admin)
    follow_up = "UPDATE leads SET follow_up = '2031-01-01', follow_up_time = {time} WHERE id = {lead}"
    try:
        # A rep's real follow-up change, told as another: a false "to", a false "from", the time left out.
        for time, told in (
            ("NULL", {"from_value": None, "to_value": "2031-05-05"}),
            ("NULL", {"from_value": "2030-01-01", "to_value": "2031-01-01"}),
            ("'09:00'", {"from_value": None, "to_value": "2031-01-01"}),
        ):
            _commit_refused(
                ana,
                [
                    follow_up.format(time=time, lead=mine),
                    _activity(actor="ana", action="follow_up", lead_id=mine, **told),
                ],
                PAIRLESS,
            )
        # The same by a manager (no lead-side check on her login): the row must say the follow-up set.
        _commit_refused(
            mia,
            [
                follow_up.format(time="NULL", lead=bos),
                _activity(actor="mia", action="follow_up", lead_id=bos, from_value=None, to_value="2031-05-05"),
            ],
            r"a history row \(follow_up\) is written only with the change of lead",
        )
        # A manager's note on no lead, or on a lead nothing changed.
        for lead in (None, bos):
            _commit_refused(
                mia,
                [_activity(actor="mia", action="note", lead_id=lead, note="ana was rude to the client")],
                r"a history row \(note\) is written only with the change of lead",
            )
        # Team and review rows that no change of the rep or candidate they name goes with.
        for row in (
            _activity(actor="mia", action="rep_added", subject="eve", to_value="manager"),
            _activity(actor="mia", action="rep_deactivated", subject="ana", note="fired"),
            _activity(actor="mia", action="review_confirm", subject=f"candidate {cid}"),
        ):
            _commit_refused(mia, [row], r"a history row \(\w+\) is written only with the change of \w")
        _commit_refused(
            mia,
            [
                "UPDATE reps SET email = 'bo@example.com' WHERE name = 'bo'",
                _activity(actor="mia", action="rep_edited", subject="ana", to_value="role=manager"),
            ],
            r"a history row \(rep_edited\) is written only with the change of ana",
        )
        # An action leads never writes, on a lead changed in the same transaction.
        for who, engine, lead in (("mia", mia, bos), ("ana", ana, mine)):
            _commit_refused(
                engine,
                [
                    f"UPDATE leads SET updated_at = now() WHERE id = {lead}",
                    _activity(actor=who, action="lead_deleted", lead_id=lead),
                ],
                "lead_deleted is not a history action leads writes",
            )
    finally:
        ana.dispose()
        mia.dispose()
    with admin.begin() as conn:
        assert tuple(conn.execute(sa.text(f"SELECT * FROM leads WHERE id = {bos}")).one()) == bos_before
    _nothing_landed(admin, mine, lead_before, history_before)
    # The commands write their rows on the same logins: lead work, team changes, a review decision, undo.
    _commands_work(
        leads_cli,
        team.url("ana"),
        ["follow-up", str(mine), "2031-01-02", "9:30am"],
        ["follow-up", str(mine), "none"],
        ["follow-up", *map(str, team.leads["ana"]), "2031-01-03"],
        ["undo"],
    )
    _commands_work(
        leads_cli,
        team.url("mia"),
        ["note", str(bos), "called the plant manager"],
        ["follow-up", str(bos), "2031-01-02", "14:30"],
        ["reps", "add", "eve"],
        ["reps", "edit", "bo", "--capacity", "5"],
        ["review", "reject", str(cid)],
        ["review", "confirm", str(cid + 1)],
        ["assign", str(bos), "--to", "ana"],
        ["undo"],
        ["reps", "deactivate", "eve"],
        ["match"],
    )
    with admin.begin() as conn:
        written = conn.execute(
            sa.text("SELECT actor, action, from_value, to_value FROM activity WHERE id > :last ORDER BY id"),
            {"last": max(r[0] for r in history_before)},
        ).all()
    admin.dispose()
    assert [tuple(r) for r in written if r.action == "follow_up"][:3] == [
        ("ana", "follow_up", None, "2031-01-02 09:30"),
        ("ana", "follow_up", "2031-01-02 09:30", None),
        ("ana", "follow_up", None, "2031-01-03"),
    ]
    assert {r.action for r in written} >= {
        "note",
        "rep_added",
        "rep_edited",
        "rep_deactivated",
        "review_reject",
        "review_confirm",
        "assign",
        "undo_assign",
    }
