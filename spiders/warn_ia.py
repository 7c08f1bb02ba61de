"""Iowa WARN log: a landing page linking to an XLSX workbook (``WARN_YYYYMMDD.xlsx``, renamed each update).

``parse`` finds the workbook link(s) on the landing page by meaning (an ``.xlsx`` href or a link
saying "Excel"), never by position, and requests them; ``parse_workbook`` reads the workbook. Given
a workbook directly (``leads crawl warn_ia --url …/WARN_20180503.xlsx``, the 2011-2018 historic log
that the landing page no longer links), ``parse`` reads it too. The header row and its columns are
found by meaning: the two known workbooks differ (``St`` vs ``State``, 16 empty trailing columns).

Field decisions:

- ``source_key`` = company + notice date + city (normalized, ``tabular.key_part``): the log has no
  record id and publishes no street address twice the same way ("3102 West End Ave" in 2018,
  "3102 W. End Avenue" in 2022). Normalizing punctuation lets the 2017-2018 rows that the historic
  and the current workbooks both hold get the same key ("K-mart"/"Kmart", "CHS Inc."/"CHS, Inc.").
  Two rows with the same key that differ elsewhere (Younkers' two West Des Moines stores) are
  distinct notices: the second in file order gets ``|2``. An identical repeated row (Lennox
  2012-08-31, Sears Auto Store 2018-12-27) is yielded once.
- ``notice_type``: Mass Layoff -> layoff, Closing (and the typo "Closting") -> closure. An
  ``Amendment`` row is the agency's record of an amended notice, published as its own row with its
  own notice date; it cannot be tied to the original reliably, so it is its own notice with type
  ``other`` (the word stays in ``raw``).
- Notice Date is text in the current workbook ('2/15/2017', '4/26/21') and an Excel date in the
  historic one; it is read strictly: the typo '9/1/8/2020' is skipped loudly, not read as 2020-01-08.
- ``employees`` blank (some Amendment rows) -> None. ``state``: "Ia"/"IA " -> IA; out-of-state sites
  (CA, TN, VA) kept. ZIP may be a number or text.
- Skipped (logged, counted): no company name, unreadable or missing notice date, unreadable count.
  An unreadable Layoff Date is stored as None.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import scrapy
from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import (
    LayoutChanged,
    classify_notice_type,
    clean_text,
    parse_date_strict,
    parse_int,
    state_code,
    zip5,
)
from spiders.tabular import XLSX_MAGIC, cell, make_key, read_header, table_notices, xlsx_sheets

#: The agency's own header names (both workbooks); any other name comes from the shared vocabulary.
COLUMNS = {
    "company": [r"^company$"],
    "address": [r"^address line 1$"],
    "city": [r"^city$"],
    "county": [r"^county$"],
    "state": [r"^(st|state)$"],
    "zip": [r"^zip$"],
    "notice_type": [r"^notice type$"],
    "employees": [r"^emp$"],
    "notice_date": [r"^notice date$"],
    "effective_date": [r"^layoff date$"],
}
#: What identifies a notice here (its source_key: company, notice date, city); the rest is optional.
ESSENTIAL = ["company", "notice_date", "city"]

_WORKBOOK_HREF = re.compile(r"\.xlsx?(?:$|[?#])", re.I)
_WORKBOOK_TEXT = re.compile(r"\bexcel\b|\bxlsx?\b|\bspreadsheet\b", re.I)


class WarnIaSpider(NoticeSpider):
    name = "warn_ia"
    agency_url = "https://www.iowaworkforcedevelopment.gov/worker-adjustment-and-retraining-notification-act"
    source_format = "HTML page linking to an XLSX workbook"
    region = "Iowa"
    verified_on = "agency file 2022-02-21 (landing page and both workbooks)"
    demo_urls = ()
    demo_files = {
        "worker-adjustment-and-retraining-notification-act": "warn_ia/worker-adjustment-and-retraining-notification-act.html",
        "/WARN_20220210.xlsx": "warn_ia/WARN_20220210.xlsx",
    }
    start_urls = [agency_url]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if response.body.startswith(XLSX_MAGIC):
            yield from self.parse_workbook(response)
            return
        try:
            links = workbook_links(response)
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))
            return
        for url in links:
            yield self.request(url, self.parse_workbook)

    def parse_workbook(self, response: Response) -> Iterator[ClosureNotice]:
        try:
            notices = list(self._parse_workbook(response))
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))
            return
        yield from notices

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        """A saved workbook gives its notices; the saved landing page gives none (it only links the workbook)."""
        if response.body.startswith(XLSX_MAGIC):
            yield from list(self._parse_workbook(response))
            return
        links = workbook_links(response)  # LayoutChanged propagates: the page lost its link
        self.logger.info(
            "source %s: %s is the landing page; it holds no notices, the workbook is %s",
            self.name,
            response.url,
            ", ".join(links),
        )

    # -- the workbook ---------------------------------------------------------------------------

    def _parse_workbook(self, response: Response) -> Iterator[ClosureNotice]:
        sheet, rows, header_at, columns, warnings = self._find_sheet(response.body)
        for warning in warnings:
            self.column_warning(response, f"sheet {sheet!r}: {warning}")

        def empty() -> None:
            raise LayoutChanged(f"sheet {sheet!r} has a header but no data rows")

        yield from table_notices(
            self,
            response,
            rows,
            header_at,
            columns,
            lambda row, cols, raw, _number: self._parse_row(row, cols, raw, response.url),
            ref=lambda number: f"sheet {sheet!r} row {number}",
            start=header_at + 2,
            on_empty=empty,
        )

    def _find_sheet(self, body: bytes) -> tuple[str, list[tuple[Any, ...]], int, dict[str, int], list[str]]:
        """The first sheet with the WARN log header: (name, rows, header row index, columns, warnings)."""
        error: LayoutChanged | None = None
        for name, rows in xlsx_sheets(body):
            try:
                return (name, rows, *read_header(rows, COLUMNS, ESSENTIAL, source=f"{self.name} sheet {name!r}"))
            except LayoutChanged as exc:
                error = error or exc
        raise error or LayoutChanged("the workbook has no sheet")

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
        try:
            effective_date = parse_date_strict(cell(row, columns, "effective_date"))
        except ValueError:
            effective_date = None
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date, city),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(cell(row, columns, "notice_type")),
            address=clean_text(cell(row, columns, "address")) or None,
            city=city,
            state=state_code(cell(row, columns, "state")) or "IA",
            zip5=zip5(cell(row, columns, "zip")),
            notice_date=notice_date,
            effective_date=effective_date,
            employees=parse_int(cell(row, columns, "employees")),
            raw=raw,
        )


def workbook_links(response: Response) -> list[str]:
    """Absolute URLs of the Excel workbooks the landing page links to, in page order.

    A link counts when its href ends in .xlsx/.xls or its text or title says Excel; the PDF twin of
    the log is not followed. No such link is a layout change.
    """
    if not isinstance(response, scrapy.http.TextResponse):
        raise LayoutChanged("expected the landing page (HTML) or an XLSX workbook, got another binary file")
    links: list[str] = []
    for a in response.css("a[href]"):
        href = (a.attrib.get("href") or "").strip()
        words = clean_text(" ".join(a.css("::text").getall()) + " " + (a.attrib.get("title") or ""))
        if not href or href.lower().startswith(("mailto:", "javascript:")) or href.lower().endswith(".pdf"):
            continue
        if _WORKBOOK_HREF.search(href) or _WORKBOOK_TEXT.search(words):
            url = response.urljoin(href)
            if url not in links:
                links.append(url)
    if not links:
        raise LayoutChanged("no link to the WARN log Excel workbook on the landing page")
    return links
