"""Alaska WARN notices: one HTML page (``jobs.alaska.gov/RR/WARN_notices.htm``) holding one table.

The page is read whole; the table is the first one whose header row (``td`` cells, like the rest)
names the WARN columns, found by meaning. The bytes are decoded here, UTF-8 first, whatever the
server's header says: the page's curly apostrophes ("Bean’s Cafe", "Sam’s Club") are UTF-8 and
come out as mojibake when the page is read as Windows-1252.

Field decisions (columns: Company, Location, Notice Date, Layoff Date, Employees Affected, Notes):

- Essential: Company, Location, and a Notice Date or Layoff Date column. Optional: the other date,
  Employees Affected, Notes. A missing optional column lands every row with that field None and
  logs one WARNING naming it.
- Dates are ``m/d/yy`` text read tolerantly: "9/30/20*" (a footnote mark) and "Starting 3/16/18"
  give their date; "Varied", "various", "March to May 2016", "August-November 2021" leave the field
  None, flagged with a WARNING (stat ``leads/values_unreadable``); ``raw`` keeps every text.
- ``notice_type`` and ``temporary`` come from Notes, the only column that carries a reason: "Store
  closure", "Company closure" -> closure; "Reduction in work" -> layoff; anything else ("Loss of
  contract", "COVID-19") -> other. "permanent" -> temporary False, "temporary" -> True, else None.
- ``city`` = Location as published ("Anchorage, Eagle River, Wasilla & Soldotna", "North Slope",
  "Statewide"); ``state`` AK; no street address or ZIP. ``employees``: "1,234" and "Up to 300" read.
- ``source_key`` = company + notice date + location (``tabular.make_key``: "CHS, Inc." = "CHS Inc.");
  an identical repeated row is yielded once, a same-key row that differs elsewhere gets ``|2``. A key longer than 240
  characters (a dozen subsidiaries in one name) is cut and ends in a digest of the whole.
- Skipped (logged, counted): a row with no company, or with no readable date at all. A page
  without the table is a layout error; a table with its header but no rows logs a WARNING.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from parsel import Selector
from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, classify_notice_type, clean_text, parse_date, parse_int
from spiders.tabular import (
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
    "location": [r"^location$", r"\b(location|city|site|community)\b"],
    "notice_date": [r"^notice date$", r"\bnotice\b.*\bdate\b|\bdate\b.*\bnotice\b"],
    "effective_date": [r"^layoff date$", r"\b(layoff|closing|closure|effective|separation)\b.*\bdate\b"],
    "employees": [r"^employees affected$", r"\b(employees|affected|workers|jobs)\b"],
    "notes": [r"^notes?$", r"\b(notes?|reason|comments?)\b"],
}
REQUIRED = ["company", "location"]
DATES = ["notice_date", "effective_date"]
OPTIONAL = ["effective_date", "employees", "notes"]

_PERMANENT = re.compile(r"\bpermanent\b", re.I)
_TEMPORARY = re.compile(r"\btemporary\b", re.I)


class WarnAkSpider(NoticeSpider):
    name = "warn_ak"
    agency_url = "https://jobs.alaska.gov/RR/WARN_notices.htm"
    source_format = "HTML table"
    region = "Alaska"
    verified_on = "rebuilt from a row dump (2022-02-02)"
    start_urls = [agency_url]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_page)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        yield from list(self._parse_page(response))

    def _parse_page(self, response: Response) -> Iterator[ClosureNotice]:
        rows, header_at, columns = self._find_table(response.body)
        log_missing_columns(self, "the table", columns, OPTIONAL)

        def where(number: int) -> str:
            return f"table row {number}"

        yield from table_notices(
            self,
            response,
            rows,
            header_at,
            columns,
            lambda row, columns, raw, number: self._parse_row(response, where(number), row, columns, raw),
            ref=where,
            start=1,
            on_empty=lambda: self.logger.warning(
                "source %s: %s lists no notices (header only)", self.name, response.url
            ),
        )

    def _find_table(self, body: bytes) -> tuple[list[list[str]], int, dict[str, int]]:
        if not looks_like_html(body):
            raise LayoutChanged(f"expected the WARN notices HTML page, got bytes starting {body[:16]!r}")
        page = Selector(text=decode_text(body))
        error: LayoutChanged | None = None
        for table in page.css("table"):
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
                raise LayoutChanged(f"{self.name}: layout changed: no date column among headers {rows[header_at]}")
            return rows, header_at, columns
        raise error or LayoutChanged("no table in the page")

    def _parse_row(
        self, response: Response, where: str, row: Sequence[Any], columns: Mapping[str, int], raw: dict[str, Any]
    ) -> ClosureNotice:
        company = clean_text(cell(row, columns, "company"))
        if not company:
            raise ValueError("no company name")
        notice_date = self.optional_value(response, where, "notice date", cell(row, columns, "notice_date"), parse_date)
        effective_date = self.optional_value(
            response, where, "layoff date", cell(row, columns, "effective_date"), parse_date
        )
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        location = clean_text(cell(row, columns, "location")) or None
        notes = clean_text(cell(row, columns, "notes"))
        return ClosureNotice(
            source=self.name,
            source_key=bounded_key(company, notice_date or effective_date, location),
            company_name=company,
            source_url=response.url,
            notice_type=classify_notice_type(notes),
            city=location,
            state="AK",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self.optional_value(
                response, where, "employee count", cell(row, columns, "employees"), parse_int
            ),
            temporary=True if _TEMPORARY.search(notes) else False if _PERMANENT.search(notes) else None,
            raw=raw,
        )
