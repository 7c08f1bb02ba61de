"""U.S. bankruptcy court feeds (spiders/bankruptcy_us.py) and the debtor classifier (leads/debtors.py).

Saved real pages in tests/files/bankruptcy_us (SOURCE.md). The classifier is run on every item of both
feeds; the crawl runs through the real `leads crawl` on SQLite and PostgreSQL, three times; no personal
debtor's or creditor's name may reach the database or the logs.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from leads.debtors import BUSINESS, PERSONAL, classify_debtor, clean_debtor_name
from spiders.bankruptcy_us import claims_register, feed_entries, is_adversary, triage
from tests.conftest import FAST_CRAWL
from tests.e2e import crawl_summary, notice, stored_keys, stored_notice, url_args
from tests.helpers import FILES

SLUG = "bankruptcy_us"
#: Business chapter 7/11 cases each feed holds (counted by hand from the titles, SOURCE.md).
SAVED_FILES = {"nysb_1.xml": 13, "mdb_1.xml": 0, "deb_claims_register.html": 1}


def _feed(name: str):
    return feed_entries((FILES / SLUG / name).read_bytes())


# -- the classifier, on every item of both real feeds ----------------------------------------------------


def test_every_item_of_both_real_feeds_is_classified_with_its_counts() -> None:
    counts = {}
    for name in ("nysb_1.xml", "mdb_1.xml"):
        court, entries = _feed(name)
        per_item = {"items": len(entries), "adversary": 0, BUSINESS: 0, PERSONAL: 0}
        for entry in entries:
            if is_adversary(entry):
                per_item["adversary"] += 1
            else:
                per_item[classify_debtor(entry.debtor).kind] += 1
        sorted_ = triage(entries)
        counts[court] = {
            **per_item,
            "cases": len({e.case_number for e in entries}),
            "business_cases": len(sorted_.cases),
            "personal_cases_dropped": sorted_.personal,
            "adversary_cases_skipped": sorted_.adversary,
            "repeat_entries": sorted_.repeats,
        }
    print(json.dumps(counts))
    assert counts == {
        "nysb": {
            "items": 162,
            "adversary": 42,
            BUSINESS: 29,
            PERSONAL: 91,
            "cases": 105,
            "business_cases": 13,
            "personal_cases_dropped": 64,
            "adversary_cases_skipped": 28,
            "repeat_entries": 57,
        },
        "mdb": {
            "items": 2,
            "adversary": 2,
            BUSINESS: 0,
            PERSONAL: 0,
            "cases": 2,
            "business_cases": 0,
            "personal_cases_dropped": 0,
            "adversary_cases_skipped": 2,
            "repeat_entries": 0,
        },
    }


def test_chapter_13_and_chapter_11_individuals_are_personal_and_companies_are_business() -> None:
    _, entries = _feed("nysb_1.xml")
    by_chapter: dict[str, set[str]] = {}
    for entry in entries:
        if not is_adversary(entry):
            by_chapter.setdefault(entry.chapter, set()).add(classify_debtor(entry.debtor).kind)
    assert by_chapter["13"] == {PERSONAL}  # chapter 13 is for individuals only: the rules agree with the law
    kept = {name for _, name, _ in triage(entries).cases.values()}
    assert "Robert Francis Xavier Sillerman" not in kept and "Hans Futterman" not in kept  # chapter 11 people
    assert {"North State Associates", "30th Street Service Station Inc.", "K&H Restaurant, Inc."} <= kept


@pytest.mark.parametrize(
    ("name", "kind", "kept"),
    [
        ("Jane Q. Roe d/b/a Roe Family Bakery", BUSINESS, "Roe Family Bakery"),  # a sole proprietor: trade name only
        ("Tszro LLC d/b/a RobynG Accessories", BUSINESS, "Tszro LLC d/b/a RobynG Accessories"),
        ("Acme Widgets L.L.C.", BUSINESS, "Acme Widgets L.L.C."),
        ("Breitburn Energy Partners LP, et al.,", BUSINESS, "Breitburn Energy Partners LP"),
        ("Vincent P. D&#x27;Arata", PERSONAL, None),
        ("Wendy J Kavanah and Francis W Kavanah, Jr", PERSONAL, None),
        ("Zyxw", PERSONAL, None),  # no evidence either way: dropped to be safe
    ],
)
def test_classifier_rules(name: str, kind: str, kept: str | None) -> None:
    verdict = classify_debtor(name)
    assert (verdict.kind, verdict.business_name) == (kind, kept), verdict.why


def test_clean_debtor_name_undoes_the_double_escaping() -> None:
    assert clean_debtor_name("K&#x26;H Restaurant, Inc.") == "K&H Restaurant, Inc."


# -- the claims register ---------------------------------------------------------------------------------


def test_claims_register_keeps_business_creditors_with_addresses_and_drops_people() -> None:
    register = claims_register((FILES / SLUG / "deb_claims_register.html").read_bytes())
    assert (register["court"], register["case_number"], register["chapter"]) == ("deb", "18-10160", "7")
    assert register["petition_date"] == date(2018, 1, 28)
    names = [c["name"] for c in register["creditors"]]
    assert "Michael Baumstein" not in json.dumps(register, default=str)
    assert len(names) == len(set(names)) == 11  # 16 claims; U.S. Bank's three claims are one creditor
    assert register["creditors"][names.index("Business Wire, Inc.")] == {
        "name": "Business Wire, Inc.",
        "address": "101 California St., 20 Fl.",
        "city": "San Francisco",
        "state": "CA",
        "zip": "94111",
    }


# -- end to end ------------------------------------------------------------------------------------------


def _personal_names() -> set[str]:
    names = set()
    for feed in ("nysb_1.xml", "mdb_1.xml"):
        for entry in _feed(feed)[1]:
            if not is_adversary(entry) and classify_debtor(entry.debtor).kind == PERSONAL:
                names.add(clean_debtor_name(entry.debtor))
    return names | {"Michael Baumstein", "Baumstein"}


def _database_text(db_url: str) -> str:
    """Every value of every row of every table, as text."""
    engine = sa.create_engine(db_url)
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        text = "\n".join(
            json.dumps([str(v) for v in row]) for table in meta.sorted_tables for row in conn.execute(table.select())
        )
    engine.dispose()
    return text


def _delaware_feed() -> bytes:
    """A D. Del. feed item for 18-10160 in the published layout, derived from the S.D.N.Y. feed's first item."""
    body = (FILES / SLUG / "nysb_1.xml").read_bytes().decode("latin-1")
    head, _, rest = body.partition("<item>")
    item = rest.split("</item>", 1)[0]
    item = (
        item.replace(
            "16-10992-smb SunEdison, Inc., et al., and North Kern State Prison", "18-10160-LSS Scottish Holdings, Inc."
        )
        .replace("Chapter: 11", "Chapter: 7")
        .replace("DktRpt.pl?265812", "DktRpt.pl?171908")
        .replace("nysb", "deb")
    )
    head = head.replace("ecf.nysb.uscourts.gov", "ecf.deb.uscourts.gov").replace(
        "Southern District of New York", "District of Delaware"
    )
    return f"{head}<item>{item}</item>\n</channel>\n</rss>\n".encode("latin-1")


def test_crawl_lands_business_cases_three_times_and_stores_no_personal_name(db_url, server, leads_cli) -> None:
    urls = [server.url(f"files/{SLUG}/nysb_1.xml"), server.url(f"files/{SLUG}/mdb_1.xml")]
    runs = []
    for _ in range(3):
        done = leads_cli("crawl", SLUG, *url_args(urls), "--json", *FAST_CRAWL, db_url=db_url)
        assert done.returncode == 0, done.stderr
        runs.append(crawl_summary(done)[SLUG])
        for name in _personal_names():
            assert name not in done.stdout + done.stderr, name
    assert (runs[0]["outcome"], runs[0]["items"], runs[0]["new"]) == ("ok", 13, 13), runs[0]
    for again in runs[1:]:
        assert (again["outcome"], again["new"], again["updated"], again["unchanged"]) == ("ok", 0, 0, 13), again
    keys = stored_keys(db_url, SLUG)
    assert len(keys) == 13 and "nysb:15-23535" in keys
    assert stored_notice(db_url, SLUG, "nysb:15-23535") == notice(
        SLUG,
        "nysb:15-23535",
        "Shelley Food Stores, Inc. II",
        "https://ecf.nysb.uscourts.gov/cgi-bin/DktRpt.pl?261988",
        "bankruptcy_ch7",
        state="NY",
        notice_date=date(2018, 4, 19),
        raw={
            "court": "nysb",
            "court_place": "the Southern District of New York",
            "case_number": "15-23535",
            "case_id": "261988",
            "chapter": "7",
            "office": "7",
            "debtor": "Shelley Food Stores, Inc. II",
            "business_because": "names a legal form (inc)",
            "latest_entry": "Motion, Approve",
        },
    )
    stored = _database_text(db_url)
    leaked = sorted(name for name in _personal_names() if name in stored)
    assert leaked == []


def test_claims_register_fetched_only_when_asked_adds_petition_date_and_creditors(db_url, server, leads_cli) -> None:
    feed = server.add("deb/rss_outside.pl", _delaware_feed(), "application/rss+xml")
    register = (FILES / SLUG / "deb_claims_register.html").read_bytes()
    server.add("/cgi-bin/SearchClaims.pl?171908", register)

    plain = leads_cli("crawl", SLUG, "--url", feed, "--json", *FAST_CRAWL, db_url=db_url)
    assert plain.returncode == 0, plain.stderr
    assert not any("SearchClaims" in path for _, path in server.requests)  # PACER pages cost money: not unasked
    assert stored_notice(db_url, SLUG, "deb:18-10160")["effective_date"] is None

    for _ in range(2):
        done = leads_cli("crawl", SLUG, "--url", feed, "-a", "claims=yes", "--json", *FAST_CRAWL, db_url=db_url)
        assert done.returncode == 0, done.stderr
    assert crawl_summary(done)[SLUG]["unchanged"] == 1
    row = stored_notice(db_url, SLUG, "deb:18-10160")
    assert (row["notice_type"], row["effective_date"], row["state"]) == ("bankruptcy_ch7", date(2018, 1, 28), "DE")
    assert len(row["raw"]["creditors"]) == 11 and row["raw"]["creditors_dropped"] == 3
    assert "Baumstein" not in _database_text(db_url)


def test_sources_says_claims_registers_are_fetched_only_when_configured(leads_cli) -> None:
    done = leads_cli("sources", "--json")
    assert done.returncode == 0, done.stderr
    (row,) = [r for r in json.loads(done.stdout) if r["source"] == SLUG]
    assert "claims=yes" in row["format"] and "PACER fees" in row["format"]
