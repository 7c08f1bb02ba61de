"""Indiana WARN notices: DWD's two HTML pages of WARN tables, the current notices and the archive.

Both pages are requested (``start_urls``); each may hold several tables (one per year or period).
Every table whose header row names the WARN columns is read, found by meaning; a table without
them (a menu, a contact box) is passed over; a page where no table has them is a layout error.

Field decisions (columns: Company, City, Affected Workers, Notice Date, LO/CL Date, NAICS,
Description of Work, Notice Type; the current page adds an empty trailing column):

- Essential: Company, City, and a Notice Date or LO/CL Date column. Optional: Affected Workers,
  NAICS, Description of Work, Notice Type. A missing optional column lands every row with that
  field None and logs one WARNING naming it.
- Amendments: the agency marks a revised notice in the company cell ("Vantiv, LLC-Revised",
  "Stanley Black & DeckerRevised (2/10/20) Revised (8/19/20)", "Deufol Sunman, Inc-Revised 9/29/17"):
  ``amended`` True, the marks are
  taken off ``company_name`` and off the key (``raw`` keeps them). A revision row whose other cells
  are all "N/A" ("DFA Dairy Brands Ice Cream, LLC-Revised (9/15/21)") is dated by the revision date
  in its name (notice_date 2021-09-15): it is the agency's record that the notice changed that day.
  An "N/A" row without such a date ("Silgan Containers -Revised", "Asbury Automotive Group Revised
  (Doc 1, Doc 2, …)", the "-Attachment" / "-Exhibit A" link rows) has no date at all and is skipped (logged, counted), as is a row without a company.
- ``notice_type``: the code CL (also "PENDING CL", "LO/CL", "LO and CL", "CL -Relocating",
  "Potential Closure") -> closure; LO -> layoff; other codes (RH, TR, N/A) -> other.
  ``temporary`` True for "LO (3-month temporary layoff)", else None (the page does not say).
- Dates ``mm/dd/yyyy`` or ``m/d/yy``, read tolerantly; "Q1 2019", "End of 2013", "TBD" leave the
  field None, flagged with a WARNING (stat ``leads/values_unreadable``); ``raw`` keeps the text.
- ``employees``: "100+" -> 100, "1,234" -> 1234; "40-50", "5 in Indiana", "Unknown" -> None (flagged).
- ``industry_code`` = NAICS when it is digits ("313310"), else None. ``city`` as published
  ("Statewide" included); a list of places longer than the 200-character column (Prestige
  Maintenance's 23 cities) is cut after its last whole place and ends with "…" (the key and ``raw``
  keep it whole); ``state`` IN; no street address or ZIP.
- ``source_key`` = company (revision marks off) + notice date + city (``tabular.make_key``:
  "CHS, Inc." = "CHS Inc."); a repeated identical row is yielded once, a same-key row that differs
  elsewhere gets ``|2``; a key over 240 characters is cut and ends in a digest of the whole. A
  notice on both pages gets the same key on each, so the store keeps one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from parsel import Selector
from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, classify_notice_type, clean_text, parse_date, parse_int
from spiders.tabular import (
    UniqueKeys,
    bounded_key,
    cell,
    decode_text,
    find_header_row,
    log_missing_columns,
    looks_like_html,
    table_notices,
)

COLUMNS = {
    "company": [r"^company$", r"\b(company|employer|business)\b"],
    "city": [r"^city$", r"\b(city|location|site)\b"],
    "employees": [r"^affected workers$", r"\b(affected|employees|workers|jobs)\b"],
    "notice_date": [r"^notice date$", r"\bnotice\b.*\bdate\b|\bdate\b.*\bnotice\b"],
    "effective_date": [r"^lo cl date$", r"\b(lo|cl|layoff|closing|closure|effective)\b.*\bdate\b"],
    "naics": [r"^naics", r"\bnaics\b"],
    "description": [r"^description of work$", r"\b(description|industry)\b"],
    "notice_type": [r"^notice type$", r"\btype\b"],
}
REQUIRED = ["company", "city"]
DATES = ["notice_date", "effective_date"]
OPTIONAL = ["employees", "effective_date", "naics", "description", "notice_type"]

PAGES = ["https://www.in.gov/dwd/2567.htm", "https://www.in.gov/dwd/3125.htm"]  # current, archive

_REVISED = re.compile(r"\s*-?\s*\(?\s*revised\b\s*(?:\(([^)]*)\)|(\d{1,2}/\d{1,2}/\d{2,4}))?", re.I)
_CLOSURE_CODE = re.compile(r"\bCL\b|\bclos", re.I)
_LAYOFF_CODE = re.compile(r"\bLO\b", re.I)
_TEMPORARY = re.compile(r"\btemporary\b", re.I)
_NOT_GIVEN = {"n/a", "na", ""}


class WarnInSpider(NoticeSpider):
    name = "warn_in"
    agency_url = "https://www.in.gov/dwd/warn-notices/"
    source_format = "HTML tables on two pages (current, archive)"
    region = "Indiana"
    verified_on = "rebuilt from a row dump (2022-03-18)"
    start_urls = PAGES

    def parse(self, response: Response, **kwargs: Any) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_page)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        yield from list(self._parse_page(response))

    def _parse_page(self, response: Response) -> Iterator[ClosureNotice]:
        keys = UniqueKeys()  # one file: a row repeated in another table is a repeat too
        for number, (rows, header_at, columns) in enumerate(self._tables(response.body), start=1):
            log_missing_columns(self, f"table {number} of {response.url}", columns, OPTIONAL)

            def where(row_number: int, table: int = number) -> str:
                return f"table {table} row {row_number}"

            yield from table_notices(
                self,
                response,
                rows,
                header_at,
                columns,
                lambda row, columns, raw, row_number: self._parse_row(response, where(row_number), row, columns, raw),
                ref=where,
                start=1,
                on_empty=lambda: None,
                keys=keys,
            )

    def _tables(self, body: bytes) -> list[tuple[list[list[str]], int, dict[str, int]]]:
        """(rows, header row index, columns) of every WARN table of the page, in page order."""
        if not looks_like_html(body):
            raise LayoutChanged(f"expected a WARN notices HTML page, got bytes starting {body[:16]!r}")
        found: list[tuple[list[list[str]], int, dict[str, int]]] = []
        error: LayoutChanged | None = None
        for table in Selector(text=decode_text(body)).css("table"):
            rows = [
                [clean_text(" ".join(c.css("::text").getall())) for c in tr.xpath("./th|./td")]
                for tr in table.css("tr")
            ]
            try:
                header_at, columns = find_header_row(rows, COLUMNS, REQUIRED, source=self.name)
            except LayoutChanged as exc:
                error = error or exc
                continue
            if not any(f in columns for f in DATES):
                error = error or LayoutChanged(
                    f"{self.name}: layout changed: no date column among headers {rows[header_at]}"
                )
                continue
            found.append((rows, header_at, columns))
        if not found:
            raise error or LayoutChanged("no table in the page")
        return found

    def _parse_row(
        self, response: Response, where: str, row: Sequence[Any], columns: Mapping[str, int], raw: dict[str, Any]
    ) -> ClosureNotice:
        published = clean_text(cell(row, columns, "company"))
        company, revised_on, amended = split_revision(published)
        if not company:
            raise ValueError("no company name")
        notice_date = self.optional_value(
            response, where, "notice date", given(cell(row, columns, "notice_date")), parse_date
        )
        effective_date = self.optional_value(
            response, where, "LO/CL date", given(cell(row, columns, "effective_date")), parse_date
        )
        if notice_date is None and effective_date is None:
            notice_date = revised_on
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        place = clean_text(cell(row, columns, "city")) or None
        city = fit(place, CITY_LIMIT)
        code = clean_text(given(cell(row, columns, "notice_type")))
        naics = clean_text(cell(row, columns, "naics"))
        return ClosureNotice(
            source=self.name,
            source_key=bounded_key(company, notice_date or effective_date, place),
            company_name=company,
            source_url=response.url,
            notice_type=notice_type(code),
            city=city,
            state="IN",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self.optional_value(
                response, where, "worker count", given(cell(row, columns, "employees")), parse_int
            ),
            industry_code=naics if naics.isdigit() else None,
            temporary=True if _TEMPORARY.search(code) else None,
            amended=amended,
            raw=raw,
        )


def given(value: Any) -> Any:
    """None for the page's "N/A" (nothing published), else the value."""
    return None if clean_text(value).lower() in _NOT_GIVEN else value


def split_revision(published: str) -> tuple[str, date | None, bool]:
    """(company without the revision marks, the last readable revision date, whether it was revised)."""
    marks = [m for m in _REVISED.finditer(published) if m.start() > 0]  # "Revised Holdings" is a name
    if not marks:
        return published, None, False
    company = clean_text(published[: marks[0].start()]).strip(" -,")
    revised_on = None
    for mark in marks:
        try:
            revised_on = parse_date(mark.group(1) or mark.group(2)) or revised_on
        except ValueError:
            continue
    return company, revised_on, True


def notice_type(code: str) -> str:
    if _CLOSURE_CODE.search(code):
        return "closure"
    if _LAYOFF_CODE.search(code):
        return "layoff"
    return classify_notice_type(code) if code else "other"


#: notices.city is 200 characters.
CITY_LIMIT = 200


def fit(text: str | None, limit: int) -> str | None:
    """A place list longer than the column, cut after its last whole place and ended with "…" (raw keeps all).

    One Indiana notice lists 23 cities in its City cell; the store refuses a city over 200 characters.
    """
    if text is None or len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if "," in cut:
        cut = cut[: cut.rindex(",")]
    return cut.rstrip(" ,;") + "…"
