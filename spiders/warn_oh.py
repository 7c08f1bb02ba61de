"""Ohio WARN notices: the yearly CSV that the JFS "current public notices" page embeds (``csvUrl``).

A crawl asks for the current page and one archive page per past year of its window (``since``
spider argument, default Jan 1 of last year; the archive pages start in 2020). ``parse`` takes
either a landing page (it finds the CSV link(s) by meaning: a ``csvUrl`` value in the
page's script or an ``href`` ending in ``.csv``, never by position, and requests them) or the CSV itself
(``leads crawl warn_oh --url …/warn-notice.csv``). The CSV is a Tableau/SharePoint-style export: a type
row (``s,s,h,h,…``) and an empty row come before the header; the header row is found by meaning.

Field decisions:

- ``source_key`` = company + date received + City/County (normalized, ``tabular.key_part``): the
  ``Notice ID`` (``017-20-167``) is not used, so that a key made from another snapshot of the export
  without that column is the same. Rows sharing all three but differing elsewhere get ``|2`` (file
  order); an identical repeated row is yielded once.
- ``Company`` appears twice in the header (the second is the same name again): the first is used,
  both stay in ``raw`` (``Company`` and ``Company (2)``).
- ``City/County`` is one cell (``East Liverpool/Columbiana``): the part before the slash is the
  ``city``; the county stays in ``raw``. ``state`` is OH. No street address, ZIP or industry.
- ``notice_type`` is ``other``: the export has no closure/layoff column (one named like
  ``Type``/``Closure or Layoff`` would be classified). ``temporary`` None, ``amended`` False.
- ``notice_date`` = ``Date Received`` (``M/D/YY``); ``effective_date`` = the first date of
  ``Layoff Date(s)`` (a list or range keeps its first date; the text stays in ``raw``).
- Dates and counts are read tolerantly: an unreadable optional value is stored as None with a
  WARNING naming the line. Skipped (logged, counted): no company name, or no readable date at all.
- Essential columns: company, a place (City/County) and at least one date column; a missing optional
  column (counts, layoff dates, type) lands the rows with that field None.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import (
    LayoutChanged,
    classify_notice_type,
    clean_text,
    first_date,
    parse_int,
    window_start,
)
from spiders.tabular import UniqueKeys, cell, csv_rows, find_header_row, is_blank, looks_like_html, make_key, raw_row

COLUMNS = {
    "company": [r"^company$", r"\b(company|employer|business)\b"],
    "notice_date": [r"^date received$", r"\b(received|notice|filed)\b.*\bdate\b", r"\bdate\b.*\breceived\b"],
    "effective_date": [r"^layoff date", r"\b(layoff|closure|closing|separation|effective)\b.*\bdates?\b"],
    "place": [r"^city county$", r"\bcity\b", r"\blocation\b"],
    "employees": [r"\bnumber affected\b", r"\b(employees|workers|affected)\b"],
    "notice_type": [r"\bclosure or layoff\b", r"\b(notice|layoff|event) type\b", r"^type$"],
}
REQUIRED = ["company", "place"]
DATE_FIELDS = ("notice_date", "effective_date")

PAGES = "https://jfs.ohio.gov/job-workforce-services/job-programs-and-services/submit-a-warn-notice"
YEAR_PAGE = PAGES + "/{year}-public-notices-of-layoffs-and-closures"
FIRST_YEAR = 2020  # the oldest year with its own archive page

_CSV_URL = re.compile(r"""csvUrl["']?\s*[:=]\s*["']([^"']+)["']""")


class WarnOhSpider(NoticeSpider):
    name = "warn_oh"
    agency_url = PAGES + "/current-public-notices-of-layoffs-and-closures"
    source_format = "HTML pages (current + one per past year) embedding a CSV export"
    region = "Ohio"
    verified_on = "agency file 2020-12-23"  # a 3-row slice of the agency CSV (SOURCE.md)
    demo_urls = ("https://jfs.ohio.gov/static/warn/warn-notice.csv",)
    demo_files = {"/static/warn/warn-notice.csv": "warn_oh/warn_notice_2020_sample.csv"}
    #: What `leads sources` shows; a crawl asks for the pages of its window (see __init__).
    start_urls = [agency_url]

    def __init__(self, *args: Any, since: str | None = None, url: str | list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, url=url, **kwargs)
        if not url:
            self.start_urls = page_urls(window_start(since).year, date.today().year)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if looks_like_html(response.body):
            try:
                links = csv_links(response)
            except LayoutChanged as exc:
                self.layout_changed(response, str(exc))
                return
            for url in links:
                yield self.request(url, self.parse_csv)
            return
        yield from self.parse_csv(response)

    def parse_csv(self, response: Response) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_csv)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        """A saved CSV gives its notices; a saved landing page gives none (it only links the CSV)."""
        if looks_like_html(response.body):
            links = csv_links(response)  # LayoutChanged propagates: the page lost its link
            self.logger.info(
                "source %s: %s is the landing page; the CSV is %s", self.name, response.url, ", ".join(links)
            )
            return
        yield from list(self._parse_csv(response))

    def _parse_csv(self, response: Response) -> Iterator[ClosureNotice]:
        rows = csv_rows(response.body)
        header_at, columns = find_header_row(rows, COLUMNS, REQUIRED, source=self.name)
        if not any(f in columns for f in DATE_FIELDS):
            raise LayoutChanged(f"{self.name}: layout changed: no date column among headers {rows[header_at]}")
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
            raise LayoutChanged(f"no data rows under the header {headers}")

    def _parse_row(
        self, row: list[str], columns: dict[str, int], raw: dict[str, Any], url: str, line: int
    ) -> ClosureNotice:
        company = clean_text(cell(row, columns, "company"))
        if not company:
            raise ValueError("no company name")
        notice_date = self._date(cell(row, columns, "notice_date"), line, "date received")
        effective_date = self._date(cell(row, columns, "effective_date"), line, "layoff date")
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        place = clean_text(cell(row, columns, "place"))
        city = clean_text(place.split("/", 1)[0]) or None
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date or effective_date, place),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(cell(row, columns, "notice_type")),
            city=city,
            state="OH",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self._count(cell(row, columns, "employees"), line),
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


def page_urls(first_year: int, this_year: int) -> list[str]:
    """The current page (this year's notices) and one archive page per past year of the window.

    On 1 January the window (from ``since``, default Jan 1 of last year) still covers last year,
    whose notices have moved to its archive page.
    """
    years = range(max(first_year, FIRST_YEAR), this_year)
    return [PAGES + "/current-public-notices-of-layoffs-and-closures"] + [YEAR_PAGE.format(year=y) for y in years]


def csv_links(response: Response) -> list[str]:
    """The CSV export URL(s) of the landing page: its ``csvUrl`` script value(s), else ``.csv`` links."""
    found = [m.group(1) for m in _CSV_URL.finditer(response.text)]
    found += [href for href in response.css("a::attr(href)").getall() if re.search(r"\.csv(?:$|[?#])", href, re.I)]
    links = list(dict.fromkeys(response.urljoin(clean_text(u)) for u in found))
    if not links:
        raise LayoutChanged("the landing page links no CSV export (no csvUrl, no .csv link)")
    return links
