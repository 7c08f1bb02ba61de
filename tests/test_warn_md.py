"""warn_md: Maryland's WARN log year page, on the saved real 2010 page and variations derived from it.

``tests/files/warn-exports/md.csv`` is warn-scraper's independent row dump of the year pages 2010-2022 (used as an
oracle for the 2010 rows and for the location splitter); it is not an agency file.
"""

from __future__ import annotations

import csv
import logging
import re
from datetime import date

import pytest
import scrapy
from parsel import Selector
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged, clean_text
from spiders.warn_md import WarnMdSpider, split_location
from tests.e2e import assert_source_lands
from tests.helpers import FILES, file_response

URL = "https://www.dllr.state.md.us/employment/warn2010.shtml"
PAGE = "warn2010.shtml.html"
HEADERS = (
    "Notice Date",
    "NAICS Code",
    "Company",
    "Location",
    "WIA Code",
    "Total Employees",
    "Effective Date",
    "Type Code",
)


def spider(**kwargs) -> WarnMdSpider:
    return WarnMdSpider.from_crawler(get_crawler(WarnMdSpider), **kwargs)


def real_text() -> str:
    return (FILES / "warn_md" / PAGE).read_text(encoding="utf-8")


def html_response(text: str, url: str = URL) -> HtmlResponse:
    return HtmlResponse(url=url, body=text.encode("utf-8"), encoding="utf-8")


def real_rows() -> list[list[str]]:
    """The real data table's rows as cell HTML."""
    (table,) = Selector(real_text()).css("table")
    return [[c.get() for c in tr.xpath("./td")] for tr in table.css("tr")]


def table_html(rows) -> str:
    return "<html><body><table>" + "".join("<tr>" + "".join(r) + "</tr>" for r in rows) + "</table></body></html>"


def export_2010() -> list[dict[str, str]]:
    with open(FILES / "warn-exports" / "md.csv", encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if r["Notice Date"].endswith("2010") or "2010" in r["Notice Date"][-12:]]


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnMdSpider().parse_file(file_response("warn_md", PAGE, url=URL)))


def one(notices, company, day):
    (found,) = [n for n in notices if n.company_name == company and n.notice_date == day]
    return found


def test_every_row_but_the_placeholder_is_a_notice(notices):
    rows = real_rows()
    assert len(rows) - 1 == 42  # header + 42 rows (SOURCE.md)
    assert len(export_2010()) == 42
    assert len(notices) == 41  # "NO WARNS REPORTED" (February) is not a notice
    assert "NO WARNS REPORTED" not in {n.company_name for n in notices}
    assert len({n.source_key for n in notices}) == 41


def test_rows_match_the_independent_export(notices):
    theirs = [[clean_text(r[h]) for h in HEADERS] for r in export_2010() if r["Company"] != "NO WARNS REPORTED"]
    ours = [[n.raw[h] for h in HEADERS] for n in notices]
    assert ours == theirs


def test_city_only_row_from_early_2010(notices):
    assert one(notices, "Prime Retail Management", date(2010, 1, 20)) == ClosureNotice(
        source="warn_md",
        source_key="primeretailmanagement|2010-01-20|baltimorecity",
        company_name="Prime Retail Management",
        source_url=URL,
        notice_type="layoff",
        city="Baltimore City",
        state="MD",
        notice_date=date(2010, 1, 20),
        effective_date=date(2010, 3, 15),
        employees=None,
        industry_code="551114",
        raw={
            "Notice Date": "1/20/2010",
            "NAICS Code": "551114",
            "Company": "Prime Retail Management",
            "Location": "Baltimore City",
            "WIA Code": "3",
            "Total Employees": "Not known",
            "Effective Date": "3/15/2010",
            "Type Code": "2",
        },
    )


def test_street_address_without_a_comma_before_the_city(notices):
    assert one(notices, "ESPN Zone", date(2010, 6, 16)) == ClosureNotice(
        source="warn_md",
        source_key="espnzone|2010-06-16|601eastprattstbaltimoremd",
        company_name="ESPN Zone",
        source_url=URL,
        notice_type="closure",
        address="601 East Pratt St.",
        city="Baltimore",
        state="MD",
        notice_date=date(2010, 6, 16),
        effective_date=date(2010, 8, 15),
        employees=161,
        industry_code="722110",
        raw={
            "Notice Date": "6/16/2010",
            "NAICS Code": "722110",
            "Company": "ESPN Zone",
            "Location": "601 East Pratt St. Baltimore, MD",
            "WIA Code": "3",
            "Total Employees": "161",
            "Effective Date": "8/15/2010",
            "Type Code": "1",
        },
    )


@pytest.mark.parametrize(
    ("company", "day", "address", "city"),
    [
        ("Capital One Bank", date(2010, 3, 9), None, "Laurel"),
        ("Pitney Bowes Government Services Inc.", date(2010, 4, 21), None, "Rockville and Landover"),
        ("Wackenhut Services Incorporated", date(2010, 7, 19), "P.O. Box 700", "Suitland"),
        ("Prime Retail", date(2010, 7, 7), "217 E. Redwood St., 20th Floor", "Baltimore"),
        ("Hanger Orthopedic Group Inc.", date(2010, 5, 25), "2 Bethesda Metro Center", "Bethesda"),
        ("Solo Cup Company", date(2010, 7, 29), "10100 Reisterstown Road", "Owing Mills"),
        ("Aramark @ Oriole Park at Camden Yards", date(2010, 8, 31), "555 Russell Street, Suite B", "Baltimore"),
    ],
)
def test_locations_split_into_street_and_city(notices, company, day, address, city):
    notice = one(notices, company, day)
    assert (notice.address, notice.city, notice.state) == (address, city, "MD")


def test_temporary_layoffs_and_notes(notices):
    severstal = one(notices, "Severstal International", date(2010, 11, 4))
    assert (severstal.notice_type, severstal.temporary, severstal.employees) == ("layoff", True, 1012)
    redland = one(notices, "Redland Brick", date(2010, 9, 17))
    assert (redland.raw["Type Code"], redland.temporary) == ("2 Temporary", True)
    assert {n.temporary for n in notices} == {None, True}
    aramark = one(notices, "ARAMARK Educational Services LLC", date(2010, 10, 22))
    assert (aramark.raw["Notice Date"], aramark.raw["_flags"]) == (
        "NOTE: possible event 10/22/2010",
        {"notice_date": "note"},
    )
    kop_flex = one(notices, "Kop-Flex/Emerson Power Transmission", date(2010, 10, 4))
    assert (kop_flex.effective_date, kop_flex.raw["_flags"]) == (date(2010, 12, 1), {"effective_date": "range"})
    two_codes = one(notices, "ARAMARK Management Services University Specialty Hospital", date(2010, 1, 18))
    assert (two_codes.industry_code, two_codes.raw["NAICS Code"]) == ("722310", "722310 & 561720")


def test_type_code_shares(notices):
    types = [n.notice_type for n in notices]
    codes = [r["Type Code"][:1] for r in export_2010() if r["Company"] != "NO WARNS REPORTED"]
    assert (types.count("closure"), types.count("layoff")) == (codes.count("1"), codes.count("2")) == (19, 22)


def test_location_splitter_on_every_location_of_the_export():
    with open(FILES / "warn-exports" / "md.csv", encoding="utf-8", newline="") as f:
        locations = [r["Location"] for r in csv.DictReader(f)]
    split = [split_location(loc) for loc in locations]
    street_as_city = [(loc, s) for loc, s in zip(locations, split, strict=True) if s[1] and re.search(r"\d", s[1])]
    assert not street_as_city
    with_street = sum(1 for s in split if s[0])
    starts_with_number = sum(1 for loc in locations if re.match(r"\s*\d", loc))
    assert with_street >= starts_with_number  # every numbered street line is recognized as one
    assert split_location("2099 Gaither Road, Third Floor, Rockville, MD 20850-4040") == (
        "2099 Gaither Road, Third Floor",
        "Rockville",
        "MD",
        "20850",
    )


def test_key_survives_punctuation_edits(notices):
    text = real_text().replace("Marada Industries, Inc.", "Marada Industries Inc")
    again = {n.company_name: n.source_key for n in spider().parse_file(html_response(text))}
    assert again["Marada Industries Inc"] == one(notices, "Marada Industries, Inc.", date(2010, 1, 7)).source_key


def drop(rows, index):
    return [[c for i, c in enumerate(r) if i != index] for r in rows]


@pytest.mark.parametrize("column", [1, 4, 5, 6, 7])  # NAICS, WIA, employees, effective date, type: optional
def test_missing_optional_column_still_lands_every_row(notices, column):
    again = list(spider().parse_file(html_response(table_html(drop(real_rows(), column)))))
    assert [n.source_key for n in again] == [n.source_key for n in notices]


def test_renamed_optional_column_lands_rows_without_it(notices):
    text, n = re.subn(r"<strong>Type<br>\s*Code</strong>", "<strong>Kind</strong>", real_text())
    assert n == 1
    again = list(spider().parse_file(html_response(text)))
    assert len(again) == 41 and {n.notice_type for n in again} == {"other"}


@pytest.mark.parametrize("column", [0, 2, 3])  # notice date, company, location: essential
def test_missing_essential_column_is_a_layout_error(column, caplog):
    text = table_html(drop(real_rows(), column))
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert [x for x in s.parse(html_response(text)) if isinstance(x, ClosureNotice)] == []
    assert "layout changed" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(html_response(text)))


def test_row_without_company_and_date_is_skipped(caplog):
    rows = real_rows()
    rows[1][0] = rows[1][2] = "<td></td>"
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse_file(html_response(table_html(rows))))
    assert len(got) == 40 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 1


def test_year_pages_of_the_window_are_followed():
    this_year = date.today().year
    landing = real_text().replace('href="warn2023.shtml"', f'href="warn{this_year - 1}.shtml"')
    requests = [
        x for x in spider().parse(html_response(landing, WarnMdSpider.agency_url)) if isinstance(x, scrapy.Request)
    ]
    assert [r.url for r in requests] == [f"https://www.dllr.state.md.us/employment/warn{this_year - 1}.shtml"]
    history = [
        x.url for x in spider(since="2010-01-01").parse(html_response(real_text())) if isinstance(x, scrapy.Request)
    ]
    base = "https://www.dllr.state.md.us/employment/warn"
    assert sorted(history) == [f"{base}{y}.shtml" for y in range(2010, 2024)]  # no PDF, no dashboard, no repeats


def test_the_page_lands_through_the_cli(db_url, server, leads_cli, tmp_path, notices):
    url = server.url(f"files/warn_md/{PAGE}")
    espn = one(notices, "ESPN Zone", date(2010, 6, 16)).as_dict()
    row = {
        k: espn[k]
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
        "warn_md", [url], [f"warn_md/{PAGE}"], db_url=db_url, leads_cli=leads_cli, home=tmp_path, rows=[row]
    )
    assert run["items"] == 41


def test_a_binary_file_where_the_html_page_was_is_a_layout_error():
    """A PDF or spreadsheet served at the page's address: a clear layout error, not a Scrapy NotSupported."""
    from scrapy.http import Response

    binary = Response(url=URL, body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    with pytest.raises(LayoutChanged, match="binary"):
        list(spider().parse_file(binary))
