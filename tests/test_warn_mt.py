"""warn_mt: Montana's landing page and XLSX workbook, rebuilt at test time from the row dump's exact values.

No raw copy of the agency's workbook exists offline (tests/files/warn_mt/SOURCE.md): the dump
``mt.csv`` holds its cell values (Excel dates written as ``YYYY-MM-DD 00:00:00``). ``workbook()``
writes them back as the agency's one-sheet XLSX: date-times as Excel dates, whole numbers as
numbers, everything else as text. That file is a rebuilt one, never an agency file.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import date, datetime

import openpyxl
import pytest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED, STAT_UNREADABLE
from spiders.parsing import LayoutChanged
from spiders.warn_mt import WarnMtSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES

DOCS = "https://wsd.dli.mt.gov/_docs/wioa/"
URL = DOCS + "warn-9-1-21.xlsx"


def dump() -> list[list[str]]:
    with open(FILES / "warn_mt" / "mt.csv", newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def excel_value(text: str):
    """A dumped cell as openpyxl gave it to the dump's writer: a datetime, an int, or text."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", text):
        return datetime.fromisoformat(text)
    if re.fullmatch(r"-?[1-9]\d*|0", text):
        return int(text)
    return text if text != "" else None


def workbook(*sheets: tuple[str, list[list[str]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append([excel_value(v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rebuilt(rows: list[list[str]] | None = None) -> bytes:
    return workbook(("WARN", rows if rows is not None else dump()))


def spider() -> WarnMtSpider:
    return WarnMtSpider.from_crawler(get_crawler(WarnMtSpider))


def parse(body: bytes, s: WarnMtSpider | None = None) -> list[ClosureNotice]:
    return list((s or spider()).parse(Response(url=URL, body=body)))


def landing(*hrefs: str) -> str:
    links = "".join(f'<li><a href="{h}">WARN notices</a></li>' for h in hrefs)
    return f'<html><body><div id="boardPage"><h1>WARN Notice Page</h1><ul>{links}</ul></div></body></html>'


#: The agency-format files this test builds from the row dump (file name -> bytes): what
#: bench/parse_speed.py, bench/source_figures.py and tests/test_parse_cli.py read for this source.
REBUILT_FILES = {"mt.xlsx": rebuilt}


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return parse(rebuilt())


def by_company(notices, name):
    return [n for n in notices if n.company_name == name]


def test_every_row_of_the_dump_is_a_notice(notices):
    rows = dump()[1:]
    # Counted independently: every dumped row has a company and a notice date.
    assert all(r[2].strip() and r[1].strip() for r in rows)
    assert len(notices) == len(rows) == 24
    assert len({n.source_key for n in notices}) == 24
    assert {n.state for n in notices} == {"MT"} and {n.notice_type for n in notices} == {"other"}
    assert all(n.address is None and n.city is None and n.temporary is None for n in notices)


def test_whole_notice_with_excel_dates(notices):
    (idaho,) = by_company(notices, "Idaho Forest Group")
    assert idaho == ClosureNotice(
        source="warn_mt",
        source_key="idahoforestgroup|2021-08-30|mineral",
        company_name="Idaho Forest Group",
        source_url=URL,
        notice_type="other",
        state="MT",
        notice_date=date(2021, 8, 30),
        effective_date=date(2021, 11, 30),
        employees=99,
        raw={
            "Year": 2021,
            "Date of Notice": "2021-08-30",
            "Name of Company": "Idaho Forest Group",
            "County": "Mineral",
            "Industry": "Timber",
            "Date of Impact": "2021-11-30",
            "Number of Employees Affected": 99,
        },
    )


def test_unreadable_count_and_date_range_are_flagged_not_skipped(caplog):
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = parse(rebuilt(), s)
    (fidelity,) = by_company(got, "Fidelity Exploration & Prod.")
    assert (fidelity.employees, fidelity.raw["Number of Employees Affected"]) == (None, "MT # unknown")
    assert fidelity.raw["County"] == "Multiple - Eastern MT" and fidelity.notice_date == date(2015, 11, 4)
    # "3/1620 to 4/30/20" (a typo for 3/16/20): the only whole date in the text is read, raw keeps it all.
    (golden,) = by_company(got, "Golden Entertainment")
    assert (golden.effective_date, golden.raw["Date of Impact"]) == (date(2020, 4, 30), "3/1620 to 4/30/20")
    unreadable_counts = [r for r in dump()[1:] if not re.fullmatch(r"\d+", r[6])]
    assert s.crawler.stats.get_value(STAT_UNREADABLE) == len(unreadable_counts) == 2
    assert "unreadable employee count 'MT # unknown' left empty" in caplog.text
    assert s.crawler.stats.get_value(STAT_ROWS_SKIPPED) is None


def test_key_survives_punctuation_and_a_repeated_row_is_yielded_once(notices):
    rows = dump()
    tidied = [row[:] for row in rows]
    for row in tidied[1:]:
        row[2] = row[2].replace(".", "").replace(" - ", " ")
    again = parse(rebuilt(tidied + [rows[1]]))
    assert [n.source_key for n in again] == [n.source_key for n in notices]


def test_same_key_other_count_is_a_second_notice(notices):
    rows = dump()
    other = rows[1][:]
    other[6] = "12"
    again = parse(rebuilt(rows + [other]))
    assert len(again) == 25 and again[-1].source_key == notices[0].source_key + "|2"


def test_missing_or_renamed_optional_columns_still_land_every_row(notices, caplog):
    rows = dump()
    drop = {rows[0].index("Industry"), rows[0].index("Number of Employees Affected")}
    slim = [[v for i, v in enumerate(row) if i not in drop] for row in rows]
    slim[0] = [h.replace("Date of Impact", "Closing on") for h in slim[0]]
    with caplog.at_level(logging.WARNING):
        got = parse(rebuilt(slim))
    assert [n.source_key for n in got] == [n.source_key for n in notices]
    assert {n.employees for n in got} == {None} and {n.effective_date for n in got} == {None}
    assert "has no column for effective_date, employees, industry" in caplog.text


def test_reordered_columns_and_a_title_row_give_the_same_notices(notices):
    rows = dump()
    order = [6, 3, 2, 5, 0, 1, 4]
    moved = [["Montana WARN notices"], []] + [[row[i] for i in order] for row in rows]
    again = parse(rebuilt(moved))
    assert [n.as_dict() | {"raw": None} for n in again] == [n.as_dict() | {"raw": None} for n in notices]


@pytest.mark.parametrize("column", ["Name of Company", "County"])
def test_missing_essential_column_is_a_layout_error(column, caplog):
    rows = dump()
    i = rows[0].index(column)
    cut = [row[:i] + row[i + 1 :] for row in rows]
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert parse(rebuilt(cut), s) == []
    assert "layout changed" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(Response(url=URL, body=rebuilt(cut))))


def test_no_date_column_is_a_layout_error():
    rows = dump()
    cut = [row[:1] + row[2:5] + row[6:] for row in rows]
    with pytest.raises(LayoutChanged, match="no date column"):
        list(spider().parse_file(Response(url=URL, body=rebuilt(cut))))


def test_row_without_company_or_any_date_is_skipped_and_named(caplog):
    rows = dump()
    rows[1][2] = ""
    rows[2][1] = rows[2][5] = ""
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = parse(rebuilt(rows), s)
    assert len(got) == 22 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 2
    assert "skipped row sheet 'WARN' row 2 ('')" in caplog.text and "no readable date" in caplog.text


def test_landing_page_follows_the_newest_versioned_workbook():
    page = landing(
        "../../_docs/wioa/warn-2-5-21.xlsx",
        "../../_docs/wioa/warn-9-1-21.xlsx",
        "../../_docs/wioa/warn-12-1-20.xlsx",
        "/docs/warn-guide.pdf",
    )
    (request,) = list(spider().parse(HtmlResponse(url=WarnMtSpider.agency_url, body=page.encode(), encoding="utf-8")))
    assert request.url == URL and request.callback.__name__ == "parse_workbook"


def test_landing_page_without_a_workbook_link_is_a_layout_error(caplog):
    s = spider()
    page = landing("/docs/warn-guide.pdf")
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(HtmlResponse(url=WarnMtSpider.agency_url, body=page.encode(), encoding="utf-8"))) == []
    assert "no link to the WARN Excel workbook" in caplog.text


@pytest.mark.parametrize("body", [b"", b"<html><body>Service unavailable</body></html>", b"PK\x03\x04broken"])
def test_not_a_workbook_is_a_layout_error(body, caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse_workbook(Response(url=URL, body=body))) == []
    assert "layout changed" in caplog.text


def test_crawl_from_the_landing_page_lands_every_notice(db_url, server, leads_cli, tmp_path, notices):
    body = rebuilt()
    saved = tmp_path / "warn-9-1-21.xlsx"
    saved.write_bytes(body)
    xlsx = server.add(
        "_docs/wioa/warn-9-1-21.xlsx", body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    page = server.add("wioa/related-links/warn-notice-page", landing("../../_docs/wioa/warn-9-1-21.xlsx").encode())
    (idaho,) = by_company(notices, "Idaho Forest Group")
    expected = {**idaho.as_dict(), "source_url": xlsx}
    run = assert_source_lands(
        "warn_mt",
        [page],
        [saved],
        db_url=db_url,
        leads_cli=leads_cli,
        home=tmp_path,
        rows=[{c: expected[c] for c in NOTICE_COLUMNS}],
    )
    assert run["items"] == 24


# For tests/test_parse_cli.py: the saved file is the row dump the tests build the agency's format from, not a
# response of the agency, so `leads parse` is not asked to read it.
SAVED_FILES: dict[str, int] = {}
NOT_RESPONSES = {"mt.csv"}
