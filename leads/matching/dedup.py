"""Closures, not notices: several sources (or an amended notice) reporting one closure count once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from leads.matching.records import NoticeRecord
from leads.normalize import split_variants

DEFAULT_WITHIN_DAYS = 60


def _same_place(a: NoticeRecord, b: NoticeRecord) -> bool:
    if a.state and b.state and a.state != b.state:
        return False
    if a.zip5 and b.zip5:
        return a.zip5 == b.zip5 or (bool(a.city_norm) and a.city_norm == b.city_norm)
    if a.city_norm and b.city_norm:
        return a.city_norm == b.city_norm
    # One side says nothing about the place: the same name in the same state (or unknown) is the same closure.
    return True


def _close_in_time(a: date | None, b: date | None, days: int) -> bool:
    return a is None or b is None or abs((a - b).days) <= days


def cluster_notices(notices: Sequence[NoticeRecord], within_days: int = DEFAULT_WITHIN_DAYS) -> list[list[object]]:
    """Group notices into closures: same normalized name (any shared variant), same place (same ZIP or city;
    unknown matches anything in the same state), dates within ``within_days`` of another notice of the group
    (single linkage, so an amendment chain stays together; a missing date matches any date).

    Returns lists of notice ids, each ordered by date (undated last) then input order; groups ordered by their
    first notice's position in the input. Singletons are included.
    """
    parent = list(range(len(notices)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_name: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(notices):
        for v in split_variants(n.name_norm):
            by_name[v].append(i)
    for members in by_name.values():
        if len(members) < 2:
            continue
        ordered = sorted(members, key=lambda i: (notices[i].notice_date or date.max, i))
        for x, i in enumerate(ordered):
            for k in ordered[x + 1 :]:
                a, b = notices[i], notices[k]
                if _same_place(a, b) and _close_in_time(a.notice_date, b.notice_date, within_days):
                    ra, rb = find(i), find(k)
                    if ra != rb:
                        parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(notices)):
        groups[find(i)].append(i)
    out = []
    for root in sorted(groups, key=lambda r: min(groups[r])):
        members = sorted(groups[root], key=lambda i: (notices[i].notice_date or date.max, i))
        out.append([notices[i].id for i in members])
    return out


def closure_ids(notices: Iterable[NoticeRecord], within_days: int = DEFAULT_WITHIN_DAYS) -> dict[object, object]:
    """notice id -> id of the first notice of its closure (a stable key to store or group by)."""
    out: dict[object, object] = {}
    for group in cluster_notices(list(notices), within_days):
        for nid in group:
            out[nid] = group[0]
    return out
