"""Engine and session lifecycle, SQLite settings, migrations, and database errors a user can read.

SQLite is the embedded default: WAL, a busy timeout, foreign keys on, and writes that begin
with BEGIN IMMEDIATE so two CLI processes never interleave a read-then-write. PostgreSQL by
URL works the same way through the same functions.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from leads.errors import DatabaseError

SQLITE_BUSY_TIMEOUT_MS = 5000
# The newest migration; a test checks it against Alembic's own view. Kept here so everyday commands
# can check the schema without importing Alembic (start-up time).
HEAD_REVISION = "0008"
MIGRATIONS = Path(__file__).parent / "migrations"


class NewerDatabaseError(DatabaseError):
    """The schema was made by a newer leads: this version must not read or write it."""


def known_revisions() -> set[str]:
    """Every revision this version's migrations define, read from the files without importing Alembic."""
    found = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        match = re.search(r'^revision(?:: str)? = ["\']([^"\']+)["\']', path.read_text(encoding="utf-8"), re.M)
        if match:
            found.add(match.group(1))
    return found


def describe(url: str) -> str:
    """The database as a user would name it: the file path for SQLite, the URL without password otherwise."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return u.database or ":memory:"
    return u.render_as_string(hide_password=True)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def missing_sqlite_file(url: str) -> Path | None:
    """The path of a SQLite database file that does not exist yet (None for other databases or in-memory)."""
    url = normalize_url(url)
    if not is_sqlite(url):
        return None
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    file = Path(path).expanduser()
    return None if file.exists() else file


def _prepare_sqlite_file(url: str) -> None:
    """Create the SQLite file mode 0600 in a 0700 folder before SQLite does (it would use the umask)."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    file = Path(path).expanduser()
    if file.exists():
        if file.is_dir():
            raise DatabaseError(f"database file {file} is a directory")
        return
    folder = file.parent
    try:
        if not folder.exists():
            folder.mkdir(mode=0o700, parents=True)
        fd = os.open(file, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    except OSError as exc:
        raise DatabaseError(f"cannot create database file {file}: {exc.strerror}") from exc


def _url_with_driver(url: str) -> str:
    u = make_url(url)
    if u.get_backend_name() == "postgresql" and u.get_driver_name() in ("", "psycopg2"):
        # psycopg 3 is what we install; plain postgresql:// URLs should just work.
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


KNOWN_BACKENDS = ("sqlite", "postgresql")
#: The drivers a URL may name (``postgresql+psycopg://``); psycopg2's name reads as psycopg 3, which we install.
KNOWN_DRIVERS = {"sqlite": ("pysqlite",), "postgresql": ("psycopg", "psycopg2")}


def normalize_url(url: str) -> str:
    """The URL as SQLAlchemy wants it: ``postgres://`` (Heroku's, libpq's form) reads as ``postgresql://``;
    anything that is not a SQLite or PostgreSQL URL is a DatabaseError naming the forms accepted."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    elif url.startswith("postgres+"):
        url = "postgresql+" + url[len("postgres+") :]
    try:
        parsed = make_url(url)
        backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    except sa_exc.ArgumentError:
        backend, driver = None, ""
    if backend in KNOWN_BACKENDS and driver not in KNOWN_DRIVERS[backend]:
        raise DatabaseError(
            f"cannot use database URL {url!r}: no database driver {driver!r} here; use {backend}:// "
            f"(--db / LEADS_DATABASE_URL)"
        )
    if backend not in KNOWN_BACKENDS:
        raise DatabaseError(
            f"cannot use database URL {url!r}: expected sqlite:///PATH or postgresql://USER@HOST/DB (--db / LEADS_DATABASE_URL)"
        )
    return url


def make_engine(url: str, *, create_file: bool = True, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    if is_sqlite(url):
        if create_file:
            _prepare_sqlite_file(url)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(_url_with_driver(url), pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's begin event below issue BEGIN itself (pysqlite's own BEGIN is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()
        del mode

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("sqlite_read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


ERROR_SUMMARY_LIMIT = 300


def error_summary(exc: BaseException) -> str:
    """What the database said, in one short line: never the SQL statement or its parameters.

    SQLAlchemy's text of a failed statement carries the whole statement and its parameters (other
    companies' rows, for a batch insert); a run's message lands in `leads sources` and the digest.
    """
    inner = exc.orig if isinstance(exc, sa_exc.StatementError) and exc.orig is not None else exc
    lines = str(inner).strip().splitlines()
    text = lines[0].strip() if lines else type(inner).__name__
    if len(text) > ERROR_SUMMARY_LIMIT:
        text = text[: ERROR_SUMMARY_LIMIT - 1] + "…"
    return text


def translate_error(exc: BaseException, url: str) -> DatabaseError | None:
    """A database exception as a message naming the file or server and what to do; None if unknown."""
    name = describe(url)
    text = str(getattr(exc, "orig", exc) or exc).lower()
    if "file is not a database" in text or "database disk image is malformed" in text:
        return DatabaseError(f"database file {name} is corrupted or not a SQLite database")
    if "database is locked" in text or "database is busy" in text:
        return DatabaseError(
            f"database {name} is locked by another process (waited {SQLITE_BUSY_TIMEOUT_MS // 1000} s); "
            "try again when it finishes"
        )
    if "readonly database" in text or "read-only" in text:
        return DatabaseError(f"database file {name} is not writable (check its permissions and its folder's)")
    if "unable to open database file" in text:
        return DatabaseError(f"cannot open database file {name} (missing folder or no permission)")
    if "disk i/o error" in text:
        return DatabaseError(f"disk error on database file {name}")
    if "permission denied" in text or "row-level security" in text or "insufficient privilege" in text:
        detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return DatabaseError(
            f"your database login may not do this on {name} ({detail}); "
            "a manager or the admin can (see `leads db grant`)"
        )
    if isinstance(exc, sa_exc.OperationalError) and not is_sqlite(url):
        return DatabaseError(f"cannot reach database {name}: {str(getattr(exc, 'orig', exc)).strip()}")
    if isinstance(exc, sa_exc.ProgrammingError) and "does not exist" in text:
        return DatabaseError(f"database {name} is missing tables; run `leads db upgrade`")
    return None


class Database:
    """One database: its URL, engine and sessions. Services get sessions; they never make engines."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        url = normalize_url(url)
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.engine.execution_options(sqlite_read_only=True), expire_on_commit=False)

    @property
    def name(self) -> str:
        return describe(self.url)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error, translates database errors."""
        factory = self._read_sessions if read_only else self._sessions
        session = factory()
        try:
            yield session
            session.commit()
        except sa_exc.DBAPIError as exc:
            session.rollback()
            translated = translate_error(exc, self.url)
            if translated is not None:
                raise translated from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()

    # -- schema ---------------------------------------------------------------------------------

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str:
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(alembic_config(self.url)).get_current_head()
        assert head is not None
        return head

    def has_tables(self) -> bool:
        return bool(inspect(self.engine).get_table_names())

    def upgrade(self, revision: str = "head") -> tuple[str | None, str | None]:
        """Migrate to ``revision``; returns (before, after)."""
        from alembic import command

        if not revision.strip():
            from leads.errors import InputError

            raise InputError("db upgrade --revision: give a revision (e.g. head, or one of `leads db current`)")
        before = self._checked(self.current_revision)
        self.refuse_newer(before)
        cfg = alembic_config(self.url)

        def run() -> None:
            from alembic.util.exc import CommandError

            with migration_connection(self.engine) as conn:
                cfg.attributes["connection"] = conn
                try:
                    command.upgrade(cfg, revision)
                except CommandError as exc:
                    from leads.errors import InputError

                    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    raise InputError(f"db upgrade --revision {revision}: {first}") from exc

        self._checked(run)
        after = self._checked(self.current_revision)
        return before, after

    def _stamped_revision(self) -> str | None:
        """The schema revision without Alembic: None when there is no version table yet."""
        from sqlalchemy import text

        # A read: it must not wait for (or take) the write lock another process holds.
        with self.engine.execution_options(sqlite_read_only=True).connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("select version_num from alembic_version")).scalar()

    def refuse_newer(self, current: str | None) -> None:
        """Raise NewerDatabaseError when ``current`` is a revision this version does not know."""
        if current is not None and current != HEAD_REVISION and current not in known_revisions():
            raise NewerDatabaseError(
                f"database {self.name}: this database was created by a newer leads (revision {current}); upgrade leads"
            )

    def check_not_newer(self) -> None:
        """For commands that do not check the schema otherwise (nightly): refuse a newer database early."""
        self.refuse_newer(self._checked(self._stamped_revision))

    def ensure_current(self, *, auto_create: bool = True) -> None:
        """Fail early and clearly when the schema is missing or behind; create it on an empty database."""
        current = self._checked(self._stamped_revision)
        head = HEAD_REVISION
        if current == head:
            return
        self.refuse_newer(current)
        if current is None and auto_create and not self._checked(self.has_tables):
            self.upgrade()
            return
        if current is None:
            raise DatabaseError(
                f"database {self.name} holds tables but no schema version; is it another program's database?"
            )
        raise DatabaseError(
            f"database {self.name} is at schema {current}, this version needs {head}: run `leads db upgrade`"
        )

    def _checked(self, fn: Any) -> Any:
        try:
            return fn()
        except sa_exc.DBAPIError as exc:
            translated = translate_error(exc, self.url)
            if translated is not None:
                raise translated from exc
            raise


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Any]:
    """A connection in a transaction for Alembic; on SQLite with foreign keys off, checked afterwards.

    SQLite batch migrations recreate tables; with foreign keys on, dropping the old table
    cascade-deletes child rows. The pragma only works outside a transaction, so it is set on
    the driver connection before BEGIN and restored before the connection goes back to the pool.
    """
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        raw = conn.connection.driver_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                yield conn
                if raw is not None:
                    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if problems:
                        raise DatabaseError(
                            f"migration would leave rows with broken foreign keys: {problems[:5]}; rolled back"
                        )
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg
