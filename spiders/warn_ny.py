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
from collections.abc import Iterator
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
from spiders.tabular import UniqueKeys, cell, csv_rows, find_header_row, is_blank, looks_like_html, make_key, raw_row

COLUMNS = {
    "company": [
        r"^business legal name$", r"\b(company|business|employer)\b.*\bname\b", r"^(company|employer|business)$",
    ],
    "notice_date": [r"\bdate of warn notice\b", r"\bdate of notice\b", r"\bnotice date\b"],
    "effective_date": [r"\b(layoff|closure|closing)\b.*\b(date|starts?)\b", r"\b(effective|impact)\b.*\bdate\b"],
    "posted": [r"^date posted$", r"\bposted\b"],
    "index": [r"^index$"],
    "address": [r"\bsite address\b", r"\baddress\b"],
    "notice_type": [r"^layoff or closure$", r"\b(notice|event) type\b", r"\bclosure\b"],
    "employees": [r"\bnumber of affected workers\b", r"\baffected workers\b", r"\b(employees|workers)\b.*\baffected\b"],
}
REQUIRED = ["company", "notice_date", "effective_date", "address", "notice_type", "employees"]

_SITE = re.compile(r"^(?P<site>.*?),\s*(?P<state>[A-Za-z]{2})\s*,?\s*(?P<zip>\d{5}(?:-\d{4})?)$")


class WarnNySpider(NoticeSpider):
    name = "warn_ny"
    agency_url = "https://dol.ny.gov/warn-dashboard"
    source_format = "CSV export of a Tableau Public dashboard"
    region = "New York"
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
        header_at, columns = find_header_row(rows, COLUMNS, REQUIRED, source=self.name)
        headers = rows[header_at]
        posting_columns = {headers[columns[f]] for f in ("posted", "index") if f in columns}
        keys = UniqueKeys()
        kept: dict[str, tuple[ClosureNotice, date | None]] = {}  # insertion order = file order
        data_rows = 0
        for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
            if is_blank(row):
                continue
            data_rows += 1
            raw = raw_row(headers, row)
            try:
                notice = self._parse_row(row, columns, raw, response.url)
            except ValueError as exc:
                self.skip_row(response, f"line {line} ({clean_text(cell(row, columns, 'company'))!r})", str(exc))
                continue
            posted = _optional_date(cell(row, columns, "posted"))
            content = {k: v for k, v in raw.items() if k not in posting_columns}
            notice.source_key, repeat = keys.assign(notice.source_key, content)
            if repeat:
                earlier_posted = kept[notice.source_key][1]
                if earlier_posted is not None and (posted is None or posted < earlier_posted):
                    continue
            kept[notice.source_key] = (notice, posted)
        if not data_rows:
            raise LayoutChanged(f"no data rows under the header {headers}")
        for notice, _posted in kept.values():
            yield notice

    def _parse_row(self, row: list[str], columns: dict[str, int], raw: dict[str, Any], url: str) -> ClosureNotice:
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
