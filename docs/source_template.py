"""<State> WARN notices: <what the agency publishes, e.g. "a CSV download on the labor department's site">.

Copy this file to ``spiders/warn_<st>.py`` (the slug is the spider ``name``, the module, the test file
``tests/test_warn_<st>.py`` and the fixture folder ``tests/files/warn_<st>/``), then replace every
``<...>``. See docs/adding-a-source.md for the whole recipe. The template reads a CSV; for an XLSX use
``spiders.tabular.xlsx_sheets`` (see spiders/warn_ia.py), for an HTML table spiders/warn_ne.py, for a
platform several states share (Job Center) a three-line subclass like spiders/jobcenter_ks.py.

Field decisions (write down what you decided and why, the way the other spiders do):

- ``source_key`` = <company + notice date + city>, normalized with ``tabular.make_key`` (one policy
  for every source: "CHS, Inc." and "CHS Inc." give the same key). Keep out of it anything an agency
  amends (counts, dates of effect), or an amended notice becomes a new one.
- ``notice_type`` from <the column>; ``effective_date`` from <the column>; ...
- Skipped (logged, counted): no company name, unreadable notice date, unreadable count.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from leads.errors import LayoutChanged
from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import classify_notice_type, clean_text, parse_date, parse_date_strict, parse_int, zip5
from spiders.tabular import cell, csv_rows, looks_like_html, make_key, read_header, table_notices

#: The agency's own header names, exactly (header keys: lower case, punctuation as spaces). Any other
#: name an agency uses next year is found through the shared vocabulary (leads/vocabulary.py): add a
#: real name you meet there, with the file it came from, not here.
COLUMNS = {
    "company": [r"^<company>$"],
    "notice_date": [r"^<notice date>$"],
    "effective_date": [r"^<layoff date>$"],
    "city": [r"^<city>$"],
    "zip": [r"^<zip>$"],
    "employees": [r"^<employees affected>$"],
    "notice_type": [r"^<notice type>$"],
}
#: Essential: what identifies the notice (everything in its source_key: a company, a date, a place).
#: A file without one of these is a changed layout and fails loudly; every other column is optional
#: (missing or renamed: the rows land without it and the run is "degraded").
ESSENTIAL = ["company", "notice_date", "city"]


class WarnXxSpider(NoticeSpider):
    name = "warn_<st>"
    region = "<State>"
    agency_url = "https://<the page a person opens to see the notices>"
    source_format = "CSV download"
    #: What the parser was verified on: "agency file YYYY-MM-DD" (the date in the fixture's SOURCE.md).
    verified_on = "agency file <YYYY-MM-DD>"
    start_urls = ["https://<the file itself>"]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[ClosureNotice]:
        # A LayoutChanged becomes one loud ERROR and no notices (nothing half-parsed is stored).
        yield from self.notices_or_layout_error(response, self._parse_csv)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        # `leads parse warn_<st> FILE`: the same parser, LayoutChanged propagates to name the file.
        yield from list(self._parse_csv(response))

    def _parse_csv(self, response: Response) -> Iterator[ClosureNotice]:
        if looks_like_html(response.body):
            raise LayoutChanged("got an HTML page instead of the CSV (error page or browser check?)")
        rows = csv_rows(response.body)
        header_at, columns, warnings = read_header(rows, COLUMNS, ESSENTIAL, source=self.name)
        for warning in warnings:  # optional columns not found, unknown ones: the run is degraded
            self.column_warning(response, warning)
        yield from table_notices(
            self,
            response,
            rows,
            header_at,
            columns,
            lambda row, cols, raw, line: self._parse_row(row, cols, raw, response.url),
            ref=lambda line: f"line {line}",
            start=header_at + 2,
        )

    def _parse_row(self, row: list[str], columns: dict[str, int], raw: dict[str, Any], url: str) -> ClosureNotice:
        """One row -> one notice; ValueError skips the row loudly (the reason is logged with the line)."""
        company = clean_text(cell(row, columns, "company"))
        if not company:
            raise ValueError("no company name")
        notice_date = parse_date_strict(cell(row, columns, "notice_date"))
        if notice_date is None:
            raise ValueError("no notice date")
        city = clean_text(cell(row, columns, "city")) or None
        try:
            effective_date = parse_date(cell(row, columns, "effective_date"))
        except ValueError:
            effective_date = None  # a rep reads it as "when the site closes": unknown beats wrong
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date, city),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(cell(row, columns, "notice_type")),
            city=city,
            state="<ST>",
            zip5=zip5(cell(row, columns, "zip")),
            notice_date=notice_date,
            effective_date=effective_date,
            employees=parse_int(cell(row, columns, "employees")),  # None when the column is gone
            raw=raw,
        )
