"""`leads nightly` end to end, offline: local HTTP server, real CLI, twice, with failures, crashes and overlap."""

from __future__ import annotations

import csv
import os
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import FAST_CRAWL, LEADS_COMMAND

SETTINGS = [a for a in FAST_CRAWL]


def _book(tmp_path: Path) -> Path:
    path = tmp_path / "book.csv"
    rows = [
        ["Account ID", "Account Name", "Street", "City", "State", "Zip", "Industry", "Incumbent Vendor", "Owner"],
        ["V-1", "Danville Bistro", "101 Main St", "Danville", "VA", "24541", "Restaurant", "AeroFarms LLC", ""],
        ["V-2", "Chatham Grill", "20 Depot St", "Chatham", "VA", "24531", "Restaurant", "Aerofarms", ""],
        ["C-1", "Giant Delivers", "9000 Center St", "Manassas", "VA", "20110", "Grocery delivery", "", ""],
    ]
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _prepare(db_url, leads_cli, tmp_path):
    run = lambda *a, **kw: leads_cli("--as", "boss", *a, db_url=db_url, **kw)  # noqa: E731
    assert run("reps", "add", "boss", "--role", "manager", "--email", "boss@example.test").returncode == 0
    assert run("reps", "add", "ana", "--states", "VA", "--email", "ana@example.test").returncode == 0
    assert run("accounts", "import", str(_book(tmp_path))).returncode == 0
    return run


def _urls(server, ny: str | None = None) -> list[str]:
    return [
        "--url",
        f"warn_va={server.url('files/warn_va/va.csv')}",
        "--url",
        f"warn_ny={ny or server.url('files/warn_ny/ny.csv')}",
        "--source",
        "warn_va",
        "--source",
        "warn_ny",
    ]


def _counts(db_url: str) -> dict[str, int]:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        out = {
            t: conn.execute(sa.text(f"select count(*) from {t}")).scalar_one()
            for t in ("notices", "leads", "evidence", "match_candidates", "activity")
        }
    engine.dispose()
    return out


def test_nightly_twice_is_idempotent_and_writes_the_digest(db_url, server, leads_cli, tmp_path) -> None:
    run = _prepare(db_url, leads_cli, tmp_path)
    first = run("nightly", *_urls(server), *SETTINGS)
    assert first.returncode == 0, first.stdout + first.stderr
    counts = _counts(db_url)
    assert counts["notices"] > 1000 and counts["leads"] >= 2
    digest = sorted((tmp_path / "data" / "digests").glob("digest-*.txt"))[-1].read_text()
    assert "== ana: 2 new leads" in digest
    assert "why: its vendor closed: AeroFarms (warn_va, closure, 2025-12-19" in digest
    assert "New closure notices by source: warn_ny" in digest and "Sources: all healthy" in digest
    html = digest_html = sorted((tmp_path / "data" / "digests").glob("digest-*.html"))[-1].read_text()
    assert "<svg" in html and "AeroFarms" in digest_html
    assert (tmp_path / "data" / "logs" / "nightly.log").stat().st_size > 0

    second = run("nightly", *_urls(server), *SETTINGS)
    assert second.returncode == 0, second.stderr
    after = _counts(db_url)
    assert {k: after[k] for k in ("notices", "leads", "evidence", "match_candidates")} == {
        k: counts[k] for k in ("notices", "leads", "evidence", "match_candidates")
    }
    files = sorted((tmp_path / "data" / "digests").glob("digest-*.txt"))
    assert len(files) == 1  # one digest per day: the second run the same day rewrote it ...
    assert "== ana: 2 new leads" in files[0].read_text()  # ... still with the whole day, not "0 new leads"


def test_one_source_failing_keeps_the_others_and_is_named(db_url, server, leads_cli, tmp_path) -> None:
    sqlite_url = db_url
    run = _prepare(sqlite_url, leads_cli, tmp_path)
    result = run("nightly", *_urls(server, ny=server.url("status/404")), *SETTINGS)
    assert result.returncode == 1
    assert "Error: nightly finished with problems in: crawl" in result.stderr
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        sources = dict(conn.execute(sa.text("select source, count(*) from notices group by source")).all())
        failed = conn.execute(sa.text("select message from crawl_runs where source = 'warn_ny'")).scalar_one()
    engine.dispose()
    assert sources.get("warn_va", 0) > 1000 and "warn_ny" not in sources
    assert failed.endswith(f"; details in {tmp_path / 'data' / 'logs' / 'nightly.log'}")  # the log it wrote
    digest = sorted((tmp_path / "data" / "digests").glob("digest-*.txt"))[-1].read_text()
    assert "FAILED source warn_ny: failed" in digest
    assert "== ana: 2 new leads" in digest  # matching and assignment still ran on what landed


def test_crash_between_crawl_and_match_then_the_next_run_completes(db_url, server, leads_cli, tmp_path):
    sqlite_url = db_url
    run = _prepare(sqlite_url, leads_cli, tmp_path)
    crashed = run("nightly", *_urls(server), *SETTINGS, env={"LEADS_NIGHTLY_CRASH_AFTER": "crawl"})
    assert crashed.returncode == 70
    mid = _counts(sqlite_url)
    assert mid["notices"] > 1000 and mid["leads"] == 0
    again = run("nightly", *_urls(server), *SETTINGS)
    assert again.returncode == 0, again.stderr
    done = _counts(sqlite_url)
    assert done["notices"] == mid["notices"] and done["leads"] >= 2


def test_overlapping_run_is_refused(db_url, server, leads_cli, tmp_path) -> None:
    """A file lock next to a SQLite database; an advisory lock on PostgreSQL."""
    sqlite_url = db_url
    _prepare(sqlite_url, leads_cli, tmp_path)
    env = {
        **os.environ,
        "LEADS_DATA_DIR": str(tmp_path / "data"),
        "LEADS_USER": "boss",
        "LEADS_DATABASE_URL": sqlite_url,
    }
    slow = server.url("slow/4/files/warn_va/va.csv")
    first = subprocess.Popen(
        [
            *LEADS_COMMAND,
            "nightly",
            "--url",
            f"warn_va={slow}",
            "--source",
            "warn_va",
            *SETTINGS,
            "--set",
            "DOWNLOAD_TIMEOUT=20",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 20
        while time.time() < deadline and not any("slow" in p for _, p in server.requests):
            time.sleep(0.1)
        second = leads_cli("--as", "boss", "nightly", "--no-crawl", db_url=sqlite_url)
        assert second.returncode == 75
        assert "another `leads nightly` is running" in second.stderr and "this run did nothing" in second.stderr
    finally:
        out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err


@pytest.mark.postgres
def test_the_nightly_lock_is_per_schema(pg_url, leads_cli, tmp_path) -> None:
    """Teams (and parallel test runs) share one PostgreSQL database in separate schemas: a nightly run holding
    one schema's lock refuses a second run there and never blocks another schema's run."""
    import uuid
    from urllib.parse import quote

    from leads.db import Database
    from leads.nightly import run_lock
    from tests.conftest import PG_URL

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    other = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options={quote(f'-csearch_path={schema}')}"
    db = Database(pg_url)
    try:
        for url in (pg_url, other):
            added = leads_cli("--as", "boss", "reps", "add", "boss", "--role", "manager", db_url=url)
            assert added.returncode == 0, added.stderr
        with run_lock(db, tmp_path / "data"):
            same = leads_cli("--as", "boss", "nightly", "--no-crawl", db_url=pg_url)
            elsewhere = leads_cli("--as", "boss", "nightly", "--no-crawl", db_url=other)
        assert same.returncode == 75 and "another `leads nightly` is running" in same.stderr
        assert elsewhere.returncode == 0, elsewhere.stderr
        after = leads_cli("--as", "boss", "nightly", "--no-crawl", db_url=pg_url)  # released with the run
        assert after.returncode == 0, after.stderr
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_digest_is_mailed_through_smtp(sqlite_url, server, leads_cli, tmp_path) -> None:
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server_, session, envelope):  # noqa: N802
            received.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port: aiosmtpd's controller cannot start on port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        run = _prepare(sqlite_url, leads_cli, tmp_path)
        result = run(
            "nightly",
            *_urls(server),
            *SETTINGS,
            env={
                "LEADS_SMTP_HOST": "127.0.0.1",
                "LEADS_SMTP_PORT": str(port),
                "LEADS_SMTP_FROM": "digest@example.test",
            },
        )
        assert result.returncode == 0, result.stderr
    finally:
        controller.stop()
    to = {tuple(r) for r, _ in received}
    assert to == {("ana@example.test",), ("boss@example.test",)}
    ana = next(body for r, body in received if r == ["ana@example.test"])
    assert "Danville Bistro" in ana and "text/html" in ana


def test_nightly_summary_lists_every_step(sqlite_url, leads_cli, tmp_path) -> None:
    run = _prepare(sqlite_url, leads_cli, tmp_path)
    result = run("nightly", "--no-crawl")
    assert result.returncode == 0, result.stderr
    for step in ("upgrade", "crawl", "match", "assign", "digest"):
        assert step in result.stdout
