"""Benchmark: `leads accounts import` of 1,000,000 accounts (target: within 180 s).

The accounts are generated from real name, street, ZIP and industry distributions (the same
generator as bench/match_speed.py, from bench/data/businesses) and written as a CRM-style CSV; the
real CLI imports it into a fresh SQLite database (or --db URL), as a manager would. Then a re-import
of the same file (everything unchanged) is timed too. Prints what it measured.

Usage: python bench/import_speed.py [--accounts 1000000] [--db URL]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def generator():
    spec = importlib.util.spec_from_file_location("match_speed", HERE / "match_speed.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT))
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    ap.add_argument("--csv", type=Path, help="the generated book: written there if missing, else reused")
    args = ap.parse_args()
    if args.csv and args.csv.exists():
        run(args, args.csv, Path(tempfile.mkdtemp()))
        return
    gen = generator()
    rng = random.Random(11)
    pools = gen.load_pools(rng)
    vendors = [gen.recombine(rng, pools) for _ in range(5000)]
    t = time.perf_counter()
    accounts = gen.raw_accounts(args.accounts, rng, pools, vendors)
    folder = Path(tempfile.mkdtemp())
    path = args.csv or folder / "accounts.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "Account ID",
                "Account Name",
                "Billing Street",
                "Billing City",
                "Billing State",
                "Billing Zip",
                "Industry",
                "Incumbent Vendor",
            ]
        )
        for a in accounts:
            w.writerow(
                [f"A{a['id']}", a["name"], a["address"], a["city"], a["state"], a["zip"], a["industry"], a["vendor"]]
            )
    del accounts
    print(
        f"generated {args.accounts:,} accounts ({path.stat().st_size / 2**20:.0f} MiB CSV) in "
        f"{time.perf_counter() - t:.1f} s"
    )
    run(args, path, folder)


def run(args: argparse.Namespace, path: Path, folder: Path) -> None:
    url = args.db or f"sqlite:///{folder / 'bench.db'}"
    env = {**os.environ, "LEADS_DATABASE_URL": url, "LEADS_USER": "boss", "LEADS_DATA_DIR": str(folder)}
    leads = Path(sys.executable).parent / "leads"
    cmd = [str(leads)] if leads.exists() else [sys.executable, str(ROOT / "cli.py")]
    subprocess.run([*cmd, "reps", "add", "boss", "--role", "manager"], env=env, check=True, capture_output=True)
    for label in ("first import (all new)", "re-import (all unchanged)"):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        done = subprocess.run([*cmd, "accounts", "import", str(path)], env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip()[-300:]
        print(
            f"{label}: {elapsed:.1f} s (target 180 s), exit {done.returncode}, peak RSS "
            f"{after.ru_maxrss / 1024:.0f} MiB, CPU {after.ru_utime - before.ru_utime:.0f} s: {summary}"
        )


if __name__ == "__main__":
    main()
