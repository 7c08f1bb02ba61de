"""The words of bankruptcy and registry evidence (leads/evidence_text.py) and creditors as affected parties
(leads/creditors.py), on values parsed from the saved court pages (tests/files/bankruptcy_us)."""

from __future__ import annotations

from datetime import date

from leads.creditors import creditor_records, creditors_of, customer_links
from leads.evidence_text import closure_fact, evidence_sentence, notice_facts
from leads.matching import MatchEngine, account_record
from spiders.bankruptcy_us import claims_register, feed_entries, notice_for, triage
from tests.helpers import FILES

SLUG = "bankruptcy_us"


def _register() -> dict:
    return claims_register((FILES / SLUG / "deb_claims_register.html").read_bytes())


def _card(notice) -> dict:
    return {
        "closed_business": notice.company_name,
        "source": notice.source,
        "notice_type": notice.notice_type,
        "notice_date": notice.notice_date,
        "effective_date": notice.effective_date,
        "state": notice.state,
        "facts": notice_facts(notice.source, notice.raw, notice.address),
    }


def test_chapter_11_and_chapter_7_cards_name_the_court_and_case() -> None:
    court, entries = feed_entries((FILES / SLUG / "nysb_1.xml").read_bytes())
    cases = triage(entries).cases
    ch11 = notice_for(court, *cases["18-10947"], SLUG, "")
    ch7 = notice_for(court, *cases["15-23535"], SLUG, "")
    assert closure_fact(_card(ch11)) == (
        "Chapter 11 (reorganization) case 18-10947 in the Southern District of New York (latest docket entry 2018-04-19)"
    )
    filed = {**_card(ch7), "facts": {**_card(ch7)["facts"], "petition_date": "2015-11-02"}}
    assert (
        closure_fact(filed) == "Chapter 7 petition filed 2015-11-02 in the Southern District of New York, case 15-23535"
    )
    # The court's state is no site of the vendor's: the sentence does not place it.
    matched = {"vendor": {"score": 96.3}, "location": {"agreement": "same state"}}
    assert evidence_sentence("vendor_closed", matched, filed) == (
        "Vendor Shelley Food Stores, Inc. II (your account's incumbent): Chapter 7 petition filed 2015-11-02 in the "
        "Southern District of New York, case 15-23535; name agreement 96.3."
    )


def test_registry_closures_say_what_ended_and_where() -> None:
    chicago = {
        "source": "registry_il_chicago",
        "notice_type": "registry_closed",
        "effective_date": date(2019, 12, 17),
        "facts": notice_facts(
            "registry_il_chicago",
            {"license_status": "REV", "license_number": "16667", "license_description": "Package Goods", "ward": "7"},
            "2504 E 79TH ST",
        ),
    }
    assert closure_fact(chicago) == (
        "City of Chicago business licence revoked on 2019-12-17 (licence 16667, Package Goods at 2504 E 79th St)"
    )
    sf = {"source": "registry_ca_sf", "notice_type": "registry_closed", "effective_date": date(2017, 6, 30)}
    sf["facts"] = notice_facts("registry_ca_sf", {"dba_end_date": "2017-06-30T00:00:00.000"}, "55 2ND ST")
    assert closure_fact(sf) == "San Francisco business closed on 2017-06-30 in the business registry (at 55 2nd St)"
    warn = {"source": "warn_va", "notice_type": "closure", "facts": notice_facts("warn_va", {"Company": "X"})}
    assert closure_fact(warn) is None and warn["facts"] == {}


def test_creditors_link_by_name_and_address_and_a_personal_name_is_never_matched() -> None:
    register = _register()
    raw = {"creditors": [*register["creditors"], {"name": "Michael Baumstein", "address": "1 Main St"}]}
    creditors = creditors_of(7, "bankruptcy_ch7", raw)
    assert len(creditors) == len(register["creditors"]) == 11  # the hand-written person is dropped again
    assert "Michael Baumstein" not in {c.name for c in creditors}
    assert creditors_of(7, "bankruptcy_ch11", raw) == []  # a reorganizing business keeps its creditors' trade
    records, behind = creditor_records(creditors)
    accounts = [
        account_record("A", "Business Wire Inc", address="101 California Street", city="San Francisco", state="CA"),
        account_record("B", "Business Wire Inc", address="9 Elm St", city="Boston", state="MA", zip="02108"),
    ]
    links = customer_links(MatchEngine(records, kinds=("account_closing",)).match(accounts).links, behind)
    (link,) = links
    assert (link.notice_id, link.account_id, link.kind, link.decision) == (7, "A", "customer_of_closed", "accept")
    assert link.evidence["creditor"]["name"] == "Business Wire, Inc."
    facts = notice_facts(SLUG, {"court_place": "Delaware", "case_number": "18-10160", "petition_date": "2018-01-28"})
    sentence = evidence_sentence(
        "customer_of_closed", link.evidence, {"closed_business": "Scottish Holdings, Inc.", "facts": facts}
    )
    assert sentence.startswith(
        "Listed as a creditor of Scottish Holdings, Inc. in its chapter 7 case 18-10160 (Delaware, petition filed "
        "2018-01-28), as Business Wire, Inc. at 101 California St., 20 Fl., San Francisco"
    )
