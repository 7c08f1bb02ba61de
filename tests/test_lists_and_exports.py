"""Lists that hide nothing and find things: truncation said on stderr, exports whole, search and sort (issue 14)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

from openpyxl import load_workbook

from leads.db import Database
from leads.models import MatchCandidate, Rep
from tests import factories as f


def _book(db_url: str, n: int = 62) -> Database:
    """A manager and n unassigned leads on n accounts (ids ACME-000.., names 'Account 0'..), plus 7 review links."""
    database = Database(db_url)
    database.upgrade()
    with database.session() as s:
        s.add(Rep(name="mia", role="manager", territory={}))
        notice = f.notice(s, "n1", "Sysco Virginia", effective=date.today() + timedelta(days=10), employees=300)
        for i in range(n):
            acct = f.account(s, f"ACME-{i:03d}", f"Account {i}", vendor="Sysco Virginia")
            f.lead(s, acct, score=40 + i % 60, notice=notice, closure=notice.effective_date)
            if i < 7:
                s.add(MatchCandidate(notice=notice, account=acct, kind="vendor_closed", score=70, matched={}))
    return database


def test_truncated_listings_say_so_and_exports_are_whole(db_url, leads_cli, tmp_path) -> None:
    database = _book(db_url)
    run = lambda *a: leads_cli("--as", "mia", *a, db_url=db_url)  # noqa: E731

    listed = run("list", "--all", "--json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 50
    assert "showing 50 of 62 (--limit 0 for all)" in listed.stderr
    whole = run("list", "--all", "--limit", "0", "--json")
    assert len(json.loads(whole.stdout)) == 62 and "showing" not in whole.stderr
    exact = run("list", "--all", "--limit", "62", "--json")
    assert len(json.loads(exact.stdout)) == 62 and "showing" not in exact.stderr

    out = tmp_path / "all.xlsx"
    exported = run("export", "--all", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "62 leads exported" in exported.stderr and "showing" not in exported.stderr
    assert load_workbook(out).active.max_row == 63  # header + every lead
    some = run("export", "--all", "--limit", "10")
    assert len(list(csv.DictReader(io.StringIO(some.stdout)))) == 10
    assert "showing 10 of 62 (--limit 0 for all)" in some.stderr

    accounts = run("accounts", "list", "--limit", "20", "--csv")
    assert len(list(csv.DictReader(io.StringIO(accounts.stdout)))) == 20
    assert "showing 20 of 62 (--limit 0 for all)" in accounts.stderr
    review = run("review", "--limit", "5", "--json")
    assert review.returncode == 0, review.stderr
    assert len(json.loads(review.stdout)) == 5 and "showing 5 of 7 (--limit 0 for all)" in review.stderr
    assert "showing" not in run("review", "--json").stderr
    database.dispose()


def test_accounts_search_finds_parts_of_names_and_ids(db_url, leads_cli) -> None:
    database = _book(db_url, n=12)
    with database.session() as s:
        f.account(s, "X-1", "Acme Foods of Virginia")
        f.account(s, "X-2", "100%_Natural Cafe")
    run = lambda *a: leads_cli("--as", "mia", *a, db_url=db_url)  # noqa: E731

    def found(text: str) -> list[str]:
        result = run("accounts", "list", "--search", text, "--limit", "0", "--json")
        assert result.returncode == 0, result.stderr
        return sorted(row["account_id"] for row in json.loads(result.stdout))

    assert found("acme") == [*(f"ACME-{i:03d}" for i in range(12)), "X-1"]  # id part or name part, any case
    assert found("ACME-01") == ["ACME-010", "ACME-011"]
    assert found("foods of") == ["X-1"]
    assert found("100%_") == ["X-2"]  # % and _ are literal, not wildcards
    assert found("0%") == ["X-2"]
    database.dispose()


def test_list_sort_search_and_the_closed_business(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    today = date.today()
    with database.session() as s:
        s.add(Rep(name="mia", role="manager", territory={}))
        sysco = f.notice(s, "n1", "Sysco Virginia", effective=today + timedelta(days=30), employees=300)
        usf = f.notice(s, "n2", "US Foods Richmond", effective=today + timedelta(days=5), employees=40)
        rows = [  # id, name, vendor notice, score, closure, employees
            ("C-1", "bistro Zed", sysco, 95.0, today + timedelta(days=30), 300),
            ("C-2", "Acme Diner", usf, 70.0, today + timedelta(days=5), 40),
            ("C-3", "Cafe Acme", sysco, 80.0, None, None),
        ]
        for ext, name, notice, score, closure, employees in rows:
            acct = f.account(s, ext, name, vendor=notice.company_name)
            f.lead(s, acct, score=score, notice=notice, closure=closure, employees=employees)
    run = lambda *a: leads_cli("--as", "mia", *a, db_url=db_url)  # noqa: E731

    def order(*args: str) -> list[str]:
        result = run("list", "--all", "--json", *args)
        assert result.returncode == 0, result.stderr
        return [row["account_id"] for row in json.loads(result.stdout)]

    assert order("--sort", "score") == ["C-1", "C-3", "C-2"]
    assert order("--sort", "score:asc") == ["C-2", "C-3", "C-1"]
    assert order("--sort", "closes") == ["C-2", "C-1", "C-3"]  # soonest first, no date last
    assert order("--sort", "closes:desc") == ["C-1", "C-2", "C-3"]  # still last when reversed
    assert order("--sort", "account") == ["C-2", "C-1", "C-3"]  # any case: Acme, bistro, Cafe
    assert order("--sort", "employees") == ["C-1", "C-2", "C-3"]
    by_priority = order()
    assert sorted(by_priority) == ["C-1", "C-2", "C-3"] and order("--sort", "priority") == by_priority
    assert order("--search", "ACME") == [x for x in by_priority if x != "C-1"]  # priority order within a search
    assert order("--search", "acme", "--sort", "account") == ["C-2", "C-3"]
    assert order("--search", "C-1") == ["C-1"]
    assert order("--search", "nobody") == []

    listed = json.loads(run("list", "--all", "--json", "--sort", "score").stdout)
    assert [row["closed_business"] for row in listed] == ["Sysco Virginia", "Sysco Virginia", "US Foods Richmond"]
    exported = run("export", "--all", "--search", "acme", "--sort", "account")
    assert [row["account_id"] for row in csv.DictReader(io.StringIO(exported.stdout))] == ["C-2", "C-3"]

    bad = run("list", "--all", "--sort", "colour")
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1
    from leads.services.listing import SORT_FIELDS

    assert f"unknown field 'colour'; fields: {', '.join(SORT_FIELDS)}" in bad.stderr
    assert all(field in " ".join(run("list", "--help").stdout.split()) for field in SORT_FIELDS)
    worse = run("list", "--all", "--sort", "score:up")
    assert worse.returncode == 1 and "direction must be asc or desc, e.g. --sort score:desc" in worse.stderr
    database.dispose()
