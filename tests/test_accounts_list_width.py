"""`leads accounts list` fits the terminal as `leads list` does (issue 14 item 6, for the manager's book), through
the real CLI on both databases, on rows of the demo's sample book (real businesses, long names and streets)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from leads.services.accounts import ACCOUNT_COLUMNS

SAMPLE = Path(__file__).resolve().parent.parent / "leads" / "data" / "demo" / "sample_accounts.csv"


def _book(tmp_path: Path, rows: int = 120) -> Path:
    with open(SAMPLE, encoding="utf-8", newline="") as fh:
        lines = list(csv.reader(fh))[: rows + 1]
    out = tmp_path / "book.csv"
    with open(out, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(lines)
    return out


def test_accounts_list_fits_80_and_120_columns_and_wide_shows_all(db_url, manager, leads_cli, tmp_path) -> None:
    boss = manager(db_url)
    assert boss("accounts", "import", str(_book(tmp_path))).returncode == 0

    def listing(*args: str, columns: int):
        r = leads_cli("--as", "boss", "accounts", "list", "--limit", "0", *args, db_url=db_url,
                      env={"COLUMNS": str(columns)})  # fmt: skip
        assert r.returncode == 0, r.stderr
        return r.stdout.splitlines()

    for width in (80, 120):
        lines = listing(columns=width)
        assert len(lines) == 121  # the header and every account, none wrapped onto a second line
        assert max(len(line) for line in lines) <= width, width
        header = lines[0].split()
        assert header[:2] == ["account_id", "name"] and "state" in header
        assert any("…" in line for line in lines[1:])  # long names are cut, not wrapped
    assert len(listing(columns=120)[0].split()) > len(listing(columns=80)[0].split())
    wide = listing("--wide", columns=80)
    assert wide[0].split() == ACCOUNT_COLUMNS and not any("…" in line for line in wide)
    picked = listing("--columns", "name,phone", columns=80)
    assert picked[0].split() == ["name", "phone"]
    # Machine formats keep every column, in full.
    rows = json.loads(leads_cli("--as", "boss", "accounts", "list", "--json", db_url=db_url,
                                env={"COLUMNS": "80"}).stdout)  # fmt: skip
    assert len(rows) == 100 and list(rows[0]) == ACCOUNT_COLUMNS
    bad = leads_cli("--as", "boss", "accounts", "list", "--columns", "nosuch", db_url=db_url)
    assert bad.returncode != 0 and "columns: account_id, name" in bad.stderr
