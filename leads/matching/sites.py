"""Name + address linking of two record lists (or one list against itself): the account_closing scorer, also
behind ``leads link LEFT.csv RIGHT.csv``."""

from __future__ import annotations

import math
import os
from collections import defaultdict
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
    """Blocking index over a list of :class:`Site` (name keys, house number + street key, coordinate cell).

    ``queries``: the sites that will be looked up, when known beforehand (``leads link``): only the keys they can
    read are filed (the candidates are the same; the index of 200,000 records is a fraction of the size and time),
    and :meth:`candidates_of` looks up the k-th of them.
    """

    def __init__(
        self,
        sites: Sequence[Site],
        budget: int = BUDGET,
        queries: Sequence[Site] | None = None,
        workers: int = 1,
    ) -> None:
        self.sites = list(sites)
        self._queries: list[tuple[list[str], list[str], bool]] | None = None
        self._cells: list[str | None] = []
        if queries is None:
            self.index = KeyIndex(budget=budget)
        else:
            wanted: set[str] = set()
            self.index = KeyIndex(budget=budget, wanted=wanted)
            self._queries = []
            for q in queries:
                keys = self.index.query_keys(q.variants, address_key(q.number, q.core))
                self._queries.append(keys)
                wanted.update(keys[0])
                wanted.update(keys[1])
                g = grid_key(q)
                self._cells.append(g)
                if g is not None:
                    wanted.add(g)
        if workers > 1 and queries is not None and len(self.sites) >= 2 * _INDEX_TASK and can_fork():
            self._index_in_workers(workers)
        else:
            _index_range(self.index, self.sites, 0, len(self.sites))

    def _index_in_workers(self, workers: int) -> None:
        """Fill the postings from forked processes, each filing a range of the sites; the ranges are merged in
        order, so every posting lists its records in the order a single process gives."""
        import gc
        import multiprocessing

        global _INDEX_STATE
        n = len(self.sites)
        size = max(_INDEX_TASK, -(-n // (2 * workers)))
        tasks = [(lo, min(n, lo + size)) for lo in range(0, n, size)]
        self.index.paired_stems()  # computed once, before the fork
        _INDEX_STATE = (self.index, self.sites)
        gc.collect()
        gc.freeze()
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                parts = pool.map(_index_task, tasks, chunksize=1)
        finally:
            gc.unfreeze()
            _INDEX_STATE = None
        post = self.index.postings
        for part in parts:
            for k, lst in part.items():
                got = post.get(k)
                if got is None:
                    post[k] = lst
                else:
                    got.extend(lst)
        self.index.size = n

    def candidates(self, site: Site) -> set[int]:
        found = self.index.lookup(site.variants, address_key(site.number, site.core))
        return self._with_cell(found, grid_key(site))

    def candidates_of(self, k: int) -> set[int]:
        """The candidates of the k-th of the ``queries`` given to the constructor."""
        assert self._queries is not None
        return self._with_cell(self.index.select(self._queries[k]), self._cells[k])

    def _with_cell(self, found: set[int], g: str | None) -> set[int]:
        if g is not None:
            cell = self.index.postings.get(g)
            if cell is not None and len(cell) <= self.index.budget:
                found.update(cell)
        return found


#: Sites per range filed by one worker when the index is built in worker processes (at least).
_INDEX_TASK = 10_000
_INDEX_STATE: tuple | None = None


def _index_range(index: KeyIndex, sites: Sequence[Site], lo: int, hi: int) -> None:
    """File sites ``lo``..``hi`` (by position) in ``index``: name and street keys, and the coordinate cell."""
    wanted = index.wanted
    post = index.postings
    for i in range(lo, hi):
        s = sites[i]
        index.add(i, s.variants, address_key(s.number, s.core))
        g = grid_key(s)
        if g is not None and (wanted is None or g in wanted):
            post.setdefault(g, []).append(i)


def _index_task(bounds: tuple[int, int]) -> dict[str, list[int]]:
    """Worker: the postings of one range of sites, on an empty index with the parent's wanted keys."""
    assert _INDEX_STATE is not None
    parent, sites = _INDEX_STATE
    index = parent.empty_copy()
    _index_range(index, sites, *bounds)
    return index.postings


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


#: From this many distinct records (both sides), candidate pairs are scored in forked worker processes.
PARALLEL_SITES = 20_000
#: Left records per task sent to a worker.
_TASK = 500
_FORK_STATE: tuple | None = None

_Scored = tuple[list[tuple[int, int, tuple]], list[int], int]


def _score_range(state: tuple, lo: int, hi: int) -> _Scored:
    """The first pass of :func:`link_sites` over left records ``lo``..``hi``: the pairs reaching the threshold,
    the pairs bearing the same name (flat: left, right, left, right, ...), and how many pairs were scored."""
    luniq, runiq, lmembers, index, found, common, threshold = state
    self_link = found is not None
    kept: list[tuple[int, int, tuple]] = []
    same: list[int] = []
    scored = 0
    for a_pos in range(lo, hi):
        a = luniq[a_pos]
        if self_link:
            same += (a_pos, a_pos)
            if len(lmembers[a_pos]) > 1:
                res = site_score(a, a, threshold, common)
                if res[0] >= threshold:
                    kept.append((a_pos, a_pos, res))
        for b_pos in sorted(found[a_pos]) if self_link else index.candidates_of(a_pos):
            b = runiq[b_pos]
            scored += 1
            if name_similarity(a.variants, b.variants, NAME_SAME)[0]:
                same += (a_pos, b_pos)
            res = site_score(a, b, threshold, common)
            if res[0] >= threshold:
                kept.append((a_pos, b_pos, res))
    return kept, same, scored


def _score_task(bounds: tuple[int, int]) -> _Scored:
    assert _FORK_STATE is not None
    return _score_range(_FORK_STATE, *bounds)


def _score_in_workers(state: tuple, workers: int) -> list[_Scored]:
    """:func:`_score_range` over every left record, in forked processes that share the parent's index."""
    import gc
    import multiprocessing

    global _FORK_STATE
    n = len(state[0])
    tasks = [(lo, min(n, lo + _TASK)) for lo in range(0, n, _TASK)]
    _FORK_STATE = state
    gc.collect()
    gc.freeze()  # the children then leave the parent's objects alone (no copy-on-write by the collector)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_score_task, tasks, chunksize=1)
    finally:
        gc.unfreeze()
        _FORK_STATE = None


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def link_sites(
    left: Sequence[Site],
    right: Sequence[Site] | None,
    threshold: float,
    *,
    one_to_one: bool = False,
    budget: int = BUDGET,
    evidence: dict[tuple[int, int], dict[str, Any]] | None = None,
    workers: int | None = None,
) -> tuple[list[tuple[int, int, float]], int]:
    """Pairs (left position, right position, score) scoring at least ``threshold``, and the number of candidate
    pairs scored. ``right=None`` links ``left`` against itself (deduplication): each unordered pair once, i < j.

    Two passes: the first scores the candidate pairs and counts, from the data of both sides, how many places
    bear each record's name and how many businesses share each street address; the second judges each pair
    with those counts (leads.matching.frequency.judge: a chain's name needs the street, the postcode or the
    coordinates to agree; a shared address does not carry a link). ``evidence``, when given, receives the
    evidence of each pair written, keyed by (left position, right position). ``workers``: processes scoring the
    candidate pairs (default: one per CPU from ``PARALLEL_SITES`` records on, else this one); the result is the
    same.
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
    if workers is None:
        workers = cpus() if len(luniq) + len(runiq) >= PARALLEL_SITES else 1
    index = SiteIndex(runiq, budget=budget, queries=luniq, workers=workers)
    # Places on the other side bearing the name of each record (by position; only records with a namesake).
    lplaces: defaultdict[int, set] = defaultdict(set)
    rplaces: defaultdict[int, set] = lplaces if self_link else defaultdict(set)
    kept: list[tuple[int, int, tuple]] = []
    scored = 0
    if self_link:
        # Each unordered pair once, found from either side: the candidate budget of a name borne by many
        # spellings ("koninklijke philips electronics" written 64 ways) keeps some of them from one side only.
        found: list[set[int]] = [set() for _ in luniq]
        for a_pos in range(len(luniq)):
            for b_pos in index.candidates_of(a_pos):
                if b_pos > a_pos:
                    found[a_pos].add(b_pos)
                elif b_pos < a_pos:
                    found[b_pos].add(a_pos)
    state = (luniq, runiq, lmembers, index, found if self_link else None, common, threshold)
    if workers > 1 and len(luniq) > 1 and can_fork():
        parts = _score_in_workers(state, workers)
    else:
        parts = [_score_range(state, 0, len(luniq))]
    for part_kept, same, part_scored in parts:
        kept.extend(part_kept)
        scored += part_scored
        for k in range(0, len(same), 2):
            a_pos, b_pos = same[k], same[k + 1]
            if self_link and a_pos == b_pos:  # a record of a self-linked list bears its own name
                lplaces[a_pos].add(frequency.bearer(luniq[a_pos]))
                continue
            lplaces[a_pos].add(frequency.bearer(runiq[b_pos]))
            rplaces[b_pos].add(frequency.bearer(luniq[a_pos]))
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
