"""One source through the real `leads crawl`, offline, checked against `leads parse` of the same files.

A source's own test file calls ``assert_source_lands`` from a test that takes the ``db_url``,
``server`` and ``leads_cli`` fixtures: the crawl must store exactly the keys `leads parse` reads
from the saved files, the whole expected rows, and a second crawl must change nothing.
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import json
import os
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import FAST_CRAWL
from tests.helpers import FILES
from tests.leads_process import run_leads

NOTICE_COLUMNS = (
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
)


@dataclass(frozen=True)
class Parsed:
    notices: list[dict]
    skipped: int  # "skipped row" warnings on stderr


def parse_saved(rel: str | Path, source: str | None = None, *, home: Path) -> Parsed:
    """`leads parse SOURCE FILE --json` for a saved file ('slug/name' under tests/files, or a path)."""
    path = Path(rel) if Path(rel).is_absolute() else FILES / rel
    slug = source or str(rel).split("/", 1)[0]
    env = {**os.environ, "LEADS_DATA_DIR": str(home / "data"), "LEADS_USER": "tester"}
    env.pop("LEADS_DATABASE_URL", None)
    done = run_leads(["parse", slug, str(path), "--json"], cwd=home, env=env, timeout=300)
    assert done.returncode == 0, f"leads parse {slug} {path}: {done.stderr}"
    return Parsed(json.loads(done.stdout), done.stderr.count("skipped row"))


def stored_keys(db_url: str, source: str) -> set[str]:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        keys = set(conn.execute(sa.text("select source_key from notices where source = :s"), {"s": source}).scalars())
    engine.dispose()
    return keys


def stored_notice(db_url: str, source: str, key: str) -> dict:
    """One stored notice, typed by the model (dates as dates, raw as a dict) on both engines."""
    from leads.models import Notice

    engine = sa.create_engine(db_url)
    with Session(engine) as session:
        row = session.scalars(sa.select(Notice).where(Notice.source == source, Notice.source_key == key)).one()
        stored = {c: getattr(row, c) for c in NOTICE_COLUMNS}
    engine.dispose()
    return stored


def crawl_summary(result: subprocess.CompletedProcess[str]) -> dict[str, dict]:
    return {row["source"]: row for row in json.loads(result.stdout)}


def url_args(urls: Iterable[str]) -> list[str]:
    return [arg for url in urls for arg in ("--url", url)]


def assert_source_lands(
    source: str,
    urls: Sequence[str],
    files: Sequence[str | Path],
    *,
    db_url: str,
    leads_cli: Callable[..., subprocess.CompletedProcess[str]],
    home: Path,
    rows: Iterable[dict] = (),
    extra_args: Sequence[str] = (),
) -> dict:
    """Crawl ``source`` from ``urls`` twice; the first stores exactly what `leads parse` reads from
    ``files`` (and each whole row in ``rows``, compared as :data:`NOTICE_COLUMNS`), the second nothing
    new. Returns the first run's summary row."""
    parsed = [parse_saved(f, source, home=home) for f in files]
    expected_keys = {n["source_key"] for p in parsed for n in p.notices}
    assert expected_keys, f"{source}: `leads parse` read no notice from {list(files)}"

    first = leads_cli("crawl", source, *url_args(urls), "--json", *FAST_CRAWL, *extra_args, db_url=db_url)
    assert first.returncode == 0, first.stderr
    run = crawl_summary(first)[source]
    assert run["outcome"] == "ok" and run["errors"] == 0, run
    assert run["items"] == run["new"] == len(expected_keys), run
    assert stored_keys(db_url, source) == expected_keys
    assert run["skipped"] == sum(p.skipped for p in parsed)
    for expected in rows:
        assert stored_notice(db_url, source, expected["source_key"]) == expected

    again = leads_cli("crawl", source, *url_args(urls), "--json", *FAST_CRAWL, *extra_args, db_url=db_url)
    assert again.returncode == 0, again.stderr
    rerun = crawl_summary(again)[source]
    assert (rerun["outcome"], rerun["new"], rerun["updated"], rerun["unchanged"]) == ("ok", 0, 0, run["items"])
    assert stored_keys(db_url, source) == expected_keys
    return run


# -- cases declared next to each source's own tests -------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One source crawled end to end by tests/test_sources_e2e.py (on both databases, with the faults
    around it). A source's test file lists its cases in ``E2E_CASES``; nothing else needs editing."""

    id: str
    source: str
    files: tuple[str, ...]  # the saved files whose `leads parse` notices the crawl must store, no more, no less
    urls: Callable  # server -> the --url values
    rows: Callable  # server -> whole expected rows


def collect_cases() -> list[Case]:
    """Every ``E2E_CASES`` of the sources' own test files (tests/test_<source>.py), in source order."""
    from leads.registry import names

    cases: list[Case] = []
    for source in names():
        if importlib.util.find_spec(f"tests.test_{source}") is None:
            continue
        cases.extend(getattr(importlib.import_module(f"tests.test_{source}"), "E2E_CASES", ()))
    return cases


def notice(
    source: str,
    key: str,
    company: str,
    url: str,
    notice_type: str,
    *,
    address=None,
    city=None,
    state=None,
    zip5=None,
    notice_date=None,
    effective_date=None,
    employees=None,
    industry_code=None,
    raw=None,
) -> dict:
    """A whole expected stored row (:data:`NOTICE_COLUMNS`)."""
    return {
        "source": source,
        "source_key": key,
        "company_name": company,
        "address": address,
        "city": city,
        "state": state,
        "zip5": zip5,
        "notice_type": notice_type,
        "notice_date": notice_date,
        "effective_date": effective_date,
        "employees": employees,
        "industry_code": industry_code,
        "source_url": url,
        "raw": raw,
    }


def csv_row(rel: str, **match: str) -> dict[str, str]:
    """A row of a saved CSV as header -> text, read with the csv module."""
    with open(FILES / rel, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    found = [
        dict(zip(header, r, strict=False))
        for r in rows[1:]
        if all(dict(zip(header, r, strict=False)).get(k) == v for k, v in match.items())
    ]
    assert len(found) == 1, (rel, match, len(found))
    return found[0]


def request_target(url: str) -> str:
    """The request line's target as the test server records it: path and query."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
