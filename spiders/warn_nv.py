"""Nevada WARN notices: DETR's "WARN and Non-WARN" master list, from its PDF table (or a CSV/XLSX copy).

DETR publishes the list on ``detr.nv.gov/Page/WARN``, today as a PDF (``WARN_and_NonWARN_Master_w_Logo_YYYY.pdf``),
read by position with spiders/pdftables.py; a CSV or XLSX copy of the same records is read as a table.
Both go through one row path (fields, keys, skips). We hold no agency PDF: the parser was verified on a
PDF our test builds from the values of a re-serialised CSV sample of the agency's records (15 rows, from
another project's test fixtures), and on that CSV itself. Given the landing page, ``parse`` follows its
``.csv``/``.xlsx`` links and its WARN list ``.pdf`` links (a PDF with the same file name as a CSV/XLSX link
is the same list: the table file is read); a page linking none is a loud layout error, never silence.

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
- PDF rows: a printed line starts a row when a date column holds a date or ``Notification`` its
  ``WARN``/``Non-WARN``, so a row without dates (Intuit) is its own row and is skipped by name, never
  glued to the row above. A line with none of these below a row is a wrapped cell of it (a long
  employer). A repeated page header, the title and the page footer are not rows. A truncated or
  corrupt PDF is a layout error naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import urlparse

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, classify_notice_type, clean_text, parse_date, parse_int
from spiders.pdftables import TableSpec, read_table
from spiders.tabular import (
    XLSX_MAGIC,
    UniqueKeys,
    csv_rows,
    find_header_row,
    is_blank,
    looks_like_html,
    make_key,
    raw_row,
    xlsx_sheets,
)
from spiders.warn_report import file_name

COLUMNS = {
    "company": [r"^(employer|company)( name)?$", r"\b(employer|company|business)\b"],
    "notice_date": [r"^received date$", r"\b(received|notice|notification)\b.*\bdate\b", r"\bdate received\b"],
    "effective_date": [r"^effective date$", r"\b(effective|layoff|closure|separation)\b.*\bdate\b"],
    "notice_type": [r"^type$", r"\b(notice|layoff|closure) type\b"],
    "employees": [r"\baffected\b", r"\b(employees|workers)\b"],
    "city": [r"^city$", r"\bcity\b"],
    "county": [r"^county$", r"\bcounty\b"],
    "notification": [r"^notification$"],  # WARN/Non-WARN on every row: anchors a PDF row that has no date
}
REQUIRED = ["company"]
DATE_FIELDS = ("notice_date", "effective_date")

PDF_TABLE = TableSpec(
    columns=COLUMNS,
    required=REQUIRED,
    header_markers=(r"^employer$", r"^received date$"),
    row_start={**dict.fromkeys(DATE_FIELDS, r"\d{1,2}/\d{1,2}/\d{2,4}"), "notification": r"(?i)(non-?)?warn"},
)

_TABLE_HREF = re.compile(r"\.(csv|xlsx)(?:$|[?#])", re.I)
_PDF_HREF = re.compile(r"\.pdf(?:$|[?#])", re.I)
_LIST_NAME = re.compile(r"warn.*(master|list)|non[-_ ]?warn", re.I)  # not a "WARN Act fact sheet.pdf"
_REMOTE = re.compile(r"^remote$", re.I)

#: One published row: (where, for messages: "line 7" / "page 2 line 5"), field -> cell, the raw row.
Record = tuple[str, Mapping[str, Any], dict[str, Any]]


class WarnNvSpider(NoticeSpider):
    name = "warn_nv"
    agency_url = "https://detr.nv.gov/Page/WARN"
    source_format = "PDF table of the WARN and Non-WARN master list (a CSV/XLSX copy is read too)"
    region = "Nevada"
    verified_on = (
        "rebuilt from a row dump (2026-07-16): a PDF table built from the re-serialised CSV sample, and that CSV"
    )
    start_urls = [agency_url]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if looks_like_html(response.body):
            try:
                links = list_links(response)
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
            links = list_links(response)
            self.logger.info(
                "source %s: %s is the landing page; the list is %s", self.name, response.url, ", ".join(links)
            )
            return
        yield from list(self._parse_table(response))

    def _parse_table(self, response: Response) -> Iterator[ClosureNotice]:
        if is_pdf(response):
            records = pdf_records(response.body, file_name(response.url))
        else:
            records = sheet_records(response.body, self.name)
        keys = UniqueKeys()
        for where, fields, raw in records:
            try:
                notice = self._parse_row(fields, raw, response.url, where)
            except ValueError as exc:
                self.skip_row(response, f"{where} ({clean_text(fields.get('company'))!r})", str(exc))
                continue
            notice.source_key, repeat = keys.assign(notice.source_key, raw)
            if repeat:
                self.logger.info("source %s: %s repeats an earlier row; yielded once", self.name, where)
                continue
            yield notice

    def _parse_row(self, fields: Mapping[str, Any], raw: dict[str, Any], url: str, where: str) -> ClosureNotice:
        company = clean_text(fields.get("company"))
        if not company:
            raise ValueError("no company name")
        notice_date = self._date(fields.get("notice_date"), where, "received date")
        effective_date = self._date(fields.get("effective_date"), where, "effective date")
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        city = clean_text(fields.get("city"))
        county = clean_text(fields.get("county"))
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date or effective_date, city, county),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(fields.get("notice_type")),
            city=None if _REMOTE.match(city) else (city or None),
            state="NV",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self._count(fields.get("employees"), where),
            raw=raw,
        )

    def _date(self, value: object, where: str, what: str) -> date | None:
        """A date, or the first date of a list or range; None (with a WARNING) when unreadable."""
        try:
            return _first_date(value)
        except ValueError:
            self.logger.warning("source %s: %s: unreadable %s %r stored as None", self.name, where, what, value)
            return None

    def _count(self, value: object, where: str) -> int | None:
        try:
            return parse_int(value)
        except ValueError:
            self.logger.warning("source %s: %s: unreadable count %r stored as None", self.name, where, value)
            return None


def is_pdf(response: Response) -> bool:
    """The agency's PDF, or something served in its place at a .pdf address (read_table names what it got)."""
    return response.body[:1024].lstrip().startswith(b"%PDF") or urlparse(response.url).path.lower().endswith(".pdf")


def sheet_records(body: bytes, source: str) -> list[Record]:
    """The rows of a CSV or XLSX copy of the list, under its header."""
    if body.startswith(XLSX_MAGIC):
        sheets = list(xlsx_sheets(body))
        rows: Sequence[Sequence[Any]] = sheets[0][1] if sheets else []
    else:
        rows = csv_rows(body)
    header_at, columns = find_header_row(rows, COLUMNS, REQUIRED, source=source)
    headers = list(rows[header_at])
    check_columns(columns, headers, source)
    records: list[Record] = []
    for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if is_blank(row):
            continue
        fields = {f: row[i] for f, i in columns.items() if i < len(row)}
        records.append((f"line {line}", fields, raw_row(headers, row)))
    if not records:
        raise LayoutChanged(f"no data rows under the header {headers}")
    return records


def pdf_records(body: bytes, name: str) -> list[Record]:
    """The rows of the list's PDF table, every page (UnreadableFile/LayoutChanged naming the file)."""
    table = read_table(body, PDF_TABLE, name)
    for layout in table.layouts:
        check_columns(layout.columns, layout.headers, name)
    if not table.rows:
        raise LayoutChanged(f"{name}: layout changed: a header but no rows in {table.pages} pages")
    return [(row.ref(), row.fields, dict(row.raw)) for row in table.rows]


def check_columns(columns: Mapping[str, int], headers: Sequence[Any], where: str) -> None:
    if not any(f in columns for f in DATE_FIELDS):
        raise LayoutChanged(f"{where}: layout changed: no date column among headers {list(headers)}")
    if "city" not in columns and "county" not in columns:
        raise LayoutChanged(f"{where}: layout changed: no column for city or county among headers {list(headers)}")


def list_links(response: Response) -> list[str]:
    """The landing page's .csv/.xlsx links and its WARN list PDFs (a PDF copy of a table file left out)."""
    hrefs = [response.urljoin(h) for h in response.css("a::attr(href)").getall()]
    tables = list(dict.fromkeys(h for h in hrefs if _TABLE_HREF.search(h)))
    stems = {_stem(h) for h in tables}
    pdfs = [h for h in dict.fromkeys(hrefs) if _PDF_HREF.search(h)]
    lists = [h for h in pdfs if _LIST_NAME.search(file_name(h)) and _stem(h) not in stems]
    links = tables + lists
    if not links:
        others = f" (other PDFs: {', '.join(pdfs[:3])})" if pdfs else ""
        raise LayoutChanged(f"the landing page links no WARN list{others}")
    return links


def _stem(url: str) -> str:
    return file_name(url).rsplit(".", 1)[0].lower()


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
