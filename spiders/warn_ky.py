"""Kentucky WARN notices: the Kentucky Career Center's Salesforce report export, linked from its Rapid Response page.

``parse`` takes the landing page (it follows the report link(s) found by meaning: an ``href`` ending in
``.csv``/``.xlsx``, or a link saying "WARN" and "report"/"export"/"download") or the export itself,
CSV or XLSX (``leads crawl warn_ky --url …/latest.csv``). The export holds the current year's
notices; Salesforce prefixes headers with their object (``Company: Company Name``,
``Notice: Notice Number``), so columns are found by meaning.

Field decisions:

- ``source_key`` = company + date received + county (normalized, ``tabular.key_part``). The notice
  number (``Notice 2580``, not in date order) stays in ``raw``: a key without it is the same in an
  export that drops the column. Repeat filers (PARSONS CORPORATION ×6, Battelle ×4) differ by date.
- ``notice_type`` from ``Closure or Layoff?`` (``Closure``/``Layoff``); ``Notice Type`` is the
  filing kind (``WARN Notice``); a kind saying "amend"/"update"/"revis" sets ``amended``.
  ``temporary`` is None: the export does not say.
- Place: only a ``County`` (``Fayette``, ``Jefferson County - Louisville``); ``city`` is None, the
  county stays in ``raw``. ``state`` is KY, except ``Out of the State County`` (the site is outside
  Kentucky): None. No street address or ZIP.
- ``industry_code`` = ``NAICS`` as published (2 to 6 digits, or None when empty).
- ``employees`` blank (Battelle, Notice 2611) -> None; an unreadable count or optional date is None
  with a WARNING naming the line. Skipped (logged, counted): no company, or no readable date at all.
- Essential columns: company, County and one date column; ``Closure or Layoff?``, counts, NAICS,
  projected date are optional (missing -> None for every row).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, classify_notice_type, clean_text, first_date, parse_int
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
    "company": [r"\bcompany name\b", r"^(company|employer)$", r"\b(company|employer|business)\b"],
    "notice_type": [r"\bclosure or layoff\b", r"\b(closure|layoff) type\b"],
    "filing": [r"^notice type$", r"\bnotice type\b"],
    "county": [r"^county$", r"\bcounty\b"],
    "notice_date": [r"^date received$", r"\b(received|notice)\b.*\bdate\b", r"\bdate\b.*\breceived\b"],
    "effective_date": [r"^projected date$", r"\b(projected|layoff|closure|effective|separation)\b.*\bdate\b"],
    "industry": [r"^naics$", r"\bnaics\b"],
    "employees": [r"\bemployees affected\b", r"\b(number|no)\b.*\b(employees|workers)\b"],
}
REQUIRED = ["company", "county"]
DATE_FIELDS = ("notice_date", "effective_date")

_EXPORT_HREF = re.compile(r"\.(csv|xlsx)(?:$|[?#])", re.I)
_AMENDED = re.compile(r"amend|update|revis", re.I)
_OUT_OF_STATE = re.compile(r"out of (the )?state", re.I)


class WarnKySpider(NoticeSpider):
    name = "warn_ky"
    agency_url = "https://kyworks.ky.gov/Services/Pages/Rapid-Response-Layoffs-and-Closures.aspx"
    source_format = "HTML page linking to a Salesforce report export (CSV or XLSX)"
    region = "Kentucky"
    verified_on = "agency file 2025-11-14"  # the CSV export; newest notice received 11/14/2025
    demo_urls = ("https://kyworks.ky.gov/Services/latest.csv",)
    demo_files = {"kyworks.ky.gov/Services/latest.csv": "warn_ky/latest.csv"}
    start_urls = [agency_url]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if looks_like_html(response.body):
            try:
                links = export_links(response)
            except LayoutChanged as exc:
                self.layout_changed(response, str(exc))
                return
            for url in links:
                yield self.request(url, self.parse_export)
            return
        yield from self.parse_export(response)

    def parse_export(self, response: Response) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_export)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        """A saved export gives its notices; a saved landing page gives none (it only links the export)."""
        if looks_like_html(response.body):
            links = export_links(response)  # LayoutChanged propagates: the page lost its link
            self.logger.info(
                "source %s: %s is the landing page; the export is %s", self.name, response.url, ", ".join(links)
            )
            return
        yield from list(self._parse_export(response))

    def _parse_export(self, response: Response) -> Iterator[ClosureNotice]:
        if response.body.startswith(XLSX_MAGIC):
            sheets = list(xlsx_sheets(response.body))
            rows: Sequence[Sequence[Any]] = sheets[0][1] if sheets else []
        else:
            rows = csv_rows(response.body)
        header_at, columns = find_header_row(rows, COLUMNS, REQUIRED, source=self.name)
        if not any(f in columns for f in DATE_FIELDS):
            raise LayoutChanged(f"{self.name}: layout changed: no date column among headers {list(rows[header_at])}")
        headers = rows[header_at]
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
            raise LayoutChanged(f"no data rows under the header {list(headers)}")

    def _parse_row(
        self, row: Sequence[Any], columns: dict[str, int], raw: dict[str, Any], url: str, line: int
    ) -> ClosureNotice:
        company = clean_text(cell(row, columns, "company"))
        if not company:
            raise ValueError("no company name")
        notice_date = self._date(cell(row, columns, "notice_date"), line, "date received")
        effective_date = self._date(cell(row, columns, "effective_date"), line, "projected date")
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        county = clean_text(cell(row, columns, "county"))
        industry = clean_text(cell(row, columns, "industry"))
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date or effective_date, county),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(cell(row, columns, "notice_type")),
            state=None if _OUT_OF_STATE.search(county) else "KY",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self._count(cell(row, columns, "employees"), line),
            industry_code=industry.removesuffix(".0") or None,  # an XLSX gives NAICS as a number
            amended=bool(_AMENDED.search(clean_text(cell(row, columns, "filing")))),
            raw=raw,
        )

    def _date(self, value: object, line: int, what: str) -> date | None:
        """A date, or the first date of a list or range; None (with a WARNING) when unreadable."""
        try:
            return first_date(value)
        except ValueError:
            self.logger.warning("source %s: line %s: unreadable %s %r stored as None", self.name, line, what, value)
            return None

    def _count(self, value: object, line: int) -> int | None:
        try:
            return parse_int(value)
        except ValueError:
            self.logger.warning("source %s: line %s: unreadable count %r stored as None", self.name, line, value)
            return None


def export_links(response: Response) -> list[str]:
    """The report export URL(s) the landing page links: a .csv/.xlsx href, else a link saying WARN + report."""
    links = []
    for anchor in response.css("a[href]"):
        href = anchor.attrib["href"]
        text = clean_text(" ".join(anchor.css("::text").getall()))
        if _EXPORT_HREF.search(href) or (
            re.search(r"\bwarn\b", text, re.I) and re.search(r"report|export|download", text, re.I)
        ):
            links.append(response.urljoin(href))
    if not links:
        raise LayoutChanged("the landing page links no WARN report export (.csv/.xlsx)")
    return list(dict.fromkeys(links))
