"""Connecticut WARN notices: the CT DOL "Listing of WARN Notices" page of each year (static FrontPage HTML).

A crawl asks for one page per year of its window (``warnYYYY.htm``; ``since`` spider argument, default
Jan 1 of last year, so 1 January still covers last year). The notices table is found by meaning among
the page's nested layout tables (innermost first; its header cells are ``<td><b><span><font>``).
Since October 2025 the agency also serves the notices through a JSON document-library API; this
spider reads the HTML year pages.

Field decisions:

- ``WARN Date`` holds two dates (``2/3/2025 Rec'd 2/10/2025``): the first, the notice's own date, is
  ``notice_date``; the receipt date stays in ``raw``. ``source_key`` = company (without an update
  note) + that date + location (normalized, ``tabular.key_part``): CVS Health filed three Hartford
  notices on three dates, three notices.
- ``company_name`` is the cell text with line breaks collapsed (``J.J. Ryan \\r\\nCorporation dba Rex
  Forge``) and an update note taken off: ``HyAxiom (update to 11/14/24 notice)`` -> HyAxiom with
  ``amended`` True (the note stays in ``raw``). The notice PDF the name links is kept, resolved, in
  ``raw`` as ``Company link``.
- ``notice_type`` from ``Closing Yes/No``: Yes -> closure, No -> layoff; blank/other -> other.
- ``effective_date`` = first date of ``Date(s) of Layoffs`` (ranges ``2/10/2025 - 2/24/2025``,
  lists ``3/31/2025, 6/30/2025 & 9/30/2025``, two-digit years ``3/9/25``), else ``Date of Closing``;
  an unreadable value (``4/112025``) is None with a WARNING naming the row.
- ``employees`` = the leading number of the free text (``13 total: 2 CT residents`` -> 13, the total;
  ``2 (1 remote CT worker)`` -> 2); text without one is None with a WARNING.
- ``city``: ``Remote`` -> None; several towns (``South Windsor/East Hartford``) stay as published.
  ``state`` CT. No street address. Union columns stay in ``raw``.
- Skipped (logged, counted): no company, or no readable date at all.
- Essential columns: WARN Date, company, location; the rest are optional.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from parsel import Selector
from scrapy.http import Response, TextResponse

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, clean_text, first_date, parse_int, window_start
from spiders.tabular import UniqueKeys, cell, find_header_row, is_blank, make_key, raw_row

COLUMNS = {
    "notice_date": [r"^warn date$", r"\bwarn\b.*\bdate\b", r"\b(notice|received)\b.*\bdate\b"],
    "company": [r"\baffected company\b", r"^(company|employer)( name)?$", r"\b(company|employer|business)\b"],
    "location": [r"\blocations? s? of layoffs?\b", r"\b(location|city|town)\b"],
    "employees": [r"\bnumber affected\b", r"\b(affected|employees|workers)\b"],
    "effective_date": [r"^date s of layoffs$", r"\bdates? s? of layoffs?\b", r"\blayoff\b.*\bdates?\b"],
    "closing": [r"^closing yes no$", r"\bclosing\b(?!.*\bdate\b)"],
    "closing_date": [r"^date of closing$", r"\b(closing|closure)\b.*\bdate\b", r"\bdate\b.*\b(closing|closure)\b"],
}
REQUIRED = ["notice_date", "company", "location"]

YEAR_PAGE = "https://www.ctdol.state.ct.us/progsupt/bussrvce/warnreports/warn{year}.htm"

_UPDATE_NOTE = re.compile(r"\s*\((?:update|amend|revis)[^)]*\)\s*", re.I)
_LEADING_COUNT = re.compile(r"^\s*(\d[\d,]*)\b")
_REMOTE = re.compile(r"^remote$", re.I)


class WarnCtSpider(NoticeSpider):
    name = "warn_ct"
    agency_url = "https://www.ctdol.state.ct.us/progsupt/bussrvce/warnreports/warnreports.htm"
    source_format = "HTML table per year"
    region = "Connecticut"
    verified_on = "agency file 2025-03-25"
    demo_urls = ("https://www.ctdol.state.ct.us/progsupt/bussrvce/warnreports/warn2025.htm",)
    demo_files = {"/warnreports/warn2025.htm": "warn_ct/2025.html"}
    #: What `leads sources` shows; a crawl asks for each year of its window (see __init__).
    start_urls = [YEAR_PAGE.format(year=date.today().year)]

    def __init__(self, *args: Any, since: str | None = None, url: str | list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, url=url, **kwargs)
        if not url:
            first = window_start(since).year
            self.start_urls = [YEAR_PAGE.format(year=y) for y in range(first, date.today().year + 1)]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_page)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        yield from list(self._parse_page(response))

    def _parse_page(self, response: Response) -> Iterator[ClosureNotice]:
        if not isinstance(response, TextResponse):
            raise LayoutChanged("expected the HTML year page, got a binary file")
        table, rows, header_at, columns = self._find_table(response)
        headers = rows[header_at]
        keys = UniqueKeys()
        data_rows = 0
        trs, _ = _table_rows(table)
        for number, (tr, row) in enumerate(zip(trs[header_at + 1 :], rows[header_at + 1 :], strict=True), start=1):
            if is_blank(row):
                continue
            data_rows += 1
            raw = raw_row(headers, row)
            link = _first_link(tr)
            if link:
                raw["Company link"] = response.urljoin(link.strip())
            try:
                notice = self._parse_row(row, columns, raw, response.url, number)
            except ValueError as exc:
                self.skip_row(response, f"table row {number} ({cell(row, columns, 'company')!r})", str(exc))
                continue
            notice.source_key, repeat = keys.assign(notice.source_key, raw)
            if repeat:
                self.logger.info("source %s: table row %s repeats an earlier row; yielded once", self.name, number)
                continue
            yield notice
        if not data_rows:
            # Early January a new year's page may list none yet: worth a warning, not a failure.
            self.logger.warning("source %s: %s lists no notices (header only)", self.name, response.url)

    def _find_table(self, response: TextResponse) -> tuple[Selector, list[list[str]], int, dict[str, int]]:
        """The notices table: innermost tables first, since the page nests it in layout tables."""
        tables = sorted(response.css("table"), key=lambda t: bool(t.xpath(".//table")))
        error: LayoutChanged | None = None
        for table in tables:
            _, rows = _table_rows(table)
            try:
                return (table, rows, *find_header_row(rows, COLUMNS, REQUIRED, source=self.name))
            except LayoutChanged as exc:
                # Name what the likeliest table lacks, not that an empty layout table has no rows.
                if error is None or ("no column" in str(exc) and "no column" not in str(error)):
                    error = exc
        raise error or LayoutChanged("no table in the page")

    def _parse_row(
        self, row: list[str], columns: dict[str, int], raw: dict[str, Any], url: str, number: int
    ) -> ClosureNotice:
        published = clean_text(cell(row, columns, "company"))
        company = clean_text(_UPDATE_NOTE.sub(" ", published))
        if not company:
            raise ValueError("no company name")
        notice_date = self._date(cell(row, columns, "notice_date"), number, "WARN date")
        effective_date = self._date(cell(row, columns, "effective_date"), number, "layoff date") or self._date(
            cell(row, columns, "closing_date"), number, "closing date"
        )
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        location = clean_text(cell(row, columns, "location"))
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date or effective_date, location),
            company_name=company,
            source_url=url,
            notice_type=_notice_type(cell(row, columns, "closing")),
            city=None if _REMOTE.match(location) else (location or None),
            state="CT",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self._count(cell(row, columns, "employees"), number),
            amended=company != published,
            raw=raw,
        )

    def _date(self, value: object, number: int, what: str) -> date | None:
        """A date, or the first date of a list or range; None (with a WARNING) when unreadable."""
        try:
            return first_date(value)
        except ValueError:
            self.logger.warning(
                "source %s: table row %s: unreadable %s %r stored as None", self.name, number, what, value
            )
            return None

    def _count(self, value: object, number: int) -> int | None:
        """A count, or the leading number of a free-text cell ('13 total: 2 CT residents'); else None, flagged."""
        try:
            return parse_int(value)
        except ValueError:
            match = _LEADING_COUNT.match(clean_text(value))
            if match:
                return int(match.group(1).replace(",", ""))
            self.logger.warning("source %s: table row %s: unreadable count %r stored as None", self.name, number, value)
            return None


def _notice_type(closing: object) -> str:
    text = clean_text(closing).lower()
    if text.startswith("y"):
        return "closure"
    if text.startswith("n"):
        return "layoff"
    return "other"


def _table_rows(table: Selector) -> tuple[list[Any], list[list[str]]]:
    """(the table's own ``<tr>`` elements, their cell texts), read with lxml directly.

    A parsel selector per cell costs some 20 times more than walking the lxml tree.
    """
    trs = []
    for child in table.root:
        if child.tag == "tr":
            trs.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            trs.extend(tr for tr in child if tr.tag == "tr")
    rows = [[clean_text(" ".join(c.itertext())) for c in tr if c.tag in ("td", "th")] for tr in trs]
    return trs, rows


def _first_link(tr: Any) -> str | None:
    return next((a.get("href") for a in tr.iter("a") if a.get("href")), None)
