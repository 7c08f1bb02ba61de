"""The matching engine: notices in memory, the account book streamed past them once, three kinds of links out.

Notices are few (thousands) and accounts many (up to millions), so the engine indexes the notices and reads each
account once: the caller can stream accounts from the database in chunks and memory stays flat. Per account:

* vendor_closed — its ``vendor_norm`` against notice names (computed once per distinct vendor, cached);
* account_closing — its name and address against notice names and addresses; the best account per notice wins;
* competitor_nearby — its ZIP centroid against competitor notices on a grid, when its industry is served.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from leads.matching import geo
from leads.matching.blocking import BUDGET, KeyIndex, name_keys
from leads.matching.records import (
    DEFAULT_THRESHOLDS,
    LINK_KINDS,
    AccountRecord,
    Link,
    NoticeRecord,
    Thresholds,
)
from leads.matching.scoring import (
    Site,
    name_similarity,
    prepare_site,
    site_evidence,
    site_name_gate,
    site_score,
    street_core,
    vendor_score,
)
from leads.matching.sites import site_keys
from leads.normalize import split_address, split_variants


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
            prepare_site(n.name_norm, n.address_norm, n.city_norm, n.state, n.zip5) for n in self.notices
        ]
        self._points = [geo.locate(n.zip5, n.city_norm, n.state) for n in self.notices] if self._needs_geo() else []
        self._site_index = KeyIndex(budget=budget)
        self._name_index = KeyIndex(budget=budget)
        for i, s in enumerate(self.sites):
            if not s.variants:
                continue
            self._site_index.add(i, site_keys(s))
            self._name_index.add(i, name_keys(s.variants))
        self._site_gate = site_name_gate(thresholds.review)
        self._vendor_cache: dict[str, list[tuple[int, float, str, str]]] = {}
        self._competitors: list[tuple[CompetitorProfile, geo.PointGrid, dict[int, str]]] = []
        if "competitor_nearby" in self.kinds:
            for prof in self.profiles:
                grid = geo.PointGrid(prof.radius_miles)
                rules: dict[int, str] = {}
                for i, (n, s) in enumerate(zip(self.notices, self.sites)):
                    rule = prof.competitor_rule(n, s.variants)
                    if rule and self._points[i][0] is not None:
                        grid.add(i, self._points[i][0])
                        rules[i] = rule
                self._competitors.append((prof, grid, rules))

    def _needs_geo(self) -> bool:
        return "vendor_closed" in self.kinds or bool(self.profiles and "competitor_nearby" in self.kinds)

    # -- public -------------------------------------------------------------------------------------------------

    def match(self, accounts: Iterable[AccountRecord]) -> MatchResult:
        """Links of every requested kind for the given accounts, sorted by kind, notice and falling score."""
        t0 = time.perf_counter()
        review = self.thresholds.review
        do_vendor = "vendor_closed" in self.kinds
        do_closing = "account_closing" in self.kinds
        do_comp = bool(self._competitors)
        links: list[Link] = []
        best: dict[int, list[Any]] = {}  # notice -> [score, second score, account, site, result]
        heaps: dict[tuple[int, int], list[tuple[float, int, AccountRecord]]] = {}
        served_cache: dict[str, tuple[int, ...]] = {}
        near_cache: dict[tuple[int, str, str, str], list[tuple[int, float]]] = {}
        point_cache: dict[tuple[str, str, str], geo.Point | None] = {}
        stats = {"accounts": 0, "closing_pairs_scored": 0, "vendor_names": 0}
        sites = self.sites
        site_index = self._site_index
        gate = self._site_gate
        seq = 0

        for acc in accounts:
            stats["accounts"] += 1
            if do_vendor and acc.vendor_norm:
                hits = self._vendor_hits(acc.vendor_norm)
                if hits:
                    links.extend(self._vendor_links(acc, hits, point_cache))
            if do_closing and acc.name_norm:
                number, street, unit = split_address(acc.address_norm)
                site = Site(
                    tuple(split_variants(acc.name_norm)), number, street, street_core(street) if street else "",
                    unit, acc.city_norm, acc.zip5, acc.state,
                )  # fmt: skip
                for j in site_index.candidates(site_keys(site)):
                    stats["closing_pairs_scored"] += 1
                    res = site_score(sites[j], site, gate)
                    s = res[0]
                    if s < review:
                        continue
                    cur = best.get(j)
                    if cur is None:
                        best[j] = [s, 0.0, acc, site, res]
                    elif s > cur[0]:
                        best[j] = [s, cur[0], acc, site, res]
                    elif s > cur[1]:
                        cur[1] = s
            if do_comp:
                served = served_cache.get(acc.industry)
                if served is None:
                    served = tuple(k for k, (p, _, _) in enumerate(self._competitors) if p.serves(acc.industry))
                    served_cache[acc.industry] = served
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
                        prof, grid, _ = self._competitors[k]
                        near = near_cache[nkey] = grid.near(pt, prof.radius_miles)
                    if not near:
                        continue
                    cap = self._competitors[k][0].max_accounts_per_notice
                    for j, d in near:
                        seq += 1
                        h = heaps.setdefault((k, j), [])
                        item = (-d, seq, acc)
                        if len(h) < cap:
                            heapq.heappush(h, item)
                        elif item > h[0]:
                            heapq.heapreplace(h, item)

        t_stream = time.perf_counter() - t0
        for j, (s, second, acc, site, res) in best.items():
            ev = site_evidence(sites[j], site, res)
            ev["runner_up_score"] = round(second, 1) if second else None
            ev["notice_type"] = self.notices[j].notice_type
            links.append(Link(self.notices[j].id, acc.id, "account_closing", round(s, 1), self.thresholds.decision(s), ev))
        for (k, j), h in heaps.items():
            prof, _, rules = self._competitors[k]
            for neg_d, _, acc in h:
                links.append(self._competitor_link(prof, rules[j], j, acc, -neg_d))
        links.sort(key=lambda link: (LINK_KINDS.index(link.kind), str(link.notice_id), -link.score, str(link.account_id)))
        stats["vendor_names"] = len(self._vendor_cache)
        stats["seconds"] = round(time.perf_counter() - t0, 3)
        stats["stream_seconds"] = round(t_stream, 3)
        for kind in LINK_KINDS:
            stats[kind] = sum(1 for link in links if link.kind == kind)
        return MatchResult(links, stats)

    def name_candidates(self, name_norm: str) -> Iterable[int]:
        """Notice positions the blocking offers for a name (exposed to measure blocking loss)."""
        return self._name_index.candidates(name_keys(split_variants(name_norm)))

    def site_candidates(self, account: AccountRecord) -> Iterable[int]:
        number, street, unit = split_address(account.address_norm)
        site = Site(tuple(split_variants(account.name_norm)), number, street, street_core(street), unit, "", "", "")
        return self._site_index.candidates(site_keys(site))

    # -- internals ----------------------------------------------------------------------------------------------

    def _vendor_hits(self, vendor_norm: str) -> list[tuple[int, float, str, str]]:
        hits = self._vendor_cache.get(vendor_norm)
        if hits is None:
            variants = split_variants(vendor_norm)
            cutoff = self.thresholds.review  # location can only lower a vendor score
            hits = []
            for j in self._name_index.candidates(name_keys(variants)):
                n, vn, va = name_similarity(self.sites[j].variants, variants, cutoff)
                if n >= cutoff:
                    hits.append((j, n, vn, va))
            self._vendor_cache[vendor_norm] = hits
        return hits

    def _vendor_links(self, acc: AccountRecord, hits, point_cache) -> list[Link]:
        out = []
        pkey = (acc.zip5, acc.city_norm, acc.state)
        if pkey in point_cache:
            apt = point_cache[pkey]
        else:
            apt = point_cache[pkey] = geo.locate(*pkey)[0]
        asite = Site((), "", "", "", "", acc.city_norm, acc.zip5, acc.state)
        for j, n, vn, va in hits:
            npt, basis = self._points[j]
            dist = geo.miles(npt, apt) if npt is not None and apt is not None else None
            s, why = vendor_score(n, self.sites[j], asite, dist)
            decision = self.thresholds.decision(s)
            if decision is None:
                continue
            ev = {
                "matched": ["vendor_name"] + (["location"] if why.startswith("same") else []),
                "vendor": {"notice": vn, "account_vendor": va, "score": round(n, 1)},
                "location": {
                    "agreement": why,
                    "distance_miles": None if dist is None else round(dist, 1),
                    "notice_located_by": basis or None,
                    "notice": {"zip5": self.sites[j].zip5, "city": self.sites[j].city, "state": self.sites[j].state},
                    "account": {"zip5": acc.zip5, "city": acc.city_norm, "state": acc.state},
                },
                "notice_type": self.notices[j].notice_type,
                "score": round(s, 1),
            }
            out.append(Link(self.notices[j].id, acc.id, "vendor_closed", round(s, 1), decision, ev))
        return out

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
        return Link(self.notices[j].id, acc.id, "competitor_nearby", round(s, 1), self.thresholds.decision(s) or "review", ev)


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
