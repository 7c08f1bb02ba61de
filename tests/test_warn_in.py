"""warn_in: Indiana's two WARN pages, rebuilt at test time as HTML tables from the row dump's exact values.

No raw copy of the agency's pages exists offline (tests/files/warn_in/SOURCE.md): the dump ``in.csv``
holds the cell texts of the current page (its header and 1,052 rows of nine cells, the last one
empty) followed by the archive page (658 rows of eight cells). ``pages()`` writes them back as the
two pages, HTML-escaped, in UTF-8. The dump holds one header row only (the current page's): the
rebuilt archive table carries the same header less the empty column. Rebuilt pages, never agency files.
"""

from __future__ import annotations

import csv
import html
import logging
import re
from datetime import date

import pytest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED, STAT_UNREADABLE
from spiders.parsing import LayoutChanged
from spiders.warn_in import PAGES, WarnInSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES

CURRENT, ARCHIVE = PAGES


def dump() -> list[list[str]]:
    with open(FILES / "warn_in" / "in.csv", newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def split_dump() -> tuple[list[list[str]], list[list[str]]]:
    """(current page rows with header, archive rows with header): the dump's nine-cell rows, then its eight."""
    rows = dump()
    current = [r for r in rows if len(r) == 9]
    archive = [r for r in rows[1:] if len(r) == 8]
    assert len(current) + len(archive) == len(rows)
    return current, [rows[0][:8]] + archive


def table(rows: list[list[str]]) -> str:
    head = "<tr>" + "".join(f"<th>{html.escape(v)}</th>" for v in rows[0]) + "</tr>\n"
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>\n" for row in rows[1:])
    return f'<table class="table">\n{head}{body}</table>'


def page(*tables: list[list[str]]) -> bytes:
    parts = "".join(f"<h3>WARN Notices</h3>{table(t)}" for t in tables)
    return f"<!DOCTYPE html><html><head><title>WARN Notices</title></head><body>{parts}</body></html>".encode()


def spider() -> WarnInSpider:
    return WarnInSpider.from_crawler(get_crawler(WarnInSpider))


def parse(body: bytes, url: str = CURRENT, s: WarnInSpider | None = None) -> list[ClosureNotice]:
    return list((s or spider()).parse(HtmlResponse(url=url, body=body, encoding="utf-8")))


#: The agency-format files this test builds from the row dump (file name -> bytes): what
#: bench/parse_speed.py, bench/source_figures.py and tests/test_parse_cli.py read for this source.
REBUILT_FILES = {"in_current.html": lambda: page(split_dump()[0]), "in_archive.html": lambda: page(split_dump()[1])}


@pytest.fixture(scope="module")
def pages() -> tuple[list[ClosureNotice], list[ClosureNotice]]:
    current, archive = split_dump()
    return parse(page(current), CURRENT), parse(page(archive), ARCHIVE)


def by_company(notices, name):
    return [n for n in notices if n.company_name == name]


DATE_LIKE = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")


def dated(row: list[str]) -> bool:
    """From the dump alone: a date-looking Notice or LO/CL Date, or a "Revised (date)" in the name."""
    return bool(DATE_LIKE.search(row[3]) or DATE_LIKE.search(row[4]) or re.search(r"Revised\s*\(?\d{1,2}/", row[0]))


def expected_count(rows: list[list[str]]) -> int:
    """Rows with a company and a date, less exact repeats of an earlier row."""
    return len(dict.fromkeys(tuple(r) for r in rows[1:] if r[0].strip() and dated(r)))


def test_counts_against_the_dump(pages):
    current_rows, archive_rows = split_dump()
    current, archive = pages
    assert (len(current_rows) - 1, len(archive_rows) - 1) == (1052, 658)
    assert len(current) == expected_count(current_rows) == 961
    assert len(archive) == expected_count(archive_rows) == 657
    every = current + archive
    assert [n.notice_type == "closure" for n in every] == [
        bool(re.search(r"\bCL\b|clos", n.raw["Notice Type"], re.I)) for n in every
    ]
    assert sum(n.notice_type == "closure" for n in every) == 891
    assert {n.state for n in every} == {"IN"} and all(n.address is None for n in every)


def test_whole_notice(pages):
    current, _ = pages
    (shop,) = by_company(current, "Little Raymond’s Print Shop")
    assert shop == ClosureNotice(
        source="warn_in",
        source_key="littleraymondsprintshop|2022-03-16|indianapolis",
        company_name="Little Raymond’s Print Shop",
        source_url=CURRENT,
        notice_type="closure",
        city="Indianapolis",
        state="IN",
        notice_date=date(2022, 3, 16),
        effective_date=date(2022, 3, 18),
        employees=114,
        industry_code="313310",
        raw={
            "Company": "Little Raymond’s Print Shop",
            "City": "Indianapolis",
            "Affected Workers": "114",
            "Notice Date": "03/16/2022",
            "LO/CL Date": "03/18/2022",
            "NAICS": "313310",
            "Description of Work": "Textile and Fabric Finishing Mills",
            "Notice Type": "CL",
        },
    )


def test_revisions_are_amendments_dated_by_their_revision(pages):
    current, archive = pages
    dfa = sorted(by_company(current, "DFA Dairy Brands Ice Cream, LLC"), key=lambda n: n.amended)
    assert [(n.amended, n.notice_date, n.employees, n.source_key) for n in dfa] == [
        (False, date(2021, 6, 11), 176, "dfadairybrandsicecreamllc|2021-06-11|decatur"),
        (True, date(2021, 9, 15), None, "dfadairybrandsicecreamllc|2021-09-15|decatur"),
    ]
    assert dfa[1].raw["Company"] == "DFA Dairy Brands Ice Cream, LLC-Revised (9/15/21)"
    (stanley,) = [n for n in by_company(archive, "Stanley Black & Decker") if n.amended]
    assert (stanley.amended, stanley.notice_date, stanley.source_key) == (
        True,
        date(2019, 11, 19),
        "stanleyblackdecker|2019-11-19|greenfield",
    )
    (vantiv,) = [n for n in by_company(current, "Vantiv, LLC") if n.amended]
    assert (vantiv.amended, vantiv.notice_date) == (True, date(2012, 10, 10))
    every = current + archive
    assert [n.amended for n in every] == [bool(re.search(r".revised", n.raw["Company"], re.I)) for n in every]
    assert sum(n.amended for n in every) == 156
    assert not any(n.amended for n in by_company(current, "DFA Dairy Brands Ice Cream, LLC") if n.employees)


def test_link_rows_without_any_date_are_skipped_and_named(caplog):
    current, _ = split_dump()
    s = spider()
    with caplog.at_level(logging.WARNING):
        parse(page(current), CURRENT, s)
    undated = [r for r in current[1:] if not dated(r)]
    assert s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == len(undated) == 90
    assert sum("N/A" == r[3] == r[4] for r in undated) == len(undated)  # all revision or link rows
    assert re.search(
        r"skipped row table 1 row \d+ \('Navistar, Inc-Attachment'\) of \S+: no readable date", caplog.text
    )


def test_codes_counts_and_text_dates(pages, caplog):
    current, archive = pages
    every = current + archive
    temporary = [n for n in every if n.temporary]
    assert {n.raw["Notice Type"] for n in temporary} == {"LO (3-month temporary layoff)"}
    assert {n.notice_type for n in temporary} == {"layoff"}
    assert {n.notice_type for n in every if n.raw["Notice Type"] in {"RH", "TR"}} == {"other"}
    assert {n.notice_type for n in every if n.raw["Notice Type"] == "Potential Closure"} == {"closure"}
    assert {n.employees for n in every if n.raw["Affected Workers"] == "100+"} == {100}
    assert {n.employees for n in every if n.raw["Affected Workers"] in {"40-50", "5 in Indiana", "Unknown"}} == {None}
    assert {n.effective_date for n in every if n.raw["LO/CL Date"] in {"Q1 2019", "End of 2013", "TBD"}} == {None}
    assert {n.effective_date for n in every if n.raw["LO/CL Date"].startswith("No closure date announced")} == {
        date(2015, 5, 27)
    }


def test_unreadable_values_are_flagged(caplog):
    current, _ = split_dump()
    s = spider()
    with caplog.at_level(logging.WARNING):
        parse(page(current), CURRENT, s)
    assert s.crawler.stats.get_value(STAT_UNREADABLE) > 0
    assert "unreadable LO/CL date 'Q1 2019' left empty (kept in raw)" in caplog.text


def test_a_city_list_longer_than_the_column_is_cut_after_a_whole_place(pages):
    (prestige,) = [n for n in pages[0] if n.company_name == "Prestige Maintenance USA, LP" and len(n.raw["City"]) > 200]
    assert len(prestige.city) <= 200 and prestige.city.endswith("…")
    assert prestige.raw["City"].startswith(prestige.city[:-1]) and prestige.raw["City"][len(prestige.city) - 1] == ","
    assert prestige.source_key.endswith("|" + "".join(c for c in prestige.raw["City"].lower() if c.isalnum()))


def test_one_notice_on_both_pages_gets_the_same_key(pages):
    current, archive = pages
    both = {n.source_key for n in current} & {n.source_key for n in archive}
    assert both  # the archive repeats notices of the current page
    for key in sorted(both)[:20]:
        (a,) = [n for n in current if n.source_key == key]
        (b,) = [n for n in archive if n.source_key == key]
        assert (a.company_name, a.notice_date, a.city) == (b.company_name, b.notice_date, b.city)


def test_key_survives_punctuation_and_a_repeated_row_is_yielded_once(pages):
    current, _ = split_dump()
    tidied = [row[:] for row in current]
    for row in tidied[1:]:
        row[0] = row[0].replace(",", "").replace(".", "")
    again = parse(page(tidied + [current[1]]))
    assert [n.source_key for n in again] == [n.source_key for n in pages[0]]


def test_missing_or_renamed_optional_columns_still_land_every_row(pages, caplog):
    _, archive = split_dump()
    slim = [row[:2] + row[3:5] for row in archive]  # Company, City, Notice Date, LO/CL Date
    slim[0][1] = "Location"
    with caplog.at_level(logging.WARNING):
        got = parse(page(slim), ARCHIVE)
    assert {n.source_key.split("|")[0] + "|" + n.source_key.split("|")[1] for n in got} == {
        n.source_key.split("|")[0] + "|" + n.source_key.split("|")[1] for n in pages[1]
    }
    assert {n.employees for n in got} == {None} and {n.notice_type for n in got} == {"other"}
    assert "has no column for employees, naics, description, notice_type" in caplog.text


def test_two_tables_reordered_columns_and_a_menu_table_give_the_same_notices(pages):
    current, archive = split_dump()
    order = [7, 6, 5, 4, 3, 2, 1, 0]
    moved = [[row[i] for i in order] for row in archive]
    body = page([["Menu"], ["Home"]], moved[:300], [moved[0]] + moved[300:])
    again = parse(body, ARCHIVE)
    assert [n.as_dict() | {"raw": None} for n in again] == [n.as_dict() | {"raw": None} for n in pages[1]]


@pytest.mark.parametrize("column", ["Company", "City"])
def test_missing_essential_column_is_a_layout_error(column, caplog):
    _, archive = split_dump()
    i = archive[0].index(column)
    cut = [row[:i] + row[i + 1 :] for row in archive]
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert parse(page(cut), ARCHIVE, s) == []
    assert "layout changed" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(HtmlResponse(url=ARCHIVE, body=page(cut), encoding="utf-8")))


def test_no_date_column_is_a_layout_error():
    _, archive = split_dump()
    cut = [row[:3] + row[5:] for row in archive]
    with pytest.raises(LayoutChanged, match="no date column"):
        list(spider().parse_file(HtmlResponse(url=ARCHIVE, body=page(cut), encoding="utf-8")))


@pytest.mark.parametrize("body", [b"", b"<html><body><p>Service unavailable</p></body></html>", b"%PDF-1.4"])
def test_page_without_the_table_is_a_layout_error(body, caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(Response(url=CURRENT, body=body))) == []
    assert "layout changed" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_the_crawl_asks_for_both_pages():
    assert WarnInSpider().start_urls == PAGES


def test_crawl_of_both_pages_lands_every_notice_once(db_url, server, leads_cli, tmp_path, pages):
    current, archive = split_dump()
    saved = []
    urls = []
    for name, rows in (("2567.htm", current), ("3125.htm", archive)):
        body = page(rows)
        (tmp_path / name).write_bytes(body)
        saved.append(tmp_path / name)
        urls.append(server.add(f"dwd/{name}", body, "text/html; charset=utf-8"))
    (shop,) = by_company(pages[0], "Little Raymond’s Print Shop")
    expected = {**shop.as_dict(), "source_url": urls[0]}
    run = assert_source_lands(
        "warn_in",
        urls,
        saved,
        db_url=db_url,
        leads_cli=leads_cli,
        home=tmp_path,
        rows=[{c: expected[c] for c in NOTICE_COLUMNS}],
    )
    assert run["items"] == len({n.source_key for n in pages[0] + pages[1]})


# For tests/test_parse_cli.py: the saved file is the row dump the tests build the agency's format from, not a
# response of the agency, so `leads parse` is not asked to read it.
SAVED_FILES: dict[str, int] = {}
NOT_RESPONSES = {"in.csv"}
