"""warn_ct: Connecticut DOL's "Listing of WARN Notices - 2025" page (the real page) and faults derived from it."""

from __future__ import annotations

import logging
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged
from spiders.warn_ct import YEAR_PAGE, WarnCtSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES, file_response

URL = YEAR_PAGE.format(year=2025)
PDFS = "https://www.ctdol.state.ct.us/progsupt/bussrvce/warnreports/pdfs/2025/"


def spider(**kwargs) -> WarnCtSpider:
    return WarnCtSpider.from_crawler(get_crawler(WarnCtSpider), **kwargs)


def real_text() -> str:
    return (FILES / "warn_ct" / "2025.html").read_bytes().decode("ascii")  # CRLF kept


def html_response(text: str) -> HtmlResponse:
    return HtmlResponse(url=URL, body=text.encode("utf-8"), encoding="utf-8")


class _RowCounter(HTMLParser):
    """<tr> with 9 <td> and "Rec'd" in the first cell, as SOURCE.md counted the notices."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[list[str]] = []
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.stack.append([])
        elif tag == "td" and self.stack:
            self.stack[-1].append("")

    def handle_data(self, data):
        if self.stack and self.stack[-1]:
            self.stack[-1][-1] += data

    def handle_endtag(self, tag):
        if tag == "tr" and self.stack:
            row = self.stack.pop()
            if len(row) == 9 and "Rec'd" in row[0]:
                self.rows.append(row)


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnCtSpider().parse_file(file_response("warn_ct", "2025.html", url=URL)))


REX_FORGE = ClosureNotice(
    source="warn_ct",
    source_key="jjryancorporationdbarexforge|2025-02-03|plantsville",
    company_name="J.J. Ryan Corporation dba Rex Forge",
    source_url=URL,
    notice_type="closure",
    city="Plantsville",
    state="CT",
    notice_date=date(2025, 2, 3),
    effective_date=date(2025, 2, 10),
    employees=103,
    raw={
        "WARN Date": "2/3/2025 Rec'd 2/3/2025",
        "Name of Affected Company": "J.J. Ryan Corporation dba Rex Forge",
        "Location(s) of Layoffs": "Plantsville",
        "Number Affected Workers": "103",
        "Date(s) of Layoffs": "2/10/2025 - 2/24/2025",
        "Closing Yes/No": "Yes",
        "Date of Closing": "2/24/2025",
        "Union Yes/No": "No",
        "Union Address": "",
        "Company link": PDFS + "Rex%20Forge%20(Plantsville)%202-3-25.pdf",
    },
)


def test_every_notice_row_is_a_notice(notices):
    counter = _RowCounter()
    counter.feed(real_text())
    assert len(counter.rows) == 8 == len(notices)
    assert len({n.source_key for n in notices}) == 8
    closing = [re.sub(r"\s+", " ", r[5]).strip() for r in counter.rows]
    assert [n.notice_type for n in notices] == ["closure" if c == "Yes" else "layoff" for c in closing]
    assert [n.notice_type for n in notices].count("closure") == 3
    assert {(n.state, n.address, n.temporary) for n in notices} == {("CT", None, None)}


def test_company_broken_by_a_line_break_whole(notices):
    assert notices[2] == REX_FORGE
    assert "J.J. Ryan \r\nCorporation" in real_text()


def test_update_note_marks_an_amendment(notices):
    hyaxiom = notices[1]
    assert (hyaxiom.company_name, hyaxiom.amended, hyaxiom.raw["Name of Affected Company"]) == (
        "HyAxiom",
        True,
        "HyAxiom (update to 11/14/24 notice)",
    )
    assert [n.amended for n in notices].count(True) == 1
    # the receipt date a week later stays in raw; the key uses the notice's own date
    assert (hyaxiom.notice_date, hyaxiom.raw["WARN Date"]) == (date(2025, 2, 3), "2/3/2025 Rec'd 2/10/2025")
    assert hyaxiom.source_key == "hyaxiom|2025-02-03|southwindsoreasthartford"


def test_free_text_counts_dates_and_places(notices):
    cvs = [n for n in notices if n.company_name == "CVS Health"]
    assert [(n.notice_date, n.employees, n.effective_date) for n in cvs] == [
        (date(2025, 1, 17), 13, date(2025, 3, 9)),  # '13 total: 2 CT residents', '3/9/25 - 3/23/25'
        (date(2025, 2, 4), 22, date(2025, 6, 7)),
        (date(2025, 2, 11), 4, date(2025, 4, 12)),
    ]
    barnes, block = notices[6], notices[7]
    assert barnes.effective_date == date(2025, 3, 31)  # '3/31/2025, 6/30/2025 & 9/30/2025'
    assert (block.city, block.employees, block.raw["Number Affected Workers"]) == (None, 2, "2 (1 remote CT worker)")
    assert notices[1].city == "South Windsor/East Hartford"


def test_malformed_layoff_date_is_none_and_flagged(caplog):
    with caplog.at_level(logging.WARNING):
        got = list(spider().parse(file_response("warn_ct", "2025.html", url=URL)))
    assert got[1].effective_date is None and got[1].raw["Date(s) of Layoffs"] == "4/112025"
    assert "table row 2: unreadable layoff date '4/112025' stored as None" in caplog.text


def rename_header(header: str) -> str:
    """The real page with one header cell's text (which may hold a <br>) replaced by 'Remarks'."""
    text, n = re.subn(
        r">\s*" + r"(?:<br>)?\s*".join(map(re.escape, header.split(" "))) + r"\s*<", ">Remarks<", real_text()
    )
    assert n == 1, header
    return text


@pytest.mark.parametrize(
    "header, field, value",
    [
        ("Closing Yes/No", "notice_type", "other"),
        ("Number Affected Workers", "employees", None),
        ("Date of Closing", "state", "CT"),
    ],
)
def test_missing_optional_column_lands_every_row(notices, header, field, value):
    got = list(spider().parse(html_response(rename_header(header))))
    assert [n.source_key for n in got] == [n.source_key for n in notices]
    assert {getattr(n, field) for n in got} == {value}


@pytest.mark.parametrize("header", ["WARN Date", "Name of Affected Company", "Location(s) of Layoffs"])
def test_missing_essential_column_is_a_layout_error(header, caplog):
    text = rename_header(header)
    with pytest.raises(LayoutChanged, match="layout changed"):
        list(spider().parse_file(html_response(text)))
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(html_response(text))) == []
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_bad_rows_are_skipped_and_named(caplog):
    text = real_text().replace("1/17/2025 Rec'd 1/17/2025", "TBD").replace("3/9/25 - 3/23/25", "")
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse(html_response(text)))
    assert len(got) == 7 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 1
    assert "skipped row table row 1 ('CVS Health')" in caplog.text and "no readable date" in caplog.text


def test_one_page_per_year_of_the_window():
    this_year = date.today().year
    assert WarnCtSpider().start_urls == [YEAR_PAGE.format(year=this_year - 1), YEAR_PAGE.format(year=this_year)]
    assert WarnCtSpider(since="2024-03-01").start_urls[0] == YEAR_PAGE.format(year=2024)
    assert WarnCtSpider(url=URL).start_urls == [URL]


def test_page_without_the_table_is_a_layout_error(caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        moved = "<html><body><table><tr><td>Page moved</td></tr></table></body></html>"
        assert list(s.parse(html_response(moved))) == []
    assert "layout changed" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_crawl_lands_the_notices(db_url, server, leads_cli, tmp_path):
    url = server.url("files/warn_ct/2025.html")
    row = {c: getattr(REX_FORGE, c) for c in NOTICE_COLUMNS} | {"source_url": url}
    pdf = server.url("files/warn_ct/pdfs/2025/Rex%20Forge%20(Plantsville)%202-3-25.pdf")
    row["raw"] = REX_FORGE.raw | {"Company link": pdf}
    assert_source_lands(
        "warn_ct", [url], ["warn_ct/2025.html"], db_url=db_url, leads_cli=leads_cli, home=tmp_path, rows=[row]
    )
