"""Output formats shared by every listing command, including spreadsheet formula neutralization."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import click
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from leads.output import neutralize, output_options, render, write_xlsx

ROWS = [
    {
        "company": '=HYPERLINK("http://evil.test","click")',
        "employees": 12,
        "notice_date": date(2024, 3, 1),
        "seen": datetime(2024, 3, 2, 8, 30, tzinfo=UTC),
        "delta": -3,
    },
    {"company": "+1 Plumbing", "employees": None, "notice_date": None, "seen": None, "delta": 0},
    {"company": "@home Care", "employees": 5, "notice_date": None, "seen": None, "delta": 1},
    {"company": "\tTabbed", "employees": 1, "notice_date": None, "seen": None, "delta": 1},
    {"company": "-minus Corp", "employees": 1, "notice_date": None, "seen": None, "delta": 1},
    {"company": "\rReturn Inc", "employees": 1, "notice_date": None, "seen": None, "delta": 1},
    {"company": "Plain & Simple LLC", "employees": 1, "notice_date": None, "seen": None, "delta": 1},
]
COLUMNS = ["company", "employees", "notice_date", "seen", "delta"]


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralize(value, expected) -> None:
    assert neutralize(value) == expected


def test_csv_neutralizes_formulas_and_keeps_numbers() -> None:
    out = io.StringIO()
    assert render(ROWS, COLUMNS, "csv", out) == len(ROWS)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert [r["company"] for r in rows] == [
        '\'=HYPERLINK("http://evil.test","click")',
        "'+1 Plumbing",
        "'@home Care",
        "'\tTabbed",
        "'-minus Corp",
        "'\rReturn Inc",
        "Plain & Simple LLC",
    ]
    assert rows[0]["delta"] == "-3"  # a number is not a formula
    assert rows[0]["notice_date"] == "2024-03-01"
    assert rows[0]["seen"] == "2024-03-02T08:30:00+00:00"


def test_json_and_ndjson_keep_values_verbatim() -> None:
    out = io.StringIO()
    render(ROWS[:2], COLUMNS, "json", out)
    data = json.loads(out.getvalue())
    assert data[0] == {
        "company": '=HYPERLINK("http://evil.test","click")',
        "employees": 12,
        "notice_date": "2024-03-01",
        "seen": "2024-03-02T08:30:00+00:00",
        "delta": -3,
    }
    out = io.StringIO()
    render(ROWS[:2], COLUMNS, "ndjson", out)
    lines = out.getvalue().splitlines()
    assert [json.loads(line)["company"] for line in lines] == [ROWS[0]["company"], "+1 Plumbing"]


def test_table_is_plain_text_when_piped() -> None:
    out = io.StringIO()
    render(ROWS[-1:], ["company", "employees"], "table", out)
    text = out.getvalue()
    assert "company" in text and "Plain & Simple LLC" in text and "\x1b[" not in text


def test_xlsx_cells_are_inert_strings(tmp_path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(ROWS, COLUMNS, str(path))
    ws = load_workbook(path).active
    cell = ws["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")
    assert ws["E2"].value == -3 and ws["B2"].value == 12


def test_output_options_select_the_format() -> None:
    @click.command()
    @output_options
    def listing(fmt: str) -> None:
        render([{"a": 1}], ["a"], fmt)

    runner = CliRunner()
    assert runner.invoke(listing, ["--csv"]).output.splitlines() == ["a", "1"]
    assert json.loads(runner.invoke(listing, ["--json"]).output) == [{"a": 1}]
    assert runner.invoke(listing, ["--ndjson"]).output == '{"a": 1}\n'
    assert "a" in runner.invoke(listing, []).output
