"""The explainable priority of a lead: match score, how near the closure is, how many people it affects.

    priority = 0.60 × score + 0.25 × timing + 0.15 × size        (each part 0–100)

timing: a closure in the coming 90 days scores 100 (its customers are about to need a supplier);
one in the past loses 100 points over 180 days; later than 90 days ahead scores 60; unknown 30.
size: 25 × log10(employees + 1), capped at 100 (10 → 25, 100 → 50, 1,000 → 75); unknown 20.
"""

from __future__ import annotations

import math
from datetime import date

from leads.output import plural

WEIGHT_SCORE, WEIGHT_TIMING, WEIGHT_SIZE = 0.60, 0.25, 0.15


def timing_points(closure: date | None, today: date) -> float:
    if closure is None:
        return 30.0
    days = (closure - today).days
    if 0 <= days <= 90:
        return 100.0
    if days > 90:
        return 60.0
    return max(0.0, 100.0 + days * 100.0 / 180.0)


def size_points(employees: int | None) -> float:
    if employees is None:
        return 20.0
    return min(100.0, 25.0 * math.log10(max(employees, 0) + 1))


def priority(score: float, closure: date | None, employees: int | None, today: date) -> float:
    value = WEIGHT_SCORE * score + WEIGHT_TIMING * timing_points(closure, today) + WEIGHT_SIZE * size_points(employees)
    return round(value, 1)


def explain(score: float, closure: date | None, employees: int | None, today: date) -> str:
    if closure is None:
        when = "closure date unknown"
    else:
        days = (closure - today).days
        when = f"closes in {plural(days, 'day')}" if days >= 0 else f"closed {plural(-days, 'day')} ago"
    staff = plural(employees, "employee") if employees is not None else "employees unknown"
    return f"match {score:.0f}, {when}, {staff}"


def _span(days: int) -> str:
    if days < 60:
        return f"{days}d"
    if days < 730:
        return f"{days // 30}mo"
    return f"{days // 365}y"


def explain_short(score: float, closure: date | None, employees: int | None, today: date) -> str:
    """``explain`` for a narrow table, the news first (an ellipsis cuts the match score, which the
    priority already carries): 'closed 8mo ago, 150 staff, match 97'."""
    if closure is None:
        when = "date unknown"
    else:
        days = (closure - today).days
        when = f"closes in {_span(days)}" if days >= 0 else f"closed {_span(-days)} ago"
    staff = f"{employees:,} staff" if employees is not None else "staff unknown"
    return f"{when}, {staff}, match {score:.0f}"
