"""Virginia WARN notices: the agency's CSV export, one row per notice.

Columns are found by meaning (snapshots of this export rename and reorder them); the text is
decoded whatever the encoding, HTML entities (``&amp;``) and literal ``<br>`` are cleaned.

Field decisions:

- ``source_key`` = company + notice date + location (normalized, see ``tabular.key_part``): the
  export has no record id, and these three do not change when the agency amends a count or an
  impact date. Rows sharing all three but differing elsewhere are distinct notices (two Martin's
  stores in Richmond filed the same day with 99 and 138 workers): the second in file order gets
  ``|2``. A row identical to an earlier one is a repeat and is yielded once.
- ``notice_type`` from ``Notice Type``, a multi-valued field flattened without a separator
  (``ClosureLayoff``): a closure wins (``classify_notice_type``); blank -> ``other``.
- ``city``/``state`` from ``Location`` ("Ringgold VA", "Fairfax & Woodbridge VA", "Sandston, VA VA"):
  the trailing state (repeated or not) and a ZIP are taken off; a multi-site location stays one
  city text as published; "Virginia VA" has no city. No recognizable state -> VA (this is Virginia's
  list). No street address.
- ``effective_date`` from ``Impact Date``. An impact date more than a year BEFORE the notice date
  (10/01/1973 on a 2020 notice, 1999 and 2001 on 2011-2012 notices) is a data-entry error: it is
  stored as None (unknown) rather than as a date known to be false, because a rep reads this field as
  "when the site closes"; the published text stays in ``raw``. An unreadable impact date is None too.
- Skipped (logged, counted): no company name, unreadable notice date, unreadable employee count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
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
)
from spiders.tabular import cell, csv_rows, looks_like_html, make_key, read_header, table_notices

#: The agency's own header names; any other name comes from the shared vocabulary (leads/vocabulary.py).
COLUMNS = {
    "company": [r"^company$"],
    "notice_date": [r"^notice date$"],
    "effective_date": [r"^impact date$"],
    "employees": [r"^employees affected$"],
    "location": [r"^location$", r"\b(locality|city)\b"],
    "notice_type": [r"^notice type$"],
}
#: What identifies a notice here (all three are in its source_key); the rest is optional.
ESSENTIAL = ["company", "notice_date", "location"]

#: An impact date this long before the notice date is a typo, not a retroactive layoff
#: (the real retroactive ones, COVID-19 spring 2020 notices filed in the autumn, are ~6 months).
IMPLAUSIBLE_LEAD = timedelta(days=366)


class WarnVaSpider(NoticeSpider):
    name = "warn_va"
    agency_url = "https://www.virginiaworks.gov/warn-notices/"
    source_format = "CSV download"
    region = "Virginia"
    verified_on = "agency CSV 2025-12-24 (values as exported, re-quoted by warn-scraper)"
    demo_urls = ()
    demo_files = {
        "warn_notices.csv": "warn_va/va.csv",
    }
    start_urls = ["https://www.virginiaworks.gov/warn_notices.csv"]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_csv)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        yield from list(self._parse_csv(response))

    def _parse_csv(self, response: Response) -> Iterator[ClosureNotice]:
        if looks_like_html(response.body):
            # Since Dec 2024 the site hands a JavaScript cookie challenge to non-browsers.
            raise LayoutChanged("got an HTML page instead of the CSV (browser check or error page?)")
        rows = csv_rows(response.body)
        header_at, columns, warnings = read_header(rows, COLUMNS, ESSENTIAL, source=self.name)
        for warning in warnings:
            self.column_warning(response, warning)
        yield from table_notices(
            self,
            response,
            rows,
            header_at,
            columns,
            lambda row, cols, raw, line: self._parse_row(row, cols, raw, response.url, line),
            ref=lambda line: f"line {line}",
            start=header_at + 2,
        )

    def _parse_row(
        self, row: Sequence[Any], columns: Mapping[str, int], raw: dict[str, Any], url: str, line: int
    ) -> ClosureNotice:
        company = clean_text(cell(row, columns, "company"))
        if not company:
            raise ValueError("no company name")
        notice_date = parse_date_strict(cell(row, columns, "notice_date"))
        if notice_date is None:
            raise ValueError("no notice date")
        employees = parse_int(cell(row, columns, "employees"))  # no column: None
        location = cell(row, columns, "location")
        city, state, zip_code = _split_location(location)
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date, location),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(cell(row, columns, "notice_type")),
            city=city,
            state=state or "VA",
            zip5=zip_code,
            notice_date=notice_date,
            effective_date=self._effective_date(cell(row, columns, "effective_date"), notice_date, line),
            employees=employees,
            raw=raw,
        )

    def _effective_date(self, value: object, notice_date: date, line: int) -> date | None:
        try:
            effective = parse_date(value)
        except ValueError:
            self.logger.info("source %s: line %s: unreadable impact date %r stored as None", self.name, line, value)
            return None
        if effective is not None and effective < notice_date - IMPLAUSIBLE_LEAD:
            self.logger.info(
                "source %s: line %s: impact date %s is years before the notice date %s; stored as None",
                self.name,
                line,
                effective,
                notice_date,
            )
            return None
        return effective


def _split_location(value: object) -> tuple[str | None, str | None, str | None]:
    """'Ringgold VA' -> ('Ringgold', 'VA', None); 'Williamsburg & Virginia Beach, VA 23462 VA' -> (…, 'VA', '23462').

    The shared split_city_state_zip reads a two-letter state only after a one-word city
    ('Virginia Beach VA' keeps the state in the city), hence this local version.
    """
    text = clean_text(value)
    state = zip_code = None
    while True:
        m = re.search(r"(?:^|[\s,]+)(\d{5})(?:-\d{4})?$", text)
        if m:
            zip_code = zip_code or m.group(1)
            text = text[: m.start()]
            continue
        m = re.search(r"(?:^|[\s,]+)([A-Za-z]{2})$", text)
        if m and state_code(m.group(1)):
            state = state or state_code(m.group(1))
            text = text[: m.start()]
            continue
        break
    city = text.strip(" ,")
    if state and state_code(city) == state:  # "Virginia VA": the state named twice, no city
        city = ""
    return (city or None), state, zip_code
