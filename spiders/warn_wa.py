"""Washington WARN notices: the ESD's ASP.NET WebForms search, paged by POST-back.

The first page comes by GET; every further page is a POST of the page's own form with
``__EVENTTARGET=ucPSW$gvMain`` and ``__EVENTARGUMENT=Page$N``, echoing the hidden ``__VIEWSTATE``,
``__VIEWSTATEGENERATOR`` and ``__EVENTVALIDATION`` of the previous response (Scrapy's
``FormRequest.from_response`` does the echoing). Pages are therefore read one after the other, each
request carrying what the crawl has seen so far in ``cb_kwargs``.

Paging: the pager row shows the current page as a bare ``<span>N</span>`` and links the others
(``javascript:__doPostBack('ucPSW$gvMain','Page$N')``); a trailing ``...`` link jumps past the last
number shown. The next page is N+1 when linked, else the trailing ``...``; the crawl ends on a page
that links neither (the last page). A page answering ``Page$N`` must say it is page N: a server that
lost the view state answers with page 1, which would loop; that is a check ERROR, not a silent stop.
The page prints no record count, so there is none to check against. The search lists the newest
notices first, so paging stops after a page whose notices were all received before the crawl window
(the ``since`` spider argument, default Jan 1 of last year): a nightly crawl reads a few pages, not 103.

Field decisions:

- ``source_key`` = company + received date + location (normalized, ``tabular.key_part``). Pages overlap
  when notices arrive during a crawl (every row shifts down one place): a row already yielded on an
  earlier page is not yielded again; rows sharing the key but differing elsewhere get ``|2``.
- ``notice_date`` from ``Received Date`` (when the ESD received the notice), ``effective_date`` from
  ``Layoff Start Date``; both ``M/D/YYYY``, read tolerantly (a note or range around one date gives
  that date, flagged in ``raw["_flags"]``; unreadable -> None, flagged).
- ``notice_type`` from ``Closure Layoff`` (Closure -> closure, Layoff -> layoff); ``temporary`` from
  ``Type of Layoff`` (Temporary -> True, Permanent -> False, else None).
- ``city`` = ``Location`` as published (a city, or a list of cities); ``state`` WA; no street address.
- ``employees`` from ``# of Workers``; unreadable -> None, flagged.
- ``<font>`` wrappers, entities (``GL&amp;V``, ``Howard Johnson&#39;s``) and the whitespace of the
  empty ``Notice`` cell are cleaned; the Notice cell's text stays in ``raw``.
- Skipped (logged, counted) only when a row has neither a company nor a readable date.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import date
from typing import Any

import scrapy
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.http import FormRequest, Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import (
    LayoutChanged,
    classify_notice_type,
    clean_text,
    parse_date_strict,
    parse_int,
    window_start,
)
from spiders.tabular import UniqueKeys, cell, find_header_row, is_blank, make_key, raw_row

COLUMNS = {
    "company": [r"^company$", r"\b(company|employer|business)\b"],
    "location": [r"^location$", r"\b(location|city|site)\b"],
    "effective_date": [r"^layoff start date$", r"\b(layoff|closure|effective)\b.*\bdate\b"],
    "employees": [r"^of workers$", r"\b(workers|employees|jobs)\b"],
    "notice_type": [r"^closure layoff$", r"\bclosure\b"],
    "temporary": [r"^type of layoff$", r"\b(temporary|permanent|type)\b"],
    "notice_date": [r"^received date$", r"\b(received|notice)\b.*\bdate\b"],
    "notice": [r"^notice$"],
}
#: What identifies a notice: a company, a date and a place.
REQUIRED = ["company", "location", "notice_date"]

SEARCH_URL = "https://fortress.wa.gov/esd/file/warn/Public/SearchWARN.aspx"
GRID = "ucPSW$gvMain"
_PAGE_ARG = re.compile(r"__doPostBack\('([^']+)','Page\$(\d+)'\)")
_DATE_TOKEN = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")


class WarnWaSpider(NoticeSpider):
    name = "warn_wa"
    agency_url = SEARCH_URL
    source_format = "ASP.NET search paged by POST-back"
    region = "Washington"
    verified_on = "agency file 2022-03-18"
    demo_urls = ()
    demo_files = {"/warn/Public/SearchWARN.aspx": "warn_wa/page_103.html"}
    start_urls = [SEARCH_URL]

    def __init__(self, *args: Any, since: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.window_start = window_start(since)

    def parse(
        self, response: Response, keys: UniqueKeys | None = None, page: int | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        keys = keys if keys is not None else UniqueKeys()
        try:
            current, next_page = pager(response)
            notices = list(self._parse_grid(response, keys))
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))
            return
        if page is not None and current != page:
            self.check_failed(response, f"asked for page {page}, the search answered with page {current}")
            return
        yield from notices
        if next_page is None or not isinstance(response, scrapy.http.TextResponse):
            self.logger.info("source %s: page %s is the last page", self.name, current)
            return
        received = [n.notice_date for n in notices if n.notice_date is not None]
        if received and max(received) < self.window_start:
            # The search lists the newest notices first: every later page is older still.
            self.logger.info(
                "source %s: page %s holds only notices received before %s; older pages not read",
                self.name,
                current,
                self.window_start,
            )
            return
        yield post_back(
            response,
            next_page,
            callback=self.parse,
            errback=self.on_request_error,
            cb_kwargs={"keys": keys, "page": next_page},
        )

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        pager(response)  # a page without the pager is a layout change
        yield from list(self._parse_grid(response, UniqueKeys()))

    def _parse_grid(self, response: Response, keys: UniqueKeys) -> Iterator[ClosureNotice]:
        rows = grid_rows(response)
        header_at, columns = find_header_row(rows, COLUMNS, REQUIRED, source=self.name, max_scan=5)
        headers = rows[header_at]
        missing = [f for f in COLUMNS if f not in columns]
        if missing:  # optional columns: the rows land without them, and the run says so
            self.logger.warning(
                "source %s: %s has no column for %s (headers %s)", self.name, response.url, ", ".join(missing), headers
            )
        for number, row in enumerate(rows[header_at + 1 :], start=1):
            if is_blank(row):
                continue
            raw = raw_row(headers, row)
            notice = self._parse_row(row, columns, raw, response.url)
            if notice is None:
                self.skip_row(response, f"grid row {number}", "no company and no date")
                continue
            notice.source_key, repeat = keys.assign(notice.source_key, raw)
            if repeat:
                self.logger.info(
                    "source %s: grid row %s (%r) was on an earlier page; yielded once",
                    self.name,
                    number,
                    notice.company_name,
                )
                continue
            yield notice

    def _parse_row(
        self, row: list[str], columns: dict[str, int], raw: dict[str, Any], url: str
    ) -> ClosureNotice | None:
        flags: dict[str, str] = {}
        company = clean_text(cell(row, columns, "company"))
        notice_date, flag = read_date(cell(row, columns, "notice_date"))
        if flag:
            flags["notice_date"] = flag
        if not company and notice_date is None:
            return None
        effective_date, flag = read_date(cell(row, columns, "effective_date"))
        if flag:
            flags["effective_date"] = flag
        try:
            employees = parse_int(cell(row, columns, "employees"))
        except ValueError:
            employees, flags["employees"] = None, "unreadable"
        location = clean_text(cell(row, columns, "location"))
        kind = clean_text(cell(row, columns, "notice_type"))
        if flags:
            raw["_flags"] = flags
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date, location),
            company_name=company or "(no company name)",
            source_url=url,
            notice_type=classify_notice_type(kind) if kind else "other",
            city=location or None,
            state="WA",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=employees,
            temporary=temporary(cell(row, columns, "temporary")),
            raw=raw,
        )


def post_back(response: scrapy.http.TextResponse, page: int, **kwargs: Any) -> FormRequest:
    """The POST a browser sends for the pager link ``Page$<page>``: the page's own form, hidden fields echoed.

    ``FormRequest.from_response`` is deprecated in Scrapy 2.19 in favour of the form2request library,
    which is not a dependency of this project yet; until it is, the deprecation warning is silenced here.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScrapyDeprecationWarning)
        return FormRequest.from_response(
            response,
            formxpath="//form[.//table[contains(@id, 'gvMain')]]",
            formdata={"__EVENTTARGET": GRID, "__EVENTARGUMENT": f"Page${page}"},
            dont_click=True,  # a post-back, not a click on the Search button
            dont_filter=True,  # every post-back goes to the same URL
            **kwargs,
        )


def read_date(value: object) -> tuple[date | None, str | None]:
    """(date, flag): a whole date; else the first date in a note or range, flagged; else None, flagged."""
    text = clean_text(value)
    if not text or text.lower() in {"n/a", "na", "tbd", "unknown"}:
        return None, None
    try:
        return _numeric_date(text) or parse_date_strict(text), None
    except ValueError:
        pass
    match = _DATE_TOKEN.search(text)
    if match:
        try:
            return parse_date_strict(match.group(0)), "note"
        except ValueError:
            pass
    return None, "unreadable"


def temporary(value: object) -> bool | None:
    text = clean_text(value).lower()
    if "temporary" in text and "permanent" not in text:
        return True
    if "permanent" in text and "temporary" not in text:
        return False
    return None


def grid_rows(response: Response) -> list[list[str]]:
    """Cell texts of the grid's own rows: the pager rows (one ``colspan`` cell) left out."""
    if not isinstance(response, scrapy.http.TextResponse):
        raise LayoutChanged("expected the search page (HTML), got a binary file")
    grid = response.css("table[id$='gvMain']")
    if not grid:
        raise LayoutChanged("no results grid (table ucPSW_gvMain) in the page")
    rows = []
    for tr in grid[0].xpath("./tr|./tbody/tr"):
        cells = list(tr.root.iterchildren("th", "td"))
        if len(cells) == 1 and cells[0].get("colspan"):
            continue
        rows.append([_text(c) for c in cells])
    return rows


def pager(response: Response) -> tuple[int, int | None]:
    """(current page, next page or None on the last page) from the grid's pager row.

    A grid that fits one page has no pager: page 1, no next.
    """
    if not isinstance(response, scrapy.http.TextResponse):
        raise LayoutChanged("expected the search page (HTML), got a binary file")
    grid = response.css("table[id$='gvMain']")
    if not grid:
        raise LayoutChanged("no results grid (table ucPSW_gvMain) in the page")
    pager_cell = grid[0].xpath("./tr/td[@colspan]|./tbody/tr/td[@colspan]")
    if not pager_cell:
        return 1, None
    current_text = clean_text(pager_cell[0].xpath("string(.//span[1])").get())
    if not current_text.isdigit():
        raise LayoutChanged(f"the pager shows no current page number ({current_text!r})")
    current = int(current_text)
    linked: dict[int, str] = {}
    for a in pager_cell[0].css("a[href]"):
        match = _PAGE_ARG.search(a.attrib["href"])
        if match:
            linked[int(match.group(2))] = clean_text(" ".join(a.css("::text").getall()))
    if current + 1 in linked:
        return current, current + 1
    ahead = [n for n, text in linked.items() if n > current and text == "..."]
    return current, (min(ahead) if ahead else None)


def _text(element: Any) -> str:
    """The text of an lxml element (<br> lines joined by a space), cleaned; lxml directly because a
    parsel selector per cell costs more than the rest of the row's parsing."""
    return clean_text(" ".join(element.itertext()))


_NUMERIC_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")


def _numeric_date(text: str) -> date | None:
    """``M/D/YYYY`` or ``M/D/YY`` without strptime (the common case, ten times faster); None when the
    text has another shape; ValueError for an impossible day (``09/31/10``). Two-digit years follow
    strptime's ``%y``: 69-99 -> 1900s, 00-68 -> 2000s."""
    match = _NUMERIC_DATE.fullmatch(text)
    if match is None:
        return None
    month, day, year = (int(g) for g in match.groups())
    if len(match.group(3)) == 2:
        year += 1900 if year >= 69 else 2000
    return date(year, month, day)
