"""Wisconsin WARN notices: the DWD year page, one block of tables per month (static HTML).

A crawl asks for one page per year of its window (``default.htm?year=YYYY``; ``since`` spider argument,
default Jan 1 of last year, so 1 January still covers last year). Each month has a ``New Notices``
table and may have ``Updates to Previously Filed Notices`` / ``Updates to Notices filed prior to
YYYY`` tables, either full (nine columns) or a two-column index (``Company, Reason for Update``) of
revisions printed elsewhere. Columns are found by meaning in each table's ``<th>`` header. The
``Layoff Begin Date`` cell is never closed (``…/2017<td headers="NAICSDescription">``); lxml closes it
at the next cell, as a browser does.

Field decisions:

- ``source_key`` = company (without `` - Revision N``) + notice received + city (normalized,
  ``tabular.key_part``); repeats across the page's tables are made unique (``|2``) or dropped when
  identical.
- A revision row (``<tr class="updatedInfo">``, ``Manitowoc Cranes - Revision 1``) sits right below
  the notice it revises: it updates that notice instead of adding one. The notice keeps its key,
  company, received date and type; it takes the revision's count and layoff date ("the most recent
  revision reflects the total number of workers affected") and ``amended`` True; its ``raw`` is the
  revision's row with the original row under ``Original notice``.
- A row of an ``Updates …`` table is an amended notice of its own (its original may be on another
  year's page): ``amended`` True. The two-column update index holds no notice (its revisions are
  rows of their own) and is left out.
- ``notice_type`` from the ``Notice Type`` codes: ``CL`` (facility closure, also in ``CL, AW``) ->
  closure, ``WR`` (workforce reduction) or ``ML`` -> layoff; update-reason codes alone (``AW``,
  ``LS``, ``RN`` rescission) -> other. ``temporary`` None (not published).
- ``city`` = ``City``; ``County``, ``Workforce Development Area`` (``South East``/``Southeast`` as
  published) and ``NAICS Description`` (a description, not a code: ``industry_code`` None) stay in
  ``raw``, with the notice PDF the name links as ``Company link``. ``state`` WI.
- Dates (``M/D/YYYY`` and ``MM/DD/YYYY`` mixed) read tolerantly; a layoff date before the notice
  (``02/09/2016`` on a 12/8/2016 notice) is kept as published. Unreadable -> None with a WARNING.
- Skipped (logged, counted): no company, or no readable date at all.
- Essential columns: Company, City and a date column in every notices table; a table that lost
  one makes the page a layout error. Counts, type, layoff date, county are optional.
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
    "company": [r"^company$", r"\b(company|employer|business)\b"],
    "city": [r"^city$", r"\b(city|location)\b"],
    "employees": [r"^affected workers$", r"\b(affected|employees|workers)\b"],
    "notice_date": [r"^notice received$", r"\bnotice\b.*\b(received|rcvd|date)\b", r"\breceived\b"],
    "notice_type": [r"^notice type$", r"\btype\b"],
    "effective_date": [r"^layoff begin date$", r"\b(layoff|closure|closing|effective)\b.*\bdate\b"],
}
REQUIRED = ["company", "city"]
DATE_FIELDS = ("notice_date", "effective_date")

YEAR_PAGE = "https://dwd.wisconsin.gov/dislocatedworker/warn/default.htm?year={year}"

_REVISION = re.compile(r"\s*-\s*revision\s*\d*\s*$", re.I)
_UPDATE_INDEX = re.compile(r"\breason\b.*\bupdate\b", re.I)
_UPDATES_HEADING = re.compile(r"^\s*updates?\b", re.I)


class WarnWiSpider(NoticeSpider):
    name = "warn_wi"
    agency_url = "https://dwd.wisconsin.gov/dislocatedworker/warn/"
    source_format = "HTML page per year, tables per month"
    region = "Wisconsin"
    verified_on = "agency file 2016-12-22"
    demo_urls = ("https://dwd.wisconsin.gov/dislocatedworker/warn/2016/default.htm",)
    demo_files = {"/dislocatedworker/warn/2016/default.htm": "warn_wi/2016.html"}
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
        notices: list[ClosureNotice] = []
        tables = 0
        for index, table in enumerate(response.css("table"), start=1):
            trs, rows = _table_rows(table)
            if not rows or is_blank(rows[0]):
                continue
            if any(_UPDATE_INDEX.search(h) for h in rows[0]):
                self.logger.info(
                    "source %s: table %s is an index of updates %s; its revisions are rows of their own",
                    self.name,
                    index,
                    rows[0],
                )
                continue
            header_at, columns = find_header_row(rows, COLUMNS, REQUIRED, source=f"{self.name} table {index}")
            if not any(f in columns for f in DATE_FIELDS):
                raise LayoutChanged(
                    f"{self.name} table {index}: layout changed: no date column among {rows[header_at]}"
                )
            tables += 1
            heading = clean_text(table.xpath("preceding::h3[1]//text()").get())
            updates = bool(_UPDATES_HEADING.match(heading))
            notices.extend(self._parse_table(response, trs, rows, header_at, columns, index, updates))
        if not tables:
            raise LayoutChanged("no WARN notices table in the page")
        keys = UniqueKeys()
        for notice in notices:
            notice.source_key, repeat = keys.assign(notice.source_key, notice.raw)
            if repeat:
                self.logger.info("source %s: %s repeats an earlier row; yielded once", self.name, notice.source_key)
                continue
            yield notice

    def _parse_table(
        self,
        response: Response,
        trs: Any,
        rows: list[list[str]],
        header_at: int,
        columns: dict[str, int],
        index: int,
        updates: bool,
    ) -> list[ClosureNotice]:
        headers = rows[header_at]
        notices: list[ClosureNotice] = []
        previous: ClosureNotice | None = None
        for number, (tr, row) in enumerate(zip(trs[header_at + 1 :], rows[header_at + 1 :], strict=True), start=1):
            if is_blank(row):
                continue
            where = f"table {index} row {number}"
            raw = raw_row(headers, row)
            link = _first_link(tr)
            if link:
                raw["Company link"] = response.urljoin(link.strip())
            company = clean_text(cell(row, columns, "company"))
            is_revision = "updatedInfo" in (tr.get("class") or "") or bool(_REVISION.search(company))
            try:
                notice = self._parse_row(row, columns, raw, response.url, where, amended=updates or is_revision)
            except ValueError as exc:
                self.skip_row(response, f"{where} ({company!r})", str(exc))
                continue
            if is_revision and previous is not None and previous.company_name == notice.company_name:
                notices[-1] = _revised(previous, notice)
                previous = notices[-1]
                continue
            notices.append(notice)
            previous = notice
        return notices

    def _parse_row(
        self, row: list[str], columns: dict[str, int], raw: dict[str, Any], url: str, where: str, amended: bool
    ) -> ClosureNotice:
        company = _REVISION.sub("", clean_text(cell(row, columns, "company")))
        if not company:
            raise ValueError("no company name")
        notice_date = self._date(cell(row, columns, "notice_date"), where, "notice received")
        effective_date = self._date(cell(row, columns, "effective_date"), where, "layoff begin date")
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        city = clean_text(cell(row, columns, "city")) or None
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date or effective_date, city),
            company_name=company,
            source_url=url,
            notice_type=notice_type(cell(row, columns, "notice_type")),
            city=city,
            state="WI",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self._count(cell(row, columns, "employees"), where),
            amended=amended,
            raw=raw,
        )

    def _date(self, value: object, where: str, what: str) -> date | None:
        """A date, or the first date of a list or range; None (with a WARNING) when unreadable."""
        try:
            return first_date(value)
        except ValueError:
            self.logger.warning("source %s: %s: unreadable %s %r stored as None", self.name, where, what, value)
            return None

    def _count(self, value: object, where: str) -> int | None:
        try:
            return parse_int(value)
        except ValueError:
            self.logger.warning("source %s: %s: unreadable count %r stored as None", self.name, where, value)
            return None


def _revised(original: ClosureNotice, revision: ClosureNotice) -> ClosureNotice:
    """The original notice as its revision states it now: same identity, the revision's figures."""
    return ClosureNotice(
        source=original.source,
        source_key=original.source_key,
        company_name=original.company_name,
        source_url=original.source_url,
        notice_type=original.notice_type,
        city=revision.city or original.city,
        state=original.state,
        notice_date=original.notice_date,
        effective_date=revision.effective_date or original.effective_date,
        employees=revision.employees if revision.employees is not None else original.employees,
        amended=True,
        raw=revision.raw | {"Original notice": original.raw},
    )


def notice_type(codes: object) -> str:
    """'CL' -> closure; 'WR'/'ML' -> layoff; update reasons alone ('AW', 'LS', 'RN') -> other."""
    found = {c.strip().upper() for c in re.split(r"[,;/ ]+", clean_text(codes)) if c.strip()}
    if found & {"CL", "PC"}:
        return "closure"
    if found & {"WR", "ML"}:
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
