"""`leads crawl SOURCE --file PATH`: a saved agency file stored as a crawl would store it (issue 14 item 20)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from leads.db import Database
from leads.models import CrawlRun, Notice
from tests.helpers import FILES

VA = FILES / "warn_va" / "va.csv"


def _notices(db_url: str) -> dict[str, tuple[str, int | None, str]]:
    database = Database(db_url)
    try:
        with database.session() as s:
            return {n.source_key: (n.company_name, n.employees, n.source_url) for n in s.scalars(sa.select(Notice))}
    finally:
        database.dispose()


def test_saved_file_is_stored_idempotently_and_amendments_update(db_url, leads_cli, tmp_path: Path) -> None:
    parsed = json.loads(leads_cli("parse", "warn_va", str(VA), "--json").stdout)
    assert len(parsed) > 100

    first = leads_cli("crawl", "warn_va", "--file", str(VA), "--json", db_url=db_url)
    assert first.returncode == 0, first.stderr
    [row] = json.loads(first.stdout)
    assert row["source"] == "warn_va" and row["outcome"] == "ok" and row["new"] == row["items"]
    stored = _notices(db_url)
    assert sorted(stored) == sorted({n["source_key"] for n in parsed}) and row["items"] == len(stored)
    assert f"{len(stored)} notices from {VA} stored for warn_va: {len(stored)} new" in first.stderr

    again = leads_cli("crawl", "warn_va", "--file", str(VA), "--json", db_url=db_url)
    [row] = json.loads(again.stdout)
    assert (row["new"], row["updated"], row["unchanged"]) == (0, 0, len(stored))
    assert _notices(db_url) == stored

    # The agency amends one notice (employees changed): that row is updated, not added.
    lines = VA.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[1].startswith("AeroFarms,") and ",173," in lines[1]
    amended = tmp_path / "va-amended.csv"
    amended.write_text(lines[0] + lines[1].replace(",173,", ",180,") + "".join(lines[2:]), encoding="utf-8")
    url = "https://www.vec.virginia.gov/warn-notices-csv.csv"
    third = leads_cli("crawl", "warn_va", "--file", str(amended), "--url", url, "--json", db_url=db_url)
    assert third.returncode == 0, third.stderr
    [row] = json.loads(third.stdout)
    assert (row["new"], row["updated"]) == (0, 1)
    now = _notices(db_url)
    assert len(now) == len(stored)
    changed = {k: v for k, v in now.items() if v[:2] != stored[k][:2]}
    assert [v[:2] for v in changed.values()] == [("AeroFarms", 180)] and next(iter(changed.values()))[2] == url

    # A file is not a crawl of the live source: no crawl run claims the agency answered.
    database = Database(db_url)
    with database.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(CrawlRun)) == 0
    database.dispose()


def test_bad_file_or_usage_is_a_clear_error_and_stores_nothing(db_url, leads_cli, tmp_path: Path) -> None:
    page = FILES / "warn_ct" / "2025.html"
    wrong = leads_cli("crawl", "warn_va", "--file", str(page), db_url=db_url)
    assert wrong.returncode == 1
    assert wrong.stderr.startswith(f"Error: {page}:") and "Traceback" not in wrong.stderr
    assert _notices(db_url) == {}

    empty = tmp_path / "va-empty.csv"
    empty.write_text(VA.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")
    none = leads_cli("crawl", "warn_va", "--file", str(empty), db_url=db_url)
    assert none.returncode == 1 and none.stderr.startswith(f"Error: {empty}: ") and none.stderr.count("\n") == 1

    two = leads_cli("crawl", "warn_va", "warn_ct", "--file", str(VA), db_url=db_url)
    assert two.returncode == 1 and "needs exactly one SOURCE" in two.stderr
    unknown = leads_cli("crawl", "warn_zz", "--file", str(VA), db_url=db_url)
    assert unknown.returncode == 1 and "warn_zz" in unknown.stderr and "Traceback" not in unknown.stderr
    missing = leads_cli("crawl", "warn_va", "--file", str(tmp_path / "nope.csv"), db_url=db_url)
    assert missing.returncode == 2 and "nope.csv" in missing.stderr
    assert _notices(db_url) == {}
