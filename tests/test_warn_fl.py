"""warn_fl: Florida's paged WARN list, on the saved real page 3 of 3 of 2025 and pages derived from it."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest
import scrapy
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_CHECK_ERRORS, STAT_LAYOUT_ERRORS
from spiders.parsing import LayoutChanged
from spiders.warn_fl import WarnFlSpider, count_problem, read_date
from tests.e2e import assert_source_lands
from tests.helpers import FILES, file_response

BASE = "https://reactwarn.floridajobs.org/WarnList/Records?year=2025"
URL = f"{BASE}&page=3"
PAGE = "2025_page_3.html"


def spider(**kwargs) -> WarnFlSpider:
    return WarnFlSpider.from_crawler(get_crawler(WarnFlSpider), **kwargs)


def real_text() -> str:
    return (FILES / "warn_fl" / PAGE).read_bytes().decode("utf-8")


def html_response(text: str, url: str = URL) -> HtmlResponse:
    return HtmlResponse(url=url, body=text.encode("utf-8"), encoding="utf-8")


def body_rows(text: str) -> list[str]:
    return re.findall(r"<tr>\s*<td><b>.*?</tr>", text, re.S)


def derived(rows: list[int], footer: str, count: int) -> str:
    """The real page with only some of its rows, another pager and another record count."""
    text = real_text()
    real = body_rows(text)
    tbody = "\n".join(real[i] for i in rows)
    text = re.sub(r"(<tbody>).*?(</tbody>)", lambda m: m.group(1) + tbody + m.group(2), text, flags=re.S)
    text = re.sub(
        r'(<tfoot>\s*<tr >\s*<td colspan="6">).*?(</td>)', lambda m: m.group(1) + footer + m.group(2), text, flags=re.S
    )
    return text.replace("| 203 <label", f"| {count} <label")


def pager_link(page: int, text: str) -> str:
    return f'<a href="/WarnList/Records?year=2025&amp;page={page}">{text}</a>'


def drop_column(text: str, header: str) -> str:
    headers = re.findall(r"<th scope=\"col\">.*?</th>", text, re.S)
    index = next(i for i, h in enumerate(headers) if f">{header}<" in h)
    text = text.replace(headers[index], "")

    def cut(match: re.Match[str]) -> str:
        cells = re.findall(r"<td.*?</td>", match.group(0), re.S)
        return match.group(0).replace(cells[index], "", 1)

    return re.sub(r"<tr>\s*<td><b>.*?</tr>", cut, text, flags=re.S)


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnFlSpider().parse_file(file_response("warn_fl", PAGE, url=URL)))


def test_every_row_of_the_page_is_a_notice(notices):
    text = real_text()
    assert len(re.findall(r"DownloadFile\(\d+\)", text)) == 3 == len(body_rows(text)) == len(notices)
    assert [n.city for n in notices] == ["LAKELAND", "ARCADIA", "BOCA RATON"]
    assert all(n.address and n.zip5 and n.state == "FL" for n in notices)


def test_address_inside_the_company_cell(notices):
    assert notices[0] == ClosureNotice(
        source="warn_fl",
        source_key="strykeremploymentcompanyllc|2025-01-10|lakeland",
        company_name="Stryker Employment Company, LLC",
        source_url=URL,
        notice_type="other",
        address="5300 Region Court",
        city="LAKELAND",
        state="FL",
        zip5="33815",
        notice_date=date(2025, 1, 10),
        effective_date=date(2025, 3, 9),
        employees=11,
        raw={
            "Company Name": "Stryker Employment Company, LLC\n5300 Region Court\n\nLAKELAND, FL, 33815",
            "State Notification Date": "01-10-25",
            "Layoff Date": "03-09-25\nthru\n12-31-26",
            "Employees Affected": "11",
            "Industry": "Manufacturing",
            "Attachment": "Stryker+01.09.2025.pdf",
            "record id": "200",
            "_flags": {"effective_date": "range"},
        },
    )
    chg = notices[2]
    assert (chg.company_name, chg.address, chg.zip5) == (
        "CHG Healthcare Services, Inc.",
        "4700 Exchange Court, Suite 125",
        "33431",
    )


def test_two_digit_years_and_ranges():
    assert read_date("01-02-25") == (date(2025, 1, 2), None)
    assert read_date("03-01-25</br><i> thru </i> </br>03-14-25") == (date(2025, 3, 1), "range")
    assert read_date("13-01-25") == (None, "unreadable")
    assert read_date("") == (None, None)


def test_the_last_page_fits_the_record_count():
    s = spider()
    got = list(s.parse(file_response("warn_fl", PAGE, url=URL)))
    assert len(got) == 3 and s.crawler.stats.get_value(STAT_CHECK_ERRORS) is None  # (203 - 3) / 2 = 100 a page
    assert count_problem(203, 3, 3, 3, 3, None) is None
    assert count_problem(204, 3, 3, 3, 3, None)  # 201 rows do not make 2 equal pages
    assert count_problem(203, 103, 3, 3, 2, 100) is None
    assert count_problem(203, 102, 3, 3, 2, 100)


def two_pages(count: int) -> tuple[str, str]:
    first = derived([0, 1], f"1 {pager_link(2, '2')} {pager_link(2, '&gt;')}", count)
    second = derived([2], f"{pager_link(1, '&lt;')} {pager_link(1, '1')} 2", count)
    return first, second


def crawl_two_pages(count: int, caplog):
    first, second = two_pages(count)
    s = spider()
    with caplog.at_level(logging.INFO):
        out = list(s.parse(html_response(first, BASE)))
        (follow,) = [x for x in out if isinstance(x, scrapy.Request)]
        assert follow.url == f"{BASE}&page=2"
        out += list(s.parse(html_response(second, follow.url), **follow.cb_kwargs))
    return s, [x for x in out if isinstance(x, ClosureNotice)]


def test_paging_is_followed_to_the_end_and_checked_against_the_count(notices, caplog):
    s, got = crawl_two_pages(3, caplog)
    assert [n.source_key for n in got] == [n.source_key for n in notices]
    assert s.crawler.stats.get_value(STAT_CHECK_ERRORS) is None


def test_rows_missing_against_the_count_are_a_check_error(caplog):
    s, got = crawl_two_pages(4, caplog)
    assert len(got) == 3 and s.crawler.stats.get_value(STAT_CHECK_ERRORS) == 1
    assert "3 rows read on pages 1-2, the page says 4 Record(s) found" in caplog.text


def test_a_row_repeated_on_the_next_page_is_yielded_once(caplog):
    first = derived([0, 1], f"1 {pager_link(2, '2')}", 4)
    second = derived([1, 2], "1 2", 4)  # a notice arrived during the crawl: row 1 moved to page 2
    second = second.replace("1 2</td>", f"{pager_link(1, '1')} 2</td>")
    s = spider()
    out = list(s.parse(html_response(first, BASE)))
    (follow,) = [x for x in out if isinstance(x, scrapy.Request)]
    out += list(s.parse(html_response(second, follow.url), **follow.cb_kwargs))
    assert len([x for x in out if isinstance(x, ClosureNotice)]) == 3
    assert s.crawler.stats.get_value(STAT_CHECK_ERRORS) is None  # 4 rows read, 4 found


def test_year_without_notices_is_a_warning_not_an_error(caplog):
    s = spider()
    with caplog.at_level(logging.WARNING):
        assert list(s.parse(html_response(derived([], "", 0)))) == []
    assert "lists no notices" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_key_survives_punctuation_edits(notices):
    text = real_text().replace("<b>Alico, Inc</b>", "<b>Alico Inc.</b>")
    again = {n.company_name: n.source_key for n in spider().parse_file(html_response(text))}
    assert again["Alico Inc."] == notices[1].source_key


@pytest.mark.parametrize("header", ["Industry", "Attachment", "Employees Affected", "Layoff Date"])
def test_missing_optional_column_still_lands_every_row(notices, header):
    again = list(spider().parse_file(html_response(drop_column(real_text(), header))))
    assert [n.source_key for n in again] == [n.source_key for n in notices]


@pytest.mark.parametrize("header", ["Company Name", "State Notification Date"])
def test_missing_essential_column_is_a_layout_error(header, caplog):
    text = drop_column(real_text(), header)
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(html_response(text))) == []
    assert "layout changed" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(html_response(text)))


def test_one_request_per_year_of_the_window():
    this_year = date.today().year
    base = "https://reactwarn.floridajobs.org/WarnList/Records?year="
    assert WarnFlSpider().start_urls == [f"{base}{this_year - 1}", f"{base}{this_year}"]
    history = WarnFlSpider(since="2010-01-01").start_urls  # the list starts in 2019 (PDFs before)
    assert history[0] == f"{base}2019" and history[-1] == f"{base}{this_year}"
    assert WarnFlSpider(url=URL).start_urls == [URL]


def test_the_page_lands_through_the_cli(db_url, server, leads_cli, tmp_path, notices):
    url = server.url(f"files/warn_fl/{PAGE}")
    stryker = notices[0].as_dict()
    row = {
        k: stryker[k]
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
    } | {"source_url": url}
    run = assert_source_lands(
        "warn_fl", [url], [f"warn_fl/{PAGE}"], db_url=db_url, leads_cli=leads_cli, home=tmp_path, rows=[row]
    )
    assert run["items"] == 3
