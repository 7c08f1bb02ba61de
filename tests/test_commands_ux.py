"""Issue 14 (commands that surprise), through the real CLI: clear errors instead of tracebacks, URL forms,
read-only commands that never create a database, quiet failed requests."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.conftest import FAST_CRAWL


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_match_review_above_accept_is_a_usage_error(db_url, manager):
    boss = manager(db_url)
    result = boss("match", "--accept", "50", "--review", "90")
    assert result.returncode == 2
    assert "--review (90) must not be above --accept (50)" in result.stderr
    assert "Traceback" not in result.stderr
    result = boss("match", "--review", "80")  # above the default accept threshold (78)
    assert result.returncode == 2 and "must not be above --accept (78)" in result.stderr
    result = boss("match", "--accept", "120")
    assert result.returncode == 2 and "120" in result.stderr and "Traceback" not in result.stderr


def test_unknown_database_url_is_a_clear_error(leads_cli):
    for url in ("bogus://x", "not a url", "postgres+nope://x/y", "sqlite+foo:///x.db"):
        result = leads_cli("--db", url, "reps", "list")
        assert result.returncode == 1, result.stderr
        assert "cannot use database URL" in result.stderr and (
            "postgresql://" in result.stderr or "sqlite://" in result.stderr
        )
        assert "Traceback" not in result.stderr


@pytest.mark.postgres
def test_postgres_scheme_is_accepted(pg_url, leads_cli):
    assert pg_url.startswith("postgresql")
    short = "postgres" + pg_url[len("postgresql") :].replace("+psycopg", "", 1)
    result = leads_cli("--db", short, "--as", "boss", "reps", "add", "boss", "--role", "manager")
    assert result.returncode == 0, result.stderr
    result = leads_cli("--db", short, "reps", "list", "--csv")
    assert result.returncode == 0, result.stderr
    assert "boss" in result.stdout


def test_read_only_command_on_missing_sqlite_path_creates_nothing(leads_cli, tmp_path: Path):
    target = tmp_path / "nowhere" / "deeper" / "leads.db"
    for args in (("reps", "list"), ("accounts", "list"), ("due",), ("review",), ("show", "1")):
        result = leads_cli("--db", f"sqlite:///{target}", *args)
        assert result.returncode == 1, (args, result.stderr)
        assert f"no database at {target}" in result.stderr
        assert not (tmp_path / "nowhere").exists(), args
    # A command that writes still creates the database where asked.
    result = leads_cli("--db", f"sqlite:///{target}", "--as", "boss", "reps", "add", "boss", "--role", "manager")
    assert result.returncode == 0, result.stderr
    assert target.exists()
    assert leads_cli("--db", f"sqlite:///{target}", "reps", "list").returncode == 0


def test_unreachable_host_is_one_line_per_failed_request(leads_cli, sqlite_url):
    url = f"http://127.0.0.1:{_closed_port()}/warn.html"
    args = ("crawl", "warn_va", "--url", url, *FAST_CRAWL, "--set", "RETRY_TIMES=0")
    result = leads_cli(*args, db_url=sqlite_url)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    failed = [line for line in result.stderr.splitlines() if "request failed for" in line]
    assert len(failed) == 1 and url in failed[0]
    assert not any("Error downloading" in line for line in result.stderr.splitlines())
    assert "1 error (1 failed request); details on stderr" in result.stdout
    assert "nightly.log" not in result.stdout and "the log" not in result.stdout  # a plain crawl writes no log
    # -vv keeps the stacks for whoever debugs it.
    loud = leads_cli("-vv", *args, db_url=sqlite_url)
    assert loud.returncode == 1
    assert "Traceback" in loud.stderr
