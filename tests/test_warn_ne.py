"""warn_ne: Nebraska's yearly WARN table fragment, from the saved real 2015 fragment and faults derived from it."""

from __future__ import annotations

import html
import logging
from datetime import date

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from leads.health import STAT_WARNINGS
from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged
from spiders.warn_ne import WarnNeSpider
from tests.columns import edit_columns, without_raw
from tests.e2e import Case
from tests.e2e import notice as _notice
from tests.helpers import FILES, file_response

#: Notices `leads parse` reads from each saved file (tests/test_parse_cli.py checks every format).
SAVED_FILES = {"warn-2015.html": 16}

URL = "https://dol.nebraska.gov/LayoffServices/WARNReportData/?year=2015"


def spider() -> WarnNeSpider:
    return WarnNeSpider.from_crawler(get_crawler(WarnNeSpider))


def real_text() -> str:
    return (FILES / "warn_ne" / "warn-2015.html").read_text(encoding="utf-8")


def html_response(text: str) -> HtmlResponse:
    return HtmlResponse(url=URL, body=text.encode("utf-8"), encoding="utf-8")


def real_cells() -> list[list[str]]:
    """The real fragment's header and data rows as raw cell text (padding kept)."""
    rows = [[c.xpath("string()").get() for c in tr.xpath("./th|./td")] for tr in Selector(real_text()).css("tr")]
    return rows[2:]  # two caption rows first


def table_html(rows: list[list[str]]) -> str:
    def tr(cells, tag):
        return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"

    return '<table class="table">' + tr(rows[0], "th") + "".join(tr(r, "td") for r in rows[1:]) + "</table>"


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnNeSpider().parse(file_response("warn_ne", "warn-2015.html", url=URL)))


def by_company(notices, name):
    return [n for n in notices if n.company_name == name]


def test_every_row_of_the_2015_fragment_is_a_notice(notices):
    # SOURCE.md: two caption rows, a header row, then 16 data rows; all readable.
    assert len(notices) == 16
    assert {n.state for n in notices} == {"NE"} and {n.notice_type for n in notices} == {"other"}


def test_withdrawn_notice_keeps_its_name_but_not_in_the_key(notices):
    (union_pacific,) = by_company(notices, "Union Pacific - Withdrawn")
    assert union_pacific == ClosureNotice(
        source="warn_ne",
        source_key="unionpacific|2015-08-12|omaha|omaha",
        company_name="Union Pacific - Withdrawn",
        source_url=URL,
        notice_type="other",
        city="Omaha",
        state="NE",
        notice_date=date(2015, 8, 12),
        employees=100,  # published "100+"
        raw={
            "Date": "8/12/2015",
            "Company": "Union Pacific - Withdrawn",
            "Jobs Affected": "100+",
            "City": "Omaha",
            "Location": "Omaha",
        },
    )


def test_blank_job_count_and_entities(notices):
    (shopko_office,) = by_company(notices, "Shopko Corporate Office")
    assert shopko_office == ClosureNotice(
        source="warn_ne",
        source_key="shopkocorporateoffice|2015-10-28|omaha|omahashopkodistributioncenter",
        company_name="Shopko Corporate Office",
        source_url=URL,
        city="Omaha",
        state="NE",
        notice_date=date(2015, 10, 28),
        employees=None,
        raw={
            "Date": "10/28/2015",
            "Company": "Shopko Corporate Office",
            "Jobs Affected": "",
            "City": "Omaha",
            "Location": "Omaha - Shopko Distribution Center",
        },
    )
    names = {n.company_name for n in notices}
    assert {"H & H Chevrolet LLC", "H & H Motors Omaha dba H & H KIA", "Land O'Frost"} <= names


def test_two_sites_same_company_day_and_city_are_two_notices(notices):
    michael = by_company(notices, "Michael Foods Egg Products Company")
    key = "michaelfoodseggproductscompany|2015-05-21|wakefield|"
    assert sorted((n.raw["Location"], n.employees, n.source_key) for n in michael) == [
        ("Wakefield - Farm Facility", 50, key + "wakefieldfarmfacility"),
        ("Wakefield - Plant Facility", 60, key + "wakefieldplantfacility"),
    ]


def test_reordered_columns_give_the_same_notices(notices):
    rows = real_cells()
    order = [4, 2, 0, 3, 1]
    moved = [[row[i] for i in order] for row in rows]
    again = list(spider().parse(html_response("<div>" + table_html(moved) + "</div>")))
    assert [n.as_dict() | {"raw": None} for n in again] == [n.as_dict() | {"raw": None} for n in notices]


def test_malformed_row_is_skipped_and_named(caplog):
    rows = real_cells()
    rows[1][0] = "11/31/2015"  # IAC Acoustics: no such day
    rows[2][2] = "some"  # Cargill: count not a number
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse(html_response(table_html(rows))))
    assert len(got) == 14
    assert s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 2
    assert "skipped row table row 1 ('IAC Acoustics')" in caplog.text
    assert "skipped row table row 2 ('Cargill Meat Solutions Corporation')" in caplog.text


def test_renamed_essential_column_fails_loudly(caplog):
    text = real_text().replace("Company", "Firm Listed")  # no name the vocabulary knows
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(html_response(text))) == []
    assert "no column for company" in caplog.text and "Firm Listed" in caplog.text
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(html_response(text)))


def test_optional_columns_renamed_missing_reordered_or_new_land_every_row_with_warnings(notices):
    """Jobs Affected renamed by a synonym, then dropped; a Type column added (the sibling endpoint's);
    an unknown column; the order reversed: the 16 rows land each time, the run says what it missed."""
    real = [[c.strip() for c in row] for row in real_cells()]
    renamed = edit_columns(real, rename={"Jobs Affected": "Employees Affected"}, reverse=True)
    s = spider()
    assert without_raw(s.parse(html_response(table_html(renamed)))) == without_raw(notices)
    assert not s.crawler.stats.get_value(STAT_WARNINGS)

    edited = edit_columns(real, drop=["Jobs Affected"], add={"Type": lambda n: "Closure", "Fax": lambda n: "n/a"})
    s = spider()
    got = list(s.parse(html_response(table_html(edited))))
    assert without_raw(got, "employees", "notice_type") == without_raw(notices, "employees", "notice_type")
    assert {n.employees for n in got} == {None} and {n.notice_type for n in got} == {"closure"}
    assert s.crawler.stats.get_value(STAT_WARNINGS) == [
        "no column for employees (its rows land without it)",
        "unknown column 'Fax' (kept in raw, not read)",
    ]
    assert not s.crawler.stats.get_value(STAT_LAYOUT_ERRORS)


@pytest.mark.parametrize(
    "text", ["", "<html><body><p>Service unavailable</p></body></html>", "<table><tr><td>WARN Report</td></tr></table>"]
)
def test_page_without_the_table_is_a_layout_error(text, caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(html_response(text))) == []
    assert "layout changed" in caplog.text
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_year_with_no_notices_yet_is_a_warning_not_an_error(caplog):
    s = spider()
    with caplog.at_level(logging.WARNING):
        assert list(s.parse(html_response(table_html(real_cells()[:1])))) == []
    assert "lists no notices" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_one_request_per_year_of_the_window():
    this_year = date.today().year
    base = "https://dol.nebraska.gov/LayoffServices/WARNReportData/?year="
    assert WarnNeSpider().start_urls == [f"{base}{this_year - 1}", f"{base}{this_year}"]  # default: since last Jan 1
    history = WarnNeSpider(since="2001-06-30").start_urls  # the endpoint starts in 2010
    assert history[0] == f"{base}2010" and URL in history and history[-1] == f"{base}{this_year}"
    assert WarnNeSpider(url=URL).start_urls == [URL]
    with pytest.raises(ValueError, match="since must be a date"):
        WarnNeSpider(since="last year")


# -- end to end: the crawl stores what `leads parse` reads (tests/test_sources_e2e.py runs E2E_CASES) --


def _ne_row(server) -> list[dict]:
    return [
        _notice(
            "warn_ne",
            "catholichealthinitiative|2015-10-16|omaha|omaha",
            "Catholic Health Initiative",
            server.url("files/warn_ne/warn-2015.html"),
            "other",
            city="Omaha",
            state="NE",
            notice_date=date(2015, 10, 16),
            employees=60,
            raw={
                "Date": "10/16/2015",
                "Company": "Catholic Health Initiative",
                "Jobs Affected": "60",
                "City": "Omaha",
                "Location": "Omaha",
            },
        )
    ]


E2E_CASES = [
    Case("warn_ne", "warn_ne", ("warn_ne/warn-2015.html",), lambda s: [s.url("files/warn_ne/warn-2015.html")], _ne_row)
]


def test_a_binary_file_where_the_html_page_was_is_a_layout_error():
    """A PDF or spreadsheet served at the page's address: a clear layout error, not a Scrapy NotSupported."""
    from scrapy.http import Response

    binary = Response(url=URL, body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    with pytest.raises(LayoutChanged, match="binary"):
        list(spider().parse_file(binary))
