"""The matching engine on real closure notices (rows copied verbatim from the Virginia and New York WARN files)
against an account book of real businesses (bench/data/businesses: CompanyData NYC, CC0) plus planted accounts."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from leads.matching import (
    AccountRecord,
    CompetitorProfile,
    MatchEngine,
    NoticeRecord,
    Thresholds,
    account_record,
    closure_ids,
    cluster_notices,
    link_notices,
    name_similarity,
    notice_record,
    prepare_site,
    site_score,
)
from leads.matching import engine as engine_module
from leads.normalize import normalize_address, normalize_name, zip5

ROOT = Path(__file__).resolve().parent.parent

# warn-va/va.csv (Virginia Employment Commission export), lines 2, 3, 4, 7, 111, 345, 346, 550, 553.
VA_CSV = """Company,Notice Date,Impact Date,Employees Affected,Location,Contact Person,Notice Type,Collective Bargaining Unit
AeroFarms,12/11/2025,12/19/2025,173,Ringgold VA,Carlos Nunez,Closure,
Giant Delivers,12/12/2025,02/10/2026,90,Manassas VA,Joe Urban,Closure,
Richmond Print Group,12/09/2025,02/08/2026,76,Richmond VA,Shane Hillmer,Layoff,
Harris Teeter,11/18/2025,02/01/2026,91,Franconia VA,Angie Danielewicz,Closure,
Giant Delivers,08/28/2023,10/21/2023,72,Manassas VA,Brian Wanner,Closure,
Sysco,04/08/2020,03/20/2020,111,Front Royal VA,Karen Peer,Layoff,
Sysco,04/08/2020,03/20/2020,17,Front Royal VA,Karen Peer,Layoff,
Farm Fresh #6293,03/14/2018,05/14/2018,94,Virginia Beach VA,Randall Benjamin,Closure,
Farm Fresh #6289,03/14/2018,05/14/2018,92,Virginia Beach VA,Randall Benjamin,Closure,
"""

# warn-ny/ny.csv (New York DOL Tableau export), lines 2-5, 8-11, 208, 252 (first columns).
NY_CSV = """Business Legal Name,Date Layoff/Closure Starts,Date of WARN Notice ,Date Posted,Impacted Site Address,Layoff or Closure?
57th Street Associates,2025-04-09,2025-01-09,2025-01-17,"60 W 57th St  New York, NY, 10019",Closure
57th Street Associates,2025-04-09,2025-01-09,2025-01-09,"60 W 57th St  New York, NY, 10019",Closure
"Air Products and Chemicals, Inc.",2025-01-30,2025-01-30,2025-02-27,"6400 Sheridan Drive 310 Amherst, NY, 14221",Closure
"Air Products and Chemicals, Inc.",2025-01-30,2025-01-30,2025-01-30,"6400 Sheridan Drive 310 Amherst, NY, 14221",Closure
Atria Wealth Solutions,2025-08-01,2025-05-02,2025-05-22,"100 Madison Street FL 13 Syracuse, NY, 13202",Layoff
Atria Wealth Solutions,2025-08-01,2025-05-02,2025-05-02,"100 Madison Street FL 13 Syracuse, NY, 13202",Layoff
Atria Wealth Solutions,2025-08-01,2025-05-02,2025-05-22,"295 Madison Avenue Suite 1407 New York, NY, 10017",Layoff
Atria Wealth Solutions,2025-08-01,2025-05-02,2025-05-02,"295 Madison Avenue Suite 1407 New York, NY, 10017",Layoff
"Rapid Reliable Care by DocGo, LLC",2025-03-08,2025-02-27,2025-05-09,"440 W 57th Street  New York, NY, 10019",Closure
"Watson Hotel Operator, LLC.",2025-03-31,2025-01-21,2025-02-25,"440 West 57th Street  New York, NY, 10019",Layoff
"""

_NY_ADDRESS = re.compile(r"^(?P<street>.*?)\s+(?P<city>[A-Za-z .]+),\s*(?P<state>[A-Z]{2}),\s*(?P<zip>\d{5})$")


def va_notices() -> list[NoticeRecord]:
    out = []
    for i, row in enumerate(csv.DictReader(io.StringIO(VA_CSV)), start=1):
        out.append(notice_record(
            f"va{i}", row["Company"], city=row["Location"], state="VA", notice_type=row["Notice Type"],
            notice_date=datetime.strptime(row["Notice Date"], "%m/%d/%Y").date(),
        ))  # fmt: skip
    return out


def ny_notices() -> list[NoticeRecord]:
    out = []
    for i, row in enumerate(csv.DictReader(io.StringIO(NY_CSV)), start=1):
        m = _NY_ADDRESS.match(row["Impacted Site Address"])
        assert m, row["Impacted Site Address"]
        out.append(notice_record(
            f"ny{i}", row["Business Legal Name"], address=m["street"], city=m["city"], state=m["state"],
            zip=m["zip"], notice_type=row["Layoff or Closure?"], notice_date=date.fromisoformat(row["Date of WARN Notice "]),
        ))  # fmt: skip
    return out


def real_businesses(limit: int = 400) -> list[AccountRecord]:
    """The first NYC businesses of the CompanyData sample (real names and street addresses)."""
    path = ROOT / "bench" / "data" / "businesses" / "companydata_us.csv"
    out = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["city"] != "New York":
                continue
            out.append(account_record(
                f"cd{len(out)}", row["name"], dba=row["trade_name"] or None, address=row["address"],
                city=row["city"], state="NY", zip=row["zip"], industry=f"{row['sic']} {row['sic_description']}",
            ))  # fmt: skip
            if len(out) == limit:
                break
    return out


PLANTED = [
    # account_closing, street address on the notice: same company, another spelling, suite written out
    account_record(
        "air",
        "AIR PRODUCTS & CHEMICALS INC",
        address="6400 Sheridan Dr Ste 310",
        city="Amherst",
        state="NY",
        zip="14221",
        industry="2813 industrial gases",
    ),
    # account_closing, two tenants of one building: only the right name may win
    account_record(
        "watson",
        "Watson Hotel",
        address="440 West 57th St",
        city="New York",
        state="NY",
        zip="10019",
        industry="7011 hotels and motels",
    ),
    # account_closing without street address on the notice (Virginia gives the town only)
    account_record(
        "giant",
        "GIANT DELIVERS LLC",
        address="9000 Center St",
        city="Manassas",
        state="Virginia",
        zip="20110",
        industry="4215 courier services",
    ),
    account_record(
        "giant-md",
        "Giant Delivers",
        address="12 N Market St",
        city="Frederick",
        state="MD",
        zip="21701",
        industry="4215 courier services",
    ),
    # vendor_closed: AeroFarms (Ringgold VA) supplies these
    account_record(
        "danville",
        "Danville Bistro",
        address="101 Main St",
        city="Danville",
        state="VA",
        zip="24541",
        industry="Restaurant",
        incumbent_vendor="AeroFarms LLC",
    ),
    account_record(
        "seattle",
        "Pike Place Greens",
        address="1501 Pike Pl",
        city="Seattle",
        state="WA",
        zip="98101",
        industry="Restaurant",
        incumbent_vendor="Aerofarms",
    ),
    account_record(
        "frontroyal",
        "Royal Oak Diner",
        address="20 E Main St",
        city="Front Royal",
        state="VA",
        zip="22630",
        industry="Restaurant",
        incumbent_vendor="SYSCO CORPORATION",
    ),
    # competitor_nearby: a restaurant in Virginia Beach, one in Richmond (too far), a law office next door
    account_record(
        "beach",
        "Beachside Diner",
        address="300 Laskin Rd",
        city="Virginia Beach",
        state="VA",
        zip="23451",
        industry="Restaurant",
    ),
    account_record(
        "richmond",
        "Capitol Diner",
        address="1 Broad St",
        city="Richmond",
        state="VA",
        zip="23219",
        industry="Restaurant",
    ),
    account_record(
        "lawyer",
        "Laskin Law Office",
        address="310 Laskin Rd",
        city="Virginia Beach",
        state="VA",
        zip="23451",
        industry="Legal services",
    ),
]

GROCERY = CompetitorProfile(
    "grocery", name_keywords=("farm fresh",), served_industries=("restaurant",), radius_miles=10
)


@pytest.fixture(scope="module")
def book() -> list[AccountRecord]:
    return real_businesses() + PLANTED


@pytest.fixture(scope="module")
def notices() -> list[NoticeRecord]:
    return va_notices() + ny_notices()


@pytest.fixture(scope="module")
def result(notices, book):
    return MatchEngine(notices, profiles=[GROCERY]).match(book)


def _links(result, kind, decision=None):
    return {
        (lk.notice_id, lk.account_id)
        for lk in result.links
        if lk.kind == kind and (decision is None or lk.decision == decision)
    }


def test_account_closing_links_exactly_the_planted_accounts(result) -> None:
    assert _links(result, "account_closing", "accept") == {
        ("va2", "giant"),
        ("va5", "giant"),  # both Giant Delivers notices; the Maryland namesake loses
        ("ny3", "air"),
        ("ny4", "air"),  # the notice and its re-posting
        ("ny10", "watson"),
    }
    # DocGo at the same address is another tenant: not linked to Watson Hotel at all.
    assert ("ny9", "watson") not in _links(result, "account_closing")


def test_account_closing_evidence_names_what_matched(result) -> None:
    link = next(lk for lk in result.links if lk.kind == "account_closing" and lk.notice_id == "ny3")
    ev = link.evidence
    assert ev["name"]["notice"] == "air products chemicals"
    assert ev["name"]["account"] == "air products chemicals"
    assert ev["address"]["notice"] == "6400 sheridan dr"
    assert ev["address"]["house_number_match"] is True
    assert ev["address"]["units"] == ["310", "310"]
    assert set(ev["matched"]) >= {"name", "address", "zip5", "city", "state"}
    assert link.score == 100.0

    giant = next(lk for lk in result.links if lk.kind == "account_closing" and lk.notice_id == "va2")
    assert giant.evidence["address"] is None  # the notice has no street
    assert giant.evidence["location"] == {"zip5": "unknown", "city": "same", "state": "same"}
    # Two accounts bear the name (Manassas VA, Frederick MD): the notice's city says which one. The Maryland
    # namesake is another site of the business: a Manassas closure says nothing of it, so it is no runner-up.
    assert giant.evidence["runner_up_score"] is None
    assert giant.evidence["carried_by"] == ["same name", "same city"]
    assert giant.evidence["weakened_by"] == ["no address", "common name (2 places, one in this city)"]


def _closing(notices, accounts):
    links = MatchEngine(notices, kinds=("account_closing",)).match(accounts).links
    return {lk.account_id: lk for lk in links}


def test_account_closing_a_closure_at_another_site_is_not_this_accounts() -> None:
    # The demo's case (warn_ca): City National Bank closed a Costa Mesa site (2 employees); the account is its
    # Los Angeles office. Same name, same state, another city: not "this account is closing".
    notice = notice_record("ca1", "City National Bank", city="Costa Mesa", state="CA", notice_type="Closure")
    account = account_record("cnb", "City National Bank", address="555 S Flower St Ste 2500", city="Los Angeles",
                             state="CA", zip="90071")  # fmt: skip
    assert _closing([notice], [account]) == {}
    # The same notice in the account's own city is its closure (a rare name, the city agrees).
    here = notice_record("ca2", "City National Bank", city="Los Angeles", state="CA", notice_type="Closure")
    link = _closing([here], [account])["cnb"]
    assert link.decision == "accept"
    # Another postcode, no city on one side: another site too.
    zipped = notice_record("ca3", "City National Bank", zip="92626", state="CA", notice_type="Closure")
    assert _closing([zipped], [account]) == {}


def test_account_closing_a_name_differing_in_a_word_with_nothing_to_compare_goes_to_review() -> None:
    # The demo's case (bankruptcy_us): "Tiffany Roger LLC" filed Chapter 7; the account is Tiffany & Co. The
    # notice gives no street, so nothing but a name that differs in a word says it is the same business.
    notice = notice_record("b1", "Tiffany Roger LLC", state="NY", notice_type="bankruptcy_ch7")
    account = account_record("tif", "Tiffany & CO.", address="200 5th Ave Bsmt 2", city="New York City",
                             state="NY", zip="10022")  # fmt: skip
    links = _closing([notice], [account])
    if links:  # a person may still check it, but the account is not marked closing
        link = links["tif"]
        assert link.decision == "review" and link.score <= 70.0
        assert "names differ, no street to compare" in link.evidence["weakened_by"]
    # The same name, no street: a rare name still says it.
    same = notice_record("b2", "Tiffany and Company", state="NY", notice_type="bankruptcy_ch7")
    assert _closing([same], [account])["tif"].decision == "accept"


def test_vendor_closed_orphans_every_account_of_the_vendor_nearer_is_surer(result) -> None:
    vendor = {(lk.notice_id, lk.account_id): lk for lk in result.links if lk.kind == "vendor_closed"}
    assert set(vendor) == {("va1", "danville"), ("va1", "seattle"), ("va6", "frontroyal"), ("va7", "frontroyal")}
    near, far = vendor[("va1", "danville")], vendor[("va1", "seattle")]
    assert near.decision == "accept" and near.score == 97.0  # AeroFarms LLC = AeroFarms, 8 miles away
    assert near.evidence["location"]["agreement"] == "within 25 miles"
    assert near.evidence["vendor"] == {"notice": "aerofarms", "account_vendor": "aerofarms", "score": 100.0}
    assert far.decision == "review" and far.score == 75.0  # 2,300 miles away
    same_town = vendor[("va6", "frontroyal")]
    assert same_town.score == 100.0 and same_town.evidence["location"]["agreement"] == "same city"


def test_competitor_nearby_needs_the_radius_and_a_served_trade(result) -> None:
    comp = {(lk.notice_id, lk.account_id): lk for lk in result.links if lk.kind == "competitor_nearby"}
    assert set(comp) == {("va8", "beach"), ("va9", "beach")}  # both Farm Fresh stores in Virginia Beach
    link = comp[("va8", "beach")]
    assert link.evidence["competitor_rule"] == "name keyword 'farm fresh'"
    assert link.evidence["notice_located_by"] == "city"  # Virginia gives a town: its centroid
    assert 3.0 < link.evidence["distance_miles"] < 6.0
    assert link.decision == "accept" and 65.0 <= link.score <= 100.0


def test_unrelated_real_businesses_get_no_links(result, book) -> None:
    linked = {lk.account_id for lk in result.links}
    assert linked <= {a.id for a in PLANTED}
    assert result.stats["accounts"] == len(book)


def test_accounts_may_be_a_stream_and_kinds_can_be_limited(notices, book, result) -> None:
    streamed = MatchEngine(notices, profiles=[GROCERY], kinds=("account_closing",)).match(iter(book))
    assert _links(streamed, "account_closing") == _links(result, "account_closing")
    assert not _links(streamed, "vendor_closed") and not _links(streamed, "competitor_nearby")
    with pytest.raises(ValueError, match="unknown link kinds"):
        MatchEngine(notices, kinds=("vendor",))


def test_worker_processes_give_the_same_links(notices, book, result, monkeypatch) -> None:
    monkeypatch.setattr(engine_module, "_CHUNK", 37)  # many small chunks over two processes
    parallel = MatchEngine(notices, profiles=[GROCERY]).match(book, workers=2)
    assert parallel.stats["workers"] == 2
    key = lambda r: [(lk.notice_id, lk.account_id, lk.kind, lk.score, lk.decision, lk.evidence) for lk in r.links]  # noqa: E731
    assert key(parallel) == key(result)


def test_thresholds_decide_accept_and_review(notices, book) -> None:
    strict = link_notices(notices, book, thresholds=Thresholds(accept=99, review=90), kinds=("vendor_closed",))
    assert {(lk.account_id, lk.decision) for lk in strict.links} == {
        ("danville", "review"),
        ("frontroyal", "accept"),
        ("frontroyal", "accept"),
    }  # seattle (75) is dropped
    with pytest.raises(ValueError):
        Thresholds(accept=60, review=70)


def test_notices_of_one_closure_are_clustered() -> None:
    va, ny = va_notices(), ny_notices()
    groups = cluster_notices(va + ny)
    assert ["va2"] in groups and ["va5"] in groups  # Giant Delivers 2025 and 2023: two closures, 27 months apart
    assert ["va6", "va7"] in groups  # Sysco, Front Royal, same day
    assert ["va8"] in groups and ["va9"] in groups  # Farm Fresh #6293 and #6289: two stores
    assert ["ny1", "ny2"] in groups  # 57th Street Associates posted twice
    assert ["ny3", "ny4"] in groups
    assert ["ny5", "ny6"] in groups and ["ny7", "ny8"] in groups  # Atria: Syracuse and Manhattan sites
    assert ["ny9"] in groups and ["ny10"] in groups  # two tenants of 440 W 57th St
    assert sum(len(g) for g in groups) == len(va) + len(ny)
    ids = closure_ids(ny)
    assert ids["ny2"] == ids["ny1"] == "ny1" and ids["ny7"] != ids["ny5"]


def test_cluster_window_is_a_parameter() -> None:
    giant = [n for n in va_notices() if n.name_norm == "giant delivers"]
    assert len(cluster_notices(giant)) == 2
    assert len(cluster_notices(giant, within_days=3 * 365)) == 1


def test_name_similarity_on_real_name_pairs() -> None:
    def score(a: str, b: str) -> float:
        return name_similarity([normalize_name(a)], [normalize_name(b)])[0]

    # Fodors–Zagat true pairs
    assert score("arts delicatessen", "arts deli") >= 65
    assert score("restaurant katsu", "katsu") >= 65
    # PATSTAT: one company, two spellings; two companies sharing a prefix
    assert score("KONINKLIJKE PHILIPS ELECTRONICS N.V.", "PHILIPS ELECTRONICS N V") >= 78
    assert score("DSM N.V.", "DSM IP ASSETS B.V.") < 78
    # sharing one generic word is not enough (Chicago early childhood: different sites)
    assert score("YWCA Northside", "Kids Hope United Kids Hope Child Development Center") < 50
    assert score("Mary Crane League Mary Crane Center", "Bethel New Life Molade CDC") < 50


def test_site_score_address_rules() -> None:
    def site(name, address, zip_code="60621"):
        return prepare_site(normalize_name(name), normalize_address(address), "", "", zip5(zip_code))

    # Chicago early childhood: same site, names far apart, street address agrees
    a = site("Chicago Public Schools Ryder, William H.", "8716 S. Wallace Street")
    b = site(" Ryder", "8716 S. Wallace ")
    assert site_score(a, b)[0] >= 78
    # same names, different house number: a different place
    c = site("Chicago Public Schools Ryder, William H.", "8800 S. Wallace Street")
    assert site_score(a, c)[0] < 65


def test_a_name_written_without_its_space_links_like_the_same_name() -> None:
    # "Ticket Master" / "Ticketmaster" score 100 as names (equal but for spaces) while token_set_ratio gives 48:
    # the engine's quick name filter must not drop the pair before it is scored.
    notice = notice_record("n1", "Ticket Master", city="Richmond", state="VA", notice_type="closure")
    account = account_record("a1", "Ticketmaster", address="1 Broad St", city="Richmond", state="VA", zip="23219")
    links = MatchEngine([notice]).match([account]).links
    assert [(lk.notice_id, lk.account_id, lk.kind, lk.decision) for lk in links] == [
        ("n1", "a1", "account_closing", "accept")
    ]


def test_site_score_with_a_minimum_is_the_score_or_says_it_is_below(notices, book) -> None:
    # site_score's early exits (the name cutoff computed from where the two are: other state, other city, same
    # ZIP) are exact: every pair of real notices x accounts, at several minimums.
    sites = [prepare_site(n.name_norm, n.address_norm, n.city_norm, n.state, n.zip5) for n in notices]
    accounts = [prepare_site(a.name_norm, a.address_norm, a.city_norm, a.state, a.zip5) for a in book]
    reached = 0
    for a in sites:
        for b in accounts:
            full = site_score(a, b)[0]
            for low in (40.0, 65.0, 78.0, 95.0):
                got = site_score(a, b, low)
                if full >= low:
                    reached += 1
                    assert got[0] == full
                else:
                    assert got[0] < low
    assert reached > 20
