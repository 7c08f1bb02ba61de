"""How common a name, a word or an address is in the data of one run (both sides), and what that does to a link.

Evidence is worth what it is rare: a name borne by many places (a chain, "First Baptist Church") does not say
which of them a record is, and a street address shared by many businesses (a registered agent, a mall, an office
tower) does not say which business. Nothing here comes from a word list: every count is taken on the records of
the run, and the few constants below are fixed once for every data set (bench/match_quality.py prints what they
give on each set, and the leave-one-set-out figures).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from leads.matching.scoring import (
    GENERIC_ONLY_CAP,
    NAME_FLOOR,
    NO_ADDRESS_ZIP_BONUS,
    Site,
    name_similarity,
    numbers_match,
)
from leads.normalize import FUNCTION_WORDS

#: A word carried by at least this share of the run's records (and by at least COMMON_MIN_RECORDS of them) is
#: too common to identify a business on its own in this run ("pizza" in a list of restaurants, "chicago" in a
#: list of Chicago businesses, a chain's brand). 0.3% is the rule the old fixed list was made with.
COMMON_SHARE = 0.003
#: Smaller counts say nothing: a file of 200 records cannot tell a common word from a coincidence.
COMMON_MIN_RECORDS = 20
#: Name score at or above which two records bear the same name (for counting how many places bear it).
NAME_SAME = 90.0
#: A name found at this many different places on one side is a chain's (or a common) name.
CHAIN_PLACES = 2
#: An address where this many different businesses (names that do not match each other) sit is shared.
SHARED_NAMES = 3
#: Names at one address that score at least this much against each other are one business written twice (the
#: name floor of the scorer: below it, names are different businesses).
SAME_BUSINESS_AT_ADDRESS = NAME_FLOOR
#: Street score at or above which the street addresses agree.
STREET_AGREES = 80.0
#: Coordinates this close are the same place; farther than FAR_MILES apart, different places (geocodes of one
#: building from two sources differ by tens of metres, not by a mile).
NEAR_MILES = 0.15
FAR_MILES = 1.0
#: A common name with nothing to say where (no street agreeing, no postcode, no coordinates) scores at most
#: this: the review band of account_closing, under the accept threshold that ``leads link`` writes.
COMMON_NO_PLACE_CAP = 70.0


def common_words(sites: Iterable[Site]) -> frozenset[str]:
    """Words found at ``COMMON_SHARE`` of the distinct places of the run (and at ``COMMON_MIN_RECORDS`` at
    least), the sites of both sides together. Counted by place, not by record: a brand at 60 addresses is
    common, one company written 676 ways without any address (patent applicants) is not."""
    places: dict[str, set] = defaultdict(set)
    all_places: set = set()
    for s in sites:
        where = place_key(s)
        if where is None:
            continue
        all_places.add(where)
        for v in s.variants:
            for w in v.split():
                if w not in FUNCTION_WORDS:
                    places[w].add(where)
    floor = max(COMMON_MIN_RECORDS, COMMON_SHARE * len(all_places))
    return frozenset(w for w, p in places.items() if len(p) >= floor)


def miles(a: Site, b: Site) -> float | None:
    """Great-circle distance between two sites' coordinates, or None when either lacks them."""
    try:  # None, or "" from a database row read with ``v or ""``: no coordinates
        la1, lo1, la2, lo2 = map(math.radians, (float(a.lat), float(a.lon), float(b.lat), float(b.lon)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 3958.8 * math.asin(min(1.0, math.sqrt(h)))


def address_place(s: Site) -> tuple[str, str] | None:
    """The street address of a site as a key (house number, street words), or None. Postcode and city are left
    out: one side often lacks them, and one address written with and without its ZIP is one place."""
    if not (s.number and s.core):
        return None
    return (s.number, s.core)


def place_key(s: Site) -> tuple | None:
    """Where a site is, for counting the places that bear a name: its street address, else its postcode or
    city, else None (a record that says nowhere is no evidence of another place: 676 records of one company
    without any address are one company, not a chain)."""
    addr = address_place(s)
    if addr is not None:
        return addr
    if s.zip5 or s.city:
        return ("", s.zip5, s.city)
    return None


def bearer(s: Site) -> tuple:
    """What is kept of a record bearing some name: its place, city and postcode (see :func:`places`)."""
    return (place_key(s), s.city, s.zip5)


def places(bearers: set, near: Site | None = None) -> tuple[int, int]:
    """(places bearing a name, those of them in the city or postcode of ``near``) from :func:`bearer` tuples."""
    total = {b[0] for b in bearers if b[0] is not None}
    if near is None or not (near.city or near.zip5):
        return len(total), len(total)
    local = {
        b[0]
        for b in bearers
        if b[0] is not None and ((near.city and b[1] == near.city) or (near.zip5 and b[2] == near.zip5))
    }
    return len(total), len(local)


def businesses_per_address(sites: Sequence[Site]) -> dict[tuple[str, str], int]:
    """For each street address of one side: how many different businesses sit there (names that do not score
    ``SAME_BUSINESS_AT_ADDRESS`` against each other; "Ryder" and "Chicago Public Schools Ryder" are one)."""
    names: dict[tuple[str, str], list[tuple[str, ...]]] = defaultdict(list)
    for s in sites:
        key = address_place(s)
        if key is not None and s.variants:
            names[key].append(s.variants)
    out: dict[tuple[str, str], int] = {}
    for key, lst in names.items():
        if len(lst) < SHARED_NAMES:
            out[key] = 1 if len(lst) == 1 else _groups(lst)
            continue
        out[key] = _groups(lst)
    return out


def count_businesses(names: list[tuple[str, ...]]) -> int:
    """How many different businesses a list of names at one address are (see :func:`businesses_per_address`)."""
    return _groups(names)


def _groups(names: list[tuple[str, ...]]) -> int:
    reps: list[tuple[str, ...]] = []
    for v in dict.fromkeys(names):
        if not any(name_similarity(v, r, SAME_BUSINESS_AT_ADDRESS, name_only=False)[0] for r in reps):
            reps.append(v)
            if len(reps) > 50:  # enough to know it is shared; a registered agent's 2,000 clients need no more
                break
    return len(reps)


def judge(
    a: Site,
    b: Site,
    res: tuple[float, float, float | None, str, str],
    *,
    name_places: int,
    businesses_here: int,
    common: frozenset[str],
    local_places: int | None = None,
) -> tuple[float, dict[str, Any]]:
    """The score of a pair once how common its evidence is in the run is known, and the evidence saying so.

    ``name_places``: how many places bear this name on either side (the larger count); ``businesses_here``:
    how many businesses share the street address on either side (the larger count); ``local_places``: how
    many of those places are in the city or postcode of the record it would link to. Returns (score, evidence
    keys ``carried_by``, ``weakened_by``, ``distance_miles``, ``name_places``, ``businesses_at_address``).
    """
    score, n, addr, _, _ = res
    carried: list[str] = []
    weakened: list[str] = []
    dist = miles(a, b)
    street_agrees = addr is not None and addr >= STREET_AGREES
    same_place = street_agrees  # a shared address is still the same place: it only stops saying which business
    near = dist is not None and dist <= NEAR_MILES
    same_postcode = bool(a.zip5) and a.zip5 == b.zip5
    if street_agrees:
        if businesses_here >= SHARED_NAMES:
            weakened.append(f"shared address ({businesses_here} businesses)")
            # The address no longer says which business: the name has to, on its own.
            alone = name_similarity(a.variants, b.variants, 0.0, name_only=True, common=common)[0]
            score = min(score, alone + NO_ADDRESS_ZIP_BONUS)
        else:
            carried.append("same street")
    elif addr is not None:
        weakened.append("different house number" if not numbers_match(a.number, b.number) else "different street")
    else:
        weakened.append("no address" if not (a.number and b.number) else "no street")
    if dist is not None:
        if near:
            carried.append("distance")
        elif dist > FAR_MILES and not same_place:
            weakened.append(f"{dist:.1f} miles apart")
            score = min(score, GENERIC_ONLY_CAP)
    if same_postcode:
        carried.append("same postcode")
    elif a.zip5 and b.zip5:
        weakened.append("different postcode")
    same_city = bool(a.city) and a.city == b.city and (not a.state or not b.state or a.state == b.state)
    if name_places >= CHAIN_PLACES:
        if not (same_place or near or same_postcode):
            if same_city and local_places is not None and local_places <= 1:
                # A chain with one branch in this city: the city says which one.
                weakened.append(f"common name ({name_places} places, one in this city)")
                carried.append("same city")
            else:
                weakened.append(f"common name ({name_places} places)")
                score = min(score, COMMON_NO_PLACE_CAP)
        else:
            weakened.append(f"common name ({name_places} places)")
        if n >= NAME_SAME:
            carried.insert(0, "same name")
    elif n >= NAME_SAME or not street_agrees:
        carried.insert(0, "rare name")
    ev: dict[str, Any] = {
        "carried_by": carried,
        "weakened_by": weakened,
        "name_places": name_places,
        "businesses_at_address": businesses_here if addr is not None else None,
    }
    if dist is not None:
        ev["distance_miles"] = round(dist, 2)
    return score, ev


def closing_site(a: Site, b: Site, score: float, res: tuple[float, float, float | None, str, str],
                 ev: dict[str, Any]) -> float:  # fmt: skip
    """account_closing asks more than "same business?": is *this account's site* the one closing? A notice for
    another site of the business (another city or postcode, no street or coordinates agreeing) says nothing of
    this account, and without a street or coordinates to agree, a name that differs in a word ("Tiffany" and
    "Tiffany Roger") is another business as often as not: a person checks it before the account is marked closing.
    Returns the score (0: not this account's closure), adding the reason to ``ev["weakened_by"]``."""
    n, addr = res[1], res[2]
    dist = miles(a, b)
    if (addr is not None and addr >= STREET_AGREES) or (dist is not None and dist <= NEAR_MILES):
        return score
    same_postcode = bool(a.zip5) and a.zip5 == b.zip5
    same_city = bool(a.city) and a.city == b.city and (not a.state or not b.state or a.state == b.state)
    elsewhere = (dist is not None and dist > FAR_MILES) or (
        not same_postcode and not same_city and (bool(a.city and b.city) or bool(a.zip5 and b.zip5))
    )
    weakened = ev.setdefault("weakened_by", [])
    if elsewhere:
        weakened.append("closure at another site")
        return 0.0
    if n < NAME_SAME and score > COMMON_NO_PLACE_CAP:
        weakened.append("names differ, no street to compare")
        return COMMON_NO_PLACE_CAP
    return score
