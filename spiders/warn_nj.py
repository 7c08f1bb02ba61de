"""New Jersey WARN notices: the LWD archive workbook ``WARN_Notice_Archive.xlsx``, one sheet per year.

The crawl asks for the workbook itself (``nj.gov/labor/assets/PDFs/WARN/WARN_Notice_Archive.xlsx``:
one stable name, no landing page to discover). Every sheet holding the WARN header is read, in
workbook order, with one set of source keys for the whole workbook, so a notice repeated on two
year sheets is yielded once. A new year's sheet with only its header (1 January) gives no rows
and no error; a sheet without the header (a notes sheet) is logged and passed over; no sheet with
the header is a layout error.

Field decisions (columns: Company, City, Month Posted, Effective Date, Workforce Affected):

- Essential: Company, City, Effective Date (the only whole date the file has). Optional: Month
  Posted, Workforce Affected. A missing optional column lands every row with that field None and
  logs one WARNING naming it.
- ``notice_date`` is None: Month Posted is a month name only ("January"), kept in ``raw``; a day
  is never invented. ``effective_date`` = Effective Date: an Excel date or text ("6/30/09",
  "04/22/2022, 09/30/2022, 12/21/22" -> the first date). "TBA", "-" or blank leave it None; with no
  date at all the row is skipped (logged, counted): the rule for every source is company + a date.
- ``notice_type``: the workbook has no type column: ``other``; ``temporary`` None. (The one row
  that says "Temp layoff", in Effective Date, has no date and is skipped like the other dateless rows.)
- ``employees``: "Workforce Affected"; a leading asterisk ("*1689") is the sheet's footnote "Most
  employees of companies marked with asterisk will be rehired by buyer": the count is read, the
  asterisk stays in ``raw``. "Unknown", "TBA", "To be Determined" leave it None (flagged).
- The footnote itself is a row of its own ("* Most employees …" in Company, the rest blank): a
  note, not a notice; logged at INFO, not counted as skipped.
- ``source_key`` = company + effective date + city (``tabular.make_key``: "CHS, Inc." = "CHS Inc.",
  the stray trailing comma of "Tyme Global Technologies, LLC," does not count; a key over 240
  characters is cut and ends in a digest of the whole). ``city`` as
  published ("STATEWIDE", "NEWARK/CHERRY HILL" included); ``state`` NJ; no address or ZIP.
- Unreadable optional values leave the field None, keep the text in ``raw`` and log a WARNING
  (stat ``leads/values_unreadable``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, clean_text, parse_date, parse_int
from spiders.tabular import (
    UniqueKeys,
    bounded_key,
    cell,
    find_header_row,
    is_blank,
    sheet_notices,
    xlsx_sheets,
)

COLUMNS = {
    "company": [r"^company$", r"\b(company|employer|business)\b"],
    "city": [r"^city$", r"\b(city|location|municipality)\b"],
    "month_posted": [r"^month posted$", r"\b(month|posted)\b"],
    "effective_date": [r"^effective date$", r"\b(effective|layoff|closing|closure)\b.*\bdate\b", r"\bdate\b"],
    "employees": [r"^workforce affected$", r"\b(affected|employees|workers|jobs|workforce)\b"],
}
REQUIRED = ["company", "city", "effective_date"]
OPTIONAL = ["month_posted", "employees"]
ARCHIVE_URL = "https://www.nj.gov/labor/assets/PDFs/WARN/WARN_Notice_Archive.xlsx"


class WarnNjSpider(NoticeSpider):
    name = "warn_nj"
    agency_url = "https://www.nj.gov/labor/lwdhome/warn/warn_notices.shtml"
    source_format = "XLSX workbook, one sheet per year"
    region = "New Jersey"
    verified_on = "rebuilt from a row dump (2022-03-18)"
    start_urls = [ARCHIVE_URL]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_workbook)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        yield from list(self._parse_workbook(response))

    def _parse_workbook(self, response: Response) -> Iterator[ClosureNotice]:
        keys = UniqueKeys()
        read_sheets = 0
        first_error: LayoutChanged | None = None
        for sheet, rows in xlsx_sheets(response.body):
            try:
                header_at, columns = find_header_row(rows, COLUMNS, REQUIRED, source=f"{self.name} sheet {sheet!r}")
            except LayoutChanged as exc:
                first_error = first_error or exc
                self.logger.info("source %s: sheet %r has no WARN header; passed over (%s)", self.name, sheet, exc)
                continue
            read_sheets += 1
            yield from self._parse_sheet(response, sheet, rows, header_at, columns, keys)
        if not read_sheets:
            raise first_error or LayoutChanged("the workbook has no sheet")

    def _parse_sheet(
        self,
        response: Response,
        sheet: str,
        rows: list[tuple[Any, ...]],
        header_at: int,
        columns: dict[str, int],
        keys: UniqueKeys,
    ) -> Iterator[ClosureNotice]:
        def footnote(row: Sequence[Any], where: str) -> bool:
            company = clean_text(cell(row, columns, "company"))
            if company.startswith("*") and all(is_blank([v]) for i, v in enumerate(row) if i != columns["company"]):
                self.logger.info("source %s: %s is a footnote, not a notice: %r", self.name, where, company)
                return True
            return False

        yield from sheet_notices(
            self,
            response,
            sheet,
            rows,
            header_at,
            columns,
            lambda where, row, columns, raw: self._parse_row(response, where, row, columns, raw),
            OPTIONAL,
            keys=keys,
            passed_over=footnote,
        )

    def _parse_row(
        self, response: Response, where: str, row: Sequence[Any], columns: Mapping[str, int], raw: dict[str, Any]
    ) -> ClosureNotice:
        company = clean_text(cell(row, columns, "company"))
        if not company:
            raise ValueError("no company name")
        effective_text = cell(row, columns, "effective_date")
        effective_date = self.optional_value(response, where, "effective date", effective_text, read_date)
        if effective_date is None:
            raise ValueError(f"no readable date (Effective Date {clean_text(effective_text)!r})")
        city = clean_text(cell(row, columns, "city")) or None
        return ClosureNotice(
            source=self.name,
            source_key=bounded_key(company, effective_date, city),
            company_name=company,
            source_url=response.url,
            notice_type="other",
            city=city,
            state="NJ",
            effective_date=effective_date,
            employees=self.optional_value(
                response, where, "workforce count", cell(row, columns, "employees"), read_count
            ),
            raw=raw,
        )


def read_date(value: Any) -> date | None:
    """A tolerant date: Excel dates, the common spellings, the first whole date of a list; ValueError else."""
    if isinstance(value, str) and clean_text(value).lower() in {"tba", "tbd", "to be determined"}:
        return None
    parsed = parse_date(value)
    if parsed is not None and parsed.year < 1900:
        raise ValueError(f"Excel zero date {parsed.isoformat()}")
    return parsed


def read_count(value: Any) -> int | None:
    """A head count; the footnote asterisk of "*1689" is not part of the number."""
    if isinstance(value, str):
        value = value.strip().lstrip("*")
    return parse_int(value)
