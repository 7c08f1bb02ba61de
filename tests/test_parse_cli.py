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

COLUMNS = [
    "source",
    "source_key",
    "company_name",
    "address",
    "city",
    "state",
    "zip5",
    "notice_type",
    "notice_date",
    "effective_date",
    "employees",
    "industry_code",
    "source_url",
    "raw",
]
FORMATS = ("json", "csv", "ndjson", "table")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _sources() -> list[str]:
    from leads.registry import names

    return names()


def _test_module(source: str):
    """The source's own test file (tests/test_<source>.py), or None."""
    import importlib
    import importlib.util

    if importlib.util.find_spec(f"tests.test_{source}") is None:
        return None
    return importlib.import_module(f"tests.test_{source}")


def _declared() -> tuple[dict[str, int], set[str], set[str]]:
    """(file -> notices it holds, files that are not responses, sources that declare) from each source's
    own test file: ``SAVED_FILES = {"name": count}`` (with how the file says so) and ``NOT_RESPONSES``."""
    expected: dict[str, int] = {}
    not_responses: set[str] = set()
    declaring: set[str] = set()
    for source in _sources():
        module = _test_module(source)
        if module is None or not hasattr(module, "SAVED_FILES"):
            continue
        declaring.add(source)
        expected.update({f"{source}/{name}": n for name, n in module.SAVED_FILES.items()})
        not_responses |= {f"{source}/{name}" for name in getattr(module, "NOT_RESPONSES", ())}
    return expected, not_responses, declaring


EXPECTED, NOT_A_RESPONSE, DECLARING = _declared()


def _fixture_files() -> list[str]:
    """Every saved file in a folder named after a source (SOURCE.md notes aside)."""
    sources = set(_sources())
    return sorted(
        f"{p.parent.name}/{p.name}"
        for p in FILES.glob("*/*")
        if p.parent.name in sources and p.is_file() and p.name != "SOURCE.md"
    )


#: Saved files of sources whose test file declares no SAVED_FILES: parsed too (exit 0, formats agree).
UNDECLARED = [f for f in _fixture_files() if f.split("/", 1)[0] not in DECLARING]


def test_every_saved_file_is_accounted_for() -> None:
    declared = [f for f in _fixture_files() if f.split("/", 1)[0] in DECLARING]
    assert set(declared) == set(EXPECTED) | NOT_A_RESPONSE
    assert EXPECTED, "no source's test file declares SAVED_FILES"


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
    done = subprocess.run([*LEADS_COMMAND, "parse", *args], cwd=home, env=_env(home), capture_output=True, timeout=120)
    return Run(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


def _parse_in_process(home: Path, *args: str) -> Run:
    import cli

    result = CliRunner().invoke(cli.cli, ["parse", *args], env=_env(home), catch_exceptions=False)
    return Run(result.exit_code, result.stdout_bytes.decode("utf-8"), result.stderr_bytes.decode("utf-8"))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Run]:
    """(file, format) -> the finished `leads parse` run, for every saved file in every format."""
    import functools

    import leads.crawl

    home = tmp_path_factory.mktemp("parse_cli")
    # Parsing is pure: parse each file once and render it in the four formats (the PDFs cost seconds each).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            leads.crawl,
            "parse_saved_file_answer",
            functools.lru_cache(maxsize=None)(leads.crawl.parse_saved_file_answer),
        )
        return {
            (rel, fmt): _parse_in_process(home, rel.split("/", 1)[0], str(FILES / rel), *_format_args(fmt))
            for rel in [*EXPECTED, *UNDECLARED]
            for fmt in FORMATS
        }


def _check_dates(record: dict) -> None:
    for field in ("notice_date", "effective_date"):
        value = record[field]
        if value not in (None, ""):
            assert ISO_DATE.match(value) and date.fromisoformat(value), (field, value)


@pytest.mark.parametrize("rel", [f for f in EXPECTED if EXPECTED[f]] + UNDECLARED)
def test_formats_agree_with_stable_keys_and_iso_dates(rel: str, outputs) -> None:
    source = rel.split("/", 1)[0]
    runs = {fmt: outputs[(rel, fmt)] for fmt in FORMATS}
    expected = EXPECTED[rel] if rel in EXPECTED else len(json.loads(runs["json"].stdout or "[]"))
    for fmt, run in runs.items():
        assert run.returncode == 0, (fmt, run.stderr)
        noun = "notice" if expected == 1 else "notices"
        assert f"{expected} {noun} parsed from {FILES / rel}" in run.stderr, (fmt, run.stderr)
        assert "Error" not in run.stderr
        # A real, current agency file reads without a column warning (else the source would be degraded).
        assert "no column for" not in run.stderr and "unknown column" not in run.stderr, (fmt, run.stderr)

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
    for row, record in zip(table, records, strict=False):
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
    cases = [
        ("warn_ia", truncated_xlsx),
        ("warn_tn", truncated_pdf),
        ("warn_va", html_as_csv),
        ("registry_ca_sf", dictionary),
    ]
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


def _rebuilt_files() -> list[tuple[str, str]]:
    """(source, file name) of every agency-format file a source's test rebuilds from a row dump."""
    return [
        (source, name)
        for source in _sources()
        if (module := _test_module(source)) is not None
        for name in getattr(module, "REBUILT_FILES", {})
    ]


def test_every_row_dump_source_declares_its_rebuilt_file() -> None:
    # A source whose only saved data is a row dump (NOT_RESPONSES) is read through the file its test rebuilds.
    dump_only = {rel.split("/", 1)[0] for rel in NOT_A_RESPONSE} - {rel.split("/", 1)[0] for rel in EXPECTED}
    assert dump_only <= {source for source, _ in _rebuilt_files()}


@pytest.mark.parametrize(("source", "name"), _rebuilt_files())
def test_leads_parse_reads_the_file_rebuilt_in_the_agency_format(source: str, name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(_test_module(source).REBUILT_FILES[name]())
    run = _parse_in_process(tmp_path, source, str(path), "--json")
    assert run.returncode == 0, run.stderr
    records = json.loads(run.stdout)
    assert records and f"{len(records)} notices parsed from {path}" in run.stderr, run.stderr
    assert {r["source"] for r in records} == {source}
    assert len({r["source_key"] for r in records}) == len(records)
    for record in records:
        _check_dates(record)
