"""warn_ca: the EDD landing page, the current-year XLSX and the archived PDF reports (real files)."""

from __future__ import annotations

import io
import logging
from collections import Counter
from datetime import date

import openpyxl
import pypdfium2
import pytest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from leads.health import STAT_WARNINGS
from leads.items import ClosureNotice
from spiders.parsing import LayoutChanged
from spiders.pdftables import UnreadableFile
from spiders.warn_ca import WarnCaSpider, split_address
from spiders.warn_report import compact_date
from tests.columns import without_raw
from tests.e2e import Case
from tests.e2e import notice as _notice
from tests.helpers import FILES, file_response
from tests.pdf_faults import blank_pdf, rewrite_texts

#: Notices `leads parse` reads from each saved file (tests/test_parse_cli.py checks every format).
SAVED_FILES = {
    "warn_report.xlsx": 99,
    "warn-report-for-7-1-2018-to-06-30-2019.pdf": 833,  # the report's own "Total" line
    "warnreportfor7-1-2014to06-30-2015.pdf": 769,  # the report's own "Total" line
}

SLUG = "warn_ca"
PDF_2018 = "warn-report-for-7-1-2018-to-06-30-2019.pdf"
PDF_2014 = "warnreportfor7-1-2014to06-30-2015.pdf"
XLSX = "warn_report.xlsx"
BASE = "https://edd.ca.gov/siteassets/files/jobs_and_training/warn/"


def url_of(name: str) -> str:
    return BASE + name


def parse_file(name: str) -> list[ClosureNotice]:
    return list(WarnCaSpider().parse_file(file_response(SLUG, name, url=url_of(name))))


def body_of(name: str) -> bytes:
    return (FILES / SLUG / name).read_bytes()


def crawl_file(body: bytes, name: str, kind: str) -> list[object]:
    """The crawl callback for a downloaded file (parse_pdf / parse_xlsx), on given bytes."""
    spider = WarnCaSpider()
    response = Response(url=url_of(name), body=body)
    callback = spider.parse_pdf if kind == "pdf" else spider.parse_xlsx
    return list(callback(response))


@pytest.fixture(scope="module")
def parsed() -> dict[str, list[ClosureNotice]]:
    return {name: parse_file(name) for name in (PDF_2018, PDF_2014, XLSX)}


def by_key(notices: list[ClosureNotice], key: str) -> ClosureNotice:
    found = [n for n in notices if n.source_key == key]
    assert len(found) == 1, f"{len(found)} notices with key {key!r}"
    return found[0]


# -- counts against numbers the files print themselves ---------------------------------------------

# Copied by eye from the last page of each PDF, the "Total" line of "Summary by Month": notices,
# then Permanent / Temporary / Not Identified layoffs and Permanent / Temporary / Not Identified
# closures. The rows print "Unknown at this time" where the summary says "Not Identified".
PDF_TOTALS = {
    PDF_2018: (
        833,
        {
            "Layoff Permanent": 341,
            "Layoff Temporary": 12,
            "Layoff Unknown at this time": 40,
            "Closure Permanent": 408,
            "Closure Temporary": 19,
            "Closure Unknown at this time": 13,
        },
    ),
    PDF_2014: (
        769,
        {
            "Layoff Permanent": 386,
            "Layoff Temporary": 24,
            "Layoff Unknown at this time": 101,
            "Closure Permanent": 220,
            "Closure Temporary": 10,
            "Closure Unknown at this time": 28,
        },
    ),
}


@pytest.mark.parametrize("name", [PDF_2018, PDF_2014])
def test_pdf_rows_equal_the_reports_total_line(parsed, name):
    total, by_type = PDF_TOTALS[name]
    notices = parsed[name]
    assert len(notices) == total
    assert Counter(n.raw["Layoff/Closure"] for n in notices) == by_type
    assert len({n.source_key for n in notices}) == total


def test_pdf_layouts_with_and_without_county(parsed):
    assert list(parsed[PDF_2018][0].raw) == [
        "Notice Date",
        "Effective Date",
        "Received Date",
        "Company",
        "City",
        "County",
        "No. Of Employees",
        "Layoff/Closure",
    ]
    assert list(parsed[PDF_2014][0].raw) == [
        "Notice Date",
        "Effective Date",
        "Received Date",
        "Company",
        "City",
        "No. Of Employees",
        "Layoff/Closure",
    ]


def test_xlsx_rows(parsed):
    # Sheet1 has 100 rows: the header and 99 notices (SOURCE-xlsx.md: 63 + 35 + 1 by type)
    notices = parsed[XLSX]
    assert len(notices) == 99
    assert Counter(n.raw["Layoff"] for n in notices) == {
        "Layoff Permanent": 63,
        "Closure Permanent": 35,
        "Layoff Not known at this time": 1,
    }
    assert all(n.address and n.city and n.state == "CA" and n.zip5 for n in notices)


# -- whole notices for the tricky rows ----------------------------------------------------------------


def test_pdf_first_row_with_county(parsed):
    expected = ClosureNotice(
        source=SLUG,
        source_key="2018-06-29|dreamcentereducationholdingsllc|alameda",
        company_name="Dream Center Education Holdings, LLC",
        source_url=url_of(PDF_2018),
        notice_type="closure",
        address=None,
        city="Alameda",
        state="CA",
        zip5=None,
        notice_date=date(2018, 6, 29),
        effective_date=date(2018, 8, 28),
        employees=78,
        industry_code=None,
        raw={
            "Notice Date": "06/29/2018",
            "Effective Date": "08/28/2018",
            "Received Date": "07/02/2018",
            "Company": "Dream Center Education Holdings, LLC",
            "City": "Alameda",
            "County": "Alameda County",
            "No. Of Employees": "78",
            "Layoff/Closure": "Closure Permanent",
        },
    )
    assert parsed[PDF_2018][0].as_dict() == expected.as_dict()


def test_pdf_glyph_spaced_dates_2014(parsed):
    # pdfplumber reads this row's dates as "0 6 / 1 8 / 2 0 14" and "0 7 / 0 1 / 2 0 14"
    expected = ClosureNotice(
        source=SLUG,
        source_key="2014-06-30|symanteccorporation|mountainview",
        company_name="Symantec Corporation",
        source_url=url_of(PDF_2014),
        notice_type="layoff",
        city="Mountain View",
        state="CA",
        notice_date=date(2014, 6, 30),
        effective_date=date(2014, 6, 18),
        employees=51,
        raw={
            "Notice Date": "06/30/2014",
            "Effective Date": "06/18/2014",
            "Received Date": "07/01/2014",
            "Company": "Symantec Corporation",
            "City": "Mountain View",
            "No. Of Employees": "51",
            "Layoff/Closure": "Layoff Permanent",
        },
    )
    assert parsed[PDF_2014][0].as_dict() == expected.as_dict()
    assert compact_date("0 6 / 1 8 / 2 0 14") == date(2014, 6, 18)


def test_pdf_temporary_closure(parsed):
    expected = ClosureNotice(
        source=SLUG,
        source_key="2019-06-27|forever21retailinc|palmdale",
        company_name="Forever 21 Retail, Inc.",
        source_url=url_of(PDF_2018),
        notice_type="closure",
        city="Palmdale",
        state="CA",
        notice_date=date(2019, 6, 27),
        effective_date=date(2019, 8, 31),
        employees=79,
        raw={
            "Notice Date": "06/27/2019",
            "Effective Date": "08/31/2019",
            "Received Date": "06/28/2019",
            "Company": "Forever 21 Retail, Inc.",
            "City": "Palmdale",
            "County": "Los Angeles",
            "No. Of Employees": "79",
            "Layoff/Closure": "Closure Temporary",
        },
    )
    assert by_key(parsed[PDF_2018], expected.source_key).as_dict() == expected.as_dict()


def test_pdf_cancelled_notice_is_kept_as_other(parsed):
    # "Health Net, Inc. (CANCELLED)**": ** = "Lay-offs have been cancelled by the Company"
    expected = ClosureNotice(
        source=SLUG,
        source_key="2015-04-27|healthnetinc|woodlandhills",
        company_name="Health Net, Inc.",
        source_url=url_of(PDF_2014),
        notice_type="other",
        city="Woodland Hills",
        state="CA",
        notice_date=date(2015, 4, 27),
        effective_date=date(2015, 6, 26),
        employees=1217,
        raw={
            "Notice Date": "04/27/2015",
            "Effective Date": "06/26/2015",
            "Received Date": "04/27/2015",
            "Company": "Health Net, Inc. (CANCELLED)**",
            "City": "Woodland Hills",
            "No. Of Employees": "1217",
            "Layoff/Closure": "Layoff Unknown at this time",
        },
    )
    assert by_key(parsed[PDF_2014], expected.source_key).as_dict() == expected.as_dict()
    assert sum("CANCELLED" in n.raw["Company"] for n in parsed[PDF_2014]) == 3
    assert not any("**" in n.company_name for n in parsed[PDF_2014])


def test_pdf_same_company_date_city_are_distinct_notices(parsed):
    sears = [n for n in parsed[PDF_2018] if n.company_name == "Sears, Roebuck and Co." and n.city == "Newark"]
    assert [(n.source_key, n.employees) for n in sears] == [
        ("2018-06-28|searsroebuckandco|newark", 8),
        ("2018-06-28|searsroebuckandco|newark#2", 46),
    ]


def test_pdf_clipped_cells_stay_clipped(parsed):
    # Excel printed "South San" for South San Francisco: the PDF holds nothing more.
    genentech = by_key(parsed[PDF_2018], "2018-07-26|genentechincandgenentechusainc|southsan")
    assert (genentech.city, genentech.raw["County"], genentech.employees) == ("South San", "San Mateo County", 223)


def test_xlsx_row_with_address(parsed):
    expected = ClosureNotice(
        source=SLUG,
        source_key="2022-06-15|amgen|newark",
        company_name="Amgen",
        source_url=url_of(XLSX),
        notice_type="closure",
        address="7999 Gateway Blvd #320",
        city="Newark",
        state="CA",
        zip5="94560",
        notice_date=date(2022, 6, 15),
        effective_date=date(2022, 12, 2),
        employees=2,
        raw={
            "County": "Alameda County",
            "Notice Date": "2022-06-15",
            "Received Date": "2022-07-08",
            "Effective Date": "2022-12-02",
            "Company": "Amgen",
            "Layoff": "Closure Permanent",
            "Employees": 2,
            "Address": "7999 Gateway Blvd #320  Newark CA 94560",
        },
    )
    assert parsed[XLSX][0].as_dict() == expected.as_dict()


def test_xlsx_multi_word_city_and_not_known_type(parsed):
    expected = ClosureNotice(
        source=SLUG,
        source_key="2022-07-13|cytomxtherapeuticsinc|southsanfrancisco",
        company_name="CytomX Therapeutics Inc.",
        source_url=url_of(XLSX),
        notice_type="layoff",
        address="151 Oyster Point Blvd. #400",
        city="South San Francisco",
        state="CA",
        zip5="94080",
        notice_date=date(2022, 7, 13),
        effective_date=date(2022, 7, 13),
        employees=66,
        raw={
            "County": "San Mateo County",
            "Notice Date": "2022-07-13",
            "Received Date": "2022-07-22",
            "Effective Date": "2022-07-13",
            "Company": "CytomX Therapeutics Inc.",
            "Layoff": "Layoff Not known at this time",
            "Employees": 66,
            "Address": "151 Oyster Point Blvd. #400  South San Francisco CA 94080",
        },
    )
    assert by_key(parsed[XLSX], expected.source_key).as_dict() == expected.as_dict()


def test_split_address():
    assert split_address("9000 Sunset Boulevard, Suite 1010  West Hollywood CA 90069") == (
        "9000 Sunset Boulevard, Suite 1010",
        "West Hollywood",
        "CA",
        "90069",
    )
    assert split_address("San Clemente Island  Los Angeles CA 90731") == (
        "San Clemente Island",
        "Los Angeles",
        "CA",
        "90731",
    )
    # without EDD's double space the street cannot be told from the city
    assert split_address("1 Main St Fresno CA 93721") == ("1 Main St Fresno CA 93721", None, "CA", "93721")
    assert split_address(None) == (None, None, None, None)


# -- the landing page -------------------------------------------------------------------------------

# No saved copy of EDD's landing page exists in the fixtures: this is a minimal page with the
# link shapes EDD uses (relative and absolute hrefs under /siteassets/files/jobs_and_training/warn/).
LANDING = b"""<html><body>
<a href="/en/jobs_and_training/warn_faqs">WARN FAQ</a>
<a href="/siteassets/files/jobs_and_training/warn/warn_report1.xlsx">WARN Report</a>
<a href="https://edd.ca.gov/siteassets/files/jobs_and_training/warn/warn-report-for-7-1-2018-to-06-30-2019.pdf">
  7/1/2018 to 6/30/2019</a>
<a href="/siteassets/files/jobs_and_training/warn/warnreportfor7-1-2014to06-30-2015.pdf">2014-15</a>
<a href="/siteassets/files/jobs_and_training/warn/warn_report1.xlsx">WARN Report (again)</a>
<a href="/siteassets/files/pdf_pub_ctr/de2503.pdf">an unrelated form</a>
</body></html>"""


def landing(body: bytes = LANDING) -> HtmlResponse:
    return HtmlResponse(url=WarnCaSpider.agency_url, body=body, encoding="utf-8")


def test_landing_page_requests_each_report_file_once():
    spider = WarnCaSpider()
    requests = list(spider.parse(landing()))
    assert [(r.url, r.callback.__name__) for r in requests] == [
        (BASE + "warn_report1.xlsx", "parse_xlsx"),
        (BASE + PDF_2018, "parse_pdf"),
        (BASE + PDF_2014, "parse_pdf"),
    ]
    assert all(r.errback == spider.on_request_error for r in requests)


def test_landing_page_has_no_notices_for_parse_file(caplog):
    caplog.set_level(logging.INFO)
    assert list(WarnCaSpider().parse_file(landing())) == []
    assert "3 report files linked" in caplog.text


def test_landing_page_without_report_links_is_a_layout_error(caplog):
    page = landing(b"<html><body><a href='/en/about'>About</a></body></html>")
    assert list(WarnCaSpider().parse(page)) == []
    assert "layout changed" in caplog.text and "no links to warn_report" in caplog.text
    with pytest.raises(LayoutChanged, match="no links to warn_report"):
        list(WarnCaSpider().parse_file(page))


def test_crawl_callbacks_yield_the_notices():
    assert len(crawl_file(body_of(PDF_2018), PDF_2018, "pdf")) == 833
    assert len(crawl_file(body_of(XLSX), XLSX, "xlsx")) == 99


# -- faults: unreadable files, layout changes, bad rows ------------------------------------------------


@pytest.mark.parametrize("name, kind", [(PDF_2018, "pdf"), (XLSX, "xlsx")])
def test_truncated_file_is_an_error_naming_the_file(caplog, name, kind):
    body = body_of(name)
    truncated = body[: len(body) // 2]
    assert crawl_file(truncated, name, kind) == []
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and name in errors[0].getMessage() and "layout changed" in errors[0].getMessage()
    with pytest.raises(UnreadableFile, match=name):
        list(WarnCaSpider().parse_file(Response(url=url_of(name), body=truncated)))


def test_corrupt_pdf_is_an_error(caplog):
    body = body_of(PDF_2018)
    third = len(body) // 3
    corrupt = body[:third] + b"\0" * third + body[2 * third :]
    assert crawl_file(corrupt, PDF_2018, "pdf") == []
    assert "corrupt PDF" in caplog.text and PDF_2018 in caplog.text


@pytest.mark.parametrize("name, kind", [(PDF_2018, "pdf"), (XLSX, "xlsx")])
def test_html_error_page_served_as_the_file(caplog, name, kind):
    page = b"<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>"
    assert crawl_file(page, name, kind) == []
    assert f"{name}: not a" in caplog.text
    with pytest.raises(UnreadableFile, match="not a"):
        list(WarnCaSpider().parse_file(Response(url=url_of(name), body=page)))


def test_pdf_without_table_is_a_layout_error(caplog):
    assert crawl_file(blank_pdf(2), PDF_2018, "pdf") == []
    assert "no table header found in 2 pages" in caplog.text


def test_pdf_renamed_required_column_fails_loudly(caplog):
    body, changed = rewrite_texts(body_of(PDF_2018), lambda page, text: "Firm" if text.strip() == "Company" else None)
    assert changed == 1
    assert crawl_file(body, PDF_2018, "pdf") == []
    assert "no column for company among headers" in caplog.text and "'Firm'" in caplog.text


def test_pdf_reworded_header_is_found_by_meaning():
    body, changed = rewrite_texts(
        body_of(PDF_2018), lambda page, text: "Date of Notice" if text.strip() == "Notice Date" else None
    )
    assert changed == 1
    notices = crawl_file(body, PDF_2018, "pdf")
    assert len(notices) == 833 and notices[0].notice_date == date(2018, 6, 29)


def test_pdf_malformed_row_is_skipped_with_warning(caplog):
    # the first row's count "78" becomes "unknown"
    body, changed = rewrite_texts(
        body_of(PDF_2018), lambda page, text: "unknown" if text.strip() == "78" else None, pages=range(1)
    )
    assert changed == 1
    notices = crawl_file(body, PDF_2018, "pdf")
    assert len(notices) == 832
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "page 1 line 7" in warnings[0] and "Dream Center" in warnings[0] and "unreadable number" in warnings[0]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_pdf_row_count_differing_from_total_is_an_error(caplog):
    last = len(pypdfium2.PdfDocument(body_of(PDF_2018))) - 1  # the summary page
    body, changed = rewrite_texts(
        body_of(PDF_2018), lambda page, text: "834" if text.strip() == "833" else None, pages=range(last, last + 1)
    )
    assert changed == 1
    assert len(crawl_file(body, PDF_2018, "pdf")) == 833  # the rows are still delivered
    assert "row count check failed" in caplog.text and "Total line says 834" in caplog.text


def edited_xlsx(edit) -> bytes:
    workbook = openpyxl.load_workbook(FILES / SLUG / XLSX)
    edit(workbook.worksheets[0])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_renamed_required_column_fails_loudly(caplog):
    body = edited_xlsx(lambda ws: setattr(ws["F1"], "value", "Firm"))
    assert crawl_file(body, XLSX, "xlsx") == []
    assert "no column for company among headers" in caplog.text and "'Firm'" in caplog.text


def test_xlsx_without_county_header_row_fails_loudly(caplog):
    body = edited_xlsx(lambda ws: ws.delete_rows(1))
    assert crawl_file(body, XLSX, "xlsx") == []
    assert "no header row beginning with 'County'" in caplog.text


def test_xlsx_header_below_title_rows_and_summary_after_data():
    def edit(ws):
        ws.insert_rows(1, 2)
        ws["A1"] = "WARN Report"
        ws["A2"] = "Fiscal Year 2022-23"
        ws.append([])
        ws.append(["Report Summary"])
        ws.append(["Total", 99])

    notices = crawl_file(edited_xlsx(edit), XLSX, "xlsx")
    assert len(notices) == 99 and notices[0].company_name == "Amgen"


def test_xlsx_malformed_row_is_skipped_with_warning(caplog):
    body = edited_xlsx(lambda ws: setattr(ws["J2"], "value", "unknown"))
    notices = crawl_file(body, XLSX, "xlsx")
    assert len(notices) == 98
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "row 2" in warnings[0] and "Amgen" in warnings[0]


# -- speed -------------------------------------------------------------------------------------------


# -- end to end: the crawl stores what `leads parse` reads (tests/test_sources_e2e.py runs E2E_CASES) --

CA_FILES = (
    "warn_ca/warn_report.xlsx",
    "warn_ca/warn-report-for-7-1-2018-to-06-30-2019.pdf",
    "warn_ca/warnreportfor7-1-2014to06-30-2015.pdf",
)


def _ca_rows(server) -> list[dict]:
    return [
        # warn_report.xlsx row 2; the Address cell is "street  City ST zip" (two spaces before the city).
        _notice(
            "warn_ca",
            "2022-06-15|amgen|newark",
            "Amgen",
            server.url("files/warn_ca/warn_report.xlsx"),
            "closure",
            address="7999 Gateway Blvd #320",
            city="Newark",
            state="CA",
            zip5="94560",
            notice_date=date(2022, 6, 15),
            effective_date=date(2022, 12, 2),
            employees=2,
            raw={
                "County": "Alameda County",
                "Notice Date": "2022-06-15",
                "Received Date": "2022-07-08",
                "Effective Date": "2022-12-02",
                "Company": "Amgen",
                "Layoff": "Closure Permanent",
                "Employees": 2,
                "Address": "7999 Gateway Blvd #320  Newark CA 94560",
            },
        ),
        # 2014-15 PDF page 10, the line "02/02/2015 0 3 / 1 8 / 2 0 15 0 2 / 0 5 / 2 0 15 Lockheed Martin
        # Corporation Palmdale 74 Layoff Permanent" (the spaced glyphs are the file's, not the data's).
        _notice(
            "warn_ca",
            "2015-02-02|lockheedmartincorporation|palmdale",
            "Lockheed Martin Corporation",
            server.url("files/warn_ca/warnreportfor7-1-2014to06-30-2015.pdf"),
            "layoff",
            city="Palmdale",
            state="CA",
            notice_date=date(2015, 2, 2),
            effective_date=date(2015, 3, 18),
            employees=74,
            raw={
                "Notice Date": "02/02/2015",
                "Effective Date": "03/18/2015",
                "Received Date": "02/05/2015",
                "Company": "Lockheed Martin Corporation",
                "City": "Palmdale",
                "No. Of Employees": "74",
                "Layoff/Closure": "Layoff Permanent",
            },
        ),
    ]


E2E_CASES = [Case("warn_ca", "warn_ca", CA_FILES, lambda s: [s.url(f"files/{f}") for f in CA_FILES], _ca_rows)]


def test_keys_survive_an_agency_tidying_punctuation_in_names(parsed):
    """The one source-key policy: the real workbook with every company's commas and full stops dropped
    ("Cytomx Therapeutics Inc." -> "Cytomx Therapeutics Inc", "CHS, Inc." -> "CHS Inc") updates the same
    notices instead of adding new ones."""
    book = openpyxl.load_workbook(io.BytesIO(body_of(XLSX)))
    sheet = book.worksheets[0]
    column = next(c.column for row in sheet.iter_rows(max_row=5) for c in row if c.value == "Company")
    changed = 0
    for (c,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
        if isinstance(c.value, str) and ("," in c.value or "." in c.value):
            c.value, changed = c.value.replace(",", "").replace(".", ""), changed + 1
    out = io.BytesIO()
    book.save(out)
    tidied = [n for n in crawl_file(out.getvalue(), XLSX, "xlsx") if isinstance(n, ClosureNotice)]
    assert changed >= 10
    assert [n.source_key for n in tidied] == [n.source_key for n in parsed[XLSX]]
    assert sum(a.company_name != b.company_name for a, b in zip(tidied, parsed[XLSX], strict=False)) == changed


def test_pdf_optional_column_renamed_past_recognition_lands_every_row_with_warnings(parsed, caplog):
    """The 2018-19 report with its Layoff/Closure header printed as "Kind" (a name no vocabulary has):
    all 833 rows land with notice_type "other", and the run says what it could not read."""
    body, changed = rewrite_texts(
        body_of(PDF_2018), lambda page, text: "Kind" if text.strip() == "Layoff/Closure" else None
    )
    assert changed >= 1
    spider = WarnCaSpider.from_crawler(get_crawler(WarnCaSpider))
    got = list(spider.parse_pdf(Response(url=url_of(PDF_2018), body=body)))
    assert without_raw(got, "notice_type") == without_raw(parsed[PDF_2018], "notice_type")
    assert {n.notice_type for n in got} == {"other"}
    assert spider.crawler.stats.get_value(STAT_WARNINGS) == [
        "no column for notice type (its rows land without it)",
        "unknown column 'Kind' (kept in raw, not read)",
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_xlsx_optional_columns_renamed_missing_or_new_land_every_row_with_warnings(parsed):
    """The workbook with Employees gone, its Layoff header renamed to a name no vocabulary has and a new
    column: all 99 rows land, and the run names each column it missed and each it did not know."""

    def edit(ws):
        header = {str(c.value).strip(): c.column for c in ws[1] if c.value is not None}
        ws.delete_cols(header["Employees"])
        ws.cell(row=1, column=header["Layoff"]).value = "Category"
        ws.cell(row=1, column=ws.max_column + 1).value = "Case Worker"

    spider = WarnCaSpider.from_crawler(get_crawler(WarnCaSpider))
    got = list(spider.parse_xlsx(Response(url=url_of(XLSX), body=edited_xlsx(edit))))
    assert without_raw(got, "employees", "notice_type") == without_raw(parsed[XLSX], "employees", "notice_type")
    assert {n.employees for n in got} == {None}
    assert spider.crawler.stats.get_value(STAT_WARNINGS) == [
        "no column for employees (its rows land without it)",
        "no column for notice type (its rows land without it)",
        "unknown column 'Category' (kept in raw, not read)",
        "unknown column 'Case Worker' (kept in raw, not read)",
    ]
