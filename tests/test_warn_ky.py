"""warn_ky: Kentucky's Salesforce WARN report export (real 2025 CSV) and variations derived from it."""

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
from spiders.warn_ky import WarnKySpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES, file_response

URL = "https://kyworks.ky.gov/report/latest.csv"


def spider() -> WarnKySpider:
    return WarnKySpider.from_crawler(get_crawler(WarnKySpider))


def real_rows() -> list[list[str]]:
    with open(FILES / "warn_ky" / "latest.csv", encoding="ascii", newline="") as f:
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
    return list(WarnKySpider().parse_file(file_response("warn_ky", "latest.csv", url=URL)))


def by_key(notices: list[ClosureNotice], key: str) -> ClosureNotice:
    return next(n for n in notices if n.source_key == key)


FEDEX = ClosureNotice(
    source="warn_ky",
    source_key="federalexpresscorporation|2025-01-03|fayette",
    company_name="Federal Express Corporation",
    source_url=URL,
    notice_type="closure",
    state="KY",
    notice_date=date(2025, 1, 3),
    effective_date=date(2025, 3, 3),
    employees=122,
    industry_code="492110",
    raw={
        "Company: Company Name": "Federal Express Corporation",
        "Notice Type": "WARN Notice",
        "Notice: Notice Number": "Notice 2580",
        "Closure or Layoff?": "Closure",
        "County": "Fayette",
        "Date Received": "1/3/2025",
        "NAICS": "492110",
        "Notice URL": "https://kydev.my.salesforce.com/sfc/p/t00000004X3h/a/eq000004qYkt/"
        "AvUllHe8K0OYPosWtb_.RUCAOOQTvaiOR.Ue72MY04U",
        "Number of Employees Affected": "122",
        "Projected Date": "3/3/2025",
        "Trade": "No",
        "Type of Employees Affected": "Non-Union",
        "Workforce Board": "Bluegrass",
    },
)


def test_every_row_of_the_export_is_a_notice(notices):
    rows = real_rows()
    assert len(rows) - 1 == 55 and {len(r) for r in rows} == {13}  # csv.reader, as SOURCE.md counts
    assert len(notices) == 55 and len({n.source_key for n in notices}) == 55
    published = Counter(r[3] for r in rows[1:])
    types = Counter(n.notice_type for n in notices)
    assert types == {"closure": published["Closure"], "layoff": published["Layoff"]} == {"closure": 44, "layoff": 11}
    assert {(n.city, n.address, n.zip5, n.temporary, n.amended) for n in notices} == {(None, None, None, None, False)}


def test_whole_notice(notices):
    assert notices[0] == FEDEX


def test_out_of_state_county_short_naics_and_blank_count(notices):
    get_insured = by_key(notices, "getinsured|2025-01-14|outofthestatecounty")
    assert (get_insured.state, get_insured.notice_type, get_insured.employees) == (None, "layoff", 2)
    assert by_key(notices, "ivmediallc|2025-01-30|warren").industry_code == "51"
    battelle = by_key(notices, "battellememorialinstitutee3|2025-02-21|madison")
    assert (battelle.employees, battelle.raw["Number of Employees Affected"]) == (None, "")
    assert by_key(notices, "hjisupplychainsolutions|2025-10-02|jeffersoncountylouisville").industry_code is None


def test_repeat_filers_are_distinct_notices_whatever_the_order(notices):
    parsons = [n for n in notices if n.company_name == "PARSONS CORPORATION"]
    assert len(parsons) == 6 and len({n.source_key for n in parsons}) == 6
    assert [
        n.raw["Notice: Notice Number"]
        for n in notices
        if n.raw["Notice: Notice Number"] in ("Notice 2694", "Notice 2695")
    ] == ["Notice 2695", "Notice 2694"]  # published out of order
    rows = real_rows()
    shuffled = [rows[0]] + rows[:0:-1]
    again = list(spider().parse(csv_response(shuffled)))
    assert sorted(n.source_key for n in again) == sorted(n.source_key for n in notices)


def test_xlsx_export_gives_the_same_notices(notices):
    book = openpyxl.Workbook()
    for row in real_rows():
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    again = list(spider().parse(Response(url=URL.replace(".csv", ".xlsx"), body=out.getvalue())))

    def comparable(items):  # a workbook cell left empty reads as None, not ""
        return [n.as_dict() | {"source_url": None, "raw": {k: v for k, v in n.raw.items() if v}} for n in items]

    assert comparable(again) == comparable(notices)


@pytest.mark.parametrize(
    "header, field, value",
    [
        ("Closure or Layoff?", "notice_type", "other"),
        ("Number of Employees Affected", "employees", None),
        ("NAICS", "industry_code", None),
        ("Projected Date", "effective_date", None),
    ],
)
def test_missing_optional_column_lands_every_row(notices, header, field, value):
    got = list(spider().parse(csv_response(without_column(real_rows(), header))))
    assert [n.source_key for n in got] == [n.source_key for n in notices]
    assert {getattr(n, field) for n in got} == {value}


def test_renamed_columns_are_found_by_meaning(notices):
    rows = real_rows()
    rows[0] = [
        "Employer",
        "Filing",
        "Number",
        "Type of Action",
        "County Name",
        "Notice Received Date",
        "NAICS Code",
        "URL",
        "No. of Employees",
        "Layoff Date",
        "Trade",
        "Union",
        "Board",
    ]
    got = list(spider().parse(csv_response(rows)))
    assert [n.as_dict() | {"raw": None} for n in got] == [n.as_dict() | {"raw": None} for n in notices]
    # "Type of Action" is read as the type by the shared vocabulary; a name without meaning leaves it "other".
    rows[0][3] = "Column D"
    assert {n.notice_type for n in spider().parse(csv_response(rows))} == {"other"}


@pytest.mark.parametrize("headers", [["County"], ["Company: Company Name"], ["Date Received", "Projected Date"]])
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


def test_amendment_bad_values_and_skipped_rows(caplog):
    rows = real_rows()
    rows[1][1] = "Amended WARN Notice"
    rows[2][5] = "1/41/2025"  # unreadable received date; the projected date keys the notice
    rows[3][5] = rows[3][9] = ""  # no date at all
    rows[4][8] = "TBD"
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse(csv_response(rows)))
    assert len(got) == 54 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 1
    assert got[0].amended is True and got[0].source_key == FEDEX.source_key
    assert (got[1].notice_date, got[1].source_key) == (None, "getinsured|2025-02-19|outofthestatecounty")
    assert got[2].employees is None and got[2].company_name == "Jack Cooper Transport (Grade Lane Facility)"
    assert "line 3: unreadable date received '1/41/2025'" in caplog.text
    assert "skipped row line 4 ('Jack Cooper Transport (Westport Road Facility)')" in caplog.text


def test_landing_page_report_link_is_followed(caplog):
    page = (
        b'<html><body><a href="/Documents/Brochure.pdf">Brochure</a>'
        b'<a class="btn" href="https://kcc.example/sfc/report/latest.csv">WARN Report</a></body></html>'
    )
    response = HtmlResponse(url=WarnKySpider.agency_url, body=page, encoding="utf-8")
    (request,) = spider().parse(response)
    assert isinstance(request, scrapy.Request) and request.url == "https://kcc.example/sfc/report/latest.csv"
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(HtmlResponse(url=WarnKySpider.agency_url, body=b"<html><p>Moved</p></html>"))) == []
    assert "links no WARN report export" in caplog.text


def test_crawl_lands_the_notices(db_url, server, leads_cli, tmp_path):
    export = server.url("files/warn_ky/latest.csv")
    page = server.add("ky/rapid-response.html", f'<html><a href="{export}">WARN Report</a></html>'.encode())
    row = {c: getattr(FEDEX, c) for c in NOTICE_COLUMNS} | {"source_url": export}
    assert_source_lands(
        "warn_ky", [page], ["warn_ky/latest.csv"], db_url=db_url, leads_cli=leads_cli, home=tmp_path, rows=[row]
    )
