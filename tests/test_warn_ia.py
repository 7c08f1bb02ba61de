"""warn_ia: Iowa's landing page and its XLSX WARN log (current 2022 and historic 2018 workbooks)."""

from __future__ import annotations

import io
import logging
import re
from datetime import date

import openpyxl
import pytest
import scrapy
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from leads.health import STAT_WARNINGS
from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged
from spiders.tabular import xlsx_sheets
from spiders.warn_ia import WarnIaSpider
from tests.columns import edit_columns, without_raw
from tests.e2e import Case
from tests.e2e import notice as _notice
from tests.helpers import FILES, file_response

#: Notices `leads parse` reads from each saved file (tests/test_parse_cli.py checks every format).
SAVED_FILES = {
    "WARN_20180503.xlsx": 338,
    "WARN_20220210.xlsx": 298,  # 299 data rows, one with the unreadable date '9/1/8/2020' skipped
    "worker-adjustment-and-retraining-notification-act.html": 0,  # the landing page: links only
}

FOLDER = "https://www.iowaworkforcedevelopment.gov/sites/search.iowaworkforcedevelopment.gov/files/documents/2018/"
URL_2022 = FOLDER + "WARN_20220210.xlsx"
URL_2018 = FOLDER + "WARN_20180503.xlsx"
LANDING = "worker-adjustment-and-retraining-notification-act.html"


def spider() -> WarnIaSpider:
    return WarnIaSpider.from_crawler(get_crawler(WarnIaSpider))


def landing_text() -> str:
    return (FILES / "warn_ia" / LANDING).read_text(encoding="utf-8")


def landing_response(text: str) -> HtmlResponse:
    return HtmlResponse(url=WarnIaSpider.agency_url, body=text.encode("utf-8"), encoding="utf-8")


def real_rows(name: str) -> list[tuple]:
    ((_sheet, rows),) = xlsx_sheets((FILES / "warn_ia" / name).read_bytes())
    return rows


def workbook(*sheets: tuple[str, list]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def current() -> list[ClosureNotice]:
    return list(WarnIaSpider().parse_workbook(file_response("warn_ia", "WARN_20220210.xlsx", url=URL_2022)))


@pytest.fixture(scope="module")
def historic() -> list[ClosureNotice]:
    return list(WarnIaSpider().parse_workbook(file_response("warn_ia", "WARN_20180503.xlsx", url=URL_2018)))


def by_key(notices, key):
    return next(n for n in notices if n.source_key == key)


# -- the landing page ---------------------------------------------------------------------------


def test_landing_page_requests_the_excel_log_not_the_pdf():
    s = WarnIaSpider()
    (request,) = list(s.parse(file_response("warn_ia", LANDING, url=WarnIaSpider.agency_url)))
    assert isinstance(request, scrapy.Request)
    assert request.url == URL_2022
    assert request.callback == s.parse_workbook and request.errback == s.on_request_error


def test_link_found_by_meaning_when_the_file_name_or_the_text_changes():
    # A relative href with a new file name and a generic text; then a download URL that only the text explains.
    link = re.compile(r'<a href="[^"]*WARN_20220210\.xlsx"[^>]*>[^<]*</a>')
    assert len(link.findall(landing_text())) == 1
    moved = link.sub('<a href="/files/WARN_20230301.XLSX">Download the WARN log</a>', landing_text())
    (request,) = list(WarnIaSpider().parse(landing_response(moved)))
    assert request.url == "https://www.iowaworkforcedevelopment.gov/files/WARN_20230301.XLSX"

    opaque = landing_text().replace(f'href="{URL_2022}"', 'href="/media/4711/download"')
    assert "4711" in opaque
    (request,) = list(WarnIaSpider().parse(landing_response(opaque)))
    assert request.url == "https://www.iowaworkforcedevelopment.gov/media/4711/download"


def test_landing_page_without_the_excel_link_is_a_layout_error(caplog):
    gone = landing_text().replace(URL_2022, FOLDER + "WARN_20220210.pdf").replace("Excel File", "file")
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(landing_response(gone))) == []
    assert "no link to the WARN log Excel workbook" in caplog.text
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(landing_response(gone)))


def test_parse_file_on_the_landing_page_gives_no_notices_and_no_error(caplog):
    with caplog.at_level(logging.INFO):
        assert list(spider().parse_file(file_response("warn_ia", LANDING))) == []
    assert "holds no notices" in caplog.text and URL_2022 in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# -- the workbooks ------------------------------------------------------------------------------


def test_current_workbook_counts(current):
    # SOURCE.md: 300 data rows (then ~600 blank formatted rows). Minus row 253 (notice date '9/1/8/2020',
    # skipped) and row 118 (Sears Auto Store, an exact repeat of row 116): 298 notices.
    assert len(current) == 298
    # Notice Type cells counted with openpyxl: Mass Layoff 117+14 (trailing space); Closing 96+14 + Closting 1,
    # less the two Closing rows above; Amendment 55+3.
    types = [n.notice_type for n in current]
    assert (types.count("layoff"), types.count("closure"), types.count("other")) == (131, 109, 58)


def test_historic_workbook_counts(historic):
    # SOURCE.md: 339 data rows; row 52 repeats row 51 (Lennox, 2012-08-31) exactly: 338 notices.
    assert len(historic) == 338
    types = [n.notice_type for n in historic]
    assert (types.count("layoff"), types.count("closure"), types.count("other")) == (129, 87, 122)


def test_text_notice_date_and_out_of_state_site(current):
    assert current[0] == ClosureNotice(
        source="warn_ia",
        source_key="rosepublishing|2017-02-15|carson",
        company_name="Rose Publishing",
        source_url=URL_2022,
        notice_type="layoff",
        address="17909 Adria Maru Lane",
        city="Carson",
        state="CA",
        zip5="90746",
        notice_date=date(2017, 2, 15),
        effective_date=date(2017, 4, 15),
        employees=1,
        raw={
            "Company": "Rose Publishing",
            "Address Line 1": "17909 Adria Maru Lane",
            "City": "Carson",
            "County": "Sioux",
            "St": "CA",
            "ZIP": "90746",
            "Notice Type": "Mass Layoff",
            "Emp #": 1,
            "Notice Date": "2/15/2017",
            "Layoff Date": "2017-04-15",
        },
    )


def test_trailing_spaces_numeric_zip_and_two_digit_year(current):
    assert by_key(current, "colonialmanorsofmanillaincdbamanillamannor|2021-07-14|manilla") == ClosureNotice(
        source="warn_ia",
        source_key="colonialmanorsofmanillaincdbamanillamannor|2021-07-14|manilla",
        company_name="Colonial Manors of Manilla Inc, DBA Manilla Mannor",
        source_url=URL_2022,
        notice_type="closure",
        address="146 North 5th Street",
        city="Manilla",
        state="IA",
        zip5="51454",
        notice_date=date(2021, 7, 14),
        effective_date=date(2021, 7, 30),
        employees=34,
        raw={
            "Company": "Colonial Manors of Manilla Inc, DBA Manilla Mannor ",
            "Address Line 1": "146 North 5th Street",
            "City": "Manilla ",
            "County": "Crawford ",
            "St": "IA ",
            "ZIP": 51454,
            "Notice Type": "Closing ",
            "Emp #": 34,
            "Notice Date": "7/14/21",
            "Layoff Date": "2021-07-30",
        },
    )


def test_amendment_rows_are_their_own_notices_and_a_missing_count_is_none(historic):
    assert historic[2] == ClosureNotice(
        source="warn_ia",
        source_key="electrolux|2011-01-27|webstercity",
        company_name="Electrolux",
        source_url=URL_2018,
        notice_type="other",
        address="400 Des Moines Street",
        city="Webster City",
        state="IA",
        zip5="50595",
        notice_date=date(2011, 1, 27),
        effective_date=date(2011, 3, 31),
        employees=510,
        raw={
            "Company": "Electrolux",
            "Address Line 1": "400 Des Moines Street",
            "City": "Webster City",
            "County": "Hamilton",
            "State": "IA",
            "ZIP": "50595",
            "Notice Type": "Amendment",
            "Emp #": 510,
            "Notice Date": "2011-01-27",
            "Layoff Date": "2011-03-31",
        },
    )
    tyson = by_key(historic, "tysonfoodsinc|2011-09-22|councilbluffs")
    assert (tyson.notice_type, tyson.employees, tyson.raw["Emp #"]) == ("other", None, None)


def test_unreadable_notice_date_is_skipped_loudly_not_misread(caplog):
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse_workbook(file_response("warn_ia", "WARN_20220210.xlsx", url=URL_2022)))
    assert s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 1
    assert (
        "skipped row sheet 'WARN log for website' row 253 ('Sorenson Communications, LLC')" in caplog.text
        and "unreadable date '9/1/8/2020'" in caplog.text
    )
    assert not [n for n in got if n.company_name.startswith("Sorenson")]


def test_same_key_other_site_is_numbered_and_an_identical_row_is_yielded_once(current, historic):
    younkers = [n for n in current if n.source_key.startswith("younkers|2018-04-05|westdesmoines")]
    assert [(n.source_key, n.address, n.employees) for n in younkers] == [
        ("younkers|2018-04-05|westdesmoines", "101 Jordan Creek Parkway", 108),
        ("younkers|2018-04-05|westdesmoines|2", "1551 Valley West Drive", 164),
    ]
    assert len([n for n in historic if n.source_key.startswith("lennox|2012-08-31|")]) == 1
    assert len([n for n in current if n.source_key.startswith("searsautostore|2018-12-27|")]) == 1


def test_a_notice_in_both_workbooks_gets_the_same_key(current, historic):
    # "K-Mart" (historic, Excel date) and "Kmart" (current, text date) are the same 2017-06-06 Iowa City closing.
    old = by_key(historic, "kmart|2017-06-06|iowacity")
    new = by_key(current, "kmart|2017-06-06|iowacity")
    assert (old.company_name, new.company_name) == ("K-Mart", "Kmart")
    assert (old.employees, old.effective_date) == (new.employees, new.effective_date) == (49, date(2017, 9, 3))


def test_workbook_given_as_the_start_url_is_parsed_directly(historic):
    got = list(WarnIaSpider().parse(file_response("warn_ia", "WARN_20180503.xlsx", url=URL_2018)))
    assert got == historic


def test_header_lower_down_reordered_columns_and_an_extra_sheet_give_the_same_notices(current):
    rows = real_rows("WARN_20220210.xlsx")
    order = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    moved = [("Iowa WARN log", None), (None,)] + [tuple(row[i] for i in order) for row in rows]
    body = workbook(("Read me", [("Notes",), ("Updated weekly",)]), ("Log", moved))
    got = list(WarnIaSpider().parse_workbook(Response(url=URL_2022, body=body)))
    assert [n.as_dict() | {"raw": None} for n in got] == [n.as_dict() | {"raw": None} for n in current]


def test_renamed_required_column_is_a_layout_error(caplog):
    rows = real_rows("WARN_20220210.xlsx")
    rows[0] = tuple("Posted On" if h == "Notice Date" else h for h in rows[0])  # no name the vocabulary knows
    body = workbook(("WARN log for website", rows))
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse_workbook(Response(url=URL_2022, body=body))) == []
    assert "no column for notice_date" in caplog.text and "'Posted On'" in caplog.text
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_optional_columns_renamed_missing_reordered_or_new_land_every_row_with_warnings(current):
    """The 2022 workbook as an agency might publish it next year: the type column renamed to a name no
    vocabulary has (read from its values), Emp # renamed, County and ZIP dropped, a column added, the
    order reversed. Every row lands; the lost fields are empty; the run says what it could not read."""
    rows = edit_columns(
        real_rows("WARN_20220210.xlsx"),
        rename={"Notice Type": "Kind", "Emp #": "Headcount"},
        drop=["County", "ZIP"],
        add={"Contact Email": lambda n: "hr@example.test"},
        reverse=True,
    )
    s = spider()
    got = list(s.parse_workbook(Response(url=URL_2022, body=workbook(("WARN log for website", rows)))))
    assert without_raw(got, "zip5") == without_raw(current, "zip5")
    assert {n.zip5 for n in got} == {None}
    warnings = s.crawler.stats.get_value(STAT_WARNINGS)
    assert len(warnings) == 4, warnings
    assert warnings[0].startswith("sheet 'WARN log for website': column 'Kind' read as notice_type: ")
    assert warnings[1:] == [
        "sheet 'WARN log for website': no column for county (its rows land without it)",
        "sheet 'WARN log for website': no column for zip (its rows land without it)",
        "sheet 'WARN log for website': unknown column 'Contact Email' (kept in raw, not read)",
    ]


def test_a_missing_essential_column_still_fails_loudly(caplog):
    rows = edit_columns(real_rows("WARN_20220210.xlsx"), drop=["City"])
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse_workbook(Response(url=URL_2022, body=workbook(("Log", rows))))) == []
    assert "layout changed: no column for city" in caplog.text
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ((FILES / "warn_ia" / LANDING).read_bytes(), "expected an XLSX workbook, got an HTML page"),
        ((FILES / "warn_ia" / "WARN_20220210.xlsx").read_bytes()[:40000], "not a readable XLSX workbook"),
        (workbook(("Sheet1", [])), "no rows at all"),
        (workbook(("Sheet1", [real_rows("WARN_20220210.xlsx")[0]])), "has a header but no data rows"),
    ],
)
def test_not_a_workbook_truncated_or_empty_is_a_layout_error(body, message, caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse_workbook(Response(url=URL_2022, body=body))) == []
    assert message in caplog.text
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_parse_file_on_a_broken_workbook_raises():
    truncated = (FILES / "warn_ia" / "WARN_20220210.xlsx").read_bytes()[:40000]
    with pytest.raises(LayoutChanged, match="not a readable XLSX workbook"):
        list(spider().parse_file(Response(url=URL_2022, body=truncated)))


# -- end to end: the crawl stores what `leads parse` reads (tests/test_sources_e2e.py runs E2E_CASES) --

IA_2018 = "files/warn_ia/WARN_20180503.xlsx"

IA_2022 = "files/warn_ia/WARN_20220210.xlsx"

IA_LANDING_XLSX = (
    "https://www.iowaworkforcedevelopment.gov/sites/search.iowaworkforcedevelopment.gov/files/"
    "documents/2018/WARN_20220210.xlsx"
)


def _ia_historic(server) -> list[str]:
    return [server.url(IA_2018)]


def _ia_landing(server) -> list[str]:
    """The real landing page, its workbook link (absolute, on the agency's host) pointed at the local server."""
    page = (FILES / "warn_ia" / "worker-adjustment-and-retraining-notification-act.html").read_text(encoding="utf-8")
    assert page.count(f'href="{IA_LANDING_XLSX}"') == 1
    page = page.replace(f'href="{IA_LANDING_XLSX}"', f'href="{server.url(IA_2022)}"')
    return [server.add("iowa/worker-adjustment-and-retraining-notification-act", page.encode("utf-8"))]


def _ia_xpo(server) -> list[dict]:
    # WARN_20180503.xlsx (the 2011-2018 log), sheet "WARN Log 7_12_17- 2", row 172: dates are Excel dates here.
    return [
        _notice(
            "warn_ia",
            "xpologistics|2016-01-22|desmoines",
            "XPO Logistics",
            server.url(IA_2018),
            "layoff",
            address="3440 Gannett Ave",
            city="Des Moines",
            state="IA",
            zip5="50321",
            notice_date=date(2016, 1, 22),
            effective_date=date(2016, 3, 23),
            employees=97,
            raw={
                "Company": "XPO Logistics",
                "Address Line 1": "3440 Gannett Ave",
                "City": "Des Moines",
                "County": "Polk",
                "State": "IA",
                "ZIP": "50321",
                "Notice Type": "Mass Layoff",
                "Emp #": 97,
                "Notice Date": "2016-01-22",
                "Layoff Date": "2016-03-23",
            },
        )
    ]


def _ia_kerry(server) -> list[dict]:
    # WARN_20220210.xlsx, sheet "WARN log for website", row 268: trailing spaces, 'IA ', ZIP as a number.
    return [
        _notice(
            "warn_ia",
            "kerryinc|2021-02-02|fredericksburg",
            "Kerry Inc",
            server.url(IA_2022),
            "closure",
            address="341 S Jefferson St",
            city="Fredericksburg",
            state="IA",
            zip5="50630",
            notice_date=date(2021, 2, 2),
            effective_date=date(2021, 3, 31),
            employees=85,
            raw={
                "Company": "Kerry Inc ",
                "Address Line 1": "341 S Jefferson St ",
                "City": "Fredericksburg",
                "County": "Chickasaw",
                "St": "IA ",
                "ZIP": 50630,
                "Notice Type": "Closing ",
                "Emp #": 85,
                "Notice Date": "2/2/2021",
                "Layoff Date": "2021-03-31",
            },
        )
    ]


E2E_CASES = [
    Case("warn_ia-xlsx", "warn_ia", ("warn_ia/WARN_20180503.xlsx",), _ia_historic, _ia_xpo),
    Case("warn_ia-landing", "warn_ia", ("warn_ia/WARN_20220210.xlsx",), _ia_landing, _ia_kerry),
]
