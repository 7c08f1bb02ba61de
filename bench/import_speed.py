"""Benchmark: `leads accounts import` of 1,000,000 accounts (target: within 20 s, issue 9 item 6).

The accounts are generated from real name, street, ZIP and industry distributions (the same
generator as bench/match_speed.py, from bench/data/businesses) and written as a CRM-style CSV; the
real CLI imports it into a fresh SQLite database (or --db URL), as a manager would. Then a re-import
of the same file (everything unchanged) is timed too. On SQLite a thread takes the write lock every 50 ms
meanwhile, as another command would, and the longest it waited is printed (the import's switch). Prints what
it measured.

Usage: python bench/import_speed.py [--accounts 1000000] [--db URL] [--csv PATH]
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
        writer = _Writer(url) if url.startswith("sqlite:///") else None
        t = time.perf_counter()
        done = subprocess.run([*cmd, "accounts", "import", str(path)], env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - t
        blocked = writer.stop() if writer else None
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip()[-300:]
        print(
            f"{label}: {elapsed:.1f} s wall (target 20 s), CPU {cpu:.1f} s (the import and its workers), exit "
            f"{done.returncode}, peak RSS {after.ru_maxrss / 1024:.0f} MiB, load {os.getloadavg()[0]:.1f}: {summary}"
        )
        if blocked is not None:
            print(f"  longest wait of another writer meanwhile: {blocked:.2f} s (others give up after 5 s)")


class _Writer:
    """Another command's write, tried every 50 ms while the import runs: how long it had to wait for the lock."""

    def __init__(self, url: str) -> None:
        import sqlite3
        import threading

        self.conn = sqlite3.connect(
            url.removeprefix("sqlite:///"), timeout=3600, isolation_level=None, check_same_thread=False
        )
        self.longest = 0.0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.done.wait(0.05):
            t = time.perf_counter()
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("ROLLBACK")
            self.longest = max(self.longest, time.perf_counter() - t)

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        self.conn.close()
        return self.longest


if __name__ == "__main__":
    main()
