"""City registries published on Socrata (SODA JSON API): one base spider; a city is a few lines of configuration.

A city subclass names its portal ``domain`` and ``dataset`` id, which row ``columns`` mean key / name /
address / city / state / ZIP / category / coordinates, the SoQL ``closure_where`` that asks for closures
since a date, and ``closure_date`` that reads one row's closure (None: the row is no closure).

- Paging: ``$order=:id`` (stable) with ``$limit``/``$offset``; the next page is asked for while a page
  comes back full. A server that ignores ``$offset`` answers the same page again: that is a layout
  ERROR naming the source and the paging stops (it used to run until the close timeout). The previous
  page's fingerprint travels in ``cb_kwargs``, not on ``self``.
- Incremental: ``changed_since`` (YYYY-MM-DD, spider argument) adds ``:updated_at >= 'date'`` (Socrata's
  row-changed system field) to the query. `leads crawl` passes the day before the source's last good
  run (leads/crawl.py); ``-a changed_since=YYYY-MM-DD`` overrides, ``-a changed_since=full`` asks for
  everything. ``--url`` with the endpoint alone (no query) builds the same query on it; a whole query
  URL is asked as given, never incremental. An incremental run with no changed row is "the agency lists none", not a failure, and is
  not measured against the last full run's count (leads/health.py).
- One notice per business site: rows of one key on a page collapse to the latest closure (then the
  highest ``row_id``), so the notice does not depend on the order the API returned the rows in.
- ``LEADS_SOCRATA_APP_TOKEN`` (optional) is sent as ``X-App-Token``: Socrata throttles anonymous clients.
- Loud failures: a body that is not JSON, a JSON object (SODA's error) instead of a list, or rows that
  all lack a required key (a renamed field) is a layout ERROR; ``parse_file`` raises it instead.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response

from leads.health import STAT_INCREMENTAL
from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, clean_text, state_code, window_start, zip5

#: SODA returns 1000 rows when a URL has no $limit.
SODA_DEFAULT_LIMIT = 1000
ENV_APP_TOKEN = "LEADS_SOCRATA_APP_TOKEN"
#: ``-a changed_since=full``: ignore the last good run, ask for every closure in the window.
FULL = "full"


@dataclass(frozen=True)
class Columns:
    """Which keys of a row mean what; for each field the first key with a value wins."""

    key: tuple[str, ...]  # joined with "-" into the notice's source_key: one business site
    name: tuple[str, ...]  # the storefront (DBA) name before the legal name
    address: tuple[str, ...] = ()
    city: tuple[str, ...] = ()
    state: tuple[str, ...] = ()
    zip: tuple[str, ...] = ()
    category: tuple[str, ...] = ()  # -> industry_code, as the registry codes it
    latitude: str | None = None
    longitude: str | None = None
    point: str | None = None  # a GeoJSON Point column ({"type": "Point", "coordinates": [lon, lat]})
    row_id: str | None = None  # breaks ties between rows of one key


class SocrataRegistrySpider(NoticeSpider):
    """Base of every Socrata registry; subclasses set the configuration below."""

    domain: ClassVar[str] = ""
    dataset: ClassVar[str] = ""
    columns: ClassVar[Columns]
    #: Keys some row of a page must have, else the dataset was renamed (layout error).
    required_keys: ClassVar[tuple[str, ...]] = ()
    #: At least one of these must appear in some row of a page (the closure's own fields).
    closure_keys: ClassVar[tuple[str, ...]] = ()
    #: What the rows are, for messages: "ended locations", "cancelled or revoked licences".
    closure_noun: ClassVar[str] = "closures"
    #: Why a returned row is not a notice, for the one WARNING per page that counts them.
    not_closure: ClassVar[str] = "are not closures"
    notice_type: ClassVar[str] = "registry_closed"
    page_size: ClassVar[int] = 2000
    #: Read by leads/crawl.py: pass ``changed_since`` from the source's last good run.
    incremental: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.domain and cls.dataset:
            cls.start_urls = [cls.api_url()]

    def __init__(
        self,
        *args: Any,
        since: str | None = None,
        changed_since: str | None = None,
        url: str | list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, url=url, **kwargs)
        self.changed_since = changed_since_date(changed_since)
        urls = [url] if isinstance(url, str) else list(url or [])
        endpoints = [u for u in urls if "?" not in u]
        if urls and len(endpoints) < len(urls):
            # A whole query given by hand is asked as it is: it says nothing about changed rows.
            self.changed_since = None
        else:
            # The dataset's endpoint (or a copy of it elsewhere, given as --url without a query).
            window = window_start(since).isoformat()
            self.start_urls = [
                self.query_url(window, changed_since=self.changed_since, endpoint=endpoint)
                for endpoint in endpoints or [self.api_url()]
            ]

    # -- configuration a city fills in ----------------------------------------------------------

    @classmethod
    def closure_where(cls, since: str) -> str:
        """SoQL for closures on or after ``since`` (YYYY-MM-DD)."""
        raise NotImplementedError

    def closure_date(self, row: dict[str, Any]) -> date | None:
        """The row's closure date; None when the row is no closure; ValueError when unreadable."""
        raise NotImplementedError

    # -- the query ------------------------------------------------------------------------------

    @classmethod
    def api_url(cls) -> str:
        return f"https://{cls.domain}/resource/{cls.dataset}.json"

    @classmethod
    def query_url(
        cls, since: str, offset: int = 0, *, changed_since: date | None = None, endpoint: str | None = None
    ) -> str:
        """Closures since a date, changed since another (incremental), one page of page_size rows."""
        where = cls.closure_where(since)
        if changed_since is not None:
            where = f"({where}) AND :updated_at >= '{changed_since.isoformat()}T00:00:00'"
        query = {"$where": where, "$order": ":id", "$limit": str(cls.page_size), "$offset": str(offset)}
        return f"{endpoint or cls.api_url()}?{urlencode(query)}"

    def request(self, url: str, callback: Any, **cb_kwargs: Any) -> scrapy.Request:
        token = os.environ.get(ENV_APP_TOKEN, "").strip()
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_request_error,
            cb_kwargs=cb_kwargs,
            headers={"X-App-Token": token} if token else None,
        )

    async def start(self) -> AsyncIterator[Any]:
        crawler = getattr(self, "crawler", None)
        if self.changed_since is not None and crawler is not None and crawler.stats is not None:
            crawler.stats.set_value(STAT_INCREMENTAL, self.changed_since.isoformat())
        for url in self.start_urls:
            yield self.request(url, self.parse)

    # -- parsing --------------------------------------------------------------------------------

    def parse(self, response: Response, previous: str | None = None, **_: Any) -> Iterator[Any]:
        try:
            rows = parse_rows(response.body, self.required_keys, self.closure_keys)
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))
            return
        limit, offset = page_of(response.url)
        if not rows:
            if offset == 0 and self.changed_since is not None:
                self.agency_lists_none(response, f"no {self.closure_noun} changed since {self.changed_since}")
            elif offset == 0:
                self.logger.warning(
                    "source %s: the first page has no %s at %s; check the query window",
                    self.name,
                    self.closure_noun,
                    response.url,
                )
            return
        fingerprint = page_fingerprint(rows)
        if fingerprint == previous:
            self.layout_changed(
                response,
                f"the API ignored $offset={offset}: this page repeats the previous one; paging stopped",
            )
            return
        yield from self._notices(response, rows)
        if len(rows) >= limit:
            yield self.request(next_page_url(response.url, len(rows)), self.parse, previous=fingerprint)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        """A saved API response: its notices, without asking for the next page.

        A body that is not a list of rows raises LayoutChanged, so `leads parse` fails naming the file.
        """
        yield from self._notices(response, parse_rows(response.body, self.required_keys, self.closure_keys))

    def _notices(self, response: Response, rows: list[dict[str, Any]]) -> Iterator[ClosureNotice]:
        for warning in key_warnings(rows, self.columns):
            self.column_warning(response, warning)
        kept: dict[str, tuple[tuple[date, str], ClosureNotice]] = {}
        not_closures = 0
        for row in rows:
            try:
                notice = self.notice_from_row(response.url, row)
            except ValueError as exc:
                self.skip_row(response, self._row_ref(row), str(exc))
                continue
            if notice is None:
                not_closures += 1
                continue
            assert notice.effective_date is not None
            rank = (notice.effective_date, clean_text(row.get(self.columns.row_id or "")))
            if notice.source_key not in kept or rank > kept[notice.source_key][0]:
                kept[notice.source_key] = (rank, notice)
        if not_closures:
            self.logger.warning(
                "source %s: %d of %d rows at %s %s",
                self.name,
                not_closures,
                len(rows),
                response.url,
                self.not_closure,
            )
        for _, notice in kept.values():
            yield notice

    def notice_from_row(self, source_url: str, row: dict[str, Any]) -> ClosureNotice | None:
        """One closure as a notice; None when the row is no closure; ValueError when it cannot be one."""
        cols = self.columns
        closed = self.closure_date(row)
        if closed is None:
            return None
        parts = []
        for key in cols.key:
            part = clean_text(row.get(key))
            if not part:
                raise ValueError(f"no {key}")
            parts.append(part)
        name = first(row, cols.name)
        if not name:
            raise ValueError(f"no business name ({' or '.join(cols.name)})")
        lat, lon = coordinates(row, cols)
        return ClosureNotice(
            source=self.name,
            source_key="-".join(parts),
            company_name=name,
            source_url=source_url,
            notice_type=self.notice_type,
            address=first(row, cols.address) or None,
            city=first(row, cols.city) or None,
            state=state_code(first(row, cols.state)),
            zip5=zip5(first(row, cols.zip)),
            effective_date=closed,
            industry_code=first(row, cols.category) or None,
            lat=lat,
            lon=lon,
            raw=json_safe_row(row),
        )

    def _row_ref(self, row: dict[str, Any]) -> str:
        key = "-".join(clean_text(row.get(k)) for k in self.columns.key) or "no key"
        return f"{key} ({first(row, self.columns.name) or 'no name'})"


# -- pure helpers -------------------------------------------------------------------------------


def changed_since_date(value: object) -> date | None:
    """The ``changed_since`` spider argument: None (full crawl) for blank or "full", else a date."""
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text or text.lower() == FULL:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"changed_since must be a date like 2025-01-01 or 'full', got {value!r}") from None


def first(row: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        text = clean_text(row.get(key))
        if text:
            return text
    return ""


def coordinates(row: dict[str, Any], cols: Columns) -> tuple[float | None, float | None]:
    """(lat, lon) from latitude/longitude columns, else a GeoJSON Point; (None, None) when absent or out of range."""
    lat: Any = row.get(cols.latitude) if cols.latitude else None
    lon: Any = row.get(cols.longitude) if cols.longitude else None
    if (lat in (None, "") or lon in (None, "")) and cols.point:
        point = row.get(cols.point)
        if isinstance(point, str) and point.startswith("{"):
            try:
                point = json.loads(point)
            except ValueError:
                point = None
        if isinstance(point, dict) and isinstance(point.get("coordinates"), list) and len(point["coordinates"]) == 2:
            lon, lat = point["coordinates"]
    try:
        flat, flon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None, None
    if not (-90 <= flat <= 90 and -180 <= flon <= 180) or (flat, flon) == (0.0, 0.0):
        return None, None
    return flat, flon


def parse_rows(body: bytes, required: tuple[str, ...] = (), any_of: tuple[str, ...] = ()) -> list[dict[str, Any]]:
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
        raise LayoutChanged("expected a JSON list of objects (one per row)")
    if data:
        keys = set().union(*data)
        missing = [key for key in required if key not in keys]
        if any_of and not keys.intersection(any_of):
            missing.append(" or ".join(any_of))
        if missing:
            raise LayoutChanged(f"no row has {', '.join(missing)}; keys present: {sorted(keys)}")
    return data


def key_warnings(rows: list[dict[str, Any]], cols: Columns) -> list[str]:
    """A warning per optional field that no row of the page carries under any of its keys."""
    if not rows:
        return []
    keys = set().union(*rows)
    fields = {"address": cols.address, "city": cols.city, "zip": cols.zip, "industry": cols.category}
    return [
        f"no key for {field} ({' or '.join(names)}; its rows land without it)"
        for field, names in fields.items()
        if names and not keys.intersection(names)
    ]


def json_safe_row(row: dict[str, Any]) -> dict[str, Any]:
    """raw holds str/int/float/None only: booleans become "true"/"false", objects become JSON text."""
    safe: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool)):
            safe[key] = value
        else:
            safe[key] = json.dumps(value, sort_keys=True)
    return safe


def page_fingerprint(rows: list[dict[str, Any]]) -> str:
    """Identifies a page's rows: the same page served for another offset has the same fingerprint."""
    blob = json.dumps([rows[0], rows[-1], len(rows)], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


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
        limit = int(query.get("$limit", SODA_DEFAULT_LIMIT))
        offset = int(query.get("$offset", 0))
    except ValueError:
        return SODA_DEFAULT_LIMIT, 0
    return limit, offset
