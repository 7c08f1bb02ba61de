"""warn_ny: the NY DOL Tableau CSV export, from the saved real file and from faults derived from it."""

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
from spiders.warn_ny import WarnNySpider, split_site_address
from tests.columns import edit_columns, without_raw
from tests.e2e import Case
from tests.e2e import csv_row as _csv_row
from tests.e2e import notice as _notice
from tests.helpers import FILES, file_response

#: Notices `leads parse` reads from each saved file (tests/test_parse_cli.py checks every format).
SAVED_FILES = {"ny.csv": 126}  # 252 lines: every notice posted twice (original and re-posting)

URL = WarnNySpider.start_urls[0]


def spider() -> WarnNySpider:
    return WarnNySpider.from_crawler(get_crawler(WarnNySpider))


def real_bytes() -> bytes:
    return (FILES / "warn_ny" / "ny.csv").read_bytes()


def real_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(real_bytes().decode("utf-8"), newline="")))


def csv_response(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> TextResponse:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return TextResponse(url=URL, body=out.getvalue().encode(encoding), encoding="utf-8")


@pytest.fixture(scope="module")
def notices() -> list[ClosureNotice]:
    return list(WarnNySpider().parse(file_response("warn_ny", "ny.csv", url=URL)))


def by_key(notices: list[ClosureNotice], key: str) -> ClosureNotice:
    return next(n for n in notices if n.source_key == key)


def test_each_notice_once_although_tableau_lists_every_posting(notices):
    # 252 data rows (SOURCE.md, `wc -l` minus the header). Grouped by company + notice date + site address
    # with the csv module, they form 126 pairs that differ only in Date Posted and Index: 126 notices.
    assert len(notices) == 126
    # SOURCE.md: Layoff or Closure? = Closure on 148 rows, Layoff on 104, i.e. 74 and 52 notices.
    types = [n.notice_type for n in notices]
    assert (types.count("closure"), types.count("layoff")) == (74, 52)


def test_latest_posting_is_kept_and_the_double_space_splits_street_from_city(notices):
    assert by_key(notices, "57thstreetassociates|2025-01-09|60w57thstnewyorkny10019") == ClosureNotice(
        source="warn_ny",
        source_key="57thstreetassociates|2025-01-09|60w57thstnewyorkny10019",
        company_name="57th Street Associates",
        source_url=URL,
        notice_type="closure",
        address="60 W 57th St",
        city="New York",
        state="NY",
        zip5="10019",
        notice_date=date(2025, 1, 9),
        effective_date=date(2025, 4, 9),
        employees=60,
        raw={
            "Business Legal Name": "57th Street Associates",
            "Date Layoff/Closure Starts": "2025-04-09",
            "Date of WARN Notice ": "2025-01-09",
            "Date Posted": "2025-01-17",
            "Impacted Site Address": "60 W 57th St  New York, NY, 10019",
            "Impacted Site County": "New York",
            "Layoff or Closure?": "Closure",
            "Measure Names": "# of Affected Workers",
            "Permanent or Temporary Layoff?": "Permanent",
            "Index": "233",
            "Number of Affected Workers ": "60",
            "Number of Affected Workers": "60",
        },
    )


def test_suite_line_then_city_uses_the_zip_codes_city_names(notices):
    macys = by_key(
        notices, "macysretailholdingsinc|2025-01-09|397greeceridgecentermacysmallatgreeceridge71143rochesterny14626"
    )
    assert (
        macys.as_dict() | {"raw": None}
        == ClosureNotice(
            source="warn_ny",
            source_key=macys.source_key,
            company_name="Macy\u2019s Retail Holdings, Inc.",
            source_url=URL,
            notice_type="closure",
            address="397 Greece Ridge Center Macy\u2019s Mall at Greece Ridge #71143",
            city="Rochester",
            state="NY",
            zip5="14626",
            notice_date=date(2025, 1, 9),
            effective_date=date(2025, 3, 23),
            employees=50,
            raw=None,
        ).as_dict()
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6400 Sheridan Drive 310 Amherst, NY, 14221", ("6400 Sheridan Drive 310", "Amherst", "NY", "14221")),
        (
            "735 LIBRARY RD UNIVERSITY OF ROCHESTER ROCHESTER, NY, 14627",
            ("735 LIBRARY RD UNIVERSITY OF ROCHESTER", "ROCHESTER", "NY", "14627"),
        ),
        (
            "47-11 Austell Place Austell Place Humanitarian Emergency Response and Relief Center Long Island City, NY, 11101",
            (
                "47-11 Austell Place Austell Place Humanitarian Emergency Response and Relief Center",
                "Long Island City",
                "NY",
                "11101",
            ),
        ),
        ("455 Jefferson  East Williamsburg, NY, 11237", ("455 Jefferson", "East Williamsburg", "NY", "11237")),
        ("12 Nowhere Road Smallville, NY, 99999", ("12 Nowhere Road Smallville", None, "NY", "99999")),
        ("Remote", ("Remote", None, None, None)),
    ],
)
def test_site_address_split(text, expected):
    assert split_site_address(text) == expected


def test_same_company_and_day_at_another_site_is_another_notice(notices):
    charities = [n for n in notices if n.company_name.startswith("Catholic Charities of Orange")]
    assert sorted((n.city, n.employees) for n in charities) == [
        ("Goshen", 14),
        ("Monticello", 1),
        ("Monticello", 12),
        ("Newburgh", 3),
        ("Port Jervis", 3),
    ]


def test_windows_1252_bom_and_utf16_tab_separated_give_identical_notices(notices):
    text = real_bytes().decode("utf-8")
    assert "\u2019" in text  # Macy’s: the one character whose bytes differ between UTF-8 and cp1252
    bodies = {
        "cp1252": text.encode("cp1252"),
        "utf-8 BOM": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "cp1252 BOM-less, CRLF": text.replace("\r\n", "\n").replace("\n", "\r\n").encode("cp1252"),
    }
    out = io.StringIO()
    csv.writer(out, delimiter="\t").writerows(real_rows())
    bodies["utf-16 tabs (Tableau crosstab)"] = out.getvalue().encode("utf-16")
    for label, body in bodies.items():
        again = list(spider().parse(TextResponse(url=URL, body=body, encoding="utf-8")))
        assert again == notices, label


def test_posting_order_does_not_change_the_kept_row(notices):
    rows = real_rows()
    again = list(spider().parse(csv_response([rows[0], *reversed(rows[1:])])))
    assert sorted(again, key=lambda n: n.source_key) == sorted(notices, key=lambda n: n.source_key)


def test_malformed_row_is_skipped_and_named_and_the_other_posting_still_lands(caplog):
    rows = real_rows()
    rows[1][-1] = rows[1][-2] = "unknown"  # 57th Street Associates, posting of 2025-01-17
    rows[3][2] = "2025-02-30"  # Air Products, posting of 2025-02-27: no such date
    s = spider()
    with caplog.at_level(logging.WARNING):
        got = list(s.parse(csv_response(rows)))
    assert s.crawler.stats.get_value(STAT_ROWS_SKIPPED) == 2
    assert "skipped row line 2 ('57th Street Associates')" in caplog.text
    assert "skipped row line 4 ('Air Products and Chemicals, Inc.')" in caplog.text
    assert len(got) == 126
    assert by_key(got, "57thstreetassociates|2025-01-09|60w57thstnewyorkny10019").raw["Date Posted"] == "2025-01-09"


def test_renamed_header_by_meaning_or_loud_failure(notices, caplog):
    rows = real_rows()
    rows[0][0] = "Company Name"
    rows[0][2] = "Notice Date"
    renamed = list(spider().parse(csv_response(rows)))
    assert [n.as_dict() | {"raw": None} for n in renamed] == [n.as_dict() | {"raw": None} for n in notices]

    rows[0][0] = "Firm"  # no longer says company/business/employer
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(csv_response(rows))) == []
    assert "no column for company" in caplog.text
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1
    with pytest.raises(LayoutChanged):
        list(spider().parse_file(csv_response(rows)))


@pytest.mark.parametrize(
    "body", [b"", real_bytes().split(b"\r\n")[0] + b"\r\n", b"<html><head><title>403 Forbidden</title></head></html>"]
)
def test_empty_header_only_or_error_page_is_a_layout_error(body, caplog):
    s = spider()
    with caplog.at_level(logging.ERROR):
        assert list(s.parse(TextResponse(url=URL, body=body, encoding="utf-8"))) == []
    assert "layout changed" in caplog.text
    assert s.crawler.stats.get_value(STAT_LAYOUT_ERRORS) == 1


def test_optional_columns_renamed_missing_or_new_land_every_row_with_warnings(notices):
    """Layoff or Closure? renamed to an unknown name (read from its values once the Permanent/Temporary
    column, whose values would make that ambiguous, is gone), the worker counts and the start date dropped, Tableau's Index gone, a new column: every notice lands, the run says what it missed."""
    rows = edit_columns(
        real_rows(),
        rename={"Layoff or Closure?": "Event"},
        drop=["Number of Affected Workers", "Date Layoff/Closure Starts", "Index", "Permanent or Temporary Layoff?"],
        add={"Program": lambda n: "WARN"},
        reverse=True,
    )
    s = spider()
    got = list(s.parse(csv_response(rows)))
    assert without_raw(got, "employees", "effective_date") == without_raw(notices, "employees", "effective_date")
    assert {n.employees for n in got} == {None} and {n.effective_date for n in got} == {None}
    warnings = s.crawler.stats.get_value(STAT_WARNINGS)
    assert warnings[0].startswith("column 'Event' read as notice_type: "), warnings
    assert warnings[1:] == [
        "no column for effective date (its rows land without it)",
        "no column for employees (its rows land without it)",
        "unknown column 'Program' (kept in raw, not read)",
    ]


def test_renamed_type_column_is_read_by_its_values_beside_a_known_permanent_temporary_column(notices):
    """The "Layoff or Closure?" column renamed to a name nobody knows while "Permanent or Temporary Layoff?" stays:
    the known column says what it is by its header, so only the renamed one is read by its values and
    the notice types survive (before, the two were ambiguous and every notice came out "other")."""
    rows = edit_columns(real_rows(), rename={"Layoff or Closure?": "Action Kind"})
    s = spider()
    got = list(s.parse(csv_response(rows)))
    assert without_raw(got) == without_raw(notices)
    assert {n.notice_type for n in got} - {"other"}, "notice types lost"
    warnings = s.crawler.stats.get_value(STAT_WARNINGS)
    assert len(warnings) == 1 and warnings[0].startswith("column 'Action Kind' read as notice_type: "), warnings


def test_the_real_file_gives_no_column_warning():
    s = spider()
    assert len(list(s.parse(file_response("warn_ny", "ny.csv")))) == 126
    assert not s.crawler.stats.get_value(STAT_WARNINGS)


# -- end to end: the crawl stores what `leads parse` reads (tests/test_sources_e2e.py runs E2E_CASES) --


def _ny_row(server) -> list[dict]:
    # Posted twice (Index 153 on 2025-03-19, Index 11 on 2025-05-21): one notice, the latest posting's raw.
    raw = _csv_row("warn_ny/ny.csv", **{"Business Legal Name": "Morgan Stanley", "Index": "11"})
    assert raw["Impacted Site Address"] == "750 7th Avenue  New York, NY, 10019"
    return [
        _notice(
            "warn_ny",
            "morganstanley|2025-03-19|7507thavenuenewyorkny10019",
            "Morgan Stanley",
            server.url("files/warn_ny/ny.csv"),
            "layoff",
            address="750 7th Avenue",
            city="New York",
            state="NY",
            zip5="10019",
            notice_date=date(2025, 3, 19),
            effective_date=date(2025, 6, 17),
            employees=90,
            raw=raw,
        )
    ]


E2E_CASES = [Case("warn_ny", "warn_ny", ("warn_ny/ny.csv",), lambda s: [s.url("files/warn_ny/ny.csv")], _ny_row)]
