"""San Francisco registered business locations that ended (Treasurer & Tax Collector, DataSF SODA API).

The crawl asks the Socrata API for locations with a ``location_end_date`` on or after ``since``
(spider argument, YYYY-MM-DD; default Jan 1 of last year), ordered by the row id ``:id`` so that
``$limit``/``$offset`` paging is stable, and requests the next page while a page comes back full.

- source_key: ``ttxid``, the registry's Location Id ("Each DBA has a unique LIN for location specific
  tax filings", data dictionary TTX-0013). It does not change when the Treasurer amends dates.
- company_name: ``dba_name`` (the name on the storefront), else ``ownership_name``; both stay in raw.
- notice_type "registry_end"; effective_date = ``location_end_date``; no notice date or employee
  count is published. address/city/state/zip from ``full_business_address``, ``city``, ``state``,
  ``business_zip`` (else the ``location_*`` fields). industry_code = ``naic_code`` as published
  (the registry uses NAICS ranges such as "4400-4599").
- raw: the JSON row; nested values (the GeoJSON point) as JSON text, booleans as "true"/"false".
- Rows skipped (logged, counted): no ttxid, no business name, an unreadable location_end_date.
  A row without location_end_date is an open location the query should not have returned (the
  saved 2017 sample holds 96 of them): not a notice; they are counted in one WARNING per page.
- Loud failures: a body that is not JSON, or JSON that is not a list of rows (a SODA error
  object), or rows that all lack ``ttxid`` or ``location_end_date`` (renamed fields) is a layout
  ERROR. An empty FIRST page is a WARNING (zero closures is possible but suspicious; the run's
  health check decides); an empty later page just ends the paging. ``parse_file`` (``leads parse``)
  raises LayoutChanged instead of logging it, so the command fails naming the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, clean_text, parse_date, state_code, window_start, zip5

API_URL = "https://data.sfgov.org/resource/g8m3-pdis.json"
#: SODA returns 1000 rows when a URL has no $limit.
SODA_DEFAULT_LIMIT = 1000
#: Keys that must exist in a page of rows; all missing means the dataset's schema changed.
REQUIRED_KEYS = ("ttxid", "location_end_date")
#: Optional fields and the keys that carry them, preferred first: when no row of a page has any of a
#: field's keys (the dataset renamed or dropped it) the rows land without it and the run is degraded.
OPTIONAL_KEYS = {
    "address": ("full_business_address", "location_address"),
    "city": ("city", "location_city"),
    "zip": ("business_zip", "location_zip"),
    "industry": ("naic_code",),
}


class RegistryCaSfSpider(NoticeSpider):
    name = "registry_ca_sf"
    agency_url = "https://data.sfgov.org/Economy-and-Community/Registered-Business-Locations-San-Francisco/g8m3-pdis"
    source_format = "JSON API (Socrata SODA), paged with $limit/$offset"
    region = "San Francisco, California"
    verified_on = "open-data extract 2017-08-19 (98 rows of the SODA dataset)"
    demo_urls = ()
    demo_files = {
        "data.sfgov.org/resource/": "registry_ca_sf/vbiu-2p9h_filtered.json",
    }
    #: The API endpoint; a crawl asks for a filtered, ordered, paged query of it (see __init__).
    start_urls = [API_URL]
    page_size: ClassVar[int] = 2000

    def __init__(self, *args: Any, since: str | None = None, url: str | list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, url=url, **kwargs)
        if not url:
            self.start_urls = [self.query_url(window_start(since).isoformat())]

    @classmethod
    def query_url(cls, since: str, offset: int = 0) -> str:
        """Ended locations since a date (YYYY-MM-DD), one page of page_size rows from offset."""
        query = {
            "$where": f"location_end_date IS NOT NULL AND location_end_date >= '{since}T00:00:00'",
            "$order": ":id",
            "$limit": str(cls.page_size),
            "$offset": str(offset),
        }
        return f"{API_URL}?{urlencode(query)}"

    def parse(self, response: Response, **_: Any) -> Iterator[Any]:
        try:
            rows = parse_rows(response.body)
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))
            return
        limit, offset = _page_of(response.url)
        if not rows:
            if offset == 0:
                self.logger.warning(
                    "source %s: the first page has no ended locations at %s; check the query window",
                    self.name,
                    response.url,
                )
            return
        yield from self._notices(response, rows)
        if len(rows) >= limit:
            yield self.request(next_page_url(response.url, len(rows)), self.parse)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        """A saved API response: its notices, without asking for the next page.

        A body that is not a list of rows raises LayoutChanged, so `leads parse` fails naming the file.
        """
        yield from self._notices(response, parse_rows(response.body))

    def _notices(self, response: Response, rows: list[dict[str, Any]]) -> Iterator[ClosureNotice]:
        for warning in key_warnings(rows):
            self.column_warning(response, warning)
        open_locations = 0
        for row in rows:
            if row.get("location_end_date") is None:
                open_locations += 1
                continue
            try:
                yield notice_from_row(self.name, response.url, row)
            except ValueError as exc:
                self.skip_row(response, _row_ref(row), str(exc))
        if open_locations:
            self.logger.warning(
                "source %s: %d of %d rows at %s have no location_end_date (open locations), not notices",
                self.name,
                open_locations,
                len(rows),
                response.url,
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
        detail = data.get("message") or data.get("error") or data if isinstance(data, dict) else data
        raise LayoutChanged(f"expected a JSON list of rows, got {type(data).__name__}: {str(detail)[:200]}")
    if not all(isinstance(row, dict) for row in data):
        raise LayoutChanged("expected a JSON list of objects (one per business location)")
    if data:
        keys = set().union(*data)
        missing = [key for key in REQUIRED_KEYS if key not in keys]
        if missing:
            raise LayoutChanged(f"no row has {', '.join(missing)}; keys present: {sorted(keys)}")
    return data


def key_warnings(rows: list[dict[str, Any]]) -> list[str]:
    """A warning per optional field that no row carries under any of its keys (see OPTIONAL_KEYS)."""
    if not rows:
        return []
    keys = set().union(*rows)
    return [
        f"no key for {field} ({' or '.join(names)}; its rows land without it)"
        for field, names in OPTIONAL_KEYS.items()
        if not keys.intersection(names)
    ]


def notice_from_row(source: str, source_url: str, row: dict[str, Any]) -> ClosureNotice:
    """One ended location as a notice; ValueError when the row cannot be one."""
    location_id = clean_text(row.get("ttxid"))
    if not location_id:
        raise ValueError("no ttxid (location id)")
    name = clean_text(row.get("dba_name")) or clean_text(row.get("ownership_name"))
    if not name:
        raise ValueError("no business name (dba_name or ownership_name)")
    ended = parse_date(row.get("location_end_date"))
    if ended is None:
        raise ValueError(f"unreadable location_end_date {row.get('location_end_date')!r}")
    return ClosureNotice(
        source=source,
        source_key=location_id,
        company_name=name,
        source_url=source_url,
        notice_type="registry_end",
        address=clean_text(row.get("full_business_address") or row.get("location_address")) or None,
        city=clean_text(row.get("city") or row.get("location_city")) or None,
        state=state_code(row.get("state") or row.get("location_state")),
        zip5=zip5(row.get("business_zip") or row.get("location_zip")),
        effective_date=ended,
        industry_code=clean_text(row.get("naic_code")) or None,
        raw=json_safe_row(row),
    )


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
    limit, offset = _page_of(url)
    query["$limit"] = str(limit)
    query["$offset"] = str(offset + rows_on_page)
    query.setdefault("$order", ":id")
    return urlunsplit(parts._replace(query=urlencode(query)))


def _page_of(url: str) -> tuple[int, int]:
    """($limit, $offset) of a SODA URL, with SODA's defaults."""
    query = dict(parse_qsl(urlsplit(url).query))
    try:
        limit = int(query.get("$limit", SODA_DEFAULT_LIMIT))
        offset = int(query.get("$offset", 0))
    except ValueError:
        return SODA_DEFAULT_LIMIT, 0
    return limit, offset


def _row_ref(row: dict[str, Any]) -> str:
    return f"{row.get('ttxid') or 'no ttxid'} ({row.get('dba_name') or row.get('ownership_name') or 'no name'})"
