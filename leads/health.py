"""Deciding whether a source's crawl was healthy. Scrapy exits 0 even when callbacks raise, so we decide.

A source is unhealthy when it logged errors (404, 5xx after retries, timeouts, layout changes),
was interrupted, returned zero notices, or returned far fewer than its last good run (a silent
layout change or broken pagination).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DROP_RATIO = 0.5  # fewer than half of the last good run's notices is an alarm
OK, FAILED, EMPTY, DROPPED, INTERRUPTED = "ok", "failed", "empty", "dropped", "interrupted"


@dataclass(frozen=True)
class Health:
    outcome: str
    message: str

    @property
    def ok(self) -> bool:
        return self.outcome == OK


def judge(stats: dict[str, Any], reason: str, items: int, last_good_items: int | None) -> Health:
    """Health of one source run from its Scrapy stats, finish reason and notice count."""
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
            detail.append(f"{stats['leads/request_errors']} failed requests")
        if stats.get("spider_exceptions_count") or _sum_prefix(stats, "spider_exceptions/"):
            detail.append(f"{_sum_prefix(stats, 'spider_exceptions/')} parser exceptions")
        if stats.get("leads/store_errors"):
            detail.append("could not store notices")
        more = f" ({', '.join(detail)})" if detail else ""
        return Health(FAILED, f"{errors} errors{more}; see the log")
    if items == 0:
        return Health(EMPTY, "zero notices: the source is empty, moved or changed its layout")
    if last_good_items and items < last_good_items * DROP_RATIO:
        return Health(DROPPED, f"only {items} notices against {last_good_items} in the last good run: "
                               "did pagination break or the layout change?")
    return Health(OK, f"{items} notices")


def error_count(stats: dict[str, Any]) -> int:
    """Errors of this source only.

    Not Scrapy's log_count/ERROR: its log counter sits on the root logger, so with several spiders
    in one process every spider counts every other spider's errors. These counters are per crawler.
    """
    return (int(stats.get("leads/request_errors", 0) or 0) + int(stats.get("leads/layout_errors", 0) or 0)
            + int(stats.get("leads/check_errors", 0) or 0)
            + _sum_prefix(stats, "spider_exceptions/") + int(stats.get("leads/store_errors", 0) or 0))


def _sum_prefix(stats: dict[str, Any], prefix: str) -> int:
    return sum(int(v) for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))
