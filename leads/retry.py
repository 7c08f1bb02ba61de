"""Retries that honour Retry-After: an agency that answers 429 or 503 with a wait gets that wait.

Scrapy's RetryMiddleware retries at once. Up to MAX_WAIT seconds we wait as asked before retrying;
a longer wait ends the request now with a message saying so (a nightly run cannot sleep for hours).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
from datetime import UTC, datetime
from typing import Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware

MAX_WAIT_SECONDS = 120.0


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    async def process_response(self, request: Any, response: Any, spider: Any = None) -> Any:  # type: ignore[override]
        if response.status in (429, 503) and not request.meta.get("dont_retry", False):
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is not None and wait > MAX_WAIT_SECONDS:
                running = self.crawler.spider
                log = running.logger if running is not None else logging.getLogger(__name__)
                log.error(
                    "%s asked us to retry after %.0f s (more than %.0f s): giving up on %s for this run",
                    response.status,
                    wait,
                    MAX_WAIT_SECONDS,
                    request.url,
                )
                return response
            if wait:
                await asyncio.sleep(wait)
        return super().process_response(request, response)
