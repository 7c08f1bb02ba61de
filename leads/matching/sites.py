"""Name + address linking of two record lists (or one list against itself): the account_closing scorer, also
behind ``leads link LEFT.csv RIGHT.csv``."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from leads.matching.blocking import BUDGET, KeyIndex, address_key
from leads.matching.scoring import Site, site_score


class SiteIndex:
    """Blocking index over a list of :class:`Site` (name keys and house number + street key)."""

    def __init__(self, sites: Sequence[Site], budget: int = BUDGET) -> None:
        self.sites = list(sites)
        self.index = KeyIndex(budget=budget)
        for i, s in enumerate(self.sites):
            self.index.add(i, s.variants, address_key(s.number, s.core))

    def candidates(self, site: Site) -> set[int]:
        return self.index.lookup(site.variants, address_key(site.number, site.core))


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
) -> tuple[list[tuple[int, int, float]], int]:
    """Pairs (left position, right position, score) scoring at least ``threshold``, and the number of candidate
    pairs scored. ``right=None`` links ``left`` against itself (deduplication): each unordered pair once, i < j."""
    self_link = right is None
    luniq, lmembers = _distinct(left)
    if self_link:
        runiq, rmembers = luniq, lmembers
    else:
        runiq, rmembers = _distinct(right)
    index = SiteIndex(runiq, budget=budget)
    pairs: list[tuple[int, int, float]] = []
    scored = 0
    for a_pos, a in enumerate(luniq):
        if self_link and len(lmembers[a_pos]) > 1:
            s = site_score(a, a, threshold)[0]
            if s >= threshold:
                pairs.extend((i, j, s) for i, j in combinations(lmembers[a_pos], 2))
        for b_pos in index.candidates(a):
            if self_link and b_pos <= a_pos:
                continue
            scored += 1
            s = site_score(a, runiq[b_pos], threshold)[0]
            if s >= threshold:
                for i in lmembers[a_pos]:
                    for j in rmembers[b_pos]:
                        pairs.append((i, j, s) if not self_link or i < j else (j, i, s))
    if one_to_one:
        pairs = greedy_one_to_one(pairs)
    pairs.sort(key=lambda p: (p[0], -p[2], p[1]))
    return pairs, scored
