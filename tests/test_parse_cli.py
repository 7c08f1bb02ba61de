"""`leads parse SOURCE FILE` on every saved real file of every source, in every output format.

The command a maintainer runs on a newly saved page: the four formats must agree on the notices, keys
must be the stable snake_case columns and dates ISO, and a file it cannot read must fail naming it.
The 64 file x format runs go through Click's CliRunner in this process (parse opens no database and
starts no reactor); the installed `leads` is run as a subprocess for one file in every format and for
the failures, so the real entry point, exit codes and stream split are covered too.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import LEADS_COMMAND
from tests.helpers import FILES

COLUMNS = ["source", "source_key", "company_name", "address", "city", "state", "zip5", "notice_type", "notice_date",
           "effective_date", "employees", "industry_code", "source_url", "raw"]
FORMATS = ("json", "csv", "ndjson", "table")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Notices per saved file. Where the file says it independently, how:
EXPECTED = {
    "jobcenter_ok/detail_776.html": 1,
    "jobcenter_ok/detail_780.html": 1,
    "jobcenter_ok/search_2020-01-01_2020-04-30_page1.html": 25,  # 25 links to /search/warn_lookups/<id>
    "jobcenter_ok/search_2020-01-01_2020-04-30_page2.html": 17,  # 17 such links (SOURCE.md: "17 result rows")
    "jobcenter_ok/search_2021-01-01_2021-02-03_page1.html": 2,
    "registry_ca_sf/vbiu-2p9h_filtered.json": 2,  # SOURCE.md: "only 2 records carry location_end_date"
    "warn_ca/warn_report.xlsx": 99,
    "warn_ca/warn-report-for-7-1-2018-to-06-30-2019.pdf": 833,  # the report's own "Total" line
    "warn_ca/warnreportfor7-1-2014to06-30-2015.pdf": 769,  # the report's own "Total" line
    "warn_ia/WARN_20180503.xlsx": 338,
    "warn_ia/WARN_20220210.xlsx": 298,  # 299 data rows, one with the unreadable date '9/1/8/2020' skipped
    "warn_ia/worker-adjustment-and-retraining-notification-act.html": 0,  # the landing page: links only
    "warn_ne/warn-2015.html": 16,
    "warn_ny/ny.csv": 126,  # 252 lines: every notice posted twice (original and re-posting)
    "warn_tn/WarnReportByMonth.pdf": 511,  # Total 508 + 3 rows without a head count (spiders/warn_tn.py)
    "warn_va/va.csv": 1073,  # csv.reader rows less the header
}
# Saved beside a source's responses but not one itself: the Treasurer's data dictionary (an XLSX) is
# documentation; the registry parser must refuse it by name, not read it as rows.
NOT_A_RESPONSE = {"registry_ca_sf/TTX-0013_DataDictionary_registered-businesses.xlsx"}


def _sources() -> list[str]:
    from leads.crawl import list_sources

    return [info.name for info in list_sources()]


def _fixture_files() -> list[str]:
    """Every saved file in a folder named after a source (SOURCE.md notes aside)."""
    sources = set(_sources())
    return sorted(f"{p.parent.name}/{p.name}" for p in FILES.glob("*/*")
                  if p.parent.name in sources and p.is_file() and p.name != "SOURCE.md")


def test_every_saved_file_is_accounted_for() -> None:
    assert set(_fixture_files()) == set(EXPECTED) | NOT_A_RESPONSE


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str  # decoded as written: CSV keeps its CRLF line ends
    stderr: str


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "LEADS_DATA_DIR": str(home / "data"), "LEADS_USER": "tester"}
    env.pop("LEADS_DATABASE_URL", None)
    return env


def _format_args(fmt: str) -> list[str]:
    return [] if fmt == "table" else [f"--{fmt}"]


def _parse(home: Path, *args: str) -> Run:
    """The installed `leads parse` in a subprocess."""
    done = subprocess.run([*LEADS_COMMAND, "parse", *args], cwd=home, env=_env(home), capture_output=True,
                          timeout=120)
    return Run(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


def _parse_in_process(home: Path, *args: str) -> Run:
    import cli

    result = CliRunner().invoke(cli.cli, ["parse", *args], env=_env(home), catch_exceptions=False)
    return Run(result.exit_code, result.stdout_bytes.decode("utf-8"), result.stderr_bytes.decode("utf-8"))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Run]:
    """(file, format) -> the finished `leads parse` run, for every saved file in every format."""
    home = tmp_path_factory.mktemp("parse_cli")
    return {(rel, fmt): _parse_in_process(home, rel.split("/", 1)[0], str(FILES / rel), *_format_args(fmt))
            for rel in EXPECTED for fmt in FORMATS}


def _check_dates(record: dict) -> None:
    for field in ("notice_date", "effective_date"):
        value = record[field]
        if value not in (None, ""):
            assert ISO_DATE.match(value) and date.fromisoformat(value), (field, value)


@pytest.mark.parametrize("rel", [f for f in EXPECTED if EXPECTED[f]])
def test_formats_agree_with_stable_keys_and_iso_dates(rel: str, outputs) -> None:
    source = rel.split("/", 1)[0]
    expected = EXPECTED[rel]
    runs = {fmt: outputs[(rel, fmt)] for fmt in FORMATS}
    for fmt, run in runs.items():
        assert run.returncode == 0, (fmt, run.stderr)
        assert f"{expected} notices parsed from {FILES / rel}" in run.stderr, (fmt, run.stderr)
        assert "Error" not in run.stderr

    records = json.loads(runs["json"].stdout)
    assert len(records) == expected
    for record in records:
        assert list(record) == COLUMNS and all(SNAKE.match(k) for k in record)
        assert record["source"] == source and isinstance(record["raw"], dict)
        _check_dates(record)
    keys = [r["source_key"] for r in records]
    assert len(set(keys)) == len(keys)  # one notice per key within a file

    lines = runs["ndjson"].stdout.splitlines()
    assert [json.loads(line) for line in lines] == records

    table = list(csv.DictReader(io.StringIO(runs["csv"].stdout, newline="")))
    assert runs["csv"].stdout.startswith(",".join(COLUMNS) + "\r\n")
    assert len(table) == expected
    assert [r["source_key"] for r in table] == keys
    for row, record in zip(table, records):
        _check_dates(row)
        for field in ("notice_date", "effective_date"):
            assert row[field] == (record[field] or "")
        assert row["employees"] == ("" if record["employees"] is None else str(record["employees"]))
        assert json.loads(row["raw"]) == record["raw"]

    # The table folds long cells onto continuation lines; each notice's first line starts with its source.
    text = runs["table"].stdout
    assert text.splitlines()[0].split() == COLUMNS
    assert sum(1 for line in text.splitlines()[1:] if line.startswith(source + " ")) == expected


def test_landing_page_holds_no_notices(outputs) -> None:
    """Iowa's landing page only links the workbook: the command finds nothing and says so, exit 1."""
    rel = "warn_ia/worker-adjustment-and-retraining-notification-act.html"
    for fmt in FORMATS:
        run = outputs[(rel, fmt)]
        assert run.returncode == 1, fmt
        assert f"0 notices parsed from {FILES / rel}" in run.stderr
    assert outputs[(rel, "table")].stdout == ""
    assert f"no notices found in {FILES / rel}" in outputs[(rel, "table")].stderr
    assert json.loads(outputs[(rel, "json")].stdout) == []
    assert outputs[(rel, "ndjson")].stdout == ""
    assert outputs[(rel, "csv")].stdout == ",".join(COLUMNS) + "\r\n"


def test_corrupt_files_fail_naming_the_file(tmp_path: Path) -> None:
    truncated_xlsx = tmp_path / "WARN_20220210.xlsx"
    truncated_xlsx.write_bytes((FILES / "warn_ia" / "WARN_20220210.xlsx").read_bytes()[:20_000])
    truncated_pdf = tmp_path / "WarnReportByMonth.pdf"
    truncated_pdf.write_bytes((FILES / "warn_tn" / "WarnReportByMonth.pdf").read_bytes()[:30_000])
    html_as_csv = tmp_path / "va.csv"
    html_as_csv.write_bytes(b"<!DOCTYPE html><html><body><h1>Please enable JavaScript</h1></body></html>")
    dictionary = FILES / "registry_ca_sf" / "TTX-0013_DataDictionary_registered-businesses.xlsx"
    cases = [("warn_ia", truncated_xlsx), ("warn_tn", truncated_pdf), ("warn_va", html_as_csv),
             ("registry_ca_sf", dictionary)]
    for source, path in cases:
        for fmt in ("--json", "--csv"):
            run = _parse(tmp_path, source, str(path), fmt)
            assert run.returncode == 1, (source, run.stderr)
            assert run.stderr.startswith(f"Error: {path}: "), (source, run.stderr)
            assert run.stdout == "", (source, fmt, run.stdout)  # no partial output
            assert "Traceback" not in run.stderr


def test_unknown_source_lists_the_known_ones(tmp_path: Path) -> None:
    run = _parse(tmp_path, "warn_zz", str(FILES / "warn_va" / "va.csv"), "--json")
    assert run.returncode == 1
    assert run.stderr.startswith("Error: unknown source 'warn_zz'; known sources: ")
    listed = run.stderr.split("known sources: ", 1)[1].strip().split(", ")
    assert listed == sorted(_sources())
    assert run.stdout == ""


def test_installed_command_prints_the_same_in_every_format(tmp_path: Path, outputs) -> None:
    rel = "warn_ne/warn-2015.html"
    for fmt in FORMATS:
        run = _parse(tmp_path, "warn_ne", str(FILES / rel), *_format_args(fmt))
        assert run.returncode == 0, run.stderr
        assert run.stdout == outputs[(rel, fmt)].stdout, fmt
        assert run.stderr.endswith(f"16 notices parsed from {FILES / rel}\n")


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    run = _parse(tmp_path, "warn_va", str(tmp_path / "nowhere.csv"))
    assert run.returncode == 2 and "does not exist" in run.stderr
