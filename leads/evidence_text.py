"""Evidence in words a rep reads: one sentence (or two) per link, from the stored evidence and the notice.

Pure functions: values in, text out. The wording never states a place twice in two ways: when the
closure is in the account's ZIP or city it says so and leaves the centroid distance out (a distance
between a city centre and a ZIP is not a fact about the two sites).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_WARN_FAMILIES = ("warn_", "jobcenter_")


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 error``, ``2 errors``, ``1 new lead``; ``many`` for irregular plurals ("1 day"/"2 days" are regular)."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


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
    staff_text = f", affecting {plural(int(staff), 'employee')}" if isinstance(staff, int) and staff > 0 else ""
    head = f"{did}{_when(notice)}{_site(notice)}"
    if kind == "vendor_closed":
        loc = _map(m.get("location"))
        where = _where(loc, loc.get("distance_miles"), loc.get("notice_located_by"))
        vendor = _map(m.get("vendor"))
        return (
            f"Vendor {business} (your account's incumbent) {head}, {where}{staff_text}; "
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
        return f"{business}, {who}, {head}, {where}{within}{staff_text}: its customers nearby need a new supplier."
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
        return f"{business} {head}{staff_text}: this account itself looks to be closing; {tail}."
    strengths = _strengths_in_words(m)
    return f"{business} {head}{staff_text}" + (f"; {strengths}." if strengths else ".")


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
    parts = [f"name {_number(name.get('score'))}"]
    address = _map(m.get("address")) or None
    if address:
        parts.append(f"address {_number(address.get('score'))}")
    strengths = _strengths(m)
    return ", ".join(parts) + (f"; {strengths}" if strengths else "")
