"""warn_sd: South Dakota DLR's WARN notices page (the real page of May 2023) and faults derived from it.

``rowdump/sd.csv`` is warn-scraper's row dump of an older snapshot of the same page (March 2023, 60 rows;
see ``../warn-exports/SOURCE.md``): a parse oracle, not an agency file.
"""

from __future__ import annotations

import csv
import logging
import re
from collections import Counter
from datetime import date
from html.parser import HTMLParser

import pytest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged, clean_text
from spiders.warn_sd import WarnSdSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES, file_response

URL = WarnSdSpider.agency_url


def spider() -> WarnSdSpider:
    return WarnSdSpider.from_crawler(get_crawler(WarnSdSpider))


def real_text() -> str:
    return (FILES / "warn_sd" / "source.html").read_bytes().decode("utf-8")  # CRLF kept


def html_response(text: str) -> HtmlResponse:
    return HtmlResponse(url=URL, body=text.encode("utf-8"), encoding="utf-8")


class _RowCounter(HTMLParser):
    """Counts <tr> with 4 <td> whose 3rd cell holds a date, as SOURCE.md counted them."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag == "td" and self._row is not None:
            self._row.append("")

    def handle_data(self, data):
        if self._row:
            self._row[-1] += data

    def handle_endtag(self, tag):
        if tag == "tr" and self._row is not None:
            if len(self._row) == 4 and re.search(r"\d+/\d+/\d{4}", self._row[2]):
                self.rows.append(self._row)
            self._row = None


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnSdSpider().parse_file(file_response("warn_sd", "source.html", url=URL)))


QUADION = ClosureNotice(
    source="warn_sd",
    source_key="minnesotarubberplasticquadionllc|2013-11-15|watertown",
    company_name="Minnesota Rubber & Plastic (Quadion LLC)",
    source_url=URL,
    city="Watertown",
    state="SD",
    notice_date=date(2013, 11, 15),
    employees=171,
    raw={
        "Company": "Minnesota Rubber & Plastic (Quadion LLC)",
        "Location": "Watertown",
        "Date Received": "11/15/2013",
        "Employees Affected": "171",
        "Company link": "https://dlr.sd.gov/workforce_services/businesses/warn_notices/quadion.pdf",
    },
)


def test_every_row_of_the_table_is_a_notice(notices):
    counter = _RowCounter()
    counter.feed(real_text())
    assert len(counter.rows) == 61 == len(notices)
    assert len({n.source_key for n in notices}) == 61
    assert {(n.notice_type, n.address, n.effective_date, n.amended) for n in notices} == {("other", None, None, False)}
    assert (notices[0].company_name, notices[0].notice_date) == ("Tyson Foods", date(2023, 5, 26))
    assert (notices[-1].company_name, notices[-1].notice_date) == ("Gillette Dairy", date(2007, 5, 16))


def test_continuation_line_inside_the_company_cell(notices):
    (quadion,) = [n for n in notices if "Quadion" in n.company_name]
    assert quadion == QUADION
    assert [n.company_name for n in notices if "SFLC" in n.company_name] == [
        "Student Financial Loan Corporation (SFLC)"
    ]


def test_entities_div_wrapped_dates_and_odd_values(notices):
    names = {n.company_name for n in notices}
    assert {"Aramark – SDSU", "Wells Fargo & Co.", "Littlelfuse Inc."} <= names
    by_name = {(n.company_name, n.city): n for n in notices}
    assert by_name[("Communication Services for the Deaf (CSD)", "Sioux Falls")].notice_date == date(2010, 3, 29)
    assert by_name[("Bosselman Travel Center", "Rapid City")].notice_date == date(2012, 1, 5)  # '01/5/2012'
    verety = by_name[("Verety LLC", None)]
    assert (verety.state, verety.employees, verety.raw["Employees Affected"]) == ("SD", 5, "1-5")
    apollo = by_name[("Ideal Merchandising", "Apollo Beach")]
    assert apollo.state == "FL"
    assert by_name[("MetaBank", "Brookings, Sioux Falls")].employees == 74
    assert by_name[("EROS", "Sioux Falls /Garretson")].notice_date == date(2020, 4, 23)
    assert Counter(n.state for n in notices) == {"SD": 60, "FL": 1}


def test_same_company_same_day_two_towns(notices):
    verifications = [n for n in notices if n.company_name == "Verifications"]
    assert [(n.city, n.employees) for n in verifications] == [("Aberdeen", 73), ("Mitchell", 75)]
    assert len([n for n in notices if n.company_name == "Terex Load King"]) == 3


def test_older_row_dump_is_reproduced(notices):
    with open(FILES / "warn_sd" / "rowdump" / "sd.csv", encoding="utf-8", newline="") as f:
        dump = list(csv.DictReader(f))
    assert len(dump) == 60
    parsed = {
        (n.raw["Company"], n.raw["Location"], n.raw["Date Received"], n.raw["Employees Affected"]) for n in notices
    }
    missing = [
        r
        for r in dump
        if (
            clean_text(r["Company"]),
            clean_text(r["Location"]),
            clean_text(r["Date Received"]),
            clean_text(r["Employees Affected"]),
        )
        not in parsed
    ]
    assert missing == []


def test_missing_optional_count_column_lands_every_row(notices):
    header = "<strong>Employees<br />\r\n                  Affected</strong>"
    text = real_text().replace(header, "<strong>Notes</strong>")
    assert text != real_text()
    got = list(spider().parse(html_response(text)))
    assert [n.source_key for n in got] == [n.source_key for n in notices] and {n.employees for n in got} == {None}


@pytest.mark.parametrize(
    "old, new",
    [
        ("<strong>Location</strong>", "<strong>Notes</strong>"),
        ("<strong>Company</strong>", "<strong>Item</strong>"),
        ("<strong>Date Received</strong>", "<strong>Remarks</strong>"),
    ],
)
def test_missing_essential_column_is_a_layout_error(old, new, caplog):
    text = real_text().replace(old, new)
    assert text != real_text()
    with pytest.raises(LayoutChanged, match="layout changed"):
        list(spider().parse_file(html_response(text)))
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(html_response(text))) == []
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_bad_rows_are_skipped_and_named(caplog):
    text = real_text().replace(">05/26/2023<", ">05/46/2023<").replace(">Banner Engineering<", "><")
    text = text.replace(">262<", ">many<")
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse(html_response(text)))
    assert len(got) == 59 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 2
    assert "skipped row table row 1 ('Tyson Foods')" in caplog.text and "unreadable date '05/46/2023'" in caplog.text
    assert "skipped row table row 2 ('')" in caplog.text


@pytest.mark.parametrize("body", [b"", b"<html><body><h1>Service unavailable</h1></body></html>"])
def test_page_without_the_table_is_a_layout_error(body, caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(HtmlResponse(url=URL, body=body, encoding="utf-8"))) == []
    assert "layout changed" in caplog.text
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(Response(url=URL, body=b"%PDF-1.4")))


def test_crawl_lands_the_notices(db_url, server, leads_cli, tmp_path):
    url = server.url("files/warn_sd/source.html")
    link = "http://127.0.0.1:{}/workforce_services/businesses/warn_notices/quadion.pdf"
    row = {c: getattr(QUADION, c) for c in NOTICE_COLUMNS} | {"source_url": url}
    row["raw"] = QUADION.raw | {"Company link": link.format(server.server_address[1])}
    assert_source_lands(
        "warn_sd", [url], ["warn_sd/source.html"], db_url=db_url, leads_cli=leads_cli, home=tmp_path, rows=[row]
    )
