"""Tests for spiders/warn_<st>.py on the saved agency file(s) in tests/files/warn_<st>/.

Copy to ``tests/test_warn_<st>.py`` and replace every ``<...>``. Values in expected rows are read
from the saved file by hand (csv, openpyxl, the PDF's text), never from the parser's own output.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import date

import pytest
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler
from spiders.warn_xx import WarnXxSpider

from leads.health import STAT_WARNINGS
from spiders.base import STAT_LAYOUT_ERRORS
from tests.columns import edit_columns, without_raw
from tests.e2e import assert_source_lands
from tests.helpers import FILES, file_response

SLUG = "warn_<st>"
FILE = "<saved file name>"

#: Notices `leads parse` reads from each saved file (tests/test_parse_cli.py checks all four output
#: formats against this), with how the file says so independently (its own total, a count of rows).
SAVED_FILES = {FILE: 0}  # <n>: <how you know>


def spider() -> WarnXxSpider:
    return WarnXxSpider.from_crawler(get_crawler(WarnXxSpider))  # a crawler, so its stats can be read


def real_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO((FILES / SLUG / FILE).read_text(encoding="utf-8"), newline="")))


def csv_response(rows: list[list[str]]) -> TextResponse:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return TextResponse(url=f"https://example.test/{FILE}", body=out.getvalue().encode("utf-8"), encoding="utf-8")


@pytest.fixture(scope="module")
def notices():
    return list(WarnXxSpider().parse(file_response(SLUG, FILE)))


def test_one_whole_notice(notices):
    # Row <n> of the saved file, read by hand.
    (notice,) = [n for n in notices if n.source_key == "<key>"]
    assert notice.as_dict() | {"raw": None} == {
        "source": SLUG,
        "source_key": "<key>",
        "company_name": "<Company>",
        "source_url": notices[0].source_url,
        "notice_type": "<closure>",
        "address": None,
        "city": "<City>",
        "state": "<ST>",
        "zip5": "<zip>",
        "notice_date": date(2000, 1, 1),
        "effective_date": None,
        "employees": 0,
        "industry_code": None,
        "temporary": None,
        "amended": False,
        "lat": None,
        "lon": None,
        "raw": None,
    }


def test_the_real_file_gives_no_column_warning():
    s = spider()
    assert len(list(s.parse(file_response(SLUG, FILE)))) == SAVED_FILES[FILE]
    assert not s.crawler.stats.get_value(STAT_WARNINGS)


def test_optional_columns_renamed_missing_reordered_or_new_land_every_row_with_warnings(notices):
    rows = edit_columns(
        real_rows(),
        rename={"<Notice Type>": "<a name nobody uses>"},
        drop=["<Zip>"],
        add={"<New Column>": lambda n: "x"},
        reverse=True,
    )
    s = spider()
    got = list(s.parse(csv_response(rows)))
    assert without_raw(got, "zip5") == without_raw(notices, "zip5")
    assert s.crawler.stats.get_value(STAT_WARNINGS)  # say which, exactly
    assert not s.crawler.stats.get_value(STAT_LAYOUT_ERRORS)


def test_a_missing_essential_column_still_fails_loudly(caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(csv_response(edit_columns(real_rows(), drop=["<Company>"])))) == []
    assert "layout changed: no column for company" in caplog.text


def test_lands_end_to_end(db_url, server, leads_cli, tmp_path):
    """The real `leads crawl` from the local test server, on SQLite and PostgreSQL, twice."""
    assert_source_lands(
        SLUG,
        [server.url(f"files/{SLUG}/{FILE}")],
        [f"{SLUG}/{FILE}"],
        db_url=db_url,
        leads_cli=leads_cli,
        home=tmp_path,
    )
