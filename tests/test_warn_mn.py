"""warn_mn: Minnesota DEED's mass-layoff report rows: its PDF tables, and a re-serialised CSV sample of them.

No agency PDF is saved (tests/files/warn_mn/SOURCE.md): ``rebuilt()`` prints the CSV sample's exact values
as the report's table (header on each of two pages, a wrapped long name, one line per row) with
tests/pdf_build.py. That file is a rebuilt one, never an agency file.
"""

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
from spiders.warn_mn import WarnMnSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES, file_response
from tests.pdf_build import page_texts, table_pdf

URL = "https://mn.gov/deed/assets/2020-mass-layoff-report.csv"
PDF_URL = "https://mn.gov/deed/assets/2020-mass-layoff-report_tcm1045-462731.pdf"


def spider() -> WarnMnSpider:
    return WarnMnSpider.from_crawler(get_crawler(WarnMnSpider))


def real_rows() -> list[list[str]]:
    with open(FILES / "warn_mn" / "mn.csv", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def csv_response(rows: list[list[str]]) -> TextResponse:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return TextResponse(url=URL, body=out.getvalue().encode("utf-8"), encoding="utf-8")


def rebuilt(rows: list[list[str]] | None = None) -> bytes:
    """The report's PDF table from the sample's values: 9 rows on page 1, the rest under a repeated header.

    ``source_file`` is the extracting project's note of which PDF a row came from, not a column of it.
    """
    rows = without_column(rows if rows is not None else real_rows(), "source_file")
    wrap = {rows[0].index("Layoff Name"): 22} if "Layoff Name" in rows[0] else {}
    return table_pdf(rows[0], rows[1:], title="2020 Mass Layoff Report", rows_per_page=9, wrap=wrap)


#: The agency-format files this test builds from the row dump (file name -> bytes): what
#: bench/parse_speed.py, bench/source_figures.py and tests/test_parse_cli.py read for this source.
REBUILT_FILES = {"mn.pdf": rebuilt}


def pdf_spider_parse(body: bytes, s: WarnMnSpider | None = None) -> list[ClosureNotice]:
    return list((s or spider()).parse(Response(url=PDF_URL, body=body)))


def comparable(notices: list[ClosureNotice]) -> list[dict]:
    return [n.as_dict() | {"raw": None, "source_url": None} for n in notices]


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
    with pytest.raises(LayoutChanged, match="layout changed"):  # the same table printed as the PDF
        list(spider().parse_file(Response(url=PDF_URL, body=rebuilt(rows))))
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


def test_pdf_table_gives_the_same_notices_as_the_csv(notices):
    pdf = rebuilt()
    pages = page_texts(pdf)
    # the layout the test means to exercise: two pages, header repeated, a long name wrapped
    assert len(pages) == 2 and all(p.count("Layoff Name") == 1 for p in pages)
    assert "Boston Scientific" in pages[0] and "-Maple Grove 2020" in pages[0]
    got = pdf_spider_parse(pdf)
    assert comparable(got) == comparable(notices)
    torax = next(n for n in got if n.company_name == "Torax Medical")
    assert torax.source_url == PDF_URL and torax.raw["Layoff Name"] == "Torax Medical 2020"
    boston = next(n for n in got if n.company_name.startswith("Boston"))
    assert boston.raw["Layoff Name"] == "Boston Scientific -Maple Grove 2020"


def test_pdf_rows_without_a_date_are_their_own_rows_and_skipped_by_name(caplog):
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = pdf_spider_parse(rebuilt(), s)
    assert len(got) == 12 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 3
    # header on line 2 under the title: page 1 rows start on line 3; Boston's wrapped name takes two lines
    assert "page 1 line 3: unreadable layoff start '2/30/2020'" in caplog.text
    for where, name in (("page 1 line 3", "NexLink 2020"), ("page 1 line 7", "Juut Salon Spa")):
        assert f"skipped row {where} ('{name}')" in caplog.text
    assert "('Teleflex 2020')" in caplog.text and "skipped row page 2 line" in caplog.text
    # the rows around a date-less one keep their own cells
    buhler, delaware = (
        next(n for n in got if n.company_name == c) for c in ("Buhler Industries", "Delaware North-MSP Airport")
    )
    assert (buhler.employees, buhler.raw["City"], delaware.employees) == (40, "Willmar", 128)


@pytest.mark.parametrize("start", ["-", ""])
def test_a_sparse_dateless_pdf_row_is_not_glued_to_the_row_above(start, caplog):
    # Juut Salon printed with only name, city, '-' (or nothing), WARN Act and count: too few cells to pass
    # for a row by their number, so only the '-' / YES-NO anchors keep it off Buhler's row
    rows = real_rows()
    header = rows[0]
    for column in ("Industry", "Layoff Type", "Layoff Status"):
        rows[4][header.index(column)] = ""
    rows[4][header.index("Layoff Start")] = start
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = pdf_spider_parse(rebuilt(rows), s)
    assert len(got) == 12 and "skipped row page 1 line 7 ('Juut Salon Spa')" in caplog.text
    buhler = next(n for n in got if n.company_name == "Buhler Industries")
    assert (buhler.employees, buhler.raw["Layoff Name"], buhler.raw["City"]) == (
        40,
        "Buhler Industries 2020",
        "Willmar",
    )


@pytest.mark.parametrize(
    "body, message",
    [
        (b"%PDF-1.4\n", "truncated PDF"),
        (None, "truncated PDF"),  # the rebuilt report cut in half
        (b"<no pdf>\n%%EOF", "not a PDF"),
    ],
)
def test_truncated_or_garbage_pdf_is_a_layout_error(body, message, caplog):
    if body is None:
        whole = rebuilt()
        body = whole[: len(whole) // 2]
    with pytest.raises(LayoutChanged, match=message):
        list(spider().parse_file(Response(url=PDF_URL, body=body)))
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert pdf_spider_parse(body, s) == []
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1 and "mass-layoff-report_tcm1045-462731.pdf" in caplog.text


def test_pdf_without_the_table_is_a_layout_error():
    from tests.pdf_faults import blank_pdf

    with pytest.raises(LayoutChanged, match="no table header"):
        list(spider().parse_file(Response(url=PDF_URL, body=blank_pdf())))
    with pytest.raises(
        LayoutChanged, match="mass-layoff-report_tcm1045-462731.pdf page 1: layout changed: no column for city"
    ):
        list(spider().parse_file(Response(url=PDF_URL, body=rebuilt(without_column(real_rows(), "City")))))


def landing(*hrefs: str) -> HtmlResponse:
    links = "".join(f'<a href="{h}">report</a>' for h in hrefs)
    return HtmlResponse(url=WarnMnSpider.agency_url, body=f"<html>{links}</html>".encode(), encoding="utf-8")


def test_a_pdf_only_landing_page_is_followed(caplog):
    pdf = "/deed/assets/2020-mass-layoff-report_tcm1045-462731.pdf"
    (request,) = spider().parse(landing(pdf, "/deed/assets/dislocated-worker-brochure.pdf"))
    assert isinstance(request, scrapy.Request) and request.url == PDF_URL
    # a CSV of the same report is read instead of its PDF copy; another year's PDF is followed too
    csv_copy, other_year = "/deed/assets/2020-mass-layoff-report_tcm1045-462731.csv", "/a/2019-mass-layoff-report.pdf"
    got = [r.url for r in spider().parse(landing(pdf, csv_copy, other_year))]
    assert got == ["https://mn.gov" + csv_copy, "https://mn.gov" + other_year]
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(landing("/deed/assets/dislocated-worker-brochure.pdf"))) == []
    assert "links no mass-layoff report (other PDFs: https://mn.gov/deed/assets/dislocated-worker-brochure.pdf)" in (
        caplog.text
    )
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_crawl_follows_the_landing_page_to_the_pdf(db_url, server, leads_cli, tmp_path):
    pdf = rebuilt()
    saved = tmp_path / "mn.pdf"
    saved.write_bytes(pdf)
    pdf_url = server.add("deed/assets/2020-mass-layoff-report_tcm1045-462731.pdf", pdf, "application/pdf")
    page = b'<html><a href="/deed/assets/2020-mass-layoff-report_tcm1045-462731.pdf">2020 report</a></html>'
    page_url = server.add("deed/news/", page)
    (torax,) = [n for n in pdf_spider_parse(pdf) if n.company_name == "Torax Medical"]
    row = {c: getattr(torax, c) for c in NOTICE_COLUMNS} | {"source_url": pdf_url}
    run = assert_source_lands(
        "warn_mn", [page_url], [saved], db_url=db_url, leads_cli=leads_cli, home=tmp_path, rows=[row]
    )
    assert (run["items"], run["skipped"]) == (12, 3)
