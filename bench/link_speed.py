"""`leads link` on 20,000 x 200,000 records as a whole process, beside a brute-force name-only
``rapidfuzz.process.cdist(..., scorer=fuzz.ratio, score_cutoff=80)`` measured in the same run.

    python bench/link_speed.py                    # 20,000 x 200,000; brute force on 2,000 left rows, x10
    python bench/link_speed.py --brute-full       # the brute force over the full grid (a minute or two)
    python bench/link_speed.py --left 2000 --right 20000

Data (bench/match_speed.py's generator, real pieces from bench/data/businesses: Chicago licences, IRS exempt
organizations of DC, CompanyData): the right file is an account book of recombined real names at real streets
and ZIPs; the left file holds edited copies of 10,000 of them (typos, legal suffixes, case, "&"/"and", suffixes
spelled out, suites; addresses dropped on one in five) and unrelated recombined names. The planted pairs are the
truth: precision and recall of the default command are printed too.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from match_speed import edit_address, edit_name, load_pools, pick_zip, raw_accounts, recombine  # noqa: E402


def build(tmp: Path, n_left: int, n_right: int, seed: int) -> tuple[Path, Path, set[tuple[str, str]], list, list]:
    rng = random.Random(seed)
    pools = load_pools(rng)
    right_rows = list(raw_accounts(n_right, rng, pools, ["none"]))
    planted = min(n_left // 2, n_right)
    truth: set[tuple[str, str]] = set()
    left_rows = []
    for k, a in enumerate(rng.sample(right_rows, planted)):
        address = "" if rng.random() < 0.2 else edit_address(rng, a["address"])
        left_rows.append({"id": f"L{k}", "name": edit_name(rng, a["name"]), "address": address, "city": a["city"],
                          "state": a["state"], "zip": a["zip"]})  # fmt: skip
        truth.add((f"L{k}", f"A{a['id']}"))
    for k in range(planted, n_left):
        z = pick_zip(rng, pools)
        city, state = pools["zinfo"][z]
        left_rows.append({"id": f"L{k}", "name": recombine(rng, pools),
                          "address": f"{rng.randint(1, 9999)} {rng.choice(pools['streets'])}", "city": city,
                          "state": state, "zip": z})  # fmt: skip
    rng.shuffle(left_rows)
    lp, rp = tmp / "left.csv", tmp / "right.csv"
    cols = ["id", "name", "address", "city", "state", "zip"]
    with open(lp, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        w.writerows(left_rows)
    with open(rp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for a in right_rows:
            w.writerow([f"A{a['id']}", a["name"], a["address"], a["city"], a["state"], a["zip"]])
    return lp, rp, truth, [r["name"] for r in left_rows], [a["name"] for a in right_rows]


def brute_force(left_names: list[str], right_names: list[str], rows: int) -> tuple[float, int]:
    """Seconds for name-only cdist of ``rows`` left names against every right name (lower-cased, as a simple
    linker would), one worker like ``leads link``; and how many pairs pass the cut-off."""
    from rapidfuzz import fuzz, process

    left = [n.lower() for n in left_names[:rows]]
    right = [n.lower() for n in right_names]
    t0 = time.perf_counter()
    found = 0
    for start in range(0, len(left), 500):  # in slices: the full score matrix would not fit in memory
        m = process.cdist(left[start:start + 500], right, scorer=fuzz.ratio, score_cutoff=80, workers=1,
                          dtype="uint8")  # fmt: skip
        found += int((m > 0).sum())
    return time.perf_counter() - t0, found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--left", type=int, default=20_000)
    ap.add_argument("--right", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--brute-full", action="store_true", help="brute force over the whole grid (not a sample)")
    ap.add_argument("--brute-rows", type=int, default=2000, help="left rows the brute force samples")
    args = ap.parse_args(argv)
    leads = Path(sys.executable).with_name("leads")
    cmd = [str(leads)] if leads.exists() else [sys.executable, "-m", "cli"]
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        t0 = time.perf_counter()
        lp, rp, truth, lnames, rnames = build(tmp, args.left, args.right, args.seed)
        print(f"data: {args.left:,} x {args.right:,} rows built in {time.perf_counter() - t0:.1f} s "
              f"({len(truth):,} planted pairs)")  # fmt: skip
        out = tmp / "pairs.csv"
        t0 = time.perf_counter()
        run = subprocess.run([*cmd, "link", str(lp), str(rp), "--out", str(out)], capture_output=True, text=True)
        ours = time.perf_counter() - t0
        if run.returncode != 0:
            print(run.stderr)
            return 1
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with open(out, newline="", encoding="utf-8") as fh:
            found = {(r["left_id"], r["right_id"]) for r in csv.DictReader(fh)}
        tp = len(found & truth)
        p = tp / len(found) if found else 0.0
        r = tp / len(truth) if truth else 0.0
        print(f"leads link (whole process, default one-to-one): {ours:.1f} s, peak RSS {peak:,.0f} MiB; "
              f"{len(found):,} pairs, P {p:.3f} R {r:.3f} on the planted pairs")  # fmt: skip
        print(f"  {run.stderr.strip()}")
        rows = len(lnames) if args.brute_full else min(args.brute_rows, len(lnames))
        secs, hits = brute_force(lnames, rnames, rows)
        full = secs * len(lnames) / rows
        how = "measured" if rows == len(lnames) else f"measured on {rows:,} rows, extrapolated x{len(lnames) / rows:g}"
        print(f"brute-force name-only cdist(fuzz.ratio, score_cutoff=80), one worker: {full:.1f} s for the full grid "
              f"({how}; {hits:,} pairs >= 80 in the rows run)")  # fmt: skip
        print(f"ratio leads link / brute force: {ours / full:.2f} (target <= 0.2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
