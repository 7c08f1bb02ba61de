"""Deciding whether a source's crawl was healthy. Scrapy exits 0 even when callbacks raise, so we decide.

A source is unhealthy when it logged errors (404, 5xx after retries, timeouts, layout changes),
was interrupted, returned zero notices, or returned far fewer than its last good run (a silent
layout change or broken pagination). A source that landed its rows but could not read some optional
column is ``degraded``: it needs a look, not a page at night (``leads crawl --strict`` fails it). Zero
notices on a page where the agency itself says it lists none is ``empty`` and needs no attention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leads.errors import AGENCY_LISTS_NONE
from leads.output import plural

DROP_RATIO = 0.5  # fewer than half of the last good run's notices is an alarm
OK, FAILED, EMPTY, DROPPED, INTERRUPTED = "ok", "failed", "empty", "dropped", "interrupted"
DEGRADED = "degraded"
#: Outcomes whose rows all landed: a later run's drop is measured against these.
GOOD_OUTCOMES = (OK, DEGRADED)

#: Spider stats the judge reads (set by spiders.base.NoticeSpider).
STAT_WARNINGS = "leads/column_warnings"  # a list of sentences
STAT_LISTS_NONE = "leads/agency_lists_none"  # pages that said "no results"
#: Set (to the date) when the spider asked only for rows changed since a date: fewer notices than
#: the last full run is then expected, not a drop.
STAT_INCREMENTAL = "leads/incremental_since"


@dataclass(frozen=True)
class Health:
    outcome: str
    message: str
    #: True when the run needs a person: `leads crawl` exits 1 for it (a degraded run only with --strict).
    attention: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome == OK


def needs_attention(outcome: str, message: str = "", *, strict: bool = False) -> bool:
    """Whether a recorded outcome should fail `leads crawl` (and be listed as needing attention)."""
    if outcome == OK:
        return False
    if outcome == DEGRADED:
        return strict
    if outcome == EMPTY and message == AGENCY_LISTS_NONE:
        return strict
    return True


def run_warnings(stats: dict[str, Any]) -> list[str]:
    """The column warnings a spider recorded in its stats, in the order first seen."""
    value = stats.get(STAT_WARNINGS) or []
    return list(dict.fromkeys(str(v) for v in value))


def judge(
    stats: dict[str, Any], reason: str, items: int, last_good_items: int | None, log_file: str | None = None
) -> Health:
    """Health of one source run from its Scrapy stats, finish reason and notice count.

    ``log_file``: where this run's log is kept (the nightly's); a plain crawl logs to stderr only."""
    health = _judge(stats, reason, items, last_good_items, log_file)
    warnings = tuple(run_warnings(stats))
    if health.outcome == OK and warnings:
        health = Health(
            DEGRADED, f"{plural(items, 'notice')}, but {plural(len(warnings), 'column warning')}: {'; '.join(warnings)}"
        )
    return Health(health.outcome, health.message, needs_attention(health.outcome, health.message), warnings)


def _judge(
    stats: dict[str, Any], reason: str, items: int, last_good_items: int | None, log_file: str | None = None
) -> Health:
    errors = error_count(stats)
    if reason not in ("finished",):
        return Health(INTERRUPTED, f"crawl stopped early ({reason}); nothing from this run was stored")
    if errors:
        detail = []
        if stats.get("leads/layout_errors"):
            detail.append(f"{stats['leads/layout_errors']} layout changed")
        if stats.get("leads/check_errors"):
            detail.append(f"{stats['leads/check_errors']} failed consistency checks")
        if stats.get("leads/request_errors"):
            n = stats["leads/request_errors"]
            detail.append(plural(n, "failed request"))
        if stats.get("spider_exceptions_count") or _sum_prefix(stats, "spider_exceptions/"):
            detail.append(plural(_sum_prefix(stats, "spider_exceptions/"), "parser exception"))
        if stats.get("leads/store_errors"):
            detail.append("could not store notices")
        more = f" ({', '.join(detail)})" if detail else ""
        where = f"details in {log_file}" if log_file else "details on stderr"
        return Health(FAILED, f"{plural(errors, 'error')}{more}; {where}")
    if items == 0 and stats.get(STAT_LISTS_NONE):
        return Health(EMPTY, AGENCY_LISTS_NONE)
    if items == 0:
        return Health(EMPTY, "zero notices: the source is empty, moved or changed its layout")
    if last_good_items and not stats.get(STAT_INCREMENTAL) and items < last_good_items * DROP_RATIO:
        return Health(
            DROPPED,
            f"only {plural(items, 'notice')} against {last_good_items} in the last good run: "
            "did pagination break or the layout change?",
        )
    return Health(OK, plural(items, "notice"))


def error_count(stats: dict[str, Any]) -> int:
    """Errors of this source only.

    Not Scrapy's log_count/ERROR: its log counter sits on the root logger, so with several spiders
    in one process every spider counts every other spider's errors. These counters are per crawler.
    """
    return (
        int(stats.get("leads/request_errors", 0) or 0)
        + int(stats.get("leads/layout_errors", 0) or 0)
        + int(stats.get("leads/check_errors", 0) or 0)
        + _sum_prefix(stats, "spider_exceptions/")
        + int(stats.get("leads/store_errors", 0) or 0)
    )


def _sum_prefix(stats: dict[str, Any], prefix: str) -> int:
    return sum(int(v) for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))
