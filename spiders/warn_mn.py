"""Minnesota WARN notices: DEED's mass-layoff report rows (one row per layoff), read as a table (CSV or XLSX).

DEED publishes the report as PDF tables (``YYYY-mass-layoff-report_tcm1045-….pdf``). This parser reads
its rows as a table: it was verified on a re-serialised CSV sample of the agency's records (15 rows of
the 2020 report, extracted from the PDF by another project, PDF-extraction artefacts kept), not on an
agency file. Given a landing page, ``parse`` follows its ``.csv``/``.xlsx`` links; a page that links
only PDF reports is a loud layout error naming them (their tables are not read yet).

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
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, classify_notice_type, clean_text, parse_date, parse_int
from spiders.tabular import (
    XLSX_MAGIC,
    UniqueKeys,
    cell,
    csv_rows,
    find_header_row,
    is_blank,
    looks_like_html,
    make_key,
    raw_row,
    xlsx_sheets,
)

COLUMNS = {
    "company": [r"^layoff name$", r"^(employer|company)( name)?$", r"\b(employer|company|business)\b"],
    "notice_date": [r"^warn received$", r"\b(warn|notice)\b.*\breceived\b", r"\breceived\b"],
    "rr_date": [r"^rr start date$", r"\brapid response\b.*\bdate\b"],
    "effective_date": [r"^layoff start$", r"\b(layoff|closure|closing|effective)\b.*\b(start|date)\b"],
    "notice_type": [r"^layoff type$", r"\b(layoff|notice|closure) type\b"],
    "employees": [r"^affected workers$", r"\b(affected|employees|workers)\b"],
    "city": [r"^city$", r"\bcity\b"],
}
REQUIRED = ["company", "city"]
DATE_FIELDS = ("notice_date", "rr_date", "effective_date")

_TABLE_HREF = re.compile(r"\.(csv|xlsx)(?:$|[?#])", re.I)
_PDF_HREF = re.compile(r"\.pdf(?:$|[?#])", re.I)
_YEAR_SUFFIX = re.compile(r"\s+(?:19|20)\d\d$")


class WarnMnSpider(NoticeSpider):
    name = "warn_mn"
    agency_url = "https://mn.gov/deed/programs-services/dislocated-worker/dislocated-worker/news/"
    source_format = "table of the mass-layoff report rows (CSV/XLSX); the agency's PDF is not read yet"
    region = "Minnesota"
    verified_on = "agency records, re-serialised CSV sample (2026-07-16)"
    start_urls = [agency_url]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if looks_like_html(response.body):
            try:
                links = table_links(response)
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
            links = table_links(response)
            self.logger.info(
                "source %s: %s is the landing page; the report is %s", self.name, response.url, ", ".join(links)
            )
            return
        yield from list(self._parse_table(response))

    def _parse_table(self, response: Response) -> Iterator[ClosureNotice]:
        if response.body.startswith(b"%PDF"):
            raise LayoutChanged("got the agency's PDF report: its tables are not read yet (this parser reads CSV/XLSX)")
        if response.body.startswith(XLSX_MAGIC):
            sheets = list(xlsx_sheets(response.body))
            rows: Sequence[Sequence[Any]] = sheets[0][1] if sheets else []
        else:
            rows = csv_rows(response.body)
        header_at, columns = find_header_row(rows, COLUMNS, REQUIRED, source=self.name)
        headers = list(rows[header_at])
        if not any(f in columns for f in DATE_FIELDS):
            raise LayoutChanged(f"{self.name}: layout changed: no date column among headers {headers}")
        keys = UniqueKeys()
        data_rows = 0
        for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
            if is_blank(row):
                continue
            data_rows += 1
            raw = raw_row(headers, row)
            try:
                notice = self._parse_row(row, columns, raw, response.url, line)
            except ValueError as exc:
                self.skip_row(response, f"line {line} ({clean_text(cell(row, columns, 'company'))!r})", str(exc))
                continue
            notice.source_key, repeat = keys.assign(notice.source_key, raw)
            if repeat:
                self.logger.info("source %s: line %s repeats an earlier row; yielded once", self.name, line)
                continue
            yield notice
        if not data_rows:
            raise LayoutChanged(f"no data rows under the header {headers}")

    def _parse_row(
        self, row: Sequence[Any], columns: dict[str, int], raw: dict[str, Any], url: str, line: int
    ) -> ClosureNotice:
        published = clean_text(cell(row, columns, "company"))
        company = _YEAR_SUFFIX.sub("", published) or published
        if not company:
            raise ValueError("no company name")
        notice_date = self._date(cell(row, columns, "notice_date"), line, "WARN received date") or self._date(
            cell(row, columns, "rr_date"), line, "rapid response start date"
        )
        effective_date = self._date(cell(row, columns, "effective_date"), line, "layoff start")
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        city = clean_text(cell(row, columns, "city")) or None
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date or effective_date, city),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(cell(row, columns, "notice_type")),
            city=city,
            state="MN",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self._count(cell(row, columns, "employees"), line),
            raw=raw,
        )

    def _date(self, value: object, line: int, what: str) -> date | None:
        """A date, or the first date of a list or range; None (with a WARNING) when unreadable."""
        try:
            return _first_date(value)
        except ValueError:
            self.logger.warning("source %s: line %s: unreadable %s %r stored as None", self.name, line, what, value)
            return None

    def _count(self, value: object, line: int) -> int | None:
        try:
            return parse_int(value)
        except ValueError:
            self.logger.warning("source %s: line %s: unreadable count %r stored as None", self.name, line, value)
            return None


def table_links(response: Response) -> list[str]:
    """The .csv/.xlsx links of the landing page; a page linking only PDFs says so."""
    hrefs = response.css("a::attr(href)").getall()
    links = list(dict.fromkeys(response.urljoin(h) for h in hrefs if _TABLE_HREF.search(h)))
    if not links:
        pdfs = [response.urljoin(h) for h in hrefs if _PDF_HREF.search(h)]
        if pdfs:
            raise LayoutChanged(f"the landing page links only PDF reports, not read yet: {', '.join(pdfs[:3])}")
        raise LayoutChanged("the landing page links no mass-layoff report")
    return links


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
