"""warn_nc: North Carolina's WARN summary report (a re-serialised CSV sample of the agency's 2026 records)."""

from __future__ import annotations

import csv
import io
import logging
from collections import Counter
from datetime import date

import openpyxl
import pytest
import scrapy
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged
from spiders.warn_nc import REPORT_PAGE, WarnNcSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES, file_response

URL = "https://www.commerce.nc.gov/documents/files/data-tools-reports/warn-report-2026.csv"


def spider() -> WarnNcSpider:
    return WarnNcSpider.from_crawler(get_crawler(WarnNcSpider))


def real_rows() -> list[list[str]]:
    with open(FILES / "warn_nc" / "nc.csv", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def csv_response(rows: list[list[str]]) -> TextResponse:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return TextResponse(url=URL, body=out.getvalue().encode("utf-8"), encoding="utf-8")


def without_column(rows: list[list[str]], header: str) -> list[list[str]]:
    at = rows[0].index(header)
    return [row[:at] + row[at + 1 :] for row in rows]


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnNcSpider().parse_file(file_response("warn_nc", "nc.csv", url=URL)))


SMBC = ClosureNotice(
    source="warn_nc",
    source_key="smbcmanubank|2026-01-08|277parkavenue|newyork",
    company_name="SMBC MANUBANK",
    source_url=URL,
    notice_type="layoff",
    address="277 Park Avenue",
    city="New York",
    state="NY",
    notice_date=date(2026, 1, 8),
    effective_date=date(2026, 8, 3),
    employees=9,
    temporary=False,
    raw={
        "County": "N/A",
        "Warn Number": "202600004",
        "Date of Notice": "1/8/2026",
        "Date Received by NC": "1/8/2026",
        "Effective Date": "8/3/2026",
        "WARN Notice: WARN Notice Name": "SMBC MANUBANK",
        "WARN notice type": "Layoff",
        "Type of layoff or closure": "Permanent",
        "Number affected at this location": "9",
        "Address 1": "277 Park Avenue",
        "City": "New York NY",
    },
)


def test_every_row_is_a_notice_with_its_street_address(notices):
    rows = real_rows()
    assert len(rows) - 1 == 15 == len(notices)  # csv.reader: header + 15 data rows, as SOURCE.md says
    assert len({n.source_key for n in notices}) == 15
    published = Counter(r[6] for r in rows[1:])
    assert Counter(n.notice_type for n in notices) == {"closure": published["Closure"], "layoff": published["Layoff"]}
    assert published == {"Closure": 8, "Layoff": 7}
    assert all(n.address for n in notices) and {n.temporary for n in notices} == {False}
    assert Counter(n.state for n in notices) == {"NC": 14, "NY": 1}


def test_out_of_state_site_is_read_from_the_city_cell(notices):
    assert notices[3] == SMBC


def test_one_warn_number_for_two_sites_is_two_notices(notices):
    firestone = [n for n in notices if n.raw["Warn Number"] == "202600009"]
    assert [(n.address, n.city, n.employees) for n in firestone] == [
        ("315 S. Dalton Street", "Gastonia", 4),
        ("100 Firestone Lane", "Kings Mountain", 77),
    ]
    assert len({n.source_key for n in firestone}) == 2


def test_notice_date_is_the_date_of_notice_not_the_receipt(notices):
    parkdale = next(n for n in notices if n.company_name == "Parkdale Mills")
    assert (parkdale.notice_date, parkdale.effective_date, parkdale.raw["Date Received by NC"]) == (
        date(2026, 1, 13),
        date(2026, 1, 13),
        "1/15/2026",
    )


def test_temporary_and_amended_from_the_type_columns():
    rows = real_rows()
    rows[1][7] = "Temporary"
    rows[2][6] = "Closure - Amended"
    got = list(spider().parse(csv_response(rows)))
    assert (got[0].temporary, got[0].amended) == (True, False)
    assert (got[1].temporary, got[1].amended, got[1].notice_type) == (False, True, "closure")


@pytest.mark.parametrize(
    "header, field, value",
    [
        ("WARN notice type", "notice_type", "other"),
        ("Type of layoff or closure", "temporary", None),
        ("Address 1", "address", None),
        ("Number affected at this location", "employees", None),
    ],
)
def test_missing_optional_column_lands_every_row(notices, header, field, value):
    got = list(spider().parse(csv_response(without_column(real_rows(), header))))
    assert len(got) == 15
    assert {getattr(n, field) for n in got} == {value}


def test_missing_county_column_changes_nothing_but_raw(notices):
    got = list(spider().parse(csv_response(without_column(real_rows(), "County"))))
    assert [n.as_dict() | {"raw": None} for n in got] == [n.as_dict() | {"raw": None} for n in notices]


def test_renamed_columns_are_found_by_meaning(notices):
    rows = real_rows()
    rows[0] = [
        "County",
        "Notice Number",
        "Notice Date",
        "Received Date",
        "Effective Date",
        "Company Name",
        "Notice Type",
        "Permanent or Temporary",
        "Employees Affected",
        "Street Address",
        "City",
    ]
    got = list(spider().parse(csv_response(rows)))
    assert [n.as_dict() | {"raw": None} for n in got] == [n.as_dict() | {"raw": None} for n in notices]


@pytest.mark.parametrize(
    "headers",
    [
        ["WARN Notice: WARN Notice Name"],
        ["City", "County"],
        ["Date of Notice", "Date Received by NC", "Effective Date"],
    ],
)
def test_missing_essential_column_is_a_layout_error(headers, caplog):
    rows = real_rows()
    for header in headers:
        rows = without_column(rows, header)
    with pytest.raises(LayoutChanged, match="layout changed"):
        list(spider().parse_file(csv_response(rows)))
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(csv_response(rows))) == []
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_bad_dates_fall_back_and_a_dateless_row_is_skipped(caplog):
    rows = real_rows()
    rows[1][2] = "1/77/2026"  # Date of Notice unreadable: the receipt date is used
    rows[2][2] = rows[2][3] = rows[2][4] = ""  # no date at all
    rows[3][8] = "approx. 400+"
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse(csv_response(rows)))
    assert len(got) == 14 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 1
    assert got[0].notice_date == date(2026, 1, 7) and "line 2: unreadable date of notice '1/77/2026'" in caplog.text
    assert got[1].employees == 400


def test_xlsx_report_gives_the_same_notices(notices):
    book = openpyxl.Workbook()
    for row in real_rows():
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    again = list(spider().parse(Response(url=URL, body=out.getvalue())))
    assert again == notices


def test_year_pages_and_their_download_link():
    this_year = date.today().year
    assert WarnNcSpider().start_urls == [REPORT_PAGE.format(year=this_year - 1), REPORT_PAGE.format(year=this_year)]
    assert len(WarnNcSpider(since="2020-06-01").start_urls) == this_year - 2020 + 1
    page = (
        b'<html><a href="/documents/brochure">Download the brochure</a>'
        b'<a href="/documents/files/warn-report-2026/download?attachment">WARN report (Excel)</a></html>'
    )
    (request,) = spider().parse(HtmlResponse(url=REPORT_PAGE.format(year=2026), body=page, encoding="utf-8"))
    assert isinstance(request, scrapy.Request)
    assert request.url == "https://www.commerce.nc.gov/documents/files/warn-report-2026/download?attachment"


def test_crawl_lands_the_notices(db_url, server, leads_cli, tmp_path):
    report = server.url("files/warn_nc/nc.csv")
    page = server.add("nc/report-2026.html", f'<html><a href="{report}">WARN summary list (CSV)</a></html>'.encode())
    row = {c: getattr(SMBC, c) for c in NOTICE_COLUMNS} | {"source_url": report}
    assert_source_lands(
        "warn_nc", [page], ["warn_nc/nc.csv"], db_url=db_url, leads_cli=leads_cli, home=tmp_path, rows=[row]
    )
