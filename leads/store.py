"""Storing a source's crawl: upsert notices on (source, source_key) and record the run's health.

Both happen in one transaction, so a crawl run row never claims notices that were not stored.
Storage knows nothing of Scrapy: the pipeline (leads/pipelines.py) hands it notices and stats.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.orm import Session

from leads import clock
from leads.db import error_summary
from leads.health import FAILED, GOOD_OUTCOMES, Health, judge
from leads.items import ClosureNotice
from leads.models import CrawlRun, Notice

logger = logging.getLogger("leads.crawl")

UPSERT_CHUNK = 500


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


def content_hash(notice: ClosureNotice) -> str:
    """Changes when what the notice says changes: its normalized fields.

    Not where we fetched it, and not the raw row, whose keys change when an agency renames a
    column: that is the same notice, not an amendment.
    """
    data = notice.as_dict()
    data.pop("source_url", None)
    data.pop("raw", None)
    # Fields added after notices were first stored count only when set, so adding them changes no hash.
    for optional in ("temporary", "amended", "lat", "lon"):
        if data.get(optional) in (None, False):
            data.pop(optional, None)
    blob = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class Rejected:
    """A notice the database refused, and the database's one-line reason."""

    notice: ClosureNotice
    reason: str


def upsert_notices(
    session: Session, notices: Sequence[ClosureNotice], now: datetime, rejected: list[Rejected] | None = None
) -> UpsertCounts:
    """Insert new notices, update changed ones, touch `last_seen` on the rest. Never commits.

    Each chunk is written in a savepoint. When the database refuses a chunk, its notices are tried
    one by one and only those it refuses are left out (appended to ``rejected``): one bad notice costs
    one notice. When it refuses every notice of the chunk, the fault is not a notice's: it is raised.
    """
    counts = UpsertCounts()
    by_source: dict[str, list[ClosureNotice]] = {}
    for n in notices:
        by_source.setdefault(n.source, []).append(n)
    for source, items in by_source.items():
        for start in range(0, len(items), UPSERT_CHUNK):
            chunk = items[start : start + UPSERT_CHUNK]
            try:
                with session.begin_nested():
                    _add(counts, _upsert_chunk(session, source, chunk, now))
            except (sa_exc.DataError, sa_exc.IntegrityError) as exc:
                refused: list[Rejected] = []
                for n in chunk:
                    try:
                        with session.begin_nested():
                            _add(counts, _upsert_chunk(session, source, [n], now))
                    except (sa_exc.DataError, sa_exc.IntegrityError) as one:
                        refused.append(Rejected(n, error_summary(one)))
                if len(refused) == len(chunk):
                    raise exc
                if rejected is not None:
                    rejected.extend(refused)
    return counts


def _add(total: UpsertCounts, part: UpsertCounts) -> None:
    total.new += part.new
    total.updated += part.updated
    total.unchanged += part.unchanged


def _upsert_chunk(session: Session, source: str, chunk: Sequence[ClosureNotice], now: datetime) -> UpsertCounts:
    from leads.normalize import normalize_address, normalize_name

    counts = UpsertCounts()
    keys = [n.source_key for n in chunk]
    existing = {
        row.source_key: row
        for row in session.scalars(select(Notice).where(Notice.source == source, Notice.source_key.in_(keys)))
    }
    for n in chunk:
        digest = content_hash(n)
        row = existing.get(n.source_key)
        fields = _fields(n)
        fields["name_norm"] = normalize_name(n.company_name)
        fields["address_norm"] = normalize_address(n.address) if n.address else ""
        if row is None:
            session.add(Notice(**fields, content_hash=digest, first_seen=now, last_seen=now, updated_at=now))
            counts.new += 1
        elif row.content_hash != digest:
            for key, value in fields.items():
                setattr(row, key, value)
            row.content_hash = digest
            row.last_seen = now
            row.updated_at = now
            counts.updated += 1
        else:
            row.last_seen = now
            if row.raw != n.raw:  # same notice, re-published with renamed columns
                row.raw = n.raw
            counts.unchanged += 1
    session.flush()
    return counts


def _fields(n: ClosureNotice) -> dict[str, Any]:
    return {
        "source": n.source,
        "source_key": n.source_key[:255],
        "company_name": n.company_name,
        "address": n.address,
        "city": n.city,
        "state": n.state,
        "zip5": n.zip5,
        "notice_type": n.notice_type,
        "notice_date": n.notice_date,
        "effective_date": n.effective_date,
        "employees": n.employees,
        "industry_code": n.industry_code,
        "temporary": n.temporary,
        "amended": bool(n.amended),
        "lat": n.lat,
        "lon": n.lon,
        "source_url": n.source_url,
        "raw": n.raw,
    }


def last_good_items(session: Session, source: str) -> int | None:
    return session.scalar(
        select(CrawlRun.items)
        .where(CrawlRun.source == source, CrawlRun.outcome.in_(GOOD_OUTCOMES))
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(1)
    )


def last_good_run_started(session: Session, source: str) -> datetime | None:
    """When the source's last good run started (an incremental crawl asks for rows changed since then)."""
    return session.scalar(
        select(CrawlRun.started_at)
        .where(CrawlRun.source == source, CrawlRun.outcome.in_(GOOD_OUTCOMES))
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(1)
    )


def record_source_run(
    db_url: str,
    *,
    source: str,
    notices: Iterable[ClosureNotice],
    stats: dict[str, Any],
    reason: str,
    started: datetime,
    start_url: str = "",
    run_tag: str | None = None,
    stats_setter: Callable[[str, Any], None] | None = None,
    log_file: str | None = None,
) -> dict[str, Any]:
    """Store one source's notices and its health record; returns the run as a dict for the summary."""
    from leads.db import Database

    notices = list(notices)
    now = clock.now()
    stored = len(notices)  # less the notices the database refuses one by one
    skipped = int(stats.get("leads/rows_skipped", 0) or 0)
    db = Database(db_url)
    try:
        try:
            with db.session() as session:
                previous = last_good_items(session, source)
                counts = UpsertCounts()
                rejected: list[Rejected] = []
                if reason == "finished":
                    counts = upsert_notices(session, notices, now, rejected)
                for refused in rejected:
                    logger.warning(
                        "source %s: the database refused notice %r from %s (%s): skipped",
                        source,
                        refused.notice.source_key,
                        refused.notice.source_url,
                        refused.reason,
                    )
                skipped += len(rejected)
                stored -= len(rejected)
                health = judge(stats, reason, stored, previous, log_file)
                run = CrawlRun(
                    source=source,
                    started_at=started,
                    finished_at=now,
                    items=stored,
                    new=counts.new,
                    updated=counts.updated,
                    unchanged=counts.unchanged,
                    skipped=skipped,
                    errors=_errors(stats),
                    outcome=health.outcome,
                    message=health.message,
                    start_url=start_url,
                    warnings=list(health.warnings) or None,
                )
                session.add(run)
        except Exception as exc:  # the database refused: say so loudly, record what we can
            # One line from the database, never the statement: its parameters are other companies' rows.
            logger.error("source %s: could not store %d notices: %s", source, len(notices), error_summary(exc))
            health = Health(FAILED, f"could not store notices: {error_summary(exc)}")
            counts = UpsertCounts()
            try:
                with db.session() as session:
                    session.add(
                        CrawlRun(
                            source=source,
                            started_at=started,
                            finished_at=now,
                            items=len(notices),
                            skipped=skipped,
                            errors=_errors(stats) + 1,
                            outcome=FAILED,
                            message=health.message,
                            start_url=start_url,
                            warnings=list(health.warnings) or None,
                        )
                    )
            except Exception:
                logger.error("source %s: could not record the crawl run either", source)
    finally:
        db.dispose()
    if stats_setter:
        stats_setter("leads/new", counts.new)
        stats_setter("leads/updated", counts.updated)
        stats_setter("leads/unchanged", counts.unchanged)
        stats_setter("leads/outcome", health.outcome)
    result = {
        "source": source,
        "outcome": health.outcome,
        "items": stored,
        "new": counts.new,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "skipped": skipped,
        "errors": _errors(stats) + (0 if health.outcome != FAILED or _errors(stats) else 1),
        "message": health.message,
        "run_tag": run_tag,
        "warnings": list(health.warnings),
        "attention": health.attention,
    }
    return result


def latest_warnings(session: Session) -> dict[str, list[str]]:
    """Per source, the column warnings of its latest run (empty list when it had none).

    For `leads sources` and the digest: a degraded source shows what it could not read.
    Never commits.
    """
    from sqlalchemy import func

    newest = select(func.max(CrawlRun.id)).group_by(CrawlRun.source)  # ids grow with each run
    rows = session.execute(select(CrawlRun.source, CrawlRun.warnings).where(CrawlRun.id.in_(newest)))
    return {source: list(warnings or []) for source, warnings in rows}


def _errors(stats: dict[str, Any]) -> int:
    from leads.health import error_count

    return error_count(stats)
