"""Follow-up dates as a rep says them: "tomorrow 14:30", "next monday", "in 2 weeks", "eow", "2026-12-07 9am".

Pure and deterministic: text and today in, a date and an optional time of day out (the time is the rep's
own wall-clock time, as typed). Weeks run Monday to Sunday: "monday" is the coming Monday (never today),
"next monday" the Monday of next week, "eow" this week's Friday (next Friday on a weekend), "eom" the
month's last day.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, time, timedelta

from leads.errors import InputError

#: What the follow-up error and --help list, in this order.
FORMS = (
    "today",
    "tomorrow",
    "+N (days; +Nw weeks, +Nm months)",
    "in N days|weeks|months",
    "monday..sunday",
    "next monday",
    "eow (Friday)",
    "eom",
    "YYYY-MM-DD",
)
TIME_FORMS = ("14:30", "9am", "9:30pm")

WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)} | {
    "mon": 0,
    "tue": 1,
    "tues": 1,
    "wed": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}

_TIME = re.compile(r"^(?:(?P<h24>\d{1,2}):(?P<m24>\d{2})|(?P<h12>\d{1,2})(?::(?P<m12>\d{2}))?\s*(?P<ampm>am|pm))$")
_IN = re.compile(r"^in\s+(?P<n>\d+|a|an|one)\s+(?P<unit>day|days|week|weeks|month|months)$")
_PLUS = re.compile(r"^\+(?P<n>\d+)\s*(?P<unit>d|w|m)?$")


def accepted_forms() -> str:
    """The forms in words, for errors and help."""
    return f"{', '.join(FORMS)}; optionally a time after it ({', '.join(TIME_FORMS)}), or none to clear"


def _error(text: str, why: str = "") -> InputError:
    return InputError(f"{text!r} is not a follow-up date{why}: use {accepted_forms()}")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, on the month's last day when it is shorter (Jan 31 + 1 = Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def parse_time(text: str) -> time | None:
    """``14:30``, ``9am``, ``9:30 pm``; None when the text is not a time of day."""
    m = _TIME.match(text.strip().lower())
    if not m:
        return None
    if m["h24"] is not None:
        hour, minute = int(m["h24"]), int(m["m24"])
        return time(hour, minute) if hour < 24 and minute < 60 else None
    hour, minute = int(m["h12"]), int(m["m12"] or 0)
    if not 1 <= hour <= 12 or minute >= 60:
        return None
    return time(hour % 12 + (12 if m["ampm"] == "pm" else 0), minute)


def parse_day(text: str, today: date) -> date | None:
    """The date part alone; None when it is not one of FORMS."""
    t = " ".join(text.strip().lower().split())
    if t == "today":
        return today
    if t == "tomorrow":
        return today + timedelta(days=1)
    if t == "eow":
        return today + timedelta(days=(4 - today.weekday()) % 7)
    if t == "eom":
        return date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    if m := _PLUS.match(t):
        return _after(today, int(m["n"]), {"d": "day", "w": "week", "m": "month", None: "day"}[m["unit"]])
    if m := _IN.match(t):
        n = 1 if m["n"] in ("a", "an", "one") else int(m["n"])
        return _after(today, n, m["unit"].rstrip("s"))
    nxt = t.startswith("next ")
    name = t[5:] if nxt else t
    if name in WEEKDAYS:
        wanted = WEEKDAYS[name]
        if nxt:  # that day in the week after this one (weeks start on Monday)
            return today - timedelta(days=today.weekday()) + timedelta(days=7 + wanted)
        return today + timedelta(days=(wanted - today.weekday() - 1) % 7 + 1)
    if t == "next week":
        return today - timedelta(days=today.weekday()) + timedelta(days=7)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        try:
            return date.fromisoformat(t)
        except ValueError:
            raise _error(text, " (no such day)") from None
    return None


def _after(today: date, n: int, unit: str) -> date:
    if unit == "month":
        return add_months(today, n)
    return today + timedelta(days=n * (7 if unit == "week" else 1))


def parse_follow_up(text: str, today: date) -> tuple[date, time | None]:
    """A follow-up as a rep types it -> (day, time of day or None). Raises InputError listing the forms."""
    t = " ".join(text.strip().lower().split())
    t = re.sub(r"^(\d{4}-\d{2}-\d{2})t(?=\d)", r"\1 ", t)  # ISO 2026-12-07T09:00
    day = parse_day(t, today)
    if day is not None:
        return day, None
    words = t.split(" ")
    # The time is the last word or two ("9am", "9 am", "at 14:30").
    for cut in (1, 2):
        if len(words) <= cut:
            break
        when, rest = " ".join(words[-cut:]), words[:-cut]
        at = parse_time(when)
        if at is None:
            continue
        if rest and rest[-1] == "at":
            rest = rest[:-1]
        day = parse_day(" ".join(rest), today) if rest else None
        if day is not None:
            return day, at
    if parse_time(t) is not None:
        raise _error(text, " (a time needs a day before it, such as today or tomorrow)")
    raise _error(text)


def describe(day: date, at: time | None = None) -> str:
    """``2026-12-07 09:00 (Monday)``: what a follow-up resolved to, for the rep to check."""
    return f"{day.isoformat()}{f' {at:%H:%M}' if at else ''} ({calendar.day_name[day.weekday()]})"
