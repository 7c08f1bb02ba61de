"""Today and now for the whole product, from one place: the real clock unless a day is set.

`leads demo` runs as of its recorded snapshot's date (``frozen``), so timing priority, "closed N days
ago", the lead list and the digest read like that morning; ``LEADS_TODAY=YYYY-MM-DD`` does the same for
one command (exploring the demo database afterwards, replaying a day). Without either, the real clock.
Spiders keep the real clock: which pages exist is the agency's calendar, not ours.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

ENV_TODAY = "LEADS_TODAY"

_frozen: date | None = None


def set_day() -> date | None:
    """The day in force instead of the real one (the demo's, or LEADS_TODAY), or None for the real clock."""
    if _frozen is not None:
        return _frozen
    text = os.environ.get(ENV_TODAY, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        from leads.errors import InputError

        raise InputError(
            f"{ENV_TODAY}={text!r} is not a date: use YYYY-MM-DD, or unset it for the real clock"
        ) from None


def today() -> date:
    return set_day() or date.today()


def now() -> datetime:
    """Now in UTC; on a set day, that day at the real time of day (so durations and order still hold)."""
    real = datetime.now(UTC)
    day = set_day()
    return real if day is None else datetime.combine(day, real.time(), UTC)


@contextmanager
def frozen(day: date) -> Iterator[None]:
    """Run a block as of ``day`` (the demo's snapshot date); the real clock again afterwards."""
    global _frozen
    before, _frozen = _frozen, day
    try:
        yield
    finally:
        _frozen = before
