"""San Francisco registered business locations (Socrata SODA JSON) on the saved real API response."""

from __future__ import annotations

import json
import logging
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from scrapy import Request
from scrapy.http import TextResponse

from leads.items import ClosureNotice
from spiders.parsing import LayoutChanged
from spiders.registry_ca_sf import RegistryCaSfSpider
from tests.e2e import Case
from tests.e2e import notice as _notice
from tests.e2e import request_target as _path
from tests.helpers import FILES, file_response

#: Notices `leads parse` reads from each saved file (tests/test_parse_cli.py checks every format).
SAVED_FILES = {"vbiu-2p9h_filtered.json": 2}  # SOURCE.md: "only 2 records carry location_end_date"
#: Saved beside the responses but not one itself: the Treasurer's data dictionary (an XLSX) is
#: documentation; the registry parser must refuse it by name, not read it as rows.
NOT_RESPONSES = {"TTX-0013_DataDictionary_registered-businesses.xlsx"}

SLUG = "registry_ca_sf"
FILE = "vbiu-2p9h_filtered.json"
API = "https://data.sfgov.org/resource/g8m3-pdis.json"

# The saved response holds 98 rows (SOURCE.md); `grep -o '"location_end_date"' vbiu-2p9h_filtered.json
# | wc -l` finds the key in 2 of them. The other 96 are open locations, not notices.
ROWS, ENDED = 98, 2

T_AND_R = ClosureNotice(
    source="registry_ca_sf",
    source_key="0318364-02-001",
    company_name="T & R 76-3",
    source_url=f"{API}?$limit=98&$offset=0",
    notice_type="registry_closed",
    address="3898 California St",
    city="San Francisco",
    state="CA",
    zip5="94118",
    notice_date=None,
    effective_date=date(2017, 3, 13),
    employees=None,
    industry_code="4400-4599",
    lat=37.785681,
    lon=-122.459202,
    raw={
        "business_zip": "94118",
        "certificate_number": "0318364",
        "city": "San Francisco",
        "dba_name": "T & R 76-3",
        "dba_start_date": "1998-08-01T00:00:00.000",
        "full_business_address": "3898 California St",
        "lic": "D08 D13 D19 D24 H03 H31",
        "lic_code_description": "Multiple",
        "location": '{"coordinates": [-122.459202, 37.785681], "type": "Point"}',
        "location_address": "3898 CALIFORNIA ST",
        "location_city": "San Francisco",
        "location_end_date": "2017-03-13T00:00:00.000",
        "location_start_date": "2002-04-15T00:00:00.000",
        "location_state": "CA",
        "location_zip": "94118",
        "mail_city": "San Francisco",
        "mail_state": "CA",
        "mail_zipcode": "94118",
        "mailing_address_1": "3898 California St",
        "naic_code": "4400-4599",
        "naic_code_description": "Retail Trade",
        "neighborhoods_analysis_boundaries": "Presidio Heights",
        "ownership_name": "Abdulmassih Antoine",
        "parking_tax": "false",
        "state": "CA",
        "supervisor_district": "2",
        "transient_occupancy_tax": "false",
        "ttxid": "0318364-02-001",
    },
)

# No naic_code in this row: industry_code None. Business and location ended the same day.
BRYANT_SHELL = ClosureNotice(
    source="registry_ca_sf",
    source_key="0911437-03-001",
    company_name="Bryant Shell #4",
    source_url=f"{API}?$limit=98&$offset=0",
    notice_type="registry_closed",
    address="598 Bryant St",
    city="San Francisco",
    state="CA",
    zip5="94107",
    notice_date=None,
    effective_date=date(2015, 10, 15),
    employees=None,
    industry_code=None,
    lat=37.779723,
    lon=-122.397886,
    raw={
        "business_zip": "94107",
        "certificate_number": "0911437",
        "city": "San Francisco",
        "dba_end_date": "2015-10-15T00:00:00.000",
        "dba_name": "Bryant Shell #4",
        "dba_start_date": "1991-10-01T00:00:00.000",
        "full_business_address": "598 Bryant St",
        "lic": "D14 H07",
        "lic_code_description": "Multiple",
        "location": '{"coordinates": [-122.397886, 37.779723], "type": "Point"}',
        "location_address": "598 BRYANT ST",
        "location_city": "San Francisco",
        "location_end_date": "2015-10-15T00:00:00.000",
        "location_start_date": "2004-01-01T00:00:00.000",
        "location_state": "CA",
        "location_zip": "94107",
        "mail_city": "San Francisco",
        "mail_state": "CA",
        "mail_zipcode": "94117",
        "mailing_address_1": "444 Divisadero St Ste 100",
        "neighborhoods_analysis_boundaries": "South of Market",
        "ownership_name": "Amsia Management Corporation",
        "parking_tax": "false",
        "state": "CA",
        "supervisor_district": "6",
        "transient_occupancy_tax": "false",
        "ttxid": "0911437-03-001",
    },
)


@pytest.fixture
def spider() -> RegistryCaSfSpider:
    return RegistryCaSfSpider()


def _rows() -> list[dict]:
    return json.loads((FILES / SLUG / FILE).read_bytes())


def _response(body: object, url: str = f"{API}?$limit=2000&$offset=0") -> TextResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return TextResponse(url=url, body=raw, encoding="utf-8")


def _split(results: list) -> tuple[list[ClosureNotice], list[Request]]:
    return ([r for r in results if isinstance(r, ClosureNotice)], [r for r in results if isinstance(r, Request)])


def test_saved_response_counts(spider, caplog) -> None:
    assert len(_rows()) == ROWS
    with caplog.at_level(logging.WARNING):
        notices = list(spider.parse_file(file_response(SLUG, FILE)))
    assert len(notices) == ENDED
    (warning,) = caplog.records
    assert "96 of 98 rows" in warning.getMessage() and "no location_end_date" in warning.getMessage()


def test_whole_notices(spider) -> None:
    response = file_response(SLUG, FILE, url=f"{API}?$limit=98&$offset=0")
    notices, _ = _split(list(spider.parse(response)))
    assert notices == [T_AND_R, BRYANT_SHELL]


def test_full_page_requests_the_next_offset(spider) -> None:
    url = f"{API}?$where=location_end_date+IS+NOT+NULL&$order=:id&$limit=98&$offset=196"
    notices, requests = _split(list(spider.parse(file_response(SLUG, FILE, url=url))))
    assert len(notices) == ENDED
    (request,) = requests
    assert request.callback == spider.parse and request.errback == spider.on_request_error
    query = parse_qs(urlsplit(request.url).query)
    assert query == {
        "$where": ["location_end_date IS NOT NULL"],
        "$order": [":id"],
        "$limit": ["98"],
        "$offset": ["294"],
    }


def test_short_page_ends_the_paging(spider) -> None:
    _, requests = _split(list(spider.parse(file_response(SLUG, FILE, url=f"{API}?$order=:id&$limit=100&$offset=0"))))
    assert requests == []


def test_paging_from_the_spiders_own_query(monkeypatch) -> None:
    monkeypatch.setattr(RegistryCaSfSpider, "page_size", 98)
    spider = RegistryCaSfSpider(since="2024-06-01")
    (start,) = spider.start_urls
    assert parse_qs(urlsplit(start).query) == {
        "$where": [
            "(location_end_date IS NOT NULL AND location_end_date >= '2024-06-01T00:00:00')"
            " OR (dba_end_date IS NOT NULL AND dba_end_date >= '2024-06-01T00:00:00')"
        ],
        "$order": [":id"],
        "$limit": ["98"],
        "$offset": ["0"],
    }
    _, (request,) = _split(list(spider.parse(file_response(SLUG, FILE, url=start))))
    assert parse_qs(urlsplit(request.url).query) == parse_qs(
        urlsplit(RegistryCaSfSpider.query_url("2024-06-01", 98)).query
    )


def test_url_without_limit_pages_with_sodas_default_and_adds_an_order(spider) -> None:
    rows = _rows() * 11  # 1078 rows >= SODA's default page of 1000
    _, (request,) = _split(list(spider.parse(_response(rows, url=API))))
    assert parse_qs(urlsplit(request.url).query) == {"$limit": ["1000"], "$offset": ["1078"], "$order": [":id"]}


def test_default_window_and_url_override() -> None:
    (start,) = RegistryCaSfSpider().start_urls
    since = f"{date.today().year - 1}-01-01"
    assert f"location_end_date >= '{since}T00:00:00'" in parse_qs(urlsplit(start).query)["$where"][0]
    # A whole query URL is asked as given; an endpoint alone (a copy of the dataset elsewhere) gets the query.
    assert RegistryCaSfSpider(url="http://127.0.0.1:1/x.json?$limit=5").start_urls == [
        "http://127.0.0.1:1/x.json?$limit=5"
    ]
    (moved,) = RegistryCaSfSpider(url="http://127.0.0.1:1/x.json", since="2024-06-01").start_urls
    assert moved == RegistryCaSfSpider.query_url("2024-06-01", endpoint="http://127.0.0.1:1/x.json")
    assert moved.startswith("http://127.0.0.1:1/x.json?")
    assert RegistryCaSfSpider.start_urls == [API]


# -- faults -------------------------------------------------------------------------------------


def test_empty_first_page_is_a_warning(spider, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse(_response([]))) == []
    (warning,) = caplog.records
    assert warning.levelno == logging.WARNING and "first page has no ended locations" in warning.getMessage()


def test_empty_later_page_ends_quietly(spider, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse(_response([], url=f"{API}?$limit=2000&$offset=4000"))) == []
    assert caplog.records == []


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"error": True, "message": "Invalid SoQL query", "code": "query.soql.invalid"}, "expected a JSON list"),
        (b"<!DOCTYPE html><html><body>Service unavailable</body></html>", "not JSON"),
        ([["0318364-02-001", "T & R 76-3"]], "list of objects"),
    ],
)
def test_not_a_list_of_rows_is_a_layout_error(spider, caplog, body, expected) -> None:
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse(_response(body))) == []
    (error,) = caplog.records
    assert error.levelno == logging.ERROR and "layout changed" in error.getMessage()
    assert expected in error.getMessage()
    with pytest.raises(LayoutChanged, match=expected):
        list(spider.parse_file(_response(body)))


def test_renamed_key_is_a_layout_error(spider, caplog) -> None:
    rows = [{("location_id" if k == "ttxid" else k): v for k, v in row.items()} for row in _rows()]
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse(_response(rows, url=f"{API}?$limit=98&$offset=0"))) == []  # no next page either
    (error,) = caplog.records
    assert error.levelno == logging.ERROR and "no row has ttxid" in error.getMessage()
    assert "'location_id'" in error.getMessage()


def test_malformed_rows_are_skipped_with_a_warning_naming_them(spider, caplog) -> None:
    rows = _rows()
    for row in rows:
        if row["ttxid"] == "0318364-02-001":
            row["location_end_date"] = "sometime in March"
        if row["ttxid"] == "0911437-03-001":
            del row["dba_name"], row["ownership_name"]
    with caplog.at_level(logging.WARNING):
        notices = list(spider.parse_file(_response(rows)))
    assert notices == []
    messages = [r.getMessage() for r in caplog.records]
    assert any(
        "skipped row 0318364-02-001 (T & R 76-3)" in m and "unreadable date 'sometime in March'" in m for m in messages
    )
    assert any("skipped row 0911437-03-001 (no name)" in m and "no business name" in m for m in messages)


def test_owner_name_when_no_dba_name(spider) -> None:
    rows = [row for row in _rows() if row["ttxid"] == "0911437-03-001"]
    del rows[0]["dba_name"]
    (notice,) = spider.parse_file(_response(rows))
    assert notice.company_name == "Amsia Management Corporation"


# -- end to end: the crawl stores what `leads parse` reads (tests/test_sources_e2e.py runs E2E_CASES) --

SODA_PAGE = 50  # rows per page in the paged registry crawl: the 98 saved rows make two pages


def _soda_url(base: str, offset: int) -> str:
    query = {
        "$where": RegistryCaSfSpider.closure_where("2010-01-01"),
        "$order": ":id",
        "$limit": str(SODA_PAGE),
        "$offset": str(offset),
    }
    return f"{base}/resource/g8m3-pdis.json?{urlencode(query)}"


def _registry(server) -> list[str]:
    """The saved SODA response served page by page, as the API pages a `$limit`/`$offset` query.

    Its two ended locations are rows 7 and 95, one on each page: both stored means both pages were read."""
    from spiders.socrata import next_page_url

    rows = json.loads((FILES / "registry_ca_sf" / "vbiu-2p9h_filtered.json").read_bytes())
    first = _soda_url(server.base, 0)
    url = first
    for offset in range(0, len(rows), SODA_PAGE):
        page = rows[offset : offset + SODA_PAGE]
        server.add(_path(url), json.dumps(page).encode(), "application/json")
        url = next_page_url(url, len(page))
    return [first]


def _registry_raw(ttxid: str) -> dict:
    row = next(
        r
        for r in json.loads((FILES / "registry_ca_sf" / "vbiu-2p9h_filtered.json").read_bytes())
        if r["ttxid"] == ttxid
    )
    return {k: json.dumps(v, sort_keys=True) if isinstance(v, (dict, list, bool)) else v for k, v in row.items()}


def _registry_row(server) -> list[dict]:
    # The 7th of the 98 saved rows: on the first page.
    return [
        _notice(
            "registry_ca_sf",
            "0318364-02-001",
            "T & R 76-3",
            _soda_url(server.base, 0),
            "registry_closed",
            address="3898 California St",
            city="San Francisco",
            state="CA",
            zip5="94118",
            effective_date=date(2017, 3, 13),
            industry_code="4400-4599",
            raw=_registry_raw("0318364-02-001"),
        )
    ]


E2E_CASES = [
    Case("registry_ca_sf", "registry_ca_sf", ("registry_ca_sf/vbiu-2p9h_filtered.json",), _registry, _registry_row)
]


def test_optional_keys_renamed_or_missing_land_every_row_with_warnings():
    """The saved response with the NAICS code dropped and both ZIP keys renamed (as SODA datasets do
    between versions), the keys reordered and a new one added: both ended locations land, without
    industry and ZIP, and the run says so."""
    from scrapy.utils.test import get_crawler

    from leads.health import STAT_WARNINGS
    from spiders.registry_ca_sf import RegistryCaSfSpider
    from tests.columns import without_raw

    real = json.loads((FILES / "registry_ca_sf" / "vbiu-2p9h_filtered.json").read_bytes())
    renamed = {"business_zip": "zip_code", "location_zip": "site_zip_code"}
    edited = [
        dict(reversed([(renamed.get(k, k), v) for k, v in row.items() if k != "naic_code"]))
        | {"data_as_of": "2017-08-19"}
        for row in real
    ]
    url = "https://data.sfgov.org/resource/g8m3-pdis.json"
    before = list(
        RegistryCaSfSpider().parse_file(TextResponse(url=url, body=json.dumps(real).encode(), encoding="utf-8"))
    )
    spider = RegistryCaSfSpider.from_crawler(get_crawler(RegistryCaSfSpider))
    got = list(spider.parse_file(TextResponse(url=url, body=json.dumps(edited).encode(), encoding="utf-8")))
    assert len(got) == len(before) == 2
    assert without_raw(got, "zip5", "industry_code") == without_raw(before, "zip5", "industry_code")
    assert {(n.zip5, n.industry_code) for n in got} == {(None, None)}
    assert spider.crawler.stats.get_value(STAT_WARNINGS) == [
        "no key for zip (business_zip or location_zip; its rows land without it)",
        "no key for industry (naic_code; its rows land without it)",
    ]
