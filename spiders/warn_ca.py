"""California EDD WARN notices: the landing page links one XLSX (current fiscal year) and PDFs (past years).

parse() follows every link whose address matches warn[-_]?report and ends in .xlsx or .pdf;
parse_xlsx / parse_pdf read those files. Row rules and source_key: see spiders/warn_report.py.

- PDF (two layouts, with and without County; the 2014-15 file spaces its date glyphs, which
  only matters to pdfplumber): read by spiders/pdftables.py. The last page's "Summary by Month"
  table is not data; its "Total" line must equal the number of rows read (833 and 769 on the
  fixtures), else an ERROR is logged. EDD's Excel export clips long cells ("South San",
  "Raytheon Company-Space and"): the PDF holds nothing more, so names and cities stay clipped.
  No street address in the PDFs.
- XLSX (openpyxl, read-only, values not formulas): the header row is the first one beginning
  with "County" on the sheet "Detailed WARN Report " (else any sheet); merged header cells leave
  gaps, so columns are found by meaning. The Address cell is "street  City ST zip" with two
  spaces before the city; it gives address, city, state and zip5. A "Report Summary" row ends
  the data.
- A file that is not what its link says (HTML error page, truncated or corrupt download) is a
  layout_changed ERROR and yields nothing: every file is read completely before any notice
  is yielded.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import urlparse

import openpyxl
from openpyxl.utils import get_column_letter
from scrapy.http import Response, TextResponse

from leads.items import ClosureNotice
from spiders.parsing import LayoutChanged, clean_text, map_headers, state_code
from spiders.pdftables import UnreadableFile
from spiders.warn_report import (
    COLUMNS,
    OPTIONAL,
    Parsed,
    SourceKeys,
    WarnReportSpider,
    file_name,
    layout_warnings,
    notice_from_fields,
    parse_report_pdf,
)

SOURCE = "warn_ca"
_REPORT_LINK = re.compile(r"warn[-_]?report", re.I)
_SHEET = re.compile(r"detailed\s+warn\s+report", re.I)
_ADDRESS_TAIL = re.compile(r"^(?P<city>.*?)[\s,]+(?P<state>[A-Za-z]{2})\.?\s+(?P<zip>\d{5})(?:-\d{4})?$")
#: Essential in the workbook: the source_key's date and company (and a place: Address or City, below).
_XLSX_REQUIRED = ("notice_date", "company")


class WarnCaSpider(WarnReportSpider):
    name = SOURCE
    agency_url = "https://edd.ca.gov/en/Jobs_and_Training/Layoff_Services_WARN"
    source_format = "HTML page linking to an XLSX (current fiscal year) and PDFs (past years)"
    region = "California"
    verified_on = (
        "agency files: PDFs saved 2021-01-12, XLSX 2024-09-27 (re-saved by its collector, values as published)"
    )
    demo_urls = (
        "https://edd.ca.gov/siteassets/files/jobs_and_training/warn/warn_report.xlsx",
        "https://edd.ca.gov/siteassets/files/jobs_and_training/warn/warn-report-for-7-1-2018-to-06-30-2019.pdf",
        "https://edd.ca.gov/siteassets/files/jobs_and_training/warn/warnreportfor7-1-2014to06-30-2015.pdf",
    )
    demo_files = {
        "/warn_report.xlsx": "warn_ca/warn_report.xlsx",
        "/warn-report-for-7-1-2018-to-06-30-2019.pdf": "warn_ca/warn-report-for-7-1-2018-to-06-30-2019.pdf",
        "/warnreportfor7-1-2014to06-30-2015.pdf": "warn_ca/warnreportfor7-1-2014to06-30-2015.pdf",
    }
    start_urls = [agency_url]

    def parse(self, response: Response) -> Iterator[Any]:
        kind = _file_kind(response)
        if kind != "html":  # `--url` straight to a report file
            yield from self._parse_data(response, kind)
            return
        links = _report_links(response)
        if not links:
            self.layout_changed(response, "no links to warn_report .xlsx/.pdf files on the landing page")
            return
        for url, link_kind in links:
            yield self.request(url, self.parse_xlsx if link_kind == "xlsx" else self.parse_pdf)

    def parse_xlsx(self, response: Response) -> Iterator[ClosureNotice]:
        yield from self._parse_data(response, "xlsx")

    def parse_pdf(self, response: Response) -> Iterator[ClosureNotice]:
        yield from self._parse_data(response, "pdf")

    def _parse_data(self, response: Response, kind: str) -> Iterator[ClosureNotice]:
        yield from self.emit(response, lambda: _parse_file(response.body, response.url, kind))

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        """A saved landing page (no notices: it only links the files), XLSX or PDF."""
        kind = _file_kind(response)
        if kind == "html":
            links = _report_links(response)
            if not links:
                raise LayoutChanged(f"{file_name(response.url)}: no links to warn_report .xlsx/.pdf files")
            self.logger.info(
                "%s is the landing page: %d report files linked, no notices in it", response.url, len(links)
            )
            return
        yield from self.report(response, _parse_file(response.body, response.url, kind))


# -- the landing page ------------------------------------------------------------------------------


def _file_kind(response: Response) -> str:
    """'pdf', 'xlsx' or 'html': by the bytes first, then by the address's extension."""
    head = response.body[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    path = urlparse(response.url).path.lower()
    if path.endswith(".pdf"):
        return "pdf"
    if path.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    return "html"


def _report_links(response: Response) -> list[tuple[str, str]]:
    if not isinstance(response, TextResponse):
        return []
    found: dict[str, str] = {}
    for href in response.css("a::attr(href)").getall():
        url = response.urljoin(href.strip())
        path = urlparse(url).path.lower()
        if not _REPORT_LINK.search(path):
            continue
        if path.endswith(".pdf"):
            found.setdefault(url, "pdf")
        elif path.endswith(".xlsx"):
            found.setdefault(url, "xlsx")
    return list(found.items())


def _parse_file(body: bytes, url: str, kind: str) -> Parsed:
    if kind == "pdf":
        return parse_report_pdf(body, url, source=SOURCE, state="CA")
    return _parse_xlsx(body, url)


# -- the current-year workbook ---------------------------------------------------------------------


def _parse_xlsx(body: bytes, url: str) -> Parsed:
    """All notices of the workbook; UnreadableFile/LayoutChanged naming the file, never half a file."""
    name = file_name(url)
    if not body.startswith(b"PK\x03\x04"):
        raise UnreadableFile(f"{name}: not an XLSX workbook (starts with {body[:40]!r})")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean the same here
        raise UnreadableFile(f"{name}: unreadable XLSX workbook ({type(exc).__name__}: {exc})") from exc
    try:
        sheet, rows = _header_and_rows(workbook, name)
    except LayoutChanged:
        raise
    except Exception as exc:
        raise UnreadableFile(f"{name}: unreadable XLSX workbook ({type(exc).__name__}: {exc})") from exc
    finally:
        workbook.close()
    header_number, header = rows[0]
    columns = map_headers(header, COLUMNS, _XLSX_REQUIRED, source=f"{name} sheet {sheet!r}")
    if "address" not in columns and "city" not in columns:
        raise LayoutChanged(
            f"{name}: layout changed: no Address or City column among headers {[clean_text(h) for h in header]}"
        )
    names = [clean_text(h) for h in header]
    parsed = Parsed(warnings=layout_warnings([(names, columns)], (*OPTIONAL, "county")))
    keys = SourceKeys()
    for number, values in rows[1:]:
        ref = f"sheet {sheet!r} row {number}"
        fields = {f: values[i] if i < len(values) else None for f, i in columns.items()}
        raw = _raw_row(names, values)
        address = city = zip_code = None
        state = "CA"
        if "address" in columns:
            address, city, found_state, zip_code = split_address(fields.get("address"))
            state = found_state or state
        try:
            parsed.notices.append(
                notice_from_fields(
                    fields,
                    raw,
                    source=SOURCE,
                    state=state,
                    url=url,
                    keys=keys,
                    address=address,
                    city=city,
                    zip_code=zip_code,
                )
            )
        except ValueError as exc:
            parsed.skipped.append((f"{ref} {raw}", str(exc)))
    if not parsed.notices and not parsed.skipped:
        raise LayoutChanged(
            f"{name}: layout changed: header on sheet {sheet!r} row {header_number} but no rows under it"
        )
    return parsed


def _header_and_rows(workbook: Any, name: str) -> tuple[str, list[tuple[int, tuple[Any, ...]]]]:
    """(sheet title, [(row number, values)]) from the header row to the end of the data."""
    sheets = sorted(workbook.worksheets, key=lambda ws: not _SHEET.search(ws.title))
    for sheet in sheets:
        rows: list[tuple[int, tuple[Any, ...]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            first = next((clean_text(v).lower() for v in values if clean_text(v)), "")
            if not rows:
                if first.startswith("county"):
                    rows.append((number, values))
                elif number > 50:
                    break
                continue
            if first.startswith("report summary"):
                break
            if first:
                rows.append((number, values))
        if rows:
            return sheet.title, rows
    raise LayoutChanged(
        f"{name}: layout changed: no header row beginning with 'County' on sheets "
        f"{[ws.title for ws in workbook.worksheets]}"
    )


def _raw_row(names: list[str], values: tuple[Any, ...]) -> dict[str, Any]:
    """header -> cell as JSON-safe value; a value under a merged (blank) header keeps its column letter."""
    raw: dict[str, Any] = {}
    for i, value in enumerate(values):
        header = names[i] if i < len(names) and names[i] else None
        if header is None and value is None:
            continue
        if isinstance(value, datetime):
            value = value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        elif value is not None and not isinstance(value, (str, int, float)):
            value = str(value)
        raw[header or f"column {get_column_letter(i + 1)}"] = value
    return raw


def split_address(value: object) -> tuple[str | None, str | None, str | None, str | None]:
    """'7999 Gateway Blvd #320  Newark CA 94560' -> ('7999 Gateway Blvd #320', 'Newark', 'CA', '94560').

    EDD puts two spaces between the street and the city; without them the city cannot be told
    from the street, so the whole text stays the address and city is None.
    """
    if value is None:
        return None, None, None, None
    text = str(value).replace("\xa0", " ").strip()
    if not text:
        return None, None, None, None
    parts = re.split(r"\s{2,}", text)
    tail = _ADDRESS_TAIL.match(clean_text(parts[-1]))
    state = state_code(tail.group("state")) if tail else None
    zip_code = tail.group("zip") if tail else None
    if len(parts) < 2:
        return clean_text(text), None, state, zip_code
    street = clean_text(" ".join(parts[:-1]))
    city = clean_text(tail.group("city")) if tail and state else clean_text(parts[-1])
    return street or None, city or None, state, zip_code
