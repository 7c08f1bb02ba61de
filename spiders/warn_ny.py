"""New York WARN notices: the CSV export of the NY DOL Tableau Public dashboard.

Tableau writes each notice once per posting (the original and each amendment, differing only in
``Date Posted`` and Tableau's row ``Index``), and pivots the worker count into two identical
columns ("Number of Affected Workers " and "Number of Affected Workers"). Bytes are decoded
whatever the encoding (UTF-8, UTF-8 with BOM, Windows-1252, UTF-16 tab-separated).

Field decisions:

- ``source_key`` = company + notice date + impacted site address (normalized, ``tabular.key_part``):
  Tableau's ``Index`` changes from export to export, and a company files separate notices for
  separate sites on the same day (Catholic Charities, DocGo), so the site belongs in the key.
- Re-postings of one notice are one notice: the row with the latest ``Date Posted`` is kept (its
  ``raw``). Rows with the same key that differ in anything but ``Date Posted``/``Index`` are distinct
  notices and get ``|2``.
- ``Impacted Site Address`` is "street [suite] city, NY, zip". When the suite part is empty Tableau
  leaves two spaces before the city, which splits street from city exactly; otherwise the city is the
  tail of the text that matches a USPS name of the ZIP code (``zipcodes``), else None (street keeps the
  whole text).
- ``notice_type`` from ``Layoff or Closure?``; ``effective_date`` from ``Date Layoff/Closure Starts``
  (unreadable -> None). No industry code in this export.
- Skipped (logged, counted): no company name, unreadable notice date, unreadable worker count.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import (
    LayoutChanged,
    classify_notice_type,
    clean_text,
    parse_date,
    parse_date_strict,
    parse_int,
    state_code,
    zip5,
)
from spiders.tabular import cell, csv_rows, looks_like_html, make_key, read_header, table_notices

#: The agency's own header names; any other name comes from the shared vocabulary (leads/vocabulary.py).
COLUMNS = {
    "company": [r"^business legal name$"],
    "notice_date": [r"^date of warn notice$"],
    "effective_date": [r"^date layoff closure starts$"],
    "posted": [r"^date posted$", r"\bposted\b"],
    "index": [r"^index$"],
    "address": [r"^impacted site address$", r"\bsite address\b"],
    "notice_type": [r"^layoff or closure$"],
    "employees": [r"^number of affected workers$"],
}
#: What identifies a notice here (its source_key: company, notice date, site); the rest is optional.
ESSENTIAL = ["company", "notice_date", "address"]
#: Tableau's bookkeeping, not the notice: no warning when it goes.
NEVER_PUBLISHED = {"posted", "index"}

_SITE = re.compile(r"^(?P<site>.*?),\s*(?P<state>[A-Za-z]{2})\s*,?\s*(?P<zip>\d{5}(?:-\d{4})?)$")


class WarnNySpider(NoticeSpider):
    name = "warn_ny"
    agency_url = "https://dol.ny.gov/warn-dashboard"
    source_format = "CSV export of a Tableau Public dashboard"
    region = "New York"
    verified_on = "agency CSV 2025-05-26 (values as exported, re-quoted by warn-scraper)"
    demo_urls = ()
    demo_files = {
        "WARN.csv?:showVizHome=no": "warn_ny/ny.csv",
    }
    start_urls = [
        "https://public.tableau.com/views/WorkerAdjustmentRetrainingNotificationWARN/WARN.csv?:showVizHome=no",
    ]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_csv)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        yield from list(self._parse_csv(response))

    def _parse_csv(self, response: Response) -> Iterator[ClosureNotice]:
        if looks_like_html(response.body):
            raise LayoutChanged("got an HTML page instead of the CSV (Tableau error or login page?)")
        rows = csv_rows(response.body)
        header_at, columns, warnings = read_header(
            rows, COLUMNS, ESSENTIAL, source=self.name, never_published=NEVER_PUBLISHED
        )
        for warning in warnings:
            self.column_warning(response, warning)
        headers = rows[header_at]
        posting_columns = {headers[columns[f]] for f in ("posted", "index") if f in columns}
        posted_header = headers[columns["posted"]] if "posted" in columns else None

        def posted(notice: ClosureNotice) -> date | None:
            return _optional_date(notice.raw.get(posted_header)) if posted_header else None

        def later_posting(earlier: ClosureNotice, later: ClosureNotice) -> bool:
            # Re-postings of one notice are one notice: the latest Date Posted wins.
            before, after = posted(earlier), posted(later)
            return before is None or (after is not None and after >= before)

        yield from table_notices(
            self,
            response,
            rows,
            header_at,
            columns,
            lambda row, cols, raw, _line: self._parse_row(row, cols, raw, response.url),
            ref=lambda line: f"line {line}",
            start=header_at + 2,
            content=lambda raw: {k: v for k, v in raw.items() if k not in posting_columns},
            replaces=later_posting,
        )

    def _parse_row(
        self, row: Sequence[Any], columns: Mapping[str, int], raw: dict[str, Any], url: str
    ) -> ClosureNotice:
        company = clean_text(cell(row, columns, "company"))
        if not company:
            raise ValueError("no company name")
        notice_date = parse_date_strict(cell(row, columns, "notice_date"))
        if notice_date is None:
            raise ValueError("no notice date")
        site = cell(row, columns, "address")
        address, city, state, zip_code = split_site_address(site)
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date, site),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(cell(row, columns, "notice_type")),
            address=address,
            city=city,
            state=state or "NY",
            zip5=zip_code,
            notice_date=notice_date,
            effective_date=_optional_date(cell(row, columns, "effective_date")),
            employees=parse_int(cell(row, columns, "employees")),
            raw=raw,
        )


def _optional_date(value: object) -> date | None:
    try:
        return parse_date(value)
    except ValueError:
        return None


def split_site_address(value: object) -> tuple[str | None, str | None, str | None, str | None]:
    """'60 W 57th St  New York, NY, 10019' -> ('60 W 57th St', 'New York', 'NY', '10019')."""
    # not clean_text: the double space before the city is the one reliable separator
    text = html.unescape(str(value or "")).replace("\xa0", " ").strip()
    match = _SITE.match(text)
    if not match:
        return clean_text(text) or None, None, None, None
    site, state, zip_code = match.group("site"), state_code(match.group("state")), zip5(match.group("zip"))
    if "  " in site:
        street, city = site.rsplit("  ", 1)
        return clean_text(street) or None, clean_text(city) or None, state, zip_code
    site = clean_text(site)
    for name in _zip_city_names(zip_code):
        if site.lower().endswith(" " + name.lower()):
            return site[: -len(name)].strip(" ,") or None, site[-len(name) :], state, zip_code
    return site or None, None, state, zip_code


@lru_cache(maxsize=4096)
def _zip_city_names(zip_code: str | None) -> tuple[str, ...]:
    """USPS city names of a ZIP code, longest first ('Long Island City' before 'Astoria')."""
    if not zip_code:
        return ()
    try:
        import zipcodes
    except ImportError:  # optional: without it a city after a suite line stays unknown
        return ()
    names = set()
    for entry in zipcodes.matching(zip_code):
        names.add(entry["city"])
        names.update(entry.get("acceptable_cities") or ())
    return tuple(sorted(names, key=len, reverse=True))
