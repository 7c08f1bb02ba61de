"""Issue 13 item 13: a long account import does not hold the database for its whole run.

The importer stages rows in short transactions and switches them in at the end in one. The test
hook LEADS_TEST_PAUSE_IMPORT=1 makes the real CLI stop after its first staged batch, say so on
stderr and wait for a line on stdin: the test runs other commands in that window, no sleeps.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from leads.models import Account, Lead, Rep
from leads.services.accounts import CHUNK
from tests import factories as f
from tests.conftest import LEADS_COMMAND
from tests.test_security_pg import roles, team  # noqa: F401  (fixtures: a team with its own PostgreSQL logins)

ROWS = CHUNK + 300  # two batches: the pause comes after the first


def _book(path: Path, rows: int, *, bad_last: bool = False) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Account ID", "Account Name", "Street", "City", "State", "Zip"])
        for i in range(rows):
            w.writerow([f"N-{i}", f"Bakery {i} LLC", f"{i} Main St", "Fairfax", "VA", "22030"])
        if bad_last:
            w.writerow(["N-0", "Duplicate of the first", "", "", "VA", "22030"])
    return path


def _start_import(db_url: str, tmp_path: Path, *args: str, pause: str = "1") -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "LEADS_DATABASE_URL": db_url,
        "LEADS_DATA_DIR": str(tmp_path / "data"),
        "LEADS_TEST_PAUSE_IMPORT": pause,
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [*LEADS_COMMAND, "--as", "boss", "accounts", "import", *args],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_pause(proc: subprocess.Popen[str], pause_line: str = "import paused after") -> str:
    """stderr up to the importer's pause line (readline blocks until it comes, or the process ends)."""
    assert proc.stderr is not None
    seen = ""
    while line := proc.stderr.readline():
        seen += line
        if pause_line in line:
            return seen
    raise AssertionError(f"the import never paused (exit {proc.wait()}): {seen}")


def test_a_long_import_lets_others_record_a_call_and_switches_in_at_once(db, db_url, leads_cli, tmp_path) -> None:
    with db.session() as s:
        s.add_all([Rep(name="boss", role="manager", territory={}), ana := Rep(name="ana", role="rep", territory={})])
        lead = f.lead(s, f.account(s, "OLD-1", "Old Account"), owner=ana)
        s.flush()
        lead_id = lead.id
    book = _book(tmp_path / "book.csv", ROWS)

    def account_ids() -> list[str]:
        listed = leads_cli("--as", "boss", "accounts", "list", "--json", "--limit", "0", db_url=db_url)
        assert listed.returncode == 0, listed.stderr
        return sorted(a["account_id"] for a in json.loads(listed.stdout))

    # Killed midway (a batch already staged): the book is as it was.
    killed = _start_import(db_url, tmp_path, str(book))
    try:
        _wait_for_pause(killed)
    finally:
        killed.kill()
        killed.communicate()
    assert account_ids() == ["OLD-1"]

    proc = _start_import(db_url, tmp_path, str(book))
    try:
        assert f"import paused after {CHUNK} staged rows" in _wait_for_pause(proc)
        # While the import is under way, a rep records a call (on SQLite: takes the write lock) ...
        call = leads_cli(
            "--as", "ana", "status", str(lead_id), "contacted", "--note", "spoke to the owner", db_url=db_url
        )
        assert call.returncode == 0, call.stderr
        # ... and nobody sees half an import.
        assert account_ids() == ["OLD-1"]
        out, err = proc.communicate("\n", timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert f"switching {ROWS:,} rows into the account book in one transaction; other commands wait" in err
    assert f"Imported book.csv: {ROWS} new, 0 changed, 0 unchanged, 0 invalid." in out
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Account)) == ROWS + 1
        assert (
            s.scalar(sa.select(Account.address).where(Account.external_id == f"N-{ROWS - 1}")) == f"{ROWS - 1} Main St"
        )
        assert s.scalar(sa.select(Lead.status).where(Lead.id == lead_id)) == "contacted"


def test_an_import_killed_inside_its_switch_leaves_the_old_book(db, db_url, leads_cli, tmp_path) -> None:
    # kill -9 after the switch has written every row (an update and the inserts) but before its commit: the old
    # book, whole; the next import switches everything in (no lock or half-written page left behind).
    with db.session() as s:
        s.add(Rep(name="boss", role="manager", territory={}))
        f.account(s, "OLD-1", "Old Account")
    book = _book(tmp_path / "book.csv", ROWS)
    with open(book, "a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(["OLD-1", "Old Account Renamed", "1 Main St", "Fairfax", "VA", "22030"])

    def book_now() -> list[tuple[str, str]]:
        listed = leads_cli("--as", "boss", "accounts", "list", "--json", "--limit", "0", db_url=db_url)
        assert listed.returncode == 0, listed.stderr
        return sorted((a["account_id"], a["name"]) for a in json.loads(listed.stdout))

    killed = _start_import(db_url, tmp_path, str(book), pause="switch")
    try:
        _wait_for_pause(killed, "import paused in the switch, before its commit")
        assert book_now() == [("OLD-1", "Old Account")]  # readers see the old book meanwhile
    finally:
        killed.kill()  # SIGKILL: no rollback, no cleanup of its own
        killed.communicate()
    assert book_now() == [("OLD-1", "Old Account")]
    done = leads_cli("--as", "boss", "accounts", "import", str(book), db_url=db_url)
    assert done.returncode == 0, done.stderr
    assert f"Imported book.csv: {ROWS} new, 1 changed, 0 unchanged, 0 invalid." in done.stdout
    after = book_now()
    assert len(after) == ROWS + 1 and ("OLD-1", "Old Account Renamed") in after


def test_an_import_that_finds_its_new_ids_taken_at_the_switch_updates_them(db, db_url, leads_cli, tmp_path) -> None:
    # Two managers import the same book at once: the one switching second finds the ids it read as new already
    # in the book (the unique account id refuses them) and switches by id instead: all updated, none twice.
    with db.session() as s:
        s.add(Rep(name="boss", role="manager", territory={}))
    book = _book(tmp_path / "book.csv", ROWS)
    first = _start_import(db_url, tmp_path, str(book))
    try:
        _wait_for_pause(first)
        other = leads_cli("--as", "boss", "accounts", "import", str(book), db_url=db_url)
        assert other.returncode == 0, other.stderr
        assert f"Imported book.csv: {ROWS} new, 0 changed, 0 unchanged, 0 invalid." in other.stdout
        out, err = first.communicate("\n", timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == 0, err
    assert f"Imported book.csv: 0 new, {ROWS} changed, 0 unchanged, 0 invalid." in out
    with db.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Account)) == ROWS


def test_an_invalid_row_after_staged_batches_changes_nothing_and_progress_is_shown(
    db_url, manager, leads_cli, tmp_path
) -> None:
    run = manager(db_url)
    book = _book(tmp_path / "book.csv", ROWS, bad_last=True)
    refused = run("accounts", "import", str(book))
    assert refused.returncode == 1
    assert f"line {ROWS + 2}: invalid: duplicate account id 'N-0' (first on line 2)" in refused.stderr
    assert f"Error: 1 invalid row in {book}; nothing was imported. Fix it, or re-run" in refused.stderr
    listed = run("accounts", "list", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
    # The bar on request (by default only on a terminal): lines read out of the file's lines.
    dry = run("accounts", "import", str(book), "--dry-run", "--progress")
    assert "importing book.csv" in dry.stderr and f"{ROWS + 2}/{ROWS + 2} lines" in dry.stderr, dry.stderr
    plain = run("accounts", "import", str(book), "--dry-run")
    assert "importing book.csv" not in plain.stderr


@pytest.mark.postgres
def test_a_managers_own_postgres_login_imports_through_its_staging_table(team, leads_cli, tmp_path) -> None:  # noqa: F811
    # The staging table is a temporary table of the manager's own connection: no grant beyond the book's.
    book = tmp_path / "book.csv"
    book.write_text("Account ID,Account Name,State,Zip\nA-0,Account 0 Renamed,VA,22030\nNEW-1,New Bakery,VA,22030\n")
    done = leads_cli("accounts", "import", str(book), db_url=team.url("mia"))
    assert done.returncode == 0, done.stderr
    assert "Imported book.csv: 1 new, 1 changed, 0 unchanged, 0 invalid." in done.stdout
    listed = leads_cli("accounts", "list", "--json", "--search", "A-0", db_url=team.url("mia"))
    assert [a["name"] for a in json.loads(listed.stdout)] == ["Account 0 Renamed"]
    refused = leads_cli("accounts", "import", str(book), db_url=team.url("ana"))
    assert refused.returncode == 1 and refused.stderr.startswith("Error: only managers can import")
