"""Chicago business licences cancelled or revoked: the city's CSV export and the API answer rebuilt from it."""

from __future__ import annotations

import json
import logging
from datetime import date
from urllib.parse import urlencode

import pytest
from scrapy.http import TextResponse

from leads.items import ClosureNotice
from spiders.parsing import LayoutChanged
from spiders.registry_il_chicago import RegistryIlChicagoSpider
from tests import socrata_rebuild
from tests.e2e import Case
from tests.e2e import notice as _notice
from tests.helpers import FILES, file_response

SLUG = "registry_il_chicago"
API = "https://data.cityofchicago.org/resource/r5kz-chrr.json"
REBUILT = "rebuilt/r5kz-chrr_closures_part1.json"

# SOURCE.md: rows 1-5,000 of the sample hold AAC 346 + REV 3 = 349 closed licence rows; two of them
# are a second licence of a site already closed (account 86100 site 2 twice), so 348 business sites.
# The 50-row closure slice: 45 AAI + 5 AAC, all five KATANA's licences at one site.
SAVED_FILES = {"raw_licenses_part1.csv": 348, "sample.closures.csv": 1}
CLOSED_ROWS, SITES = 349, 348


def _katana_raw() -> dict:
    row = next(
        r for r in socrata_rebuild.export_rows(FILES / SLUG / "sample.closures.csv") if r["ID"] == "2528615-20190816"
    )
    # The export's own text, blank cells left out (the CSV path of `leads parse`).
    return {socrata_rebuild.API_FIELDS.get(k, k.lower().replace(" ", "_")): v for k, v in row.items() if v.strip()}


def _api_raw(row_id: str) -> dict:
    return next(r for r in socrata_rebuild.closure_answer() if r["id"] == row_id)


# Five licences of one site cancelled the same day: one notice; the row kept is the highest id.
KATANA = ClosureNotice(
    source=SLUG,
    source_key="416260-1",
    company_name="KATANA",
    source_url="https://data.cityofchicago.org/api/views/r5kz-chrr/rows.csv?accessType=DOWNLOAD",
    notice_type="registry_closed",
    address="339 N DEARBORN ST 1 & MEZZ",
    city="CHICAGO",
    state="IL",
    zip5="60654",
    effective_date=date(2020, 4, 16),
    industry_code="1477",
    lat=41.888582437,
    lon=-87.629417014,
    raw={},  # set below from the export row
)

# Revoked (REV), not cancelled: a closure too.
SAGINAW = ClosureNotice(
    source=SLUG,
    source_key="399418-1",
    company_name="SAGINAW FOOD MART INC.",
    source_url=f"{API}?$limit=349&$offset=0",
    notice_type="registry_closed",
    address="2635 E 79TH ST 1",
    city="CHICAGO",
    state="IL",
    zip5="60649",
    effective_date=date(2017, 3, 1),
    industry_code="1006",
    lat=41.751704509,
    lon=-87.560035604,
    raw={},
)

# No coordinates published (a suburban contractor's licence); DBA name before the legal name.
LAKESIDE = ClosureNotice(
    source=SLUG,
    source_key="293756-1",
    company_name="LAKESIDE MECHANICAL, INC",
    source_url=f"{API}?$limit=349&$offset=0",
    notice_type="registry_closed",
    address="408 CENTER RD",
    city="FRANKFORT",
    state="IL",
    zip5="60423",
    effective_date=date(2007, 5, 25),
    industry_code="1010",
    lat=None,
    lon=None,
    raw={},
)


@pytest.fixture
def spider() -> RegistryIlChicagoSpider:
    return RegistryIlChicagoSpider()


def _response(body: object, url: str = f"{API}?$limit=2000&$offset=0") -> TextResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return TextResponse(url=url, body=raw, encoding="utf-8")


def test_saved_rebuilt_answer_is_what_the_builder_makes_from_the_export() -> None:
    """The served file is never hand-edited: it is the builder's output over the real export."""
    assert (FILES / SLUG / REBUILT).read_bytes() == socrata_rebuild.rebuilt_bytes()
    assert len(socrata_rebuild.closure_answer()) == CLOSED_ROWS


def test_whole_notices_from_the_api_answer(spider) -> None:
    response = file_response(SLUG, REBUILT, url=f"{API}?$limit=349&$offset=0")
    notices = [n for n in spider.parse(response) if isinstance(n, ClosureNotice)]
    assert len(notices) == SITES
    by_key = {n.source_key: n for n in notices}
    assert by_key["399418-1"] == ClosureNotice(**{**SAGINAW.as_dict(), "raw": _api_raw("2411524-20150720")})
    assert by_key["293756-1"] == ClosureNotice(**{**LAKESIDE.as_dict(), "raw": _api_raw("1617729-20070216")})
    # Two licences of site 86100-2 cancelled the same day: one notice, the row with the higher id.
    assert by_key["86100-2"].raw["id"] == "33632-20050216"


def test_export_csv_reads_as_the_api_answer(spider) -> None:
    """`leads parse` on the city's CSV export finds the same sites, names and dates as the API answer."""
    from_csv = list(spider.parse_file(file_response(SLUG, "raw_licenses_part1.csv")))
    from_api = list(spider.parse_file(file_response(SLUG, REBUILT)))
    fields = ("source_key", "company_name", "address", "city", "state", "zip5", "effective_date", "lat", "lon")
    assert [tuple(getattr(n, f) for f in fields) for n in from_csv] == [
        tuple(getattr(n, f) for f in fields) for n in from_api
    ]


def test_one_notice_per_site_from_the_closure_slice(spider, caplog) -> None:
    url = KATANA.source_url
    with caplog.at_level(logging.WARNING):
        (notice,) = spider.parse_file(file_response(SLUG, "sample.closures.csv", url=url))
    assert notice == ClosureNotice(**{**KATANA.as_dict(), "raw": _katana_raw()})
    assert "45 of 50 rows" in caplog.text and "not cancelled or revoked" in caplog.text


def test_expired_appealed_and_issued_licences_are_not_closures(spider) -> None:
    """Only AAC and REV close; a licence past its expiration date with status AAI is no notice."""
    row = _api_raw("2411524-20150720")
    for status in ("AAI", "REA", "EXP", ""):
        assert spider.notice_from_row(API, {**row, "license_status": status}) is None
    expired = {**row, "license_status": "AAI", "expiration_date": "2016-04-15T00:00:00.000"}
    assert spider.notice_from_row(API, expired) is None


def test_closure_without_a_change_date_is_skipped_naming_the_row(spider, caplog) -> None:
    rows = socrata_rebuild.closure_answer()[:20]
    del rows[13]["license_status_change_date"]
    with caplog.at_level(logging.WARNING):
        notices = list(spider.parse_file(_response(rows)))
    assert "399418-1" not in {n.source_key for n in notices}
    assert "skipped row 399418-1 (SAGINAW FOOD MART INC.)" in caplog.text
    assert "licence revoked (REV) without a license_status_change_date" in caplog.text


def test_query_asks_for_cancelled_and_revoked_since_the_window() -> None:
    spider = RegistryIlChicagoSpider(since="2024-06-01", changed_since="2026-12-01")
    (start,) = spider.start_urls
    assert start == f"{API}?" + urlencode(
        {
            "$where": "(license_status IN ('AAC', 'REV') AND license_status_change_date >= '2024-06-01T00:00:00')"
            " AND :updated_at >= '2026-12-01T00:00:00'",
            "$order": ":id",
            "$limit": "2000",
            "$offset": "0",
        }
    )


def test_not_the_export_is_a_layout_error(spider) -> None:
    with pytest.raises(LayoutChanged, match="no account_number, site_number, license_status column"):
        list(spider.parse_file(_response(b"Name,Address\nKATANA,339 N DEARBORN ST\n", url="file:///x.csv")))


# -- end to end: the crawl stores what `leads parse` reads (tests/test_sources_e2e.py runs E2E_CASES) --

SODA_PAGE = 100  # 349 rows: four pages through the test server's SODA paging


def _chicago(server) -> list[str]:
    query = {
        "$where": RegistryIlChicagoSpider.closure_where("2000-01-01"),
        "$order": ":id",
        "$limit": str(SODA_PAGE),
        "$offset": "0",
    }
    return [server.url(f"soda/files/{SLUG}/{REBUILT}") + "?" + urlencode(query)]


def _chicago_rows(server) -> list[dict]:
    # Row 13 of 349: on the first page.
    return [
        _notice(
            SLUG,
            "399418-1",
            "SAGINAW FOOD MART INC.",
            _chicago(server)[0],
            "registry_closed",
            address="2635 E 79TH ST 1",
            city="CHICAGO",
            state="IL",
            zip5="60649",
            effective_date=date(2017, 3, 1),
            industry_code="1006",
            raw=_api_raw("2411524-20150720"),
        )
    ]


E2E_CASES = [Case(SLUG, SLUG, (f"{SLUG}/raw_licenses_part1.csv",), _chicago, _chicago_rows)]
