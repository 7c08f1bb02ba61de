"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, and the real CLI.

PostgreSQL tests use the server in LEADS_TEST_POSTGRES_URL (default: the local one at
127.0.0.1:5432, database `test`), each test in its own schema. Without a server they skip with
the reason shown; with CI=true a missing server is a failure, never a skip.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.leads_process import LEADS_COMMAND, run_leads, stop_zygote

__all__ = ["LEADS_COMMAND", "FAST_CRAWL", "require_postgres"]  # LEADS_COMMAND: imported from here by tests

PG_URL = os.environ.get("LEADS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(__file__).resolve().parent.parent


_pg_state: dict[str, str | None] = {}


def _postgres_problem() -> str | None:
    """None when the PostgreSQL server answers, else why not (checked once per session)."""
    if "problem" not in _pg_state:
        try:
            import sqlalchemy as sa

            engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
            engine.dispose()
            _pg_state["problem"] = None
        except Exception as exc:  # any failure to connect is a reason to skip (or fail in CI)
            _pg_state["problem"] = f"PostgreSQL not reachable at {PG_URL}: {str(exc).splitlines()[0]}"
    return _pg_state["problem"]


def require_postgres() -> None:
    problem = _postgres_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"CI=true requires PostgreSQL: {problem}")
        pytest.skip(problem)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL to a fresh, empty schema on the PostgreSQL server, dropped after the test."""
    require_postgres()
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'leads.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh empty database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'leads.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def db(db_url: str):
    """A migrated Database on each engine."""
    from leads.db import Database

    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def pytest_unconfigure(config: pytest.Config) -> None:
    stop_zygote()  # this worker's forking `leads` process (tests/leads_process.py), reaped so its CPU counts


@pytest.fixture
def leads_cli(tmp_path: Path):
    """Run the real `leads` CLI, each call its own process; returns CompletedProcess (text).

    Calls are forked from a process that has imported the CLI already (tests/leads_process.py);
    ``spawn=True`` (or LEADS_TEST_SPAWN=1 for the whole suite) starts a fresh interpreter instead."""

    def run(
        *args: str,
        db_url: str | None = None,
        env: dict[str, str] | None = None,
        input: str | None = None,
        timeout: float = 300,
        spawn: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {
            **os.environ,
            "LEADS_DATA_DIR": str(tmp_path / "data"),
            "LEADS_USER": "tester",
            "PYTHONUNBUFFERED": "1",
        }
        full_env.pop("LEADS_DATABASE_URL", None)
        if db_url:
            full_env["LEADS_DATABASE_URL"] = db_url
        full_env.update(env or {})
        return run_leads(args, cwd=tmp_path, env=full_env, input=input, timeout=timeout, spawn=spawn)

    return run


@pytest.fixture
def server():
    """The fault-injecting HTTP server on 127.0.0.1 serving tests/files (see tests/server.py)."""
    from tests.server import FaultServer

    srv = FaultServer().start()
    yield srv
    srv.shutdown()
    srv.server_close()


# Settings for offline crawls in tests: no politeness delays against our own local server.
FAST_CRAWL = [
    "--set",
    "AUTOTHROTTLE_ENABLED=false",
    "--set",
    "DOWNLOAD_DELAY=0",
    "--set",
    "RETRY_TIMES=2",
    "--set",
    "DOWNLOAD_TIMEOUT=5",
]


@pytest.fixture
def manager(leads_cli):
    """setup(db_url) adds the manager "boss" and returns a runner of the CLI as boss on that database."""

    def setup(db_url: str):
        result = leads_cli("--as", "boss", "reps", "add", "boss", "--role", "manager", db_url=db_url)
        assert result.returncode == 0, result.stderr
        return lambda *args: leads_cli("--as", "boss", *args, db_url=db_url)

    return setup
