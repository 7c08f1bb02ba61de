"""warn_va: the Virginia WARN CSV export, parsed from the saved real file and from faults derived from it."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date

import pytest
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from leads.health import STAT_WARNINGS
from leads.items import ClosureNotice
from spiders.base import STAT_LAYOUT_ERRORS, STAT_ROWS_SKIPPED
from spiders.parsing import LayoutChanged
from spiders.warn_va import WarnVaSpider
from tests.columns import edit_columns, without_raw
from tests.e2e import Case
from tests.e2e import csv_row as _csv_row
from tests.e2e import notice as _notice
from tests.helpers import FILES, file_response

#: Notices `leads parse` reads from each saved file (tests/test_parse_cli.py checks every format).
SAVED_FILES = {"va.csv": 1073}  # csv.reader rows less the header

URL = "https://www.virginiaworks.gov/warn_notices.csv"
HEADER = [
    "Company",
    "Notice Date",
    "Impact Date",
    "Employees Affected",
    "Location",
    "Contact Person",
    "Notice Type",
    "Collective Bargaining Unit",
]


def spider() -> WarnVaSpider:
    return WarnVaSpider.from_crawler(get_crawler(WarnVaSpider))


def real_rows() -> list[list[str]]:
    with open(FILES / "warn_va" / "va.csv", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def csv_response(rows: list[list[str]], encoding: str = "utf-8") -> TextResponse:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return TextResponse(url=URL, body=out.getvalue().encode(encoding), encoding="utf-8")


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnVaSpider().parse(file_response("warn_va", "va.csv", url=URL)))


def by_key(notices: list[ClosureNotice], key: str) -> ClosureNotice:
    return next(n for n in notices if n.source_key == key)


def test_every_row_of_the_real_file_is_a_notice(notices):
    # SOURCE.md and `csv.reader` both count 1,073 data rows; none is malformed (every notice date and
    # count reads) and none repeats another row, so all 1,073 are notices.
    assert len(notices) == 1073
    assert len({n.source_key for n in notices}) == 1073
    # Notice Type counts from SOURCE.md: Closure 415 + ClosureLayoff 9 + ClosurePermanent Reduction 1;
    # Layoff 470 + Permanent Reduction 40 + LayoffPermanent Reduction 9; blank 127 + Realignment 2.
    types = [n.notice_type for n in notices]
    assert (types.count("closure"), types.count("layoff"), types.count("other")) == (425, 519, 129)


def test_multi_valued_notice_type_counts_as_closure(notices):
    assert by_key(notices, "llflooring|2024-08-27|richmondva") == ClosureNotice(
        source="warn_va",
        source_key="llflooring|2024-08-27|richmondva",
        company_name="LL Flooring",
        source_url=URL,
        notice_type="closure",
        city="Richmond",
        state="VA",
        notice_date=date(2024, 8, 27),
        effective_date=date(2024, 10, 10),
        employees=300,
        raw={
            "Company": "LL Flooring",
            "Notice Date": "08/27/2024",
            "Impact Date": "10/10/2024",
            "Employees Affected": "300",
            "Location": "Richmond VA",
            "Contact Person": "Dominique Young",
            "Notice Type": "ClosureLayoff",
            "Collective Bargaining Unit": "",
        },
    )


def test_html_entities_are_decoded_and_a_repeated_state_and_zip_taken_off(notices):
    lutheran = by_key(notices, "lutheransocialservicesnationalcapitalarealssna|2025-08-11|fairfaxwoodbridgeva")
    assert (lutheran.city, lutheran.state, lutheran.notice_type) == ("Fairfax & Woodbridge", "VA", "layoff")
    assert lutheran.raw["Location"] == "Fairfax &amp; Woodbridge VA"  # raw stays as published

    atlantic = by_key(notices, "atlanticdominiondistributors|2025-07-30|williamsburgvirginiabeachva23462va")
    assert (
        atlantic.as_dict() | {"raw": None}
        == ClosureNotice(
            source="warn_va",
            source_key="atlanticdominiondistributors|2025-07-30|williamsburgvirginiabeachva23462va",
            company_name="Atlantic Dominion Distributors",
            source_url=URL,
            notice_type="closure",
            city="Williamsburg & Virginia Beach",
            state="VA",
            zip5="23462",
            notice_date=date(2025, 7, 30),
            effective_date=date(2025, 9, 26),
            employees=104,
            raw=None,
        ).as_dict()
    )


def test_impact_date_decades_before_the_notice_is_stored_as_unknown(notices):
    # 10/01/1973 on a notice of 07/14/2020 is a typo; None says "unknown", the text stays in raw.
    yoga = by_key(notices, "yogaworksinc|2020-07-14|arlingtonva")
    assert (yoga.notice_date, yoga.effective_date, yoga.raw["Impact Date"]) == (date(2020, 7, 14), None, "10/01/1973")
    # a retroactive COVID-19 layoff six months before its notice is real and kept
    chang = by_key(notices, "pfchangschinabistro|2020-09-17|richmondva")
    assert chang.effective_date == date(2020, 3, 17)


def test_same_company_day_and_place_with_other_counts_are_distinct_notices(notices):
    # Two Martin's stores in Richmond noticed on 04/11/2017 (99 and 138 workers): lines 649 and 651.
    first = by_key(notices, "martins|2017-04-11|richmondva")
    second = by_key(notices, "martins|2017-04-11|richmondva|2")
    assert (first.employees, second.employees) == (99, 138)


def test_location_without_a_city(notices):
    assert by_key(notices, "paesharedservicesllc|2021-04-30|va").city is None  # Location " VA"
    assert by_key(notices, "daconsultingservicellcdbagetinsured|2025-01-21|virginiava").city is None  # "Virginia VA"


def test_renamed_and_reordered_columns_give_the_same_notices(notices):
    rows = real_rows()
    renamed = {
        "Company": "Company Name",
        "Notice Date": "Date of Notice",
        "Impact Date": "Layoff Date",
        "Employees Affected": "Number of Employees Affected",
        "Location": "City",
        "Notice Type": "Type of Notice",
    }
    order = [6, 3, 0, 5, 4, 2, 1, 7]
    moved = [[renamed.get(rows[0][i], rows[0][i]) for i in order]] + [[row[i] for i in order] for row in rows[1:]]

    again = list(spider().parse(csv_response(moved)))

    def without_raw(items):
        return [n.as_dict() | {"raw": None} for n in items]

    assert without_raw(again) == without_raw(notices)
    assert again[0].raw["Company Name"] == "AeroFarms"


def test_removed_company_column_is_a_layout_error(caplog):
    rows = [row[1:] for row in real_rows()]
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(csv_response(rows))) == []
    assert "layout changed" in caplog.text and "no column for company" in caplog.text
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged, match="company"):
        list(spider().parse_file(csv_response(rows)))


@pytest.mark.parametrize(
    "body",
    [b"", b"\r\n", ",".join(HEADER).encode(), b"<!DOCTYPE html><html><body>Checking your browser...</body></html>"],
)
def test_empty_file_header_only_or_html_page_is_a_layout_error(body, caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(TextResponse(url=URL, body=body, encoding="utf-8"))) == []
    assert "layout changed" in caplog.text
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_malformed_rows_are_skipped_and_named(caplog):
    rows = real_rows()
    rows[1][1] = "13/45/2025"  # AeroFarms: impossible notice date
    rows[2][3] = "unknown"  # Giant Delivers: count not a number
    rows[3][0] = "  "  # no company
    rows[4][2] = "TBD"  # impact date unknown: optional, the row stays
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse(csv_response(rows)))
    assert len(got) == 1070
    assert s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 3
    assert "skipped row line 2 ('AeroFarms')" in caplog.text and "unreadable date '13/45/2025'" in caplog.text
    assert "skipped row line 3 ('Giant Delivers')" in caplog.text and "unreadable number 'unknown'" in caplog.text
    assert "skipped row line 4 ('')" in caplog.text and "no company name" in caplog.text
    assert got[0].raw["Company"] == rows[4][0] and got[0].effective_date is None


def test_literal_br_inside_values():
    rows = [
        HEADER,
        [
            "Farm Fresh<br>#6290",
            "03/14/2018",
            "05/14/2018",
            "87",
            "Hayes<br/>VA",
            "Randall Benjamin",
            "Closure<br>Layoff",
            "",
        ],
    ]
    (notice,) = spider().parse(csv_response(rows))
    assert (notice.company_name, notice.city, notice.state, notice.notice_type) == (
        "Farm Fresh #6290",
        "Hayes",
        "VA",
        "closure",
    )
    assert notice.source_key == "farmfresh6290|2018-03-14|hayesva"


def test_windows_1252_and_bom_give_the_same_notices(notices):
    text = (FILES / "warn_va" / "va.csv").read_bytes().decode("utf-8")
    for body in (text.encode("cp1252"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        again = list(spider().parse(TextResponse(url=URL, body=body, encoding="utf-8")))
        assert again == notices


def test_optional_columns_renamed_missing_or_new_land_every_row_with_warnings(notices):
    """Notice Type renamed to a name no vocabulary has (read from its Closure/Layoff values), Employees
    Affected renamed past recognition ("Count"), Contact Person dropped, a column added, the order
    reversed: all rows land, the run says what it missed."""
    rows = edit_columns(
        real_rows(),
        rename={"Notice Type": "Category", "Employees Affected": "Count"},
        drop=["Contact Person"],
        add={"Region Code": lambda n: "R1"},
        reverse=True,
    )
    s = spider()
    got = list(s.parse(csv_response(rows)))
    assert without_raw(got, "employees") == without_raw(notices, "employees")
    assert {n.employees for n in got} == {None}
    warnings = s.crawler.stats.get_value(STAT_WARNINGS)
    assert warnings[0].startswith("column 'Category' read as notice_type: ")
    assert warnings[1:] == [
        "no column for employees (its rows land without it)",
        "unknown column 'Count' (kept in raw, not read)",
        "unknown column 'Region Code' (kept in raw, not read)",
    ]
    assert not s.crawler.stats.get_value(STAT_LAYOUT_ERRORS)


def test_the_real_file_gives_no_column_warning():
    s = spider()
    assert len(list(s.parse(file_response("warn_va", "va.csv")))) == 1073
    assert not s.crawler.stats.get_value(STAT_WARNINGS)


# -- end to end: the crawl stores what `leads parse` reads (tests/test_sources_e2e.py runs E2E_CASES) --


def _va_row(server) -> list[dict]:
    raw = _csv_row("warn_va/va.csv", Company="The Corsi Group")
    return [
        _notice(
            "warn_va",
            "thecorsigroup|2018-06-19|keysvilleva",
            "The Corsi Group",
            server.url("files/warn_va/va.csv"),
            "closure",
            city="Keysville",
            state="VA",
            notice_date=date(2018, 6, 19),
            effective_date=date(2018, 8, 31),
            employees=53,
            raw=raw,
        )
    ]


E2E_CASES = [Case("warn_va", "warn_va", ("warn_va/va.csv",), lambda s: [s.url("files/warn_va/va.csv")], _va_row)]
