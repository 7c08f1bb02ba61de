"""The forked `leads` of tests/leads_process.py behaves as a spawned one: same exit codes, stdout, stderr, files."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.leads_process import run_leads

BOOK = "Account ID,Account Name,City,State\nA-1,Ann's Diner,Danville,VA\nA-2,Bob's Grill,Chatham,VA\n"
BOSS = ["--as", "boss", "reps", "add", "boss", "--role", "manager"]
# Each case: calls made one after another in one home folder, as (args, stdin, extra environment).
CASES = [
    pytest.param([(["--version"], None, {})], id="version"),
    pytest.param([(["nosuchcommand"], None, {})], id="usage error exit 2"),
    pytest.param([(["--db", "sqlite:///missing/leads.db", "list"], None, {})], id="domain error exit 1"),
    pytest.param(
        [(["--db", "postgres+nope://x/y", "reps", "list"], None, {})], id="bad url"
    ),  # today a traceback (exit 1)
    pytest.param(
        [(BOSS, None, {}), (["reps", "list", "--json"], None, {"LEADS_USER": "boss"})], id="first write creates the db"
    ),
    pytest.param(
        [
            (BOSS, None, {}),
            (["--as", "boss", "accounts", "import", "book.csv"], "go on\n", {"LEADS_TEST_PAUSE_IMPORT": "1"}),
        ],
        id="stdin read by the command",
    ),
    pytest.param(
        [(BOSS, None, {}), (["--as", "boss", "accounts", "import", "--help"], None, {"COLUMNS": "60"})],
        id="environment read",
    ),
]


def _env(home: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, "LEADS_DATA_DIR": str(home / "data"), "LEADS_USER": "tester", "COLUMNS": "100", **extra}
    env.pop("LEADS_DATABASE_URL", None)
    return env


@pytest.mark.parametrize("calls", CASES)
def test_forked_calls_match_spawned_ones(calls, tmp_path) -> None:
    results: dict[str, list] = {}
    for how in ("spawned", "forked"):
        home = tmp_path / how
        home.mkdir()
        (home / "book.csv").write_text(BOOK)
        seen = []
        for args, stdin, extra in calls:
            done = run_leads(args, cwd=home, env=_env(home, extra), input=stdin, spawn=how == "spawned")
            # Paths under the call's own home differ only by that folder's name; a traceback's first frame
            # is the console script's last line when spawned, the zygote script's when forked.
            stderr = re.sub(r'File "[^"]+", line \d+, in <module>', "File SCRIPT, in <module>", done.stderr)
            seen.append((done.returncode, done.stdout.replace(how, "HOME"), stderr.replace(how, "HOME")))
        seen.append(sorted(str(p.relative_to(home)) for p in home.rglob("*")))
        results[how] = seen
    assert results["forked"] == results["spawned"]
