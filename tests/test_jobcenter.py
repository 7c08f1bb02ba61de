"""Every state on the America's Job Center platform: a few lines each on top of spiders/jobcenter.py.

The parsing is tested on Oklahoma's saved pages in test_jobcenter_ok.py; no other state's pages
were saved, so these tests check each state's wiring: name, host, search URL, metadata, and that
Scrapy's loader lists the states but not the shared base class.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from spiders.jobcenter import JobCenterSpider
from tests.helpers import file_response

# Hosts as warn-scraper's per-state scrapers use them (warn/scrapers/<st>.py search_url).
STATES = {
    "jobcenter_ok": ("okjobmatch.com", "OK", "Oklahoma"),
    "jobcenter_ks": ("www.kansasworks.com", "KS", "Kansas"),
    "jobcenter_de": ("joblink.delaware.gov", "DE", "Delaware"),
    "jobcenter_az": ("www.azjobconnection.gov", "AZ", "Arizona"),
    "jobcenter_me": ("joblink.maine.gov", "ME", "Maine"),
    "jobcenter_vt": ("www.vermontjoblink.com", "VT", "Vermont"),
}
MODULES = ["spiders.jobcenter", *(f"spiders.{name}" for name in STATES)]


@pytest.fixture(scope="module")
def loader() -> SpiderLoader:
    return SpiderLoader.from_settings(Settings({"SPIDER_MODULES": MODULES}))


def test_loader_lists_the_states_not_the_base_class(loader) -> None:
    assert sorted(loader.list()) == sorted(STATES)


@pytest.mark.parametrize("name", list(STATES))
def test_state_wiring(loader, name) -> None:
    host, state, region = STATES[name]
    cls = loader.load(name)
    assert issubclass(cls, JobCenterSpider)
    assert (cls.name, cls.state, cls.region, cls.base_host) == (name, state, region, host)
    assert cls.agency_url == f"https://{host}/search/warn_lookups/new"
    assert cls.start_urls == [f"https://{host}/search/warn_lookups"]
    assert cls.source_format

    spider = cls(since="2024-03-01", until="2024-06-30")
    (url,) = spider.start_urls
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == (host, "/search/warn_lookups")
    query = parse_qs(parts.query)
    assert (query["q[notice_on_gteq]"], query["q[notice_on_lteq]"]) == (["2024-03-01"], ["2024-06-30"])


@pytest.mark.parametrize("name", list(STATES))
def test_state_fills_its_own_state_code(loader, name) -> None:
    """A search row names no state; the notice gets the site's state. Links resolve on the site's host."""
    host, state, _ = STATES[name]
    spider = loader.load(name)()
    response = file_response(
        "jobcenter_ok", "search_2021-01-01_2021-02-03_page1.html", url=f"https://{host}/search/warn_lookups?page=1"
    )
    notices = list(spider.parse_file(response))
    assert [(n.source, n.state, n.source_key) for n in notices] == [(name, state, "780"), (name, state, "776")]
    requests = list(spider.parse(response))
    assert [r.url for r in requests] == [
        f"https://{host}/search/warn_lookups/780",
        f"https://{host}/search/warn_lookups/776",
    ]
