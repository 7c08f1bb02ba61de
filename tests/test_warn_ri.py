"""warn_ri: Rhode Island's landing page and "WARN Report" XLSX, rebuilt at test time from the row dump's exact values.

No raw copy of the agency's workbook exists offline (tests/files/warn_ri/SOURCE.md): the dump
``ri.csv`` holds its cell values (Excel dates written as ``YYYY-MM-DD 00:00:00``). ``workbook()``
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
from spiders.warn_ri import WarnRiSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES

URL = "https://dlt.ri.gov/media/15126/download?language=en"


def dump() -> list[list[str]]:
    with open(FILES / "warn_ri" / "ri.csv", newline="", encoding="utf-8") as f:
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


def spider() -> WarnRiSpider:
    return WarnRiSpider.from_crawler(get_crawler(WarnRiSpider))


def parse(body: bytes, s: WarnRiSpider | None = None) -> list[ClosureNotice]:
    return list((s or spider()).parse(Response(url=URL, body=body)))


def landing(*links: tuple[str, str]) -> str:
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return f"<html><body><h1>Worker Adjustment and Retraining Notification</h1><ul>{items}</ul></body></html>"


#: The agency-format files this test builds from the row dump (file name -> bytes): what
#: bench/parse_speed.py, bench/source_figures.py and tests/test_parse_cli.py read for this source.
REBUILT_FILES = {"ri.xlsx": rebuilt}


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return parse(rebuilt())


def by_company(notices, name):
    return [n for n in notices if n.company_name == name]


def test_every_row_of_the_dump_is_a_notice_and_closing_decides_the_type(notices):
    rows = dump()[1:]
    assert all(r[2].strip() and r[0].strip() for r in rows)  # counted independently: company + WARN Date
    assert len(notices) == len(rows) == 89
    assert len({n.source_key for n in notices}) == 89
    closing = [r[6] for r in rows]
    assert [n.notice_type for n in notices] == ["closure" if c == "Yes" else "layoff" for c in closing]
    assert sum(n.notice_type == "closure" for n in notices) == closing.count("Yes") == 45
    assert {n.state for n in notices} == {"RI"} and {n.temporary for n in notices} == {None}


def test_whole_notice(notices):
    (santander,) = [n for n in by_company(notices, "Santander") if n.notice_date == date(2022, 2, 3)]
    assert santander == ClosureNotice(
        source="warn_ri",
        source_key="santander|2022-02-03|eastprovidence",
        company_name="Santander",
        source_url=URL,
        notice_type="layoff",
        city="East Providence",
        state="RI",
        notice_date=date(2022, 2, 3),
        effective_date=date(2022, 4, 8),
        employees=198,
        raw={
            "WARN Date": "2022-02-03",
            "Date Received": "2022-02-02",
            "Company Name": "Santander",
            "Location of Layoffs": "East Providence",
            "Number Affected": 198,
            "Effective Date": "2022-04-08",
            "Closing Yes/No": "No",
            "Union Yes/No": "No",
            "Union Address": None,
        },
    )


def test_footnote_asterisk_off_the_name_state_only_location_and_text_dates(notices):
    (santander_2020,) = [n for n in notices if n.raw["Company Name"] == "Santander*"]
    assert (santander_2020.company_name, santander_2020.city, santander_2020.source_key) == (
        "Santander",
        None,
        "santander|2020-10-01|rhodeisland",
    )
    assert [n.company_name for n in notices if n.raw["Company Name"] == "Upserve *"] == ["Upserve"]
    (tuition,) = by_company(notices, "Tuition Management Systems")
    assert (tuition.effective_date, tuition.raw["Effective Date"]) == (date(2019, 4, 1), "4/1/2019,  8/30/2019")
    (fresenius,) = by_company(notices, "Fresenius Management Services, Inc.")
    assert (fresenius.effective_date, fresenius.employees) == (
        date(2016, 1, 11),
        None,
    )  # "1/11/16 through 3/31/16", "---"
    (flextronics,) = by_company(notices, "Flextronics Americas LLC")
    assert (flextronics.effective_date, flextronics.raw["Effective Date"]) == (None, "Staggered")
    assert flextronics.city == "North Kingstown, Providence, Smithfield and Warwick"


def test_unreadable_values_are_flagged_and_the_row_kept(caplog):
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = parse(rebuilt(), s)
    assert len(got) == 89 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) is None
    rows = dump()[1:]
    bad_counts = [r[4] for r in rows if not re.fullmatch(r"\d+", r[4])]
    assert bad_counts == [
        "---",
        "54 Union 3 Non Union",
        "190 company with an additional 100 contracted",
        "---",
        "60-80",
        "additional 16",
    ]
    assert [n.employees for n in got if not re.fullmatch(r"\d+", str(n.raw["Number Affected"]))] == [None] * 6
    assert "unreadable employee count '60-80' left empty (kept in raw)" in caplog.text
    assert "unreadable effective date 'Staggered'" in caplog.text
    assert s.crawler.stats.get_value(STAT_UNREADABLE) >= 6


def test_key_survives_punctuation_and_a_repeated_row_is_yielded_once(notices):
    rows = dump()
    tidied = [row[:] for row in rows]
    for row in tidied[1:]:
        row[2] = row[2].replace(",", "").replace(".", "")
    again = parse(rebuilt(tidied + [rows[5]]))
    assert [n.source_key for n in again] == [n.source_key for n in notices]


def test_same_key_other_count_is_a_second_notice(notices):
    rows = dump()
    other = rows[1][:]
    other[4] = "12"
    again = parse(rebuilt(rows + [other]))
    assert len(again) == 90 and again[-1].source_key == notices[0].source_key + "|2"


def test_missing_or_renamed_optional_columns_still_land_every_row(notices, caplog):
    rows = dump()
    drop = {rows[0].index("Closing Yes/No"), rows[0].index("Number Affected"), rows[0].index("Date Received")}
    slim = [[v for i, v in enumerate(row) if i not in drop] for row in rows]
    slim[0] = [h.replace("Effective Date", "Last Day") for h in slim[0]]
    with caplog.at_level(logging.WARNING):
        got = parse(rebuilt(slim))
    assert [n.source_key for n in got] == [n.source_key for n in notices]
    assert {n.employees for n in got} == {None} and {n.effective_date for n in got} == {None}
    assert {n.notice_type for n in got} == {"other"}
    assert "has no column for received_date, effective_date, employees, closing" in caplog.text


def test_reordered_columns_and_title_rows_give_the_same_notices(notices):
    rows = dump()
    order = [8, 6, 5, 4, 3, 2, 1, 0, 7]
    moved = [["WARN Report"], ["Rhode Island Department of Labor and Training"]] + [
        [row[i] for i in order] for row in rows
    ]
    again = parse(rebuilt(moved))
    assert [n.as_dict() | {"raw": None} for n in again] == [n.as_dict() | {"raw": None} for n in notices]


@pytest.mark.parametrize("column", ["Company Name", "Location of Layoffs"])
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
    cut = [row[2:5] + row[6:] for row in rows]
    with pytest.raises(LayoutChanged, match="no date column"):
        list(spider().parse_file(Response(url=URL, body=rebuilt(cut))))


def test_row_without_company_or_any_date_is_skipped_and_named(caplog):
    rows = dump()
    rows[1][2] = ""
    rows[2][0] = rows[2][1] = rows[2][5] = ""
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = parse(rebuilt(rows), s)
    assert len(got) == 87 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 2
    assert "skipped row sheet 'WARN' row 2 ('')" in caplog.text and "no readable date" in caplog.text


def test_landing_page_follows_the_excel_link_by_its_text_not_the_pdf():
    page = landing(
        ("/media/15120/download?language=en", "WARN Report (PDF)"),
        ("/media/15126/download?language=en", "WARN Report (Excel)"),
        ("/documents/warn-notice.pdf", "WARN notice form"),
    )
    (request,) = list(spider().parse(HtmlResponse(url=WarnRiSpider.agency_url, body=page.encode(), encoding="utf-8")))
    assert request.url == "https://dlt.ri.gov/media/15126/download?language=en"
    assert request.callback.__name__ == "parse_workbook"


def test_landing_page_without_a_workbook_link_is_a_layout_error(caplog):
    s = spider()
    page = landing(("/documents/warn-notice.pdf", "WARN notice form"))
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(HtmlResponse(url=WarnRiSpider.agency_url, body=page.encode(), encoding="utf-8"))) == []
    assert "no link to the WARN Report Excel workbook" in caplog.text


@pytest.mark.parametrize("body", [b"", b"<html><body>Service unavailable</body></html>", b"PK\x03\x04broken"])
def test_not_a_workbook_is_a_layout_error(body, caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse_workbook(Response(url=URL, body=body))) == []
    assert "layout changed" in caplog.text


def test_crawl_from_the_landing_page_lands_every_notice(db_url, server, leads_cli, tmp_path, notices):
    body = rebuilt()
    saved = tmp_path / "warn-report.xlsx"
    saved.write_bytes(body)
    xlsx = server.add("media/15126/download", body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    page = server.add("wds/warn/", landing(("/media/15126/download", "WARN Report (Excel)")).encode())
    (santander,) = [n for n in by_company(notices, "Santander") if n.notice_date == date(2022, 2, 3)]
    expected = {**santander.as_dict(), "source_url": xlsx}
    run = assert_source_lands(
        "warn_ri",
        [page],
        [saved],
        db_url=db_url,
        leads_cli=leads_cli,
        home=tmp_path,
        rows=[{c: expected[c] for c in NOTICE_COLUMNS}],
    )
    assert run["items"] == 89


# For tests/test_parse_cli.py: the saved file is the row dump the tests build the agency's format from, not a
# response of the agency, so `leads parse` is not asked to read it.
SAVED_FILES: dict[str, int] = {}
NOT_RESPONSES = {"ri.csv"}
