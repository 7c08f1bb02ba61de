"""warn_ut: Utah's one-page WARN list (a table per year), on the saved real page and variations derived from it.

``tests/files/warn-exports/ut.csv`` is warn-scraper's independent row dump of the same page (BeautifulSoup), used as
an oracle for every row; it is not an agency file.
"""

from __future__ import annotations

import csv
import logging
import re
from datetime import date

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS
from spiders.parsing import LayoutChanged, clean_text
from spiders.warn_ut import WarnUtSpider, read_date
from tests.e2e import assert_source_lands
from tests.helpers import FILES, file_response

URL = "https://jobs.utah.gov/employer/business/warnnotices.html"
PAGE = "warnnotices.html"


def spider() -> WarnUtSpider:
    return WarnUtSpider.from_crawler(get_crawler(WarnUtSpider))


def real_text() -> str:
    return (FILES / "warn_ut" / PAGE).read_text(encoding="utf-8")


def html_response(text: str) -> HtmlResponse:
    return HtmlResponse(url=URL, body=text.encode("utf-8"), encoding="utf-8")


def real_tables() -> list[tuple[str, list[list[str]]]]:
    """(year heading, rows of cell HTML) for each year table of the real page."""
    sel = Selector(real_text())
    return [
        (
            t.xpath("string(preceding-sibling::h2[1])").get(),
            [[c.get() for c in tr.xpath("./th|./td")] for tr in t.css("tr")],
        )
        for t in sel.css("table")
    ]


def page_html(tables) -> str:
    """A page in the agency's layout (h2 year + table) from rows of cell HTML."""
    out = []
    for year, rows in tables:
        out.append(
            f"<h2>{year}</h2><table><tbody>" + "".join("<tr>" + "".join(r) + "</tr>" for r in rows) + "</tbody></table>"
        )
    return "<html><body>" + "".join(out) + "</body></html>"


def without_column(tables, index):
    return [(y, [[c for i, c in enumerate(r) if i != index] for r in rows]) for y, rows in tables]


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnUtSpider().parse_file(file_response("warn_ut", PAGE, url=URL)))


def one(notices, company, day=None):
    found = [n for n in notices if n.company_name == company and (day is None or n.notice_date == day)]
    assert len(found) == 1, [n.as_dict() for n in found]
    return found[0]


def test_every_row_of_the_page_is_a_notice(notices):
    text = real_text()
    rows_in_page = len(re.findall(r"<tr>\s*<td>", text))  # data rows; header rows start with <th>
    assert len(re.findall(r"<h2 align=\"left\">\d{4}</h2>", text)) == 14
    assert rows_in_page == 208 == len(notices)
    assert len({n.source_key for n in notices}) == 208
    assert {n.state for n in notices} == {"UT"} and {n.notice_type for n in notices} == {"other"}
    assert {n.temporary for n in notices} == {None} and {n.address for n in notices} == {None}


def test_every_row_matches_the_independent_export(notices):
    with open(FILES / "warn-exports" / "ut.csv", encoding="utf-8", newline="") as f:
        export = list(csv.DictReader(f))
    assert len(export) == len(notices)
    ours = [[n.raw[h] for h in ("Date of Notice", "Company Name", "Location", "Affected Workers")] for n in notices]
    theirs = [
        [clean_text(row[h]) for h in ("Date of Notice", "Company Name", "Location", "Affected Workers")]
        for row in export
    ]
    assert ours == theirs


def test_updated_notice_with_revised_count(notices):
    assert one(notices, "General Dynamics IT", date(2014, 3, 5)) == ClosureNotice(
        source="warn_ut",
        source_key="generaldynamicsit|2014-03-05|sandy",
        company_name="General Dynamics IT",
        source_url=URL,
        city="Sandy",
        state="UT",
        notice_date=date(2014, 3, 5),
        employees=645,
        amended=True,
        raw={
            "Date of Notice": "03/05/14 Updated",
            "Company Name": "General Dynamics IT",
            "Location": "Sandy",
            "Affected Workers": "645 Revised",
            "year": "2014",
        },
    )


def test_amended_mark_leaves_the_name_and_the_key(notices):
    assert one(notices, "American Express", date(2015, 6, 30)) == ClosureNotice(
        source="warn_ut",
        source_key="americanexpress|2015-06-30|saltlakecity",
        company_name="American Express",
        source_url=URL,
        city="Salt Lake City",
        state="UT",
        notice_date=date(2015, 6, 30),
        employees=40,
        amended=True,
        raw={
            "Date of Notice": "06/30/15",
            "Company Name": "American Express (Amended)",
            "Location": "Salt Lake City",
            "Affected Workers": "40",
            "year": "2015",
        },
    )


def test_impossible_date_lands_without_a_date_and_is_flagged(notices):
    assert one(notices, "Deseret News Publishing Co.") == ClosureNotice(
        source="warn_ut",
        source_key="deseretnewspublishingco||saltlakecity",
        company_name="Deseret News Publishing Co.",
        source_url=URL,
        city="Salt Lake City",
        state="UT",
        notice_date=None,
        employees=85,
        raw={
            "Date of Notice": "09/31/10",
            "Company Name": "Deseret News Publishing Co.",
            "Location": "Salt Lake City",
            "Affected Workers": "85",
            "year": "2010",
            "_flags": {"notice_date": "unreadable"},
        },
    )


def test_month_only_date_is_the_first_of_the_month_and_flagged(notices):
    spring_air = one(notices, "Spring Air")
    assert (spring_air.notice_date, spring_air.raw["_flags"]) == (date(2009, 5, 1), {"notice_date": "month only"})


@pytest.mark.parametrize(
    ("company", "published", "day"),
    [
        ("Lozier Corporation", "01/07//09", date(2009, 1, 7)),
        ("Viracon", "01/05/18/", date(2018, 1, 5)),
        ("MH Lodging", "03/09/2020&", date(2020, 3, 9)),
        ("Vivint Wireless", "3/3/2020", date(2020, 3, 3)),
        ("Maximus Federal Services", "04/11/2022", date(2022, 4, 11)),
    ],
)
def test_typos_around_a_readable_date(notices, company, published, day):
    notice = one(notices, company)
    assert (notice.raw["Date of Notice"], notice.notice_date, "_flags" in notice.raw) == (published, day, False)


def test_date_reader_on_its_own():
    assert read_date("03/05/14 Updated") == (date(2014, 3, 5), None, True)
    assert read_date("13/2009") == (None, "unreadable", False)
    assert read_date("") == (None, None, False)


def test_mojibake_is_repaired_in_the_name_and_kept_in_raw(notices):
    head_start = one(notices, "Community Development Institute \u2013 Head Start")
    assert head_start.raw["Company Name"] == "Community Development Institute \u00e2\u0080\u0093 Head Start"
    assert head_start.city == "Honeyville, Genola, Providence, & Midvale"  # a multi-city list as published
    assert one(notices, "SnugZ USA \u2013Northstar Mfg.").city == "Salt Lake City"  # "(Relocating to ...)" left out


def test_places_without_a_city(notices):
    hostess = one(notices, "Hostess")  # the CMS class name "navbar-headers" is taken off
    assert (hostess.raw["Company Name"], hostess.city, hostess.source_key) == (
        "Hostess navbar-headers",
        None,
        "hostess|2012-05-09|statewide",
    )
    assert one(notices, "Canyon Fuel Company").city is None  # "Carbon County"
    assert {n.city for n in notices if n.raw["Location"] == "SLC"} == {"Salt Lake City"}
    assert one(notices, "Weather Shield Premium Windows & Doors").city == "Logan"  # <br /> inside the name


def test_key_survives_punctuation_edits(notices):
    text = real_text().replace("XANT, Inc", "XANT Inc.")
    again = {n.company_name: n.source_key for n in spider().parse(html_response(text))}
    assert again["XANT Inc."] == one(notices, "XANT, Inc").source_key


def test_missing_or_renamed_optional_count_column_still_lands_every_row(notices):
    tables = real_tables()
    dropped = list(spider().parse(html_response(page_html(without_column(tables, 3)))))
    assert len(dropped) == 208 and {n.employees for n in dropped} == {None}
    renamed = list(spider().parse(html_response(real_text().replace("Affected Workers", "Column D"))))
    assert [n.source_key for n in renamed] == [n.source_key for n in notices]
    assert {n.employees for n in renamed} == {None}
    # A new name that still says what the column holds is read by meaning (the shared vocabulary).
    synonym = list(spider().parse(html_response(real_text().replace("Affected Workers", "Headcount"))))
    assert [n.employees for n in synonym] == [n.employees for n in notices]


def test_reordered_columns_give_the_same_notices(notices):
    moved = [(y, [[r[i] for i in (3, 2, 0, 1)] for r in rows]) for y, rows in real_tables()]
    again = list(spider().parse(html_response(page_html(moved))))
    assert [n.as_dict() | {"raw": None} for n in again] == [n.as_dict() | {"raw": None} for n in notices]


def test_missing_company_column_is_a_layout_error(caplog):
    text = page_html(without_column(real_tables(), 1))
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(html_response(text))) == []
    assert "no column for company" in caplog.text
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(html_response(text)))


def test_page_without_tables_is_a_layout_error(caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(html_response("<html><body><h2>WARN Notices</h2></body></html>"))) == []
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_row_without_company_and_date_is_skipped(caplog):
    tables = real_tables()
    year, rows = tables[0]
    rows[1] = ["<td></td>", "<td></td>", rows[1][2], rows[1][3]]  # Maximus: no date, no company
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse(html_response(page_html(tables))))
    assert len(got) == 207 and "skipped row 2022 table row 1" in caplog.text


def test_the_page_lands_through_the_cli(db_url, server, leads_cli, tmp_path, notices):
    expected = one(notices, "General Dynamics IT", date(2014, 3, 5))
    url = server.url(f"files/warn_ut/{PAGE}")
    row = {
        **{
            k: v
            for k, v in expected.as_dict().items()
            if k
            in (
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
        },
        "source_url": url,
    }
    run = assert_source_lands(
        "warn_ut", [url], [f"warn_ut/{PAGE}"], db_url=db_url, leads_cli=leads_cli, home=tmp_path, rows=[row]
    )
    assert run["items"] == 208


def test_a_binary_file_where_the_html_page_was_is_a_layout_error():
    """A PDF or spreadsheet served at the page's address: a clear layout error, not a Scrapy NotSupported."""
    from scrapy.http import Response

    binary = Response(url=URL, body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    with pytest.raises(LayoutChanged, match="binary"):
        list(spider().parse_file(binary))
