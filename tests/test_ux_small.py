"""The smaller surprises of issue 14 item 15, each through the real CLI."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from openpyxl import Workbook

from leads.db import Database
from leads.models import Rep
from leads.vocabulary import ACCOUNT_MAP_FIELDS
from tests import factories as f


def test_reps_deactivate_honours_csv_and_json(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    with database.session() as s:
        ana, bo = Rep(name="ana", role="rep", territory={}), Rep(name="bo", role="rep", territory={})
        s.add_all([Rep(name="mia", role="manager", territory={}), ana, bo])
        for i in range(2):
            f.lead(s, f.account(s, f"A-{i}", f"Account {i}", owner=ana), owner=ana)
    database.dispose()
    run = lambda *a: leads_cli("--as", "mia", *a, db_url=db_url)  # noqa: E731

    dry = run("reps", "deactivate", "ana", "--to", "bo", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout) == [{"rep": "bo", "leads": 2}]  # stdout is the data alone
    assert "Dry run: would move 2 of ana's open leads" in dry.stderr
    done = run("reps", "deactivate", "ana", "--to", "bo", "--csv")
    assert done.returncode == 0, done.stderr
    assert list(csv.DictReader(io.StringIO(done.stdout))) == [{"rep": "bo", "leads": "2"}]
    assert "moved 2 of ana's open leads" in done.stderr


def _book(path: Path) -> Path:
    """A CRM workbook whose first sheet is a cover note; the accounts are on "Companies", with a vendor column
    no pattern recognizes."""
    wb = Workbook()
    cover = wb.active
    cover.title = "Read me"
    cover.append(["Exported from the CRM on Monday"])
    cover.append(["Name", "Notes"])  # a header-looking row without the mapped column
    cover.append(["Morgan", "owner of the export"])
    sheet = wb.create_sheet("Companies")
    sheet.append(["Account ID", "Company Name", "State", "Who We Buy From"])
    sheet.append(["A-1", "Corner Deli", "VA", "Giant Delivers"])
    sheet.append(["A-2", "Main Street Cafe", "VA", "Sysco Virginia"])
    wb.save(path)
    return path


def test_accounts_import_map_reads_the_sheet_detection_picked(db_url, manager, tmp_path) -> None:
    run = manager(db_url)
    book = _book(tmp_path / "book.xlsx")
    imported = run("accounts", "import", str(book), "--map", "Who We Buy From=vendor")
    assert imported.returncode == 0, imported.stderr
    listed = json.loads(run("accounts", "list", "--json").stdout)
    assert sorted((a["account_id"], a["incumbent_vendor"]) for a in listed) == [
        ("A-1", "Giant Delivers"),
        ("A-2", "Sysco Virginia"),
    ]
    # A mapped column no sheet has: the error names it and the columns of the sheet that looks like the book.
    missing = run("accounts", "import", str(book), "--map", "Supplier=vendor")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "no column named 'Supplier'" in missing.stderr and "'Who We Buy From'" in missing.stderr
    assert "in sheet 'Companies'" in missing.stderr


def test_map_error_lists_the_field_names_the_help_shows(sqlite_url, manager, leads_cli, tmp_path) -> None:
    run = manager(sqlite_url)
    book = _book(tmp_path / "book.xlsx")
    bad = run("accounts", "import", str(book), "--map", "Who We Buy From=supplier")
    assert bad.returncode == 1
    listed = re.search(r"fields: (.*)$", bad.stderr.strip()).group(1).split(", ")
    assert listed == list(ACCOUNT_MAP_FIELDS)
    shown = " ".join(leads_cli("accounts", "import", "--help").stdout.split())
    assert f"({', '.join(listed)})" in shown
    for name in ("incumbent_vendor", "zip5", "do_not_contact"):
        assert name not in bad.stderr
    # The internal names still work, as before.
    assert run("accounts", "import", str(book), "--map", "Who We Buy From=incumbent_vendor").returncode == 0


def test_read_only_commands_on_a_missing_sqlite_path_create_nothing(leads_cli, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "leads.db"
    for args in (("list",), ("list", "--new"), ("reps", "list")):
        result = leads_cli("--db", f"sqlite:///{target}", "--as", "ana", *args)
        assert result.returncode == 1, (args, result.stdout)
        assert result.stderr.startswith(f"Error: no database at {target}") and "Traceback" not in result.stderr
        assert not (tmp_path / "nowhere").exists(), args
    # `sources` still lists every source (never run), and creates nothing either.
    listed = leads_cli("--db", f"sqlite:///{target}", "sources", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {row["last_outcome"] for row in json.loads(listed.stdout)} == {"never run"}
    assert not (tmp_path / "nowhere").exists()


def test_a_spider_that_cannot_start_says_why(sqlite_url, leads_cli) -> None:
    result = leads_cli("crawl", "registry_ca_sf", "-a", "changed_since=someday", "--csv", db_url=sqlite_url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["outcome"] == "failed"
    assert row["message"].startswith("the spider did not run: ValueError: changed_since must be a date")
    assert "log" not in row["message"]
