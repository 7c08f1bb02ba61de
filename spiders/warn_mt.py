"""Montana WARN notices: the DLI landing page links one XLSX workbook, renamed at each update.

The landing page (``wsd.dli.mt.gov/wioa/related-links/warn-notice-page``) links the workbook as
``../../_docs/wioa/warn-9-1-21.xlsx``: the file name carries the update date. ``parse`` finds the
``.xlsx`` links by meaning and follows the newest (by the date in its name; the first link when no
name carries a date). Given a workbook directly (``--url …xlsx``) ``parse`` reads it.

Field decisions (columns: Year, Date of Notice, Name of Company, County, Industry, Date of Impact,
Number of Employees Affected):

- Essential: company, County (the only place the file gives), and at least one of the two date
  columns. Optional: Date of Impact, employees, Industry, Year. A missing optional column lands every
  row with that field None and logs one WARNING naming it.
- ``source_key`` = company + notice date + county (``tabular.make_key``: "CHS, Inc." = "CHS Inc.");
  an identical repeated row is yielded once, a same-key row that differs elsewhere gets ``|2``. A key longer than 240
  characters (a dozen subsidiaries in one name) is cut and ends in a digest of the whole.
- ``state`` is MT; the county stays in ``raw`` (the item has no county field); ``city`` and
  ``address`` are None: the file publishes neither.
- ``notice_type`` is ``other`` and ``temporary`` None: the workbook has no type column (the
  Industry column is a sector word such as "Mining", not a NAICS code: kept in ``raw`` only).
- ``Year`` is filled only on the first row of each year's group: ignored (the dates are whole).
- Dates are Excel dates; a text date is read tolerantly: the first whole date of the text (``"3/1620 to 4/30/20"``,
  a typo for 3/16/20, gives 2020-04-30, the only whole date in it; ``raw`` keeps the text). An unreadable date or count ("MT # unknown") leaves the field None, keeps the
  text in ``raw`` and logs a WARNING (stat ``leads/values_unreadable``).
- Skipped (logged, counted): a row with no company, or with no readable date at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from functools import partial
from typing import Any

import scrapy
from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, clean_text, parse_int
from spiders.tabular import (
    XLSX_MAGIC,
    bounded_key,
    cell,
    excel_date,
    workbook_notices,
)

COLUMNS = {
    "company": [r"^name of company$", r"\b(company|employer|business)\b"],
    "county": [r"^county$", r"\bcounty\b"],
    "notice_date": [r"^date of notice$", r"\bnotice\b.*\bdate\b|\bdate\b.*\bnotice\b"],
    "effective_date": [
        r"^date of impact$",
        r"\b(impact|layoff|closing|closure|effective)\b.*\bdate\b|\bdate\b.*\bimpact\b",
    ],
    "employees": [r"\bemployees\b", r"\b(affected|workers|jobs)\b"],
    "industry": [r"^industry$", r"\bindustry\b"],
}
REQUIRED = ["company", "county"]
DATES = ["notice_date", "effective_date"]
OPTIONAL = ["effective_date", "employees", "industry"]

_XLSX_HREF = re.compile(r"\.xlsx?(?:$|[?#])", re.I)
_NAME_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{2,4})(?=\.xlsx?)", re.I)


class WarnMtSpider(NoticeSpider):
    name = "warn_mt"
    agency_url = "https://wsd.dli.mt.gov/wioa/related-links/warn-notice-page"
    source_format = "HTML page linking to an XLSX workbook"
    region = "Montana"
    verified_on = "rebuilt from a row dump (2022-02-05)"
    start_urls = [agency_url]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if response.body.startswith(XLSX_MAGIC):
            yield from self.parse_workbook(response)
            return
        try:
            url = newest_workbook_link(response)
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))
            return
        yield self.request(url, self.parse_workbook)

    def parse_workbook(self, response: Response) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_workbook)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        """A saved workbook gives its notices; the saved landing page names the workbook and gives none."""
        if response.body.startswith(XLSX_MAGIC):
            yield from list(self._parse_workbook(response))
            return
        url = newest_workbook_link(response)
        self.logger.info("source %s: %s is the landing page; the workbook is %s", self.name, response.url, url)

    def _parse_workbook(self, response: Response) -> Iterator[ClosureNotice]:
        yield from workbook_notices(
            self, response, COLUMNS, REQUIRED, DATES, OPTIONAL, partial(self._parse_row, response)
        )

    def _parse_row(
        self, response: Response, where: str, row: Sequence[Any], columns: Mapping[str, int], raw: dict[str, Any]
    ) -> ClosureNotice:
        company = clean_text(cell(row, columns, "company"))
        if not company:
            raise ValueError("no company name")
        notice_date = self.optional_value(response, where, "notice date", cell(row, columns, "notice_date"), excel_date)
        effective_date = self.optional_value(
            response, where, "impact date", cell(row, columns, "effective_date"), excel_date
        )
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        county = clean_text(cell(row, columns, "county")) or None
        return ClosureNotice(
            source=self.name,
            source_key=bounded_key(company, notice_date or effective_date, county),
            company_name=company,
            source_url=response.url,
            notice_type="other",
            state="MT",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self.optional_value(
                response, where, "employee count", cell(row, columns, "employees"), parse_int
            ),
            raw=raw,
        )


def newest_workbook_link(response: Response) -> str:
    """The workbook link of the landing page whose file name carries the latest date (else the first)."""
    if not isinstance(response, scrapy.http.TextResponse):
        raise LayoutChanged("expected the landing page (HTML) or an XLSX workbook, got another binary file")
    links: list[str] = []
    for a in response.css("a[href]"):
        href = (a.attrib.get("href") or "").strip()
        if _XLSX_HREF.search(href):
            url = response.urljoin(href)
            if url not in links:
                links.append(url)
    if not links:
        raise LayoutChanged("no link to the WARN Excel workbook on the landing page")

    def dated(url: str) -> date:
        match = _NAME_DATE.search(url)
        if not match:
            return date.min
        month, day, year = (int(g) for g in match.groups())
        try:
            return date(year + 2000 if year < 100 else year, month, day)
        except ValueError:
            return date.min

    return max(links, key=lambda url: (dated(url), -links.index(url)))
