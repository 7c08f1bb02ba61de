"""America's Job Center (Geographic Solutions) WARN search, shared by several states' job sites.

One crawl searches notices by notice date (``since`` .. ``until`` spider arguments, default Jan 1 of
last year .. today), follows "Next →" through the paged HTML results and requests each notice's
detail page, which alone holds the street address and the number of employees affected. Each state
is a few lines on top of ``JobCenterSpider`` (``spiders/jobcenter_<state>.py``); this class has no
``name``, so Scrapy's spider loader does not list it as a source.

- source_key: the platform's record id from the detail URL (``/search/warn_lookups/780`` -> "780").
  It never changes when the agency amends a notice. A saved detail file has no URL of its own;
  ``leads parse`` then takes the digits at the end of the file name (``detail_780.html``).
- The same record can appear on several result pages. Each detail page is requested once per crawl:
  Scrapy's duplicate filter drops the second request for the same URL (the first search-row
  context wins; it is only kept in ``raw``). When parsing saved search pages, a repeated record
  is yielded once per page; the database upserts on source_key.
- Fields: company name, notice date, address and employees from the detail page; the search row
  (Employer, City, ZIP, LWIB Area, Notice Date, WARN Type) is kept in ``raw`` and fills city, ZIP
  and notice date when the detail page leaves them blank. A multi-line address is split into the
  street line(s) and the last "City, State ZIP" line; when it names no state, the state of the
  site is used (notices on a state's site concern sites in that state).
- notice_type: the platform publishes no closure-vs-layoff field ("WARN Type" is WARN or
  Non-WARN), so every notice is "other"; the WARN Type stays in ``raw``.
- Rows skipped (logged and counted): no company name, no detail link (search page), an unreadable
  notice date, an employee count that is not a number. A blank count is None.
- Layout: a results page without the WARN table (or whose columns were renamed), or a table with
  no rows and no "no matches" message, is a layout ERROR. A detail page without its definition
  list, or without Company Name / Notice Date, is a layout ERROR; one without Address or the head
  count (another state's page) lands the notice without them and records a warning (degraded). A
  page that says the search found no matches is the agency's answer: the run is ``empty`` with
  "the agency lists none for this window", and ``leads parse`` prints 0 notices with exit 0
  (NoNoticesListed). A page with neither the table nor that message raises LayoutChanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

from parsel import Selector
from scrapy.http import HtmlResponse, Response, TextResponse

from leads.errors import NoNoticesListed
from leads.items import ClosureNotice
from leads.vocabulary import header_key, known_header
from spiders.base import NoticeSpider
from spiders.parsing import (
    LayoutChanged,
    clean_text,
    map_headers,
    parse_date,
    parse_int,
    split_city_state_zip,
    window_start,
    zip5,
)

SEARCH_PATH = "/search/warn_lookups"

# Search-results columns, found by meaning (header text lower-cased, punctuation as spaces).
SEARCH_COLUMNS = {
    "employer": [r"^employer", r"company"],
    "city": [r"^city"],
    "zip": [r"^zip", r"postal"],
    "area": [r"lwib", r"area", r"region"],
    "notice_date": [r"notice date", r"date"],
    "warn_type": [r"warn type", r"type"],
}
SEARCH_REQUIRED = ("employer", "notice_date")

# Detail-page definition-list titles.
DETAIL_FIELDS = {  # the platform's own titles; other names come from the shared vocabulary
    "company": [r"^company name$"],
    "address": [r"^address$"],
    "notice_date": [r"^notice date$"],
    "employees": [r"^number of employees affected$"],
}
#: What identifies a notice on a detail page; the address (another state's page may have none) and the
#: head count are optional: without them the notice lands with those fields empty and a warning.
DETAIL_REQUIRED = ("company", "notice_date")
DETAIL_OPTIONAL = ("address", "employees")

_RECORD_ID_IN_URL = re.compile(r"/warn_lookups/(\d+)(?:[/?#]|$)")
_RECORD_ID_IN_FILE_NAME = re.compile(r"(\d+)(?:\.html?)?$", re.I)
_NO_RESULTS = re.compile(r"no matches|no results|no records", re.I)


class JobCenterSpider(NoticeSpider):
    """Shared crawl and parsing for one state's Job Center site; subclasses set the metadata below."""

    #: The site's host, e.g. "www.kansasworks.com".
    base_host: ClassVar[str] = ""
    #: Two-letter code of the state whose site this is.
    state: ClassVar[str] = ""
    source_format: ClassVar[str] = "HTML search results (paged) + detail pages (America's Job Center)"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.base_host and "start_urls" not in cls.__dict__:
            # What `leads sources` shows; a crawl asks for a dated search (see __init__).
            cls.start_urls = [f"https://{cls.base_host}{SEARCH_PATH}"]

    def __init__(
        self,
        *args: Any,
        since: str | None = None,
        until: str | None = None,
        url: str | list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, url=url, **kwargs)
        if not url:
            start = window_start(since)
            end = window_start(until) if until else date.today()
            self.start_urls = [self.search_url(start, end)]

    @classmethod
    def search_url(cls, start: date, end: date) -> str:
        """The results page for notices dated start..end (both WARN and Non-WARN)."""
        query = {
            "utf8": "✓",
            "q[employer_name_cont]": "",
            "q[main_contact_contact_info_addresses_full_location_city_matches]": "",
            "q[zipcode_code_start]": "",
            "q[service_delivery_area_id_eq]": "",
            "q[notice_on_gteq]": start.isoformat(),
            "q[notice_on_lteq]": end.isoformat(),
            "q[notice_eq]": "",
            "commit": "Search",
        }
        return f"https://{cls.base_host}{SEARCH_PATH}?{urlencode(query)}"

    # -- callbacks ------------------------------------------------------------------------------

    def parse(self, response: Response, **_: Any) -> Iterator[Any]:
        """A results page: one detail request per row, then the next page."""
        rows = self._search_rows_or_report(response)
        if rows is None:
            return
        for index, row in enumerate(rows, start=1):
            problem = _search_row_problem(row)
            if problem:
                self.skip_row(response, _row_ref(index, row), problem)
                continue
            yield self.request(row["detail_url"], self.parse_detail, search_row=row)
        next_url = next_page_url(response)
        if next_url:
            yield self.request(next_url, self.parse)

    def parse_detail(self, response: Response, search_row: dict[str, Any] | None = None) -> Iterator[ClosureNotice]:
        """A notice's detail page, with the search row it was found on (absent for a saved file)."""
        try:
            fields = parse_detail_fields(response)
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))
            return
        for warning in fields["warnings"]:
            self.column_warning(response, warning)
        notice = self._notice_from_detail(response, fields, search_row or {})
        if notice is not None:
            yield notice

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        """A saved results page (notices from the rows alone, no address) or a saved detail page.

        A page that is neither raises LayoutChanged, so `leads parse` fails naming the file.
        """
        if is_detail_page(response):
            fields = parse_detail_fields(response)
            for warning in fields["warnings"]:
                self.column_warning(response, warning)
            notice = self._notice_from_detail(response, fields, {})
            if notice is not None:
                yield notice
            return
        try:
            rows = parse_search_table(response)
            if not rows:
                raise LayoutChanged("the WARN results table has no rows and no 'no matches' message")
        except LayoutChanged:
            if not _says_no_results(response):
                raise
            raise NoNoticesListed(f"{response.url}: the search page says it found no notices") from None
        for index, row in enumerate(rows, start=1):
            notice = self._notice_from_search_row(response, index, row)
            if notice is not None:
                yield notice

    # -- building notices -----------------------------------------------------------------------

    def _search_rows_or_report(self, response: Response) -> list[dict[str, Any]] | None:
        """The results rows; None (after a WARNING or a layout ERROR) when there are none."""
        try:
            rows = parse_search_table(response)
            if not rows:
                raise LayoutChanged("the WARN results table has no rows and no 'no matches' message")
        except LayoutChanged as exc:
            if _says_no_results(response):
                self.agency_lists_none(response, "the search page says it found no notices")
            else:
                self.layout_changed(response, str(exc))
            return None
        return rows

    def _notice_from_search_row(self, response: Response, index: int, row: dict[str, Any]) -> ClosureNotice | None:
        problem = _search_row_problem(row)
        if problem:
            self.skip_row(response, _row_ref(index, row), problem)
            return None
        try:
            notice_date = parse_date(row["notice_date"])
        except ValueError as exc:
            self.skip_row(response, _row_ref(index, row), str(exc))
            return None
        return ClosureNotice(
            source=self.name,
            source_key=row["record_id"],
            company_name=row["employer"],
            source_url=response.url,
            notice_type="other",
            address=None,
            city=row["city"] or None,
            state=self.state,
            zip5=zip5(row["zip"]),
            notice_date=notice_date,
            raw=dict(row["raw"]),
        )

    def _notice_from_detail(
        self, response: Response, fields: dict[str, Any], search_row: dict[str, Any]
    ) -> ClosureNotice | None:
        record_id = record_id_from_url(response.url)
        company = fields["company"] or search_row.get("employer") or ""
        row_ref = f"record {record_id or '?'} ({company or 'no name'})"
        if not record_id:
            self.skip_row(response, row_ref, "no record id in the detail URL")
            return None
        if not company:
            self.skip_row(response, row_ref, "no company name")
            return None
        try:
            notice_date = parse_date(fields["notice_date"]) or parse_date(search_row.get("notice_date"))
            employees = parse_int(fields["employees"])
        except ValueError as exc:
            self.skip_row(response, row_ref, str(exc))
            return None
        street, city, state, zip_code = split_address(fields["address_lines"])
        return ClosureNotice(
            source=self.name,
            source_key=record_id,
            company_name=company,
            source_url=response.url,
            notice_type="other",
            address=street,
            city=city or search_row.get("city") or None,
            state=state or self.state,
            zip5=zip_code or zip5(search_row.get("zip")),
            notice_date=notice_date,
            employees=employees,
            raw=_merge_raw(fields["raw"], search_row.get("raw") or {}),
        )


# -- pure parsing helpers -----------------------------------------------------------------------


def parse_search_table(response: Response) -> list[dict[str, Any]]:
    """Rows of the WARN results table as dicts; LayoutChanged when the table or its columns are gone.

    Each row: employer, city, zip, area, notice_date, warn_type (cell text), record_id and
    detail_url (from the employer link; None when there is no link) and raw (header -> text).
    """
    table = None
    headers: list[str] = []
    for candidate in _page(response).xpath("//table"):
        cells = [clean_text(" ".join(th.xpath(".//text()").getall())) for th in candidate.xpath(".//tr[th][1]/th")]
        if any(re.search(r"employer", h, re.I) for h in cells):
            table, headers = candidate, cells
            break
    if table is None:
        raise LayoutChanged("no WARN results table (a table with an 'Employer' column) on the page")
    columns = map_headers(headers, SEARCH_COLUMNS, required=SEARCH_REQUIRED, source="WARN results table")
    rows = []
    for tr in table.xpath(".//tr[td]"):
        tds = tr.xpath("./td")
        texts = [clean_text(" ".join(td.xpath(".//text()").getall())) for td in tds]

        def cell(field: str, texts: list[str] = texts) -> str:
            index = columns.get(field)
            return texts[index] if index is not None and index < len(texts) else ""

        employer_index = columns["employer"]
        href = tds[employer_index].xpath(".//a/@href").get() if employer_index < len(tds) else None
        detail_url = response.urljoin(href.strip()) if href else None
        rows.append(
            {
                "employer": cell("employer"),
                "city": cell("city"),
                "zip": cell("zip"),
                "area": cell("area"),
                "notice_date": cell("notice_date"),
                "warn_type": cell("warn_type"),
                "detail_url": detail_url,
                "record_id": record_id_from_url(detail_url) if detail_url else None,
                "raw": {header: (texts[i] if i < len(texts) else None) for i, header in enumerate(headers)},
            }
        )
    return rows


def next_page_url(response: Response) -> str | None:
    """The absolute URL behind the pagination's "Next →" link; None on the last page."""
    href = (
        _page(response)
        .xpath(
            "//*[contains(@class, 'pagination')]"
            "//a[contains(@class, 'next_page') or contains(normalize-space(.), 'Next')]/@href"
        )
        .get()
    )
    return response.urljoin(href.strip()) if href else None


def is_detail_page(response: Response) -> bool:
    try:
        page = _page(response)
    except LayoutChanged:
        return False
    return bool(page.xpath("//*[contains(@class, 'definition-list')]")) and not page.xpath("//table//th")


def parse_detail_fields(response: Response) -> dict[str, Any]:
    """company, address_lines, notice_date, employees and raw (title -> text) from a detail page."""
    titles = _page(response).xpath("//*[contains(@class, 'definition-list__title')]")
    if not titles:
        raise LayoutChanged("no definition list (Company Name, Address, ...) on the detail page")
    names: list[str] = []
    values: list[list[str]] = []
    for title in titles:
        names.append(clean_text(" ".join(title.xpath(".//text()").getall())))
        definition = title.xpath("following-sibling::*[1][contains(@class, 'definition-list__definition')]")
        lines = [clean_text(t) for t in definition.xpath(".//text()").getall()]
        values.append([line for line in lines if line])
    columns = map_headers(names, DETAIL_FIELDS, required=DETAIL_REQUIRED, source="WARN detail page")

    def one_line(field: str) -> str:
        index = columns.get(field)
        return " ".join(values[index]) if index is not None else ""

    used = set(columns.values())
    warnings = [
        f"detail page: no field for {f} (the notice lands without it)" for f in DETAIL_OPTIONAL if f not in columns
    ]
    warnings += [
        f"detail page: unknown field {name!r} (kept in raw, not read)"
        for i, name in enumerate(names)
        if i not in used and name and not known_header(header_key(name))
    ]
    return {
        "company": one_line("company"),
        "address_lines": values[columns["address"]] if "address" in columns else [],
        "notice_date": one_line("notice_date"),
        "employees": one_line("employees") if "employees" in columns else None,
        "raw": {name: "\n".join(lines) for name, lines in zip(names, values, strict=False)},
        "warnings": warnings,
    }


def split_address(lines: list[str]) -> tuple[str | None, str | None, str | None, str | None]:
    """(street, city, state, zip5) from address lines whose last line is "City, State ZIP"."""
    if not lines:
        return None, None, None, None
    city, state, zip_code = split_city_state_zip(lines[-1])
    if state or zip_code:
        return (", ".join(lines[:-1]) or None), city, state, zip_code
    return ", ".join(lines), None, None, None


def record_id_from_url(url: str | None) -> str | None:
    """The record id in '/search/warn_lookups/780', or the digits ending a saved file's name."""
    if not url:
        return None
    match = _RECORD_ID_IN_URL.search(url)
    if match:
        return match.group(1)
    match = _RECORD_ID_IN_FILE_NAME.search(urlsplit(url).path.rsplit("/", 1)[-1])
    return match.group(1) if match else None


def _search_row_problem(row: dict[str, Any]) -> str | None:
    if not row["employer"]:
        return "no employer name"
    if not row["detail_url"] or not row["record_id"]:
        return "no link to the notice's detail page"
    return None


def _row_ref(index: int, row: dict[str, Any]) -> str:
    return f"{index} ({row.get('employer') or 'no name'}, {row.get('notice_date') or 'no date'})"


def _page(response: Response) -> Selector:
    """The page as HTML; LayoutChanged for a body that is not text (a PDF, a JSON error served instead)."""
    if isinstance(response, HtmlResponse):
        return response.selector
    if isinstance(response, TextResponse):
        return Selector(text=response.text, type="html")
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1") or "unknown type"
    raise LayoutChanged(f"expected an HTML page, got a binary body ({content_type})")


def _says_no_results(response: Response) -> bool:
    try:
        page = _page(response)
    except LayoutChanged:
        return False
    text = " ".join(page.xpath("//main//text() | //*[@id='primaryContent']//text()").getall())
    return bool(_NO_RESULTS.search(text))


def _merge_raw(detail: dict[str, Any], search: dict[str, Any]) -> dict[str, Any]:
    """The detail page's fields plus the search row's cells; a different search value for the
    same title is kept as 'Search: <title>'."""
    raw = dict(detail)
    for key, value in search.items():
        if key not in raw:
            raw[key] = value
        elif raw[key] != value:
            raw[f"Search: {key}"] = value
    return raw
