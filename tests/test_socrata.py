"""The Socrata registry family (spiders/socrata.py): paging to the end, a server that ignores $offset,
incremental runs by :updated_at through the real `leads crawl` on SQLite and PostgreSQL, the app token.

Each city's whole notices are in its own test file (tests/test_registry_ca_sf.py, tests/test_registry_il_chicago.py).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy import Request
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from leads.errors import AGENCY_LISTS_NONE
from leads.health import STAT_INCREMENTAL, STAT_LISTS_NONE, judge
from leads.items import ClosureNotice
from spiders.registry_ca_sf import RegistryCaSfSpider
from spiders.registry_il_chicago import RegistryIlChicagoSpider
from spiders.socrata import ENV_APP_TOKEN, changed_since_date, page_fingerprint
from tests import socrata_rebuild
from tests.conftest import FAST_CRAWL
from tests.e2e import crawl_summary, stored_keys
from tests.helpers import FILES

SLUG = "registry_il_chicago"
REBUILT = f"{SLUG}/rebuilt/r5kz-chrr_closures_part1.json"
SITES = 348  # business sites among the 349 closed licence rows (tests/test_registry_il_chicago.py)


def _rows() -> list[dict]:
    return json.loads((FILES / REBUILT).read_bytes())


def _response(rows: list[dict], url: str) -> TextResponse:
    return TextResponse(url=url, body=json.dumps(rows).encode(), encoding="utf-8")


def _spider(cls=RegistryIlChicagoSpider, **kwargs):
    return cls.from_crawler(get_crawler(cls), **kwargs)


# -- paging ---------------------------------------------------------------------------------------


def test_pages_until_a_short_page_carrying_the_previous_pages_fingerprint() -> None:
    spider = _spider()
    rows = _rows()
    url = RegistryIlChicagoSpider.query_url("2000-01-01").replace("%24limit=2000", "%24limit=100")
    seen: list[str] = []
    offset, previous = 0, None
    while True:
        page = rows[offset : offset + 100]
        results = list(spider.parse(_response(page, url), previous=previous))
        seen += [n.source_key for n in results if isinstance(n, ClosureNotice)]
        requests = [r for r in results if isinstance(r, Request)]
        if not requests:
            break
        (request,) = requests
        assert request.cb_kwargs == {"previous": page_fingerprint(page)}
        assert request.errback == spider.on_request_error
        query = parse_qs(urlsplit(request.url).query)
        assert (query["$limit"], query["$offset"], query["$order"]) == (["100"], [str(offset + 100)], [":id"])
        url, offset, previous = request.url, offset + 100, request.cb_kwargs["previous"]
    assert offset == 300  # pages at 0, 100, 200 were full; the one at 300 holds 49 rows and ends it
    assert len(set(seen)) == SITES


def test_a_repeated_page_is_a_layout_error_and_stops_the_paging(caplog) -> None:
    spider = _spider()
    page = _rows()[:100]
    url = RegistryIlChicagoSpider.query_url("2000-01-01", 100)
    with caplog.at_level(logging.WARNING):
        results = list(spider.parse(_response(page, url), previous=page_fingerprint(page)))
    assert results == []  # no duplicate notices, no further request
    (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "source registry_il_chicago: layout changed" in error.getMessage()
    assert "the API ignored $offset=100: this page repeats the previous one; paging stopped" in error.getMessage()
    assert spider.crawler.stats.get_value("leads/layout_errors") == 1


def test_crawl_of_a_server_that_ignores_offset_fails_fast_naming_the_source(sqlite_url, server, leads_cli) -> None:
    """The plain /files/ path answers every query with the whole file (349 rows for $limit=100): the
    second request gets the same rows, and the crawl stops there instead of running into the close timeout."""
    url = server.url(f"files/{REBUILT}") + "?%24order=%3Aid&%24limit=100&%24offset=0"
    result = leads_cli("crawl", SLUG, "--url", url, "--json", *FAST_CRAWL, db_url=sqlite_url, timeout=120)
    assert result.returncode == 1, result.stderr
    run = crawl_summary(result)[SLUG]
    assert run["outcome"] == "failed" and "1 layout changed" in run["message"], run
    assert "source registry_il_chicago: layout changed" in result.stderr and "ignored $offset=349" in result.stderr
    asked = [path for _, path in server.requests if path.startswith(f"/files/{REBUILT}")]
    assert len(asked) == 2


# -- incremental ----------------------------------------------------------------------------------


def test_changed_since_adds_the_updated_at_clause_to_the_query() -> None:
    (full,) = RegistryCaSfSpider(since="2024-06-01").start_urls
    (incremental,) = RegistryCaSfSpider(since="2024-06-01", changed_since="2026-12-02").start_urls
    where_full = parse_qs(urlsplit(full).query)["$where"][0]
    assert parse_qs(urlsplit(incremental).query)["$where"] == [
        f"({where_full}) AND :updated_at >= '2026-12-02T00:00:00'"
    ]
    assert ":updated_at" not in full
    assert RegistryCaSfSpider(changed_since="full").changed_since is None
    assert changed_since_date("") is None and changed_since_date("2026-01-31") == date(2026, 1, 31)
    with pytest.raises(ValueError, match="changed_since must be a date like 2025-01-01 or 'full', got 'yesterday'"):
        RegistryCaSfSpider(changed_since="yesterday")


def test_a_whole_query_url_is_asked_as_given_and_never_incremental() -> None:
    spider = RegistryCaSfSpider(url="http://127.0.0.1:1/x.json?$limit=5", changed_since="2026-12-02")
    assert spider.start_urls == ["http://127.0.0.1:1/x.json?$limit=5"] and spider.changed_since is None


def test_incremental_run_with_no_changed_rows_is_the_agency_listing_none(caplog) -> None:
    spider = _spider(changed_since="2026-12-02")
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse(_response([], spider.start_urls[0]))) == []
    assert "no cancelled or revoked licences changed since 2026-12-02" in caplog.text
    stats = spider.crawler.stats.get_stats()
    assert stats[STAT_LISTS_NONE] == 1
    health = judge(stats, "finished", 0, 348)
    assert (health.outcome, health.message, health.attention) == ("empty", AGENCY_LISTS_NONE, False)


def test_an_incremental_run_is_not_measured_against_the_last_full_run() -> None:
    assert judge({STAT_INCREMENTAL: "2026-12-02"}, "finished", 3, 348).outcome == "ok"
    assert judge({}, "finished", 3, 348).outcome == "dropped"


def test_crawl_twice_full_then_incremental_then_forced_full(db_url, server, leads_cli) -> None:
    """The real CLI on SQLite and PostgreSQL: the first run has no good run before it and asks for
    everything; the second asks only for rows changed since the day before the first (the test server
    does not evaluate $where, so the same rows come back: unchanged); `-a changed_since=full` asks for all again."""
    endpoint = server.url(f"soda/files/{REBUILT}")
    crawl = lambda *extra: leads_cli(  # noqa: E731
        "crawl", SLUG, "--url", endpoint, "--json", *FAST_CRAWL, *extra, db_url=db_url, timeout=120
    )

    def wheres() -> list[str]:
        found = [parse_qs(urlsplit(p).query)["$where"][0] for _, p in server.requests if p.startswith("/soda/")]
        server.requests.clear()
        return found

    started = datetime.now(UTC)
    first = crawl()
    assert first.returncode == 0, first.stderr
    assert crawl_summary(first)[SLUG]["new"] == SITES
    (where,) = wheres()
    assert ":updated_at" not in where and "license_status IN ('AAC', 'REV')" in where

    second = crawl()
    assert second.returncode == 0, second.stderr
    run = crawl_summary(second)[SLUG]
    assert (run["outcome"], run["new"], run["updated"], run["unchanged"]) == ("ok", 0, 0, SITES), run
    (where,) = wheres()
    assert where.endswith(f" AND :updated_at >= '{started.date() - timedelta(days=1)}T00:00:00'")

    third = crawl("-a", "changed_since=full")
    assert third.returncode == 0, third.stderr
    assert crawl_summary(third)[SLUG]["unchanged"] == SITES
    (where,) = wheres()
    assert ":updated_at" not in where
    assert len(stored_keys(db_url, SLUG)) == SITES


# -- app token ------------------------------------------------------------------------------------


def test_app_token_from_the_environment_is_sent_as_x_app_token(monkeypatch) -> None:
    spider = RegistryIlChicagoSpider()
    monkeypatch.delenv(ENV_APP_TOKEN, raising=False)
    assert "X-App-Token" not in spider.request(spider.start_urls[0], spider.parse).headers
    monkeypatch.setenv(ENV_APP_TOKEN, "abc123")
    assert spider.request(spider.start_urls[0], spider.parse).headers["X-App-Token"] == b"abc123"


def test_rebuilt_rows_hold_only_the_closure_query_answer() -> None:
    """The served file answers the closure query: every row AAC or REV, as the export has them."""
    rows = _rows()
    assert {r["license_status"] for r in rows} == {"AAC", "REV"}
    assert rows == socrata_rebuild.closure_answer()
