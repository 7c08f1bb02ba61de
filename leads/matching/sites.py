"""Name + address linking of two record lists (or one list against itself): the account_closing scorer, also
behind ``leads link LEFT.csv RIGHT.csv``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations
from typing import Any

from leads.matching import frequency
from leads.matching.blocking import BUDGET, KeyIndex, address_key
from leads.matching.frequency import NAME_SAME
from leads.matching.scoring import Site, name_similarity, site_score

#: Coordinates block in cells of this many degrees (about 200 m of latitude): two records of one place that
#: share neither name keys nor a street key ("Tonkotsu Taka" / "Ramen Taka" across the road) still meet.
GRID_DEGREES = 0.002


def grid_key(site: Site) -> str | None:
    if not isinstance(site.lat, float) or not isinstance(site.lon, float):
        return None
    return f"g:{math.floor(site.lat / GRID_DEGREES)}:{math.floor(site.lon / GRID_DEGREES)}"


class SiteIndex:
    """Blocking index over a list of :class:`Site` (name keys, house number + street key, coordinate cell)."""

    def __init__(self, sites: Sequence[Site], budget: int = BUDGET) -> None:
        self.sites = list(sites)
        self.index = KeyIndex(budget=budget)
        for i, s in enumerate(self.sites):
            self.index.add(i, s.variants, address_key(s.number, s.core))
            g = grid_key(s)
            if g is not None:
                self.index.postings.setdefault(g, []).append(i)

    def candidates(self, site: Site) -> set[int]:
        found = self.index.lookup(site.variants, address_key(site.number, site.core))
        g = grid_key(site)
        if g is not None:
            cell = self.index.postings.get(g)
            if cell is not None and len(cell) <= self.index.budget:
                found.update(cell)
        return found


def greedy_one_to_one(pairs: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Best-first assignment: highest score first, each left and right record used at most once.

    Greedy rather than Hungarian: on sparse, high-precision candidate lists it gives the same pairs in almost
    every case, runs in O(n log n), and is easy to explain to a rep ("the best remaining pair wins").
    Ties are broken by position so the result is deterministic.
    """
    used_left: set[int] = set()
    used_right: set[int] = set()
    out = []
    for i, j, s in sorted(pairs, key=lambda p: (-p[2], p[0], p[1])):
        if i in used_left or j in used_right:
            continue
        used_left.add(i)
        used_right.add(j)
        out.append((i, j, s))
    return out


def _distinct(sites: Sequence[Site]) -> tuple[list[Site], list[list[int]]]:
    """Identical prepared records once each (with their positions): exports repeat rows, and a repeated name
    would otherwise crowd its own keys out of the candidate budget."""
    where: dict[Site, int] = {}
    uniq: list[Site] = []
    members: list[list[int]] = []
    for pos, site in enumerate(sites):
        k = where.get(site)
        if k is None:
            where[site] = len(uniq)
            uniq.append(site)
            members.append([pos])
        else:
            members[k].append(pos)
    return uniq, members


def link_sites(
    left: Sequence[Site],
    right: Sequence[Site] | None,
    threshold: float,
    *,
    one_to_one: bool = False,
    budget: int = BUDGET,
    evidence: dict[tuple[int, int], dict[str, Any]] | None = None,
) -> tuple[list[tuple[int, int, float]], int]:
    """Pairs (left position, right position, score) scoring at least ``threshold``, and the number of candidate
    pairs scored. ``right=None`` links ``left`` against itself (deduplication): each unordered pair once, i < j.

    Two passes: the first scores the candidate pairs and counts, from the data of both sides, how many places
    bear each record's name and how many businesses share each street address; the second judges each pair
    with those counts (leads.matching.frequency.judge: a chain's name needs the street, the postcode or the
    coordinates to agree; a shared address does not carry a link). ``evidence``, when given, receives the
    evidence of each pair written, keyed by (left position, right position).
    """
    self_link = right is None
    luniq, lmembers = _distinct(left)
    if right is None:
        runiq, rmembers = luniq, lmembers
    else:
        runiq, rmembers = _distinct(right)
    common = frequency.common_words(list(luniq) + ([] if self_link else list(runiq)))
    lshared = frequency.businesses_per_address(luniq)
    rshared = lshared if self_link else frequency.businesses_per_address(runiq)
    index = SiteIndex(runiq, budget=budget)
    lplaces: list[set] = [set() for _ in luniq]  # places on the right bearing the name of each left record
    rplaces: list[set] = lplaces if self_link else [set() for _ in runiq]
    kept: list[tuple[int, int, tuple]] = []
    scored = 0
    if self_link:
        # Each unordered pair once, found from either side: the candidate budget of a name borne by many
        # spellings ("koninklijke philips electronics" written 64 ways) keeps some of them from one side only.
        found: list[set[int]] = [set() for _ in luniq]
        for a_pos, a in enumerate(luniq):
            for b_pos in index.candidates(a):
                if b_pos > a_pos:
                    found[a_pos].add(b_pos)
                elif b_pos < a_pos:
                    found[b_pos].add(a_pos)
    for a_pos, a in enumerate(luniq):
        if self_link:
            lplaces[a_pos].add(frequency.bearer(a))
            if len(lmembers[a_pos]) > 1:
                res = site_score(a, a, threshold, common)
                if res[0] >= threshold:
                    kept.append((a_pos, a_pos, res))
        for b_pos in sorted(found[a_pos]) if self_link else index.candidates(a):
            b = runiq[b_pos]
            scored += 1
            if name_similarity(a.variants, b.variants, NAME_SAME)[0]:
                lplaces[a_pos].add(frequency.bearer(b))
                rplaces[b_pos].add(frequency.bearer(a))
            res = site_score(a, b, threshold, common)
            if res[0] >= threshold:
                kept.append((a_pos, b_pos, res))
    judged: list[tuple[int, int, float, dict[str, Any]]] = []
    for a_pos, b_pos, res in kept:
        a, b = luniq[a_pos], runiq[b_pos]
        here = 0
        if res[2] is not None:
            pa, pb = frequency.address_place(a), frequency.address_place(b)
            here = max(lshared.get(pa, 1) if pa else 1, rshared.get(pb, 1) if pb else 1)
        total_a, local_a = frequency.places(lplaces[a_pos], a)
        total_b, local_b = frequency.places(rplaces[b_pos], b)
        s, ev = frequency.judge(
            a,
            b,
            res,
            name_places=max(total_a, total_b),
            businesses_here=here,
            common=common,
            local_places=max(local_a, local_b),
        )
        if s < threshold:
            continue
        judged.append((a_pos, b_pos, round(s, 1), ev))
    if one_to_one:
        # On distinct records: exact duplicates within one list are one record, and all of them get its pair.
        best = {(i, j) for i, j, _ in greedy_one_to_one([(a, b, s) for a, b, s, _ in judged])}
        judged = [x for x in judged if (x[0], x[1]) in best]
    pairs: list[tuple[int, int, float]] = []
    for a_pos, b_pos, s, ev in judged:
        if self_link and a_pos == b_pos:  # duplicates of one record within a self-linked list
            new = [(i, j, s) for i, j in combinations(lmembers[a_pos], 2)]
        else:
            new = [(i, j, s) if not self_link or i < j else (j, i, s)
                   for i in lmembers[a_pos] for j in rmembers[b_pos]]  # fmt: skip
        pairs.extend(new)
        if evidence is not None:
            for i, j, _ in new:
                evidence[(i, j)] = ev
    pairs.sort(key=lambda p: (p[0], -p[2], p[1]))
    return pairs, scored
