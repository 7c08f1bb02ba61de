"""Read-only queries shared by commands. They take a session and never commit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from leads import clock
from leads.models import CrawlRun, Notice
from leads.output import plural

STALE_AFTER_DAYS = 30


def count_rows(session: Session, stmt: Select[Any]) -> int:
    """How many rows ``stmt`` gives without its LIMIT (for "showing 50 of 62")."""
    inner = stmt.order_by(None).limit(None).offset(None).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0


def contains(column: Any, text: str) -> Any:
    """``column`` contains ``text``, any case, with % and _ in the text taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def source_health(session: Session, now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Per source: last run and outcome, last success, notice count, and freshness.

    Freshness is the age of the newest change (a new or amended notice). A source whose crawls
    succeed but whose content has not changed for STALE_AFTER_DAYS days is called stale: the
    agency may have moved its current data elsewhere.
    """
    now = now or clock.now()
    out: dict[str, dict[str, Any]] = {}
    last_run = select(CrawlRun.source, func.max(CrawlRun.id).label("id")).group_by(CrawlRun.source).subquery()
    for run in session.scalars(select(CrawlRun).join(last_run, CrawlRun.id == last_run.c.id)):
        out.setdefault(run.source, {})
        out[run.source].update(
            last_run=_aware(run.finished_at or run.started_at), last_outcome=run.outcome, last_message=run.message
        )
    for source, finished in session.execute(
        select(CrawlRun.source, func.max(CrawlRun.finished_at))
        .where(CrawlRun.outcome == "ok")
        .group_by(CrawlRun.source)
    ):
        out.setdefault(source, {})["last_success"] = _aware(finished)
    for source, count, changed in session.execute(
        select(Notice.source, func.count(), func.max(Notice.updated_at)).group_by(Notice.source)
    ):
        entry = out.setdefault(source, {})
        entry["notices"] = count
        last_change = _aware(changed)
        entry["last_change"] = last_change
        if last_change is not None:
            days = (now - last_change).days
            entry["freshness"] = f"stale ({days} days unchanged)" if days >= STALE_AFTER_DAYS else plural(days, "day")
    return out
