"""warn_ma: Massachusetts' fiscal-year WARN report (a re-serialised CSV sample of the agency's FY22 records)."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date

import openpyxl
import pytest
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged
from spiders.warn_ma import WarnMaSpider, report_links
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES, file_response

URL = "https://www.mass.gov/doc/fy22-warn-report/download"


def spider(**kwargs) -> WarnMaSpider:
    return WarnMaSpider.from_crawler(get_crawler(WarnMaSpider), **kwargs)


def real_rows() -> list[list[str]]:
    with open(FILES / "warn_ma" / "ma.csv", encoding="utf-8", newline="") as f:
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
    return list(WarnMaSpider().parse_file(file_response("warn_ma", "ma.csv", url=URL)))


HUMAN_SERVICE = ClosureNotice(
    source="warn_ma",
    source_key="humanserviceoptioninc|2021-09-10|dedhammultiplesoutheastlocations",
    company_name="Human Service Option, Inc.",
    source_url=URL,
    notice_type="other",
    city="Dedham",
    state="MA",
    notice_date=date(2021, 9, 10),
    effective_date=date(2021, 11, 1),
    employees=207,
    raw={
        "RECEIVED": "9/10/2021",
        "EMPLOYER": "Human Service Option, Inc.",
        "CITY/TOWN": "Dedham/Multiple Southeast locations",
        "REGION": "Boston",
        "DATE(S) OF LAYOFFS": "11/1/2021",
        "# EMPLOYEES IMPACTED": "207 total locations",
    },
)


def test_every_row_is_a_notice(notices):
    rows = real_rows()
    assert len(rows) - 1 == 15 == len(notices)  # csv.reader, as SOURCE.md says
    assert len({n.source_key for n in notices}) == 15
    assert {(n.state, n.notice_type, n.address, n.temporary, n.amended) for n in notices} == {
        ("MA", "other", None, None, False)
    }
    assert all(n.notice_date and n.employees for n in notices)


def test_free_text_count_and_multi_site_town(notices):
    assert notices[2] == HUMAN_SERVICE
    akebia = next(n for n in notices if n.company_name.startswith("Akebia"))
    assert (akebia.employees, akebia.raw["# EMPLOYEES IMPACTED"]) == (181, "181 (total) 91 in MA")


def test_free_text_dates_keep_their_first_date(notices):
    sodexo, merck, grommet = notices[0], notices[6], notices[12]
    assert (sodexo.notice_date, sodexo.raw["RECEIVED"]) == (date(2021, 7, 7), "07/07/2021 - (08/30/2021)")
    assert (merck.effective_date, merck.raw["DATE(S) OF LAYOFFS"]) == (date(2022, 5, 31), "5/31/22-11/18/22")
    assert grommet.effective_date == date(2022, 6, 30)
    assert merck.company_name == (
        'Merck & Co., Inc. ("Merck"); Merck Sharp & Dohme Corp.; Acceleron Pharma Inc. ("Acceleron")'
    )


def test_same_employer_day_two_towns_are_two_notices(notices):
    back2bu = [n for n in notices if n.company_name == "Back2BU Healthway @ Boston University"]
    assert [(n.city, n.raw["CITY/TOWN"], n.employees) for n in back2bu] == [
        ("Boston", "Boston (Multiple Locations)", 175),
        ("Brookline", "Brookline  (2) locations", 175),
    ]
    assert len({n.source_key for n in back2bu}) == 2


def test_unreadable_values_are_flagged_and_a_dateless_row_skipped(caplog):
    rows = real_rows()
    rows[1][5] = "TBD"
    rows[2][4] = "sometime in fall"
    rows[3][0] = rows[3][4] = ""
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse(csv_response(rows)))
    assert len(got) == 14 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 1
    assert got[0].employees is None and "line 2: unreadable count 'TBD'" in caplog.text
    assert got[1].effective_date is None and "line 3: unreadable layoff date 'sometime in fall'" in caplog.text
    assert "skipped row line 4 ('Human Service Option, Inc.')" in caplog.text


@pytest.mark.parametrize(
    "header, field, value",
    [("# EMPLOYEES IMPACTED", "employees", None), ("DATE(S) OF LAYOFFS", "effective_date", None)],
)
def test_missing_optional_column_lands_every_row(notices, header, field, value):
    got = list(spider().parse(csv_response(without_column(real_rows(), header))))
    assert [n.source_key for n in got] == [n.source_key for n in notices]
    assert {getattr(n, field) for n in got} == {value}


def test_renamed_columns_are_found_by_meaning(notices):
    rows = real_rows()
    rows[0] = ["Date Received", "Company", "City", "Workforce Area", "Layoff Date", "Employees Affected"]
    got = list(spider().parse(csv_response(rows)))
    assert [n.as_dict() | {"raw": None} for n in got] == [n.as_dict() | {"raw": None} for n in notices]


@pytest.mark.parametrize("headers", [["EMPLOYER"], ["CITY/TOWN"], ["RECEIVED", "DATE(S) OF LAYOFFS"]])
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


def test_xlsx_report_gives_the_same_notices(notices):
    book = openpyxl.Workbook()
    for row in real_rows():
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    again = list(spider().parse(Response(url=URL, body=out.getvalue())))
    assert again == notices


PAGE = b"""<html><body><ul>
<li><a href="/doc/fy26-warn-report-0/download">FY26 WARN Report</a></li>
<li><a href="/doc/fy25-warn-report/download">FY25 WARN Report</a></li>
<li><a href="/doc/fy24-warn-report/download">FY24 WARN Report</a></li>
<li><a href="/doc/warn-faq/download">WARN FAQ (PDF)</a></li>
</ul></body></html>"""


def test_fiscal_year_reports_of_the_window_are_followed():
    page = HtmlResponse(url=WarnMaSpider.agency_url, body=PAGE, encoding="utf-8")
    # FY25 ends 2025-06-30: inside a window from 2025-01-01, FY24 (ends 2024-06-30) is not.
    assert report_links(page, date(2025, 1, 1)) == [
        "https://www.mass.gov/doc/fy26-warn-report-0/download",
        "https://www.mass.gov/doc/fy25-warn-report/download",
    ]
    requests = list(spider(since="2024-01-01").parse(page))
    assert [r.url.split("/")[4] for r in requests] == ["fy26-warn-report-0", "fy25-warn-report", "fy24-warn-report"]
    with pytest.raises(LayoutChanged, match="links no WARN report"):
        report_links(HtmlResponse(url=WarnMaSpider.agency_url, body=b"<html>moved</html>"), date(2025, 1, 1))


def test_crawl_lands_the_notices(db_url, server, leads_cli, tmp_path):
    report = server.url("files/warn_ma/ma.csv")
    page = server.add("ma/warn.html", f'<html><a href="{report}">FY22 WARN Report</a></html>'.encode())
    row = {c: getattr(HUMAN_SERVICE, c) for c in NOTICE_COLUMNS} | {"source_url": report}
    assert_source_lands(
        "warn_ma",
        [page],
        ["warn_ma/ma.csv"],
        db_url=db_url,
        leads_cli=leads_cli,
        home=tmp_path,
        rows=[row],
        extra_args=["-a", "since=2021-01-01"],
    )
