"""warn_nv: Nevada DETR's WARN and Non-WARN list: its PDF table, and a re-serialised CSV sample of the records.

No agency PDF is saved (tests/files/warn_nv/SOURCE.md): ``rebuilt()`` prints the CSV sample's exact values
as the list's table (header on each of two pages, wrapped long employers, one line per row) with
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
from spiders.warn_nv import WarnNvSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES, file_response
from tests.pdf_build import page_texts, table_pdf

URL = "https://detr.nv.gov/content/media/warn-list.csv"
PDF_URL = "https://detr.nv.gov/Content/Media/WARN_and_NonWARN_Master_w_Logo_2026.pdf"


def spider() -> WarnNvSpider:
    return WarnNvSpider.from_crawler(get_crawler(WarnNvSpider))


def real_rows() -> list[list[str]]:
    with open(FILES / "warn_nv" / "nv.csv", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def csv_response(rows: list[list[str]]) -> TextResponse:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return TextResponse(url=URL, body=out.getvalue().encode("utf-8"), encoding="utf-8")


def rebuilt(rows: list[list[str]] | None = None) -> bytes:
    """The list's PDF table from the sample's values: 8 rows on page 1, the rest under a repeated header."""
    rows = rows if rows is not None else real_rows()
    wrap = {rows[0].index("Employer"): 20} if "Employer" in rows[0] else {}
    return table_pdf(rows[0], rows[1:], title="WARN and Non-WARN Master List", rows_per_page=8, wrap=wrap)


#: The agency-format files this test builds from the row dump (file name -> bytes): what
#: bench/parse_speed.py, bench/source_figures.py and tests/test_parse_cli.py read for this source.
REBUILT_FILES = {"nv.pdf": rebuilt}


def pdf_spider_parse(body: bytes, s: WarnNvSpider | None = None) -> list[ClosureNotice]:
    return list((s or spider()).parse(Response(url=PDF_URL, body=body)))


def comparable(notices: list[ClosureNotice]) -> list[dict]:
    return [n.as_dict() | {"raw": None, "source_url": None} for n in notices]


def without_column(rows: list[list[str]], header: str) -> list[list[str]]:
    at = rows[0].index(header)
    return [row[:at] + row[at + 1 :] for row in rows]


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnNvSpider().parse_file(file_response("warn_nv", "nv.csv", url=URL)))


SPIRIT = ClosureNotice(
    source="warn_nv",
    source_key="spiritairlines|2026-05-04|lasvegasreno|clarkwashoe",
    company_name="Spirit Airlines",
    source_url=URL,
    notice_type="closure",
    city="Las Vegas/Reno",
    state="NV",
    notice_date=date(2026, 5, 4),
    effective_date=date(2026, 5, 2),
    employees=999,
    raw={
        "Received Date": "5/4/2026",
        "Effective Date": "5/2/2026",
        "Type": "Closure",
        "Affected Total": "999",
        "Employer": "Spirit Airlines",
        "City": "Las Vegas/Reno",
        "County": "Clark/Washoe",
        "Notification": "WARN",
    },
)


def test_every_dated_row_is_a_notice(notices):
    rows = real_rows()
    dated = [r for r in rows[1:] if r[0] or r[1]]
    assert (len(rows) - 1, len(dated)) == (15, 14)  # csv.reader; the Intuit row has no date at all
    assert len(notices) == 14 and len({n.source_key for n in notices}) == 14
    published = Counter(r[2] for r in dated)
    assert Counter(n.notice_type for n in notices) == {"closure": published["Closure"], "layoff": published["Layoff"]}
    assert {(n.state, n.address, n.temporary, n.amended) for n in notices} == {("NV", None, None, False)}


def test_multi_site_row_whole(notices):
    assert notices[12] == SPIRIT


def test_remote_unknown_count_and_non_warn(notices):
    smbc, _, shell, ace = notices[:4]
    assert (smbc.city, smbc.notice_date, smbc.effective_date, smbc.raw["Notification"]) == (
        None,
        date(2025, 1, 8),
        date(2026, 3, 10),
        "Non-WARN",
    )
    assert shell.city is None and shell.raw["City"] == "Remote"
    assert ace.company_name == "Ace Dragon Wok(WAA Hospitality LLC)"
    dig = next(n for n in notices if n.company_name == "Dig It Coffee Co")
    assert (dig.employees, dig.raw["Affected Total"], dig.notice_type) == (None, "unknown", "closure")
    # Spirit Airlines filed twice: two notices
    assert [n.employees for n in notices if n.company_name == "Spirit Airlines"] == [1, 999]


def test_dateless_row_is_skipped_and_named(caplog):
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse(file_response("warn_nv", "nv.csv", url=URL)))
    assert len(got) == 14 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 1
    assert "skipped row line 16 ('Intuit Inc')" in caplog.text and "no readable date" in caplog.text
    assert "line 13: unreadable count 'unknown'" in caplog.text


@pytest.mark.parametrize(
    "header, field, value",
    [
        ("Type", "notice_type", "other"),
        ("Affected Total", "employees", None),
        ("Effective Date", "effective_date", None),
    ],
)
def test_missing_optional_column_lands_every_dated_row(notices, header, field, value):
    got = list(spider().parse(csv_response(without_column(real_rows(), header))))
    assert len(got) == 14 and {getattr(n, field) for n in got} == {value}


def test_renamed_and_reordered_columns(notices):
    rows = real_rows()
    names = {
        "Received Date": "Date Received",
        "Effective Date": "Layoff Date",
        "Type": "Notice Type",
        "Affected Total": "Employees Affected",
        "Employer": "Company Name",
    }
    order = [4, 5, 6, 0, 1, 2, 3, 7]
    moved = [[names.get(rows[0][i], rows[0][i]) for i in order]] + [[r[i] for i in order] for r in rows[1:]]
    got = list(spider().parse(csv_response(moved)))
    assert [n.as_dict() | {"raw": None} for n in got] == [n.as_dict() | {"raw": None} for n in notices]


@pytest.mark.parametrize("headers", [["Employer"], ["City", "County"], ["Received Date", "Effective Date"]])
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


def test_xlsx_list_gives_the_same_notices(notices):
    book = openpyxl.Workbook()
    for row in real_rows():
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    again = list(spider().parse(Response(url=URL, body=out.getvalue())))

    def comparable(items):  # a workbook cell left empty reads as None, not ""
        return [n.as_dict() | {"raw": {k: v for k, v in n.raw.items() if v}} for n in items]

    assert comparable(again) == comparable(notices)


def test_pdf_list_gives_the_same_notices_as_the_csv(notices):
    pdf = rebuilt()
    pages = page_texts(pdf)
    # the layout the test means to exercise: two pages, header repeated, long employers wrapped
    assert len(pages) == 2 and all(p.count("Employer") == 1 for p in pages)
    assert "Ace Dragon Wok(WAA" in pages[0] and "Hospitality LLC)" in pages[0]
    got = pdf_spider_parse(pdf)
    assert comparable(got) == comparable(notices)
    spirit = got[12]
    assert spirit.source_url == PDF_URL and spirit.raw == SPIRIT.raw
    assert got[3].company_name == "Ace Dragon Wok(WAA Hospitality LLC)"


def test_pdf_dateless_row_is_its_own_row_and_skipped_by_name(caplog):
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = pdf_spider_parse(rebuilt(), s)
    assert len(got) == 14 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 1
    # page 2: title, header, then Liberty Dental on line 3 ... Intuit, the 7th row, on line 9
    assert "skipped row page 2 line 9 ('Intuit Inc')" in caplog.text and "no readable date" in caplog.text
    assert "page 2 line 6: unreadable count 'unknown'" in caplog.text
    primadonna = got[-1]  # the row above Intuit keeps its own cells
    assert (primadonna.company_name, primadonna.employees, primadonna.raw["Notification"]) == (
        "Primadonna Co LLC",
        344,
        "WARN",
    )


def test_a_sparse_dateless_pdf_row_is_not_glued_to_the_row_above(caplog):
    # Intuit printed with only employer, city and WARN: too few cells to pass for a row by their number,
    # so only the Notification anchor keeps it off Primadonna's row
    rows = real_rows()
    for column in ("Type", "Affected Total", "County"):
        rows[15][rows[0].index(column)] = ""
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = pdf_spider_parse(rebuilt(rows), s)
    assert len(got) == 14 and "skipped row page 2 line 9 ('Intuit Inc')" in caplog.text
    assert (got[-1].company_name, got[-1].city, got[-1].raw["County"]) == ("Primadonna Co LLC", "Primm", "Clark")


@pytest.mark.parametrize(
    "body, message",
    [
        (b"%PDF-1.7\n...", "truncated PDF"),
        (None, "truncated PDF"),  # the rebuilt list cut in half
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
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1 and "NonWARN_Master_w_Logo_2026.pdf" in caplog.text


def test_pdf_without_the_table_is_a_layout_error():
    from tests.pdf_faults import blank_pdf

    with pytest.raises(LayoutChanged, match="no table header"):
        list(spider().parse_file(Response(url=PDF_URL, body=blank_pdf())))


def landing(*hrefs: str) -> HtmlResponse:
    links = "".join(f'<a href="{h}">WARN</a>' for h in hrefs)
    return HtmlResponse(url=WarnNvSpider.agency_url, body=f"<html>{links}</html>".encode(), encoding="utf-8")


def test_landing_page_links(caplog):
    (request,) = spider().parse(landing("/content/media/WARN_List.xlsx", "/a.pdf"))
    assert isinstance(request, scrapy.Request) and request.url == "https://detr.nv.gov/content/media/WARN_List.xlsx"
    # a PDF-only landing page is followed; a fact sheet is not the list
    pdf = "/Content/Media/WARN_and_NonWARN_Master_w_Logo_2026.pdf"
    (request,) = spider().parse(landing(pdf, "/Content/Media/WARN_Act_Fact_Sheet.pdf"))
    assert request.url == PDF_URL and request.callback.__name__ == "parse_table"
    # a CSV of the same list is read instead of its PDF copy
    same = "/Content/Media/WARN_and_NonWARN_Master_w_Logo_2026.csv"
    assert [r.url for r in spider().parse(landing(pdf, same))] == ["https://detr.nv.gov" + same]
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(landing("/Content/Media/WARN_Act_Fact_Sheet.pdf"))) == []
    assert "links no WARN list (other PDFs: https://detr.nv.gov/Content/Media/WARN_Act_Fact_Sheet.pdf)" in caplog.text
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_crawl_follows_the_landing_page_to_the_pdf(db_url, server, leads_cli, tmp_path):
    pdf = rebuilt()
    saved = tmp_path / "nv.pdf"
    saved.write_bytes(pdf)
    path = "Content/Media/WARN_and_NonWARN_Master_w_Logo_2026.pdf"
    pdf_url = server.add(path, pdf, "application/pdf")
    page_url = server.add("Page/WARN", f'<html><a href="/{path}">WARN list</a></html>'.encode())
    row = {c: getattr(SPIRIT, c) for c in NOTICE_COLUMNS} | {"source_url": pdf_url}
    run = assert_source_lands(
        "warn_nv", [page_url], [saved], db_url=db_url, leads_cli=leads_cli, home=tmp_path, rows=[row]
    )
    assert (run["items"], run["skipped"]) == (14, 1)
