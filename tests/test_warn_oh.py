"""warn_oh: Ohio's WARN CSV export (3-row real slice with its junk rows) and the page that embeds it."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date

import pytest
import scrapy
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged
from spiders.warn_oh import PAGES, WarnOhSpider
from tests.e2e import NOTICE_COLUMNS, assert_source_lands
from tests.helpers import FILES, file_response

NAME = "warn_notice_2020_sample.csv"
URL = "https://jfs.ohio.gov/static/warn/warn-notice.csv"


def spider() -> WarnOhSpider:
    return WarnOhSpider.from_crawler(get_crawler(WarnOhSpider))


def real_rows() -> list[list[str]]:
    with open(FILES / "warn_oh" / NAME, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def csv_response(rows: list[list[str]]) -> TextResponse:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return TextResponse(url=URL, body=out.getvalue().encode("utf-8"), encoding="utf-8")


def without_column(rows: list[list[str]], header: str) -> list[list[str]]:
    """The real rows with the column named ``header`` (in the header row, index 2) removed."""
    at = rows[2].index(header)
    return [row[:at] + row[at + 1 :] if len(row) > at else row for row in rows]


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnOhSpider().parse_file(file_response("warn_oh", NAME, url=URL)))


SCHNEIDER = ClosureNotice(
    source="warn_oh",
    source_key="schneiderelectric|2020-12-07|valleyviewcuyahoga",
    company_name="Schneider Electric",
    source_url=URL,
    notice_type="other",
    city="Valley View",
    state="OH",
    notice_date=date(2020, 12, 7),
    effective_date=date(2021, 2, 5),
    employees=13,
    raw={
        "Company": "Schneider Electric",
        "Date Received": "12/7/20",
        "Company (2)": "Schneider Electric",
        "URL": "https://jfs.ohio.gov/static/warn/pdf/SchneiderElectricValleyView.pdf",
        "City/County": "Valley View/Cuyahoga",
        "Potential Number Affected": "13",
        "Layoff Date(s)": "2/5/21",
        "Phone Number": "(216) 573-7600",
        "Union": "None",
        "Notice ID": "003-20-166",
    },
)


def test_every_data_row_under_the_junk_rows_is_a_notice(notices):
    rows = real_rows()
    # csv.reader: the type row, the empty row, the header, then the data rows.
    assert rows[0][:4] == ["s", "s", "h", "h"] and not any(rows[1]) and rows[2][0] == "Company"
    expected = len([r for r in rows[3:] if any(r)])
    assert expected == 3 and len(notices) == expected
    assert len({n.source_key for n in notices}) == expected
    assert {(n.state, n.notice_type, n.temporary, n.amended, n.address) for n in notices} == {
        ("OH", "other", None, False, None)
    }


def test_whole_notice_with_the_duplicated_company_header_and_combined_city_county(notices):
    assert notices[2] == SCHNEIDER
    fiesta = notices[0]
    assert (fiesta.company_name, fiesta.city, fiesta.notice_date, fiesta.effective_date, fiesta.employees) == (
        "The Fiesta Tableware Company",
        "East Liverpool",
        date(2020, 12, 23),
        date(2021, 2, 11),
        80,
    )
    assert fiesta.raw["Union"] == "GMP-United Steelworkers of America, Local Union 417"


def test_key_survives_punctuation_edits_of_the_name(notices):
    rows = real_rows()
    rows[5][0] = "Schneider Electric, Inc."
    edited = list(spider().parse(csv_response(rows)))
    rows[5][0] = "Schneider Electric Inc."
    tidied = list(spider().parse(csv_response(rows)))
    assert edited[2].source_key == tidied[2].source_key == "schneiderelectricinc|2020-12-07|valleyviewcuyahoga"


@pytest.mark.parametrize(
    "header, field", [("Potential Number Affected", "employees"), ("Layoff Date(s)", "effective_date")]
)
def test_missing_optional_column_still_lands_every_row(notices, header, field):
    got = list(spider().parse(csv_response(without_column(real_rows(), header))))
    assert [n.source_key for n in got] == [n.source_key for n in notices]
    assert {getattr(n, field) for n in got} == {None}


def test_renamed_optional_column_lands_the_rows(notices):
    rows = real_rows()
    index = rows[2].index("Potential Number Affected")
    rows[2][index] = "Column F"  # no known meaning
    got = list(spider().parse(csv_response(rows)))
    assert len(got) == 3 and {n.employees for n in got} == {None}
    assert got[2].raw["Column F"] == "13"
    rows[2][index] = "Headcount Impacted"  # a new name that says what it holds is read by meaning
    assert [n.employees for n in spider().parse(csv_response(rows))] == [n.employees for n in notices]


@pytest.mark.parametrize("headers", [["City/County"], ["Date Received", "Layoff Date(s)"]])
def test_missing_essential_column_is_a_layout_error(headers, caplog):
    rows = real_rows()
    for header in headers:
        rows = without_column(rows, header)
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(csv_response(rows)))
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(csv_response(rows))) == []
    assert "layout changed" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_bad_dates_and_counts(caplog):
    rows = real_rows()
    rows[3][1] = "13/45/20"  # Fiesta: unreadable received date, the layoff date still reads
    rows[4][1] = rows[4][6] = "TBD"  # Shutterfly: no date at all
    rows[5][5] = "about a dozen"  # Schneider: unreadable count
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse(csv_response(rows)))
    assert [n.company_name for n in got] == ["The Fiesta Tableware Company", "Schneider Electric"]
    assert (got[0].notice_date, got[0].effective_date, got[0].source_key) == (
        None,
        date(2021, 2, 11),
        "thefiestatablewarecompany|2021-02-11|eastliverpoolcolumbiana",
    )
    assert got[1].employees is None and got[1].raw["Potential Number Affected"] == "about a dozen"
    assert s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 1
    assert "line 4: unreadable date received '13/45/20'" in caplog.text
    assert "skipped row line 5 ('Shutterfly Lifetouch LLC" in caplog.text and "no readable date" in caplog.text


def test_landing_page_csv_url_is_followed():
    page = (
        '<html><body><div id="root"></div><script>self.__next_f.push([1,"{\\"csvUrl\\":'
        '\\"https://jfs.ohio.gov/static/warn/warn-notice.csv\\"}"])</script></body></html>'
    )
    response = HtmlResponse(url=WarnOhSpider.agency_url, body=page.replace('\\"', '"').encode(), encoding="utf-8")
    (request,) = spider().parse(response)
    assert isinstance(request, scrapy.Request) and request.url == URL
    assert list(spider().parse_file(response)) == []


def test_landing_page_without_a_csv_link_is_a_layout_error(caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert (
            list(
                s.parse(
                    HtmlResponse(
                        url=WarnOhSpider.agency_url, body=b"<html><body>Maintenance</body></html>", encoding="utf-8"
                    )
                )
            )
            == []
        )
    assert "links no CSV export" in caplog.text and s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_current_page_and_one_archive_page_per_past_year():
    this_year = date.today().year
    assert WarnOhSpider().start_urls == [
        f"{PAGES}/current-public-notices-of-layoffs-and-closures",
        f"{PAGES}/{this_year - 1}-public-notices-of-layoffs-and-closures",
    ]
    history = WarnOhSpider(since="2015-01-01").start_urls  # the archive pages start in 2020
    assert history[1].endswith("/2020-public-notices-of-layoffs-and-closures") and len(history) == this_year - 2020 + 1
    assert WarnOhSpider(url=URL).start_urls == [URL]


def test_crawl_lands_the_notices(db_url, server, leads_cli, tmp_path):
    csv_url = server.url(f"files/warn_oh/{NAME}")
    page = server.add("oh/current.html", f'<html><script>var c = {{"csvUrl":"{csv_url}"}};</script></html>'.encode())
    row = {c: getattr(SCHNEIDER, c) for c in NOTICE_COLUMNS} | {"source_url": csv_url}
    assert_source_lands(
        "warn_oh", [page], [f"warn_oh/{NAME}"], db_url=db_url, leads_cli=leads_cli, home=tmp_path, rows=[row]
    )
