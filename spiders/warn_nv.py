"""Nevada WARN notices: DETR's "WARN and Non-WARN" master list, read as a table of its records (CSV or XLSX).

DETR publishes the list on ``detr.nv.gov/Page/WARN``, today as a PDF (``WARN_and_NonWARN_Master_w_Logo_YYYY.pdf``).
This parser reads the records as a table (CSV, or an XLSX workbook): it was verified on a re-serialised
CSV sample of the agency's records (15 rows, from another project's test fixtures), not on an agency
file. Given the landing page, ``parse`` follows its ``.csv``/``.xlsx`` links; a page that links only
PDFs is a loud layout error naming them (their tables are not read yet), never silence.

Field decisions:

- ``source_key`` = employer + received date + city + county (normalized, ``tabular.key_part``); rows
  that share all four but differ elsewhere get ``|2``; an identical repeated row is yielded once.
- ``notice_type`` from ``Type`` (``Layoff``/``Closure``). ``Notification`` (``WARN`` vs ``Non-WARN``,
  a notice filed below the WARN threshold) stays in ``raw``: both are real layoffs.
- ``city``: ``Remote`` (a remote workforce, no site) -> None; a multi-site cell (``Las Vegas/Reno``) is
  kept as published. ``County`` stays in ``raw``. ``state`` is NV. No street address.
- Dates: ``Received Date`` -> ``notice_date``, ``Effective Date`` -> ``effective_date``, tolerant (a
  list or range keeps its first date; unreadable -> None with a WARNING naming the line). A received
  date a year before its effective date (SMBC Manubank 1/8/2025 -> 3/10/2026) is kept as published.
- ``Affected Total`` ``unknown`` -> None with a WARNING.
- Skipped (logged, counted): no employer, or no date at all (the Intuit row has neither date).
- Essential columns: employer, City (or County) and one date column; Type and counts are optional.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, classify_notice_type, clean_text, parse_date, parse_int
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
    "notice_date": [r"^received date$", r"\b(received|notice|notification)\b.*\bdate\b", r"\bdate received\b"],
    "effective_date": [r"^effective date$", r"\b(effective|layoff|closure|separation)\b.*\bdate\b"],
    "notice_type": [r"^type$", r"\b(notice|layoff|closure) type\b"],
    "employees": [r"\baffected\b", r"\b(employees|workers)\b"],
    "city": [r"^city$", r"\bcity\b"],
    "county": [r"^county$", r"\bcounty\b"],
}
REQUIRED = ["company"]
DATE_FIELDS = ("notice_date", "effective_date")

_TABLE_HREF = re.compile(r"\.(csv|xlsx)(?:$|[?#])", re.I)
_PDF_HREF = re.compile(r"\.pdf(?:$|[?#])", re.I)
_REMOTE = re.compile(r"^remote$", re.I)


class WarnNvSpider(NoticeSpider):
    name = "warn_nv"
    agency_url = "https://detr.nv.gov/Page/WARN"
    source_format = "table of the master list (CSV/XLSX); the agency's PDF is not read yet"
    region = "Nevada"
    verified_on = "agency records, re-serialised CSV sample (2026-07-16)"
    start_urls = [agency_url]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if looks_like_html(response.body):
            try:
                links = table_links(response)
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
            links = table_links(response)
            self.logger.info(
                "source %s: %s is the landing page; the list is %s", self.name, response.url, ", ".join(links)
            )
            return
        yield from list(self._parse_table(response))

    def _parse_table(self, response: Response) -> Iterator[ClosureNotice]:
        if response.body.startswith(b"%PDF"):
            raise LayoutChanged("got the agency's PDF: its table is not read yet (this parser reads CSV/XLSX)")
        if response.body.startswith(XLSX_MAGIC):
            sheets = list(xlsx_sheets(response.body))
            rows: Sequence[Sequence[Any]] = sheets[0][1] if sheets else []
        else:
            rows = csv_rows(response.body)
        header_at, columns = find_header_row(rows, COLUMNS, REQUIRED, source=self.name)
        headers = list(rows[header_at])
        if not any(f in columns for f in DATE_FIELDS):
            raise LayoutChanged(f"{self.name}: layout changed: no date column among headers {headers}")
        if "city" not in columns and "county" not in columns:
            raise LayoutChanged(f"{self.name}: layout changed: no column for city or county among headers {headers}")
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
        effective_date = self._date(cell(row, columns, "effective_date"), line, "effective date")
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        city = clean_text(cell(row, columns, "city"))
        county = clean_text(cell(row, columns, "county"))
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date or effective_date, city, county),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(cell(row, columns, "notice_type")),
            city=None if _REMOTE.match(city) else (city or None),
            state="NV",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self._count(cell(row, columns, "employees"), line),
            raw=raw,
        )

    def _date(self, value: object, line: int, what: str) -> date | None:
        """A date, or the first date of a list or range; None (with a WARNING) when unreadable."""
        try:
            return _first_date(value)
        except ValueError:
            self.logger.warning("source %s: line %s: unreadable %s %r stored as None", self.name, line, what, value)
            return None

    def _count(self, value: object, line: int) -> int | None:
        try:
            return parse_int(value)
        except ValueError:
            self.logger.warning("source %s: line %s: unreadable count %r stored as None", self.name, line, value)
            return None


def table_links(response: Response) -> list[str]:
    """The .csv/.xlsx links of the landing page; a page linking only PDFs says so."""
    hrefs = response.css("a::attr(href)").getall()
    links = list(dict.fromkeys(response.urljoin(h) for h in hrefs if _TABLE_HREF.search(h)))
    if not links:
        pdfs = [response.urljoin(h) for h in hrefs if _PDF_HREF.search(h)]
        if pdfs:
            raise LayoutChanged(f"the landing page links only PDF lists, not read yet: {', '.join(pdfs[:3])}")
        raise LayoutChanged("the landing page links no WARN list")
    return links


_SLASH_DATE = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?!\d)")


def _first_date(value: object) -> date | None:
    """The first M/D/YYYY or M/D/YY date of a text, as ``parse_date`` reads it, without its format loop.

    ``parse_date`` tries a dozen whole-text formats before the first date-like token, and a failed
    ``strptime`` costs as much as parsing a row: free-text cells ('2/3/2025 Rec'd 2/10/2025') made
    it most of the parse time. Anything else (ISO dates, month names, typos) goes to ``parse_date``.
    """
    if isinstance(value, str):
        match = _SLASH_DATE.search(value)
        if match:
            month, day, year = (int(g) for g in match.groups())
            if len(match.group(3)) == 2:
                year += 1900 if year >= 69 else 2000  # strptime's %y pivot
            try:
                return date(year, month, day)
            except ValueError:
                raise ValueError(f"unreadable date {clean_text(value)!r}") from None
    return parse_date(value)
