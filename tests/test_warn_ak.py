"""warn_ak: Alaska's WARN page, rebuilt at test time as its HTML table from the row dump's exact values.

No raw copy of the agency's page exists offline (tests/files/warn_ak/SOURCE.md): the dump ``ak.csv``
holds the cell texts of the page's one table (header row included, as ``td`` cells like the
others). ``page()`` writes them back as that table, HTML-escaped, in UTF-8. A rebuilt page, never
an agency file.
"""

from __future__ import annotations

import csv
import html
import logging
from datetime import date

import pytest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED, STAT_UNREADABLE
from spiders.parsing import LayoutChanged
from spiders.warn_ak import WarnAkSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES

URL = WarnAkSpider.agency_url


def dump() -> list[list[str]]:
    with open(FILES / "warn_ak" / "ak.csv", newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def page(rows: list[list[str]] | None = None, encoding: str = "utf-8") -> bytes:
    rows = rows if rows is not None else dump()
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>\n" for row in rows)
    text = (
        f"<html><head><title>WARN Notices</title></head><body><h2>WARN Notices</h2>"
        f"<table border='1'>\n{body}</table></body></html>"
    )
    return text.encode(encoding)


def spider() -> WarnAkSpider:
    return WarnAkSpider.from_crawler(get_crawler(WarnAkSpider))


def parse(body: bytes, s: WarnAkSpider | None = None, encoding: str = "utf-8") -> list[ClosureNotice]:
    return list((s or spider()).parse(HtmlResponse(url=URL, body=body, encoding=encoding)))


#: The agency-format files this test builds from the row dump (file name -> bytes): what
#: bench/parse_speed.py, bench/source_figures.py and tests/test_parse_cli.py read for this source.
REBUILT_FILES = {"ak.html": page}


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return parse(page())


def by_company(notices, name):
    return [n for n in notices if n.company_name == name]


def test_every_row_of_the_dump_is_a_notice(notices):
    rows = dump()[1:]
    assert all(r[0].strip() and r[2].strip() for r in rows)  # counted independently: company + notice date
    assert len(notices) == len(rows) == 57 and len({n.source_key for n in notices}) == 57
    assert {n.state for n in notices} == {"AK"}
    notes = [r[5].lower() for r in rows]
    assert sum(n.notice_type == "closure" for n in notices) == sum("closure" in t for t in notes) == 8
    assert [n.temporary for n in notices] == [
        True if "temporary" in t else False if "permanent" in t else None for t in notes
    ]


def test_whole_notice_with_a_curly_apostrophe(notices):
    (beans,) = by_company(notices, "Bean’s Cafe")
    assert beans == ClosureNotice(
        source="warn_ak",
        source_key="beanscafe|2021-09-16|anchorage",
        company_name="Bean’s Cafe",
        source_url=URL,
        notice_type="other",
        city="Anchorage",
        state="AK",
        notice_date=date(2021, 9, 16),
        effective_date=date(2021, 9, 15),
        employees=40,
        raw={
            "Company": "Bean’s Cafe",
            "Location": "Anchorage",
            "Notice Date": "9/16/21",
            "Layoff Date": "9/15/21",
            "Employees Affected": "40",
            "Notes": "Loss of contract",
        },
    )


def test_mislabelled_or_undeclared_encoding_still_gives_the_apostrophes(notices):
    for declared in ("cp1252", "latin-1"):
        again = parse(page(), encoding=declared)
        assert [n.company_name for n in again] == [n.company_name for n in notices]
    assert len(by_company(notices, "Sam’s Club")) == 3


def test_footnoted_dates_text_ranges_counts_and_notes(notices, caplog):
    (ravn,) = [n for n in notices if n.company_name.startswith("RavnAir Group")]
    assert (ravn.notice_date, ravn.employees, ravn.temporary, ravn.raw["Notice Date"]) == (
        date(2020, 9, 30),
        1234,
        False,
        "9/30/20*",
    )
    starting = [n for n in notices if n.raw["Layoff Date"] == "Starting 3/16/18"]
    assert len(starting) == 3 and {n.effective_date for n in starting} == {date(2018, 3, 16)}
    vague = [
        n
        for n in notices
        if n.raw["Layoff Date"] in {"Varied", "various", "March to May 2016", "August-November 2021", ""}
    ]
    assert len(vague) == 7 and {n.effective_date for n in vague} == {None}
    assert [n.employees for n in notices if n.raw["Employees Affected"] == "Up to 300"] == [300]
    (closure,) = [n for n in notices if n.raw["Notes"] == "Company closure"]
    assert closure.notice_type == "closure"
    (reduction,) = [n for n in notices if n.raw["Notes"] == "Reduction in work"]
    assert reduction.notice_type == "layoff"


def test_unreadable_values_are_flagged_not_skipped(caplog):
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = parse(page(), s)
    assert len(got) == 57 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) is None
    assert s.crawler.stats.get_value(STAT_UNREADABLE) == 6  # Varied x3, various, two month ranges (a blank is no value)
    assert "unreadable layoff date 'March to May 2016' left empty (kept in raw)" in caplog.text


def test_key_survives_punctuation_and_a_repeated_row_is_yielded_once(notices):
    rows = dump()
    tidied = [row[:] for row in rows]
    for row in tidied[1:]:
        row[0] = row[0].replace(",", "").replace(".", "")
    again = parse(page(tidied + [rows[3]]))
    assert [n.source_key for n in again] == [n.source_key for n in notices]


def test_same_key_other_count_is_a_second_notice(notices):
    rows = dump()
    other = rows[1][:]
    other[4] = "12"
    again = parse(page(rows + [other]))
    assert len(again) == 58 and again[-1].source_key == notices[0].source_key + "|2"


def test_missing_or_renamed_optional_columns_still_land_every_row(notices, caplog):
    rows = dump()
    slim = [row[:3] + row[4:5] for row in rows]  # no Layoff Date, no Notes
    slim[0][3] = "Head count"
    with caplog.at_level(logging.WARNING):
        got = parse(page(slim))
    assert [n.source_key for n in got] == [n.source_key for n in notices]
    assert {n.employees for n in got} == {None} and {n.notice_type for n in got} == {"other"}
    assert "has no column for effective_date, employees, notes" in caplog.text


def test_reordered_columns_th_header_and_another_table_first_give_the_same_notices(notices):
    rows = dump()
    order = [5, 4, 3, 2, 1, 0]
    moved = [[row[i] for i in order] for row in rows]
    body = page(moved).decode().replace("<h2>WARN Notices</h2>", "<table><tr><td>Menu</td></tr></table>")
    body = body.replace("<tr><td>Notes</td>", "<tr><th>Notes</th>", 1)
    again = parse(body.encode())
    assert [n.as_dict() | {"raw": None} for n in again] == [n.as_dict() | {"raw": None} for n in notices]


@pytest.mark.parametrize("column", ["Company", "Location"])
def test_missing_essential_column_is_a_layout_error(column, caplog):
    rows = dump()
    i = rows[0].index(column)
    cut = [row[:i] + row[i + 1 :] for row in rows]
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert parse(page(cut), s) == []
    assert "layout changed" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(HtmlResponse(url=URL, body=page(cut), encoding="utf-8")))


def test_no_date_column_is_a_layout_error():
    cut = [row[:2] + row[4:] for row in dump()]
    with pytest.raises(LayoutChanged, match="no date column"):
        list(spider().parse_file(HtmlResponse(url=URL, body=page(cut), encoding="utf-8")))


def test_row_without_company_or_any_date_is_skipped_and_named(caplog):
    rows = dump()
    rows[1][0] = ""
    rows[2][2] = rows[2][3] = "Varied"
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = parse(page(rows), s)
    assert len(got) == 55 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 2
    assert "skipped row table row 1 ('')" in caplog.text and "no readable date" in caplog.text


@pytest.mark.parametrize("body", [b"", b"<html><body><p>Service unavailable</p></body></html>", b"%PDF-1.4 not a page"])
def test_page_without_the_table_is_a_layout_error(body, caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(Response(url=URL, body=body))) == []
    assert "layout changed" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_header_only_table_is_a_warning_not_an_error(caplog):
    s = spider()
    with caplog.at_level(logging.WARNING):
        assert parse(page(dump()[:1]), s) == []
    assert "lists no notices" in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_crawl_lands_every_notice(db_url, server, leads_cli, tmp_path, notices):
    body = page()
    saved = tmp_path / "WARN_notices.htm"
    saved.write_bytes(body)
    url = server.add("RR/WARN_notices.htm", body, "text/html")  # no charset, like many agency servers
    (beans,) = by_company(notices, "Bean’s Cafe")
    expected = {**beans.as_dict(), "source_url": url}
    run = assert_source_lands(
        "warn_ak",
        [url],
        [saved],
        db_url=db_url,
        leads_cli=leads_cli,
        home=tmp_path,
        rows=[{c: expected[c] for c in NOTICE_COLUMNS}],
    )
    assert run["items"] == 57


def test_a_very_long_name_and_place_get_a_bounded_stable_key(notices):
    (holland,) = [n for n in notices if n.company_name.startswith("Holland America Group")]
    assert len(holland.source_key) <= 240 and "~" in holland.source_key
    again = parse(page())
    assert [n.source_key for n in again if n.company_name == holland.company_name] == [holland.source_key]


# For tests/test_parse_cli.py: the saved file is the row dump the tests build the agency's format from, not a
# response of the agency, so `leads parse` is not asked to read it.
SAVED_FILES: dict[str, int] = {}
NOT_RESPONSES = {"ak.csv"}
