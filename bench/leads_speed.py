"""Benchmark: the first page of `leads list` over 1,000,000 leads, and `leads assign --auto` over 100,000.

Targets (issue "Working the leads"): first page within 0.5 s; auto-assign of 100,000 new leads within 30 s.
Data: accounts spread over real states and ZIP prefixes, reps with territories and capacities.
Usage: python bench/leads_speed.py [--leads 1000000] [--assign 100000] [--db URL]
Prints what it measured; it does not judge beyond comparing with the targets.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from leads.db import Database  # noqa: E402
from leads.models import Account, Lead, Rep  # noqa: E402
from leads.priority import priority  # noqa: E402

STATES = ["VA", "MD", "NY", "NJ", "PA", "CA", "TX", "IL", "OH", "GA", "FL", "WA", "IA", "NE", "OK", "TN"]


def fill(database: Database, n_leads: int, n_unassigned: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    today = date.today()
    now = datetime.now(UTC)
    with database.session() as s:
        reps = []
        for i in range(40):
            state = STATES[i % len(STATES)]
            reps.append(
                Rep(
                    name=f"rep{i:02d}",
                    role="rep",
                    territory={"states": [state]} if i < 20 else {},
                    capacity=None if i % 3 else 60_000,
                )
            )
        reps.append(Rep(name="boss", role="manager", territory={}))
        s.add_all(reps)
    with database.engine.begin() as conn:
        rep_ids = [r for (r,) in conn.execute(sa.text("select id from reps where role='rep'"))]
        acct_t, lead_t = Account.__table__, Lead.__table__
        batch = 50_000
        for start in range(0, n_leads, batch):
            accts, leads = [], []
            for i in range(start, min(n_leads, start + batch)):
                state = rng.choice(STATES)
                accts.append(
                    {
                        "id": i + 1,
                        "external_id": f"A{i}",
                        "name": f"Account {i}",
                        "state": state,
                        "zip5": f"{rng.randint(10000, 99999)}",
                        "city": "Town",
                        "do_not_contact": i % 97 == 0,
                        "name_norm": f"account {i}",
                        "vendor_norm": "",
                        "address_norm": "",
                        "city_norm": "town",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                score = rng.uniform(60, 100)
                closure = today + timedelta(days=rng.randint(-200, 120))
                employees = rng.randint(5, 2000)
                unassigned = i >= n_leads - n_unassigned
                leads.append(
                    {
                        "id": i + 1,
                        "account_id": i + 1,
                        "status": "new" if i % 5 else "contacted",
                        "owner_id": None if unassigned else rng.choice(rep_ids),
                        "score": score,
                        "priority": priority(score, closure, employees, today),
                        "closure_date": closure,
                        "employees": employees,
                        "flagged_closing": False,
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                )
            conn.execute(acct_t.insert(), accts)
            conn.execute(lead_t.insert(), leads)
    if database.is_sqlite:
        with database.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")


def timed(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--assign", type=int, default=100_000)
    ap.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    args = ap.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    database = Database(url)
    database.upgrade()
    t = time.perf_counter()
    fill(database, args.leads, args.assign)
    print(f"setup: {args.leads:,} accounts and leads ({args.assign:,} unassigned) in {time.perf_counter() - t:.1f} s")

    from leads.services.listing import LeadFilter, list_leads
    from leads.services.people import resolve_actor

    def first_page(who: str, **kw) -> None:
        with database.session(read_only=True) as s:
            rows = list_leads(s, resolve_actor(s, who), LeadFilter(**kw))
            assert len(rows) == 50

    rep_page = timed(lambda: first_page("rep05"))
    mgr_page = timed(lambda: first_page("boss"))
    state_page = timed(lambda: first_page("boss", state="VA"))
    print(f"list first page, a rep's own leads:        {rep_page * 1000:7.1f} ms  (target 500 ms)")
    print(f"list first page, a manager, all leads:     {mgr_page * 1000:7.1f} ms  (target 500 ms)")
    print(f"list first page, a manager, --state VA:    {state_page * 1000:7.1f} ms  (target 500 ms)")
    env = {**os.environ, "LEADS_DATABASE_URL": url, "LEADS_USER": "rep05"}
    leads_bin = Path(sys.executable).parent / "leads"
    cmd = [str(leads_bin)] if leads_bin.exists() else [sys.executable, "cli.py"]
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([*cmd, "list"], env=env, capture_output=True, check=True)
        best = min(best, time.perf_counter() - t)
    print(f"`leads list` as a process (start-up included): {best * 1000:7.1f} ms")

    from leads.services.assign import auto_assign

    t = time.perf_counter()
    with database.session() as s:
        plan = auto_assign(s, resolve_actor(s, "boss"))
    elapsed = time.perf_counter() - t
    print(
        f"assign --auto: {len(plan.moves):,} of {args.assign:,} unassigned leads assigned in {elapsed:.1f} s "
        f"(target 30 s); by rule: {dict(plan.by_rule)}; unassigned: {dict(plan.unassigned)}"
    )
    database.dispose()


if __name__ == "__main__":
    main()
