"""Minnesota WARN notices: DEED's mass-layoff report rows (one row per layoff), from its PDF tables.

DEED publishes the report as PDF tables (``YYYY-mass-layoff-report_tcm1045-….pdf``), read by position
with spiders/pdftables.py; a CSV or XLSX copy of the same rows is read as a table. Both go through one
row path (fields, keys, skips). We hold no agency PDF: the parser was verified on a PDF our test builds
from the values of a re-serialised CSV sample of the agency's records (15 rows of the 2020 report,
extracted from the PDF by another project, PDF-extraction artefacts kept), and on that CSV itself.
Given a landing page, ``parse`` follows its ``.csv``/``.xlsx`` links and its mass-layoff report ``.pdf``
links (a PDF with the same file name as a CSV/XLSX link is the same report: the table file is read).

Field decisions:

- ``company_name`` = ``Layoff Name`` without the report-year suffix the agency appends
  (``Torax Medical 2020`` -> ``Torax Medical``, ``Boston Scientific -Maple Grove 2020`` keeps its
  site); the published name stays in ``raw``. ``source_key`` = that name + date + city (normalized,
  ``tabular.key_part``), so the suffix of another year's report does not make a new notice.
- ``notice_type`` from ``Layoff Type``: ``Closing`` -> closure, ``Workforce Reduction`` -> layoff,
  ``No Layoff`` -> other. ``WARN Act`` (YES/NO: whether the layoff falls under WARN), ``Layoff
  Status`` and ``TAA Related`` stay in ``raw`` (the PDF extraction runs status and TAA together:
  ``Small Layoff Services  NO``).
- Dates: ``WARN Received`` (else ``RR Start Date``) -> ``notice_date``, ``Layoff Start`` ->
  ``effective_date``; tolerant (first date of a list or range; ``-`` is no date; an impossible
  ``2/30/2020`` is None with a WARNING naming the line). The sample has no received dates, so the
  layoff start is the only date and keys the notice.
- ``Industry`` is a sector name (``Manufacturing  1``, an extraction artefact), not a code:
  ``industry_code`` stays None, the text stays in ``raw``. ``employees`` = ``Affected Workers``.
- ``state`` MN; no street address. Skipped (logged, counted): no name, or no readable date at all
  (NexLink's ``2/30/2020``; Juut Salon and Teleflex, ``No Layoff`` rows with ``-``).
- Essential columns: name, City and one date column; type, counts, status are optional.
- PDF rows: a printed line starts a row when a date column holds a date or the agency's ``-`` (no
  date), or the ``WARN Act`` column its YES/NO; so a row without any date (``-``) is its own row and
  is skipped by name, never glued to the row above. A line with none of these below a row is a
  wrapped cell of it (a long ``Layoff Name``). A repeated page header, the title and the page footer
  are not rows. A truncated or corrupt PDF is a layout error naming the file.
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
    "company": [r"^layoff name$", r"^(employer|company)( name)?$", r"\b(employer|company|business)\b"],
    "notice_date": [r"^warn received$", r"\b(warn|notice)\b.*\breceived\b", r"\breceived\b"],
    "rr_date": [r"^rr start date$", r"\brapid response\b.*\bdate\b"],
    "effective_date": [r"^layoff start$", r"\b(layoff|closure|closing|effective)\b.*\b(start|date)\b"],
    "notice_type": [r"^layoff type$", r"\b(layoff|notice|closure) type\b"],
    "employees": [r"^affected workers$", r"\b(affected|employees|workers)\b"],
    "city": [r"^city$", r"\bcity\b"],
    "warn_act": [r"^warn act$"],  # YES/NO on every row: anchors a PDF row that has no date
}
REQUIRED = ["company", "city"]
DATE_FIELDS = ("notice_date", "rr_date", "effective_date")

_DATE_OR_DASH = r"\d{1,2}/\d{1,2}/\d{2,4}|-+"
PDF_TABLE = TableSpec(
    columns=COLUMNS,
    required=REQUIRED,
    header_markers=(r"^layoff name$", r"^layoff start$"),
    row_start={**dict.fromkeys(DATE_FIELDS, _DATE_OR_DASH), "warn_act": r"(?i)yes|no"},
)

_TABLE_HREF = re.compile(r"\.(csv|xlsx)(?:$|[?#])", re.I)
_PDF_HREF = re.compile(r"\.pdf(?:$|[?#])", re.I)
_REPORT_NAME = re.compile(r"mass[-_ ]?layoff", re.I)
_YEAR_SUFFIX = re.compile(r"\s+(?:19|20)\d\d$")

#: One published row: (where, for messages: "line 7" / "page 2 line 5"), field -> cell, the raw row.
Record = tuple[str, Mapping[str, Any], dict[str, Any]]


class WarnMnSpider(NoticeSpider):
    name = "warn_mn"
    agency_url = "https://mn.gov/deed/programs-services/dislocated-worker/dislocated-worker/news/"
    source_format = "PDF tables of the mass-layoff report (a CSV/XLSX copy is read too)"
    region = "Minnesota"
    verified_on = (
        "rebuilt from a row dump (2026-07-16): a PDF table built from the re-serialised CSV sample, and that CSV"
    )
    start_urls = [agency_url]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if looks_like_html(response.body):
            try:
                links = report_links(response)
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
            links = report_links(response)
            self.logger.info(
                "source %s: %s is the landing page; the report is %s", self.name, response.url, ", ".join(links)
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
        published = clean_text(fields.get("company"))
        company = _YEAR_SUFFIX.sub("", published) or published
        if not company:
            raise ValueError("no company name")
        notice_date = self._date(fields.get("notice_date"), where, "WARN received date") or self._date(
            fields.get("rr_date"), where, "rapid response start date"
        )
        effective_date = self._date(fields.get("effective_date"), where, "layoff start")
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        city = clean_text(fields.get("city")) or None
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date or effective_date, city),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(fields.get("notice_type")),
            city=city,
            state="MN",
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
    """The rows of a CSV or XLSX copy of the report, under its header."""
    if body.startswith(XLSX_MAGIC):
        sheets = list(xlsx_sheets(body))
        rows: Sequence[Sequence[Any]] = sheets[0][1] if sheets else []
    else:
        rows = csv_rows(body)
    header_at, columns = find_header_row(rows, COLUMNS, REQUIRED, source=source)
    headers = list(rows[header_at])
    check_dates(columns, headers, source)
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
    """The rows of the report's PDF tables, every page (UnreadableFile/LayoutChanged naming the file)."""
    table = read_table(body, PDF_TABLE, name)
    for layout in table.layouts:
        check_dates(layout.columns, layout.headers, name)
    if not table.rows:
        raise LayoutChanged(f"{name}: layout changed: a header but no rows in {table.pages} pages")
    return [(row.ref(), row.fields, dict(row.raw)) for row in table.rows]


def check_dates(columns: Mapping[str, int], headers: Sequence[Any], where: str) -> None:
    if not any(f in columns for f in DATE_FIELDS):
        raise LayoutChanged(f"{where}: layout changed: no date column among headers {list(headers)}")


def report_links(response: Response) -> list[str]:
    """The landing page's .csv/.xlsx links and its mass-layoff report PDFs (a PDF copy of a table file left out)."""
    hrefs = [response.urljoin(h) for h in response.css("a::attr(href)").getall()]
    tables = list(dict.fromkeys(h for h in hrefs if _TABLE_HREF.search(h)))
    stems = {_stem(h) for h in tables}
    pdfs = [h for h in dict.fromkeys(hrefs) if _PDF_HREF.search(h)]
    reports = [h for h in pdfs if _REPORT_NAME.search(file_name(h)) and _stem(h) not in stems]
    links = tables + reports
    if not links:
        others = f" (other PDFs: {', '.join(pdfs[:3])})" if pdfs else ""
        raise LayoutChanged(f"the landing page links no mass-layoff report{others}")
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
