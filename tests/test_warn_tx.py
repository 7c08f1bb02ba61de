"""warn_tx: Texas's Socrata WARN dataset, rebuilt at test time as SODA JSON pages from the row dump's exact values.

No raw API response exists offline (tests/files/warn_tx/SOURCE.md): the dump ``tx.csv`` holds the
values of TWC's workbook, whose columns are the dataset's fields (NOTICE_DATE -> ``notice_date``,
LayOff_Date -> ``layoff_date``, …; the 16,376 unnamed, empty columns of its header row are not
fields). ``soda_rows()`` writes each row as SODA serves it: every value a string, an Excel date as
a floating timestamp ("2019-09-26T00:00:00.000"), an empty value left out. Rebuilt pages, never an
agency response.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from datetime import date

import pytest
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_CHECK_ERRORS, STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged
from spiders.warn_tx import API_URL, WarnTxSpider, next_page_url
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES

FIRST = f"{API_URL}?%24order=%3Aid&%24limit=1000&%24offset=0"


def dump() -> list[list[str]]:
    with open(FILES / "warn_tx" / "tx.csv", newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def soda_rows(rows: list[list[str]] | None = None) -> list[dict[str, str]]:
    rows = rows if rows is not None else dump()
    fields = [h.lower() for h in rows[0]]
    out = []
    for row in rows[1:]:
        record = {}
        for field, value in zip(fields, row, strict=False):
            if not field or value == "":
                continue
            if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", value):
                value = value.replace(" ", "T") + ".000"
            record[field] = value
        out.append(record)
    return out


def body(records: list[dict]) -> bytes:
    return ("[" + "\n,".join(json.dumps(r) for r in records) + "]\n").encode()


def response(records: list[dict], url: str = FIRST) -> TextResponse:
    return TextResponse(url=url, body=body(records), encoding="utf-8")


def spider() -> WarnTxSpider:
    return WarnTxSpider.from_crawler(get_crawler(WarnTxSpider))


def crawl_pages(records: list[dict], limit: int = 1000, s: WarnTxSpider | None = None) -> tuple[list, list[str]]:
    """Follow the spider's own next-page requests over pages cut from the records; (notices, urls asked)."""
    s = s or spider()
    url = f"{API_URL}?%24order=%3Aid&%24limit={limit}&%24offset=0"
    pending = [(url, {})]
    notices, asked = [], []
    while pending:
        url, kwargs = pending.pop()
        asked.append(url)
        offset = int(re.search(r"offset=(\d+)", url).group(1))
        for result in s.parse(response(records[offset : offset + limit], url), **kwargs):
            if isinstance(result, ClosureNotice):
                notices.append(result)
            else:
                pending.append((result.url, result.cb_kwargs))
    return notices, asked


#: The agency-format files this test builds from the row dump (file name -> bytes): what
#: bench/parse_speed.py, bench/source_figures.py and tests/test_parse_cli.py read for this source.
REBUILT_FILES = {"tx.json": lambda: body(soda_rows())}


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnTxSpider().parse_file(response(soda_rows())))


def test_counts_against_the_dump(notices):
    rows = dump()[1:]
    named = [tuple(r[:6] + r[7:8]) for r in rows]  # WFDD_RECEIVED_DATE left out (see the spider)
    assert all(r[1].strip() and r[0].strip() for r in rows)  # every row: a site name and a notice date
    # Counted independently: the dump's rows less repeats of an earlier row.
    assert len(rows) == 6582 and len(dict.fromkeys(tuple(r[:8]) for r in rows)) == 6579
    assert len(notices) == len(dict.fromkeys(named)) == 6481
    assert len({n.source_key for n in notices}) == len(notices)
    assert {n.state for n in notices} == {"TX"} and {n.notice_type for n in notices} == {"other"}


def test_whole_notice(notices):
    (nobilis,) = [n for n in notices if n.company_name == "Nobilis Health Corp.-Sugarland"]
    assert nobilis == ClosureNotice(
        source="warn_tx",
        source_key="nobilishealthcorpsugarland|2019-09-26|sugarland",
        company_name="Nobilis Health Corp.-Sugarland",
        source_url=FIRST,
        notice_type="other",
        city="Sugar Land",
        state="TX",
        notice_date=date(2019, 9, 26),
        effective_date=date(2019, 9, 13),
        employees=36,
        raw={
            "notice_date": "2019-09-26T00:00:00.000",
            "job_site_name": "Nobilis Health Corp.-Sugarland",
            "county_name": "Fort Bend",
            "wda_name": "Gulf Coast WDA",
            "total_layoff_number": "36",
            "layoff_date": "2019-09-13T00:00:00.000",
            "wfdd_received_date": "2019-09-26T00:00:00.000",
            "city_name": "Sugar Land",
        },
    )


def test_a_2019_notice_twice_in_the_dataset_is_yielded_once(notices):
    rows = [r for r in dump()[1:] if r[1] == "Nobilis Health Corp.-Sugarland"]
    assert sorted(r[6] for r in rows) == ["19111", "2019-09-26 00:00:00"]
    assert [n.source_key for n in notices if n.company_name == "Nobilis Health Corp.-Sugarland"] == [
        "nobilishealthcorpsugarland|2019-09-26|sugarland"
    ]


def test_missing_city_falls_back_to_county_and_missing_values_are_none(notices):
    no_city = [n for n in notices if "city_name" not in n.raw]
    assert len(no_city) == sum(1 for r in dump()[1:] if not r[7]) - 0 and no_city
    assert all(
        n.city is None and n.source_key.split("|")[2] == re.sub(r"[^0-9a-z]", "", n.raw.get("county_name", "").lower())
        for n in no_city
    )
    no_count = [n for n in notices if "total_layoff_number" not in n.raw]
    assert no_count and {n.employees for n in no_count} == {None}
    assert {n.employees for n in notices if n.raw.get("total_layoff_number") == "0"} == {0}


def test_paging_to_the_end_gives_the_same_notices_as_one_page(notices):
    got, asked = crawl_pages(soda_rows())
    assert len(asked) == 7  # 6,582 rows in pages of 1,000: six full pages and a last one of 582
    assert [n.source_key for n in got] == [n.source_key for n in notices]


def test_duplicates_across_pages_are_yielded_once_and_same_key_rows_numbered(notices):
    records = soda_rows()
    got, _ = crawl_pages(records, limit=250)
    assert [n.source_key for n in got] == [n.source_key for n in notices]
    numbered = [n for n in notices if re.search(r"\|\d+$", n.source_key)]
    assert numbered  # same site, day and city, another count: its own notice


def test_key_survives_punctuation(notices):
    records = soda_rows()
    for r in records:
        r["job_site_name"] = r["job_site_name"].replace(",", "").replace(".", "")
    again = list(WarnTxSpider().parse_file(response(records)))
    assert [n.source_key for n in again] == [n.source_key for n in notices]


def test_api_ignoring_offset_is_a_failed_check_not_a_loop(caplog):
    records = soda_rows()[:1000]
    s = spider()
    first = list(s.parse(response(records)))
    (request,) = [r for r in first if not isinstance(r, ClosureNotice)]
    with caplog.at_level(logging.ERROR):
        again = list(s.parse(response(records, request.url), **request.cb_kwargs))
    assert again == [] and s.crawler.stats.get_value(STAT_CHECK_ERRORS) == 1
    assert "the API ignored $offset: the page at offset 1000 repeats the previous page" in caplog.text


def test_the_query_window_comes_from_since():
    (url,) = WarnTxSpider(since="2021-06-30").start_urls
    assert url.startswith(API_URL + "?") and "notice_date+%3E%3D+%272021-06-30T00%3A00%3A00%27" in url
    assert "%24order=%3Aid" in url and "%24offset=0" in url
    this_year = date.today().year
    assert f"{this_year - 1}-01-01" in WarnTxSpider().start_urls[0].replace("%3A", ":").replace("%27", "'")
    with pytest.raises(ValueError, match="since must be a date"):
        WarnTxSpider(since="yesterday")


def test_missing_optional_fields_still_land_every_row(notices):
    records = [
        {k: v for k, v in r.items() if k not in {"total_layoff_number", "layoff_date", "wda_name"}} for r in soda_rows()
    ]
    again = list(WarnTxSpider().parse_file(response(records)))
    assert len(again) <= len(notices) and {n.employees for n in again} == {None}
    assert {n.source_key.split("|")[0] for n in again} == {n.source_key.split("|")[0] for n in notices}


@pytest.mark.parametrize("field", ["job_site_name", "notice_date", "city_name"])
def test_missing_essential_field_is_a_layout_error(field, caplog):
    drop = (
        {field}
        | ({"layoff_date"} if field == "notice_date" else set())
        | ({"county_name"} if field == "city_name" else set())
    )
    records = [{k: v for k, v in r.items() if k not in drop} for r in soda_rows()[:50]]
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(response(records))) == []
    assert "layout changed" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(response(records)))


def test_row_without_company_or_any_date_is_skipped_and_named(caplog):
    records = soda_rows()[:50]
    del records[0]["job_site_name"]
    records[1]["notice_date"] = "soon"
    records[1].pop("layoff_date", None)
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = [n for n in s.parse(response(records)) if isinstance(n, ClosureNotice)]
    assert len(got) == 48 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 2
    assert "skipped row row 1 ('')" in caplog.text and "unreadable notice_date 'soon'" in caplog.text


@pytest.mark.parametrize(
    "payload", [b'{"error": true, "message": "Unknown column notice_date"}', b"<html>x</html>", b'["a", "b"]']
)
def test_error_object_or_non_json_is_a_layout_error(payload, caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(TextResponse(url=FIRST, body=payload, encoding="utf-8"))) == []
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_empty_first_page_is_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        assert list(spider().parse(TextResponse(url=FIRST, body=b"[]", encoding="utf-8"))) == []
    assert "the first page has no notices" in caplog.text


def test_crawl_pages_to_the_end_and_lands_every_notice(db_url, server, leads_cli, tmp_path, notices):
    records = soda_rows()
    whole = tmp_path / "8w53-c4f6.json"  # the same rows as one response, for `leads parse`
    whole.write_bytes(body(records))
    path = "resource/8w53-c4f6.json?%24order=%3Aid&%24limit=1000&%24offset=0"
    url = server.url(path)
    start, page_urls = url, []
    for offset in range(0, len(records) + 1, 1000):
        server.add(url.split(str(server.base), 1)[1], body(records[offset : offset + 1000]), "application/json")
        page_urls.append(url)
        url = next_page_url(url, 1000)
    (nobilis,) = [n for n in notices if n.company_name == "Nobilis Health Corp.-Sugarland"]
    first_seen = next(i for i, r in enumerate(records) if r["job_site_name"] == nobilis.company_name)
    expected = {**nobilis.as_dict(), "source_url": page_urls[first_seen // 1000]}
    run = assert_source_lands(
        "warn_tx",
        [start],
        [whole],
        db_url=db_url,
        leads_cli=leads_cli,
        home=tmp_path,
        rows=[{c: expected[c] for c in NOTICE_COLUMNS}],
    )
    assert run["items"] == 6481
    asked = [p for m, p in server.requests if "8w53-c4f6" in p]
    assert len(asked) == 2 * 7  # two crawls of seven pages each


# For tests/test_parse_cli.py: the saved file is the row dump the tests build the agency's format from, not a
# response of the agency, so `leads parse` is not asked to read it.
SAVED_FILES: dict[str, int] = {}
NOT_RESPONSES = {"tx.csv"}
