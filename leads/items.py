"""The one contract between spiders and pipelines: a normalized closure notice."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

#: registry_closed: a city registry ended a business licence or location (issue 12). registry_end was
#: San Francisco's type before; rows stored with it become registry_closed on their next crawl.
#: bankruptcy_ch7: a chapter 7 (liquidation) case, a closure; bankruptcy_ch11: a chapter 11 reorganization, the
#: business goes on but its suppliers and customers are at risk (spiders/bankruptcy_us.py).
NOTICE_TYPES = (
    "closure",
    "layoff",
    "bankruptcy",
    "bankruptcy_ch7",
    "bankruptcy_ch11",
    "registry_closed",
    "registry_end",
    "other",
)


@dataclass
class ClosureNotice:
    """One notice as one source published it.

    ``source_key`` identifies the notice within its source and must stay the same when the
    agency amends the notice, so that a re-crawl updates the row instead of adding one.
    ``raw`` keeps the published row (header -> text) so nothing the agency said is lost.
    """

    source: str
    source_key: str
    company_name: str
    source_url: str
    notice_type: str = "other"
    address: str | None = None
    city: str | None = None
    state: str | None = None
    zip5: str | None = None
    notice_date: date | None = None
    effective_date: date | None = None
    employees: int | None = None
    industry_code: str | None = None
    #: True for a temporary layoff or closure, False for a permanent one, None when the notice does not say.
    temporary: bool | None = None
    #: True when the agency marks this notice as an amendment or update of an earlier one.
    amended: bool = False
    #: WGS84 coordinates of the site when the source publishes them (registries do).
    lat: float | None = None
    lon: float | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.notice_type not in NOTICE_TYPES:
            raise ValueError(f"notice_type {self.notice_type!r} is not one of {NOTICE_TYPES}")

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
