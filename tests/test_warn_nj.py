"""warn_nj: New Jersey's WARN archive workbook, rebuilt at test time from the row dump's exact values.

No raw copy of the agency's workbook exists offline (tests/files/warn_nj/SOURCE.md): the dump
``nj.csv`` holds its cell values (Excel dates written as ``YYYY-MM-DD 00:00:00``). ``workbook()``
writes them back as the agency's XLSX (the dump is the first sheet; its name is not
known, the rebuilt one is called "Archive"): date-times as Excel dates, whole numbers as
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
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged
from spiders.warn_nj import ARCHIVE_URL, WarnNjSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES

URL = "https://www.nj.gov/labor/assets/PDFs/WARN/WARN_Notice_Archive.xlsx"


def dump() -> list[list[str]]:
    with open(FILES / "warn_nj" / "nj.csv", newline="", encoding="utf-8") as f:
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
    return workbook(("Archive", rows if rows is not None else dump()))


def spider() -> WarnNjSpider:
    return WarnNjSpider.from_crawler(get_crawler(WarnNjSpider))


def parse(body: bytes, s: WarnNjSpider | None = None) -> list[ClosureNotice]:
    return list((s or spider()).parse(Response(url=URL, body=body)))


DATELESS = {"", "TBA", "Temp layoff", "-"}  # Effective Date values that hold no date


#: The agency-format files this test builds from the row dump (file name -> bytes): what
#: bench/parse_speed.py, bench/source_figures.py and tests/test_parse_cli.py read for this source.
REBUILT_FILES = {"nj.xlsx": rebuilt}


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return parse(rebuilt())


def by_company(notices, name):
    return [n for n in notices if n.company_name == name]


def test_counts_against_the_dump(notices, caplog):
    rows = dump()[1:]
    dated = [tuple(r) for r in rows if r[3].strip() not in DATELESS]
    # Counted independently: rows with an Effective Date, less exact repeats of an earlier row.
    expected = len(dict.fromkeys(dated))
    assert (len(rows), len(dated), expected) == (1912, 1905, 1891)
    assert len(notices) == expected and len({n.source_key for n in notices}) == expected
    assert {n.state for n in notices} == {"NJ"} and {n.notice_type for n in notices} == {"other"}
    assert all(n.notice_date is None and n.address is None and n.temporary is None for n in notices)


def test_dateless_rows_are_skipped_and_the_footnote_is_not_a_notice(caplog):
    s = spider()
    with caplog.at_level(logging.INFO):
        got = parse(rebuilt(), s)
    assert len(got) == 1891
    # 7 dateless rows; one of them is the asterisk footnote, which is a note, not a skipped notice.
    assert s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 6
    assert "is a footnote, not a notice: '* Most employees of companies marked with asterisk" in caplog.text
    assert re.search(
        r"skipped row sheet 'Archive' row \d+ \('CHRIST HOSPITAL'\) of \S+: no readable date "
        r"\(Effective Date ''\)",
        caplog.text,
    )
    assert re.search(
        r"\('GERRESHEIMER GLASS, INC'\) of \S+: no readable date \(Effective Date 'Temp layoff'\)", caplog.text
    )
    assert "unreadable effective date 'Temp layoff'" in caplog.text


def test_whole_notice_and_month_posted_kept_in_raw(notices):
    (news,) = by_company(notices, "NY Daily News")
    assert news == ClosureNotice(
        source="warn_nj",
        source_key="nydailynews|2022-03-12|jerseycity",
        company_name="NY Daily News",
        source_url=URL,
        notice_type="other",
        city="Jersey City",
        state="NJ",
        effective_date=date(2022, 3, 12),
        employees=224,
        raw={
            "Company": "NY Daily News",
            "City": "Jersey City",
            "Month Posted": "January",
            "Effective Date": "2022-03-12",
            "Workforce Affected": 224,
        },
    )


def test_asterisk_counts_text_dates_and_unreadable_counts(notices, caplog):
    aramark = sorted(
        (n.effective_date, n.employees, n.raw["Workforce Affected"]) for n in by_company(notices, "ARAMARK SPORTS, LLC")
    )
    assert aramark == [
        (date(2009, 12, 31), 229, "*229"),
        (date(2009, 12, 31), 253, "*253"),
        (date(2010, 1, 4), 1689, "*1689"),
    ]
    (gilead,) = by_company(notices, "Gilead Sciences, Inc")
    assert (gilead.effective_date, gilead.raw["Effective Date"]) == (
        date(2022, 4, 22),
        "04/22/2022, 09/30/2022, 12/21/22",
    )
    (tyme,) = by_company(notices, "Tyme Global Technologies, LLC,")
    assert (tyme.employees, tyme.raw["Workforce Affected"], tyme.source_key) == (
        None,
        "Unknown",
        "tymeglobaltechnologiesllc|2022-02-10|newyork",
    )
    (aramark_2007,) = [n for n in by_company(notices, "ARAMARK") if n.city == "PLAINSBORO"]
    assert (aramark_2007.effective_date, aramark_2007.employees) == (date(2007, 2, 16), None)  # "2/16/07", blank


def test_key_survives_punctuation_and_a_year_repeated_on_another_sheet_is_yielded_once(notices):
    rows = dump()
    tidied = [row[:] for row in rows]
    for row in tidied[1:]:
        row[0] = row[0].replace(",", "").replace(".", "")
    body = workbook(("Archive", tidied), ("2021", [rows[0], rows[1], rows[2]]), ("2023", [rows[0]]))
    again = parse(body)
    assert [n.source_key for n in again] == [n.source_key for n in notices]


def test_same_key_other_count_is_a_second_notice(notices):
    rows = dump()
    other = rows[1][:]
    other[4] = "12"
    again = parse(rebuilt(rows + [other]))
    assert len(again) == 1892 and again[-1].source_key == notices[0].source_key + "|2"


def test_missing_or_renamed_optional_columns_still_land_every_row(notices, caplog):
    rows = dump()
    renamed = [row[:] for row in rows]
    renamed[0] = ["Employer", "Municipality", "Remarks", "Effective Date", "Column E"]
    with caplog.at_level(logging.WARNING):
        got = parse(rebuilt(renamed))
    assert [n.source_key for n in got] == [n.source_key for n in notices]
    assert {n.employees for n in got} == {None}
    assert "has no column for month_posted, employees" in caplog.text
    # Dropped outright, rows that differed only in those columns become repeats: the base keys stay.
    slim = [row[:2] + row[3:4] for row in rows]
    base = {"|".join(n.source_key.split("|")[:3]) for n in notices}
    assert {n.source_key for n in parse(rebuilt(slim))} <= {n.source_key for n in notices}
    assert {"|".join(n.source_key.split("|")[:3]) for n in parse(rebuilt(slim))} == base


def test_reordered_columns_title_rows_and_a_notes_sheet_give_the_same_notices(notices, caplog):
    rows = dump()
    order = [4, 3, 2, 1, 0]
    moved = [["WARN Notice Archive"], []] + [[row[i] for i in order] for row in rows]
    with caplog.at_level(logging.INFO):
        again = parse(workbook(("Notes", [["Data posted as received"]]), ("Archive", moved)))
    assert [n.as_dict() | {"raw": None} for n in again] == [n.as_dict() | {"raw": None} for n in notices]
    assert "sheet 'Notes' has no WARN header; passed over" in caplog.text


@pytest.mark.parametrize("column", ["Company", "City", "Effective Date"])
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


@pytest.mark.parametrize("body", [b"", b"<html><body>Service unavailable</body></html>", b"PK\x03\x04broken"])
def test_not_a_workbook_is_a_layout_error(body, caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert parse(body, s) == []
    assert "layout changed" in caplog.text


def test_the_crawl_asks_for_the_archive_workbook():
    assert WarnNjSpider().start_urls == [ARCHIVE_URL] == [URL]


def test_crawl_lands_every_notice(db_url, server, leads_cli, tmp_path, notices):
    body = rebuilt()
    saved = tmp_path / "WARN_Notice_Archive.xlsx"
    saved.write_bytes(body)
    xlsx = server.add(
        "labor/assets/PDFs/WARN/WARN_Notice_Archive.xlsx",
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    (news,) = by_company(notices, "NY Daily News")
    expected = {**news.as_dict(), "source_url": xlsx}
    run = assert_source_lands(
        "warn_nj",
        [xlsx],
        [saved],
        db_url=db_url,
        leads_cli=leads_cli,
        home=tmp_path,
        rows=[{c: expected[c] for c in NOTICE_COLUMNS}],
    )
    assert (run["items"], run["skipped"]) == (1891, 6)


# For tests/test_parse_cli.py: the saved file is the row dump the tests build the agency's format from, not a
# response of the agency, so `leads parse` is not asked to read it.
SAVED_FILES: dict[str, int] = {}
NOT_RESPONSES = {"nj.csv"}
