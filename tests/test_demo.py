"""`leads demo`: the whole pipeline offline on the recorded snapshot, in its own database."""

from __future__ import annotations

import hashlib

from leads.demo import SNAPSHOT
from tests.helpers import FILES


def test_demo_runs_offline_and_prints_a_lead_list(leads_cli, tmp_path) -> None:
    result = leads_cli("demo", timeout=600)
    assert result.returncode == 0, result.stderr
    assert "from 8 of 8 sources" in result.stderr
    assert "Alex's lead list" in result.stdout and "priority" in result.stdout
    lines = [line for line in result.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert len(lines) >= 10  # a real list, not an empty table
    demo_dir = tmp_path / "data" / "demo"
    assert (demo_dir / "demo.db").exists()
    assert list((demo_dir / "digests").glob("digest-*.html"))
    # It never touches the user's database.
    assert not (tmp_path / "data" / "leads.db").exists()


def test_snapshot_holds_the_saved_agency_files_byte_for_byte() -> None:
    """The recording is the real files, not hand-made rows: every saved body is one of tests/files."""
    fixtures = {hashlib.sha256(p.read_bytes()).hexdigest() for p in FILES.rglob("*") if p.is_file()}
    bodies = list((SNAPSHOT / "httpcache").rglob("response_body"))
    assert len(bodies) == 13
    for body in bodies:
        assert hashlib.sha256(body.read_bytes()).hexdigest() in fixtures, body
