"""Evidence in words a rep reads: one sentence (or two) per link, from the stored evidence and the notice.

Pure functions: values in, text out. The wording never states a place twice in two ways: when the
closure is in the account's ZIP or city it says so and leaves the centroid distance out (a distance
between a city centre and a ZIP is not a fact about the two sites).
"""

from __future__ import annotations

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
        strengths = _strengths(m)
        tail = "; ".join(facts + ([strengths] if strengths else []))
        return f"{business} {head}{staff_text}: this account itself looks to be closing; {tail}."
    strengths = _strengths(m)
    return f"{business} {head}{staff_text}" + (f"; {strengths}." if strengths else ".")


def _closing_place(m: Mapping[str, Any]) -> str:
    """Where the closing site is against the account: measured distance first, else what the fields say."""
    d = m.get("distance_miles")
    if d is not None:
        return f"{_miles(float(d))} from this account's address"
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
