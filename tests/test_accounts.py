"""Importing the account book from real CRM-style exports: mapping by meaning, upserts, and bad input."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from leads.db import Database
from leads.models import Account
from tests.helpers import FILES

NYC = FILES / "accounts" / "new-york-city-business-dataset-sample.csv"


def _rows(path=NYC) -> list[list[str]]:
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def _write(path, rows, delimiter=",", encoding="utf-8") -> None:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))


def _count(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("select count(*) from accounts")).scalar_one()
    engine.dispose()
    return n


def test_real_crm_export_imports_and_reimports(db_url, manager) -> None:
    run = manager(db_url)
    dry = run("accounts", "import", str(NYC), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: 1000 new, 0 changed, 0 unchanged, 0 invalid" in dry.stdout
    assert _count(db_url) == 0
    # Headers found by meaning in a ';'-separated file with a BOM.
    assert "external_id='ID', name='Company Name', address='Address 1'" in dry.stderr
    # This export puts counties in the state column on some rows: the ZIP decides, with a warning.
    assert "state 'Harris' is not a US state: used TX from ZIP" in dry.stderr

    first = run("accounts", "import", str(NYC))
    assert first.returncode == 0 and "1000 new" in first.stdout
    again = run("accounts", "import", str(NYC))
    assert "0 new, 0 changed, 1000 unchanged" in again.stdout
    listed = json.loads(run("accounts", "list", "--search", "204059751", "--json").stdout)
    assert listed == [
        {
            "account_id": "204059751",
            "name": "Jpmorgan Chase & CO.",
            "address": "383 Madison Ave",
            "city": "New York",
            "state": "NY",
            "zip": "10179",
            "industry": "National Commercial Banks",
            "incumbent_vendor": None,
            "owner": None,
            "do_not_contact": False,
            "phone": None,
            "website": None,
        }
    ]
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        norm = conn.execute(sa.text("select name_norm, address_norm from accounts where external_id='204059751'"))
        name_norm, address_norm = norm.one()
    engine.dispose()
    assert "jpmorgan chase" in name_norm and address_norm.startswith("383 madison ave")


def test_update_by_id_with_renamed_headers_and_a_mapping(sqlite_url, manager, tmp_path) -> None:
    run = manager(sqlite_url)
    rows = _rows()[:4]
    header = rows[0]
    crm = tmp_path / "crm.csv"
    # A different CRM: other header names, an incumbent vendor column named oddly, and a DNC flag.
    _write(
        crm,
        [["Acct #", "Business Name", "Street", "Town", "ST", "ZIP", "Supplier of record", "DNC"]]
        + [
            [
                r[header.index("ID")],
                r[header.index("Company Name")],
                r[header.index("Address 1")],
                r[header.index("City")],
                "NY",
                r[header.index("Postal Code")],
                "Sysco",
                "no",
            ]
            for r in rows[1:]
        ],
    )
    refused = run("accounts", "import", str(crm))
    assert refused.returncode == 1 and "no header row with a column for external_id" in refused.stderr
    ok = run("accounts", "import", str(crm), "--map", "Acct #=id")
    assert ok.returncode == 0, ok.stderr
    assert "3 new" in ok.stdout and "incumbent_vendor='Supplier of record'" in ok.stderr
    # The next export changes one vendor and flags one account do-not-contact.
    lines = crm.read_text().splitlines()
    lines[1] = lines[1].replace("Sysco", "US Foods")
    lines[2] = lines[2].rsplit(",", 1)[0] + ",yes"
    crm.write_text("\n".join(lines) + "\n")
    changed = run("accounts", "import", str(crm), "--map", "Acct #=id")
    assert "0 new, 2 changed, 1 unchanged" in changed.stdout
    dnc = json.loads(run("accounts", "list", "--dnc", "--json").stdout)
    assert [a["name"] for a in dnc] == [rows[2][header.index("Company Name")]]


@pytest.mark.parametrize(
    "mutate,message",
    [
        (lambda rows: [r[1:] for r in rows], "no header row with a column for external_id"),
        (lambda rows: rows + [rows[1]], "duplicate account id '204059751' (first on line 2)"),
        (lambda rows: rows[:1] + [rows[1][:6] + ["ABCDE"] + rows[1][7:]] + rows[2:], "zip 'ABCDE' is not a US ZIP"),
        (lambda rows: rows[:1] + [[""] + rows[1][1:]] + rows[2:], "line 2: invalid: no account id"),
    ],
)
def test_invalid_rows_are_reported_and_nothing_changes(sqlite_url, manager, tmp_path, mutate, message) -> None:
    run = manager(sqlite_url)
    path = tmp_path / "bad.csv"
    _write(path, mutate(_rows()[:50]), delimiter=";")
    result = run("accounts", "import", str(path))
    assert result.returncode == 1
    assert message in result.stderr
    assert _count(sqlite_url) == 0


def test_skip_invalid_imports_the_rest(sqlite_url, manager, tmp_path) -> None:
    run = manager(sqlite_url)
    rows = _rows()[:11]
    rows[3][rows[0].index("Postal Code")] = "not a zip"
    path = tmp_path / "some-bad.csv"
    _write(path, rows)
    result = run("accounts", "import", str(path), "--skip-invalid")
    assert result.returncode == 0
    assert "line 4: invalid: zip 'not a zip'" in result.stderr and "9 new" in result.stdout
    assert _count(sqlite_url) == 9


def test_windows_1252_file(sqlite_url, manager, tmp_path) -> None:
    run = manager(sqlite_url)
    rows = _rows()[:3]
    rows[1][rows[0].index("Company Name")] = "Café Olé Société"
    path = tmp_path / "excel.csv"
    _write(path, rows, encoding="cp1252")
    result = run("accounts", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "(windows-1252)" in result.stderr
    names = [a["name"] for a in json.loads(run("accounts", "list", "--json").stdout)]
    assert "Café Olé Société" in names


def test_xlsx_with_extra_sheets_and_a_header_on_row_3(sqlite_url, manager, tmp_path) -> None:
    run = manager(sqlite_url)
    rows = _rows()[:6]
    wb = Workbook()
    notes = wb.active
    notes.title = "Read me"
    notes.append(["Exported from our CRM"])
    data = wb.create_sheet("Accounts")
    data.append(["Account export, November"])
    data.append([])
    for r in rows:
        data.append(r[:10])
    wb.create_sheet("Pivot").append(["State", "Count"])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    result = run("accounts", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "(sheet Accounts)" in result.stderr and "5 new" in result.stdout


@pytest.mark.parametrize(
    "content,message",
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "not a CSV or XLSX file"),
        (b"PK\x03\x04 this is not really a zip", "not a readable XLSX workbook"),
        (b"<!DOCTYPE html><html><body>Login</body></html>", "HTML page"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet(sqlite_url, manager, tmp_path, content, message) -> None:
    run = manager(sqlite_url)
    path = tmp_path / "accounts.xlsx"
    path.write_bytes(content)
    result = run("accounts", "import", str(path))
    assert result.returncode == 1
    assert f"Error: {path}: " in result.stderr and message in result.stderr


def test_reps_cannot_import(sqlite_url, manager, leads_cli) -> None:
    run = manager(sqlite_url)
    run("reps", "add", "ana")
    result = leads_cli("--as", "ana", "accounts", "import", str(NYC), db_url=sqlite_url)
    assert result.returncode == 1 and "only managers can import the account book" in result.stderr


def test_normalized_forms_are_stored_once(sqlite_url, manager) -> None:
    run = manager(sqlite_url)
    run("accounts", "import", str(NYC))
    database = Database(sqlite_url)
    with database.session() as s:
        blank = s.scalar(sa.select(sa.func.count()).select_from(Account).where(Account.name_norm == ""))
    assert blank == 0
    database.dispose()


def test_an_invalid_last_row_undoes_rows_already_written(sqlite_url, manager, tmp_path) -> None:
    """Rows are written in chunks of 5,000 inside one transaction: a bad row at line 7,002 still
    leaves the database as it was."""
    run = manager(sqlite_url)
    base = _rows()[1:]
    rows = [["Account ID", "Account Name", "Street", "City", "State", "Zip"]]
    for i in range(7000):
        r = base[i % len(base)]
        rows.append([f"X-{i}", r[1], r[4], r[7], "NY", "10001"])
    rows.append(["X-bad", "Bad Zip Inc", "1 Main St", "New York", "NY", "1000A"])
    path = tmp_path / "big.csv"
    _write(path, rows)
    result = run("accounts", "import", str(path))
    assert result.returncode == 1 and "line 7002: invalid: zip '1000A'" in result.stderr
    assert _count(sqlite_url) == 0


@pytest.mark.parametrize("cell", ["02134", "2134", 2134.0, "20032-1501", "200321501", "VA 22101", "ABCDE", "1234567"])
def test_one_zip_parser_for_importer_link_and_spiders(cell) -> None:
    """Issue 10 item 4: the account importer, the linker and the spiders read a ZIP cell alike."""
    from leads.normalize import zip5
    from leads.services.accounts import _zip
    from spiders.parsing import zip5 as spider_zip5

    found, problem = _zip(cell)
    assert found == (zip5(cell) or None) == spider_zip5(cell)
    assert (problem is None) == (found is not None)


def test_salesforce_billing_street_is_the_address(db_url, manager, tmp_path) -> None:
    # Salesforce exports the street line as "Billing Street" (real rows of the NYC sample); a cell with a tab or
    # doubled spaces is folded to single spaces, as every other cell is.
    run = manager(db_url)
    rows = _rows()[:3]
    header = rows[0]
    crm = tmp_path / "salesforce.csv"
    body = [[r[header.index(c)] for c in ("ID", "Company Name", "Address 1", "City", "Postal Code")] for r in rows[1:]]
    body[0][1] = body[0][1].replace(" ", "  \t", 1)
    _write(crm, [["Account ID", "Account Name", "Billing Street", "Billing City", "Billing Zip/Postal Code"], *body])
    done = run("accounts", "import", str(crm))
    assert done.returncode == 0, done.stderr
    assert "address='Billing Street'" in done.stderr and "2 new" in done.stdout
    listed = {a["account_id"]: a for a in json.loads(run("accounts", "list", "--json").stdout)}
    assert listed[body[0][0]]["name"] == rows[1][header.index("Company Name")]
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text("select external_id, address_norm from accounts")).all())
    engine.dispose()
    assert stored[body[0][0]] and stored[body[0][0]].split()[0] == body[0][2].split()[0]
    assert all(stored.values())
