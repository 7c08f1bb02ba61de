"""warn_mi: Michigan's Sitecore SXA search JSON, on the saved fixture (4 real results + result 5, an edited
copy of result 1 without its title) and pages derived from it."""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest
import scrapy
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_CHECK_ERRORS, STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged
from spiders.warn_mi import WarnMiSpider, read_date
from tests.e2e import assert_source_lands
from tests.helpers import FILES, file_response

FILE = "sxa_search_results_fixture.json"
URL = "https://www.michigan.gov/leo/sxa/search/results/?s=x&p=2&e=0"


def spider() -> WarnMiSpider:
    return WarnMiSpider.from_crawler(get_crawler(WarnMiSpider))


def real() -> dict:
    return json.loads((FILES / "warn_mi" / FILE).read_bytes())


def json_response(data: dict, url: str = URL) -> TextResponse:
    return TextResponse(url=url, body=json.dumps(data).encode("utf-8"), encoding="utf-8")


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnMiSpider().parse_file(file_response("warn_mi", FILE, url=URL)))


def by_company(notices, name):
    (found,) = [n for n in notices if n.company_name == name]
    return found


def test_every_result_is_a_notice_and_the_copy_of_result_1_is_yielded_once(notices):
    data = real()
    assert data["Count"] == len(data["Results"]) == 5
    assert len({r["Id"] for r in data["Results"]}) == 4  # result 5 carries result 1's Id
    assert [n.company_name for n in notices] == [
        "SMBC MANUBANK",
        "General Motors, LLC \u2014 Lansing Region",
        "Samaritas",
        "LACROIX Electronics",
    ]
    assert [n.notice_type for n in notices] == ["layoff", "layoff", "closure", "closure"]


def test_result_without_a_title_takes_the_item_name(notices):
    result_5 = real()["Results"][4]
    assert "<h3>" not in result_5["Html"] and result_5["Url"].endswith("/no-title-at-all")
    (notice,) = WarnMiSpider().parse_file(json_response({"Count": 1, "Results": [result_5]}))
    assert notice == ClosureNotice(
        source="warn_mi",
        source_key="smbcmanubank|2026-10-09|remote",
        company_name="SMBC MANUBANK",
        source_url=URL,
        notice_type="layoff",
        state="MI",
        effective_date=date(2026, 10, 9),
        employees=1,
        temporary=False,
        raw={
            "Id": result_5["Id"],
            "Path": result_5["Path"],
            "Url": result_5["Url"],
            "Company": "SMBC MANUBANK",
            "Site address": "JeniusBank (digital banking)",
            "County": "Remote",
            "Type of company action": "Mass permanent layoff",
            "Reason for company action": "Closure of JeniusBank",
            "Layoff date": "10/9/2026",
            "Number of jobs impacted": "1 (Michigan remote worker)",
            "Tags": ["Layoff", "2026", "Remote"],
            "Documents": [],
            "_flags": {"company_name": "item name"},
        },
    )
    assert notice.source_key == notices[0].source_key  # the same notice as result 1


def test_result_without_title_item_name_and_date_is_skipped(caplog):
    result_5 = dict(real()["Results"][4], Path="", Id="other")
    result_5["Html"] = result_5["Html"].replace("10/9/2026", "")
    s = spider()
    with caplog.at_level(logging.WARNING):
        assert list(s.parse_file(json_response({"Count": 1, "Results": [result_5]}))) == []
    assert s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 1 and "skipped row result 1 (other)" in caplog.text


def test_multi_site_notice_in_the_new_template(notices):
    gm = by_company(notices, "General Motors, LLC \u2014 Lansing Region")
    result = real()["Results"][1]
    assert gm == ClosureNotice(
        source="warn_mi",
        source_key="generalmotorsllclansingregion|2027-01-14|eatoningham",
        company_name="General Motors, LLC \u2014 Lansing Region",
        source_url=URL,
        notice_type="layoff",
        address="920 Townsend Street",
        city="Lansing",
        state="MI",
        zip5="48933",
        notice_date=date(2026, 8, 12),
        effective_date=date(2027, 1, 14),
        employees=350,
        raw={
            "Id": result["Id"],
            "Path": result["Path"],
            "Url": result["Url"],
            "Company": "General Motors, LLC \u2014 Lansing Region",
            "Site addresses": "General Motors, LLC \u2014 Lansing Grand River Assembly/Stamping, 920 Townsend Street, "
            "Lansing, MI 48933 | General Motors, LLC \u2014 Lansing Regional Stamping, "
            "8175 Millett Highway, Lansing, MI 48917",
            "County": "Eaton, Ingham",
            "Type of company action": "Mass layoff",
            "Reason for company action": "Not specified",
            "Layoff date": "1/14/2027",
            "Number of jobs impacted": "350",
            "Tags": ["Layoff", "2026", "Eaton", "Ingham"],
            "Documents": [
                "/leo/-/media/Project/Websites/leo/Documents/WD-DATA_PUBLIC_WARN_NOTICES4/2026/"
                "2026-08-12_WARN-Notice_GM-Lansing.pdf?rev=4a36965ff89346f6aa4ee3c603ed88f3"
                "&hash=6A254BBFFF4094188C1D039A8A2465A5"
            ],
        },
    )


def test_old_template_with_a_month_only_date(notices):
    lacroix = by_company(notices, "LACROIX Electronics")
    assert (lacroix.city, lacroix.notice_date, lacroix.effective_date, lacroix.employees, lacroix.raw["_flags"]) == (
        "Grand Rapids",
        date(2025, 5, 15),
        date(2025, 6, 1),
        115,
        {"effective_date": "month only"},
    )
    samaritas = by_company(notices, "Samaritas")
    assert (samaritas.effective_date, samaritas.notice_date, samaritas.raw["Commencing date"]) == (
        date(2026, 3, 31),
        date(2026, 3, 30),
        "3/31/26",
    )


def test_date_reader():
    assert read_date(["3/31/26"]) == (date(2026, 3, 31), None)
    assert read_date(["8/15/2026 \u2013 12/31/2026"]) == (date(2026, 8, 15), "range")
    assert read_date(["Beginning April 12, 2025"]) == (date(2025, 4, 12), None)
    assert read_date(["soon"]) == (None, "unreadable")


def test_paging_follows_offsets_to_the_count(notices):
    results = real()["Results"][:4]
    s = spider()
    out = list(s.parse(json_response({"Count": 4, "Results": results[:2]})))
    (follow,) = [x for x in out if isinstance(x, scrapy.Request)]
    assert follow.url == URL.replace("e=0", "e=2")
    out += list(s.parse(json_response({"Count": 4, "Results": results[2:]}, follow.url), **follow.cb_kwargs))
    assert [n.source_key for n in out if isinstance(n, ClosureNotice)] == [n.source_key for n in notices]
    assert not [x for x in out[3:] if isinstance(x, scrapy.Request)]
    assert s.crawler.stats.get_value(STAT_CHECK_ERRORS) is None


def test_results_short_of_the_count_are_a_check_error(caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        out = list(s.parse(json_response({"Count": 5, "Results": real()["Results"][:2]})))
        (follow,) = [x for x in out if isinstance(x, scrapy.Request)]
        assert list(s.parse(json_response({"Count": 5, "Results": []}, follow.url), **follow.cb_kwargs)) == []
    assert "2 results read, the search says Count 5" in caplog.text
    assert s.crawler.stats.get_value(STAT_CHECK_ERRORS) == 1


def test_key_survives_punctuation_edits(notices):
    data = real()
    data["Results"][1]["Html"] = data["Results"][1]["Html"].replace(
        "General Motors, LLC &mdash; Lansing Region", "General Motors LLC - Lansing Region"
    )
    again = list(WarnMiSpider().parse_file(json_response(data)))
    assert again[1].company_name == "General Motors LLC - Lansing Region"
    assert again[1].source_key == notices[1].source_key


@pytest.mark.parametrize("label", ["Number of jobs impacted", "Type of company action", "County"])
def test_missing_optional_label_still_lands_every_result(notices, label):
    data = real()
    for result in data["Results"]:
        result["Html"] = result["Html"].replace(f"<strong>{label}:</strong>", "<strong>Something else:</strong>")
    again = list(WarnMiSpider().parse_file(json_response(data)))
    assert len(again) == 4
    if label == "Type of company action":  # the Layoff/Closure tag still says which
        assert [n.notice_type for n in again] == [n.notice_type for n in notices]


def test_fragment_without_the_result_section_is_a_layout_error(caplog):
    data = real()
    data["Results"][0]["Html"] = "<div>Page not found</div>"
    s = spider()
    with caplog.at_level(logging.ERROR):
        got = [x for x in s.parse(json_response(data)) if isinstance(x, ClosureNotice)]
    assert len(got) == 3  # result 5 (the copy of result 1) now lands in its place
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1 and "result 1: no search-result section" in caplog.text


@pytest.mark.parametrize("body", [b"<html><body>Service unavailable</body></html>", b'{"Results": []}', b""])
def test_not_the_search_json_is_a_layout_error(body, caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(TextResponse(url=URL, body=body, encoding="utf-8"))) == []
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(TextResponse(url=URL, body=body, encoding="utf-8")))


def test_the_search_lands_through_the_cli(db_url, server, leads_cli, tmp_path, notices):
    url = server.url(f"files/warn_mi/{FILE}")
    samaritas = by_company(notices, "Samaritas").as_dict()
    row = {
        k: samaritas[k]
        for k in (
            "source",
            "source_key",
            "company_name",
            "address",
            "city",
            "state",
            "zip5",
            "notice_type",
            "notice_date",
            "effective_date",
            "employees",
            "industry_code",
            "raw",
        )
    } | {"source_url": url}
    run = assert_source_lands(
        "warn_mi", [url], [f"warn_mi/{FILE}"], db_url=db_url, leads_cli=leads_cli, home=tmp_path, rows=[row]
    )
    assert run["items"] == 4
