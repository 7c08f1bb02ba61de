"""Match quality on labelled public sets, with the thresholds fixed in leads.matching (same for every dataset).

    python bench/match_quality.py            # the figures
    python bench/match_quality.py --sweep    # how the default accept threshold and name weight were chosen

Datasets (copies in bench/data/, see the SOURCE.md files):
  * Fodors–Zagat restaurants, two tables, 1:1, phone NOT used — run end to end through leads.linking.link_csv
    with one_to_one=True, exactly as ``leads link`` would;
  * Chicago early-childhood sites, 9 sources, linked against itself (leads.matching.link_sites), pairwise
    P/R/F1 against ``True Id`` (direct links, and after transitive closure of the links);
  * PATSTAT company names, name-only, linked against itself and clustered (connected components): pairwise
    P/R/F1 on records and on distinct strings, and B-cubed.

The two one-list sets (Chicago early childhood, PATSTAT) have no ``leads link`` of their own: the command links two
lists. They are linked against themselves by the engine behind it (``link_sites(sites, None)``). Their headline is
the direct links (what a list of pairs gives a rep); the links closed transitively (clusters) are printed beside
it and never replace it. PATSTAT's truth is one id per company over its history, so it joins names no name
matcher can: the bench prints how much of what is missed lies within one such company.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from build_license_pairs import build as build_license_pairs  # noqa: E402
from build_license_pairs import shared_dir  # noqa: E402

from leads.linking import link_csv, read_records  # noqa: E402
from leads.matching import (  # noqa: E402
    DEFAULT_THRESHOLDS,
    link_sites,
    prepare_site,
    scoring,  # noqa: E402
)
from leads.matching.sites import greedy_one_to_one  # noqa: E402
from leads.normalize import normalize_address, normalize_name, zip5  # noqa: E402

DATA = ROOT / "bench" / "data"
SHARED = shared_dir()
SHARED_MATCHING = SHARED / "bench" / "matching" if SHARED else None
#: Accept thresholds the leave-one-set-out choice is made over.
GRID = list(range(70, 92, 2))

# Figures others reach on the same data (../shared/bench/README.md; thresholds fixed in advance, 2-core machine).
REFERENCE = {
    "fodors_zagat": [
        ("simple rapidfuzz weighted score", "F1 0.950 (P 0.963, R 0.938), 0.12 s"),
        ("splink 5.0 (DuckDB)", "F1 0.886; 0.955 with one-match-per-record; 2.7 s"),
        ("recordlinkage", "F1 0.874 supervised, 0.69 unsupervised"),
    ],
    "chicago": [
        ("simple rapidfuzz weighted score", "F1 0.906"),
        ("splink 5.0 (DuckDB)", "F1 0.745"),
        ("dedupe (published output)", "F1 0.791 (P 0.988, R 0.659)"),
    ],
}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def fmt(p: float, r: float, f: float) -> str:
    return f"P {p:.3f}  R {r:.3f}  F1 {f:.3f}"


def components(n: int, pairs) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [find(i) for i in range(n)]


def cluster_scores(clusters: list, labels: list) -> dict[str, tuple[float, float, float]]:
    """Pairwise P/R/F1 of a clustering against reference labels, and B-cubed P/R/F1."""
    both = Counter(zip(clusters, labels, strict=False))
    cc, lc = Counter(clusters), Counter(labels)
    c2 = lambda v: v * (v - 1) // 2  # noqa: E731
    tp = sum(c2(v) for v in both.values())
    pp, tt = sum(c2(v) for v in cc.values()), sum(c2(v) for v in lc.values())
    pw = prf(tp, pp - tp, tt - tp)
    n = len(labels)
    bp = sum(both[(c, lab)] / cc[c] for c, lab in zip(clusters, labels, strict=False)) / n
    br = sum(both[(c, lab)] / lc[lab] for c, lab in zip(clusters, labels, strict=False)) / n
    return {"pairwise": pw, "bcubed": (bp, br, 2 * bp * br / (bp + br) if bp + br else 0.0)}


# -- Fodors–Zagat --------------------------------------------------------------------------------------------------


def fodors_zagat(threshold: float) -> dict:
    d = DATA / "fodors_zagat"
    gold = {(r["fodors_id"], r["zagats_id"]) for r in csv.DictReader(open(d / "matches_fodors_zagats.csv"))}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pairs.csv"
        t0 = time.perf_counter()
        summary = link_csv(d / "fodors.csv", d / "zagats.csv", out, threshold=threshold, one_to_one=True)
        seconds = time.perf_counter() - t0
        found = {(r["left_id"], r["right_id"]) for r in csv.DictReader(open(out))}
    tp = len(found & gold)
    # The review band: what a lower cut-off (the review threshold) adds, and how much of it is right.
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pairs.csv"
        link_csv(d / "fodors.csv", d / "zagats.csv", out, threshold=DEFAULT_THRESHOLDS.review, one_to_one=True)
        band = {(r["left_id"], r["right_id"]) for r in csv.DictReader(open(out)) if float(r["score"]) < threshold}
    return {"prf": prf(tp, len(found) - tp, len(gold) - tp), "seconds": seconds, "pairs": len(found),
            "gold": len(gold), "candidates": summary.candidate_pairs, "missed": sorted(gold - found),
            "wrong": sorted(found - gold), "band": (len(band), len(band & gold))}  # fmt: skip


def _fz_sites():
    d = DATA / "fodors_zagat"
    from leads.normalize import normalize_city

    def load(name):
        rows = list(csv.DictReader(open(d / name)))
        return [r["id"] for r in rows], [
            prepare_site(normalize_name(r["name"]), normalize_address(r["addr"]), normalize_city(r["city"]))
            for r in rows
        ]

    fi, fs = load("fodors.csv")
    zi, zs = load("zagats.csv")
    gold = {(r["fodors_id"], r["zagats_id"]) for r in csv.DictReader(open(d / "matches_fodors_zagats.csv"))}
    return fi, fs, zi, zs, gold


# -- Chicago early childhood ---------------------------------------------------------------------------------------


def _chicago_rows():
    path = DATA / "chicago_early_childhood" / "csv_example_input_with_true_ids.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    sites = [prepare_site(normalize_name(r["Site name"]), normalize_address(r["Address"]), "", "", zip5(r["Zip"]))
             for r in rows]  # fmt: skip
    truth = [r["True Id"] for r in rows]
    return sites, truth


def _true_pairs(truth: list) -> set[tuple[int, int]]:
    groups = defaultdict(list)
    for i, t in enumerate(truth):
        groups[t].append(i)
    return {(a, b) for g in groups.values() for a, b in itertools.combinations(g, 2)}


def chicago(threshold: float, sites=None, truth=None) -> dict:
    t0 = time.perf_counter()
    if sites is None:
        sites, truth = _chicago_rows()
    pairs, scored = link_sites(sites, None, min(threshold, DEFAULT_THRESHOLDS.review))
    seconds = time.perf_counter() - t0
    gold = _true_pairs(truth)
    band = {(i, j) for i, j, s in pairs if s < threshold}
    found = {(i, j) for i, j, s in pairs if s >= threshold}
    tp = len(found & gold)
    comp = components(len(sites), found)
    closed = cluster_scores(comp, truth)["pairwise"]
    return {"prf": prf(tp, len(found) - tp, len(gold) - tp), "closure_prf": closed, "seconds": seconds,
            "records": len(sites), "gold": len(gold), "links": len(found), "candidates": scored,
            "band": (len(band), len(band & gold))}  # fmt: skip


# -- PATSTAT -------------------------------------------------------------------------------------------------------


def patstat(threshold: float) -> dict:
    path = DATA / "patstat_company_names" / "patstat_reference.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    t0 = time.perf_counter()
    names = [normalize_name(r["person_name"]) for r in rows]
    sites = [prepare_site(n) for n in names]
    pairs, scored = link_sites(sites, None, threshold)
    comp = components(len(sites), ((i, j) for i, j, _ in pairs))
    seconds = time.perf_counter() - t0
    labels = [r["leuven_id"] for r in rows]
    records = cluster_scores(comp, labels)
    # Distinct raw strings: one vote per string, so the 676-record Philips cluster does not dominate.
    first: dict[str, int] = {}
    for i, r in enumerate(rows):
        first.setdefault(r["person_name"], i)
    idx = list(first.values())
    distinct = cluster_scores([comp[i] for i in idx], [labels[i] for i in idx])
    exact = cluster_scores(names, labels)  # normalization alone: same normalized string = same company
    gold = _true_pairs(labels)
    direct = {(i, j) for i, j, _ in pairs}
    # The same rules with every candidate sharing a blocking key scored (no candidate budget): what blocking
    # costs, and what is left for the scorer — true pairs whose names it does not call the same.
    open_pairs, _ = link_sites(sites, None, threshold, budget=10**9)
    unbudgeted = {(i, j) for i, j, _ in open_pairs}
    missed = Counter(labels[i] for i, j in gold - direct)
    top, top_n = missed.most_common(1)[0] if missed else ("", 0)
    top_names = Counter(names[i] for i, lab in enumerate(labels) if lab == top).most_common(2)
    return {"records": len(rows), "entities": len(set(labels)), "raw_strings": len(first),
            "normalized_strings": len(set(names)), "clusters": len(set(comp)), "seconds": seconds,
            "record_pairwise": records["pairwise"], "record_bcubed": records["bcubed"],
            "distinct_pairwise": distinct["pairwise"], "exact_key_bcubed": exact["bcubed"],
            "exact_key_pairwise": exact["pairwise"],
            "direct": prf(len(direct & gold), len(direct - gold), len(gold - direct)),
            "unbudgeted": prf(len(unbudgeted & gold), len(unbudgeted - gold), len(gold - unbudgeted)),
            "missed": len(gold - direct), "missed_top": (top_n, [n for n, _ in top_names])}  # fmt: skip


# -- the two directory sets (../shared, evaluation only) and the licence set ------------------------------------


def _labelled(path: Path, left_key: str, right_key: str, left_id=str, right_id=str) -> dict[tuple[str, str], int]:
    with open(path, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    return {(left_id(r[left_key]), right_id(r[right_key])): int(r["gold"]) for r in csv.DictReader(lines)}


class LinkSet:
    """Two CSV files read exactly as ``leads link`` reads them, scored once at a low threshold; ``evaluate(t)``
    applies the accept threshold ``t`` and the default one-to-one rule, as ``leads link`` would at ``t``."""

    def __init__(self, name: str, left: Path, right: Path, truth, *, labelled: bool, note: str = "") -> None:
        self.name, self.labelled, self.note = name, labelled, note
        t0 = time.perf_counter()
        self.left, self.right = read_records(left), read_records(right)
        self.lsites, self.rsites = [x for _, x in self.left], [x for _, x in self.right]
        self.pairs, self.scored = link_sites(self.lsites, self.rsites, min(GRID), one_to_one=False)
        self.seconds = time.perf_counter() - t0
        self.truth = truth  # labelled: {(left id, right id): 0/1}; complete: set of true pairs

    def found(self, t: float) -> set[tuple[str, str]]:
        # What link_sites does by default: one-to-one on distinct records, exact duplicates sharing the pair.
        kept = [p for p in self.pairs if p[2] >= t]
        ul: dict = {}
        ur: dict = {}
        for i, j, _ in kept:
            ul.setdefault(self.lsites[i], i)
            ur.setdefault(self.rsites[j], j)
        best = {(i, j) for i, j, _ in greedy_one_to_one([(ul[self.lsites[i]], ur[self.rsites[j]], s)
                                                           for i, j, s in kept])}  # fmt: skip
        kept = [p for p in kept if (ul[self.lsites[p[0]]], ur[self.rsites[p[1]]]) in best]
        return {(self.left[i][0], self.right[j][0]) for i, j, _ in kept}

    def evaluate(self, t: float) -> tuple[float, float, float]:
        found = self.found(t)
        if self.labelled:
            pos = {k for k, g in self.truth.items() if g}
            tp = len(found & pos)
            fp = len({k for k in found if k in self.truth} - pos)
            return prf(tp, fp, len(pos) - tp)
        tp = len(found & self.truth)
        return prf(tp, len(found) - tp, len(self.truth) - tp)


class SelfSet:
    """One list linked against itself (deduplication), pairwise P/R/F1 on records at threshold ``t``."""

    def __init__(self, name: str, sites, truth: list, note: str = "") -> None:
        self.name, self.note, self.labelled = name, note, False
        t0 = time.perf_counter()
        self.pairs, self.scored = link_sites(sites, None, min(GRID))
        self.seconds = time.perf_counter() - t0
        self.gold = _true_pairs(truth)
        self.truth = truth

    def evaluate(self, t: float) -> tuple[float, float, float]:
        found = {(i, j) for i, j, s in self.pairs if s >= t}
        tp = len(found & self.gold)
        return prf(tp, len(found) - tp, len(self.gold) - tp)

    def clustered(self, t: float) -> tuple[float, float, float]:
        """Pairwise P/R/F1 once the links are closed transitively (connected components as clusters)."""
        comp = components(len(self.truth), ((i, j) for i, j, s in self.pairs if s >= t))
        return cluster_scores(comp, self.truth)["pairwise"]


def development_sets(tmp: Path) -> tuple[list, list[str]]:
    """Every development set with positives, and the notes on those that could not be read."""
    notes: list[str] = []
    out: list = []
    d = DATA / "fodors_zagat"
    gold = {(r["fodors_id"], r["zagats_id"]) for r in csv.DictReader(open(d / "matches_fodors_zagats.csv"))}
    out.append(
        LinkSet(
            "Fodors-Zagat",
            d / "fodors.csv",
            d / "zagats.csv",
            gold,
            labelled=False,
            note="complete truth, phone not used",
        )
    )
    csites, ctruth = _chicago_rows()
    out.append(SelfSet("Chicago early childhood", csites, ctruth, note="9 sources, linked against itself"))
    rows = list(csv.DictReader(open(DATA / "patstat_company_names" / "patstat_reference.csv", encoding="utf-8")))
    out.append(
        SelfSet(
            "PATSTAT (direct links, records)",
            [prepare_site(normalize_name(r["person_name"])) for r in rows],
            [r["leuven_id"] for r in rows],
            note="names only",
        )
    )
    if SHARED_MATCHING is None or not (SHARED_MATCHING / "yellowpages_yelp").is_dir():
        notes.append(
            "yellowpages_yelp, zomato_yelp: ../shared/bench/matching not found (evaluation-only sets, "
            "never copied into the project): not measured"
        )
    else:
        y = SHARED_MATCHING / "yellowpages_yelp"
        out.append(
            LinkSet(
                "yellowpages_yelp",
                y / "Table1.csv",
                y / "Table2.csv",
                _labelled(y / "labeled_data.csv", "ltable.id", "rtable.id"),
                labelled=True,
                note="400 labelled pairs (a sample): P/R on them",
            )
        )
        z = SHARED_MATCHING / "zomato_yelp"
        out.append(
            LinkSet(
                "zomato_yelp",
                z / "restA.csv",
                z / "restB.csv",
                _labelled(
                    z / "labeled_data.csv",
                    "ltable._id",
                    "rtable._id",
                    lambda v: str(int(v) + 1450000000000),
                    lambda v: str(int(v) + 1445980000001),
                ),
                labelled=True,
                note="450 labelled pairs (a sample): P/R on them",
            )
        )
    if SHARED is None or not (SHARED / "data" / "businesses" / "chicago-business-licenses").is_dir():
        notes.append("Chicago business licences: ../shared/data/businesses not found: not measured")
    else:
        for coords in (True, False):
            where = tmp / ("licences_xy" if coords else "licences")
            info = build_license_pairs(where, coordinates=coords)
            truth = {(r["left_id"], r["right_id"]) for r in csv.DictReader(open(where / "truth.csv"))}
            label = "Chicago licences, " + ("lat/lon present" if coords else "lat/lon withheld")
            out.append(
                LinkSet(
                    label,
                    where / "legal.csv",
                    where / "dba.csv",
                    truth,
                    labelled=False,
                    note=f"legal vs DBA name, {info['sites']} sites, {info['chain_sites']} in chains, "
                    f"{info['shared_address_sites']} at shared addresses; right side without street "
                    "on every other site",
                )
            )
    return out, notes


def irs_shared_addresses(t: float) -> dict:
    """IRS exempt organizations in DC linked against themselves: every link joins two EINs, i.e. two
    organizations (many at one registered-agent address), so every link is a false one."""
    path = DATA / "businesses" / "irs_eo_dc.csv"
    rows = list(csv.DictReader(open(path, encoding="utf-8", newline="")))
    sites = [prepare_site(normalize_name(r.get("name") or r.get("NAME")), normalize_address(r.get("street") or r.get("STREET")),
                          "", "", zip5(r.get("zip") or r.get("ZIP"))) for r in rows]  # fmt: skip
    addr = Counter((x.number, x.core) for x in sites if x.number)
    shared = sum(n for n in addr.values() if n > 1)
    pairs, _ = link_sites(sites, None, t)
    same_name = sum(1 for i, j, _ in pairs if sites[i].variants == sites[j].variants)
    # The failure class of the issue: two different distinctive names at one address linked. Names that differ
    # only by generic words or a typo ("phi beta kappa society" / "phi beta kapa society") are a national body and
    # its chapters registered at its seat: one organization to a rep, several EINs to the IRS.
    distinct = [(i, j) for i, j, _ in pairs
                if scoring.word_agreement(sites[i].variants[0], sites[j].variants[0])[1]]  # fmt: skip
    return {
        "records": len(rows),
        "at_shared_address": shared,
        "links": len(pairs),
        "identical_names": same_name,
        "distinctive_conflict": len(distinct),
        "examples": [
            (sites[i].variants[0], sites[j].variants[0], sites[i].number + " " + sites[i].street)
            for i, j in distinct[:5]
        ],
    }


def leave_one_set_out(sets: list) -> list[tuple[str, float, float, tuple, tuple]]:
    """For each set: the accept threshold that maximizes the mean F1 of the OTHER sets, and this set's P/R/F1
    at it (beside its figures at the default)."""
    table = {s.name: {t: s.evaluate(t) for t in GRID} for s in sets}
    out = []
    for s in sets:
        others = [o.name for o in sets if o is not s]
        best = max(GRID, key=lambda t: (sum(table[o][t][2] for o in others) / len(others), -abs(t - 78)))
        out.append(
            (
                s.name,
                best,
                DEFAULT_THRESHOLDS.accept,
                table[s.name][best],
                table[s.name].get(DEFAULT_THRESHOLDS.accept) or s.evaluate(DEFAULT_THRESHOLDS.accept),
            )
        )
    return out


def report_all_sets() -> None:
    t = DEFAULT_THRESHOLDS.accept
    with tempfile.TemporaryDirectory() as tmp:
        sets, notes = development_sets(Path(tmp))
    print(
        f"Every development set at the default command's settings (accept {t:g}, one-to-one for two lists; "
        "the matcher uses no phone, so with and without phone are the same figure):"
    )
    print(f"  {'set':<34s} {'default':<30s} {'leave-one-set-out (threshold)':<40s} seconds")
    loso = {name: (best, at_best) for name, best, _, at_best, _ in leave_one_set_out(sets)}
    for s in sets:
        best, at_best = loso[s.name]
        d = s.evaluate(t)
        print(f"  {s.name:<34s} {fmt(*d):<30s} {fmt(*at_best)} ({best})   {s.seconds:.1f}")
        print(f"  {'':<34s} {s.note}")
        if isinstance(s, SelfSet):
            print(f"  {'':<34s} clustered (links closed transitively): {fmt(*s.clustered(t))}")
    for n in notes:
        print(f"  {n}")
    irs = irs_shared_addresses(t)
    print(
        f"\nIRS EO BMF DC linked against itself ({irs['records']} organizations, {irs['at_shared_address']} at an "
        f"address shared with another): {irs['links']} links at {t:g}, every one joining two EINs "
        f"({irs['identical_names']} of them with identical names: chapters or re-registrations); links between two "
        f"different distinctive names (each has a word the other lacks): {irs['distinctive_conflict']}"
    )
    for a, b, where in irs["examples"]:
        print(f"    {a!r} ~ {b!r} at {where}")
    ok = [s.name for s in sets if s.evaluate(t)[0] >= 0.95 and s.evaluate(t)[1] >= 0.90]
    print(f"\nTarget P >= 0.95 at R >= 0.90: met on {len(ok)} of {len(sets)} sets ({', '.join(ok)})")


# -- sweep ---------------------------------------------------------------------------------------------------------


def sweep() -> None:
    """F1 over accept thresholds and name weights (how the defaults were picked: the middle of the plateau where
    both address datasets keep their best F1, then left alone)."""
    fi, fs, zi, zs, gold = _fz_sites()
    csites, truth = _chicago_rows()
    cgold = _true_pairs(truth)
    thresholds = list(range(70, 90, 2))
    print("name_weight  threshold  Fodors-Zagat F1  Chicago F1  min")
    original = scoring.NAME_WEIGHT
    try:
        for w in (0.3, 0.35, 0.4, 0.5):
            scoring.NAME_WEIGHT = w
            fz_pairs, _ = link_sites(fs, zs, min(thresholds))
            ch_pairs, _ = link_sites(csites, None, min(thresholds))
            for t in thresholds:
                from leads.matching.sites import greedy_one_to_one

                kept = greedy_one_to_one([p for p in fz_pairs if p[2] >= t])
                found = {(fi[i], zi[j]) for i, j, _ in kept}
                tp = len(found & gold)
                f_fz = prf(tp, len(found) - tp, len(gold) - tp)[2]
                cf = {(i, j) for i, j, s in ch_pairs if s >= t}
                ctp = len(cf & cgold)
                f_ch = prf(ctp, len(cf) - ctp, len(cgold) - ctp)[2]
                mark = "  <- default" if w == original and t == DEFAULT_THRESHOLDS.accept else ""
                print(f"   {w:4.2f}        {t:3d}        {f_fz:.3f}         {f_ch:.3f}     {min(f_fz, f_ch):.3f}{mark}")
    finally:
        scoring.NAME_WEIGHT = original


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sweep", action="store_true", help="print F1 over thresholds and name weights")
    ap.add_argument("--all-sets-only", action="store_true", help="only the table of every set and leave-one-out")
    args = ap.parse_args(argv)
    if args.sweep:
        sweep()
        return 0
    if args.all_sets_only:
        report_all_sets()
        return 0
    t = DEFAULT_THRESHOLDS.accept
    print(f"Thresholds: accept {DEFAULT_THRESHOLDS.accept:g}, review {DEFAULT_THRESHOLDS.review:g} "
          f"(name weight {scoring.NAME_WEIGHT}, name floor {scoring.NAME_FLOOR:g}); same for every dataset.\n")  # fmt: skip

    fz = fodors_zagat(t)
    print("Fodors–Zagat (533 x 331 restaurants, 1:1, phone NOT used; leads.linking.link_csv one_to_one=True)")
    print(f"  this project:  {fmt(*fz['prf'])}   {fz['seconds']:.2f} s   "
          f"({fz['pairs']} pairs written, {fz['gold']} true, {fz['candidates']} candidate pairs scored)")  # fmt: skip
    for name, fig in REFERENCE["fodors_zagat"]:
        print(f"  {name:<32s} {fig}")
    n_band, ok_band = fz["band"]
    print(
        f"  review band ({DEFAULT_THRESHOLDS.review:g} <= score < {t:g}): {n_band} more pairs, {ok_band} of them true"
    )
    print(f"  missed true pairs (fodors_id, zagats_id): {fz['missed']}")
    print(f"  wrong pairs: {fz['wrong']}\n")

    ch = chicago(t)
    print(f"Chicago early childhood ({ch['records']} records from 9 sources, {ch['gold']} true pairs; "
          "file linked against itself)")  # fmt: skip
    print(f"  this project, direct links:      {fmt(*ch['prf'])}   {ch['seconds']:.2f} s   "
          f"({ch['links']} links, {ch['candidates']} candidate pairs scored)")  # fmt: skip
    print(f"  this project, transitive closure: {fmt(*ch['closure_prf'])}")
    n_band, ok_band = ch["band"]
    print(f"  review band ({DEFAULT_THRESHOLDS.review:g} <= score < {t:g}): {n_band} more links, {ok_band} of them true "
          f"(precision {ok_band / n_band if n_band else 0:.2f})")  # fmt: skip
    for name, fig in REFERENCE["chicago"]:
        print(f"  {name:<32s} {fig}")
    print()

    pt = patstat(t)
    print(f"PATSTAT company names ({pt['records']} records, {pt['raw_strings']} distinct raw strings, "
          f"{pt['entities']} entities; name only, linked against itself and clustered)")  # fmt: skip
    print(f"  normalization alone: {pt['raw_strings']} raw strings -> {pt['normalized_strings']} normalized keys; "
          f"exact-key clusters B-cubed {fmt(*pt['exact_key_bcubed'])}")  # fmt: skip
    print(f"  clusters found: {pt['clusters']}   {pt['seconds']:.2f} s")
    print(f"  direct links on records:      {fmt(*pt['direct'])}")
    print(f"  direct, no candidate budget:  {fmt(*pt['unbudgeted'])}  (every candidate sharing a blocking key scored)")
    n_top, top_names = pt["missed_top"]
    print(f"  true pairs missed by the direct links: {pt['missed']}, {n_top} of them ({n_top / max(1, pt['missed']):.0%}) "
          f"within one entity whose names include {' / '.join(top_names)} (one company's old and new names)")  # fmt: skip
    print(f"  clustered, pairwise on records:          {fmt(*pt['record_pairwise'])}")
    print(f"  clustered, pairwise on distinct strings: {fmt(*pt['distinct_pairwise'])}")
    print(f"  clustered, B-cubed on records:           {fmt(*pt['record_bcubed'])}")
    print("  (no published comparison figures for this set in ../shared/bench/README.md)")

    print()
    report_all_sets()

    ok_fz, ok_ch = fz["prf"][2] >= 0.97, ch["prf"][2] >= 0.93
    print(f"\nTargets: Fodors–Zagat F1 >= 0.97: {'met' if ok_fz else 'NOT met'} ({fz['prf'][2]:.3f}); "
          f"Chicago F1 >= 0.93: {'met' if ok_ch else 'NOT met'} ({ch['prf'][2]:.3f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
