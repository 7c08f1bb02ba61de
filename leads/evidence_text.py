"""Evidence in words a rep reads: one sentence (or two) per link, from the stored evidence and the notice.

Pure functions: values in, text out. The wording never states a place twice in two ways: when the
closure is in the account's ZIP or city it says so and leaves the centroid distance out (a distance
between a city centre and a ZIP is not a fact about the two sites).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from leads.output import plural

_WARN_FAMILIES = ("warn_", "jobcenter_")


def _map(value: Any) -> Mapping[str, Any]:
    """A nested part of stored evidence, or {} when it is missing or of another shape (older evidence)."""
    return value if isinstance(value, Mapping) else {}


def _place(city: str | None, state: str | None) -> str:
    return " ".join(p for p in ((city or "").strip().title(), (state or "").strip().upper()) if p)


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def _miles(d: float) -> str:
    if d < 1:
        return "under a mile"
    n = round(d) if d >= 10 else round(d, 1)
    text = f"{n:g}"
    return f"{text} mile" if text == "1" else f"{text} miles"


def notice_phrase(source: str | None, notice_type: str | None) -> str:
    """What the business did, as a verb phrase: 'filed a WARN closure notice', 'filed for bankruptcy'."""
    warn = bool(source) and str(source).startswith(_WARN_FAMILIES)
    kind = notice_type or "closure"
    if kind in ("closure", "layoff"):
        return f"filed a {'WARN ' if warn else ''}{kind} notice"
    if kind == "bankruptcy":
        return "filed for bankruptcy"
    if kind == "registry_closed":
        return "was recorded as closed in the business registry"
    if kind == "registry_end":
        return "let its business registration end"
    return "was named in a public notice"


# -- what a bankruptcy or registry notice says, as a fact on the card ------------------------------------------

#: The raw fields a card reads, per source family (the rest of raw stays out of cards and JSON).
FACT_FIELDS = {
    "bankruptcy_us": ("court", "court_place", "case_number", "chapter", "petition_date"),
    "registry_il_chicago": ("license_number", "license_status", "license_description"),
    "registry_ca_sf": ("location_end_date", "dba_end_date"),
}
#: Chicago's LICENSE STATUS codes that end a licence (spiders/registry_il_chicago.py), as a rep reads them.
LICENCE_ENDED = {"AAC": "cancelled", "REV": "revoked"}
#: A registry source -> whose registry it is.
REGISTRY_OWNER = {"registry_il_chicago": "City of Chicago", "registry_ca_sf": "San Francisco"}


def notice_facts(source: str | None, raw: Mapping[str, Any] | None, address: str | None = None) -> dict[str, Any]:
    """The few published fields a card states (court and case, licence and address), from a notice's raw row."""
    row = _map(raw)
    facts = {k: row[k] for k in FACT_FIELDS.get(source or "", ()) if row.get(k) not in (None, "")}
    if address and str(source or "").startswith("registry_"):
        facts["address"] = address
    return facts


def _case(facts: Mapping[str, Any]) -> str:
    place = str(facts.get("court_place") or str(facts.get("court") or "").upper())
    case = facts.get("case_number")
    return f"in {place}" + (f", case {case}" if case else "") if place else (f"case {case}" if case else "")


def _street(text: Any) -> str:
    """A registry's upper-case street line as a person writes it: "3610 S MORGAN ST 1ST" -> "3610 S Morgan St 1st"."""
    return " ".join(w.capitalize() if w.isalpha() else w.lower() for w in str(text or "").split())


def closure_fact(notice: Mapping[str, Any]) -> str | None:
    """The card's line for a bankruptcy or registry notice, or None for a notice of another kind.

    "Chapter 7 petition filed 2018-01-28 in Delaware, case 18-10160" (the petition date comes with the claims
    register; without it the feed's latest docket entry dates the case), "Chapter 11 (reorganization) petition
    filed ...", "City of Chicago business licence cancelled on 2020-04-16 (licence 2528615 at 339 N Dearborn St)".
    """
    kind = notice.get("notice_type") or ""
    facts = _map(notice.get("facts"))
    if kind in ("bankruptcy_ch7", "bankruptcy_ch11"):
        chapter = "Chapter 7" if kind == "bankruptcy_ch7" else "Chapter 11 (reorganization)"
        where = _case(facts)
        filed = facts.get("petition_date") or notice.get("effective_date")
        if filed:
            return f"{chapter} petition filed {_iso(filed)} {where}".rstrip()
        latest = notice.get("notice_date")
        place = str(facts.get("court_place") or str(facts.get("court") or "").upper())
        case = f"{chapter} case {facts.get('case_number') or ''}".rstrip() + (f" in {place}" if place else "")
        return case + (f" (latest docket entry {_iso(latest)})" if latest else "")
    if kind not in ("registry_closed", "registry_end") or not str(notice.get("source") or "").startswith("registry_"):
        return None
    owner = REGISTRY_OWNER.get(str(notice.get("source")), _place(notice.get("city"), notice.get("state")) or "City")
    when = notice.get("effective_date") or notice.get("notice_date")
    on = f" on {_iso(when)}" if when else ""
    address = _street(facts.get("address"))
    if facts.get("license_status") or facts.get("license_number"):
        ended = LICENCE_ENDED.get(str(facts.get("license_status") or "").upper(), "ended")
        what = str(facts.get("license_description") or "").strip()
        details = [f"licence {facts['license_number']}" if facts.get("license_number") else "", what]
        detail = ", ".join(d for d in details if d)
        detail += f" at {address}" if address else ""
        return f"{owner} business licence {ended}{on}" + (f" ({detail})" if detail else "")
    what = "business location closed" if facts.get("location_end_date") or not facts else "business closed"
    return f"{owner} {what}{on} in the business registry" + (f" (at {address})" if address else "")


def _when(notice: Mapping[str, Any]) -> str:
    nd, ed = notice.get("notice_date"), notice.get("effective_date")
    if nd and ed and ed != nd:
        return f" on {_iso(nd)} (effective {_iso(ed)})"
    if nd or ed:
        return f" on {_iso(nd or ed)}"
    return ""


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _site(notice: Mapping[str, Any]) -> str:
    place = _place(notice.get("city"), notice.get("state"))
    return f" for its {place} site" if place else ""


def _where(location: Mapping[str, Any] | None, distance: float | None, located_by: str | None) -> str:
    """How far the closure is from the account, said once: same ZIP / same city / N miles / same state."""
    agreement = (location or {}).get("agreement") or ""
    if agreement == "same zip5":
        return "in this account's ZIP code"
    if agreement == "same city":
        return "in this account's city"
    if distance is not None:
        about = "about " if located_by == "city" else ""
        return f"{about}{_miles(distance)} from this account"
    if agreement == "same state":
        return "in this account's state"
    if agreement == "different state":
        return "in another state"
    return "at a location the notice does not give"


def _strengths(matched: Mapping[str, Any]) -> str:
    d = matched.get("distance_miles")
    near = f"{_miles(float(d))} apart" if d is not None else "nearby"
    carried = [near if x == "distance" else str(x) for x in matched.get("carried_by") or []]
    weakened = [str(x) for x in matched.get("weakened_by") or []]
    parts = []
    if carried:
        parts.append("carried by " + ", ".join(carried))
    if weakened:
        parts.append("weakened by " + ", ".join(weakened))
    return "; ".join(parts)


_CARRIED_WORDS = {
    "rare name": "a name no other place in the data bears",
    "same name": "the same name",
    "same street": "the same street address",
    "same postcode": "the same postcode",
    "same city": "the same city",
}
_WEAKENED_WORDS = {
    "no address": "no street address to compare",
    "no street": "no street name to compare",
    "different house number": "a different house number",
    "different street": "a different street",
    "different postcode": "a different postcode",
    "names differ, no street to compare": "names that differ, with no street to settle it",
}
_COUNTED_RE = re.compile(r"^(common name|shared address) \((\d[\d,]*) (places|businesses)(, one in this city)?\)$")


def _reason_in_words(reason: str, distance: Any = None) -> str:
    """One reason of the matcher (leads.matching.frequency.judge) as words a rep reads: "common name (3
    places)" -> "3 places bear this name (a chain or a common name)"; an unknown reason is kept as it is."""
    if reason == "distance":
        return f"the two sites {_miles(float(distance))} apart" if distance is not None else "the two sites nearby"
    if reason in _CARRIED_WORDS:
        return _CARRIED_WORDS[reason]
    if reason in _WEAKENED_WORDS:
        return _WEAKENED_WORDS[reason]
    m = _COUNTED_RE.match(reason)
    if m:
        what, n, _, local = m.groups()
        if what == "shared address":
            return f"{n} businesses share the street address"
        if local:
            return f"{n} places bear this name, one of them in this city"
        return f"{n} places bear this name (a chain or a common name)"
    if reason.endswith(" miles apart"):
        return "the two sites " + reason
    return reason


def _strengths_in_words(matched: Mapping[str, Any]) -> str:
    """What carried the link and what weakened it, in words (the sentences of ``leads show`` and ``leads why``)."""
    d = matched.get("distance_miles")
    carried = [_reason_in_words(str(x), d) for x in matched.get("carried_by") or []]
    weakened = [_reason_in_words(str(x), d) for x in matched.get("weakened_by") or []]
    parts = []
    if carried:
        parts.append("what carried it: " + _and(carried))
    if weakened:
        parts.append("what weakened it: " + _and(weakened))
    return "; ".join(parts)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def evidence_sentence(
    kind: str, matched: Mapping[str, Any] | None, notice: Mapping[str, Any], account: Mapping[str, Any] | None = None
) -> str:
    """One link's evidence as a sentence.

    ``notice``: closed_business, source, notice_type, notice_date, effective_date, city, state, employees.
    ``account``: name, incumbent_vendor (optional). ``matched`` is the stored evidence of the link.
    """
    m = _map(matched)
    business = notice.get("closed_business") or "A business"
    did = notice_phrase(notice.get("source"), notice.get("notice_type") or m.get("notice_type"))
    staff = notice.get("employees")
    staff_text = (
        f", affecting {plural(int(staff), 'employee', grouped=True)}" if isinstance(staff, int) and staff > 0 else ""
    )
    fact = closure_fact(notice)
    # A bankruptcy or registry notice states its fact after a colon; a WARN notice says what the business did.
    head = f": {fact}" if fact else f" {did}{_when(notice)}{_site(notice)}"
    if kind == "customer_of_closed":
        return _creditor_sentence(business, m, notice)
    if kind == "vendor_closed":
        loc = _map(m.get("location"))
        where = _where(loc, loc.get("distance_miles"), loc.get("notice_located_by"))
        if str(notice.get("notice_type") or "").startswith("bankruptcy") and "zip" not in where and "mile" not in where:
            where = ""  # a bankruptcy notice's state is its court's, not where the vendor's site is
        vendor = _map(m.get("vendor"))
        return (
            f"Vendor {business} (your account's incumbent){head}{', ' + where if where else ''}{staff_text}; "
            f"name agreement {_number(vendor.get('score'))}."
        )
    if kind == "competitor_nearby":
        d = m.get("distance_miles")
        where = (
            f"{'about ' if m.get('notice_located_by') == 'city' else ''}{_miles(float(d))} from this account"
            if d is not None
            else "near this account"
        )
        radius = m.get("radius_miles")
        within = f" (within the {_number(radius)}-mile radius)" if radius is not None else ""
        profile = m.get("profile")
        rule = m.get("competitor_rule")
        who = f"a {profile} competitor" if profile else "a competitor"
        if rule:
            who += f" by its {rule}"
        if fact:
            return f"{business}, {who}{head}, {where}{within}{staff_text}; its customers nearby need a new supplier."
        return f"{business}, {who},{head}, {where}{within}{staff_text}: its customers nearby need a new supplier."
    if kind == "account_closing":
        name = _map(m.get("name"))
        address = _map(m.get("address")) or None
        facts = [f"name agreement {_number(name.get('score'))}"]
        place = _closing_place(m)
        if place:
            facts.insert(0, place)
        if address:
            facts.append(f"street address agreement {_number(address.get('score'))}")
        strengths = _strengths_in_words(m)
        tail = "; ".join(facts + ([strengths] if strengths else []))
        joint = "; this" if fact else ": this"
        return f"{business}{head}{staff_text}{joint} account itself looks to be closing; {tail}."
    strengths = _strengths_in_words(m)
    return f"{business}{head}{staff_text}" + (f"; {strengths}." if strengths else ".")


def _creditor_sentence(business: str, m: Mapping[str, Any], notice: Mapping[str, Any]) -> str:
    """customer_of_closed: "Listed as a creditor of Scottish Holdings, Inc. in its chapter 7 case 18-10160
    (Delaware, petition filed 2018-01-28), as Business Wire, Inc. at 101 California St.; name agreement 100"."""
    facts = _map(notice.get("facts"))
    case = facts.get("case_number")
    place = str(facts.get("court_place") or "").removeprefix("the ")
    filed = facts.get("petition_date") or notice.get("effective_date")
    about = ", ".join(p for p in (place, f"petition filed {_iso(filed)}" if filed else "") if p)
    text = f"Listed as a creditor of {business} in its chapter 7 case" + (f" {case}" if case else "")
    text += f" ({about})" if about else ""
    creditor = _map(m.get("creditor"))
    if creditor.get("name"):
        where = ", ".join(str(creditor[k]) for k in ("address", "city") if creditor.get(k))
        text += f", as {creditor['name']}" + (f" at {where}" if where else "")
    name = _map(m.get("name"))
    address = _map(m.get("address")) or None
    agreement = [f"name agreement {_number(name.get('score'))}"]
    if address:
        agreement.append(f"street address agreement {_number(address.get('score'))}")
    return f"{text}: the liquidation leaves it an unpaid claim and one customer fewer; {', '.join(agreement)}."


def _closing_place(m: Mapping[str, Any]) -> str:
    """Where the closing site is against the account: measured distance first, else what the fields say."""
    d = m.get("distance_miles")
    if d is not None:
        # Measured between the two records' coordinates: the account may have a map point and no street.
        return f"{_miles(float(d))} from this account" + ("'s address" if _map(m.get("address")) else "")
    loc = _map(m.get("location"))
    if loc.get("zip5") == "same":
        return "in this account's ZIP code"
    if loc.get("city") == "same":
        return "in this account's city"
    if loc.get("city") == "different":
        return "in another city" + (" in the same state" if loc.get("state") == "same" else "")
    return ""


def evidence_summary(kind: str, matched: Mapping[str, Any] | None) -> str:
    """A short cell for a table (the review queue): what agreed, what weakened it, how far."""
    m = _map(matched)
    if kind == "vendor_closed":
        loc = _map(m.get("location"))
        vendor = _map(m.get("vendor"))
        where = (
            _where(loc, loc.get("distance_miles"), loc.get("notice_located_by"))
            .replace(" from this account", " away")
            .replace("this account's", "its")
        )
        return f"vendor name {_number(vendor.get('score'))}, {where}"
    if kind == "competitor_nearby":
        d = m.get("distance_miles")
        rule = m.get("competitor_rule") or "competitor"
        return f"{rule}, {_miles(float(d)) if d is not None else 'distance unknown'} away"
    name = _map(m.get("name"))
    parts = [f"{'creditor ' if kind == 'customer_of_closed' else ''}name {_number(name.get('score'))}"]
    address = _map(m.get("address")) or None
    if address:
        parts.append(f"address {_number(address.get('score'))}")
    strengths = _strengths(m)
    return ", ".join(parts) + (f"; {strengths}" if strengths else "")


def evidence_brief(kind: str, matched: Mapping[str, Any] | None) -> str:
    """The review queue's evidence cell for a narrow terminal: the name agreement and the one fact that matters
    next ("name 100, ~127 mi", "'foods', 3.2 mi", "name 85, no address"); ``evidence_summary`` says it all."""
    m = _map(matched)
    if kind == "vendor_closed":
        loc = _map(m.get("location"))
        d = loc.get("distance_miles")
        agreement = str(loc.get("agreement") or "")
        if agreement in ("same zip5", "same city"):
            where = "same ZIP" if agreement == "same zip5" else "same city"
        elif d is not None:
            where = f"{'~' if loc.get('notice_located_by') == 'city' else ''}{_short_miles(float(d))}"
        else:
            where = {"same state": "same state", "different state": "other state"}.get(agreement, "place unknown")
        return f"name {_number(_map(m.get('vendor')).get('score'))}, {where}"
    if kind == "competitor_nearby":
        d = m.get("distance_miles")
        rule = str(m.get("competitor_rule") or "competitor").removeprefix("name keyword ")
        return f"{rule}, {_short_miles(float(d)) if d is not None else '? mi'}"
    name = f"name {_number(_map(m.get('name')).get('score'))}"
    address = _map(m.get("address")) or None
    if address:
        return f"{name}, address {_number(address.get('score'))}"
    weakened = [str(x) for x in m.get("weakened_by") or []]
    return f"{name}, {weakened[0]}" if weakened else name


def _short_miles(d: float) -> str:
    return "<1 mi" if d < 1 else f"{round(d) if d >= 10 else round(d, 1):g} mi"
