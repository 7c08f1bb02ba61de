"""warn_wa: Washington's WebForms WARN search, on the saved real last page (103 of 103) and pages derived from it.

The POST-back paging is exercised by deriving "page 102" from the real page (its pager moved back one
page, only its first five rows kept: the rows that a notice arriving during a crawl pushes onto the
next page) and answering its POST-back for ``Page$103`` with the real page.
``tests/files/warn-exports/wa.csv`` is warn-scraper's independent dump of all pages (2022-03), not an agency file.
"""

from __future__ import annotations

import csv
import logging
import re
from datetime import date
from urllib.parse import parse_qs

import pytest
from scrapy.http import FormRequest, HtmlResponse
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_CHECK_ERRORS, STAT_LAYOUT_ERRORS
from spiders.parsing import LayoutChanged
from spiders.tabular import UniqueKeys
from spiders.warn_wa import WarnWaSpider, pager
from tests.e2e import assert_source_lands
from tests.helpers import FILES, file_response
from tests.server import _Handler

URL = "https://fortress.wa.gov/esd/file/warn/Public/SearchWARN.aspx"
PAGE = "page_103.html"


HISTORY = "2000-01-01"  # a window reaching back to the saved pages' 2004 notices


def spider(**kwargs) -> WarnWaSpider:
    return WarnWaSpider.from_crawler(get_crawler(WarnWaSpider), **kwargs)


def real_text() -> str:
    return (FILES / "warn_wa" / PAGE).read_bytes().decode("utf-8")


def html_response(text: str, url: str = URL, request=None) -> HtmlResponse:
    return HtmlResponse(url=url, body=text.encode("utf-8"), encoding="utf-8", request=request)


def link(n: int, text: str) -> str:
    return (
        f'<a href="javascript:__doPostBack(&#39;ucPSW$gvMain&#39;,&#39;Page${n}&#39;)">'
        f'<font color="#000066">{text}</font></a>'
    )


DATA_ROW = re.compile(r"<tr>\s*<td><font face=\"Verdana\" color=\"Black\".*?</tr>", re.S)  # not the pager rows


def page_102(keep_rows: int = 5, next_text: str = "103") -> str:
    """The real page with its pager moved back one page (102 current, 103 linked) and its first rows only."""
    text = real_text()
    assert text.count("<span>103</span>") == 2 and text.count(link(102, "102")) == 2
    text = text.replace("<span>103</span>", link(103, next_text)).replace(link(102, "102"), "<span>102</span>")
    rows = DATA_ROW.findall(text)
    assert len(rows) == 14
    for row in rows[keep_rows:]:
        text = text.replace(row, "", 1)
    return text


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnWaSpider().parse_file(file_response("warn_wa", PAGE, url=URL)))


def test_every_row_of_the_last_page_is_a_notice(notices):
    assert len(DATA_ROW.findall(real_text())) == 14 == len(notices)  # SOURCE.md: 14 data rows
    assert len({n.source_key for n in notices}) == 14
    assert {n.state for n in notices} == {"WA"}
    types = [n.notice_type for n in notices]
    assert (types.count("closure"), types.count("layoff")) == (10, 4)


def test_rows_match_the_independent_export(notices):
    with open(FILES / "warn-exports" / "wa.csv", encoding="utf-8", newline="") as f:
        export = list(csv.reader(f))
    header, oldest = export[0], export[-14:]  # the export ends with the last page, oldest first
    ours = [[n.raw[h] for h in header] for n in notices]
    assert ours == oldest


def test_temporary_layoff(notices):
    (todd,) = [n for n in notices if n.company_name == "Todd Pacific Shipyards Corp"]
    assert todd == ClosureNotice(
        source="warn_wa",
        source_key="toddpacificshipyardscorp|2004-03-26|seattle",
        company_name="Todd Pacific Shipyards Corp",
        source_url=URL,
        notice_type="layoff",
        city="Seattle",
        state="WA",
        notice_date=date(2004, 3, 26),
        effective_date=date(2004, 3, 26),
        employees=500,
        temporary=True,
        raw={
            "Company": "Todd Pacific Shipyards Corp",
            "Location": "Seattle",
            "Layoff Start Date": "3/26/2004",
            "# of Workers": "500",
            "Closure Layoff": "Layoff",
            "Type of Layoff": "Temporary",
            "Received Date": "3/26/2004",
            "Notice": "",
        },
    )
    assert [n.temporary for n in notices].count(False) == 13


def test_entities_and_font_wrappers(notices):
    glv = next(n for n in notices if n.raw["Company"] == "GL&V")
    assert glv == ClosureNotice(
        source="warn_wa",
        source_key="glv|2004-03-09|vancouver",
        company_name="GL&V",
        source_url=URL,
        notice_type="closure",
        city="Vancouver",
        state="WA",
        notice_date=date(2004, 3, 9),
        effective_date=date(2004, 5, 7),
        employees=46,
        temporary=False,
        raw={
            "Company": "GL&V",
            "Location": "Vancouver",
            "Layoff Start Date": "5/7/2004",
            "# of Workers": "46",
            "Closure Layoff": "Closure",
            "Type of Layoff": "Permanent",
            "Received Date": "3/9/2004",
            "Notice": "",
        },
    )
    assert "Merrill Lynch Howard Johnson's" in {n.company_name for n in notices}


def test_last_page_ends_the_crawl_and_the_backward_ellipsis_is_not_followed():
    assert pager(file_response("warn_wa", PAGE, url=URL)) == (103, None)
    assert [
        x for x in WarnWaSpider().parse(file_response("warn_wa", PAGE, url=URL)) if not isinstance(x, ClosureNotice)
    ] == []


def test_next_page_is_a_post_back_echoing_the_view_state():
    text = page_102()
    got = list(spider(since=HISTORY).parse(html_response(text)))
    assert len([x for x in got if isinstance(x, ClosureNotice)]) == 5
    (request,) = [x for x in got if isinstance(x, FormRequest)]
    form = parse_qs(request.body.decode())
    hidden = dict(re.findall(r'name="(__\w+)" id="__\w+" value="([^"]*)"', text))
    assert request.method == "POST" and request.url == URL
    assert form["__EVENTTARGET"] == ["ucPSW$gvMain"] and form["__EVENTARGUMENT"] == ["Page$103"]
    assert form["__VIEWSTATE"] == [hidden["__VIEWSTATE"]] and "__VIEWSTATE" in hidden
    assert "ucPSW$btnSearchCompany" not in form  # a post-back, not a click on Search
    assert request.cb_kwargs["page"] == 103


def test_paging_stops_after_a_page_older_than_the_window(caplog):
    with caplog.at_level(logging.INFO):
        got = list(spider().parse(html_response(page_102())))  # default window: since Jan 1 of last year
    assert len(got) == 5 and all(isinstance(x, ClosureNotice) for x in got)
    assert "page 102 holds only notices received before" in caplog.text
    assert [x for x in spider(since="2004-03-01").parse(html_response(page_102())) if isinstance(x, FormRequest)]


def test_trailing_ellipsis_jumps_forward():
    assert pager(html_response(page_102(next_text="..."))) == (102, 103)


def test_overlapping_pages_yield_each_notice_once(notices):
    keys = UniqueKeys()
    first = [
        x for x in spider(since=HISTORY).parse(html_response(page_102()), keys=keys) if isinstance(x, ClosureNotice)
    ]
    second = list(spider().parse(html_response(real_text()), keys=keys, page=103))
    assert [n.source_key for n in first + second] == [n.source_key for n in notices]


def test_an_answer_for_another_page_is_a_check_error(caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(html_response(real_text()), keys=UniqueKeys(), page=2)) == []
    assert "asked for page 2, the search answered with page 103" in caplog.text
    assert s.crawler.stats.get_value(STAT_CHECK_ERRORS) == 1


def test_key_survives_punctuation_edits(notices):
    text = real_text().replace("Fujicolor Processing, Inc", "Fujicolor Processing Inc.")
    again = {n.company_name: n.source_key for n in spider().parse_file(html_response(text))}
    assert again["Fujicolor Processing Inc."] == next(
        n.source_key for n in notices if n.company_name == "Fujicolor Processing, Inc"
    )


def drop_column(text: str, header: str) -> str:
    """The real page without one column: its header cell and the matching cell of every data row."""
    headers = re.findall(r"<th scope=\"col\">.*?</th>", text, re.S)
    index = next(i for i, h in enumerate(headers) if f">{header}<" in h)
    text = text.replace(headers[index], "")

    def cut(match: re.Match[str]) -> str:
        cells = re.findall(r"<td.*?</td>", match.group(0), re.S)
        return match.group(0).replace(cells[index], "", 1)

    return DATA_ROW.sub(cut, text)


@pytest.mark.parametrize("header", ["Closure Layoff", "Type of Layoff", "# of Workers", "Layoff Start Date"])
def test_missing_optional_column_still_lands_every_row(notices, header, caplog):
    with caplog.at_level(logging.WARNING):
        again = list(spider().parse_file(html_response(drop_column(real_text(), header))))
    assert [n.source_key for n in again] == [n.source_key for n in notices]
    assert "has no column for" in caplog.text


def test_renamed_optional_column(notices):
    again = list(spider().parse_file(html_response(real_text().replace(">Closure Layoff<", ">Action<"))))
    assert len(again) == 14 and {n.notice_type for n in again} == {"other"}


@pytest.mark.parametrize("header", ["Company", "Location", "Received Date"])
def test_missing_essential_column_is_a_layout_error(header, caplog):
    text = drop_column(real_text(), header)
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(html_response(text))) == []
    assert "layout changed" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(html_response(text)))


def test_page_without_the_grid_is_a_layout_error(caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(html_response("<html><body><form></form></body></html>"))) == []
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


class PostBackHandler(_Handler):
    """The fault server's handler plus the WebForms post-back: ``server.postbacks[(path, argument)]``
    answers a POST whose ``__VIEWSTATE`` is ``server.viewstate``; anything else is a 400."""

    def do_POST(self) -> None:  # noqa: N802
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        with self.server._lock:
            self.server.requests.append(("POST", self.path))
        answer = self.server.postbacks.get((self.path, form.get("__EVENTARGUMENT", [""])[0]))
        if answer is None or form.get("__VIEWSTATE") != [self.server.viewstate]:
            return self._send(400, b"invalid post-back", "text/plain")
        return self._send(200, answer, "text/html; charset=utf-8")


def test_the_search_lands_through_the_cli_following_the_post_back(db_url, server, leads_cli, tmp_path, notices):
    first = page_102()
    server.RequestHandlerClass = PostBackHandler
    server.viewstate = re.search(r'id="__VIEWSTATE" value="([^"]*)"', first).group(1)
    server.postbacks = {("/wa/SearchWARN.aspx", "Page$103"): (FILES / "warn_wa" / PAGE).read_bytes()}
    url = server.add("wa/SearchWARN.aspx", first.encode("utf-8"))
    saved_first = tmp_path / "page_102_derived.html"
    saved_first.write_text(first, encoding="utf-8")
    todd = next(n for n in notices if n.company_name == "Todd Pacific Shipyards Corp").as_dict()
    row = {
        k: todd[k]
        for k in (
            "source",
            "source_key",
            "company_name",
            "address",
            "city",
            "state",
            "zip5",
            "notice_type",
            "notice_date",
            "effective_date",
            "employees",
            "industry_code",
            "raw",
        )
    } | {"source_url": url}  # a row of the second page, reached by POST
    run = assert_source_lands(
        "warn_wa",
        [url],
        [saved_first, f"warn_wa/{PAGE}"],
        db_url=db_url,
        leads_cli=leads_cli,
        home=tmp_path,
        rows=[row],
        extra_args=["-a", f"since={HISTORY}"],
    )
    assert run["items"] == 14  # 5 + 14 rows read, the 5 repeated rows yielded once
    assert server.requests.count(("POST", "/wa/SearchWARN.aspx")) == 2  # one per crawl
