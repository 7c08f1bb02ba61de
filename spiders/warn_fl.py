"""Florida WARN notices: FloridaCommerce's "Rapid Response System" list, one paged HTML list per year.

One request per year (``/WarnList/Records?year=YYYY``) from the year of the ``since`` spider argument
(default Jan 1 of last year, so a crawl on 1 January still reads last year) to this year; years before
2019 are PDFs on another page and are not asked for. Each year is paged by ``&page=N`` links in the
table's ``<tfoot>`` (``<`` previous, numbers, the current page as bare text); pages are read one after
the other, following the link to page N+1 until a page has none, carrying the rows read so far in
``cb_kwargs``. The page prints the year's record count (``| 203 Record(s) found``): on the last page the
rows read are checked against it (a check ERROR on a mismatch). A crawl that starts on a later page
(``--url …&page=3``) checks what it can: that the count fits the pages it read (the page size being
the size of a full page read, or what the count and the last page imply).

Field decisions:

- ``source_key`` = company + state notification date + city (normalized, ``tabular.key_part``); a row
  already yielded on an earlier page of the crawl is not yielded again; rows sharing the key but
  differing elsewhere get ``|2``.
- The company cell holds the address: ``<b>Name</b> </br>street</br></br>CITY, FL, ZIP`` with invalid
  ``</br>`` end tags that HTML parsers read differently (lxml drops them, gluing the lines together),
  so the cell's own markup is split on every ``<br>``/``</br>``: the bold text is ``company_name``, the
  last line ``CITY, ST, ZIP`` gives ``city``/``state``/``zip5`` (city as published, upper case), the
  lines between are ``address``. ``raw["Company Name"]`` keeps the lines joined by newlines.
- ``notice_date`` from ``State Notification Date`` and ``effective_date`` from ``Layoff Date``, both
  ``MM-DD-YY``; a range (``03-09-25 thru 12-31-26``) gives its start, flagged ``range`` in
  ``raw["_flags"]``; unreadable -> None, flagged.
- ``notice_type`` is ``other`` and ``temporary`` None: the list has no closure/layoff field.
  ``Industry`` is a sector name, not a NAICS code: it stays in ``raw``, ``industry_code`` None.
- ``Attachment``: the notice PDF's file name (hidden input ``FPath<id>``) and the record id of
  ``DownloadFile(id)`` are kept in ``raw``; the PDF is reachable only by a script POST and is not fetched.
- A year page saying ``0 Record(s) found`` with no rows gives no notices and a WARNING, not an error.
- Skipped (logged, counted) only when a row has neither a company nor a readable date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import scrapy
from parsel import Selector
from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, clean_text, parse_date_strict, parse_int, split_city_state_zip, window_start
from spiders.tabular import UniqueKeys, cell, find_header_row, make_key

COLUMNS = {
    "company": [r"^company name$", r"\b(company|employer|business)\b"],
    "notice_date": [r"^state notification date$", r"\b(notification|notice|received)\b.*\bdate\b"],
    "effective_date": [r"^layoff date$", r"\b(layoff|closure|effective)\b.*\bdate\b"],
    "employees": [r"^employees affected$", r"\b(employees|workers|jobs)\b"],
    "industry": [r"^industry$", r"\bindustry\b"],
    "attachment": [r"^attachment$", r"\b(attachment|notice|document)\b"],
}
#: What identifies a notice: a company (its cell also holds the place) and a date.
REQUIRED = ["company", "notice_date"]

LIST_URL = "https://reactwarn.floridajobs.org/WarnList/Records?year={year}"
FIRST_YEAR = 2019  # 2015-2018 are published as PDFs elsewhere

_BR = re.compile(r"</?br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
_COUNT = re.compile(r"\|\s*([\d,]+)\s*(?:<[^>]+>\s*)*Record\(s\) found", re.I)
_RANGE = re.compile(r"\b(thru|through|to)\b|\s-\s", re.I)
_DATE_TOKEN = re.compile(r"\d{1,2}[-/]\d{1,2}[-/]\d{2,4}")


def year_urls(first_year: int, last_year: int) -> list[str]:
    return [LIST_URL.format(year=year) for year in range(max(first_year, FIRST_YEAR), last_year + 1)]


class WarnFlSpider(NoticeSpider):
    name = "warn_fl"
    agency_url = "https://reactwarn.floridajobs.org/WarnList/Records"
    source_format = "HTML list per year, paged, with a record count"
    region = "Florida"
    verified_on = "agency file 2025-01-10"
    demo_urls = ("https://reactwarn.floridajobs.org/WarnList/Records?year=2025&page=3",)
    demo_files = {"/WarnList/Records?year=2025&page=3": "warn_fl/2025_page_3.html"}
    start_urls = [LIST_URL.format(year=date.today().year)]

    def __init__(self, *args: Any, since: str | None = None, url: str | list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, url=url, **kwargs)
        if not url:
            self.start_urls = year_urls(window_start(since).year, date.today().year)

    def parse(
        self,
        response: Response,
        keys: UniqueKeys | None = None,
        read: int = 0,
        started_at: int | None = None,
        page_size: int | None = None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        keys = keys if keys is not None else UniqueKeys()
        try:
            page = read_page(response)
            rows = page["rows"]
            notices = list(self._notices(response, page, keys))
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))
            return
        yield from notices
        current, next_url, count = page["current"], page["next_url"], page["count"]
        started_at = started_at or current
        read += len(rows)
        if next_url is not None:
            size = page_size or len(rows)  # a page that has a next one is a full page
            yield self.request(next_url, self.parse, keys=keys, read=read, started_at=started_at, page_size=size)
            return
        if count is None:
            self.logger.warning("source %s: %s prints no record count; rows not checked", self.name, response.url)
            return
        problem = count_problem(count, read, len(rows), current, started_at, page_size)
        if problem:
            self.check_failed(response, problem)
        elif count == 0:
            self.logger.warning("source %s: %s lists no notices (0 Record(s) found)", self.name, response.url)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        yield from list(self._notices(response, read_page(response), UniqueKeys()))

    def _notices(self, response: Response, page: dict[str, Any], keys: UniqueKeys) -> Iterator[ClosureNotice]:
        headers, columns = page["headers"], page["columns"]
        missing = [f for f in COLUMNS if f not in columns]
        if missing:  # optional columns: the rows land without them, and the run says so
            self.logger.warning(
                "source %s: %s has no column for %s (headers %s)", self.name, response.url, ", ".join(missing), headers
            )
        for number, row in enumerate(page["rows"], start=1):
            notice = self._parse_row(row, headers, columns, response.url)
            if notice is None:
                self.skip_row(response, f"table row {number}", "no company and no date")
                continue
            notice.source_key, repeat = keys.assign(notice.source_key, notice.raw)
            if repeat:
                self.logger.info(
                    "source %s: table row %s (%r) was on an earlier page; yielded once",
                    self.name,
                    number,
                    notice.company_name,
                )
                continue
            yield notice

    def _parse_row(self, row: list[str], headers: list[str], columns: dict[str, int], url: str) -> ClosureNotice | None:
        """One row of cell markup (the company and date cells need their <br> lines)."""
        lines = cell_lines(cell(row, columns, "company"))
        company = clean_text(_TAG.sub(" ", lines[0])) if lines else ""
        place_lines = [clean_text(_TAG.sub(" ", line)) for line in lines[1:]]
        place_lines = [line for line in place_lines if line]
        flags: dict[str, str] = {}
        notice_date, flag = read_date(cell(row, columns, "notice_date"))
        if flag:
            flags["notice_date"] = flag
        if not company and notice_date is None:
            return None
        effective_date, flag = read_date(cell(row, columns, "effective_date"))
        if flag:
            flags["effective_date"] = flag
        try:
            employees = parse_int(clean_text(_TAG.sub(" ", cell(row, columns, "employees") or "")))
        except ValueError:
            employees, flags["employees"] = None, "unreadable"
        city = state = zip_code = None
        if place_lines:
            city, state, zip_code = split_city_state_zip(place_lines[-1], "FL")
        address = ", ".join(place_lines[:-1]) or None
        raw = raw_cells(headers, row)
        if flags:
            raw["_flags"] = flags
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date, city),
            company_name=company or "(no company name)",
            source_url=url,
            notice_type="other",
            address=address,
            city=city,
            state=state or "FL",
            zip5=zip_code,
            notice_date=notice_date,
            effective_date=effective_date,
            employees=employees,
            raw=raw,
        )


def count_problem(
    count: int, read: int, last_rows: int, last_page: int, started_at: int, page_size: int | None
) -> str | None:
    """Why the rows read contradict the printed record count, or None when they agree."""
    if started_at == 1:
        if read == count:
            return None
        return f"{read} rows read on pages 1-{last_page}, the page says {count} Record(s) found"
    # Started on a later page: the pages before it are full pages of one size.
    if page_size is None:
        if last_page == 1 or (count - last_rows) % (last_page - 1):
            return f"{count} Record(s) found do not fit {last_page} pages ending with {last_rows} rows"
        page_size = (count - last_rows) // (last_page - 1)
    expected = count - (started_at - 1) * page_size
    if expected != read or last_rows > page_size:
        return (
            f"{read} rows read on pages {started_at}-{last_page} ({page_size} a page), the page says "
            f"{count} Record(s) found"
        )
    return None


def read_page(response: Response) -> dict[str, Any]:
    """Header, rows (cell markup), columns, record count, current page and next page URL of a list page."""
    if not isinstance(response, scrapy.http.TextResponse):
        raise LayoutChanged("expected the WARN list page (HTML), got a binary file")
    table = response.css("table#DataTable") or response.css("table.PGrid")
    if not table:
        raise LayoutChanged("no WARN list table (table#DataTable) in the page")
    headers = [clean_text(" ".join(th.css("::text").getall())) for th in table[0].css("thead tr th, thead tr td")]
    if not headers:
        first = table[0].css("tr")[:1]
        headers = [clean_text(" ".join(c.css("::text").getall())) for c in first.css("th, td")]
    _, columns = find_header_row([headers], COLUMNS, REQUIRED, source="warn_fl", max_scan=1)
    rows = [r for r in _body_rows(response.text) if any(clean_text(_TAG.sub(" ", c)) for c in r)]
    match = _COUNT.search(response.text)
    count = int(match.group(1).replace(",", "")) if match else None
    current, next_url = 1, None
    foot = table[0].css("tfoot td")
    if foot:
        bare = [t.strip() for t in foot[0].xpath("./text()").getall() if t.strip().isdigit()]
        current = int(bare[0]) if bare else 1
        for a in foot[0].css("a[href]"):
            page = re.search(r"[?&]page=(\d+)", a.attrib["href"])
            if page and int(page.group(1)) == current + 1:
                next_url = response.urljoin(a.attrib["href"])
                break
    return {
        "headers": headers,
        "columns": columns,
        "rows": rows,
        "count": count,
        "current": current,
        "next_url": next_url,
    }


def _body_rows(text: str) -> list[list[str]]:
    """The cell markup of the list's body rows, taken from the page text as served.

    Not from the parsed tree: lxml drops the invalid ``</br>`` end tags that separate the lines of
    the company cell, and would glue the street to the city.
    """
    start = text.find('id="DataTable"')
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", text[start:], re.S | re.I) if start >= 0 else None
    if body is None:
        return []
    return [
        re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S | re.I)
        for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S | re.I)
    ]


def cell_lines(markup: str | None) -> list[str]:
    """The lines of a cell's markup, split on every <br>, </br> and <br/>; the <td> itself taken off."""
    if not markup:
        return []
    inner = re.sub(r"^\s*<td[^>]*>|</td>\s*$", "", markup, flags=re.I)
    return [line.strip() for line in _BR.split(inner)]


def raw_cells(headers: list[str], row: list[str]) -> dict[str, Any]:
    """The published row as header -> text, the lines of a cell joined by newlines."""
    raw: dict[str, Any] = {}
    for index, header in enumerate(headers):
        markup = row[index] if index < len(row) else ""
        if header.lower() == "attachment":
            sel = Selector(text=markup or "<td></td>")
            raw[header] = sel.css("input[type=hidden]::attr(value)").get()
            record = re.search(r"DownloadFile\((\d+)\)", markup or "")
            raw["record id"] = record.group(1) if record else None
            continue
        lines = [clean_text(_TAG.sub(" ", line)) for line in cell_lines(markup)]
        raw[header or f"column {index + 1}"] = "\n".join(lines).strip("\n")
    return raw


def read_date(markup: str | None) -> tuple[date | None, str | None]:
    """(date, flag) from a date cell: ``MM-DD-YY``; a range gives its start, flagged; unreadable -> None, flagged."""
    text = clean_text(_TAG.sub(" ", _BR.sub(" ", markup or "")))
    if not text or text.lower() in {"n/a", "na", "tbd", "unknown"}:
        return None, None
    tokens = _DATE_TOKEN.findall(text)
    if not tokens:
        return None, "unreadable"
    value = _one_date(tokens[0])
    if value is None:
        return None, "unreadable"
    whole = len(tokens) == 1 and tokens[0] == text
    return value, (None if whole else "range" if len(tokens) > 1 or _RANGE.search(text) else "note")


def _one_date(token: str) -> date | None:
    for fmt in ("%m-%d-%y", "%m-%d-%Y", "%m/%d/%y", "%m/%d/%Y"):
        try:
            parsed = datetime.strptime(token, fmt).date()
        except ValueError:
            continue
        if fmt.endswith("%Y") and parsed.year < 1900:
            continue
        return parsed
    try:
        return parse_date_strict(token)
    except ValueError:
        return None
