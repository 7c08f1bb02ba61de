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
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.parsing import LayoutChanged, classify_notice_type, clean_text, parse_int, window_start
from spiders.report_files import ReportFileSpider
from spiders.tabular import looks_like_html, make_key

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


class WarnMaSpider(ReportFileSpider):
    name = "warn_ma"
    agency_url = (
        "https://www.mass.gov/info-details/"
        "worker-adjustment-and-retraining-notification-act-warn-layoff-and-closure-updates"
    )
    source_format = "HTML page linking a WARN report (XLSX) per fiscal year"
    region = "Massachusetts"
    verified_on = "agency records, re-serialised CSV sample (2026-07-16)"
    start_urls = [agency_url]
    columns = COLUMNS
    required = REQUIRED
    date_fields = DATE_FIELDS

    def __init__(self, *args: Any, since: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.window_start = window_start(since)

    def report_links(self, response: Response) -> list[str]:
        return report_links(response, self.window_start)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        if looks_like_html(response.body):
            links = self.report_links(response)
            self.logger.info(
                "source %s: %s is the landing page; the reports are %s", self.name, response.url, ", ".join(links)
            )
            return
        yield from super().parse_file(response)

    def parse_row(self, fields: Mapping[str, Any], raw: dict[str, Any], url: str, where: str) -> ClosureNotice:
        company = clean_text(fields.get("company"))
        if not company:
            raise ValueError("no company name")
        notice_date = self.date_cell(fields.get("notice_date"), where, "received date")
        effective_date = self.date_cell(fields.get("effective_date"), where, "layoff date")
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        town = clean_text(fields.get("city"))
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date or effective_date, town),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(fields.get("notice_type")),
            city=_MULTI_SITE.sub("", town) or None,
            state="MA",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self.count_cell(fields.get("employees"), where),
            raw=raw,
        )

    def count_cell(self, value: object, where: str) -> int | None:
        """A count, or the leading number of a free-text cell ('207 total locations'); else None, flagged."""
        try:
            return parse_int(value)
        except ValueError:
            match = _LEADING_COUNT.match(clean_text(value))
            if match:
                return int(match.group(1).replace(",", ""))
            self.logger.warning("source %s: %s: unreadable count %r stored as None", self.name, where, value)
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
