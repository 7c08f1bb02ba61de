"""An agency report published as files linked from a landing page: PDF tables, or a CSV/XLSX copy.

Minnesota's mass-layoff report and Nevada's WARN master list are published this way, and Massachusetts'
fiscal-year WARN reports (CSV/XLSX only, no ``pdf_table``; its own ``report_links``). Both kinds of file go
through one row path: a PDF is read by position with spiders/pdftables.py, a CSV/XLSX copy as a table
under its header (columns by meaning, never by position), and every row becomes a ``Record`` for the
source's own ``parse_row``. Given the landing page, ``parse`` follows its ``.csv``/``.xlsx`` links and
the ``.pdf`` links whose file name is the report's (``report_name``); a PDF with the same file name as a
CSV/XLSX link is the same report, so only the table file is read. A page linking none is a loud layout
error, never silence.

A source sets ``columns``, ``required``, ``date_fields``, ``pdf_table``, ``report_name`` and
``report_what`` and writes ``parse_row``; ``check_columns`` adds what else its layout must have.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any, ClassVar
from urllib.parse import urlparse

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, clean_text, first_date, parse_int
from spiders.pdftables import TableSpec, read_table
from spiders.tabular import (
    XLSX_MAGIC,
    UniqueKeys,
    csv_rows,
    find_header_row,
    is_blank,
    looks_like_html,
    raw_row,
    xlsx_sheets,
)
from spiders.warn_report import file_name

#: One published row: (where, for messages: "line 7" / "page 2 line 5"), field -> cell, the raw row.
Record = tuple[str, Mapping[str, Any], dict[str, Any]]

_TABLE_HREF = re.compile(r"\.(csv|xlsx)(?:$|[?#])", re.I)
_PDF_HREF = re.compile(r"\.pdf(?:$|[?#])", re.I)


class ReportFileSpider(NoticeSpider):
    """A source whose report is PDF tables or a CSV/XLSX copy, linked from its landing page."""

    columns: ClassVar[dict[str, list[str]]] = {}
    required: ClassVar[list[str]] = []
    date_fields: ClassVar[tuple[str, ...]] = ()
    #: How the report's PDF tables read; None: the source publishes no PDF (anything is read as a table file).
    pdf_table: ClassVar[TableSpec | None] = None
    #: What the report's PDF file names match (a "WARN Act fact sheet.pdf" beside it is not the report).
    report_name: ClassVar[re.Pattern[str]]
    #: The report in words, for messages: "mass-layoff report", "WARN list".
    report_what: ClassVar[str] = "report"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if looks_like_html(response.body):
            try:
                links = self.report_links(response)
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
            links = self.report_links(response)
            self.logger.info(
                "source %s: %s is the landing page; the %s is %s",
                self.name,
                response.url,
                self.report_what,
                ", ".join(links),
            )
            return
        yield from list(self._parse_table(response))

    def parse_row(self, fields: Mapping[str, Any], raw: dict[str, Any], url: str, where: str) -> ClosureNotice:
        """One row -> a notice; ValueError (the reason) skips the row."""
        raise NotImplementedError

    def _parse_table(self, response: Response) -> Iterator[ClosureNotice]:
        if self.pdf_table is not None and is_pdf(response):
            records = self.pdf_records(response.body, file_name(response.url))
        else:
            records = self.sheet_records(response.body)
        keys = UniqueKeys()
        for where, fields, raw in records:
            try:
                notice = self.parse_row(fields, raw, response.url, where)
            except ValueError as exc:
                self.skip_row(response, f"{where} ({clean_text(fields.get('company'))!r})", str(exc))
                continue
            notice.source_key, repeat = keys.assign(notice.source_key, raw)
            if repeat:
                self.logger.info("source %s: %s repeats an earlier row; yielded once", self.name, where)
                continue
            yield notice

    # -- the files ---------------------------------------------------------------------------------

    def sheet_records(self, body: bytes) -> list[Record]:
        """The rows of a CSV or XLSX copy of the report, under its header."""
        if body.startswith(XLSX_MAGIC):
            sheets = list(xlsx_sheets(body))
            rows: Sequence[Sequence[Any]] = sheets[0][1] if sheets else []
        else:
            rows = csv_rows(body)
        header_at, columns = find_header_row(rows, self.columns, self.required, source=self.name)
        headers = list(rows[header_at])
        self.check_columns(columns, headers, self.name)
        records: list[Record] = []
        for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
            if is_blank(row):
                continue
            fields = {f: row[i] for f, i in columns.items() if i < len(row)}
            records.append((f"line {line}", fields, raw_row(headers, row)))
        if not records:
            raise LayoutChanged(f"no data rows under the header {headers}")
        return records

    def pdf_records(self, body: bytes, name: str) -> list[Record]:
        """The rows of the report's PDF tables, every page (UnreadableFile/LayoutChanged naming the file)."""
        assert self.pdf_table is not None, "a source that publishes PDFs sets pdf_table"
        table = read_table(body, self.pdf_table, name)
        for layout in table.layouts:
            self.check_columns(layout.columns, layout.headers, name)
        if not table.rows:
            raise LayoutChanged(f"{name}: layout changed: a header but no rows in {table.pages} pages")
        return [(row.ref(), row.fields, dict(row.raw)) for row in table.rows]

    def check_columns(self, columns: Mapping[str, int], headers: Sequence[Any], where: str) -> None:
        """What the layout must have beyond ``required``: a date column (a source may ask for more)."""
        if not any(f in columns for f in self.date_fields):
            raise LayoutChanged(f"{where}: layout changed: no date column among headers {list(headers)}")

    def report_links(self, response: Response) -> list[str]:
        """The landing page's .csv/.xlsx links and its report PDFs (a PDF copy of a table file left out)."""
        hrefs = [response.urljoin(h) for h in response.css("a::attr(href)").getall()]
        tables = list(dict.fromkeys(h for h in hrefs if _TABLE_HREF.search(h)))
        stems = {_stem(h) for h in tables}
        pdfs = [h for h in dict.fromkeys(hrefs) if _PDF_HREF.search(h)]
        reports = [h for h in pdfs if self.report_name.search(file_name(h)) and _stem(h) not in stems]
        links = tables + reports
        if not links:
            others = f" (other PDFs: {', '.join(pdfs[:3])})" if pdfs else ""
            raise LayoutChanged(f"the landing page links no {self.report_what}{others}")
        return links

    # -- cells -------------------------------------------------------------------------------------

    def date_cell(self, value: object, where: str, what: str) -> date | None:
        """A date, or the first date of a list or range; None (with a WARNING) when unreadable."""
        try:
            return first_date(value)
        except ValueError:
            self.logger.warning("source %s: %s: unreadable %s %r stored as None", self.name, where, what, value)
            return None

    def count_cell(self, value: object, where: str) -> int | None:
        try:
            return parse_int(value)
        except ValueError:
            self.logger.warning("source %s: %s: unreadable count %r stored as None", self.name, where, value)
            return None


def is_pdf(response: Response) -> bool:
    """The agency's PDF, or something served in its place at a .pdf address (read_table names what it got)."""
    return response.body[:1024].lstrip().startswith(b"%PDF") or urlparse(response.url).path.lower().endswith(".pdf")


def _stem(url: str) -> str:
    return file_name(url).rsplit(".", 1)[0].lower()
