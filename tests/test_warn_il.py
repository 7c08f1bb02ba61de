"""warn_il: Illinois's XLSX export, rebuilt at test time from the row dump's exact values.

No raw copy of the agency's workbook exists offline (tests/files/warn_il/SOURCE.md): the dump
``il.csv`` holds its cell values (Excel dates written as ``YYYY-MM-DD 00:00:00``). ``workbook()``
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
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged
from spiders.warn_il import EXPORT_URL, WarnIlSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES

URL = "https://apps.illinoisworknet.com/iebs/api/public/export?format=xlsx"


def dump() -> list[list[str]]:
    with open(FILES / "warn_il" / "il.csv", newline="", encoding="utf-8") as f:
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
    return workbook(("Export", rows if rows is not None else dump()))


def spider() -> WarnIlSpider:
    return WarnIlSpider.from_crawler(get_crawler(WarnIlSpider))


def parse(body: bytes, s: WarnIlSpider | None = None) -> list[ClosureNotice]:
    return list((s or spider()).parse(Response(url=URL, body=body)))


def column(rows: list[list[str]], name: str) -> int:
    return rows[0].index(name)


#: The agency-format files this test builds from the row dump (file name -> bytes): what
#: bench/parse_speed.py, bench/source_figures.py and tests/test_parse_cli.py read for this source.
REBUILT_FILES = {"il.xlsx": rebuilt}


@pytest.fixture(scope="module")
def export() -> bytes:
    return rebuilt()


@pytest.fixture(scope="module")
def notices(export) -> list[ClosureNotice]:
    return parse(export)


def sample() -> list[list[str]]:
    """The header and the first 400 records: enough for the derived layouts, cheaper to rebuild."""
    return dump()[:401]


def test_counts_against_the_dump(notices):
    rows = dump()
    i, r = column(rows, "Initial Date Reported"), column(rows, "Reason")
    dated = [tuple(x) for x in rows[1:] if x[i].strip()]
    # Counted independently: records with a date (WARN Received is empty in all), less exact repeats.
    assert (len(rows) - 1, len(dated)) == (5088, 5085)
    assert len(notices) == len(dict.fromkeys(dated)) == 5085
    assert len({n.source_key for n in notices}) == len(notices)
    reasons = [x[r] for x in rows[1:] if x[i].strip()]
    assert sum(n.notice_type == "closure" for n in notices) == reasons.count("Plant Closure") == 3723
    assert {n.notice_type for n in notices} == {"closure", "layoff"}
    assert sum(n.address is not None for n in notices) == 5084  # one record has no street


def test_whole_notice_with_a_street_address(notices):
    (eclipse,) = [n for n in notices if n.raw["IEBS Id"] == 20200723005]
    rows = dump()
    expected_raw = {h: excel_value(v) for h, v in zip(rows[0], rows[1], strict=False)}
    expected_raw = {h: (v.date().isoformat() if isinstance(v, datetime) else v) for h, v in expected_raw.items()}
    assert eclipse == ClosureNotice(
        source="warn_il",
        source_key="eclipsedungscontrolslp|2020-07-22|rockford",
        company_name="Eclipse Dungs Controls LP",
        source_url=URL,
        notice_type="closure",
        address="1665 Elmwood Rd",
        city="Rockford",
        state="IL",
        zip5="61103",
        notice_date=date(2020, 7, 22),
        employees=107,
        industry_code="333414",
        raw=expected_raw,
    )
    assert (
        eclipse.raw["Location Address"] == "1665 Elmwood Rd "
        and eclipse.raw["Doing Business As Name"] == "ECLIPSE, INC."
    )


def test_zip_plus_four_out_of_state_sites_and_entities(notices):
    (iherb,) = [n for n in notices if n.raw["IEBS Id"] == 20220504001]
    assert (iherb.zip5, iherb.address, iherb.notice_type) == ("60124", "2650 Auto Mall Dr", "layoff")
    assert iherb.raw["LWIA"] == "5 - Kane County Department of Employment &amp; Education"  # as published
    states = {n.state for n in notices}
    assert "IL" in states and {"MO", "IN", "IA"} <= states


def test_several_notifications_mark_an_amended_notice(notices):
    rows = dump()
    k = column(rows, "Notification(s) Received")
    several = [x for x in rows[1:] if "," in x[k]]
    assert len(several) == 82
    assert sum(n.amended for n in notices) == len(dict.fromkeys(tuple(x) for x in several))
    assert all(
        ("," in n.raw["Notification(s) Received"]) == n.amended for n in notices if n.raw["Notification(s) Received"]
    )


def test_records_without_any_date_are_skipped_and_named(caplog):
    s = spider()
    rows = dump()
    i = column(rows, "Initial Date Reported")
    undated = [x for x in rows[1:] if not x[i].strip()]
    with caplog.at_level(logging.WARNING):
        got = parse(rebuilt([rows[0]] + undated + rows[1:50]), s)
    assert s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 3 == len(undated)
    assert "('Radio Flyer, Inc.')" in caplog.text and "no readable date" in caplog.text
    assert len(got) == 49


def test_key_survives_punctuation_and_a_repeated_row_is_yielded_once():
    rows = sample()
    first = parse(rebuilt(rows))
    c = column(rows, "Location Name")
    tidied = [row[:] for row in rows]
    for row in tidied[1:]:
        row[c] = row[c].replace(",", "").replace(".", "")
    again = parse(rebuilt(tidied + [rows[7]]))
    assert [n.source_key for n in again] == [n.source_key for n in first]


def test_same_key_other_site_is_a_second_notice():
    rows = sample()
    other = rows[1][:]
    other[column(rows, "Location Address")] = "1 Other Street"
    again = parse(rebuilt(rows + [other]))
    assert again[-1].source_key == again[0].source_key + "|2"


def test_missing_or_renamed_optional_columns_still_land_every_row(caplog):
    rows = sample()
    first = parse(rebuilt(rows))
    drop = {
        column(rows, h)
        for h in (
            "Location Address",
            "Location Zipcode",
            "Reason",
            "NAICS Codes",
            "Total # of Employees",
            "Expected Layoff",
            "Revised Layoff",
            "Location State",
        )
    }
    slim = [[v for j, v in enumerate(row) if j not in drop] for row in rows]
    with caplog.at_level(logging.WARNING):
        got = parse(rebuilt(slim))
    assert [n.source_key for n in got] == [n.source_key for n in first]
    assert {(n.address, n.zip5, n.employees, n.industry_code) for n in got} == {(None, None, None, None)}
    assert {n.notice_type for n in got} == {"other"} and {n.state for n in got} == {"IL"}
    assert "has no column for address, state, zip, reason, employees, naics" in caplog.text


def test_reordered_columns_and_a_title_row_give_the_same_notices():
    rows = sample()
    first = parse(rebuilt(rows))
    order = list(reversed(range(len(rows[0]))))
    moved = [["WARN and layoff events"], []] + [[row[j] for j in order] for row in rows]
    again = parse(rebuilt(moved))
    assert [n.as_dict() | {"raw": None} for n in again] == [n.as_dict() | {"raw": None} for n in first]


@pytest.mark.parametrize("name", ["Location Name", "Location City"])
def test_missing_essential_column_is_a_layout_error(name, caplog):
    rows = sample()
    j = column(rows, name)
    cut = [row[:j] + row[j + 1 :] for row in rows]
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert parse(rebuilt(cut), s) == []
    assert "layout changed" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(Response(url=URL, body=rebuilt(cut))))


def test_no_date_column_is_a_layout_error():
    rows = sample()
    drop = {
        column(rows, h)
        for h in (
            "WARN Received",
            "Initial Date Reported",
            "Impact Date",
            "Petition Date",
            "CertificationDate",
            "Exp/Term Date",
            "Last Report Date",
        )
    }
    cut = [[v for j, v in enumerate(row) if j not in drop] for row in rows]
    with pytest.raises(LayoutChanged, match="no date column"):
        list(spider().parse_file(Response(url=URL, body=rebuilt(cut))))


@pytest.mark.parametrize("body", [b"", b"<html><body>Service unavailable</body></html>", b"PK\x03\x04broken"])
def test_not_a_workbook_is_a_layout_error(body, caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert parse(body, s) == []
    assert "layout changed" in caplog.text


def test_the_crawl_asks_for_the_export():
    assert WarnIlSpider().start_urls == [EXPORT_URL] == [URL]


def test_crawl_lands_every_notice(db_url, server, leads_cli, tmp_path, notices):
    # The export's first 1,000 records: the whole file takes two minutes per database on a loaded
    # machine, and the counts of the whole file are checked above.
    export = rebuilt(dump()[:1001])
    saved = tmp_path / "export.xlsx"
    saved.write_bytes(export)
    url = server.add(
        "iebs/api/public/export?format=xlsx",
        export,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    (eclipse,) = [n for n in notices if n.raw["IEBS Id"] == 20200723005]
    expected = {**eclipse.as_dict(), "source_url": url}
    run = assert_source_lands(
        "warn_il",
        [url],
        [saved],
        db_url=db_url,
        leads_cli=leads_cli,
        home=tmp_path,
        rows=[{c: expected[c] for c in NOTICE_COLUMNS}],
    )
    i = column(dump(), "Initial Date Reported")
    assert (run["items"], run["skipped"]) == (
        len({tuple(x) for x in dump()[1:1001] if x[i].strip()}),
        sum(1 for x in dump()[1:1001] if not x[i].strip()),
    )


# For tests/test_parse_cli.py: the saved file is the row dump the tests build the agency's format from, not a
# response of the agency, so `leads parse` is not asked to read it.
SAVED_FILES: dict[str, int] = {}
NOT_RESPONSES = {"il.csv"}
