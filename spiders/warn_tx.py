"""Texas WARN notices: TWC's dataset on the state's Socrata portal (``data.texas.gov``, ``8w53-c4f6``).

The crawl asks the SODA API for notices with a ``notice_date`` on or after ``since`` (spider argument,
YYYY-MM-DD; default Jan 1 of last year, so the window survives 1 January), ordered by the row id
``:id`` so that ``$limit``/``$offset`` paging is stable, and asks for the next page while a page
comes back full. A page identical to the one before it means the API ignored ``$offset`` (a proxy
or a changed endpoint): that is a failed check (ERROR), and the paging stops instead of looping.
The source keys of the pages seen so far travel to the next page in ``cb_kwargs``, so a notice
repeated on two pages is yielded once and a same-key notice that differs gets ``|2`` wherever it falls.

TWC also publishes the same rows as yearly workbooks (``warn-act-listings-YYYY.xlsx``, whose header
row spans all 16,384 Excel columns); the API is the machine-readable copy and the one crawled.

Field decisions (keys: notice_date, job_site_name, county_name, wda_name, total_layoff_number,
layoff_date, wfdd_received_date, city_name; SODA leaves a key out of a row when its value is empty):

- Essential: ``job_site_name``, a date (``notice_date`` or ``layoff_date``), a place (``city_name`` or
  ``county_name``). No row of a page with any of them is a layout error; a row without a company or
  without any readable date is skipped (logged, counted).
- ``company_name`` = job_site_name as published ("Air System Components - El Paso"): TWC names the
  site, not only the employer. ``city`` = city_name; county and workforce area stay in ``raw``;
  ``state`` TX; no street address or ZIP.
- ``notice_date`` = notice_date, ``effective_date`` = layoff_date (SODA floating timestamps
  "2019-09-26T00:00:00.000"). ``wfdd_received_date`` holds dates for some rows and TWC's numbers
  ("19111") for others: kept in ``raw`` only, and left out when deciding that two rows are the same
  notice: the 2019 notices are in the dataset twice (from the yearly workbook, with a date, and
  from the historical file, with the number); the first is yielded, the repeat logged.
- ``notice_type`` ``other`` and ``temporary`` None: the dataset has no type column.
  ``employees`` = total_layoff_number (0 is published and kept); unreadable -> None, flagged.
- ``source_key`` = company + notice date + city (else county) (``tabular.make_key``: "CHS, Inc." =
  "CHS Inc."); a key over 240 characters is cut and ends in a digest of the whole.
- Unreadable optional values leave the field None, keep the text in ``raw`` and log a WARNING
  (stat ``leads/values_unreadable``). ``parse_file`` (``leads parse``) reads one saved page and
  raises LayoutChanged instead of logging it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, clean_text, parse_date, parse_int, window_start
from spiders.tabular import UniqueKeys, bounded_key

API_URL = "https://data.texas.gov/resource/8w53-c4f6.json"
#: SODA returns 1000 rows when a URL has no $limit.
SODA_DEFAULT_LIMIT = 1000
#: Essential keys: at least one of each group must appear in a page of rows.
ESSENTIAL = {
    "company": ("job_site_name",),
    "date": ("notice_date", "layoff_date"),
    "place": ("city_name", "county_name"),
}


class WarnTxSpider(NoticeSpider):
    name = "warn_tx"
    agency_url = "https://data.texas.gov/dataset/WARN-Notices/8w53-c4f6"
    source_format = "JSON API (Socrata SODA), paged with $limit/$offset"
    region = "Texas"
    verified_on = "rebuilt from a row dump (2022-03-10)"
    start_urls = [API_URL]
    page_size: ClassVar[int] = 2000

    def __init__(self, *args: Any, since: str | None = None, url: str | list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, url=url, **kwargs)
        if not url:
            self.start_urls = [self.query_url(window_start(since).isoformat())]

    @classmethod
    def query_url(cls, since: str, offset: int = 0) -> str:
        """Notices since a date (YYYY-MM-DD), one page of page_size rows from offset."""
        query = {
            "$where": f"notice_date >= '{since}T00:00:00'",
            "$order": ":id",
            "$limit": str(cls.page_size),
            "$offset": str(offset),
        }
        return f"{API_URL}?{urlencode(query)}"

    def parse(
        self, response: Response, keys: UniqueKeys | None = None, previous: str | None = None, **_: Any
    ) -> Iterator[Any]:
        try:
            rows = parse_rows(response.body)
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))
            return
        limit, offset = page_of(response.url)
        if not rows:
            if offset == 0:
                self.logger.warning(
                    "source %s: the first page has no notices at %s; check the query window", self.name, response.url
                )
            return
        fingerprint = hashlib.sha256(response.body).hexdigest()
        if fingerprint == previous:
            self.check_failed(
                response,
                f"the API ignored $offset: the page at offset {offset} repeats the previous page; paging stopped",
            )
            return
        keys = keys if keys is not None else UniqueKeys()
        yield from self._notices(response, rows, keys)
        if len(rows) >= limit:
            yield self.request(next_page_url(response.url, len(rows)), self.parse, keys=keys, previous=fingerprint)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        yield from list(self._notices(response, parse_rows(response.body), UniqueKeys()))

    def _notices(self, response: Response, rows: list[dict[str, Any]], keys: UniqueKeys) -> Iterator[ClosureNotice]:
        _, offset = page_of(response.url)
        for number, row in enumerate(rows, start=offset + 1):
            where = f"row {number}"
            raw = json_safe_row(row)
            try:
                notice = self._notice(response, where, row, raw)
            except ValueError as exc:
                self.skip_row(response, f"{where} ({clean_text(row.get('job_site_name'))!r})", str(exc))
                continue
            # wfdd_received_date is left out of what makes two rows the same notice: the dataset holds
            # the 2019 notices twice, once from the yearly workbook (a date) and once from the
            # historical file (TWC's number).
            same = {k: v for k, v in raw.items() if k != "wfdd_received_date"}
            notice.source_key, repeat = keys.assign(notice.source_key, same)
            if repeat:
                self.logger.info("source %s: %s repeats an earlier row; yielded once", self.name, where)
                continue
            yield notice

    def _notice(self, response: Response, where: str, row: dict[str, Any], raw: dict[str, Any]) -> ClosureNotice:
        company = clean_text(row.get("job_site_name"))
        if not company:
            raise ValueError("no job_site_name (company)")
        notice_date = self.optional_value(response, where, "notice_date", row.get("notice_date"), parse_date)
        effective_date = self.optional_value(response, where, "layoff_date", row.get("layoff_date"), parse_date)
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        city = clean_text(row.get("city_name")) or None
        county = clean_text(row.get("county_name")) or None
        return ClosureNotice(
            source=self.name,
            source_key=bounded_key(company, notice_date or effective_date, city or county),
            company_name=company,
            source_url=response.url,
            notice_type="other",
            city=city,
            state="TX",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self.optional_value(
                response, where, "total_layoff_number", row.get("total_layoff_number"), parse_int
            ),
            raw=raw,
        )


# -- pure helpers -------------------------------------------------------------------------------


def parse_rows(body: bytes) -> list[dict[str, Any]]:
    """The rows of a SODA JSON response; LayoutChanged for an error object, non-JSON or renamed keys."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        start = body[:80].decode("utf-8", "replace")
        raise LayoutChanged(f"the response is not JSON ({exc}); it starts {start!r}") from None
    if not isinstance(data, list):
        detail = (data.get("message") or data.get("error") or data) if isinstance(data, dict) else data
        raise LayoutChanged(f"expected a JSON list of rows, got {type(data).__name__}: {str(detail)[:200]}")
    if not all(isinstance(row, dict) for row in data):
        raise LayoutChanged("expected a JSON list of objects (one per notice)")
    if data:
        keys = set().union(*data)
        missing = [what for what, names in ESSENTIAL.items() if not keys.intersection(names)]
        if missing:
            raise LayoutChanged(
                f"layout changed: no row has a {' or a '.join(missing)} key "
                f"({', '.join(n for m in missing for n in ESSENTIAL[m])}); keys present: "
                f"{sorted(keys)}"
            )
    return data


def json_safe_row(row: dict[str, Any]) -> dict[str, Any]:
    """raw holds str/int/float/None only: booleans become "true"/"false", objects become JSON text."""
    safe: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool)):
            safe[key] = value
        else:
            safe[key] = json.dumps(value, sort_keys=True)
    return safe


def next_page_url(url: str, rows_on_page: int) -> str:
    """The same query one page further on; adds a stable $order when the URL had none."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    limit, offset = page_of(url)
    query["$limit"] = str(limit)
    query["$offset"] = str(offset + rows_on_page)
    query.setdefault("$order", ":id")
    return urlunsplit(parts._replace(query=urlencode(query)))


def page_of(url: str) -> tuple[int, int]:
    """($limit, $offset) of a SODA URL, with SODA's defaults."""
    query = dict(parse_qsl(urlsplit(url).query))
    try:
        return int(query.get("$limit", SODA_DEFAULT_LIMIT)), int(query.get("$offset", 0))
    except ValueError:
        return SODA_DEFAULT_LIMIT, 0
