"""The matching engine: notices in memory, the account book streamed past them once, three kinds of links out.

Notices are few (thousands) and accounts many (up to millions), so the engine indexes the notices and reads each
account once: the caller can stream accounts from the database in chunks and memory stays flat. Per account:

* vendor_closed — its ``vendor_norm`` against notice names (computed once per distinct vendor, cached);
* account_closing — its name and address against notice names and addresses; the best account per notice wins;
* competitor_nearby — its ZIP centroid against competitor notices on a grid, when its industry is served.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.fuzz import token_set_ratio

from leads.matching import frequency, geo
from leads.matching.blocking import BUDGET, KeyIndex, address_key
from leads.matching.records import (
    DEFAULT_THRESHOLDS,
    AccountRecord,
    Link,
    NoticeRecord,
    Thresholds,
)
from leads.matching.scoring import (
    NAME_WEIGHT,
    NO_ADDRESS_CITY_BONUS,
    NO_ADDRESS_CITY_PENALTY,
    NO_ADDRESS_ZIP_BONUS,
    STATE_PENALTY,
    Site,
    name_similarity,
    prepare_site,
    site_evidence,
    site_name_gate,
    site_score,
    street_core,
    vendor_score,
)
from leads.normalize import VARIANT_SEP, split_address, split_variants
from leads.vocabulary import LINK_KINDS


@dataclass(frozen=True)
class CompetitorProfile:
    """Who counts as a competitor of the sales team, and which nearby accounts its closure frees up.

    A notice is a competitor when its ``industry_code`` starts with one of ``industry_prefixes`` (NAICS or SIC
    digits) or its normalized name contains one of ``name_keywords`` as whole words. An account is in a served
    trade when its ``industry`` starts with one of the digit patterns in ``served_industries`` or contains one of
    the word patterns (lower case); an empty ``served_industries`` serves every account. Links reach
    ``radius_miles`` from the competitor (ZIP centroid, else city centroid); at most ``max_accounts_per_notice``
    nearest accounts per notice. Notices of types in ``exclude_notice_types`` (a layoff leaves customers served)
    are not competitors' closures.

    Example — a uniform-rental team::

        CompetitorProfile("uniform rental", industry_prefixes=("812332", "7218"),
                          name_keywords=("uniform", "linen"), served_industries=("722", "restaurant", "hotel"))
    """

    name: str = "competitor"
    industry_prefixes: tuple[str, ...] = ()
    name_keywords: tuple[str, ...] = ()
    served_industries: tuple[str, ...] = ()
    radius_miles: float = 10.0
    max_accounts_per_notice: int = 250
    exclude_notice_types: tuple[str, ...] = ("layoff",)

    def __post_init__(self) -> None:
        if self.radius_miles <= 0:
            raise ValueError("radius_miles must be positive")
        if self.max_accounts_per_notice < 1:
            raise ValueError("max_accounts_per_notice must be at least 1")

    def competitor_rule(self, notice: NoticeRecord, variants: Sequence[str]) -> str | None:
        """Why the notice is a competitor ("industry_code 812332" / "name keyword 'linen'"), or None."""
        if notice.notice_type in self.exclude_notice_types:
            return None
        code = notice.industry_code
        if code:
            for p in self.industry_prefixes:
                if code.startswith(p):
                    return f"industry_code {code} starts with {p}"
        padded = [f" {v} " for v in variants]
        for kw in self.name_keywords:
            k = f" {kw.strip().lower()} "
            if any(k in v for v in padded):
                return f"name keyword {kw!r}"
        return None

    def serves(self, industry: str) -> bool:
        if not self.served_industries:
            return True
        ind = industry.lower()
        for p in self.served_industries:
            if p.isdigit():
                if ind.startswith(p):
                    return True
            elif p.lower() in ind:
                return True
        return False


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_KIND_ORDER = {kind: i for i, kind in enumerate(LINK_KINDS)}


def _rank(entry: tuple) -> tuple[float, int]:
    """Candidates of one notice: higher score first, then the earlier account in the book (deterministic)."""
    return entry[0], entry[1]


_CHUNK = 10_000  # accounts sent to a worker process at a time
#: Accounts kept per notice while the book streams past: the best is judged at the end, once it is known how
#: many places bear the notice's name (a chain's best account may be one without any address).
TOP_CANDIDATES = 3
#: Account names kept per notice address (enough to know the address is shared).
ADDRESS_NAMES_KEPT = 60
VENDOR_RARE = 64
VENDOR_BUDGET = 1024
_FORK_STATE: MatchEngine | None = None


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _worker_loop(tasks: Any, results: Any) -> None:
    """Worker process: the engine comes from the forked parent's memory, chunks of accounts from ``tasks``;
    one partial result for everything it saw goes to ``results`` at the end (or the exception it hit)."""
    engine = _FORK_STATE
    assert engine is not None
    part = _Partial()
    try:
        while True:
            job = tasks.get()
            if job is None:
                break
            offset, accounts = job
            engine._stream(accounts, offset, part)
        part.memory = _memory_mb()
        results.put(part)
    except BaseException as exc:  # reported to the parent, which re-raises it
        results.put(exc)


def _memory_mb() -> dict[str, float]:
    """This process's peak resident size and its private memory (pages not shared with the parent), Linux."""
    out: dict[str, float] = {"pid": float(os.getpid()), "private_mb": 0.0}
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    out["peak_rss_mb"] = round(int(line.split()[1]) / 1024.0, 1)
        with open("/proc/self/smaps_rollup") as fh:
            for line in fh:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    out["private_mb"] += round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        pass
    return out


@dataclass
class _Partial:
    """What one pass over (part of) the account book found, before links and evidence are built."""

    vendor: list = field(default_factory=list)
    best: dict[int, list] = field(default_factory=dict)  # notice -> up to TOP_CANDIDATES (score, -order, ...)
    name_places: dict[int, set] = field(default_factory=dict)  # notice -> places of accounts bearing its name
    address_names: dict[tuple[str, str], set] = field(default_factory=dict)  # notice address -> account names
    heaps: dict[tuple[int, int], list] = field(default_factory=dict)
    accounts: int = 0
    pairs_scored: int = 0
    vendor_names: int = 0
    memory: dict[str, Any] = field(default_factory=dict)  # of the worker processes, when there are some


@dataclass
class MatchResult:
    links: list[Link]
    stats: dict[str, Any] = field(default_factory=dict)

    def by_kind(self, kind: str) -> list[Link]:
        return [link for link in self.links if link.kind == kind]


class MatchEngine:
    """Build once per batch of notices; call :meth:`match` with the account book (any iterable, read once).

    ``thresholds.review`` is the lowest score returned; ``decision`` says "accept" or "review".
    ``kinds`` limits the link kinds computed. ``profiles`` are the competitor profiles (none: no
    competitor_nearby links).
    """

    def __init__(
        self,
        notices: Iterable[NoticeRecord],
        *,
        profiles: Sequence[CompetitorProfile] = (),
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        kinds: Sequence[str] = LINK_KINDS,
        budget: int = BUDGET,
    ) -> None:
        unknown = set(kinds) - set(LINK_KINDS)
        if unknown:
            raise ValueError(f"unknown link kinds {sorted(unknown)}; expected some of {LINK_KINDS}")
        self.notices: list[NoticeRecord] = list(notices)
        self.thresholds = thresholds
        self.kinds = tuple(kinds)
        self.profiles = tuple(profiles)
        self.sites: list[Site] = [
            prepare_site(n.name_norm, n.address_norm, n.city_norm, n.state, n.zip5, n.lat, n.lon) for n in self.notices
        ]
        self._points = [geo.locate(n.zip5, n.city_norm, n.state) for n in self.notices] if self._needs_geo() else []
        self._site_index = KeyIndex(budget=budget)
        # Vendor names are looked up once per distinct name: that index can afford a far wider net.
        self._name_index = KeyIndex(budget=VENDOR_BUDGET, rare=VENDOR_RARE, small=VENDOR_RARE)
        for i, s in enumerate(self.sites):
            if not s.variants:
                continue
            self._site_index.add(i, s.variants, address_key(s.number, s.core))
            self._name_index.add(i, s.variants)
        # The lowest name score that can still reach review (street address agreeing / not), each notice's
        # name when it has only one, and its house number.
        self._name_prefilter = (
            site_name_gate(thresholds.review),
            thresholds.review - max(NO_ADDRESS_ZIP_BONUS, NO_ADDRESS_CITY_BONUS),
        )
        self._single_names = [s.variants[0] if len(s.variants) == 1 else None for s in self.sites]
        # How common each notice's name and address is, on the notice side (the account side is counted while
        # the book streams past: exact names, and the names of accounts at a notice's street address).
        self._exact: dict[str, list[int]] = {}
        self._addresses: dict[tuple[str, str], list[int]] = {}
        notice_places: dict[str, set] = {}
        for i, s in enumerate(self.sites):
            for v in s.variants:
                self._exact.setdefault(v, []).append(i)
                notice_places.setdefault(v, set()).add(frequency.bearer(s))
            key = frequency.address_place(s)
            if key is not None:
                self._addresses.setdefault(key, []).append(i)
        self._notice_places = [
            max((frequency.places(notice_places[v])[0] for v in s.variants), default=0) for s in self.sites
        ]
        self._notice_businesses = frequency.businesses_per_address(self.sites)
        self._common = frequency.common_words(self.sites)
        self._numbers = [s.number for s in self.sites]
        self._vendor_cache: dict[str, list[tuple[int, float, str, str]]] = {}
        # Per-engine caches filled while accounts stream past (industry -> served profiles, ZIP/city -> point,
        # profile + place -> competitor notices within the radius).
        self._served_cache: dict[str, tuple[int, ...]] = {}
        self._point_cache: dict[tuple[str, str, str], geo.Point | None] = {}
        self._near_cache: dict[tuple[int, str, str, str], list[tuple[int, float]]] = {}
        self._competitors: list[tuple[CompetitorProfile, geo.PointGrid, dict[int, str]]] = []
        if "competitor_nearby" in self.kinds:
            for prof in self.profiles:
                grid = geo.PointGrid(prof.radius_miles)
                rules: dict[int, str] = {}
                for i, (n, s) in enumerate(zip(self.notices, self.sites, strict=False)):
                    rule = prof.competitor_rule(n, s.variants)
                    point = self._points[i][0]
                    if rule and point is not None:
                        grid.add(i, point)
                        rules[i] = rule
                self._competitors.append((prof, grid, rules))

    def _needs_geo(self) -> bool:
        return "vendor_closed" in self.kinds or bool(self.profiles and "competitor_nearby" in self.kinds)

    # -- public -------------------------------------------------------------------------------------------------

    def match(self, accounts: Iterable[AccountRecord], *, workers: int = 1) -> MatchResult:
        """Links of every requested kind for the given accounts, sorted by kind, notice and falling score.

        ``accounts`` is read once, in order; any iterable works (stream it from the database). With
        ``workers`` > 1 the accounts are sent in chunks of 10,000 to that many forked worker processes
        (where ``fork`` exists: Linux, macOS) and their findings merged; the result is the same as with one.
        """
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        # The pass allocates many short-lived tuples and sets but makes no reference cycles; with a million
        # account records alive, the cyclic collector's full sweeps would cost more than the matching.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._match(accounts, workers, t0, cpu0)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _match(self, accounts: Iterable[AccountRecord], workers: int, t0: float, cpu0: float) -> MatchResult:
        small = isinstance(accounts, Sequence) and len(accounts) < 2 * _CHUNK
        if workers > 1 and not small and _can_fork():
            merged = self._parallel(accounts, workers)
        else:
            merged = self._stream(accounts, 0)
        t_stream = time.perf_counter() - t0
        result = self._finish(merged)
        result.stats["seconds"] = round(time.perf_counter() - t0, 3)
        result.stats["stream_seconds"] = round(t_stream, 3)
        result.stats["parent_cpu_seconds"] = round(time.process_time() - cpu0, 3)
        result.stats["workers"] = workers if merged.memory else 1
        return result

    # -- the pass over the accounts -----------------------------------------------------------------------------

    def _stream(self, accounts: Iterable[AccountRecord], offset: int, part: _Partial | None = None) -> _Partial:
        """One pass over accounts, adding to ``part`` (``offset`` = position of the first account in the whole
        book, for deterministic tie-breaks)."""
        review = self.thresholds.review
        do_vendor = "vendor_closed" in self.kinds
        do_closing = "account_closing" in self.kinds
        do_comp = bool(self._competitors)
        if part is None:
            part = _Partial()
        vendor_rows = part.vendor
        best = part.best
        name_places = part.name_places
        address_names = part.address_names
        exact = self._exact
        addresses = self._addresses
        heaps = part.heaps
        served_cache = self._served_cache
        near_cache = self._near_cache
        point_cache = self._point_cache
        sites = self.sites
        lookup = self._site_index.lookup
        single_names = self._single_names
        numbers = self._numbers
        skip_other_numbers = review > NAME_WEIGHT * 100
        prefilter_address, prefilter_name = self._name_prefilter
        packed_names = [v.replace(" ", "") if v is not None else None for v in single_names]
        nstates = [s.state for s in sites]
        nzips = [s.zip5 for s in sites]
        ncities = [s.city for s in sites]
        # Name cutoffs of a pair without street address by where the two are (the exact bound for review > 0).
        located = review > 0
        cut_other_state = review - STATE_PENALTY if located else prefilter_name
        cut_same_zip = review - NO_ADDRESS_ZIP_BONUS if located else prefilter_name
        cut_same_city = review - NO_ADDRESS_CITY_BONUS if located else prefilter_name
        cut_other_city = review - NO_ADDRESS_CITY_PENALTY if located else prefilter_name
        cut_nowhere = review if located else prefilter_name
        competitors = self._competitors
        pairs_scored = 0
        order = offset - 1

        for acc in accounts:
            order += 1
            if do_vendor and acc.vendor_norm:
                hits = self._vendor_hits(acc.vendor_norm)
                if hits:
                    self._vendor_rows(acc, order, hits, point_cache, vendor_rows)
            if do_closing and acc.name_norm:
                name_norm = acc.name_norm
                variants = (
                    tuple(v for v in name_norm.split(VARIANT_SEP) if v) if VARIANT_SEP in name_norm else (name_norm,)
                )
                address_norm = acc.address_norm
                if address_norm:
                    number, street, unit = split_address(address_norm)
                    core = street_core(street) if street else ""
                    cands = lookup(variants, address_key(number, core))
                else:
                    number = street = unit = core = ""
                    cands = lookup(variants)
                for v in variants:
                    same = exact.get(v)
                    if same is not None:
                        where = (
                            (number, core)
                            if number and core
                            else ("", acc.zip5, acc.city_norm)
                            if acc.zip5 or acc.city_norm
                            else None,
                            acc.city_norm,
                            acc.zip5,
                        )  # frequency.bearer of the account
                        for j in same:
                            got = name_places.get(j)
                            if got is None:
                                name_places[j] = {where}
                            else:
                                got.add(where)
                if number and core:
                    akey = (number, core)
                    if akey in addresses:
                        names = address_names.get(akey)
                        if names is None:
                            address_names[akey] = {variants}
                        elif len(names) < ADDRESS_NAMES_KEPT:
                            names.add(variants)
                if cands:
                    city, zip5, state = acc.city_norm, acc.zip5, acc.state
                    site = Site(variants, number, street, core, unit, city, zip5, state, acc.lat, acc.lon)
                    pairs_scored += len(cands)
                    single = variants[0] if len(variants) == 1 else None
                    packed = single.replace(" ", "") if single is not None else None
                    for j in cands:
                        nn = numbers[j]
                        if number and nn:
                            if (
                                skip_other_numbers
                                and nn != number
                                and "-" not in nn
                                and "-" not in number
                                and nn.rstrip(_LETTERS) != number.rstrip(_LETTERS)
                            ):
                                continue  # another house number: another place (score <= 35)
                            cut = prefilter_address
                        else:
                            # No street address to compare: the name needs the review score less what the
                            # state, ZIP and city add (scoring._no_address_adjustment), known before it is scored.
                            ns = nstates[j]
                            if ns and state and ns != state:
                                cut = cut_other_state
                            elif nzips[j] and nzips[j] == zip5:
                                cut = cut_same_zip
                            elif (nc := ncities[j]) and nc == city:
                                cut = cut_same_city
                            elif nc and city:
                                cut = cut_other_city
                            else:
                                cut = cut_nowhere
                            if cut > 100:
                                continue
                        if single is not None:
                            # No name score beats token_set_ratio but "equal but for spaces" (100): most
                            # candidates end here, in C.
                            other = single_names[j]
                            if (
                                other is not None
                                and not token_set_ratio(single, other, score_cutoff=cut)
                                and packed_names[j] != packed
                            ):
                                continue
                        top = best.get(j)
                        # Only a score above the third best kept so far can change what this notice keeps.
                        floor = top[-1][0] if top is not None and len(top) == TOP_CANDIDATES else review
                        res = site_score(sites[j], site, floor)
                        sc = res[0]
                        if sc < floor:
                            continue
                        if top is None:
                            best[j] = [(sc, -order, acc, site, res)]
                        elif len(top) < TOP_CANDIDATES or (sc, -order) > top[-1][:2]:
                            top.append((sc, -order, acc, site, res))
                            top.sort(key=_rank, reverse=True)
                            del top[TOP_CANDIDATES:]
            if do_comp:
                industry = acc.industry
                served = served_cache.get(industry)
                if served is None:
                    served = tuple(k for k, (p, _, _) in enumerate(competitors) if p.serves(industry))
                    served_cache[industry] = served
                if not served:
                    continue
                pkey = (acc.zip5, acc.city_norm, acc.state)
                if pkey in point_cache:
                    pt = point_cache[pkey]
                else:
                    pt = point_cache[pkey] = geo.locate(*pkey)[0]
                if pt is None:
                    continue
                for k in served:
                    nkey = (k, *pkey)
                    near = near_cache.get(nkey)
                    if near is None:
                        prof, grid, _ = competitors[k]
                        near = near_cache[nkey] = grid.near(pt, prof.radius_miles)
                    if not near:
                        continue
                    cap = competitors[k][0].max_accounts_per_notice
                    for j, d in near:
                        h = heaps.get((k, j))
                        if h is None:
                            h = heaps[(k, j)] = []
                        # Heap of the nearest accounts: the root is the farthest kept (ties: later account).
                        item = (-d, -order, acc)
                        if len(h) < cap:
                            heapq.heappush(h, item)
                        elif item > h[0]:
                            heapq.heapreplace(h, item)
        part.accounts += order + 1 - offset
        part.pairs_scored += pairs_scored
        part.vendor_names = len(self._vendor_cache)
        return part

    def _parallel(self, accounts: Iterable[AccountRecord], workers: int) -> _Partial:
        """Chunks of accounts go to forked worker processes (which share this engine's notice index); each sends
        back one partial result at the end, merged here. ``accounts`` may be a stream, read once."""
        import multiprocessing
        import queue

        global _FORK_STATE
        ctx = multiprocessing.get_context("fork")
        _FORK_STATE = self
        gc.collect()
        gc.freeze()  # the children then leave the parent's objects alone (no copy-on-write by the collector)
        tasks = ctx.Queue(maxsize=2 * workers)
        results = ctx.Queue()
        procs = [ctx.Process(target=_worker_loop, args=(tasks, results), daemon=True) for _ in range(workers)]
        try:
            for proc in procs:
                proc.start()
            it = iter(accounts)
            offset = 0
            while True:
                chunk = list(itertools.islice(it, _CHUNK))
                if not chunk:
                    break
                self._put(tasks, (offset, chunk), procs)
                offset += len(chunk)
            for _ in procs:
                self._put(tasks, None, procs)
            merged = _Partial()
            memory = []
            received = 0
            while received < len(procs):
                try:
                    part = results.get(timeout=1.0)
                except queue.Empty:
                    if any(p.exitcode not in (None, 0) for p in procs):
                        raise RuntimeError("a matching worker process died") from None
                    continue
                received += 1
                if isinstance(part, BaseException):
                    raise part
                self._merge_into(merged, part)
                memory.append(part.memory)
            for proc in procs:
                proc.join()
        finally:
            for proc in procs:
                if proc.is_alive():
                    proc.terminate()
            gc.unfreeze()
            _FORK_STATE = None
        merged.memory = {"workers": memory}
        return merged

    @staticmethod
    def _put(tasks: Any, item: Any, procs: list) -> None:
        import queue

        while True:
            try:
                tasks.put(item, timeout=1.0)
                return
            except queue.Full:
                if any(p.exitcode not in (None, 0) for p in procs):
                    raise RuntimeError("a matching worker process died") from None

    def _merge_into(self, into: _Partial, part: _Partial) -> None:
        into.vendor.extend(part.vendor)
        for j, top in part.best.items():
            cur = into.best.get(j)
            if cur is None:
                into.best[j] = top
                continue
            cur.extend(top)
            cur.sort(key=_rank, reverse=True)
            del cur[TOP_CANDIDATES:]
        for j, places in part.name_places.items():
            into.name_places.setdefault(j, set()).update(places)
        for key, names in part.address_names.items():
            into.address_names.setdefault(key, set()).update(names)
        for hkey, items in part.heaps.items():
            h = into.heaps.get(hkey)
            if h is None:
                into.heaps[hkey] = items
                continue
            cap = self._competitors[hkey[0]][0].max_accounts_per_notice
            h.extend(items)
            if len(h) > cap:
                h.sort(reverse=True)
                del h[cap:]
        into.accounts += part.accounts
        into.pairs_scored += part.pairs_scored
        into.vendor_names = max(into.vendor_names, part.vendor_names)

    def _finish(self, part: _Partial) -> MatchResult:
        """Build the links, with their evidence, from what the pass over the accounts found."""
        sites = self.sites
        links: list[Link] = []
        best = part.best
        heaps = part.heaps
        for j, acc, n, vn, va, sc, why, dist, decision in part.vendor:
            links.append(self._vendor_link(j, acc, n, vn, va, sc, why, dist, decision))
        review = self.thresholds.review
        for j, top in best.items():
            total, local = frequency.places(part.name_places.get(j, set()), sites[j])
            places = max(self._notice_places[j], total)
            key = frequency.address_place(sites[j])
            judged = []
            for _, neg_order, acc, site, res in top:
                here = 0
                if res[2] is not None and key is not None:
                    names = part.address_names.get(key, set())
                    here = max(self._notice_businesses.get(key, 1),
                               frequency.count_businesses(list(names)) if len(names) >= 2 else 1)  # fmt: skip
                sc, why = frequency.judge(
                    sites[j],
                    site,
                    res,
                    name_places=places,
                    businesses_here=here,
                    common=self._common,
                    local_places=local,
                )
                sc = frequency.closing_site(sites[j], site, sc, res, why)
                judged.append((sc, neg_order, acc, site, res, why))
            judged.sort(key=_rank, reverse=True)
            sc, _, acc, site, res, why = judged[0]
            if sc < review:
                continue
            second = judged[1][0] if len(judged) > 1 else None
            ev = site_evidence(sites[j], site, res)
            ev["score"] = round(sc, 1)
            ev.update(why)
            ev["runner_up_score"] = round(second, 1) if second else None
            ev["notice_type"] = self.notices[j].notice_type
            links.append(
                Link(
                    self.notices[j].id,
                    acc.id,
                    "account_closing",
                    round(sc, 1),
                    self.thresholds.decision(sc) or "review",
                    ev,
                )
            )
        for (k, j), items in heaps.items():
            prof, _, rules = self._competitors[k]
            items.sort(reverse=True)
            for neg_d, _, acc in items[: prof.max_accounts_per_notice]:
                links.append(self._competitor_link(prof, rules[j], j, acc, -neg_d))
        links.sort(key=lambda link: (_KIND_ORDER[link.kind], str(link.notice_id), -link.score, str(link.account_id)))
        stats: dict[str, Any] = {
            "accounts": part.accounts,
            "closing_pairs_scored": part.pairs_scored,
            "vendor_names": part.vendor_names,
        }
        if part.memory:
            stats["worker_memory"] = part.memory.get("workers", [])
        for kind in LINK_KINDS:
            stats[kind] = 0
        for link in links:
            stats[link.kind] += 1
        return MatchResult(links, stats)

    def name_candidates(self, name_norm: str) -> set[int]:
        """Notice positions the blocking offers for a name (exposed to measure blocking loss)."""
        return self._name_candidates(split_variants(name_norm))

    def site_candidates(self, account: AccountRecord) -> set[int]:
        """Notice positions the blocking offers for an account's name and address (to measure blocking loss)."""
        number, street, _ = split_address(account.address_norm)
        return self._site_index.lookup(split_variants(account.name_norm), address_key(number, street_core(street)))

    def _name_candidates(self, variants: list[str]) -> set[int]:
        return self._name_index.lookup(variants)

    # -- internals ----------------------------------------------------------------------------------------------

    def _vendor_hits(self, vendor_norm: str) -> list[tuple[int, float, str, str]]:
        hits = self._vendor_cache.get(vendor_norm)
        if hits is None:
            variants = split_variants(vendor_norm)
            cutoff = self.thresholds.review  # location can only lower a vendor score
            hits = []
            for j in self._name_candidates(variants):
                n, vn, va = name_similarity(self.sites[j].variants, variants, cutoff)
                if n >= cutoff:
                    hits.append((j, n, vn, va))
            self._vendor_cache[vendor_norm] = hits
        return hits

    def _vendor_rows(self, acc: AccountRecord, order: int, hits, point_cache, out: list) -> None:
        pkey = (acc.zip5, acc.city_norm, acc.state)
        if pkey in point_cache:
            apt = point_cache[pkey]
        else:
            apt = point_cache[pkey] = geo.locate(*pkey)[0]
        asite = Site((), "", "", "", "", acc.city_norm, acc.zip5, acc.state)
        for j, n, vn, va in hits:
            npt = self._points[j][0]
            dist = geo.miles(npt, apt) if npt is not None and apt is not None else None
            sc, why = vendor_score(n, self.sites[j], asite, dist)
            decision = self.thresholds.decision(sc)
            if decision is not None:
                out.append((j, acc, n, vn, va, sc, why, dist, decision))

    def _vendor_link(self, j, acc, n, vn, va, sc, why, dist, decision) -> Link:
        notice_site = self.sites[j]
        ev = {
            "matched": ["vendor_name"] + (["location"] if why.startswith("same") else []),
            "vendor": {"notice": vn, "account_vendor": va, "score": round(n, 1)},
            "location": {
                "agreement": why,
                "distance_miles": None if dist is None else round(dist, 1),
                "notice_located_by": self._points[j][1] or None,
                "notice": {"zip5": notice_site.zip5, "city": notice_site.city, "state": notice_site.state},
                "account": {"zip5": acc.zip5, "city": acc.city_norm, "state": acc.state},
            },
            "notice_type": self.notices[j].notice_type,
            "score": round(sc, 1),
        }
        return Link(self.notices[j].id, acc.id, "vendor_closed", round(sc, 1), decision, ev)

    def _competitor_link(self, prof: CompetitorProfile, rule: str, j: int, acc: AccountRecord, d: float) -> Link:
        review = self.thresholds.review
        # Inside the radius every link is at least a review lead; the nearer, the higher.
        s = 100.0 - (100.0 - review) * (d / prof.radius_miles)
        ev = {
            "matched": ["competitor", "distance", "served_industry"],
            "profile": prof.name,
            "competitor_rule": rule,
            "distance_miles": round(d, 2),
            "radius_miles": prof.radius_miles,
            "notice_located_by": self._points[j][1],
            "notice": {"name": self.sites[j].variants[0] if self.sites[j].variants else "", "zip5": self.sites[j].zip5,
                       "city": self.sites[j].city, "industry_code": self.notices[j].industry_code},
            "account": {"zip5": acc.zip5, "city": acc.city_norm, "industry": acc.industry},
            "score": round(s, 1),
        }  # fmt: skip
        return Link(
            self.notices[j].id, acc.id, "competitor_nearby", round(s, 1), self.thresholds.decision(s) or "review", ev
        )


def link_notices(
    notices: Iterable[NoticeRecord],
    accounts: Iterable[AccountRecord],
    *,
    profiles: Sequence[CompetitorProfile] = (),
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    kinds: Sequence[str] = LINK_KINDS,
) -> MatchResult:
    """One-call form of :class:`MatchEngine`: ``MatchEngine(notices, ...).match(accounts)``."""
    return MatchEngine(notices, profiles=profiles, thresholds=thresholds, kinds=kinds).match(accounts)
