"""`leads match` tells a manager what it did: a small table by kind x accepted / to review, then the leads
created, updated and flagged closing, in the right plural; and a dry run says exactly what the real run
then does (issue 14 items 8 and 12). Real Virginia notices against a small book, through the real CLI."""

from __future__ import annotations

import json

import pytest

from leads.output import count_table, plural
from tests.test_match import _leads, _setup, book  # noqa: F401  (book is a fixture)


def _measures(result) -> dict[str, int]:
    assert result.returncode == 0, result.stderr
    return {row["measure"]: row["value"] for row in json.loads(result.stdout)}


def _without_timing(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("Read ")]


def test_dry_run_reports_what_the_real_run_then_does(db_url, leads_cli, book, tmp_path) -> None:  # noqa: F811
    run, profile = _setup(db_url, leads_cli, book, tmp_path)
    # New leads, one of them an account closing itself (Giant Delivers' 2025 notice).
    dry = run("match", "--since", "2025-01-01", "--dry-run", "--json")
    assert "Dry run: nothing saved" in dry.stderr
    assert _leads(db_url) == {}
    real = run("match", "--since", "2025-01-01", "--json")
    assert _measures(dry) == _measures(real)
    assert _measures(real)["leads created"] == 3 and _measures(real)["flagged closing"] == 1
    # Then every notice, with a competitor profile: evidence added to open leads (Giant Delivers' 2023
    # notice) and a new lead several Farm Fresh closures point at, the cases the dry run used to miscount.
    before = _leads(db_url)
    dry = run("match", "--profile", str(profile), "--dry-run")
    assert _leads(db_url) == before
    real = run("match", "--profile", str(profile))
    assert dry.returncode == 0 and real.returncode == 0, dry.stderr + real.stderr
    assert _without_timing(dry.stdout) == _without_timing(real.stdout)
    assert "Leads: 1 created, 1 updated;" in real.stdout
    assert len(_leads(db_url)["N-1"]["evidence"]) > 1  # one lead, several closures: created once, not updated
    # And a third time nothing is left to do, dry or not.
    assert _measures(run("match", "--profile", str(profile), "--dry-run", "--json")) == _measures(
        run("match", "--profile", str(profile), "--json")
    )


def test_summary_is_a_table_by_kind_then_what_became_of_the_leads(sqlite_url, leads_cli, book, tmp_path) -> None:  # noqa: F811
    run, profile = _setup(sqlite_url, leads_cli, book, tmp_path)
    result = run("match", "--profile", str(profile), "--accept", "99.5", "--review", "60")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["kind", "accepted", "to", "review"]
    table = {" ".join(w for w in line.split() if not w.isdigit()): line.split()[-2:] for line in lines[1:5]}
    assert set(table) == {"vendor closed", "account closing", "competitor nearby", "all kinds"}
    accepted, waiting = (sum(int(table[k][i]) for k in table if k != "all kinds") for i in (0, 1))
    assert table["all kinds"] == [str(accepted), str(waiting)] and waiting >= 3
    created = len(_leads(sqlite_url))
    assert f"Leads: {created} created, 0 updated" in result.stdout
    assert f"{plural(waiting, 'link')} newly in `leads review`" in result.stdout
    assert "leads created" not in result.stdout + result.stderr  # no run-on measure line
    # A manager rejects one; the next run counts it apart and does not queue it again.
    candidate = json.loads(run("review", "--json").stdout)[0]["candidate"]
    assert run("review", "reject", str(candidate)).returncode == 0
    again = run("match", "--profile", str(profile), "--accept", "99.5", "--review", "60")
    assert again.stdout.splitlines()[0].split() == ["kind", "accepted", "to", "review", "rejected", "before"]
    assert "0 links newly in `leads review`, 1 link rejected before (skipped)." in again.stdout


def test_match_with_nothing_to_match_says_so(sqlite_url, manager) -> None:
    result = manager(sqlite_url)("match")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "No links: no closure matched an account."
    assert "Read 0 notices (0 closures) against 0 accounts" in result.stdout


@pytest.mark.parametrize(
    ("n", "noun", "expected"),
    [
        (1, "lead", "1 lead"),
        (0, "lead", "0 leads"),
        (2, "new lead", "2 new leads"),
        (1, "error", "1 error"),
        (3, "match", "3 matches"),
        (2, "company", "2 companies"),
        (2, "day", "2 days"),
        (2, "person", "2 people"),
    ],
)
def test_plural(n, noun, expected) -> None:
    assert plural(n, noun, "people" if noun == "person" else None) == expected


def test_count_table_right_aligns_counts_under_their_headers() -> None:
    rows = [{"kind": "vendor closed", "to review": 3}, {"kind": "all kinds", "to review": 12}]
    assert count_table(rows, ["kind", "to review"]) == [
        "kind           to review",
        "vendor closed          3",
        "all kinds             12",
    ]


def test_plural_groups_thousands_for_prose() -> None:
    assert plural(1200, "employee", grouped=True) == "1,200 employees"
    assert plural(1200, "notice") == "1200 notices"
