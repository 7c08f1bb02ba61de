"""The foundation: migrations on both engines, no drift, no data lost, clear database errors."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from leads.db import Database, alembic_config
from leads.errors import DatabaseError
from leads.models import Account, Activity, Evidence, Lead, Notice, Rep

TABLES = {"notices", "accounts", "leads", "evidence", "reps", "activity", "crawl_runs", "alembic_version"}


def test_upgrade_creates_every_table_and_matches_models(db_url: str) -> None:
    database = Database(db_url)
    before, after = database.upgrade()
    assert before is None and after == database.head_revision()
    assert TABLES <= set(sa.inspect(database.engine).get_table_names())
    # `alembic check` raises when the models and the migrations disagree.
    command.check(alembic_config(db_url))
    # Repeating is harmless.
    assert database.upgrade() == (after, after)
    database.dispose()


def _fill(database: Database) -> None:
    with database.session() as s:
        rep = Rep(name="ana", role="rep", territory={"states": ["VA"]})
        acct = Account(external_id="A-1", name="Blue Ridge Diner", state="VA", owner=rep)
        notice = Notice(
            source="warn_va",
            source_key="k1",
            company_name="Sysco Virginia",
            notice_type="closure",
            source_url="https://example.test",
            raw={"Company": "Sysco Virginia"},
            content_hash="x",
            notice_date=date(2024, 1, 2),
        )
        lead = Lead(account=acct, owner=rep, score=91.5)
        lead.evidence.append(Evidence(notice=notice, kind="vendor_closed", score=91.5, matched={"name": 95}))
        s.add_all([rep, acct, notice, lead])
        s.flush()
        s.add(Activity(actor="ana", action="status", lead_id=lead.id, from_value="new", to_value="contacted"))


def _counts(database: Database) -> dict[str, int]:
    with database.engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"select count(*) from {t}")).scalar_one()
            for t in ("notices", "accounts", "leads", "evidence", "reps", "activity")
        }


def test_rebuilding_tables_on_sqlite_loses_no_child_rows(tmp_path: Path) -> None:
    """A batch migration recreates a parent table; with foreign keys on, SQLite would cascade-delete
    the children. Downgrading to nothing is destructive by design, so exercise the trap directly:
    rebuild `accounts` and `leads` in a batch migration on a filled database and count rows."""
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    database = Database(url)
    database.upgrade()
    _fill(database)
    before = _counts(database)
    assert all(before.values())

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from leads.db import migration_connection

    with migration_connection(database.engine) as conn:
        ops = Operations(MigrationContext.configure(conn, opts={"render_as_batch": True}))
        for table in ("accounts", "leads"):
            with ops.batch_alter_table(table, recreate="always") as batch:
                batch.alter_column("created_at", existing_type=sa.DateTime(timezone=True), nullable=True)
    assert _counts(database) == before
    # Foreign keys are back on for the application's connections.
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    database.dispose()


def test_the_same_rebuild_with_foreign_keys_on_would_lose_rows(tmp_path: Path) -> None:
    """The control experiment for the test above: it must be able to fail."""
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    database = Database(url)
    database.upgrade()
    _fill(database)
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    with database.engine.begin() as conn:
        ops = Operations(MigrationContext.configure(conn, opts={"render_as_batch": True}))
        with ops.batch_alter_table("accounts", recreate="always") as batch:
            batch.alter_column("created_at", existing_type=sa.DateTime(timezone=True), nullable=True)
    assert _counts(database)["leads"] == 0  # cascaded away: the trap is real
    database.dispose()


def test_sqlite_connection_settings(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    database.upgrade()
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 5000
    database.dispose()


def test_default_database_file_is_private(tmp_path: Path, leads_cli) -> None:
    result = leads_cli("db", "upgrade")
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "data"
    assert (folder / "leads.db").exists()
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (folder / "leads.db").stat().st_mode & 0o777 == 0o600


def _hold_write_lock(path: str, ready, release) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("insert into reps(name, role, active, territory, created_at) values ('x','rep',1,'{}','2024-01-01')")
    ready.set()
    release.wait(30)
    conn.execute("ROLLBACK")
    conn.close()


def test_locked_database_names_the_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "leads.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    monkeypatch.setattr("leads.db.SQLITE_BUSY_TIMEOUT_MS", 300)
    locked = Database(f"sqlite:///{path}")
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_write_lock, args=(str(path), ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        started = time.monotonic()
        with pytest.raises(DatabaseError, match=rf"{path}.* locked by another process"):
            with locked.session() as s:
                s.add(Rep(name="bo", role="rep", territory={}))
        assert time.monotonic() - started >= 0.25  # it waited before giving up
    finally:
        release.set()
        holder.join(10)
    with database.session(read_only=True) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Rep)) == 0
    database.dispose()
    locked.dispose()


def test_corrupted_database_file(tmp_path: Path, leads_cli) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    result = leads_cli("--db", f"sqlite:///{bad}", "db", "upgrade")
    assert result.returncode == 1
    assert f"Error: database file {bad} is corrupted or not a SQLite database" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_database_file(tmp_path: Path) -> None:
    path = tmp_path / "leads.db"
    Database(f"sqlite:///{path}").upgrade()
    read_only = Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(DatabaseError, match="not writable"):
        with read_only.session() as s:
            s.add(Rep(name="bo", role="rep", territory={}))
    read_only.dispose()


def test_database_path_that_is_a_directory(tmp_path: Path, leads_cli) -> None:
    result = leads_cli("--db", f"sqlite:///{tmp_path}", "db", "current")
    assert result.returncode == 1
    assert f"Error: database file {tmp_path} is a directory" in result.stderr


def test_unreachable_server_is_named(leads_cli) -> None:
    result = leads_cli("--db", "postgresql://nobody@127.0.0.1:1/none", "db", "current")
    assert result.returncode == 1
    assert "Error: cannot reach database postgresql" in result.stderr


def test_db_upgrade_and_current_from_any_directory(db_url: str, leads_cli) -> None:
    first = leads_cli("db", "current", db_url=db_url)
    assert first.returncode == 1 and "none (empty database)" in first.stdout
    up = leads_cli("db", "upgrade", db_url=db_url)
    assert up.returncode == 0, up.stderr
    assert "upgraded from empty to" in up.stdout
    again = leads_cli("db", "upgrade", db_url=db_url)
    assert "already at schema" in again.stdout
    now = leads_cli("db", "current", db_url=db_url)
    assert now.returncode == 0 and "up to date" in now.stdout


def test_behind_schema_is_refused_with_advice(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    database.upgrade("0001")  # a real older revision (an unknown one is a newer leads': test_reliability_schema)
    with pytest.raises(DatabaseError, match="is at schema 0001, this version needs .*: run `leads db upgrade`"):
        database.ensure_current()
    database.dispose()


def test_one_open_lead_per_account(db: Database) -> None:
    with db.session() as s:
        acct = Account(external_id="A-1", name="Blue Ridge Diner")
        s.add_all([acct, Lead(account=acct, status="lost"), Lead(account=acct, status="won"), Lead(account=acct)])
    with pytest.raises(sa.exc.IntegrityError):
        with db.session() as s:
            s.add(Lead(account_id=acct.id))


def test_upgrading_a_filled_database_loses_no_rows(db_url: str) -> None:
    """Upgrade from the first schema to head with data in every table: every row survives."""
    database = Database(db_url)
    database.upgrade("0001")
    with database.engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into reps(name, role, active, territory, created_at) "
                "values ('ana','rep',true,'{}',CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            sa.text(
                "insert into accounts(external_id, name, do_not_contact, name_norm, vendor_norm, "
                "address_norm, city_norm, created_at, updated_at, owner_id) values "
                "('A-1','Blue Ridge Diner',false,'','','','',CURRENT_TIMESTAMP,CURRENT_TIMESTAMP,"
                "(select id from reps))"
            )
        )
        conn.execute(
            sa.text(
                "insert into notices(source, source_key, company_name, notice_type, source_url, raw, "
                "content_hash, name_norm, address_norm, first_seen, last_seen, updated_at) values "
                "('warn_va','k','Sysco','closure','u','{}','h','','',CURRENT_TIMESTAMP,"
                "CURRENT_TIMESTAMP,CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            sa.text(
                "insert into leads(account_id, status, owner_id, score, flagged_closing, created_at, "
                "updated_at, version) values ((select id from accounts),'new',(select id from reps),"
                "90,false,CURRENT_TIMESTAMP,CURRENT_TIMESTAMP,1)"
            )
        )
        conn.execute(
            sa.text(
                "insert into evidence(lead_id, notice_id, kind, score, matched, created_at) values "
                "((select id from leads),(select id from notices),'vendor_closed',90,'{}',"
                "CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            sa.text(
                "insert into activity(at, actor, action, lead_id) values "
                "(CURRENT_TIMESTAMP,'ana','status',(select id from leads))"
            )
        )
    before = _counts(database)
    assert all(v == 1 for v in before.values())
    database.upgrade()
    assert _counts(database) == before
    assert database.current_revision() == database.head_revision()
    database.dispose()


def test_head_revision_constant_matches_alembic(sqlite_url: str) -> None:
    from leads.db import HEAD_REVISION

    assert Database(sqlite_url).head_revision() == HEAD_REVISION
