"""The values the matcher works on: normalized account and notice records, thresholds, and the links it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from leads import normalize as nz


class AccountRecord(NamedTuple):
    """One account as stored: the ``*_norm`` columns computed once at import, never recomputed here.

    Field order follows :data:`ACCOUNT_COLUMNS`, so a DB row selected in that order converts with
    ``AccountRecord(*row)``.
    """

    id: Any
    name_norm: str
    vendor_norm: str = ""
    address_norm: str = ""
    city_norm: str = ""
    state: str = ""
    zip5: str = ""
    industry: str = ""
    lat: float | None = None  # a CRM's geocode, when the import had one
    lon: float | None = None


class NoticeRecord(NamedTuple):
    """One closure notice, normalized (the notices table has ``name_norm``/``address_norm``; the city is
    normalized when the record is built, see :func:`notice_record`)."""

    id: Any
    name_norm: str
    address_norm: str = ""
    city_norm: str = ""
    state: str = ""
    zip5: str = ""
    notice_type: str = ""
    industry_code: str = ""
    notice_date: date | None = None
    lat: float | None = None  # the registry's point, when the source publishes one
    lon: float | None = None


#: Column names of the accounts table, in :class:`AccountRecord` order.
ACCOUNT_COLUMNS = AccountRecord._fields


def account_record(
    id: Any,
    name: str | None,
    *,
    address: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip: object = None,
    incumbent_vendor: str | None = None,
    industry: str | None = None,
    dba: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> AccountRecord:
    """Normalize raw account fields (what the import does once, before storing the ``*_norm`` columns)."""
    st = nz.normalize_state(state)
    return AccountRecord(
        id=id,
        name_norm=nz.normalize_name(name, dba),
        vendor_norm=nz.normalize_name(incumbent_vendor),
        address_norm=nz.normalize_address(address),
        city_norm=nz.normalize_city(city, st),
        state=st,
        zip5=nz.zip5(zip),
        industry=(industry or "").strip().lower(),
        lat=lat,
        lon=lon,
    )


def notice_record(
    id: Any,
    name: str | None,
    *,
    address: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip: object = None,
    notice_type: str | None = None,
    industry_code: str | None = None,
    notice_date: date | None = None,
    name_norm: str | None = None,
    address_norm: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> NoticeRecord:
    """A notice record from raw fields; pass ``name_norm``/``address_norm`` when the row already stores them."""
    st = nz.normalize_state(state)
    return NoticeRecord(
        id=id,
        name_norm=nz.normalize_name(name) if name_norm is None else name_norm,
        address_norm=nz.normalize_address(address) if address_norm is None else address_norm,
        city_norm=nz.normalize_city(city, st),
        state=st,
        zip5=nz.zip5(zip),
        notice_type=(notice_type or "").strip().lower(),
        industry_code=(industry_code or "").strip(),
        notice_date=notice_date,
        lat=lat,
        lon=lon,
    )


@dataclass(frozen=True)
class Thresholds:
    """Score cut-offs (0-100), the same for every link kind and dataset.

    Chosen once on the benchmark sets (``python bench/match_quality.py --sweep`` reproduces the choice):
    ``accept`` = 78 is the middle of the plateau (74–82) where Fodors–Zagat without phone and Chicago early
    childhood both keep their best F1 (0.972 and 0.952). ``review`` = 65 is where a human check still pays:
    on Chicago the 65–78 band adds 28 links, 12 of them true (on Fodors–Zagat 2, none true).
    """

    accept: float = 78.0
    review: float = 65.0

    def __post_init__(self) -> None:
        if not 0 <= self.review <= self.accept <= 100:
            raise ValueError(f"thresholds must satisfy 0 <= review <= accept <= 100, got {self}")

    def decision(self, score: float) -> str | None:
        if score >= self.accept:
            return "accept"
        if score >= self.review:
            return "review"
        return None


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Link:
    """One notice linked to one account: why (``evidence``), how sure (``score``) and what to do (``decision``)."""

    notice_id: Any
    account_id: Any
    kind: str
    score: float
    decision: str  # "accept" or "review"
    evidence: dict[str, Any] = field(default_factory=dict, compare=False)
