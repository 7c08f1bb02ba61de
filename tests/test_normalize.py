"""Normalization of real names and addresses: every input below is copied from a real source (Virginia and New
York WARN notices, Chicago business licences, the IRS exempt-organization file for DC, CompanyData LA/NYC, the
PATSTAT applicant names, the Fodors–Zagat and Chicago early-childhood benchmark files)."""

from __future__ import annotations

import time

import pytest

from leads import normalize as nz
from leads.normalize import (
    LEGAL_LONG_FORMS,
    AddressParts,
    name_variants,
    normalize_address,
    normalize_city,
    normalize_name,
    normalize_state,
    parse_address,
    split_address,
    split_variants,
    zip5,
)

NAMES = [
    # Virginia WARN (warn-va/va.csv)
    ("AeroFarms", "aerofarms"),
    ("10 Roads Express LLC", "10 roads express"),
    ("Diamond Transportation Services Inc.", "diamond transportation services"),
    ("Merrifield Garden Center Corp", "merrifield garden center"),
    ("Home Care Delivered Inc. ", "home care delivered"),
    ("Wellmore Energy Company LLC ", "wellmore energy"),
    ("Farm Fresh #6293", "farm fresh 6293"),  # two stores of a chain are two places
    ("Martin's  Store #6428", "martins store 6428"),
    ("B. F. Saul Company Hospitality Group (Holiday Inn National Airport)",
     "bf saul company hospitality group|holiday inn national airport"),
    ("Bloomin' Brands (Outback Steakhouse)", "bloomin brands|outback steakhouse"),
    ("Oakwood Worldwide (US) LP", "oakwood worldwide"),
    ("Southeast Service Corporation d/b/a SSC Service Solution", "southeast service|ssc service solution"),
    ("Route 60 & Associates INC DBA Captin Groovy's Grill & Raw bar", "route 60 associates|captin groovys grill raw bar"),
    ("Compass/Flik (dba UVA Inn at Darden)", "compass flik|uva inn at darden"),
    ("The Kenific Group LLC dba Pantheon Data", "kenific group|pantheon data"),
    # New York WARN (warn-ny/ny.csv)
    ("Air Products and Chemicals, Inc.", "air products chemicals"),
    ("Barrette Outdoor Living, Inc.", "barrette outdoor living"),
    # CompanyData LA / NYC
    ("Jpmorgan Chase & CO.", "jpmorgan chase"),
    ("Charter Communications, INC.", "charter communications"),
    ("Infor (us), LLC", "infor"),
    ("The Estee Lauder Companies INC", "estee lauder"),
    ("Gennx360 Capital Partners, L.P.", "gennx360 capital partners"),
    # Chicago business licences
    ("HIGHLAND PARK CVS, L.L.C.", "highland park cvs"),
    ("CHARLES SCHWAB & CO INC", "charles schwab"),
    ("DIAL AMUSEMENT CO., INC.", "dial amusement"),
    ("JC'S TIRE REPAIR INC.", "jcs tire repair"),
    ("F AND F CONCESSIONS, INC.", "ff concessions"),
    ("SHINDIG HOSPITALITY GROUP LLC dba ROOH Chicago", "shindig hospitality group|rooh chicago"),
    # IRS exempt organizations, DC
    ("MILLENNIAL ACTION PROJECT DBA FUTURE CAUCUS", "millennial action project|future caucus"),
    # PATSTAT applicants: dotted, spaced and misplaced legal forms, locations after the legal form
    ("* AKZO NOBEL N.V.", "akzo nobel"),
    ("D S M N. V.", "dsm"),
    ("DSM N.V., HEERLEN, NL", "dsm"),
    ("UNILEVER N. V.,NL", "unilever"),
    ("BOSCH GMBH ROBERT", "bosch robert"),
    ("Maasland N.V. a Dutch Limited Co", "maasland"),
    ("N.V.PHILIPS' GLOEILAMPENFABRIEKEN", "philips gloeilampenfabrieken"),
    ("NAAMLOZE VENNOOTSCHAP NUTRICIA, ZOETERMEER", "nutricia"),
    ("Hitachi Global Storage Technologies, Inc. Netherlands B.V.", "hitachi global storage technologies netherlands"),
    ("bioMérieux BV", "biomerieux"),
    ("PHARMACIA &AMP", "pharmacia"),
    ("Sara Lee/DE N.V.", "sara lee de"),
    ("KONINKLIJKE PHILIPS ELECTRONICSN.V.", "koninklijke philips electronics"),  # the legal form glued on
    ("HUNTERDOUGLASINDUSTRIESB.V.", "hunterdouglasindustries"),
    # Fodors–Zagat: article at the end, location in brackets (one word: not a second name)
    ("apple pan  the", "apple pan"),
    # warn-processed slice: curly apostrophe, runs of spaces
    ("Bean’s Cafe", "beans cafe"),
    ("Overland Contracting   Inc", "overland contracting"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "expected"), NAMES)
def test_normalize_name(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


@pytest.mark.parametrize("long_form", sorted(LEGAL_LONG_FORMS))
def test_spelled_out_legal_forms_are_dropped(long_form: str) -> None:
    # ISO 20275 local names ("besloten vennootschap met beperkte aansprakelijkheid"), in any case, at the end.
    assert normalize_name(f"Hunter Douglas {long_form.upper()}") == "hunter douglas"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Compass/Flik (dba UVA Inn at Darden)", ["compass flik", "uva inn at darden"]),
        ("National Express d/b/a Quality Bus Service", ["national express", "quality bus service"]),
        ("Giant Delivers", ["giant delivers"]),
        ("", []),
        (None, []),
    ],
)
def test_name_variants(raw, expected) -> None:
    assert name_variants(raw) == expected


def test_variants_round_trip_and_separate_dba_column() -> None:
    # Chicago licences carry the DBA in its own column: "HOST INTERNATIONAL, INC." / "COMMUTER B18".
    stored = normalize_name("HOST INTERNATIONAL, INC.", "COMMUTER B18")
    assert stored == "host international|commuter b18"
    assert split_variants(stored) == ["host international", "commuter b18"]
    # The same name twice is kept once.
    assert normalize_name("ELITE LABOR SERVICES, LTD.", "ELITE LABOR SERVICES, LTD.") == "elite labor services"


def test_a_name_of_legal_words_only_is_not_emptied() -> None:
    assert normalize_name("The Company") == "the company"
    assert normalize_name("Inc.") == "inc"


ADDRESSES = [
    # IRS EO BMF DC
    ("1100 13TH ST NW STE 800", "1100 13th st nw # 800"),
    ("3204 BROTHERS PL SE", "3204 brothers pl se"),
    ("PO BOX 60714", "po box 60714"),
    ("CO KL GATES 1601 K STREET NW", "1601 k st nw"),  # care-of line before the street (scourgify raises)
    # New York WARN: the street line with city, state and ZIP after it
    ("60 W 57th St  New York, NY, 10019", "60 w 57th st"),
    ("6400 Sheridan Drive 310 Amherst, NY, 14221", "6400 sheridan dr # 310"),
    ("231 Ship Canal Parkway  Buffalo, NY, 14218", "231 ship canal pkwy"),
    # Chicago business licences: units glued to the street
    ("339 N DEARBORN ST 1 & MEZZ", "339 n dearborn st # 1"),  # scourgify raises: fallback
    ("6229 W MELROSE ST 1ST", "6229 w melrose st # 1st"),
    ("1808 -1810 W 99TH ST 1ST", "1808-1810 w 99th st # 1st"),
    ("11601 W TOUHY AVE # BO6,T", "11601 w touhy ave # bo6 t"),
    ("21 S CLARK ST  3980", "21 s clark st # 3980"),
    # CompanyData
    ("1345 Avenue of the Americas Fl 46", "1345 ave of the americas # 46"),
    ("200 West St Bldg 200 # 200", "200 west st # 200 200"),  # "West" is the street's name here
    ("400 Washington Blvd", "400 washington blvd"),
    # Fodors–Zagat
    ("435 s. la cienega blv.", "435 s la cienega blvd"),
    ("12224 ventura blvd.", "12224 ventura blvd"),
    ("293-b peachtree rd.", "293b peachtree rd"),
    # Chicago early childhood
    ("710 W 65TH BUILDING Z", "710 w 65th # z"),
    ("7510 N. Ashland Avenue  ", "7510 n ashland ave"),
    ("600 West Madison Street  ", "600 w madison st"),
    ("3038 West 59th Street 1st", "3038 w 59th st # 1st"),
    ("Hayes Center\n4859 S. Wabash\n", "4859 s wabash"),
    ("4624 W 138 ST", "4624 w 138th st"),
    ("", ""),
    (None, ""),
]


@pytest.mark.parametrize(("raw", "expected"), ADDRESSES)
def test_normalize_address(raw, expected: str) -> None:
    assert normalize_address(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [a for a in ADDRESSES if a[0]])
def test_normalized_address_is_stable(raw: str, expected: str) -> None:
    """Normalizing twice changes nothing: a stored address_norm can be compared with a fresh one."""
    assert normalize_address(expected) == expected


def test_split_address_reads_the_stored_form_back() -> None:
    assert split_address("1100 13th st nw # 800") == AddressParts("1100", "13th st nw", "800")
    assert split_address("po box 60714") == AddressParts("", "po box 60714", "")
    assert split_address("5th ave") == AddressParts("", "5th ave", "")
    assert split_address("") == AddressParts("", "", "")


#: Lines of ../shared/data/businesses (Chicago licences, IRS EO BMF DC, CompanyData) and the directory sets, and
#: the same place written another way: each pair must normalize to one string, with the token scan alone.
SAME_PLACE = [
    ("21-52 44th Dr, Long Island City, NY 11101", "21-52 44th Drive"),  # city, state, ZIP after the street
    ("1723 N HALSTED ST 1-2", "1723 North Halsted Street Unit 1-2"),  # bare unit range after the street
    ("2001 K STREET SUITE300", "2001 K St Ste 300"),  # designator glued to its id
    ("5503 N BROADWAY  1", "5503 N Broadway # 1"),  # one-word street, bare unit
    ("1911 W DIVISION ST FIRST FLOOR", "1911 W Division St 1st Fl"),
    ("6534 W NORTH AVE 1ST", "6534 West North Avenue, 1st"),  # "North" is the street's name, after a directional
    ("909 E STREET NW 2ND FL", "909 E St NW Fl 2nd"),  # "E" is the street's name
    ("732 Highway 65 S", "732 Hwy 65 South"),  # 65 is the road's number, not a unit
    ("741 S County Road 200 W", "741 S County Rd 200 W"),
    ("302 E Interstate 20", "302 East Interstate 20"),
    ("13327 S. Route 59, Unit 600, Plainfield, IL", "13327 S Rte 59 Unit 600"),
    ("1705 EAST CAPITOL ST S E APT 105", "1705 E Capitol St SE # 105"),
    ("170 O'Farrell St, San Francisco, CA 94102", "170 OFarrell Street"),
    ("5114 South Elizabeth 1st Floor ", "5114 S Elizabeth # 1st"),
    ("East Carson Street, 1107", "1107 E Carson St"),  # house number after the street
    ("3300 E RENNER RD  300", "3300 E Renner Rd Ste 300"),
]


@pytest.mark.parametrize(("one", "other"), SAME_PLACE)
def test_one_place_written_two_ways_normalizes_to_one_string(one: str, other: str) -> None:
    assert normalize_address(one) == normalize_address(other)
    assert normalize_address(normalize_address(one)) == normalize_address(one)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9913 S AVENUE G", "9913 s ave g"),  # the street type starts the name: G is not a unit
        ("4035 N Loop 1604 W", "4035 n loop 1604 w"),
        ("55 W Front St", "55 w front st"),  # a designator word followed by a street type is the name
        ("1 Ferry Building, San Francisco, CA 94111", "1 fry building"),
        ("60 W 57th St  New York, NY, 10019", "60 w 57th st"),  # a glued-on city is dropped
        ("2336 WISCONSIN AVE NW 32043", "2336 wisconsin ave nw"),  # five digits after the street: a ZIP
        ("4859 County Road V, De Forest, WI 53532", "4859 county rd v"),
        ("PO Box 60714, Washington, DC 20039", "po box 60714"),
    ],
)
def test_street_line_scan(raw: str, expected: str) -> None:
    assert normalize_address(raw) == expected


def test_scourgify_failure_falls_back(monkeypatch) -> None:
    """Whatever scourgify raises, the token scan gives the same result on plain and unit-bearing lines."""

    def boom(text):  # what scourgify does on "339 N DEARBORN ST 1 & MEZZ"
        raise ValueError("UNPARSEABLE ADDRESS")

    import scourgify

    monkeypatch.setattr(scourgify, "normalize_address_record", boom)
    nz._scourgify.cache_clear()
    try:
        assert normalize_address("1100 13TH ST NW STE 800") == "1100 13th st nw # 800"
        assert normalize_address("7510 N. Ashland Avenue") == "7510 n ashland ave"
        assert normalize_address("6229 W MELROSE ST 1ST") == "6229 w melrose st # 1st"
    finally:
        nz._scourgify.cache_clear()


def test_address_normalization_is_fast_enough_for_an_import() -> None:
    # 500 real-looking lines, half of them with units (the slow scourgify path): well under 1 ms each.
    lines = [f"{n} W MELROSE ST {'STE ' + str(n) if n % 2 else ''}" for n in range(1000, 1500)]
    nz._scourgify.cache_clear()
    t0 = time.perf_counter()
    for line in lines:
        parse_address(line)
    per_line = (time.perf_counter() - t0) / len(lines)
    assert per_line < 1e-3


@pytest.mark.parametrize(
    ("raw", "state", "expected"),
    [
        ("LOS ANGELES", None, "los angeles"),
        ("la", None, "los angeles"),  # Fodors–Zagat
        ("new york city", None, "new york"),  # Fodors–Zagat (Zagat's spelling)
        ("Ringgold VA", "VA", "ringgold"),  # Virginia WARN "Location"
        ("Richmond, VA", None, "richmond"),
        ("Fort Eustis", None, "ft eustis"),  # Virginia WARN
        ("w. hollywood", None, "w hollywood"),  # Fodors–Zagat
        ("", None, ""),
    ],
)
def test_normalize_city(raw, state, expected) -> None:
    assert normalize_city(raw, state) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("20032-1501", "20032"),  # IRS
        ("101790001", "10179"),  # CompanyData ZIP+4 without hyphen
        ("06902", "06902"),  # CompanyData, leading zero
        (6902, "06902"),  # the same read by Excel as a number
        ("60 W 57th St  New York, NY, 10019", "10019"),  # New York WARN address cell
        ("60661", "60661"),  # Chicago early childhood
        ("", ""),
        (None, ""),
        ("N/A", ""),
    ],
)
def test_zip5(raw, expected) -> None:
    assert zip5(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("New York", "NY"), ("va", "VA"), ("Virginia", "VA"), ("District of Columbia", "DC"), ("Fairfield", ""), ("", "")],
)
def test_normalize_state(raw, expected) -> None:
    # CompanyData puts counties in the state column sometimes ("Fairfield"): not a state.
    assert normalize_state(raw) == expected
