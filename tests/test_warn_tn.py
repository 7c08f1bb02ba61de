"""warn_tn: Tennessee's "WARN Summary by Month" PDF (SSRS export, 44 pages), the real file."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date

import pytest
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from leads.health import STAT_WARNINGS
from leads.items import ClosureNotice
from spiders.parsing import LayoutChanged
from spiders.pdftables import UnreadableFile, read_table
from spiders.warn_report import PDF_TABLE, report_total
from spiders.warn_tn import WarnTnSpider
from tests.columns import without_raw
from tests.e2e import Case
from tests.e2e import notice as _notice
from tests.helpers import FILES, file_response
from tests.pdf_faults import blank_pdf, rewrite_texts

#: Notices `leads parse` reads from each saved file (tests/test_parse_cli.py checks every format).
SAVED_FILES = {"WarnReportByMonth.pdf": 511}  # Total 508 + 3 rows without a head count (spiders/warn_tn.py)

SLUG = "warn_tn"
NAME = "WarnReportByMonth.pdf"
URL = WarnTnSpider.start_urls[0]
BODY = (FILES / SLUG / NAME).read_bytes()


def crawl(body: bytes = BODY) -> list[object]:
    return list(WarnTnSpider().parse(Response(url=URL, body=body)))


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnTnSpider().parse_file(file_response(SLUG, NAME, url=URL)))


def by_key(notices: list[ClosureNotice], key: str) -> ClosureNotice:
    found = [n for n in notices if n.source_key == key]
    assert len(found) == 1, f"{len(found)} notices with key {key!r}"
    return found[0]


# -- counts ----------------------------------------------------------------------------------------


def test_rows_against_the_reports_summary(notices):
    # SOURCE.md: 511 data rows. The summary's "Total" line (last pages) reads
    # "Total 508 47,215 254 28 2 212 1 2": notices, employees, then Permanent/Temporary/Not
    # Identified layoffs and closures. Its 508 leaves out the 3 rows without an employee count
    # (the only 3 months where the monthly counts are one short: 03/2016, 08/2016, 10/2017).
    assert len(notices) == 511
    assert sum(1 for n in notices if n.employees is not None) == 508
    assert sum(n.employees for n in notices if n.employees) == 47215
    assert Counter(n.raw["Layoff/Closure"] for n in notices) == {
        "Layoff Permanent": 254,
        "Layoff Temporary": 28,
        "Layoff Not known at this time": 2,
        "Closure Permanent": 212,
        "Closure Temporary": 1,
        "Closure Not known at this time": 2,
        "": 12,
    }
    assert len({n.source_key for n in notices}) == 511


def test_no_problem_logged_on_the_real_file(caplog):
    assert len(crawl()) == 511
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# -- whole notices ------------------------------------------------------------------------------------


def expected(**fields) -> dict:
    base = dict(source=SLUG, source_url=URL, state="TN", address=None, zip5=None, industry_code=None)
    return ClosureNotice(**{**base, **fields}).as_dict()


def test_company_wrapped_over_two_lines(notices):
    assert by_key(notices, "2012-02-13|briggsandstrattonpowerproductsgroupllc|newbern").as_dict() == expected(
        source_key="2012-02-13|briggsandstrattonpowerproductsgroupllc|newbern",
        company_name="Briggs and Stratton Power Products Group, LLC",
        notice_type="closure",
        city="Newbern",
        notice_date=date(2012, 2, 13),
        effective_date=date(2012, 3, 1),
        employees=231,
        raw={
            "Notice Date": "02/13/2012",
            "Effective Date": "03/01/2012",
            "Received Date": "01/31/2012",
            "Company": "Briggs and Stratton Power Products Group, LLC",
            "City": "Newbern",
            "County": "Dyer County",
            "No. Of Employees": "231",
            "Layoff/Closure": "Closure Permanent",
        },
    )


def test_type_wrapped_over_two_lines(notices):
    assert by_key(notices, "2014-11-13|adamsusainc|cookeville").as_dict() == expected(
        source_key="2014-11-13|adamsusainc|cookeville",
        company_name="Adams USA Inc",
        notice_type="closure",
        city="Cookeville",
        notice_date=date(2014, 11, 13),
        effective_date=date(2014, 12, 31),
        employees=20,
        raw={
            "Notice Date": "11/13/2014",
            "Effective Date": "12/31/2014",
            "Received Date": "12/02/2014",
            "Company": "Adams USA Inc",
            "City": "Cookeville",
            "County": "Putnam County",
            "No. Of Employees": "20",
            "Layoff/Closure": "Closure Not known at this time",
        },
    )


def test_row_missing_effective_date(notices):
    assert by_key(notices, "2015-07-28|aerospacetestingalliance|arnoldafb").as_dict() == expected(
        source_key="2015-07-28|aerospacetestingalliance|arnoldafb",
        company_name="Aerospace Testing Alliance",
        notice_type="closure",
        city="ARNOLD AFB",
        notice_date=date(2015, 7, 28),
        effective_date=None,
        employees=1861,
        raw={
            "Notice Date": "07/28/2015",
            "Effective Date": "",
            "Received Date": "08/03/2015",
            "Company": "Aerospace Testing Alliance",
            "City": "ARNOLD AFB",
            "County": "Coffee County",
            "No. Of Employees": "1861",
            "Layoff/Closure": "Closure Not known at this time",
        },
    )


def test_row_missing_effective_date_and_count(notices):
    assert by_key(notices, "2016-03-01|firstdata|cordova").as_dict() == expected(
        source_key="2016-03-01|firstdata|cordova",
        company_name="First Data",
        notice_type="closure",
        city="Cordova",
        notice_date=date(2016, 3, 1),
        effective_date=None,
        employees=None,
        raw={
            "Notice Date": "03/01/2016",
            "Effective Date": "",
            "Received Date": "03/16/2016",
            "Company": "First Data",
            "City": "Cordova",
            "County": "Shelby County",
            "No. Of Employees": "",
            "Layoff/Closure": "Closure Permanent",
        },
    )


def test_temporary_closure(notices):
    assert by_key(notices, "2015-05-28|heritagemanufacturing|kingsport").as_dict() == expected(
        source_key="2015-05-28|heritagemanufacturing|kingsport",
        company_name="Heritage Manufacturing",
        notice_type="closure",
        city="Kingsport",
        notice_date=date(2015, 5, 28),
        effective_date=date(2015, 5, 27),
        employees=90,
        raw={
            "Notice Date": "05/28/2015",
            "Effective Date": "05/27/2015",
            "Received Date": "05/28/2015",
            "Company": "Heritage Manufacturing",
            "City": "Kingsport",
            "County": "Sullivan County",
            "No. Of Employees": "90",
            "Layoff/Closure": "Closure Temporary",
        },
    )


def test_blank_type_is_other(notices):
    jones = by_key(notices, "2012-03-20|jonesapparel|lawrenceburg")
    assert (jones.notice_type, jones.raw["Layoff/Closure"], jones.raw["County"]) == ("other", "", "Not Identified")


def test_two_notices_same_company_date_city(notices):
    concentra = [n for n in notices if n.company_name == "Concentra Advance Toxicology Network"]
    assert [(n.source_key, n.employees) for n in concentra] == [
        ("2013-06-25|concentraadvancetoxicologynetwork|memphis", 22),
        ("2013-06-25|concentraadvancetoxicologynetwork|memphis#2", 163),
    ]


# -- the table reader on this file -------------------------------------------------------------------


def test_repeated_and_split_headers_are_one_layout_and_summary_is_not_data():
    table = read_table(BODY, PDF_TABLE, NAME)
    assert len(table.layouts) == 1  # top-of-page header and the header cut in two at each page's foot
    assert table.layouts[0].headers == [
        "Notice Date",
        "Effective Date",
        "Received Date",
        "Company",
        "City",
        "County",
        "No. Of Employees",
        "Layoff/Closure",
    ]
    assert report_total(table) == 508
    assert ("Total 508 47,215 254 28 2 212 1 2") in [text for _, text in table.other_lines]
    assert {row.page for row in table.rows} == set(range(1, 38, 2))  # even pages are blank; 39-43 summary


# -- faults ---------------------------------------------------------------------------------------------


def test_truncated_pdf(caplog):
    assert crawl(BODY[: len(BODY) * 2 // 3]) == []
    assert f"{NAME}: truncated PDF" in caplog.text
    with pytest.raises(UnreadableFile, match=NAME):
        list(WarnTnSpider().parse_file(Response(url=URL, body=BODY[:1000])))


def test_corrupt_pdf(caplog):
    corrupt = BODY[:2000] + bytes(range(256)) * 100 + BODY[-1000:]
    assert crawl(corrupt) == []
    assert f"{NAME}: corrupt PDF" in caplog.text


def test_empty_report_is_a_layout_error(caplog):
    assert crawl(blank_pdf(3)) == []
    assert "layout changed" in caplog.text and "no table header found in 3 pages" in caplog.text


def test_renamed_required_column_fails_loudly(caplog):
    body, changed = rewrite_texts(BODY, lambda page, text: "Firm" if text.strip() == "Company" else None)
    assert changed == 37  # every printed header: the top of pages 1-37 (odd) and the foot of all but page 1
    assert crawl(body) == []
    assert "no column for company among headers" in caplog.text and "'Firm'" in caplog.text


def test_unrecognised_header_on_first_page_does_not_drop_its_rows_silently():
    # page 1's header loses both of the cells that identify it; later pages still have theirs
    def change(page, text):
        return {"Company": "Firm", "Notice Date": "Posted"}.get(text.strip()) if page == 0 else None

    body, changed = rewrite_texts(BODY, change, pages=range(1))
    assert changed == 2
    with pytest.raises(LayoutChanged, match="dated lines before any table header, first on page 1"):
        list(WarnTnSpider().parse_file(Response(url=URL, body=body)))


def test_malformed_rows_are_skipped_with_warning(caplog):
    def change(page, text):
        return {"01/05/2012": "13/45/2012", "Sergeant's Pet Care Products Inc.": " "}.get(text.strip())

    body, changed = rewrite_texts(BODY, change, pages=range(1))
    assert changed == 2
    notices = crawl(body)
    assert len(notices) == 509
    warnings = sorted(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert len(warnings) == 2
    assert "page 1 line 8" in warnings[0] and "VELSICOL" in warnings[0]
    assert "unreadable date '13/45/2012'" in warnings[0]
    assert "page 1 line 9" in warnings[1] and "no company name" in warnings[1]


def test_row_without_any_date_is_reported_not_glued_to_the_row_above(caplog, notices):
    # the first row under the header (VELSICOL) and a row mid-page (Food Lion #956) lose all three dates
    blank = {"01/05/2012", "07/01/2011", "11/28/2011", "01/26/2012", "01/30/2012", "01/07/2012"}
    body, changed = rewrite_texts(BODY, lambda page, text: " " if text.strip() in blank else None, pages=range(1))
    assert changed == 6
    result = crawl(body)
    assert len(result) == 509
    warnings = sorted(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert len(warnings) == 2 and all("no notice date" in w for w in warnings)
    assert "page 1 line 24" in warnings[0] and "Food Lion #956" in warnings[0]
    assert "page 1 line 8" in warnings[1] and "VELSICOL" in warnings[1]
    eaton = "2012-01-23|eatoncorporation|memphis"
    assert by_key(result, eaton).as_dict() == by_key(notices, eaton).as_dict()


# -- end to end: the crawl stores what `leads parse` reads (tests/test_sources_e2e.py runs E2E_CASES) --


def _tn_row(server) -> list[dict]:
    # Page 19: the company wraps onto a second line ("Bristol Custom Solutions/BLOCK & CO., \r\nINC.").
    return [
        _notice(
            "warn_tn",
            "2013-10-31|bristolcustomsolutionsblockcoinc|bristol",
            "Bristol Custom Solutions/BLOCK & CO., INC.",
            server.url("files/warn_tn/WarnReportByMonth.pdf"),
            "layoff",
            city="Bristol",
            state="TN",
            notice_date=date(2013, 10, 31),
            effective_date=date(2013, 9, 20),
            employees=43,
            raw={
                "Notice Date": "10/31/2013",
                "Effective Date": "09/20/2013",
                "Received Date": "09/12/2013",
                "Company": "Bristol Custom Solutions/BLOCK & CO., INC.",
                "City": "Bristol",
                "County": "Sullivan County",
                "No. Of Employees": "43",
                "Layoff/Closure": "Layoff Permanent",
            },
        )
    ]


E2E_CASES = [
    Case(
        "warn_tn",
        "warn_tn",
        ("warn_tn/WarnReportByMonth.pdf",),
        lambda s: [s.url("files/warn_tn/WarnReportByMonth.pdf")],
        _tn_row,
    )
]


def test_optional_column_renamed_past_recognition_lands_every_row_with_warnings(notices, caplog):
    """The report with its head-count header ("No. Of" / "Employees", two text lines) printed as "Staff" /
    "Size": all 511 rows land without a count, and the run says which column it missed."""
    body, changed = rewrite_texts(BODY, lambda page, text: {"No. Of": "Staff", "Employees": "Size"}.get(text.strip()))
    assert changed >= 2
    spider = WarnTnSpider.from_crawler(get_crawler(WarnTnSpider))
    got = list(spider.parse(Response(url=URL, body=body)))
    assert without_raw(got, "employees") == without_raw(notices, "employees")
    assert {n.employees for n in got} == {None}
    assert spider.crawler.stats.get_value(STAT_WARNINGS) == [
        "no column for employees (its rows land without it)",
        "unknown column 'Staff Size' (kept in raw, not read)",
        "row count not checked against the Total line (it counts rows with a head count)",
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
