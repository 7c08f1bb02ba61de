"""`leads demo`: the whole pipeline offline on the recorded snapshot, in its own database."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import date

from leads.demo import DEMO_REP, SNAPSHOT, SNAPSHOT_DATE, sources
from leads.priority import explain
from leads.registry import demo_files
from tests.helpers import FILES


def test_demo_runs_offline_and_prints_a_lead_list(leads_cli, tmp_path) -> None:
    result = leads_cli("demo", timeout=600)
    assert result.returncode == 0, result.stderr
    demo = sources()
    assert len(demo) >= 19  # every source whose agency file we have (issue 11), not one left dark
    assert f"snapshot of {len(demo)} public sources" in result.stderr
    assert f"from {len(demo)} of {len(demo)} sources" in result.stderr
    assert f"{DEMO_REP}'s lead list" in result.stdout and "priority" in result.stdout
    lines = [line for line in result.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert len(lines) >= 10  # a real list, not an empty table
    demo_dir = tmp_path / "data" / "demo"
    assert (demo_dir / "demo.db").exists()
    assert list((demo_dir / "digests").glob("digest-*.html"))
    # Closures beyond WARN (issue 12): a Chicago licence closure and a chapter 7 filing each make a lead, with
    # their evidence in the digest's sections and on the card (the sample book's made-up vendors name them).
    (digest,) = (demo_dir / "digests").glob("digest-*.txt")
    text = digest.read_text()
    chicago = "City of Chicago business licence cancelled on 2012-12-29 (licence 29584, Hazardous Materials at"
    chapter_7 = "Chapter 7 case 15-23535 in the Southern District of New York (latest docket entry 2018-04-19)"
    assert "  -- City registry closures: " in text and "  -- Bankruptcy, chapter 7 (liquidation): " in text
    assert f"why: its vendor closed: DECORATORS SUPPLY CORP: {chicago}" in text
    assert f"why: its vendor closed: Shelley Food Stores, Inc. II: {chapter_7}" in text
    why = leads_cli("why", "NY-215519421", db_url=f"sqlite:///{demo_dir / 'demo.db'}")
    assert why.returncode == 0, why.stderr
    assert f"Shelley Food Stores, Inc. II (your account's incumbent): {chapter_7}" in " ".join(why.stdout.split())
    # It never touches the user's database.
    assert not (tmp_path / "data" / "leads.db").exists()
    _check_the_demo_runs_as_of_its_snapshot_date(leads_cli, result, demo_dir)


def _check_the_demo_runs_as_of_its_snapshot_date(leads_cli, result, demo_dir) -> None:
    """Issue 14 item 10: the demo's clock is the snapshot's date, said in its output; the user's own commands
    (on the demo database too) keep the real clock unless LEADS_TODAY sets the day."""
    as_of = SNAPSHOT_DATE.isoformat()
    assert f"as of {as_of}, the date of the recorded snapshot" in result.stderr
    assert f"LEADS_TODAY={as_of} leads --db" in result.stdout
    assert (demo_dir / "digests" / f"digest-{as_of}.txt").is_file()  # the digest of that morning
    with sqlite3.connect(demo_dir / "demo.db") as conn:
        closures = [date.fromisoformat(c) for (c,) in conn.execute("select closure_date from leads") if c]
        created = {row[0] for row in conn.execute("select distinct date(created_at) from leads")}
        va = conn.execute("select max(notice_date) from notices where source = 'warn_va'").fetchone()[0]
    # A real morning: no lead's closure in its future, the newest recent enough to count in timing priority
    # (180 days), and the day is the Virginia file's (its newest notice that month).
    assert closures and max(closures) <= SNAPSHOT_DATE and (SNAPSHOT_DATE - max(closures)).days < 180
    assert 0 <= (SNAPSHOT_DATE - date.fromisoformat(va)).days <= 31
    assert created == {as_of}  # the leads arrived that morning

    url = f"sqlite:///{demo_dir / 'demo.db'}"

    def reasons(env: dict[str, str]) -> dict[int, tuple[float, str]]:
        out = leads_cli("--db", url, "--as", DEMO_REP, "list", "--limit", "5", "--json", env=env)
        assert out.returncode == 0, out.stderr
        return {row["lead"]: row["why"] for row in json.loads(out.stdout)}

    with sqlite3.connect(demo_dir / "demo.db") as conn:
        facts = {i: (s, date.fromisoformat(c), e) for i, s, c, e in conn.execute(
            "select id, score, closure_date, employees from leads where closure_date is not null"
        )}  # fmt: skip
    frozen, real = reasons({"LEADS_TODAY": as_of}), reasons({})
    assert frozen and frozen.keys() == real.keys()
    for lead, why in frozen.items():
        score, closure, employees = facts[lead]
        assert why == explain(score, closure, employees, SNAPSHOT_DATE)
        assert real[lead] == explain(score, closure, employees, date.today())
        assert why != real[lead]  # the real clock is a year later: "closed N days ago" differs


def test_snapshot_holds_the_saved_agency_files_byte_for_byte() -> None:
    """The recording is the saved files, not hand-made rows: every saved body is one of tests/files (the agency
    files, and Chicago's API answer rebuilt from the city's export by tests/socrata_rebuild.py)."""
    fixtures = {hashlib.sha256(p.read_bytes()).hexdigest() for p in FILES.rglob("*") if p.is_file()}
    bodies = list((SNAPSHOT / "httpcache").rglob("response_body"))
    recorded = {hashlib.sha256(body.read_bytes()).hexdigest() for body in bodies}
    for body in bodies:
        assert hashlib.sha256(body.read_bytes()).hexdigest() in fixtures, body
    # Every file a demo source names was recorded (a new source joins the demo from its module alone).
    for rel in demo_files().values():
        assert hashlib.sha256((FILES / rel).read_bytes()).hexdigest() in recorded, rel
    assert {p.name for p in (SNAPSHOT / "httpcache").iterdir()} == set(sources())


def test_demo_refuses_a_folder_it_did_not_create_and_removes_nothing(leads_cli, tmp_path) -> None:
    """Issue 13 scenario 1: `--folder` pointing at a folder holding a real leads.db must not delete it."""
    folder = tmp_path / "work"
    db_url = f"sqlite:///{folder / 'leads.db'}"
    assert leads_cli("--as", "boss", "reps", "add", "boss", "--role", "manager", db_url=db_url).returncode == 0
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert "leads.db" in before

    refused = leads_cli("demo", "--folder", str(folder))
    assert refused.returncode == 1
    assert f"Error: demo folder {folder} is not empty and was not created by `leads demo`" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    listed = leads_cli("reps", "list", "--csv", db_url=db_url)
    assert listed.returncode == 0 and "boss" in listed.stdout

    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    as_file = leads_cli("demo", "--folder", str(a_file))
    assert as_file.returncode == 2 and "is a file" in as_file.stderr  # Click's own check of --folder
    assert a_file.read_text() == "mine"


def test_a_demo_folder_is_reused_removing_only_the_demos_own_files(tmp_path) -> None:
    from leads.demo import MARKER, prepare

    folder = tmp_path / "demo"
    url, cache = prepare(folder)
    assert (folder / MARKER).is_file() and cache.is_dir() and url.endswith("/demo/demo.db")
    (folder / "demo.db").write_bytes(b"old demo database")
    (folder / "digests").mkdir()
    (folder / "digests" / "digest-2025-12-20.txt").write_text("old")
    (folder / "keep-me.txt").write_text("the user's own file")
    prepare(folder)
    assert not (folder / "demo.db").exists() and not (folder / "digests").exists()
    assert (folder / "keep-me.txt").read_text() == "the user's own file"
    # An empty folder the user made is fine too, and becomes a demo folder.
    empty = tmp_path / "empty"
    empty.mkdir()
    prepare(empty)
    assert (empty / MARKER).is_file()
