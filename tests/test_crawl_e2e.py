"""The whole crawl path offline: the fault server on 127.0.0.1, the real `leads crawl` in a subprocess,
rows checked in the database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from tests.conftest import FAST_CRAWL
from tests.helpers import FILES

VA_ROWS = 1073  # data rows in va.csv (csv.reader count below re-derives it)


def _va_rows() -> int:
    with open(FILES / "warn_va" / "va.csv", newline="", encoding="utf-8") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def _count(db_url: str, source: str | None = None) -> int:
    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        sql = "select count(*) from notices" + (" where source = :s" if source else "")
        n = conn.execute(sa.text(sql), {"s": source}).scalar_one()
    engine.dispose()
    return n


def _query(db_url: str, sql: str, **params):
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql), params).mappings().all()
    engine.dispose()
    return rows


def _summary(result) -> dict[str, dict]:
    return {row["source"]: row for row in json.loads(result.stdout)}


def test_va_crawl_is_idempotent_and_updates_amended_notices(db_url, server, leads_cli) -> None:
    assert _va_rows() == VA_ROWS
    url = server.url("files/warn_va/va.csv")
    first = leads_cli("crawl", "warn_va", "--url", url, "--json", *FAST_CRAWL, db_url=db_url)
    assert first.returncode == 0, first.stderr
    run = _summary(first)["warn_va"]
    assert run["outcome"] == "ok" and run["new"] == run["items"] and run["items"] > 1000
    stored = _count(db_url, "warn_va")
    assert stored == run["items"]
    row = _query(db_url, "select * from notices where source='warn_va' and company_name='AeroFarms'")[0]
    assert (row["city"], row["state"], row["notice_type"], row["employees"]) == ("Ringgold", "VA", "closure", 173)
    assert str(row["notice_date"]) == "2025-12-11" and row["source_url"] == url

    for _ in range(2):
        again = leads_cli("crawl", "warn_va", "--url", url, "--json", *FAST_CRAWL, db_url=db_url)
        assert again.returncode == 0, again.stderr
        rerun = _summary(again)["warn_va"]
        assert (rerun["new"], rerun["updated"], rerun["unchanged"]) == (0, 0, run["items"])
    assert _count(db_url, "warn_va") == stored

    # The agency amends one notice (employees changed) and renames a column: one update, no new row.
    text = (FILES / "warn_va" / "va.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header = ["Company Name" if h == "Company" else h for h in rows[0]]
    aero = next(i for i, r in enumerate(rows) if r[0] == "AeroFarms")
    rows[aero][rows[0].index("Employees Affected")] = "180"
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows[1:]])
    amended = server.add("amended/va.csv", out.getvalue().encode(), "text/csv")
    third = leads_cli("crawl", "warn_va", "--url", amended, "--json", *FAST_CRAWL, db_url=db_url)
    assert third.returncode == 0, third.stderr
    assert (_summary(third)["warn_va"]["updated"], _summary(third)["warn_va"]["new"]) == (1, 0)
    assert _count(db_url, "warn_va") == stored
    row = _query(db_url, "select employees from notices where source='warn_va' and company_name='AeroFarms'")[0]
    assert row["employees"] == 180


def test_formula_like_company_name_is_stored_verbatim(sqlite_url, server, leads_cli) -> None:
    # The shared fixtures hold no such row; derive one from the real CSV at test time.
    text = (FILES / "warn_va" / "va.csv").read_text(encoding="utf-8")
    evil = '=HYPERLINK("http://evil.test","AeroFarms")'
    body = text.replace("AeroFarms,", f'"{evil.replace(chr(34), chr(34) * 2)}",', 1).encode()
    url = server.add("evil/va.csv", body, "text/csv")
    result = leads_cli("crawl", "warn_va", "--url", url, *FAST_CRAWL, db_url=sqlite_url)
    assert result.returncode == 0, result.stderr
    names = [r["company_name"] for r in _query(sqlite_url, "select company_name from notices")]
    assert evil in names


@pytest.mark.parametrize(
    "path,needle",
    [
        ("status/404", "HTTP 404"),
        ("status/503", "HTTP 503"),
        ("slow/3/files/warn_va/va.csv", "TimeoutError"),
        ("drop", "DownloadFailedError"),
        ("truncated/files/warn_va/va.csv", ""),
    ],
)
def test_broken_source_fails_loudly(sqlite_url, server, leads_cli, path, needle) -> None:
    settings = ["--set", "DOWNLOAD_TIMEOUT=1", "--set", "RETRY_TIMES=1"]
    result = leads_cli(
        "crawl", "warn_va", "--url", server.url(path), "--json", *FAST_CRAWL, *settings, db_url=sqlite_url
    )
    assert result.returncode == 1
    run = _summary(result)["warn_va"]
    assert run["outcome"] == "failed" and run["errors"] >= 1
    assert "source warn_va: request failed" in result.stderr and needle in result.stderr
    assert "Error: 1 of 1 sources need attention: warn_va" in result.stderr
    assert _count(sqlite_url) == 0


def test_transient_503_then_success(sqlite_url, server, leads_cli) -> None:
    result = leads_cli(
        "crawl",
        "warn_va",
        "--url",
        server.url("flaky/2/files/warn_va/va.csv"),
        "--json",
        *FAST_CRAWL,
        db_url=sqlite_url,
    )
    assert result.returncode == 0, result.stderr
    assert _summary(result)["warn_va"]["outcome"] == "ok"
    assert server.hits["/flaky/2/files/warn_va/va.csv"] == 3
    assert _count(sqlite_url) == VA_ROWS - _summary(result)["warn_va"]["skipped"]


def test_empty_page_and_vanished_columns_fail(sqlite_url, server, leads_cli) -> None:
    empty = leads_cli("crawl", "warn_va", "--url", server.url("empty"), "--json", *FAST_CRAWL, db_url=sqlite_url)
    assert empty.returncode == 1
    assert _summary(empty)["warn_va"]["outcome"] in ("failed", "empty")
    header_gone = server.add("gone/va.csv", b"Foo,Bar\n1,2\n", "text/csv")
    gone = leads_cli("crawl", "warn_va", "--url", header_gone, "--json", *FAST_CRAWL, db_url=sqlite_url)
    assert gone.returncode == 1
    assert "layout changed" in gone.stderr


def test_sharp_drop_against_last_good_run_is_an_alarm(sqlite_url, server, leads_cli) -> None:
    full = leads_cli("crawl", "warn_va", "--url", server.url("files/warn_va/va.csv"), *FAST_CRAWL, db_url=sqlite_url)
    assert full.returncode == 0, full.stderr
    lines = (FILES / "warn_va" / "va.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    partial = server.add("partial/va.csv", "".join(lines[:4]).encode(), "text/csv")
    result = leads_cli("crawl", "warn_va", "--url", partial, "--json", *FAST_CRAWL, db_url=sqlite_url)
    assert result.returncode == 1
    run = _summary(result)["warn_va"]
    assert run["outcome"] == "dropped" and "last good run" in run["message"]


def test_unusable_database_stops_before_crawling(tmp_path, server, leads_cli) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database" * 200)
    result = leads_cli("--db", f"sqlite:///{bad}", "crawl", "warn_va", "--url", server.url("files/warn_va/va.csv"))
    assert result.returncode == 1 and "corrupted" in result.stderr
    assert server.requests == []


def test_robots_disallow_is_obeyed(sqlite_url, server, leads_cli) -> None:
    server.robots = "User-agent: *\nDisallow: /files/\n"
    result = leads_cli(
        "crawl", "warn_va", "--url", server.url("files/warn_va/va.csv"), "--json", *FAST_CRAWL, db_url=sqlite_url
    )
    assert result.returncode == 1
    assert ("GET", "/files/warn_va/va.csv") not in server.requests
    assert _summary(result)["warn_va"]["outcome"] in ("failed", "empty")


def test_several_sources_one_down_the_others_land(sqlite_url, server, leads_cli) -> None:
    result = leads_cli(
        "crawl",
        "--url",
        f"warn_va={server.url('files/warn_va/va.csv')}",
        "--url",
        f"warn_ny={server.url('status/503')}",
        "--url",
        f"warn_ne={server.url('files/warn_ne/warn-2015.html')}",
        "-a",
        "since=2010-01-01",
        "--json",
        *FAST_CRAWL,
        "--set",
        "RETRY_TIMES=1",
        db_url=sqlite_url,
    )
    assert result.returncode == 1
    runs = _summary(result)
    assert set(runs) == {"warn_va", "warn_ny", "warn_ne"}
    assert runs["warn_va"]["outcome"] == "ok" and runs["warn_ne"]["outcome"] == "ok"
    assert runs["warn_ny"]["outcome"] == "failed"
    assert "Error: 1 of 3 sources need attention: warn_ny" in result.stderr
    assert _count(sqlite_url, "warn_va") == runs["warn_va"]["items"] > 0
    assert _count(sqlite_url, "warn_ne") == runs["warn_ne"]["items"] > 0


def test_database_locked_during_the_crawl_is_an_error_not_a_loss(tmp_path, server, leads_cli) -> None:
    """FAULTS #25: someone holds the write lock longer than the busy timeout while a crawl stores."""
    import subprocess
    import sys
    import time

    path = tmp_path / "leads.db"
    url = f"sqlite:///{path}"
    assert leads_cli("db", "upgrade", db_url=url).returncode == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sqlite3, sys, time\n"
                f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
                "c.execute('BEGIN IMMEDIATE')\n"
                "print('locked', flush=True)\n"
                "time.sleep(12)\n"
                "c.execute('ROLLBACK')\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        result = leads_cli(
            "crawl", "warn_va", "--url", server.url("files/warn_va/va.csv"), "--json", *FAST_CRAWL, db_url=url
        )
        waited = time.monotonic() - started
    finally:
        holder.wait(30)
    assert result.returncode == 1
    assert "source warn_va: could not store 1073 notices" in result.stderr and "locked" in result.stderr
    assert _summary(result)["warn_va"]["outcome"] == "failed"
    assert waited >= 5  # it waited for the busy timeout before giving up
    assert _count(url) == 0  # nothing half-written; the next run stores everything
    again = leads_cli("crawl", "warn_va", "--url", server.url("files/warn_va/va.csv"), *FAST_CRAWL, db_url=url)
    assert again.returncode == 0 and _count(url) == 1073
