"""The America's Job Center platform (spiders/jobcenter.py) on Oklahoma's saved real pages."""

from __future__ import annotations

import html as _html_module
import json
import logging
import re
import subprocess
import sys
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse

from leads.errors import NoNoticesListed
from leads.health import STAT_LISTS_NONE
from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS
from spiders.jobcenter_ok import JobCenterOklahomaSpider
from spiders.parsing import LayoutChanged
from tests.conftest import FAST_CRAWL, ROOT
from tests.e2e import Case
from tests.e2e import notice as _notice
from tests.e2e import request_target as _path
from tests.helpers import FILES, file_response

#: Notices `leads parse` reads from each saved file (tests/test_parse_cli.py checks every format), and how
#: the file says so independently.
SAVED_FILES = {
    "detail_776.html": 1,
    "detail_780.html": 1,
    "search_2020-01-01_2020-04-30_page1.html": 25,  # 25 links to /search/warn_lookups/<id>
    "search_2020-01-01_2020-04-30_page2.html": 17,  # 17 such links (SOURCE.md: "17 result rows")
    "search_2021-01-01_2021-02-03_page1.html": 2,
}

SLUG = "jobcenter_ok"
SITE = "https://okjobmatch.com"
PAGE1 = "search_2020-01-01_2020-04-30_page1.html"
PAGE2 = "search_2020-01-01_2020-04-30_page2.html"
PAGE_2021 = "search_2021-01-01_2021-02-03_page1.html"
SEARCH_2021_URL = (
    f"{SITE}/search/warn_lookups?utf8=%E2%9C%93&q%5Bemployer_name_cont%5D=&q%5Bnotice_on_gteq%5D=2021-01-01"
    "&q%5Bnotice_on_lteq%5D=2021-02-03&commit=Search"
)

# Rows per saved results page, counted independently of the spider:
#   grep -c 'href="/search/warn_lookups/[0-9]' <file>  ->  25, 17, 2 (one detail link per row),
# matching SOURCE.md ("25 result rows", "17 result rows", "2 rows").
ROWS = {PAGE1: 25, PAGE2: 17, PAGE_2021: 2}


@pytest.fixture
def spider() -> JobCenterOklahomaSpider:
    return JobCenterOklahomaSpider()


@pytest.fixture
def counted() -> JobCenterOklahomaSpider:
    """A spider with a crawler, so its stats can be read."""
    from scrapy.utils.test import get_crawler

    return JobCenterOklahomaSpider.from_crawler(get_crawler(JobCenterOklahomaSpider))


def _html(name: str) -> str:
    return (FILES / SLUG / name).read_text(encoding="utf-8")


def _response(body: str, url: str = f"{SITE}/search/warn_lookups?page=1") -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode("utf-8"), encoding="utf-8")


def _search_row(spider: JobCenterOklahomaSpider, record_id: str) -> dict:
    """The context the crawl passes to a detail page: what parse() put in the request's cb_kwargs."""
    response = file_response(SLUG, PAGE_2021, url=SEARCH_2021_URL)
    for request in spider.parse(response):
        if request.url.endswith(f"/{record_id}"):
            return request.cb_kwargs["search_row"]
    raise AssertionError(f"no detail request for {record_id}")


# -- search results -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ROWS))
def test_results_page_row_counts(spider, name) -> None:
    notices = list(spider.parse_file(file_response(SLUG, name)))
    assert len(notices) == ROWS[name]
    detail_requests = [r for r in spider.parse(file_response(SLUG, name)) if r.callback == spider.parse_detail]
    assert len(detail_requests) == ROWS[name]


def test_page1_requests_page2_and_25_details_with_row_context(spider) -> None:
    url = f"{SITE}/search/warn_lookups?q%5Bnotice_on_gteq%5D=2020-01-01&q%5Bnotice_on_lteq%5D=2020-04-30"
    results = list(spider.parse(file_response(SLUG, PAGE1, url=url)))
    assert all(isinstance(r, Request) for r in results)
    details = [r for r in results if r.callback == spider.parse_detail]
    pages = [r for r in results if r.callback == spider.parse]
    assert len(details) == 25 and len(pages) == 1

    page2 = pages[0]
    query = parse_qs(urlsplit(page2.url).query, keep_blank_values=True)
    assert page2.url.startswith(f"{SITE}/search/warn_lookups?")
    assert query["page"] == ["2"]
    assert (query["q[notice_on_gteq]"], query["q[notice_on_lteq]"]) == (["2020-01-01"], ["2020-04-30"])
    assert page2.errback == spider.on_request_error

    first, last = details[0], details[-1]
    assert first.url == f"{SITE}/search/warn_lookups/670"
    assert first.errback == spider.on_request_error
    assert first.cb_kwargs == {
        "search_row": {
            "employer": "Vallourec Star, LP",
            "city": "",
            "zip": "",
            "area": "",
            "notice_date": "Apr 06, 2020",
            "warn_type": "WARN",
            "detail_url": f"{SITE}/search/warn_lookups/670",
            "record_id": "670",
            "raw": {
                "Employer": "Vallourec Star, LP",
                "City": "",
                "ZIP": "",
                "LWIB Area": "",
                "Notice Date": "Apr 06, 2020",
                "WARN Type": "WARN",
            },
        }
    }
    assert last.url == f"{SITE}/search/warn_lookups/708"
    assert last.cb_kwargs["search_row"]["employer"] == "Regal Cinemas"
    # 24 distinct records on page 1 (Regal Cinemas appears three times, as three records).
    assert len({r.url for r in details}) == 25


def test_last_page_has_no_next_request(spider) -> None:
    for name in (PAGE2, PAGE_2021):
        results = list(spider.parse(file_response(SLUG, name)))
        assert [r for r in results if r.callback == spider.parse] == []


def test_search_row_notice_from_saved_results_page(spider) -> None:
    notices = list(spider.parse_file(file_response(SLUG, PAGE_2021, url=SEARCH_2021_URL)))
    assert notices[1] == ClosureNotice(
        source="jobcenter_ok",
        source_key="776",
        company_name="Chesapeake Energy",
        source_url=SEARCH_2021_URL,
        notice_type="other",
        address=None,
        city="Oklahoma City",
        state="OK",
        zip5="73154",
        notice_date=date(2021, 2, 3),
        effective_date=None,
        employees=None,
        industry_code=None,
        raw={
            "Employer": "Chesapeake Energy",
            "City": "Oklahoma City",
            "ZIP": "73154",
            "LWIB Area": "05 - CentralRegion",
            "Notice Date": "Feb 03, 2021",
            "WARN Type": "Non-WARN",
        },
    )
    page2 = list(spider.parse_file(file_response(SLUG, PAGE2)))
    # HTML entity decoded, otherwise verbatim.
    assert page2[-1].company_name == "Uncle Julio's" and page2[-1].source_key == "753"
    assert (page2[-1].city, page2[-1].zip5, page2[-1].notice_date) == (None, None, date(2020, 3, 19))


# -- detail pages -------------------------------------------------------------------------------


def test_detail_780_whole_notice(spider) -> None:
    url = f"{SITE}/search/warn_lookups/780"
    notices = list(
        spider.parse_detail(file_response(SLUG, "detail_780.html", url=url), search_row=_search_row(spider, "780"))
    )
    assert notices == [
        ClosureNotice(
            source="jobcenter_ok",
            source_key="780",
            company_name="Exterran Energy Solutions",
            source_url=url,
            notice_type="other",
            address="20602 E. 81st Street",
            city="Broken Arrow",
            state="OK",
            zip5="74014",
            notice_date=date(2021, 1, 13),
            effective_date=None,
            employees=0,
            industry_code=None,
            raw={
                "Company Name": "Exterran Energy Solutions",
                "Address": "20602 E. 81st Street\nBroken Arrow, Oklahoma 74014",
                "Notice Date": "Jan 13, 2021",
                "Number of Employees Affected": "0",
                "Employer": "Exterran Energy Solutions",
                "City": "Broken Arrow",
                "ZIP": "74014",
                "LWIB Area": "12 - TulsaRegion",
                "WARN Type": "WARN",
            },
        )
    ]


def test_detail_776_whole_notice(spider) -> None:
    url = f"{SITE}/search/warn_lookups/776"
    notices = list(
        spider.parse_detail(file_response(SLUG, "detail_776.html", url=url), search_row=_search_row(spider, "776"))
    )
    assert notices == [
        ClosureNotice(
            source="jobcenter_ok",
            source_key="776",
            company_name="Chesapeake Energy",
            source_url=url,
            notice_type="other",
            address="PO Box 18496",
            city="Oklahoma City",
            state="OK",
            zip5="73154",
            notice_date=date(2021, 2, 3),
            effective_date=None,
            employees=220,
            industry_code=None,
            raw={
                "Company Name": "Chesapeake Energy",
                "Address": "PO Box 18496\nOklahoma City, Oklahoma 73154",
                "Notice Date": "Feb 03, 2021",
                "Number of Employees Affected": "220",
                "Employer": "Chesapeake Energy",
                "City": "Oklahoma City",
                "ZIP": "73154",
                "LWIB Area": "05 - CentralRegion",
                "WARN Type": "Non-WARN",
            },
        )
    ]
    json.dumps(notices[0].raw)  # raw stays JSON-serializable


def test_saved_detail_page_without_search_context(spider) -> None:
    """`leads parse` on a saved detail file: the record id comes from the file name."""
    (notice,) = spider.parse_file(file_response(SLUG, "detail_780.html"))
    assert notice.source_key == "780"
    assert (notice.address, notice.city, notice.state, notice.zip5) == (
        "20602 E. 81st Street",
        "Broken Arrow",
        "OK",
        "74014",
    )
    assert (notice.notice_date, notice.employees) == (date(2021, 1, 13), 0)
    assert notice.raw == {
        "Company Name": "Exterran Energy Solutions",
        "Address": "20602 E. 81st Street\nBroken Arrow, Oklahoma 74014",
        "Notice Date": "Jan 13, 2021",
        "Number of Employees Affected": "0",
    }


def test_detail_search_notice_date_kept_when_it_differs(spider) -> None:
    row = _search_row(spider, "780")
    row = {**row, "raw": {**row["raw"], "Notice Date": "Jan 12, 2021"}}
    (notice,) = spider.parse_detail(
        file_response(SLUG, "detail_780.html", url=f"{SITE}/search/warn_lookups/780"), search_row=row
    )
    assert notice.notice_date == date(2021, 1, 13)
    assert (notice.raw["Notice Date"], notice.raw["Search: Notice Date"]) == ("Jan 13, 2021", "Jan 12, 2021")


# -- start URLs ---------------------------------------------------------------------------------


def test_start_url_is_a_dated_search() -> None:
    spider = JobCenterOklahomaSpider(since="2020-01-01", until="2020-04-30")
    (url,) = spider.start_urls
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "okjobmatch.com", "/search/warn_lookups")
    # The query SOURCE.md documents for this platform (both WARN and Non-WARN).
    assert parse_qs(parts.query, keep_blank_values=True) == {
        "utf8": ["✓"],
        "q[employer_name_cont]": [""],
        "q[main_contact_contact_info_addresses_full_location_city_matches]": [""],
        "q[zipcode_code_start]": [""],
        "q[service_delivery_area_id_eq]": [""],
        "q[notice_on_gteq]": ["2020-01-01"],
        "q[notice_on_lteq]": ["2020-04-30"],
        "q[notice_eq]": [""],
        "commit": ["Search"],
    }


def test_default_window_is_jan_1_last_year_to_today() -> None:
    (url,) = JobCenterOklahomaSpider().start_urls
    query = parse_qs(urlsplit(url).query)
    today = date.today()
    assert query["q[notice_on_gteq]"] == [f"{today.year - 1}-01-01"]
    assert query["q[notice_on_lteq]"] == [today.isoformat()]


def test_url_argument_replaces_the_search() -> None:
    url = "http://127.0.0.1:1/search/warn_lookups?page=1"
    assert JobCenterOklahomaSpider(url=url).start_urls == [url]
    assert JobCenterOklahomaSpider(url=[url]).start_urls == [url]


def test_bad_since_fails_loudly() -> None:
    with pytest.raises(ValueError, match="since"):
        JobCenterOklahomaSpider(since="01/01/2024")


# -- faults -------------------------------------------------------------------------------------


def _without_table(html: str) -> str:
    stripped = re.sub(r"<table.*?</table>", "", html, flags=re.S)
    assert stripped != html
    return stripped


def test_results_table_gone_is_a_layout_error(spider, caplog) -> None:
    response = _response(_without_table(_html(PAGE1)))
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse(response)) == []
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "layout changed" in errors[0].getMessage()
    assert "no WARN results table" in errors[0].getMessage()
    with pytest.raises(LayoutChanged):
        list(spider.parse_file(response))


def test_renamed_column_is_a_layout_error_naming_the_headers(spider, caplog) -> None:
    html = _html(PAGE1).replace(">Notice Date</a></th>", ">Posted</a></th>")
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse(_response(html))) == []
    (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "no column for notice_date" in error.getMessage() and "'Posted'" in error.getMessage()


def test_reordered_columns_still_parse(spider) -> None:
    """Columns are found by header meaning: swapping City and ZIP (headers and cells) changes nothing."""
    html = _html(PAGE_2021)
    html = re.sub(r"(<th[^>]*column2'.*?</th>)\n(<th[^>]*column3'.*?</th>)", r"\2\n\1", html)
    html = re.sub(r"<td>(Broken Arrow|Oklahoma City)</td>\n<td>(\d{5})</td>", r"<td>\2</td>\n<td>\1</td>", html)
    assert html.index("_column3'") < html.index("_column2'") and "<td>74014</td>\n<td>Broken Arrow</td>" in html
    notices = list(spider.parse_file(_response(html)))
    assert [(n.city, n.zip5) for n in notices] == [("Broken Arrow", "74014"), ("Oklahoma City", "73154")]


def test_empty_results_table_is_a_layout_error(spider, caplog) -> None:
    html = re.sub(r"<tbody>.*?</tbody>", "<tbody></tbody>", _html(PAGE1), flags=re.S)
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse(_response(html))) == []
    (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "no rows" in error.getMessage()


def no_matches_page() -> str:
    """No saved page has the platform's empty search, so it is derived from the real 2021 results page:
    the platform renders no table at all, only the sentence biglocalnews/warn-scraper's
    warn/platforms/job_center/site.py tests for ("no matches for your search results")."""
    return re.sub(
        r"<table.*?</table>", "<p>There are no matches for your search results.</p>", _html(PAGE_2021), flags=re.S
    )


def test_no_matches_page_is_an_answer_not_an_error(counted, caplog) -> None:
    spider = counted
    html = no_matches_page()
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse(_response(html))) == []
        with pytest.raises(NoNoticesListed, match="says it found no notices"):
            list(spider.parse_file(_response(html)))
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "found no notices" in caplog.records[0].getMessage()
    assert spider.crawler.stats.get_value(STAT_LISTS_NONE) == 1
    assert not spider.crawler.stats.get_value(STAT_LAYOUT_ERRORS)


def test_no_matches_page_parses_to_zero_with_exit_0_and_a_crawl_records_empty(
    tmp_path, sqlite_url, server, leads_cli
) -> None:
    page = tmp_path / "search_2031-01-01_2031-12-31_page1.html"
    page.write_text(no_matches_page(), encoding="utf-8")
    parsed = leads_cli("parse", "jobcenter_ok", str(page), "--json")
    assert parsed.returncode == 0, parsed.stderr
    assert json.loads(parsed.stdout) == []
    assert f"0 notices parsed from {page} (the agency lists none for this window)" in parsed.stderr

    url = server.add("search/warn_lookups", no_matches_page().encode("utf-8"))
    crawl = leads_cli("crawl", "jobcenter_ok", "--url", url, "--json", *FAST_CRAWL, db_url=sqlite_url)
    assert crawl.returncode == 0, crawl.stderr
    (run,) = json.loads(crawl.stdout)
    assert (run["outcome"], run["message"], run["items"], run["errors"]) == (
        "empty",
        "the agency lists none for this window",
        0,
        0,
    )
    strict = leads_cli("crawl", "jobcenter_ok", "--url", url, "--json", "--strict", *FAST_CRAWL, db_url=sqlite_url)
    assert strict.returncode == 1


def test_a_page_without_the_table_and_without_that_message_is_still_an_error(counted, caplog) -> None:
    spider = counted
    html = re.sub(r"<table.*?</table>", "<p>Service temporarily unavailable.</p>", _html(PAGE_2021), flags=re.S)
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse(_response(html))) == []
        with pytest.raises(LayoutChanged):
            list(spider.parse_file(_response(html)))
    assert spider.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    assert not spider.crawler.stats.get_value(STAT_LISTS_NONE)


def test_malformed_rows_are_skipped_with_a_warning_naming_them(spider, caplog) -> None:
    html = _html(PAGE_2021).replace("<td>Jan 13, 2021</td>", "<td>sometime in January</td>")
    html = html.replace(
        '<td><a href="/search/warn_lookups/776">Chesapeake Energy</a></td>', "<td>Chesapeake Energy</td>"
    )
    with caplog.at_level(logging.WARNING):
        notices = list(spider.parse_file(_response(html)))
        requests = list(spider.parse(_response(html)))
    assert notices == []  # 780: bad date; 776: no detail link, so no record id
    assert [r.url for r in requests] == [
        f"{SITE}/search/warn_lookups/780"
    ]  # the crawl reads the date on the detail page
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "skipped row 1 (Exterran Energy Solutions, sometime in January)" in m and "unreadable date" in m
        for m in messages
    )
    assert any("skipped row 2 (Chesapeake Energy, Feb 03, 2021)" in m and "no link" in m for m in messages)


def test_detail_page_without_definition_list_is_a_layout_error(spider, caplog) -> None:
    html = re.sub(r"<div class='definition-list'>.*?</div>", "", _html("detail_780.html"), flags=re.S)
    response = _response(html, url=f"{SITE}/search/warn_lookups/780")
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse_detail(response, search_row=_search_row(spider, "780"))) == []
    (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "no definition list" in error.getMessage()


def test_detail_with_unreadable_count_is_skipped(spider, caplog) -> None:
    html = _html("detail_780.html").replace(
        "<p class='definition-list__definition'>0</p>", "<p class='definition-list__definition'>unknown</p>"
    )
    response = _response(html, url=f"{SITE}/search/warn_lookups/780")
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse_detail(response)) == []
    (warning,) = caplog.records
    assert "skipped row record 780 (Exterran Energy Solutions)" in warning.getMessage()
    assert "unreadable number 'unknown'" in warning.getMessage()


def test_non_html_body_is_a_layout_error(spider, caplog) -> None:
    """A JSON error or a spreadsheet served where the results page should be (200 with the wrong body)."""
    json_body = TextResponse(
        url=f"{SITE}/search/warn_lookups?page=1",
        body=b'{"error": "maintenance"}',
        headers={"Content-Type": "application/json"},
    )
    binary = Response(
        url=f"{SITE}/search/warn_lookups?page=1", body=b"PK\x03\x04\x00", headers={"Content-Type": "application/zip"}
    )
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse(json_body)) == []
        assert list(spider.parse(binary)) == []
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert "no WARN results table" in errors[0] and "expected an HTML page" in errors[1]
    with pytest.raises(LayoutChanged, match="expected an HTML page"):
        list(spider.parse_file(binary))


# -- the whole crawl, offline -------------------------------------------------------------------

# A real Scrapy crawl (production settings, storage pipelines off) in a subprocess: one Twisted
# reactor per process. It prints the source_keys scraped and the duplicate filter's count.
CRAWL_SCRIPT = """
import json, sys
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from leads.scrapy_settings import crawl_settings
from spiders.jobcenter_ok import JobCenterOklahomaSpider

settings = crawl_settings({"ITEM_PIPELINES": {}, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
                           "RETRY_TIMES": 0, "DOWNLOAD_TIMEOUT": 5, "LOG_LEVEL": "WARNING"})
process = CrawlerProcess(settings)
crawler = process.create_crawler(JobCenterOklahomaSpider)
keys = []
crawler.signals.connect(lambda item, **_: keys.append(item.source_key), signal=signals.item_scraped, weak=False)
process.crawl(crawler, url=sys.argv[1])
process.start()
stats = crawler.stats.get_stats()
print(json.dumps({"keys": keys, "filtered": stats.get("dupefilter/filtered", 0),
                  "errors": stats.get("log_count/ERROR", 0)}))
"""


def _crawl(start_url: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", CRAWL_SCRIPT, start_url], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _serve_site(server, page2_body: str) -> str:
    """The saved search pages and a detail page for every linked record, at the site's own paths."""
    page1 = _html(PAGE1)
    start = server.add("/search/warn_lookups?start=1", page1.encode())
    next_href = re.search(r'<a class="next_page" rel="next" href="([^"]+)"', page1).group(1).replace("&amp;", "&")
    server.add(next_href, page2_body.encode())
    detail = (FILES / SLUG / "detail_780.html").read_bytes()
    for record in set(re.findall(r'href="/search/warn_lookups/(\d+)"', page1 + _html(PAGE2))):
        server.add(f"/search/warn_lookups/{record}", detail)
    return start


def _detail_hits(server) -> dict[str, int]:
    return {path: n for path, n in server.hits.items() if re.fullmatch(r"/search/warn_lookups/\d+", path)}


def test_crawl_follows_pages_and_fetches_each_detail_once(server) -> None:
    run = _crawl(_serve_site(server, _html(PAGE2)))
    assert run["errors"] == 0
    assert len(run["keys"]) == 42 and len(set(run["keys"])) == 42  # 25 + 17 records, one notice each
    hits = _detail_hits(server)
    assert len(hits) == 42 and set(hits.values()) == {1}


def test_records_repeated_across_pages_are_fetched_once(server) -> None:
    """Page 2 repeats page 1 (records do repeat across pages): Scrapy's duplicate filter drops the
    25 repeated detail requests and the repeated link to page 2 (26 filtered)."""
    run = _crawl(_serve_site(server, _html(PAGE1)))
    assert run["errors"] == 0
    assert sorted(run["keys"]) == sorted(re.findall(r'href="/search/warn_lookups/(\d+)"', _html(PAGE1)))
    assert run["filtered"] == 26
    hits = _detail_hits(server)
    assert len(hits) == 25 and set(hits.values()) == {1}


def _detail_without_address() -> str:
    """detail_780.html as another state's site serves it: no Address field (derived from the real page)."""
    html = re.sub(
        r"<h3 class='definition-list__title'>Address</h3>\s*<p class='definition-list__definition'>.*?</p>",
        "",
        _html("detail_780.html"),
        flags=re.S,
    )
    assert "Address" not in re.findall(r"definition-list__title'>([^<]*)", html)
    return html


def test_detail_page_without_address_lands_with_a_warning(counted, caplog) -> None:
    html = _detail_without_address().replace("Number of Employees Affected", "Workers Laid Off")
    html = html.replace(
        "<h3 class='definition-list__title'>Notice Date</h3>",
        "<h3 class='definition-list__title'>Fax Number</h3>\n"
        "<p class='definition-list__definition'>n/a</p>\n"
        "<h3 class='definition-list__title'>Notice Date</h3>",
    )
    response = _response(html, url=f"{SITE}/search/warn_lookups/780")
    (notice,) = counted.parse_detail(response, search_row=_search_row(counted, "780"))
    assert (
        notice.source_key,
        notice.company_name,
        notice.address,
        notice.city,
        notice.state,
        notice.zip5,
        notice.notice_date,
        notice.employees,
    ) == ("780", "Exterran Energy Solutions", None, "Broken Arrow", "OK", "74014", date(2021, 1, 13), 0)
    assert counted.crawler.stats.get_value("leads/column_warnings") == [
        "detail page: no field for address (the notice lands without it)",
        "detail page: unknown field 'Fax Number' (kept in raw, not read)",
    ]
    assert not counted.crawler.stats.get_value(STAT_LAYOUT_ERRORS)


def test_detail_page_without_company_is_still_a_layout_error(counted, caplog) -> None:
    html = _html("detail_780.html").replace("Company Name", "Organisation Ref")
    with caplog.at_level(logging.ERROR):
        assert list(counted.parse_detail(_response(html, url=f"{SITE}/search/warn_lookups/780"))) == []
    assert "no column for company" in caplog.text


def test_degraded_crawl_exits_0_and_leads_sources_shows_the_warning(sqlite_url, server, leads_cli) -> None:
    url = server.add("search/warn_lookups", _html(PAGE_2021).encode("utf-8"))
    server.add("search/warn_lookups/780", _detail_without_address().encode("utf-8"))
    server.add("search/warn_lookups/776", _html("detail_776.html").encode("utf-8"))
    crawl = leads_cli("crawl", "jobcenter_ok", "--url", url, "--json", *FAST_CRAWL, db_url=sqlite_url)
    assert crawl.returncode == 0, crawl.stderr
    (run,) = json.loads(crawl.stdout)
    assert (run["outcome"], run["items"], run["new"], run["errors"]) == ("degraded", 2, 2, 0)
    assert "no field for address" in run["message"]

    sources = {s["source"]: s for s in json.loads(leads_cli("sources", "--json", db_url=sqlite_url).stdout)}
    assert sources["jobcenter_ok"]["last_outcome"] == "degraded"
    assert sources["jobcenter_ok"]["warnings"] == "detail page: no field for address (the notice lands without it)"
    assert sources["jobcenter_ok"]["verified_on"] == JobCenterOklahomaSpider.verified_on != ""

    strict = leads_cli("crawl", "jobcenter_ok", "--url", url, "--json", "--strict", *FAST_CRAWL, db_url=sqlite_url)
    assert strict.returncode == 1
    assert "Error: 1 of 1 sources need attention: jobcenter_ok" in strict.stderr


# -- end to end: the crawl stores what `leads parse` reads (tests/test_sources_e2e.py runs E2E_CASES) --

JOBCENTER_DATES = {"2020": (date(2020, 1, 1), date(2020, 4, 30)), "2021": (date(2021, 1, 1), date(2021, 2, 3))}


def _jobcenter_search(server, year: str) -> str:
    """Serve the saved results page(s) at the local twin of the URL the spider builds, and each "Next →"
    target at the path the page links to (relative links resolve against the local server)."""
    from spiders.jobcenter_ok import JobCenterOklahomaSpider

    start, end = JOBCENTER_DATES[year]
    real = JobCenterOklahomaSpider.search_url(start, end)
    local = server.url(_path(real))
    pages = sorted((FILES / "jobcenter_ok").glob(f"search_{start}_{end}_page*.html"))
    server.add(_path(local), pages[0].read_bytes())
    for page in pages[1:]:
        previous = pages[pages.index(page) - 1].read_text(encoding="utf-8")
        nxt = re.search(r'<a[^>]*class="next_page"[^>]*href="([^"]+)"|<a[^>]*href="([^"]+)"[^>]*>Next', previous)
        assert nxt, f"{page.name}: no Next link on the page before it"
        server.add(_html_module.unescape(nxt.group(1) or nxt.group(2)), page.read_bytes())
    return local


def _jobcenter_2021(server) -> list[str]:
    # The 2021 results page links /search/warn_lookups/780 and /776: the two saved detail pages.
    for record in ("776", "780"):
        server.add(f"search/warn_lookups/{record}", (FILES / "jobcenter_ok" / f"detail_{record}.html").read_bytes())
    return [_jobcenter_search(server, "2021")]


def _jobcenter_row(server) -> list[dict]:
    # detail_780.html's definition list, plus its row on the 2021 results page (kept in raw).
    return [
        _notice(
            "jobcenter_ok",
            "780",
            "Exterran Energy Solutions",
            server.url("search/warn_lookups/780"),
            "other",
            address="20602 E. 81st Street",
            city="Broken Arrow",
            state="OK",
            zip5="74014",
            notice_date=date(2021, 1, 13),
            employees=0,
            raw={
                "Company Name": "Exterran Energy Solutions",
                "Address": "20602 E. 81st Street\nBroken Arrow, Oklahoma 74014",
                "Notice Date": "Jan 13, 2021",
                "Number of Employees Affected": "0",
                "Employer": "Exterran Energy Solutions",
                "City": "Broken Arrow",
                "ZIP": "74014",
                "LWIB Area": "12 - TulsaRegion",
                "WARN Type": "WARN",
            },
        )
    ]


E2E_CASES = [
    Case(
        "jobcenter_ok",
        "jobcenter_ok",
        ("jobcenter_ok/detail_776.html", "jobcenter_ok/detail_780.html"),
        _jobcenter_2021,
        _jobcenter_row,
    )
]
