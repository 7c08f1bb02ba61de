"""warn_mn: Minnesota DEED's mass-layoff report rows (a re-serialised CSV sample of the 2020 report's PDF tables)."""

from __future__ import annotations

import csv
import io
import logging
from collections import Counter
from datetime import date

import openpyxl
import pytest
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged
from spiders.warn_mn import WarnMnSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES, file_response

URL = "https://mn.gov/deed/assets/2020-mass-layoff-report.csv"


def spider() -> WarnMnSpider:
    return WarnMnSpider.from_crawler(get_crawler(WarnMnSpider))


def real_rows() -> list[list[str]]:
    with open(FILES / "warn_mn" / "mn.csv", encoding="utf-8", newline="") as f:
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
    return list(WarnMnSpider().parse_file(file_response("warn_mn", "mn.csv", url=URL)))


TORAX = ClosureNotice(
    source="warn_mn",
    source_key="toraxmedical|2021-03-01|shoreview",
    company_name="Torax Medical",
    source_url=URL,
    notice_type="closure",
    city="Shoreview",
    state="MN",
    effective_date=date(2021, 3, 1),
    employees=65,
    raw={
        "RR Start Date": "",
        "Layoff Name": "Torax Medical 2020",
        "City": "Shoreview",
        "Industry": "Manufacturing",
        "Layoff Start": "3/1/2021",
        "WARN Act": "NO",
        "WARN Received": "",
        "Layoff Type": "Closing",
        "Layoff Status": "Rapid Response in Progress  YES",
        "TAA Related": "",
        "Affected Workers": "65",
        "Layoff Count": "",
        "source_file": "2020-mass-layoff-report_tcm1045-462731.pdf",
    },
)


def readable_start(text: str) -> bool:
    try:
        date(int(text.split("/")[2]), int(text.split("/")[0]), int(text.split("/")[1]))
        return True
    except (ValueError, IndexError):
        return False


def test_every_row_with_a_real_date_is_a_notice(notices):
    rows = real_rows()
    dated = [r for r in rows[1:] if readable_start(r[4]) or r[0] or r[6]]
    assert (len(rows) - 1, len(dated)) == (15, 12)  # '2/30/2020' and two '-' rows have no date
    assert len(notices) == 12 and len({n.source_key for n in notices}) == 12
    published = Counter(r[7] for r in dated)
    assert published == {"Closing": 6, "Workforce Reduction": 6}
    assert Counter(n.notice_type for n in notices) == {"closure": 6, "layoff": 6}
    assert {(n.state, n.notice_date, n.address, n.industry_code) for n in notices} == {("MN", None, None, None)}


def test_report_year_suffix_is_taken_off_the_name(notices):
    assert notices[4] == TORAX
    names = [n.company_name for n in notices]
    assert "Boston Scientific -Maple Grove" in names and "ABM, Inc." in names and "Apple Store - Uptown" in names
    assert not [n for n in names if n.endswith("2020")]


def test_pdf_artefacts_stay_in_raw(notices):
    buhler = next(n for n in notices if n.company_name == "Buhler Industries")
    assert (buhler.raw["Industry"], buhler.raw["Layoff Status"]) == (
        "Manufacturing  1",
        "Rapid Response in Progress  YES",
    )
    changs = [n for n in notices if "CHANG" in n.company_name]
    assert [(n.company_name, n.city) for n in changs] == [
        ("P.F CHANG's - Edina", "Edina"),
        ('P.F. CHANG"S - Maple Grove', "Maple Grove"),
    ]


def test_impossible_and_missing_dates_skip_the_row_loudly(caplog):
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse(file_response("warn_mn", "mn.csv", url=URL)))
    assert len(got) == 12 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 3
    assert "line 2: unreadable layoff start '2/30/2020'" in caplog.text
    for line, name in ((2, "NexLink 2020"), (5, "Juut Salon Spa"), (16, "Teleflex 2020")):
        assert f"skipped row line {line} ('{name}')" in caplog.text


def test_a_received_date_when_published_keys_the_notice(notices):
    rows = real_rows()
    rows[7][6] = "1/4/2021"  # Torax: WARN Received
    got = list(spider().parse(csv_response(rows)))
    assert (got[4].notice_date, got[4].source_key) == (date(2021, 1, 4), "toraxmedical|2021-01-04|shoreview")


@pytest.mark.parametrize(
    "header, field, value", [("Layoff Type", "notice_type", "other"), ("Affected Workers", "employees", None)]
)
def test_missing_optional_column_lands_every_row(notices, header, field, value):
    got = list(spider().parse(csv_response(without_column(real_rows(), header))))
    assert len(got) == 12 and {getattr(n, field) for n in got} == {value}


@pytest.mark.parametrize("headers", [["Layoff Name"], ["City"], ["RR Start Date", "Layoff Start", "WARN Received"]])
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


def test_xlsx_rows_give_the_same_notices(notices):
    book = openpyxl.Workbook()
    for row in real_rows():
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    again = list(spider().parse(Response(url=URL, body=out.getvalue())))
    assert [n.as_dict() | {"raw": None} for n in again] == [n.as_dict() | {"raw": None} for n in notices]


def test_pdf_only_page_and_pdf_file_fail_loudly(caplog):
    page = b'<html><a href="/deed/assets/2020-mass-layoff-report_tcm1045-462731.pdf">2020 report</a></html>'
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(HtmlResponse(url=WarnMnSpider.agency_url, body=page, encoding="utf-8"))) == []
    assert "links only PDF reports, not read yet" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged, match="PDF report"):
        list(spider().parse_file(Response(url=URL, body=b"%PDF-1.4\n")))


def test_crawl_lands_the_notices(db_url, server, leads_cli, tmp_path):
    url = server.url("files/warn_mn/mn.csv")
    row = {c: getattr(TORAX, c) for c in NOTICE_COLUMNS} | {"source_url": url}
    assert_source_lands(
        "warn_mn", [url], ["warn_mn/mn.csv"], db_url=db_url, leads_cli=leads_cli, home=tmp_path, rows=[row]
    )
