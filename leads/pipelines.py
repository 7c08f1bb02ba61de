"""Scrapy pipelines: validate each ClosureNotice, then store a source's notices in one transaction.

Storage happens when the spider closes, all of one source's notices in one transaction, upserted
on (source, source_key), together with the source's crawl-run health record. A crawl that was
interrupted (SIGTERM, timeout) stores no notices, so nothing is half-written; an unchanged
re-crawl only moves `last_seen`.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import date
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem
from sqlalchemy import Integer

from leads import clock
from leads.items import NOTICE_TYPES, ClosureNotice
from leads.store import content_hash  # noqa: F401  (re-exported: its old home)

logger = logging.getLogger(__name__)

ENV_RUN_TAG = "LEADS_CRAWL_RUN_TAG"
STAT_SKIPPED = "leads/rows_skipped"
STAT_INVALID = "leads/items_invalid"
STAT_RAW_NUL = "leads/raw_nul_cleaned"
STAT_RAW_NUL_SAID = "leads/raw_nul_said"


class ValidateNoticePipeline:
    """Drops (and counts) notices a spider should never have produced; the source goes on."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ValidateNoticePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ClosureNotice):
            return item
        problem = validation_problem(item)
        if not problem:
            item.raw, cleaned = clean_raw_nul(item.raw)
            if cleaned:
                self.crawler.stats.inc_value(STAT_RAW_NUL)
                if not self.crawler.stats.get_value(STAT_RAW_NUL_SAID):
                    self.crawler.stats.set_value(STAT_RAW_NUL_SAID, True)
                    logger.warning(
                        "source %s: NUL bytes in the published row of %r from %s (and maybe others) "
                        "stored as U+FFFD in its raw row",
                        item.source,
                        item.source_key,
                        item.source_url,
                    )
        if problem:
            self.crawler.stats.inc_value(STAT_SKIPPED)
            self.crawler.stats.inc_value(STAT_INVALID)
            raise DropItem(
                f"source {item.source}: invalid notice {item.source_key!r} from {item.source_url} ({problem}): skipped"
            )
        return item


def validation_problem(notice: ClosureNotice) -> str | None:
    if not notice.source or not notice.source_key:
        return "no source key"
    if not (notice.company_name or "").strip():
        return "no company name"
    if notice.notice_type not in NOTICE_TYPES:
        return f"unknown notice type {notice.notice_type!r}"
    if notice.state is not None and len(notice.state) != 2:
        return f"state {notice.state!r} is not a 2-letter code"
    if notice.zip5 is not None and not (len(notice.zip5) == 5 and notice.zip5.isdigit()):
        return f"zip {notice.zip5!r} is not 5 digits"
    if notice.employees is not None and notice.employees < 0:
        return f"negative employee count {notice.employees}"
    for name in ("notice_date", "effective_date"):
        value = getattr(notice, name)
        if value is not None and not isinstance(value, date):
            return f"{name} {value!r} is not a date"
    from leads.models import Notice

    for column in Notice.__table__.columns:
        length = getattr(column.type, "length", None)
        value = getattr(notice, column.name, None)
        if length and isinstance(value, str) and len(value) > length:
            return f"{column.name} is longer than {length} characters"
        # PostgreSQL's integer is 32-bit; beyond it one notice would roll back its whole source.
        if isinstance(column.type, Integer) and isinstance(value, int) and not -(2**31) <= value < 2**31:
            return f"{column.name} {value} is out of range"
    try:
        json.dumps(notice.raw, allow_nan=False)  # PostgreSQL's JSON has no NaN or Infinity either
    except (TypeError, ValueError):
        return "raw row is not JSON-serializable"
    nul = _nul_field(notice)
    if nul:
        # PostgreSQL stores no NUL in text or JSON; one such notice would roll back its whole source.
        # Skipped on every database alike, so a crawl lands the same rows on SQLite and PostgreSQL.
        return f"{nul} contains a NUL byte"
    return None


def _nul_field(notice: ClosureNotice) -> str | None:
    """The first normalized field holding a NUL character, else None."""
    for name, value in vars(notice).items():
        if isinstance(value, str) and "\x00" in value:
            return name
    return None


def clean_raw_nul(value: Any) -> tuple[Any, bool]:
    """The raw row with each NUL (keys too) replaced by U+FFFD, and whether there was any.

    The raw row keeps what the agency published, for reference; a NUL there (PostgreSQL stores none
    in JSON) is visibly marked rather than costing a notice whose read fields are sound.
    """
    if isinstance(value, str):
        return (value.replace("\x00", "\ufffd"), True) if "\x00" in value else (value, False)
    if isinstance(value, dict):
        found = False
        out: dict[Any, Any] = {}
        for key, inner in value.items():
            new_key, key_found = clean_raw_nul(key) if isinstance(key, str) else (key, False)
            out[new_key], inner_found = clean_raw_nul(inner)
            found = found or key_found or inner_found
        return (out, True) if found else (value, False)
    if isinstance(value, list):
        cleaned = [clean_raw_nul(inner) for inner in value]
        if any(found for _, found in cleaned):
            return [inner for inner, _ in cleaned], True
    return value, False


class StoreNoticePipeline:
    """Collects a source's notices and upserts them, with the run's health, when the spider closes."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        if not crawler.settings.get("LEADS_DATABASE_URL"):
            # Fail before crawling, not after: the notices would have nowhere to go.
            raise RuntimeError(
                "the LEADS_DATABASE_URL setting is not set: the crawl has no database to store "
                "notices in (set it in the environment, with -s, or run `leads crawl`)"
            )
        self.notices: dict[str, ClosureNotice] = {}
        self.started = clock.now()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> StoreNoticePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ClosureNotice):
            # The same notice seen twice in one run (repeated across result pages, or published in
            # two files of one source) counts once. Which copy wins must not depend on the order
            # responses arrived in: the copy from the file whose URL sorts last (agencies name files
            # by date or fiscal year) wins, so identical crawls store identical rows.
            kept = self.notices.get(item.source_key)
            if kept is None or item.source_url >= kept.source_url:
                self.notices[item.source_key] = item
        return item

    def spider_closed(self, spider: Any, reason: str) -> None:
        from leads.store import record_source_run

        db_url = self.crawler.settings.get("LEADS_DATABASE_URL")
        stats = self.crawler.stats
        # The runner reads the outcome from the crawler it holds a handle to.
        self.crawler.leads_result = record_source_run(
            db_url,
            source=spider.name,
            notices=list(self.notices.values()),
            stats=stats.get_stats(),
            reason=reason,
            started=self.started,
            start_url=", ".join(getattr(spider, "start_urls", []) or []),
            run_tag=self.crawler.settings.get("LEADS_RUN_TAG") or os.environ.get(ENV_RUN_TAG),
            stats_setter=stats.set_value,
            log_file=self.crawler.settings.get("LEADS_LOG_FILE"),  # the nightly's log, when there is one
        )
