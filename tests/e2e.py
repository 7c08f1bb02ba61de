"""One source through the real `leads crawl`, offline, checked against `leads parse` of the same files.

A source's own test file calls ``assert_source_lands`` from a test that takes the ``db_url``,
``server`` and ``leads_cli`` fixtures: the crawl must store exactly the keys `leads parse` reads
from the saved files, the whole expected rows, and a second crawl must change nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import FAST_CRAWL, LEADS_COMMAND
from tests.helpers import FILES

NOTICE_COLUMNS = ("source", "source_key", "company_name", "address", "city", "state", "zip5", "notice_type",
                  "notice_date", "effective_date", "employees", "industry_code", "source_url", "raw")


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
    done = subprocess.run([*LEADS_COMMAND, "parse", slug, str(path), "--json"], cwd=home, env=env,
                          capture_output=True, text=True, timeout=300)
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


def assert_source_lands(source: str, urls: Sequence[str], files: Sequence[str | Path], *, db_url: str,
                        leads_cli: Callable[..., subprocess.CompletedProcess[str]], home: Path,
                        rows: Iterable[dict] = (), extra_args: Sequence[str] = ()) -> dict:
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
