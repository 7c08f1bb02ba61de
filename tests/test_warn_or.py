"""warn_or: Oregon's WARN page (a token form) and its XLSX workbook, rebuilt at test time from the row dump's values.

No raw copy of the agency's workbook exists offline (tests/files/warn_or/SOURCE.md): the dump
``or.csv`` holds its cell values (Excel dates written as ``YYYY-MM-DD 00:00:00``). ``workbook()``
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
from spiders.warn_or import WarnOrSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES

URL = "https://ccwd.hecc.oregon.gov/Layoff/WARN/Download"
TOKEN = "CfDJ8Nq0-test-token"


def dump() -> list[list[str]]:
    with open(FILES / "warn_or" / "or.csv", newline="", encoding="utf-8") as f:
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


def spider() -> WarnOrSpider:
    return WarnOrSpider.from_crawler(get_crawler(WarnOrSpider))


def parse(body: bytes, s: WarnOrSpider | None = None) -> list[ClosureNotice]:
    return list((s or spider()).parse(Response(url=URL, body=body)))


def warn_page(download: bool = True) -> str:
    search = (
        '<form action="/Layoff/WARN" method="get"><input name="q" type="text">'
        '<button type="submit">Search</button></form>'
    )
    form = (
        (
            '<form action="/Layoff/WARN/Download" method="post">'
            f'<input name="__RequestVerificationToken" type="hidden" value="{TOKEN}">'
            '<button type="submit" class="btn">Download WARN data</button></form>'
        )
        if download
        else ""
    )
    return f"<html><body><h1>WARN Notices</h1>{search}{form}</body></html>"


#: The agency-format files this test builds from the row dump (file name -> bytes): what
#: bench/parse_speed.py, bench/source_figures.py and tests/test_parse_cli.py read for this source.
REBUILT_FILES = {"or.xlsx": rebuilt}


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return parse(rebuilt())


def by_company(notices, name):
    return [n for n in notices if n.company_name == name]


def test_counts_against_the_dump(notices):
    rows = dump()[1:]
    real = [r for r in rows if any(v.strip() for v in r)]
    assert len(rows) - len(real) == 1  # the dump's last row is empty
    # Counted independently: rows with a company and a Received or Layoff Date, less exact repeats.
    kept = [tuple(r) for r in real if r[1].strip() and (r[6].strip() or r[3].strip())]
    assert len(notices) == len(dict.fromkeys(kept)) == 1080
    assert len({n.source_key for n in notices}) == len(notices)
    kinds = [n.raw["Layoff Type"] for n in notices]
    assert sum(n.notice_type == "closure" for n in notices) == kinds.count("Permanent closure") == 490
    assert [n.temporary for n in notices] == [
        True if k == "Temporary Layoff" else False if k == "Permanent closure" else None for k in kinds
    ]


def test_whole_notice(notices):
    (mentor,) = by_company(notices, "Mentor Oregon")
    assert mentor == ClosureNotice(
        source="warn_or",
        source_key="mentororegon|2021-07-06|portland",
        company_name="Mentor Oregon",
        source_url=URL,
        notice_type="closure",
        city="Portland",
        state="OR",
        notice_date=date(2021, 7, 6),
        effective_date=date(2021, 9, 30),
        employees=177,
        temporary=False,
        raw={
            "WARN#": 8240,
            "Company Name": "Mentor Oregon",
            "Location": "Portland",
            "Layoff Date": "2021-09-30",
            "Laid Off": 177,
            "Layoff Type": "Permanent closure",
            "Received Date": "2021-07-06",
        },
    )


def test_padding_trailing_commas_out_of_state_sites_and_excel_zero_dates(notices, caplog):
    (stanley,) = by_company(notices, "STANLEY SMITH SECURITY, INC")
    assert (stanley.city, stanley.state, stanley.effective_date, stanley.employees) == ("Portland", "OR", None, None)
    assert stanley.raw["Location"] == "Portland,                     "
    (chefs,) = by_company(notices, "SKY CHEFS, INC")
    assert (chefs.city, chefs.state, chefs.notice_type) == ("ARLINGTON", "TX", "layoff")
    zero = [n for n in notices if n.raw["Layoff Date"] == "1899-12-29"]
    assert len(zero) == 24 and {n.effective_date for n in zero} == {None}
    s = spider()
    with caplog.at_level(logging.WARNING):
        parse(rebuilt(), s)
    assert "unreadable layoff date '1899-12-29 00:00:00' left empty" in caplog.text
    assert s.crawler.stats.get_value(STAT_UNREADABLE) == 24


def test_one_warn_number_for_several_rows(notices):
    rows = [r for r in dump()[1:] if r[0] == "2093"]
    assert len(rows) == 18
    assert len([n for n in notices if n.raw["WARN#"] == 2093]) == len(dict.fromkeys(tuple(r) for r in rows))


def test_key_survives_punctuation_and_a_repeated_row_is_yielded_once(notices):
    rows = dump()
    tidied = [row[:] for row in rows]
    for row in tidied[1:]:
        row[1] = row[1].replace(",", "").replace(".", "")
    again = parse(rebuilt(tidied + [rows[1]]))
    assert [n.source_key for n in again] == [n.source_key for n in notices]


def test_missing_or_renamed_optional_columns_still_land_every_row(notices, caplog):
    rows = dump()
    renamed = [row[:] for row in rows]
    renamed[0] = ["Notice", "Company Name", "Location", "Final day", "Column E", "Kind", "Received Date"]
    with caplog.at_level(logging.WARNING):
        got = parse(rebuilt(renamed))
    assert [n.source_key for n in got] == [n.source_key for n in notices]
    assert {n.employees for n in got} == {None} and {n.notice_type for n in got} == {"other"}
    assert "has no column for effective_date, employees, notice_type, warn_number" in caplog.text


def test_title_rows_above_the_header_and_reordered_columns_give_the_same_notices(notices):
    rows = dump()
    order = [6, 5, 4, 3, 2, 1, 0]
    moved = [["Oregon WARN Notices"], ["Higher Education Coordinating Commission"]] + [
        [r[i] for i in order] for r in rows
    ]
    again = parse(rebuilt(moved))
    assert [n.as_dict() | {"raw": None} for n in again] == [n.as_dict() | {"raw": None} for n in notices]


@pytest.mark.parametrize("column", ["Company Name", "Location"])
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
    cut = [row[:3] + row[4:6] for row in dump()]
    with pytest.raises(LayoutChanged, match="no date column"):
        list(spider().parse_file(Response(url=URL, body=rebuilt(cut))))


def test_row_without_company_or_any_date_is_skipped_and_named(caplog):
    rows = dump()
    rows[1][1] = ""
    rows[2][3] = rows[2][6] = ""
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = parse(rebuilt(rows), s)
    assert len(got) == 1078 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 2
    assert "skipped row sheet 'WARN' row 2 ('')" in caplog.text and "no readable date" in caplog.text


def test_the_warn_page_posts_its_download_form_with_the_token():
    page = HtmlResponse(url=WarnOrSpider.agency_url, body=warn_page().encode(), encoding="utf-8")
    (request,) = list(spider().parse(page))
    assert (request.method, request.url) == ("POST", URL)
    assert request.body == f"__RequestVerificationToken={TOKEN}".encode()
    assert request.callback.__name__ == "parse_workbook"


def test_warn_page_without_the_download_form_is_a_layout_error(caplog):
    s = spider()
    page = HtmlResponse(url=WarnOrSpider.agency_url, body=warn_page(download=False).encode(), encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(page)) == []
    assert "no download form on the WARN page" in caplog.text
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(page))


@pytest.mark.parametrize("body", [b"", b"<html><body>Service unavailable</body></html>", b"PK\x03\x04broken"])
def test_not_a_workbook_is_a_layout_error(body, caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse_workbook(Response(url=URL, body=body))) == []
    assert "layout changed" in caplog.text


def test_crawl_lands_every_notice(db_url, server, leads_cli, tmp_path, notices):
    # The local server answers GET only: the crawl starts at the workbook (the form's POST is tested above).
    body = rebuilt()
    saved = tmp_path / "WARN.xlsx"
    saved.write_bytes(body)
    xlsx = server.add("Layoff/WARN/Download", body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    (mentor,) = by_company(notices, "Mentor Oregon")
    expected = {**mentor.as_dict(), "source_url": xlsx}
    run = assert_source_lands(
        "warn_or",
        [xlsx],
        [saved],
        db_url=db_url,
        leads_cli=leads_cli,
        home=tmp_path,
        rows=[{c: expected[c] for c in NOTICE_COLUMNS}],
    )
    assert run["items"] == 1080


# For tests/test_parse_cli.py: the saved file is the row dump the tests build the agency's format from, not a
# response of the agency, so `leads parse` is not asked to read it.
SAVED_FILES: dict[str, int] = {}
NOT_RESPONSES = {"or.csv"}
