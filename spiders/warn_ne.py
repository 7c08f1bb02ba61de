"""Nebraska WARN notices: the yearly HTML table fragments the NE DOL landing page loads by AJAX.

One request per year (``WARNReportData/?year=YYYY``) from the year of the ``since`` spider argument
(default: Jan 1 of last year, like the other dated sources; ``-a since=2010-01-01`` loads the history,
which starts in 2010) to the current year. Cells are padded with spaces to fixed widths (CHAR
columns); the padding is stripped, entities are decoded.

Field decisions:

- ``source_key`` = company + notice date + city + location (normalized, ``tabular.key_part``), with a
  trailing "- Withdrawn" status left out of the company part so that withdrawing a notice updates it.
  Location is in the key because one company files separate notices for two sites of one city on one
  day (Michael Foods' farm and plant in Wakefield, Skag-Way's two Grand Island stores).
- ``company_name`` is verbatim, status included ("Union Pacific - Withdrawn", "Shopko xxxx").
- ``Location`` is a site description ("Omaha Distribution Center"), not a street: it stays in ``raw``
  only; ``address`` is None. ``state`` is NE.
- ``notice_type``: this endpoint has no type column, so ``other`` (unknown); if a ``Type`` column is
  present (the sibling ``LayoffAndClosureReportData`` endpoint) it is classified.
- ``Jobs Affected`` "100+" -> 100; blank -> None.
- Skipped (logged, counted): no company name, unreadable date, unreadable job count.
- A year whose table has its header but no rows logs a WARNING (early January has none yet); a
  fragment without the table is a layout ERROR.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from scrapy.http import Response, TextResponse

from leads.errors import NoNoticesListed
from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import (
    LayoutChanged,
    classify_notice_type,
    clean_text,
    parse_date_strict,
    parse_int,
    window_start,
)
from spiders.tabular import cell, make_key, read_header, table_notices

#: The agency's own header names; any other name comes from the shared vocabulary (leads/vocabulary.py).
COLUMNS = {
    "notice_date": [r"^date$"],
    "company": [r"^company$"],
    "employees": [r"^jobs affected$"],
    "city": [r"^city$"],
    "location": [r"^location$"],
    "notice_type": [r"^type$"],  # only on the sibling LayoffAndClosureReportData endpoint
}
#: What identifies a notice here (all four are in its source_key); jobs and type are optional.
ESSENTIAL = ["notice_date", "company", "city", "location"]
#: Optional fields this endpoint never had: their absence is no warning.
NEVER_PUBLISHED = {"notice_type"}

REPORT_URL = "https://dol.nebraska.gov/LayoffServices/WARNReportData/?year={year}"
FIRST_YEAR = 2010  # the oldest year the endpoint serves

_WITHDRAWN = re.compile(r"\s*(?:-|–|\()\s*withdrawn\)?\s*$", re.I)


def year_urls(first_year: int, last_year: int) -> list[str]:
    return [REPORT_URL.format(year=year) for year in range(max(first_year, FIRST_YEAR), last_year + 1)]


class WarnNeSpider(NoticeSpider):
    name = "warn_ne"
    agency_url = "https://dol.nebraska.gov/ReemploymentServices/LayoffServices/LayoffsAndDownsizingWARN"
    source_format = "HTML table per year"
    region = "Nebraska"
    verified_on = "agency file 2022-02-18 (the 2015 fragment)"
    demo_urls = ("https://dol.nebraska.gov/LayoffServices/WARNReportData/?year=2015",)
    demo_files = {
        "WARNReportData/?year=2015": "warn_ne/warn-2015.html",
    }
    #: What `leads sources` shows; a crawl asks for each year of its window (see __init__).
    start_urls = [REPORT_URL.format(year=date.today().year)]

    def __init__(self, *args: Any, since: str | None = None, url: str | list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, url=url, **kwargs)
        if not url:
            self.start_urls = year_urls(window_start(since).year, date.today().year)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_table)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        yield from list(self._parse_table(response, saved_file=True))

    def _parse_table(self, response: Response, *, saved_file: bool = False) -> Iterator[ClosureNotice]:
        rows, header_at, columns, warnings = self._find_table(response)
        for warning in warnings:
            self.column_warning(response, warning)

        def empty() -> None:
            # Early January has none yet: the agency's answer for this year, not a broken page.
            message = "the year's table lists no notices (header only)"
            if saved_file:
                raise NoNoticesListed(f"{response.url}: {message}")
            self.agency_lists_none(response, message)

        yield from table_notices(
            self,
            response,
            rows,
            header_at,
            columns,
            lambda row, cols, raw, _number: self._parse_row(row, cols, raw, response.url),
            ref=lambda number: f"table row {number}",
            start=1,
            on_empty=empty,
        )

    def _find_table(self, response: Response) -> tuple[list[list[str]], int, dict[str, int], list[str]]:
        """(rows, header row index, columns, warnings) of the first table with the WARN columns."""
        error: LayoutChanged | None = None
        for rows in _tables(response):
            try:
                return (rows, *read_header(rows, COLUMNS, ESSENTIAL, source=self.name, never_published=NEVER_PUBLISHED))
            except LayoutChanged as exc:
                error = error or exc
        raise error or LayoutChanged("no table in the page")

    def _parse_row(
        self, row: Sequence[Any], columns: Mapping[str, int], raw: dict[str, Any], url: str
    ) -> ClosureNotice:
        company = clean_text(cell(row, columns, "company"))
        if not company:
            raise ValueError("no company name")
        notice_date = parse_date_strict(cell(row, columns, "notice_date"))
        if notice_date is None:
            raise ValueError("no notice date")
        city = clean_text(cell(row, columns, "city")) or None
        return ClosureNotice(
            source=self.name,
            source_key=make_key(_WITHDRAWN.sub("", company), notice_date, city, cell(row, columns, "location")),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(cell(row, columns, "notice_type")),
            city=city,
            state="NE",
            notice_date=notice_date,
            employees=parse_int(cell(row, columns, "employees")),
            raw=raw,
        )


def _tables(response: Response) -> list[list[list[str]]]:
    """The cell texts of each table's rows (padding stripped, entities decoded)."""
    if not isinstance(response, TextResponse):
        raise LayoutChanged("expected an HTML table, got a binary file")
    return [
        [[clean_text(" ".join(c.css("::text").getall())) for c in tr.xpath("./th|./td")] for tr in table.css("tr")]
        for table in response.css("table")
    ]
