"""South Dakota WARN notices: the DLR "WARN notices" page, one static HTML table of every notice since 2007.

One GET, no paging, no year pages. The table is found by meaning (the first table whose header row
has a company, a location and a date column; its header cells are ``<td><strong>``, not ``<th>``).
Cell text is read from every text node of the cell (the dates sit in ``<div align="center">``, one
of them left unclosed), entities decoded (``&#8211;``, ``&amp;``), runs of spaces collapsed.

Field decisions:

- ``source_key`` = company + date received + location (normalized, ``tabular.key_part``):
  Verifications filed for Aberdeen and Mitchell on one day, Terex Load King three times for Elk
  Point on three dates; all are distinct notices.
- ``company_name`` joins a continuation line of the cell (``Minnesota Rubber & Plastic`` +
  ``(Quadion LLC)``) with one space; typos (``Littlelfuse``) are kept as published. The notice PDF
  the name links (relative or absolute) is kept, resolved, in ``raw`` as ``Company link``.
- ``Location``: an out-of-state site carries its state (``Apollo Beach, FL`` -> Apollo Beach, FL);
  ``South Dakota`` alone is no city; several towns (``Brookings, Sioux Falls``, ``Sioux Falls
  /Garretson``) stay one city text as published. ``state`` SD otherwise. No street address.
- ``notice_type`` other (the page has no closure/layoff column; one, if added, is classified).
- ``Date Received`` read tolerantly (``01/5/2012``; first date of a list); unreadable -> None with a
  WARNING, and a row with no readable date or no company is skipped (logged, counted).
- ``Employees Affected``: a range (``1-5``) is stored as its upper bound (at most that many);
  other unreadable text is None with a WARNING.
- Essential columns: company, location, date received; the count is optional.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from parsel import Selector
from scrapy.http import Response, TextResponse

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import (
    LayoutChanged,
    classify_notice_type,
    clean_text,
    first_date,
    parse_int,
    state_code,
)
from spiders.tabular import UniqueKeys, cell, find_header_row, is_blank, make_key, raw_row

COLUMNS = {
    "company": [r"^company$", r"\b(company|employer|business)\b"],
    "location": [r"^location$", r"\b(location|city|town)\b"],
    "notice_date": [r"^date received$", r"\b(received|notice)\b.*\bdate\b", r"\bdate\b"],
    "employees": [r"\bemployees affected\b", r"\b(employees|workers|affected|jobs)\b"],
    "notice_type": [r"^type$", r"\b(notice|layoff|closure) type\b", r"\bclosure or layoff\b"],
}
REQUIRED = ["company", "location", "notice_date"]

_TRAILING_STATE = re.compile(r"^(.*\S)\s*,\s*([A-Za-z]{2})$")
_RANGE = re.compile(r"^(\d+)\s*[-–]\s*(\d+)$")


class WarnSdSpider(NoticeSpider):
    name = "warn_sd"
    agency_url = "https://dlr.sd.gov/workforce_services/businesses/warn_notices.aspx"
    source_format = "HTML table (one page)"
    region = "South Dakota"
    verified_on = "agency file 2023-05-26"
    demo_urls = ()
    demo_files = {"/businesses/warn_notices.aspx": "warn_sd/source.html"}
    start_urls = [agency_url]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_page)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        yield from list(self._parse_page(response))

    def _parse_page(self, response: Response) -> Iterator[ClosureNotice]:
        if not isinstance(response, TextResponse):
            raise LayoutChanged("expected the HTML notices page, got a binary file")
        table, rows, header_at, columns = self._find_table(response)
        headers = rows[header_at]
        keys = UniqueKeys()
        data_rows = 0
        trs, _ = _table_rows(table)
        for number, (tr, row) in enumerate(zip(trs[header_at + 1 :], rows[header_at + 1 :], strict=True), start=1):
            if is_blank(row):
                continue
            data_rows += 1
            raw = raw_row(headers, row)
            link = _first_link(tr)
            if link:
                raw["Company link"] = response.urljoin(link.strip())
            try:
                notice = self._parse_row(row, columns, raw, response.url, number)
            except ValueError as exc:
                self.skip_row(response, f"table row {number} ({cell(row, columns, 'company')!r})", str(exc))
                continue
            notice.source_key, repeat = keys.assign(notice.source_key, raw)
            if repeat:
                self.logger.info("source %s: table row %s repeats an earlier row; yielded once", self.name, number)
                continue
            yield notice
        if not data_rows:
            raise LayoutChanged(f"the notices table has a header {headers} but no rows")

    def _find_table(self, response: Response) -> tuple[Selector, list[list[str]], int, dict[str, int]]:
        error: LayoutChanged | None = None
        for table in response.css("table"):
            _, rows = _table_rows(table)
            try:
                return (table, rows, *find_header_row(rows, COLUMNS, REQUIRED, source=self.name))
            except LayoutChanged as exc:
                error = error or exc
        raise error or LayoutChanged("no table in the page")

    def _parse_row(
        self, row: list[str], columns: dict[str, int], raw: dict[str, Any], url: str, number: int
    ) -> ClosureNotice:
        company = clean_text(cell(row, columns, "company"))
        if not company:
            raise ValueError("no company name")
        notice_date = self._date(cell(row, columns, "notice_date"), number)
        if notice_date is None:
            raise ValueError("no readable date")
        location = clean_text(cell(row, columns, "location"))
        city, state = _city_state(location)
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date, location),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(cell(row, columns, "notice_type")),
            city=city,
            state=state,
            notice_date=notice_date,
            employees=self._count(cell(row, columns, "employees"), number),
            raw=raw,
        )

    def _date(self, value: object, number: int) -> date | None:
        try:
            return first_date(value)
        except ValueError:
            self.logger.warning("source %s: table row %s: unreadable date %r", self.name, number, value)
            return None

    def _count(self, value: object, number: int) -> int | None:
        text = clean_text(value)
        match = _RANGE.match(text)
        if match:
            return int(match.group(2))
        try:
            return parse_int(text)
        except ValueError:
            self.logger.warning("source %s: table row %s: unreadable count %r stored as None", self.name, number, value)
            return None


def _city_state(location: str) -> tuple[str | None, str]:
    """'Apollo Beach, FL' -> ('Apollo Beach', 'FL'); 'South Dakota' -> (None, 'SD'); 'Huron' -> ('Huron', 'SD')."""
    match = _TRAILING_STATE.match(location)
    if match and state_code(match.group(2)):
        return match.group(1), state_code(match.group(2)) or "SD"
    if state_code(location) == "SD":
        return None, "SD"
    return (location or None), "SD"


def _table_rows(table: Selector) -> tuple[list[Any], list[list[str]]]:
    """(the table's own ``<tr>`` elements, their cell texts), read with lxml directly.

    A parsel selector per cell costs some 20 times more than walking the lxml tree.
    """
    trs = []
    for child in table.root:
        if child.tag == "tr":
            trs.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            trs.extend(tr for tr in child if tr.tag == "tr")
    rows = [[clean_text(" ".join(c.itertext())) for c in tr if c.tag in ("td", "th")] for tr in trs]
    return trs, rows


def _first_link(tr: Any) -> str | None:
    return next((a.get("href") for a in tr.iter("a") if a.get("href")), None)
