"""Massachusetts WARN notices: EOLWD's fiscal-year WARN reports (XLSX, or CSV), linked from its WARN page.

The WARN page links one report per fiscal year (``…/doc/fy26-warn-report-0/download``; FY26 runs July
2025 to June 2026). A crawl follows the links of the fiscal years that end on or after the start of
its window (``since`` spider argument, default Jan 1 of last year, so 1 January still reaches last
year's report); links that name no fiscal year are all followed. ``parse`` also takes a report itself.
Verified on a re-serialised CSV sample of the agency's records (15 rows, FY22, from another project's
test fixtures), not on an agency file; the report's columns are the agency's.

Field decisions:

- ``source_key`` = employer + received date + city/town as published (normalized,
  ``tabular.key_part``): Back2BU Healthway's Boston and Brookline rows of one day are two notices.
- ``city`` = ``CITY/TOWN`` without a multi-site note (``Boston (Multiple Locations)`` -> Boston,
  ``Brookline  (2) locations`` -> Brookline, ``Dedham/Multiple Southeast locations`` -> Dedham);
  the cell stays in ``raw``, as does ``REGION``. ``state`` MA; no street address, no type column
  (``notice_type`` other; a type column, when present, is classified).
- Dates are free text: ``RECEIVED`` ``07/07/2021 - (08/30/2021)`` and ``DATE(S) OF LAYOFFS``
  ``5/31/22-11/18/22`` or ``6/30/2022; 7/31/2022`` keep their first date; unreadable -> None with a
  WARNING naming the line.
- ``# EMPLOYEES IMPACTED`` is free text too: a leading number is the count (``207 total locations``
  -> 207, ``181 (total) 91 in MA`` -> 181, the total across sites as the agency states it); text
  without a leading number is None with a WARNING.
- Skipped (logged, counted): no employer, or no readable date at all.
- Essential columns: employer, city/town and one date column; counts, layoff dates, region optional.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import (
    LayoutChanged,
    classify_notice_type,
    clean_text,
    first_date,
    parse_int,
    window_start,
)
from spiders.tabular import (
    XLSX_MAGIC,
    UniqueKeys,
    cell,
    csv_rows,
    find_header_row,
    is_blank,
    looks_like_html,
    make_key,
    raw_row,
    xlsx_sheets,
)

COLUMNS = {
    "company": [r"^(employer|company)( name)?$", r"\b(employer|company|business)\b"],
    "notice_date": [r"^received$", r"\b(received|notice)\b.*\bdate\b", r"\bdate\b.*\breceived\b", r"\breceived\b"],
    "effective_date": [
        r"^date s of layoffs?$",
        r"\b(layoffs?|closures?|separations?|effective)\b.*\bdates?\b",
        r"\bdates?\b.*\b(layoffs?|closures?|separations?)\b",
    ],
    "notice_type": [r"^type$", r"\b(notice|layoff|closure) type\b"],
    "employees": [r"\bemployees impacted\b", r"\b(employees|workers|impacted|affected)\b"],
    "city": [r"^city town$", r"\b(city|town)\b"],
}
REQUIRED = ["company", "city"]
DATE_FIELDS = ("notice_date", "effective_date")

_REPORT_HREF = re.compile(r"\.(csv|xlsx)(?:$|[?#])|/doc/[^/]*warn[^/]*report[^/]*/download", re.I)
_FISCAL_YEAR = re.compile(r"\bfy[\s-]?(\d{4}|\d{2})\b", re.I)
_MULTI_SITE = re.compile(r"\s*(\(.*|/\s*multiple\b.*)$", re.I)
_LEADING_COUNT = re.compile(r"^\s*(\d[\d,]*)\b")


class WarnMaSpider(NoticeSpider):
    name = "warn_ma"
    agency_url = (
        "https://www.mass.gov/info-details/"
        "worker-adjustment-and-retraining-notification-act-warn-layoff-and-closure-updates"
    )
    source_format = "HTML page linking a WARN report (XLSX) per fiscal year"
    region = "Massachusetts"
    verified_on = "agency records, re-serialised CSV sample (2026-07-16)"
    start_urls = [agency_url]

    def __init__(self, *args: Any, since: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.window_start = window_start(since)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if looks_like_html(response.body):
            try:
                links = report_links(response, self.window_start)
            except LayoutChanged as exc:
                self.layout_changed(response, str(exc))
                return
            for url in links:
                yield self.request(url, self.parse_table)
            return
        yield from self.parse_table(response)

    def parse_table(self, response: Response) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_table)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        if looks_like_html(response.body):
            links = report_links(response, self.window_start)
            self.logger.info(
                "source %s: %s is the landing page; the reports are %s", self.name, response.url, ", ".join(links)
            )
            return
        yield from list(self._parse_table(response))

    def _parse_table(self, response: Response) -> Iterator[ClosureNotice]:
        if response.body.startswith(XLSX_MAGIC):
            sheets = list(xlsx_sheets(response.body))
            rows: Sequence[Sequence[Any]] = sheets[0][1] if sheets else []
        else:
            rows = csv_rows(response.body)
        header_at, columns = find_header_row(rows, COLUMNS, REQUIRED, source=self.name)
        headers = list(rows[header_at])
        if not any(f in columns for f in DATE_FIELDS):
            raise LayoutChanged(f"{self.name}: layout changed: no date column among headers {headers}")
        keys = UniqueKeys()
        data_rows = 0
        for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
            if is_blank(row):
                continue
            data_rows += 1
            raw = raw_row(headers, row)
            try:
                notice = self._parse_row(row, columns, raw, response.url, line)
            except ValueError as exc:
                self.skip_row(response, f"line {line} ({clean_text(cell(row, columns, 'company'))!r})", str(exc))
                continue
            notice.source_key, repeat = keys.assign(notice.source_key, raw)
            if repeat:
                self.logger.info("source %s: line %s repeats an earlier row; yielded once", self.name, line)
                continue
            yield notice
        if not data_rows:
            raise LayoutChanged(f"no data rows under the header {headers}")

    def _parse_row(
        self, row: Sequence[Any], columns: dict[str, int], raw: dict[str, Any], url: str, line: int
    ) -> ClosureNotice:
        company = clean_text(cell(row, columns, "company"))
        if not company:
            raise ValueError("no company name")
        notice_date = self._date(cell(row, columns, "notice_date"), line, "received date")
        effective_date = self._date(cell(row, columns, "effective_date"), line, "layoff date")
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        town = clean_text(cell(row, columns, "city"))
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date or effective_date, town),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(cell(row, columns, "notice_type")),
            city=_MULTI_SITE.sub("", town) or None,
            state="MA",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self._count(cell(row, columns, "employees"), line),
            raw=raw,
        )

    def _date(self, value: object, line: int, what: str) -> date | None:
        """A date, or the first date of a list or range; None (with a WARNING) when unreadable."""
        try:
            return first_date(value)
        except ValueError:
            self.logger.warning("source %s: line %s: unreadable %s %r stored as None", self.name, line, what, value)
            return None

    def _count(self, value: object, line: int) -> int | None:
        """A count, or the leading number of a free-text cell ('207 total locations'); else None, flagged."""
        try:
            return parse_int(value)
        except ValueError:
            match = _LEADING_COUNT.match(clean_text(value))
            if match:
                return int(match.group(1).replace(",", ""))
            self.logger.warning("source %s: line %s: unreadable count %r stored as None", self.name, line, value)
            return None


def report_links(response: Response, since: date) -> list[str]:
    """The WARN report links of the page, keeping those of fiscal years that end on or after ``since``.

    A Massachusetts fiscal year N ends on June 30 of year N; a link naming no fiscal year is kept.
    """
    links = []
    for anchor in response.css("a[href]"):
        href = anchor.attrib["href"]
        if not _REPORT_HREF.search(href):
            continue
        label = f"{href} {clean_text(' '.join(anchor.css('::text').getall()))}"
        fiscal = _FISCAL_YEAR.search(label)
        if fiscal:
            year = int(fiscal.group(1))
            year = year + 2000 if year < 100 else year
            if date(year, 6, 30) < since:
                continue
        links.append(response.urljoin(href))
    if not links:
        raise LayoutChanged(f"the WARN page links no WARN report of a fiscal year ending after {since}")
    return list(dict.fromkeys(links))
