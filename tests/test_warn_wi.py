"""warn_wi: Wisconsin DWD's 2016 WARN year page (the real page) and faults derived from it.

``rowdump/wi.csv`` is warn-scraper's row dump of the WI year pages (``../warn-exports/SOURCE.md``): a parse
oracle for the 2016 rows, not an agency file.
"""

from __future__ import annotations

import csv
import logging
import re
from collections import Counter
from datetime import date
from html.parser import HTMLParser

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged, clean_text
from spiders.warn_wi import YEAR_PAGE, WarnWiSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES, file_response

URL = "https://dwd.wisconsin.gov/dislocatedworker/warn/2016/default.htm"


def spider() -> WarnWiSpider:
    return WarnWiSpider.from_crawler(get_crawler(WarnWiSpider))


def real_text() -> str:
    return (FILES / "warn_wi" / "2016.html").read_bytes().decode("utf-8")  # CRLF kept


def html_response(text: str) -> HtmlResponse:
    return HtmlResponse(url=URL, body=text.encode("utf-8"), encoding="utf-8")


class _RowCounter(HTMLParser):
    """<tr> whose cells are <td> (SOURCE.md's count), with the text of each cell's start."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
            self.rows.append(self._row)
        elif tag == "td" and self._row is not None:
            self._row.append("")

    def handle_data(self, data):
        if self._row:
            self._row[-1] += data


def published_rows() -> list[list[str]]:
    counter = _RowCounter()
    counter.feed(real_text())
    return [r for r in counter.rows if r]


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnWiSpider().parse_file(file_response("warn_wi", "2016.html", url=URL)))


def by_key(notices: list[ClosureNotice], key: str) -> ClosureNotice:
    return next(n for n in notices if n.source_key == key)


ARROW = ClosureNotice(
    source="warn_wi",
    source_key="bmrno1llcdbaarrowhyundai|2016-12-22|westallis",
    company_name="BMR NO. 1, LLC dba Arrow Hyundai",
    source_url=URL,
    notice_type="closure",
    city="West Allis",
    state="WI",
    notice_date=date(2016, 12, 22),
    effective_date=date(2017, 3, 1),  # the unclosed Layoff Begin Date cell
    employees=57,
    raw={
        "Company": "BMR NO. 1, LLC dba Arrow Hyundai",
        "City": "West Allis",
        "Affected Workers": "57",
        "Notice Received": "12/22/2016",
        "Notice Type": "CL",
        "Layoff Begin Date": "03/01/2017",
        "NAICS Description": "New Car Dealers",
        "County": "Milwaukee",
        "Workforce Development Area": "Milwaukee",
        "Company link": "https://dwd.wisconsin.gov/dislocatedworker/warn/2016/2016122201.pdf",
    },
)


def test_every_notice_row_is_a_notice_and_revisions_update_theirs(notices):
    rows = published_rows()
    nine = [r for r in rows if len(r) == 9]
    revisions = [r for r in nine if re.search(r"- Revision \d", r[0])]
    assert (len(nine), len(revisions), len([r for r in rows if len(r) == 2])) == (92, 4, 4)  # as SOURCE.md counts
    assert len(notices) == len(nine) - len(revisions) == 88
    assert len({n.source_key for n in notices}) == 88
    types = Counter(n.notice_type for n in notices)
    assert types == {"closure": 49, "layoff": 33, "other": 6}
    new_codes = Counter(clean_text(r[4]) for r in nine if r not in revisions)
    assert new_codes["CL"] + new_codes["CL, AW"] == types["closure"] and new_codes["WR"] == types["layoff"]


def test_whole_notice_with_the_unclosed_cell(notices):
    assert notices[0] == ARROW


def test_revision_updates_the_notice_above_it(notices):
    cranes = by_key(notices, "manitowoccranes|2016-08-10|manitowoc")
    assert (cranes.company_name, cranes.amended, cranes.notice_date, cranes.employees, cranes.effective_date) == (
        "Manitowoc Cranes",
        True,
        date(2016, 8, 10),
        528,
        date(2017, 1, 6),
    )
    assert cranes.raw["Company"] == "Manitowoc Cranes - Revision 1" and cranes.raw["Notice Received"] == "10/14/2016"
    assert cranes.raw["Original notice"]["Company"] == "Manitowoc Cranes"
    unimin = by_key(notices, "unimincorporation|2016-03-24|tunnelcity")
    assert (unimin.employees, unimin.raw["Notice Type"], unimin.notice_type) == (0, "RN", "closure")  # rescinded
    assert not [n for n in notices if "Revision" in n.company_name]
    assert sum(1 for n in notices if "Original notice" in n.raw) == 4


def test_update_tables_give_amended_notices(notices):
    amended = [n for n in notices if n.amended and "Original notice" not in n.raw]
    assert sorted(n.source_key for n in amended) == [
        "conagrafoodsinc|2016-01-25|ripon",
        "eatoncorporation|2016-02-24|watertown",
        "joyglobalinc|2016-05-11|milwaukee",
        "manitowoccranes|2016-02-22|portwashington",
        "sealedaircorporation|2016-01-15|sturtevant",
        "wdhoardsonsco|2016-01-29|fortatkinson",
        "wdhoardsonsco|2016-03-31|fortatkinson",
    ]
    joy = by_key(notices, "joyglobalinc|2016-05-11|milwaukee")
    assert (joy.notice_type, joy.raw["Notice Type"]) == ("closure", "CL, AW")
    assert by_key(notices, "eatoncorporation|2016-02-24|watertown").notice_type == "other"  # AW only


def test_page_quirks(notices):
    lutheran = by_key(notices, "thelutheranhomeriverfalls|2016-12-08|riverfalls")
    assert lutheran.effective_date == date(2016, 2, 9)  # before the notice: kept as published
    assert lutheran.raw["County"] == "St Croix"
    kraft = [n for n in notices if "Kraft Heinz" in n.company_name]
    assert {n.company_name for n in kraft} == {"Kraft Heinz Foods Company", "Oscar Meyer Div, Kraft Heinz Food Company"}
    milwaukee_center = next(n for n in notices if n.company_name == "Milwaukee Center for Independence")
    assert milwaukee_center.raw["Company link"].endswith("2016110301.pdf")  # row id 2016110201: as published


def test_row_dump_of_2016_is_reproduced(notices):
    with open(FILES / "warn_wi" / "rowdump" / "wi.csv", encoding="utf-8", newline="") as f:
        dump = [r for r in csv.DictReader(f) if r["Notice Received"].endswith("/2016")]
    published = [n.raw for n in notices] + [n.raw["Original notice"] for n in notices if "Original notice" in n.raw]
    seen = {(clean_text(r["Company"]), r["City"], r["Notice Received"]) for r in published}
    missing = [r for r in dump if (clean_text(r["Company"]), r["City"], r["Notice Received"]) not in seen]
    assert len(dump) > 80 and missing == []


@pytest.mark.parametrize(
    "header, field, value", [("Affected Workers", "employees", None), ("Notice Type", "notice_type", "other")]
)
def test_missing_optional_column_lands_every_row(notices, header, field, value):
    text = real_text().replace(f'scope="col">{header}</th>', 'scope="col">Remarks</th>')
    assert text != real_text()
    got = list(spider().parse(html_response(text)))
    assert [n.source_key for n in got] == [n.source_key for n in notices]
    assert {getattr(n, field) for n in got} == {value}


@pytest.mark.parametrize("header", ["Company", "City"])
def test_missing_essential_column_is_a_layout_error(header, caplog):
    text = real_text().replace(f'scope="col">{header}</th>', 'scope="col">Remarks</th>', 1)  # in one table only
    with pytest.raises(LayoutChanged, match="layout changed"):
        list(spider().parse_file(html_response(text)))
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(html_response(text))) == []
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_bad_rows_are_skipped_and_named(caplog):
    text = (
        real_text()
        .replace('"NoticeRcvd">12/22/2016<', '"NoticeRcvd">soon<')
        .replace('"LayoffBeginDate">03/01/2017<', '"LayoffBeginDate"><')
    )
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse(html_response(text)))
    assert len(got) == 87 and s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 1
    assert "table 1 row 1: unreadable notice received 'soon'" in caplog.text
    assert "skipped row table 1 row 1 ('BMR NO. 1, LLC dba Arrow Hyundai')" in caplog.text


def test_one_page_per_year_of_the_window():
    this_year = date.today().year
    assert WarnWiSpider().start_urls == [YEAR_PAGE.format(year=this_year - 1), YEAR_PAGE.format(year=this_year)]
    assert WarnWiSpider(since="2016-01-01").start_urls[0] == YEAR_PAGE.format(year=2016)


def test_page_without_notice_tables_is_a_layout_error(caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(html_response("<html><body><p>No notices</p></body></html>"))) == []
    assert "no WARN notices table" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_crawl_lands_the_notices(db_url, server, leads_cli, tmp_path):
    url = server.url("files/warn_wi/2016.html")
    row = {c: getattr(ARROW, c) for c in NOTICE_COLUMNS} | {"source_url": url}
    row["raw"] = ARROW.raw | {"Company link": server.url("files/warn_wi/2016122201.pdf")}
    assert_source_lands(
        "warn_wi", [url], ["warn_wi/2016.html"], db_url=db_url, leads_cli=leads_cli, home=tmp_path, rows=[row]
    )
