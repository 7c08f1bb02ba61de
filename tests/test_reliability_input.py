"""Hostile account-book files (issue 13, items 3, 4, 7, 8, 9): every one is `Error: ...` exit 1 or a clean import."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from leads.vocabulary import header_key


def _accounts(run) -> dict[str, dict]:
    listed = run("accounts", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return {a["account_id"]: a for a in json.loads(listed.stdout)}


def test_header_keys_keep_letters_of_any_script() -> None:
    assert header_key("Название компании") == "название компании"
    assert header_key("客户编号") == "客户编号"
    assert header_key("Café Name") == "cafe name"
    assert header_key("Emp #") == "emp"
    assert header_key("###") == "###"  # never "" for a non-empty header
    assert header_key("Номер") != header_key("Адрес")


def test_map_with_cyrillic_and_cjk_headers_reads_the_right_columns(sqlite_url, manager, tmp_path) -> None:
    run = manager(sqlite_url)
    book = tmp_path / "ru.csv"
    book.write_text("Номер,Название,Адрес,客户城市\nA-1,Acme Bakery,12 Main St,Albany\n", encoding="utf-8")
    ok = run(
        "accounts",
        "import",
        str(book),
        "--map",
        "Номер=id",
        "--map",
        "Название=name",
        "--map",
        "Адрес=address",
        "--map",
        "客户城市=city",
    )
    assert ok.returncode == 0, ok.stderr
    got = _accounts(run)["A-1"]
    assert (got["name"], got["address"], got["city"]) == ("Acme Bakery", "12 Main St", "Albany")


def test_map_onto_two_columns_with_the_same_key_names_both(sqlite_url, manager, tmp_path) -> None:
    run = manager(sqlite_url)
    book = tmp_path / "dup.csv"
    book.write_text("Номер,номер!,Название\nA-1,B-2,Acme\n", encoding="utf-8")
    bad = run("accounts", "import", str(book), "--map", "НОМЕР=id", "--map", "Название=name")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "'Номер'" in bad.stderr and "'номер!'" in bad.stderr
    assert _accounts(run) == {}


def test_one_bad_byte_in_a_utf8_file_is_an_error_naming_line_and_column(sqlite_url, manager, tmp_path) -> None:
    run = manager(sqlite_url)
    book = tmp_path / "mixed.csv"
    book.write_bytes("id,name\nA-1,Café Lumière\n".encode() + b"A-2,Bad\xe9 Co\n")
    bad = run("accounts", "import", str(book))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "line 3, column 8" in bad.stderr and "0xe9" in bad.stderr
    assert _accounts(run) == {}


def test_valid_utf8_wins_and_consistent_cp1252_is_read_and_said(sqlite_url, manager, tmp_path) -> None:
    run = manager(sqlite_url)
    utf8 = tmp_path / "utf8.csv"
    utf8.write_bytes("id,name\nA-1,Café Lumière\n".encode())
    assert run("accounts", "import", str(utf8)).returncode == 0
    assert _accounts(run)["A-1"]["name"] == "Café Lumière"
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes("id,name\nB-1,Crème Brûlée\n".encode("cp1252"))
    ok = run("accounts", "import", str(legacy))
    assert ok.returncode == 0, ok.stderr
    assert "windows-1252" in ok.stderr
    assert _accounts(run)["B-1"]["name"] == "Crème Brûlée"


def test_nul_byte_after_the_first_4k_is_one_invalid_row_with_its_line(db_url, manager, tmp_path) -> None:
    run = manager(db_url)
    book = tmp_path / "nul.csv"
    rows = [f"A-{i},Company {i}" for i in range(300)]
    rows[250] = "A-250,Bro\x00ken Co"
    book.write_text("id,name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    refused = run("accounts", "import", str(book))
    assert refused.returncode == 1 and "line 252: invalid: NUL byte in 'name'" in refused.stderr
    assert _accounts(run) == {}
    skipped = run("accounts", "import", str(book), "--skip-invalid")
    assert skipped.returncode == 0, skipped.stderr
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        ids = set(conn.execute(sa.text("select external_id from accounts")).scalars())
    engine.dispose()
    assert len(ids) == 299 and "A-250" not in ids


def test_a_1mb_field_imports_and_a_huge_one_is_a_clear_error(sqlite_url, manager, tmp_path) -> None:
    run = manager(sqlite_url)
    book = tmp_path / "big.csv"
    book.write_text('id,name,notes\nA-1,Acme,"' + "x" * 1_200_000 + '"\n', encoding="utf-8")
    ok = run("accounts", "import", str(book))
    assert ok.returncode == 0, ok.stderr
    assert "A-1" in _accounts(run)
    huge = tmp_path / "huge.csv"
    huge.write_text('id,name,notes\nA-2,Acme,"' + "x" * (17 * 1024 * 1024) + '"\n', encoding="utf-8")
    bad = run("accounts", "import", str(huge))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "line 2" in bad.stderr and "16 MiB" in bad.stderr


def test_export_out_into_a_missing_folder_or_unwritable_path_is_an_error(sqlite_url, manager, tmp_path) -> None:
    run = manager(sqlite_url)
    missing = run("export", "--out", str(tmp_path / "no" / "such" / "leads.csv"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "does not exist" in missing.stderr
    # /proc refuses new files even to root: an unwritable folder on any test machine.
    refused = run("export", "--out", "/proc/leads.csv")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("Error: --out /proc/leads.csv: cannot write")


def test_export_out_is_written_whole_with_mode_0600(sqlite_url, manager, tmp_path) -> None:
    import stat

    run = manager(sqlite_url)
    for name in ("leads.csv", "leads.xlsx"):
        out = tmp_path / name
        ok = run("export", "--out", str(out))
        assert ok.returncode == 0, ok.stderr
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".leads-export")) == []


def test_db_upgrade_to_an_unknown_revision_is_a_clear_error(leads_cli, sqlite_url) -> None:
    bad = leads_cli("db", "upgrade", "--revision", "nope", db_url=sqlite_url)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("Error:") and "nope" in bad.stderr


def _hostile_xlsx(path, sheet_xml: str) -> None:
    import zipfile

    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Accounts" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)


SHEET = (
    '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<dimension ref="A1:XFD1048576"/><sheetData>{rows}</sheetData></worksheet>'
)


def _row(n: int, cells: list[str]) -> str:
    from openpyxl.utils import get_column_letter

    return (
        f'<row r="{n}">'
        + "".join(
            f'<c r="{get_column_letter(i + 1)}{n}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(cells)
        )
        + "</row>"
    )


def test_xlsx_declaring_a_huge_dimension_is_read_by_its_real_cells(sqlite_url, manager, tmp_path) -> None:
    run = manager(sqlite_url)
    book = tmp_path / "hostile.xlsx"
    _hostile_xlsx(book, SHEET.format(rows=_row(1, ["id", "name"]) + _row(2, ["A-1", "Acme"])))
    assert book.stat().st_size < 5000
    ok = run("accounts", "import", str(book))
    assert ok.returncode == 0, ok.stderr
    assert _accounts(run)["A-1"]["name"] == "Acme"


def test_xlsx_too_wide_or_too_big_unpacked_is_a_clear_error(sqlite_url, manager, tmp_path) -> None:
    run = manager(sqlite_url)
    wide = tmp_path / "wide.xlsx"
    _hostile_xlsx(wide, SHEET.format(rows=_row(1, ["id", "name"] + ["x"] * 1200)))
    bad = run("accounts", "import", str(wide))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "1202 columns" in bad.stderr
    bomb = tmp_path / "bomb.xlsx"
    _hostile_xlsx(bomb, SHEET.format(rows=_row(1, ["id", "name"]) + " " * (300 * 1024 * 1024)))
    bad = run("accounts", "import", str(bomb))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "unpacks to" in bad.stderr
    assert _accounts(run) == {}


@pytest.mark.postgres
def test_export_onto_a_full_disk_is_an_error_and_keeps_the_last_export(pg_url, manager, tmp_path) -> None:
    """Issue 13 item 9, the full disk: the file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes every write
    fail as a full disk does (EFBIG in place of ENOSPC, the same OSError path); the export is refused
    with one Error line, and yesterday's export at that path stays whole. On PostgreSQL, so that only the
    export writes a local file (a SQLite database on that disk fails first, also as one Error line)."""
    import os
    import resource
    import signal
    import subprocess

    from tests.conftest import LEADS_COMMAND

    manager(pg_url)
    env = {
        **os.environ,
        "LEADS_DATA_DIR": str(tmp_path / "data"),
        "LEADS_DATABASE_URL": pg_url,
        "LEADS_USER": "boss",
    }

    def no_room() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    for name in ("leads.csv", "leads.xlsx"):
        out = tmp_path / name
        out.write_bytes(b"yesterday's export")
        full = subprocess.run(
            [*LEADS_COMMAND, "export", "--out", str(out)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=no_room,
        )
        assert full.returncode == 1, (full.stdout, full.stderr)
        assert full.stderr.startswith(f"Error: --out {out}: cannot write it") and "Traceback" not in full.stderr
        assert out.read_bytes() == b"yesterday's export"
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".leads-export")] == []
