"""Pairwise scores (0-100) on normalized strings: name, street address, location, and the combined scores of
each link kind. Weights are module constants chosen once on the benchmark sets (see bench/match_quality.py)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from rapidfuzz.distance import OSA
from rapidfuzz.fuzz import token_set_ratio, token_sort_ratio

from leads.normalize import (
    DIRECTIONAL_ABBREVIATIONS,
    FUNCTION_WORDS,
    STREET_SUFFIX_ABBREVIATIONS,
    is_generic,
    split_address,
    split_variants,
)

#: Weight of the name in a name+address score; the street address carries the rest. Address-heavy because a
#: house number + street agreeing is strong evidence, and names vary more ("Ryder" / "Chicago Public Schools
#: Ryder, William H."). Benchmarks: F1 is flat for 0.3-0.4.
NAME_WEIGHT = 0.35
#: Below this name score the address cannot carry a match: different tenants of one building are different
#: businesses (on Chicago early childhood it drops the pairs labelled "same site" that are different
#: organizations sharing one address: a little recall there, the right call for closures).
NAME_FLOOR = 50.0
#: Both sides give a unit (suite, floor) and they differ: probably another tenant of the same building.
UNIT_MISMATCH_FACTOR = 0.85
#: Names that share no word able to identify a business (only one generic word, leads.normalize.GENERIC_WORDS,
#: or with no street address agreeing only generic words) score at most this: below NAME_FLOOR, so neither
#: a shared address nor a shared ZIP can lift them to review.
GENERIC_ONLY_CAP = 45.0
#: Each name has a distinctive word the other lacks ("hue productions" / "prime business productions"), and no
#: street address agrees: the name score is lowered by this much.
CONFLICT_PENALTY = 20.0
#: No street-level evidence: the name score is adjusted by where the two are.
NO_ADDRESS_ZIP_BONUS = 5.0
NO_ADDRESS_CITY_BONUS = 3.0
NO_ADDRESS_CITY_PENALTY = -10.0
STATE_PENALTY = -25.0
#: vendor_closed: the closed business is the account's vendor. A national vendor's WARN notice is usually one
#: facility, so the farther the closure from the account, the less sure the account lost its supplier.
VENDOR_NEAR_MILES = 25.0
VENDOR_REGION_MILES = 100.0
VENDOR_NEAR_PENALTY = -3.0
VENDOR_REGION_PENALTY = -10.0
VENDOR_FAR_PENALTY = -25.0
VENDOR_SAME_STATE_PENALTY = -10.0  # no distance known, same state
VENDOR_UNKNOWN_PENALTY = -15.0  # nothing known about where the closure is

_STREET_NOISE = DIRECTIONAL_ABBREVIATIONS | STREET_SUFFIX_ABBREVIATIONS


class Site(NamedTuple):
    """A record prepared for scoring: name variants and the parts of its address, all normalized."""

    variants: tuple[str, ...]
    number: str
    street: str
    core: str  # street words without directionals and suffix ("la cienega"), what street similarity compares
    unit: str
    city: str
    zip5: str  # the postcode: a US ZIP, or a Canadian/UK code (leads.normalize.postcode)
    state: str
    lat: float | None = None  # coordinates when the source gives them (CRM geocodes, registry points)
    lon: float | None = None


def street_core(street: str) -> str:
    words = [w for w in street.split() if w not in _STREET_NOISE]
    return " ".join(words) if words else street


def prepare_site(
    name_norm: str,
    address_norm: str = "",
    city_norm: str = "",
    state: str = "",
    zip5: str = "",
    lat: float | None = None,
    lon: float | None = None,
) -> Site:
    """A :class:`Site` from stored normalized strings (no normalization happens here)."""
    number, street, unit = split_address(address_norm)
    return Site(
        tuple(split_variants(name_norm)), number, street, street_core(street), unit, city_norm, zip5, state, lat, lon
    )


class _NameInfo(NamedTuple):
    words: frozenset[str]  # the words of the name
    meaningful: frozenset[str]  # without function words ("of", "the")
    generic: frozenset[str]  # the meaningful words that are generic
    keyed: tuple[tuple[str, str, str, bool], ...]  # (word, first-4, last-4, generic?) of each meaningful word


_NO_WORDS: frozenset[str] = frozenset()


@lru_cache(maxsize=1 << 16)
def _name_info(name: str, common: frozenset[str] = _NO_WORDS) -> _NameInfo:
    """The words of a name; ``common`` are the words this run's data carries too often to identify a business
    (leads.matching.frequency), counted as generic like the business vocabulary of leads.normalize."""
    words = name.split()
    keyed = tuple((w, w[:4], w[-4:], is_generic(w) or w in common) for w in words if w not in FUNCTION_WORDS)
    return _NameInfo(frozenset(words), frozenset(k[0] for k in keyed), frozenset(k[0] for k in keyed if k[3]), keyed)


def _same_word(a: tuple[str, str, str, bool], b: tuple[str, str, str, bool]) -> bool:
    """Same word, allowing one typo in words of 5+ letters (one insertion, deletion, substitution or swap of
    neighbours; shorter words differing by a letter are usually other words: "mars" / "mart") or an
    abbreviation ("dev" / "developmental", "transport" / "transportes"; a 3-letter one only of a word of 9+
    letters: "sea" is not "seabury")."""
    x, y = a[0], b[0]
    if x == y:
        return True
    if len(x) > len(y):
        x, y = y, x
    if (len(x) >= 4 or (len(x) == 3 and len(y) >= 9)) and y.startswith(x):
        return True
    return len(x) >= 5 and OSA.distance(x, y, score_cutoff=1) <= 1


def word_agreement(a: str, b: str, common: frozenset[str] = _NO_WORDS) -> tuple[int, bool, int, bool]:
    """(how far the shared words identify a business, do the names conflict, how many words are shared, does
    each name have a word the other lacks).

    Identification: 2 when a shared word is distinctive (not generic on either side: "sasociation" matched to
    "association" is generic), 1 when two or more generic words are shared ("metropolitan family services"),
    else 0. Names conflict
    when one has a distinctive word without counterpart and the other has any word without counterpart ("hue
    productions" / "prime business productions", "elvia grill" / "capital grill"). Words are compared allowing
    one typo or an abbreviation; function words ("of", "the") do not count.
    """
    ia, ib = _name_info(a, common), _name_info(b, common)
    common = ia.meaningful & ib.meaningful
    shared = len(common)
    distinctive_shared = shared > len(common & ia.generic)
    rest_b = [k for k in ib.keyed if k[0] not in common]
    matched_b = [False] * len(rest_b)
    a_unmatched = a_unmatched_distinctive = False
    for wa in ia.keyed:
        if wa[0] in common:
            continue
        hit = False
        for i, wb in enumerate(rest_b):
            if _same_word(wa, wb):
                hit = True
                matched_b[i] = True
                if not wa[3] and not wb[3]:
                    distinctive_shared = True
        if hit:
            shared += 1
        else:
            a_unmatched = True
            if not wa[3]:
                a_unmatched_distinctive = True
    identifies = 2 if distinctive_shared else 1 if shared >= 2 else 0
    b_unmatched = [wb for m, wb in zip(matched_b, rest_b, strict=False) if not m]
    b_unmatched_distinctive = any(not wb[3] for wb in b_unmatched)
    conflict = (a_unmatched_distinctive and bool(b_unmatched)) or (b_unmatched_distinctive and a_unmatched)
    return identifies, conflict, shared, a_unmatched and bool(b_unmatched)


def name_similarity(
    a: tuple[str, ...] | list[str],
    b: tuple[str, ...] | list[str],
    cutoff: float = 0.0,
    name_only: bool = True,
    common: frozenset[str] = _NO_WORDS,
) -> tuple[float, str, str]:
    """Best score over the name variants of both sides, from rapidfuzz token_sort_ratio (punishes extra words)
    and token_set_ratio (forgives them).

    When the words of one name are all in the other ("katsu" / "restaurant katsu", "Ryder" / "chicago public
    schools ryder william h") both count equally; otherwise sort counts three times as much. Names that are not
    identical must share a word that can identify a business (:func:`word_agreement`), else they score at most
    ``GENERIC_ONLY_CAP``: a distinctive word, or — only when ``name_only`` is False, i.e. a street address
    agrees too — two generic ones. With ``name_only``, names that share one word while each has another word
    the other lacks score at most ``GENERIC_ONLY_CAP``, and names sharing more words lose ``CONFLICT_PENALTY``
    when each has a word the other lacks, one of them distinctive. Returns (score, variant of a, variant of b);
    score 0 below ``cutoff``. ``common``: words frequent in this run's data; they count as generic only when
    the name is all there is (``name_only``): a chain's brand identifies a business at an agreeing street.
    """
    if not name_only:
        common = _NO_WORDS
    best = (0.0, "", "")
    for x in a:
        for y in b:
            if x == y or x.replace(" ", "") == y.replace(" ", ""):
                return (100.0, x, y)  # equal, or equal but for spaces: "bread winners" / "breadwinners"
            st = token_set_ratio(x, y, score_cutoff=cutoff)  # the score is never above set: cheap early exit
            if not st or st <= best[0]:
                continue
            so = token_sort_ratio(x, y)
            wx, wy = _name_info(x).words, _name_info(y).words
            contained = wx <= wy or wy <= wx
            score = (st + so) / 2.0 if contained else (st + 3.0 * so) / 4.0
            if score < cutoff or score <= best[0]:
                continue
            identifies, conflict, shared, both_extra = word_agreement(x, y, common)
            if identifies == 0 or (identifies == 1 and name_only):
                score = min(score, GENERIC_ONLY_CAP)
            elif name_only and not contained and shared < 2 and both_extra:
                # One word in common and another word each that differs: "blanca entertainment" / "dc
                # entertainment", "miguel healthcare" / "michael healthcare".
                score = min(score, GENERIC_ONLY_CAP)
            elif name_only and conflict and not contained:
                score -= CONFLICT_PENALTY
            if score > best[0]:
                best = (score, x, y)
    if best[0] < cutoff:
        return (0.0, best[1], best[2])
    return best


def _number_range(n: str) -> tuple[int, int] | None:
    lo, _, hi = n.partition("-")
    lo_digits = "".join(c for c in lo if c.isdigit())
    hi_digits = "".join(c for c in hi if c.isdigit()) or lo_digits
    if not lo_digits:
        return None
    a, b = int(lo_digits), int(hi_digits)
    return (a, b) if a <= b else (b, a)


def numbers_match(a: str, b: str) -> bool:
    """House numbers agree: equal, one range covers the other ("1710-1718" and "1718"), or one adds a unit letter
    to the other's number ("1058b" and "1058": directories drop the letter)."""
    if a == b:
        return True
    if "-" not in a and "-" not in b:
        return (
            bool(a and b)
            and a[0].isdigit()
            and (a.rstrip("abcdefghijklmnopqrstuvwxyz") == b or b.rstrip("abcdefghijklmnopqrstuvwxyz") == a)
        )
    ra, rb = _number_range(a), _number_range(b)
    return bool(ra and rb and ra[0] <= rb[1] and rb[0] <= ra[1])


def address_similarity(a: Site, b: Site) -> float | None:
    """Street-level agreement 0-100, or None when either side lacks a house number and street.

    A different house number means a different place (0); otherwise the street words are compared without
    directionals and suffixes ("W Madison St" = "Madison"), and differing units lower the score.
    """
    if not (a.number and b.number and a.street and b.street):
        return None
    if not numbers_match(a.number, b.number):
        return 0.0
    score = token_set_ratio(a.core, b.core)
    if a.unit and b.unit and a.unit != b.unit:
        score *= UNIT_MISMATCH_FACTOR
    return score


def _agreement(x: str, y: str) -> str:
    if not x or not y:
        return "unknown"
    return "same" if x == y else "different"


def location_agreement(a: Site, b: Site) -> dict[str, str]:
    return {
        "zip5": _agreement(a.zip5, b.zip5),
        "city": _agreement(a.city, b.city),
        "state": _agreement(a.state, b.state),
    }


def _no_address_adjustment(a: Site, b: Site) -> float:
    if a.state and b.state and a.state != b.state:
        return STATE_PENALTY
    if a.zip5 and a.zip5 == b.zip5:
        return NO_ADDRESS_ZIP_BONUS
    if a.city and a.city == b.city:
        return NO_ADDRESS_CITY_BONUS
    if a.city and b.city:
        return NO_ADDRESS_CITY_PENALTY
    return 0.0


def _clamp(x: float) -> float:
    return 0.0 if x < 0 else 100.0 if x > 100 else x


def site_name_gate(min_score: float) -> float:
    """Lowest name score that can still reach ``min_score`` in :func:`site_score` (skips hopeless pairs early)."""
    if min_score < NAME_FLOOR:
        with_address = min_score
    else:
        with_address = max(NAME_FLOOR, (min_score - (1 - NAME_WEIGHT) * 100) / NAME_WEIGHT)
    without_address = min_score - max(NO_ADDRESS_ZIP_BONUS, NO_ADDRESS_CITY_BONUS)
    return max(0.0, min(with_address, without_address))


_NO_MATCH: tuple[float, float, float | None, str, str] = (0.0, 0.0, None, "", "")


def site_score(
    a: Site, b: Site, min_score: float = 0.0, common: frozenset[str] = _NO_WORDS
) -> tuple[float, float, float | None, str, str]:
    """Same business at the same place? Used by account_closing and by ``leads link``.

    With a street address on both sides: ``NAME_WEIGHT * name + (1 - NAME_WEIGHT) * address``, capped at the
    name score when the name score is under ``NAME_FLOOR``. Without: the name score, plus a little when ZIP or
    city agree and minus ``NO_ADDRESS_CITY_PENALTY`` when the cities differ. Different states: ``STATE_PENALTY``.
    Returns (score, name score, address score or None, name variant of a, name variant of b); pairs that cannot
    reach ``min_score`` return score 0 early (the address is checked first: a different house number settles it).
    """
    addr = address_similarity(a, b)
    # The location part is known before the name is scored, so the name's cutoff is the exact one (a pair of
    # another state or city then fails inside rapidfuzz). Exact for 0 < min_score <= 100, where clamping the
    # sum changes nothing about reaching min_score.
    if addr is None:
        adjust = _no_address_adjustment(a, b) if min_score > 0 else max(NO_ADDRESS_ZIP_BONUS, NO_ADDRESS_CITY_BONUS)
        cutoff = min_score - adjust
        if cutoff > 100:
            return _NO_MATCH
    else:
        need = min_score
        if min_score > 0 and a.state and b.state and a.state != b.state:
            need -= STATE_PENALTY
        linear = (need - (1 - NAME_WEIGHT) * addr) / NAME_WEIGHT
        if linear > 100:
            return _NO_MATCH
        cutoff = min(max(NAME_FLOOR, linear), max(linear, need))
    # With a street address agreeing, names differing in a word are often one site's programs or departments,
    # and two shared generic words will do; without one, the name is all there is (see name_similarity).
    n, va, vb = name_similarity(a.variants, b.variants, max(0.0, cutoff), name_only=not addr, common=common)
    if not n:
        return (0.0, 0.0, addr, va, vb)
    if addr is None:
        score = n + _no_address_adjustment(a, b)
    else:
        score = NAME_WEIGHT * n + (1 - NAME_WEIGHT) * addr
        if n < NAME_FLOOR:
            score = min(score, n)
        if a.state and b.state and a.state != b.state:
            score += STATE_PENALTY
    return (_clamp(score), n, addr, va, vb)


def site_evidence(notice: Site, account: Site, result: tuple[float, float, float | None, str, str]) -> dict[str, Any]:
    score, n, addr, va, vb = result
    ev: dict[str, Any] = {
        "matched": ["name"] + (["address"] if addr else []),
        "name": {"notice": va, "account": vb, "score": round(n, 1)},
        "address": None,
        "location": location_agreement(notice, account),
        "score": round(score, 1),
    }
    if addr is not None:
        ev["address"] = {
            "notice": " ".join(x for x in (notice.number, notice.street) if x),
            "account": " ".join(x for x in (account.number, account.street) if x),
            "house_number_match": numbers_match(notice.number, account.number),
            "units": [notice.unit, account.unit],
            "score": round(addr, 1),
        }
    for key in ("zip5", "city", "state"):
        if ev["location"][key] == "same":
            ev["matched"].append(key)
    return ev


def vendor_location_adjustment(notice: Site, account: Site, distance_miles: float | None) -> tuple[float, str]:
    """How much the closure's place agrees with the account's: (adjustment <= 0, reason for the evidence)."""
    if notice.zip5 and notice.zip5 == account.zip5:
        return 0.0, "same zip5"
    if (
        notice.city
        and notice.city == account.city
        and (not notice.state or not account.state or notice.state == account.state)
    ):
        return 0.0, "same city"
    if distance_miles is not None:
        if distance_miles <= VENDOR_NEAR_MILES:
            return VENDOR_NEAR_PENALTY, f"within {VENDOR_NEAR_MILES:g} miles"
        if distance_miles <= VENDOR_REGION_MILES:
            return VENDOR_REGION_PENALTY, f"within {VENDOR_REGION_MILES:g} miles"
        return VENDOR_FAR_PENALTY, f"more than {VENDOR_REGION_MILES:g} miles"
    if notice.state and account.state:
        if notice.state == account.state:
            return VENDOR_SAME_STATE_PENALTY, "same state"
        return VENDOR_FAR_PENALTY, "different state"
    return VENDOR_UNKNOWN_PENALTY, "closure location unknown"


def vendor_score(name_score: float, notice: Site, account: Site, distance_miles: float | None) -> tuple[float, str]:
    """The account's incumbent vendor is the closed business: vendor-name score, lowered as the closure is
    farther from the account (0 for same ZIP/city, -3 within 25 mi, -10 within 100 mi, -25 beyond)."""
    adj, why = vendor_location_adjustment(notice, account, distance_miles)
    return _clamp(name_score + adj), why
