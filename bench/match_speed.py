"""Speed, memory and blocking loss of the matching engine on a synthetic account book built from real data.

    python bench/match_speed.py                          # 1,000,000 accounts x 10,000 notices (a few minutes)
    python bench/match_speed.py --accounts 50000 --notices 2000

Data: names, streets and industries recombined from the real samples in bench/data/businesses/ (IRS EO BMF DC,
CompanyData LA/NYC, Chicago business licences); ZIPs, cities and states are real US ZIPs (zipcodes package),
half drawn from the ZIPs in those samples (dense metros), half from all standard ZIPs. Account names are
recombined (first word of one real name + the rest of another), so the book has realistic word frequencies but
few exact duplicates. 40% of accounts carry an incumbent vendor (20,000 vendor names, Zipf-like popularity).

Notices: planted account closures (copies of accounts with realistic edits: typos, legal-suffix changes, case,
"&"/"and", address dropped or reformatted), planted vendor closures (a vendor's name, edited, placed where some of
its accounts are), competitor closures (industry code 812332 / "linen"/"uniform" names near served accounts),
and the rest unrelated recombined names at random places.

Reports: normalization cost (at import; timed on a sample and extrapolated, stated as such), engine time per
link kind and for all kinds in one pass, peak memory (ru_maxrss), recall of the planted links, blocking loss
against exhaustive comparison on a sample of notices (must be < 1%), and brute-force name-only
``rapidfuzz.process.cdist`` time on a sample of notices, extrapolated.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import random
import resource
import string
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402  (rapidfuzz.process.cdist returns numpy arrays)
from rapidfuzz import fuzz, process  # noqa: E402

from leads.matching import (  # noqa: E402
    DEFAULT_THRESHOLDS,
    AccountRecord,
    CompetitorProfile,
    MatchEngine,
    NoticeRecord,
    geo,  # noqa: E402
    name_similarity,
    prepare_site,
    site_score,
)
from leads.matching.scoring import site_name_gate  # noqa: E402
from leads.normalize import (  # noqa: E402
    normalize_address,
    normalize_city,
    normalize_name,
    normalize_state,
    split_variants,
)

DATA = ROOT / "bench" / "data" / "businesses"
LEGAL = ["Inc", "Inc.", "LLC", "L.L.C.", "Corp", "Corporation", "Co.", "Company", "Ltd", ""]
PROFILE = CompetitorProfile(
    "uniform and linen service",
    industry_prefixes=("812332",),
    name_keywords=("linen", "uniform", "uniforms"),
    served_industries=("retail food", "restaurant", "tavern", "consumption on premises", "5812", "hotel", "7011"),
    radius_miles=10.0,
)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def reset_peak() -> None:
    """Reset the kernel's peak-RSS mark (VmHWM) so the next reading covers only what follows (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def peak_since_reset_mb() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return rss_mb()


def current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return float("nan")


# -- pools of real values ------------------------------------------------------------------------------------------


def load_pools(rng: random.Random) -> dict:
    names, streets, industries, zips = [], [], [], []
    paths = {p.name: p for p in DATA.glob("*.csv")}

    def rows(name):
        if name not in paths:
            return []
        with open(paths[name], encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    for r in rows("chicago_licenses.csv"):
        names.append(r["legal_name"])
        if r["dba_name"] and r["dba_name"] != r["legal_name"]:
            names.append(r["dba_name"])
        streets.append(r["address"])
        industries.append(r["license_description"])
        zips.append(r["zip"][:5])
    for r in rows("irs_eo_dc.csv"):
        names.append(r["name"])
        streets.append(r["street"])
        industries.append(("ntee " + r["ntee"]) if r["ntee"] else "nonprofit")
        zips.append(r["zip"][:5])
    for r in rows("companydata_us.csv"):
        names.append(r["name"])
        streets.append(r["address"])
        industries.append(f"{r['sic']} {r['sic_description']}".lower())
        zips.append(r["zip"][:5])
    if not names:
        raise SystemExit(f"no sample files in {DATA}")
    names = list(dict.fromkeys(n.strip() for n in names if n.strip()))  # one entry per distinct real name
    # Street part without house number ("W MELROSE ST 1ST"); a fresh number is drawn per account.
    street_names = []
    for s in streets:
        parts = s.split(None, 1)
        if len(parts) == 2 and parts[0][0].isdigit():
            street_names.append(parts[1])
    import zipcodes

    all_zips = [(z["zip_code"], z["city"], z["state"]) for z in zipcodes.list_all() if z["zip_code_type"] == "STANDARD"]
    zinfo = {z: (c, s) for z, c, s in all_zips}
    metro = [z for z in zips if z in zinfo]
    return {
        "names": names,
        "first_words": [n.split()[0] for n in names if n.split()],
        "middle_words": [w for n in names for w in n.split()[1:-1]],
        "last_words": [
            n.split()[-1] for n in names if len(n.split()) > 1 and n.split()[-1].upper() not in _LEGAL_WORDS
        ],
        "streets": street_names,
        "industries": industries,
        "zinfo": zinfo,
        "metro_zips": metro,
        "all_zips": [z for z, _, _ in all_zips],
    }


_LEGAL_WORDS = {"INC", "INC.", "LLC", "L.L.C.", "CORP", "CORP.", "CO", "CO.", "LTD", "LTD.", "COMPANY", "CORPORATION"}


def recombine(rng: random.Random, pools: dict) -> str:
    """A real name's shape (length, legal suffix) with each word, with probability 0.6, swapped for the word at
    the same position (first / middle / last) of another real name: real word frequencies, few shared tails."""
    words = rng.choice(pools["names"]).split()
    n = len(words)
    for i, w in enumerate(words):
        if w.upper().strip(",") in _LEGAL_WORDS or rng.random() >= 0.6:
            continue
        pool = pools["first_words"] if i == 0 else pools["last_words"] if i == n - 1 else pools["middle_words"]
        if pool:
            words[i] = rng.choice(pool)
    return " ".join(words)


def pick_zip(rng: random.Random, pools: dict) -> str:
    return rng.choice(pools["metro_zips"] if rng.random() < 0.5 else pools["all_zips"])


# -- realistic edits -----------------------------------------------------------------------------------------------


def typo(rng: random.Random, text: str) -> str:
    words = text.split()
    cands = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not cands:
        return text
    i = rng.choice(cands)
    w = words[i]
    k = rng.randrange(1, len(w) - 1)
    op = rng.choice("dsti")
    letter = rng.choice(string.ascii_uppercase if w.isupper() else string.ascii_lowercase)
    if op == "d":
        w = w[:k] + w[k + 1 :]
    elif op == "s":
        w = w[:k] + letter + w[k + 1 :]
    elif op == "t":
        w = w[: k - 1] + w[k] + w[k - 1] + w[k + 1 :]
    else:
        w = w[:k] + letter + w[k:]
    words[i] = w
    return " ".join(words)


def edit_name(rng: random.Random, name: str) -> str:
    words = name.replace(",", " ").split()
    while words and words[-1].strip(".").lower() in {
        "inc",
        "llc",
        "l.l.c",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
    }:
        words.pop()
    base = " ".join(words) or name
    if rng.random() < 0.5:
        base = base + " " + rng.choice(LEGAL)
    if rng.random() < 0.3:
        base = typo(rng, base)
    if rng.random() < 0.3:
        base = base.replace(" & ", " and ") if "&" in base else base.replace(" and ", " & ")
    r = rng.random()
    if r < 0.3:
        base = base.upper()
    elif r < 0.6:
        base = base.title()
    return base.strip()


_SUFFIX_SPELLINGS = {"ST": "STREET", "AVE": "AVENUE", "BLVD": "BOULEVARD", "RD": "ROAD", "DR": "DRIVE", "PL": "PLACE"}
_DIRECTION_SPELLINGS = {"N": "NORTH", "S": "SOUTH", "E": "EAST", "W": "WEST"}


def edit_address(rng: random.Random, address: str) -> str:
    """The same street line as another source writes it: suffix and directional spelled out or abbreviated,
    a suite added, different case."""
    words = address.upper().split()
    flip = {**_SUFFIX_SPELLINGS, **{v: k for k, v in _SUFFIX_SPELLINGS.items()}}
    dflip = {**_DIRECTION_SPELLINGS, **{v: k for k, v in _DIRECTION_SPELLINGS.items()}}
    if len(words) > 2 and words[1] in dflip and rng.random() < 0.5:
        words[1] = dflip[words[1]]
    for i in range(len(words) - 1, 1, -1):  # the street suffix: the last suffix word
        if words[i] in flip:
            if rng.random() < 0.5:
                words[i] = flip[words[i]]
            break
    a = " ".join(words)
    if rng.random() < 0.2:
        a += f" Suite {rng.randint(1, 900)}"
    return a.title() if rng.random() < 0.5 else a


# -- data ----------------------------------------------------------------------------------------------------------


def raw_accounts(n: int, rng: random.Random, pools: dict, vendors: list[str]) -> Iterator[dict]:
    """Raw account rows, one at a time (the book is never held as raw dicts)."""
    weights = [1.0 / (k + 1) ** 0.8 for k in range(len(vendors))]
    vendor_draw = rng.choices(vendors, weights=weights, k=int(n * 0.4) + 1)
    vi = 0
    for i in range(n):
        z = pick_zip(rng, pools)
        city, state = pools["zinfo"][z]
        vendor = ""
        if rng.random() < 0.4:
            vendor = vendor_draw[vi % len(vendor_draw)]
            vi += 1
        yield {
            "id": i, "name": recombine(rng, pools),
            "address": f"{rng.randint(1, 9999)} {rng.choice(pools['streets'])}",
            "city": city, "state": state, "zip": z, "vendor": vendor,
            "industry": rng.choice(pools["industries"]),
        }  # fmt: skip


def normalize_account(a: dict, cache: dict) -> AccountRecord:
    st = normalize_state(a["state"])
    city_key = (a["city"], st)
    city = cache.get(city_key)
    if city is None:
        city = cache[city_key] = normalize_city(a["city"], st)
    v = a["vendor"]
    vn = cache.get(("v", v))
    if vn is None:
        vn = cache[("v", v)] = normalize_name(v)
    ind = cache.get(("i", a["industry"]))
    if ind is None:
        ind = cache[("i", a["industry"])] = a["industry"].lower()
    return AccountRecord(a["id"], normalize_name(a["name"]), vn, normalize_address(a["address"]), city, st,
                         a["zip"], ind)  # fmt: skip


def fast_normalize_account(a: dict, cache: dict) -> AccountRecord:
    """Same values as :func:`normalize_account` for these generated addresses (number + real street line),
    computed once per distinct street line: keeps the 1M-row run short. Used only when --normalize-sample < all."""
    num, street = a["address"].split(" ", 1)
    sn = cache.get(("s", street))
    if sn is None:
        sn = cache[("s", street)] = normalize_address("1 " + street)[2:]
    rec = normalize_account({**a, "name": "", "address": ""}, cache)
    return rec._replace(name_norm=normalize_name(a["name"]), address_norm=f"{num} {sn}" if sn else "")


def make_notices(
    n_notices: int,
    rng: random.Random,
    pools: dict,
    accounts: list[AccountRecord],
    planted: dict[int, dict],
    by_vendor: dict[str, list[int]],
):
    """Notices: planted closures of the accounts in ``planted`` (raw rows), planted closures of vendors
    (``by_vendor``: raw vendor name -> positions of its accounts), competitors near served accounts, others."""
    notices: list[NoticeRecord] = []
    truth: dict[str, set] = {"account_closing": set(), "vendor_closed": set()}
    n_vendor = max(1, n_notices * 2 // 100)
    n_comp = max(1, n_notices * 5 // 100)
    nid = 0

    def add(name, address, city, state, zip_, ntype="closure", code=""):
        nonlocal nid
        nid += 1
        st = normalize_state(state)
        notices.append(NoticeRecord(f"n{nid}", normalize_name(name), normalize_address(address),
                                    normalize_city(city, st), st, zip_, ntype, code))  # fmt: skip
        return f"n{nid}"

    for a in planted.values():
        address = edit_address(rng, a["address"]) if rng.random() < 0.4 else ""  # VA/CA notices carry no street
        zip_ = a["zip"] if rng.random() < 0.6 else ""
        i = add(edit_name(rng, a["name"]), address, a["city"], a["state"], zip_, rng.choice(["closure", "layoff"]))
        truth["account_closing"].add((i, a["id"]))
    for v in rng.sample(sorted(by_vendor), min(n_vendor, len(by_vendor))):
        near = accounts[rng.choice(by_vendor[v])]
        city, state = pools["zinfo"][near.zip5]
        i = add(edit_name(rng, v), "", city, state, near.zip5 if rng.random() < 0.7 else "")
        for k in by_vendor[v]:
            truth["vendor_closed"].add((i, accounts[k].id))
    served = [a for a in rng.sample(accounts, min(len(accounts), 20000)) if PROFILE.serves(a.industry)]
    for k in range(n_comp):
        a = rng.choice(served) if served else rng.choice(accounts)
        city, state = pools["zinfo"][a.zip5]
        if k % 2:
            name, code = recombine(rng, pools) + " Linen Service", ""
        else:
            name, code = recombine(rng, pools), "812332"
        add(name, "", city, state, a.zip5, "closure", code)
    while len(notices) < n_notices:
        z = pick_zip(rng, pools)
        city, state = pools["zinfo"][z]
        has_addr = rng.random() < 0.3
        add(recombine(rng, pools), f"{rng.randint(1, 9999)} {rng.choice(pools['streets'])}" if has_addr else "",
            city, state, z if rng.random() < 0.6 else "", rng.choice(["closure", "layoff", "other"]))  # fmt: skip
    rng.shuffle(notices)
    return notices, truth


# -- measurements --------------------------------------------------------------------------------------------------


def blocking_loss(engine: MatchEngine, notices, accounts, sample: int, rng: random.Random, show: bool = False) -> dict:
    """Exhaustive comparison of ``sample`` notices against every account (names by cdist, then the full scorer)
    versus the blocking's candidates: the share of pairs at or above the thresholds that blocking never offers."""
    review, accept = DEFAULT_THRESHOLDS.review, DEFAULT_THRESHOLDS.accept
    idx = rng.sample(range(len(notices)), min(sample, len(notices)))
    owners, flat = [], []
    for k, a in enumerate(accounts):
        for v in split_variants(a.name_norm):
            owners.append(k)
            flat.append(v)
    owners_arr = np.array(owners)
    gate = site_name_gate(review)
    site_pairs = {"review": [0, 0], "accept": [0, 0]}  # [found by exhaustive, missed by blocking]
    t0 = time.perf_counter()
    for j in idx:
        n = notices[j]
        nsite = prepare_site(n.name_norm, n.address_norm, n.city_norm, n.state, n.zip5)
        hit_accounts = set()
        for v in nsite.variants:
            scores = process.cdist([v], flat, scorer=fuzz.token_set_ratio, score_cutoff=gate, workers=-1)[0]
            hit_accounts.update(owners_arr[np.nonzero(scores)[0]].tolist())
        for k in hit_accounts:
            a = accounts[k]
            asite = prepare_site(a.name_norm, a.address_norm, a.city_norm, a.state, a.zip5)
            s = site_score(nsite, asite)[0]
            if s < review:
                continue
            blocked = j in set(engine.site_candidates(a))
            if show and not blocked:
                print(f"    not offered: {s:.0f} notice {n.name_norm!r} {n.address_norm!r} / account {a.name_norm!r} "
                      f"{a.address_norm!r}")  # fmt: skip
            for level, t in (("review", review), ("accept", accept)):
                if s >= t:
                    site_pairs[level][0] += 1
                    site_pairs[level][1] += not blocked
    site_seconds = time.perf_counter() - t0
    # vendor_closed: every distinct vendor name against the sample notices
    vendors = sorted({a.vendor_norm for a in accounts if a.vendor_norm})
    vflat, vown = [], []
    for k, v in enumerate(vendors):
        for x in split_variants(v):
            vflat.append(x)
            vown.append(k)
    vendor_pairs = [0, 0]
    for j in idx:
        nsite = engine.sites[j]
        hits = set()
        for v in nsite.variants:
            sc = process.cdist([v], vflat, scorer=fuzz.token_set_ratio, score_cutoff=review, workers=-1)[0]
            hits.update(vown[i] for i in np.nonzero(sc)[0].tolist())
        for k in hits:
            if name_similarity(nsite.variants, split_variants(vendors[k]))[0] >= review:
                offered = j in set(engine.name_candidates(vendors[k]))
                vendor_pairs[0] += 1
                vendor_pairs[1] += not offered
                if show and not offered:
                    print(f"    not offered: notice {nsite.variants!r} / vendor {vendors[k]!r}")
    return {"notices": len(idx), "site": site_pairs, "vendor": vendor_pairs, "seconds": site_seconds}


def competitor_check(engine: MatchEngine, result, accounts, sample: int, rng: random.Random) -> tuple[int, int]:
    """Brute-force distances for a sample of competitor notices: accounts in served trades within the radius
    (nearest max_accounts_per_notice) that the grid did not link."""
    prof, grid, rules = engine._competitors[0]
    comp = list(rules)
    linked = defaultdict(set)
    for link in result.links:
        if link.kind == "competitor_nearby":
            linked[link.notice_id].add(link.account_id)
    expected = missed = 0
    for j in rng.sample(comp, min(sample, len(comp))):
        p = engine._points[j][0]
        dists = []
        for a in accounts:
            if not prof.serves(a.industry):
                continue
            q = geo.locate(a.zip5, a.city_norm, a.state)[0]
            if q is not None:
                d = geo.miles(p, q)
                if d <= prof.radius_miles:
                    dists.append((d, a.id))
        dists.sort()
        # ties at the cut-off distance may legitimately pick other accounts
        cut = dists[prof.max_accounts_per_notice - 1][0] if len(dists) >= prof.max_accounts_per_notice else None
        got = linked[engine.notices[j].id]
        for d, aid in dists[: prof.max_accounts_per_notice]:
            if cut is not None and d >= cut:
                continue
            expected += 1
            missed += aid not in got
    return expected, missed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--notices", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--normalize-sample",
        type=int,
        default=20_000,
        help="accounts normalized one by one through the import path and timed (rest: cached per street)",
    )
    ap.add_argument("--loss-sample", type=int, default=100, help="notices compared exhaustively for blocking loss")
    ap.add_argument("--brute-sample", type=int, default=50, help="notices for the brute-force cdist timing")
    ap.add_argument("--skip-per-kind", action="store_true", help="only time the all-kinds pass")
    ap.add_argument("--show-misses", action="store_true", help="print the pairs blocking did not offer")
    ap.add_argument("--workers", type=int, default=2, help="worker processes for the engine (the machine has 2 cores)")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)

    t0 = time.perf_counter()
    pools = load_pools(rng)
    vendors = list(dict.fromkeys(recombine(rng, pools) for _ in range(20_000)))
    n = args.accounts
    n_closing = max(1, args.notices * 15 // 100)
    planted_idx = set(rng.sample(range(n), min(n, n_closing)))
    sample_idx = set(rng.sample(range(n), min(n, args.normalize_sample)))

    # Generate and normalize in one stream. The normalization of a sample goes through the import path and is
    # timed (it happens at import, not at matching); the rest reuses per-street results to keep the run short.
    cache: dict = {}
    accounts: list[AccountRecord] = []
    planted: dict[int, dict] = {}
    by_vendor: dict[str, list[int]] = defaultdict(list)
    t_exact = 0.0
    agree = checked = 0
    for i, a in enumerate(raw_accounts(n, rng, pools, vendors)):
        if i in sample_idx:
            t1 = time.perf_counter()
            rec = normalize_account(a, {})
            t_exact += time.perf_counter() - t1
            if checked < 2000:
                checked += 1
                agree += fast_normalize_account(a, cache) == rec
        else:
            rec = fast_normalize_account(a, cache)
        accounts.append(rec)
        if i in planted_idx:
            planted[i] = a
        if a["vendor"]:
            by_vendor[a["vendor"]].append(i)
    t_gen = time.perf_counter() - t0
    ns = len(sample_idx)
    per = t_exact / max(1, ns)
    print(f"Generated and normalized {len(accounts):,} accounts from {len(pools['names']):,} real names, "
          f"{len(pools['streets']):,} real street lines, {len(pools['all_zips']):,} real ZIPs in {t_gen:.1f} s")  # fmt: skip
    print("\nNormalization (import time, not part of matching):")
    print(f"  {ns:,} accounts through normalize_name/normalize_address/normalize_city: {t_exact:.1f} s "
          f"= {per * 1e6:.0f} us/account -> {per * n:.0f} s for {n:,} accounts (extrapolated from the sample)")  # fmt: skip
    print(f"  the others reuse per-street results (same values as the import path: {agree}/{checked} checked)")
    notices, truth = make_notices(args.notices, rng, pools, accounts, planted, by_vendor)
    del cache, planted, by_vendor
    gc.collect()
    print(f"  notices: {len(notices):,} ({len(truth['account_closing']):,} planted account closures, "
          f"{len({n for n, _ in truth['vendor_closed']}):,} planted vendor closures -> "
          f"{len(truth['vendor_closed']):,} orphaned accounts)")  # fmt: skip
    rss_data = current_rss_mb()
    print(f"  memory with the normalized data loaded: {rss_data:.0f} MB resident")
    reset_peak()

    # Engine
    print(f"\nEngine ({len(notices):,} notices x {len(accounts):,} accounts, thresholds accept "
          f"{DEFAULT_THRESHOLDS.accept:g} / review {DEFAULT_THRESHOLDS.review:g})")  # fmt: skip
    print(f"  load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work on the machine "
          "slows the wall-clock figures; CPU seconds are given too)")  # fmt: skip
    if not args.skip_per_kind:
        for kind in ("vendor_closed", "account_closing", "competitor_nearby"):
            t0, c0 = time.perf_counter(), time.process_time()
            eng = MatchEngine(notices, profiles=[PROFILE], kinds=(kind,))
            t_build = time.perf_counter() - t0
            res = eng.match(accounts)
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            print(f"  {kind:<18s} 1 process: {dt:6.1f} s wall, {cpu:5.1f} s CPU (index {t_build:.2f} s)  "
                  f"{res.stats[kind]:>9,} links")  # fmt: skip
            del eng, res
            gc.collect()
    t0 = time.perf_counter()
    engine = MatchEngine(notices, profiles=[PROFILE])
    t_build = time.perf_counter() - t0
    result = engine.match(accounts, workers=args.workers)
    t_all = time.perf_counter() - t0
    peak = peak_since_reset_mb()
    counts = {k: result.stats[k] for k in ("vendor_closed", "account_closing", "competitor_nearby")}
    print(f"  all three kinds, one pass, {result.stats['workers']} worker process(es): {t_all:.1f} s wall "
          f"(index {t_build:.2f} s, merge + evidence {result.stats['seconds'] - result.stats['stream_seconds']:.1f} s; "
          f"{result.stats['closing_pairs_scored']:,} name+address pairs scored, "
          f"{result.stats['vendor_names']:,} distinct vendor names)")  # fmt: skip
    print(f"  links: {counts}")
    workers_mem = result.stats.get("worker_memory", [])
    private = sum(m.get("private_mb", 0.0) for m in workers_mem)
    print(f"  peak memory: main process {peak:.0f} MB (VmHWM, includes the {len(accounts):,} loaded accounts: "
          f"{rss_data:.0f} MB before matching)"
          + ("; worker processes, memory of their own (not shared with the main process) at the end: "
             + ", ".join(f"{m.get('private_mb', 0):.0f} MB" for m in workers_mem)
             + f" -> all processes together at most {peak + private:.0f} MB" if workers_mem else ""))  # fmt: skip

    # Planted links found
    found = defaultdict(dict)
    for link in result.links:
        found[link.kind][(link.notice_id, link.account_id)] = link.decision
    print("\nPlanted links found:")
    for kind in ("account_closing", "vendor_closed"):
        t = truth[kind]
        acc = sum(1 for p in t if found[kind].get(p) == "accept")
        rev = sum(1 for p in t if found[kind].get(p) == "review")
        extra = len(set(found[kind]) - t)
        print(f"  {kind:<16s} {len(t):>7,} planted: accept {acc / len(t):.3f}, accept+review {(acc + rev) / len(t):.3f}; "
              f"{extra:,} links not planted")  # fmt: skip

    # Blocking loss
    rng2 = random.Random(args.seed + 1)
    loss = blocking_loss(engine, notices, accounts, args.loss_sample, rng2, show=args.show_misses)
    print(f"\nBlocking loss vs exhaustive comparison ({loss['notices']} random notices x all {len(accounts):,} accounts, "
          f"{loss['seconds']:.0f} s):")  # fmt: skip
    for level in ("accept", "review"):
        f, m = loss["site"][level]
        print(f"  account_closing pairs scoring >= {level}: {f:,} exhaustive, {m} not offered by blocking "
              f"= {m / f if f else 0:.2%} loss")  # fmt: skip
    f, m = loss["vendor"]
    print(f"  vendor_closed name pairs >= review: {f:,} exhaustive, {m} not offered = {m / f if f else 0:.2%} loss")
    exp, miss = competitor_check(engine, result, accounts, 10, rng2)
    print(f"  competitor_nearby (10 competitor notices, brute-force distances): {exp:,} expected, {miss} missed")

    # Brute force
    bs = min(args.brute_sample, len(notices))
    names = [a.name_norm for a in accounts]
    q = [n.name_norm for n in rng2.sample(notices, bs)]
    t0 = time.perf_counter()
    process.cdist(q, names, scorer=fuzz.token_sort_ratio, score_cutoff=DEFAULT_THRESHOLDS.accept, workers=-1,
                  dtype=np.uint8)  # fmt: skip
    dt = time.perf_counter() - t0
    print(f"\nBrute force, name only: rapidfuzz.process.cdist(token_sort_ratio, score_cutoff, workers=2) on {bs} "
          f"notices x {len(accounts):,} accounts: {dt:.1f} s -> {dt * len(notices) / bs:.0f} s for all "
          f"{len(notices):,} notices (extrapolated); the engine does all three kinds in {t_all:.1f} s")  # fmt: skip
    print(f"\nPeak memory (ru_maxrss) at the end: {rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
