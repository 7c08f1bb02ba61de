"""`leads nightly` with every source unreachable (a closed local port): one line per failed request naming
the source, the URL and the reason, on stderr and in nightly.log; Scrapy's stacks only with -vv (issue 14
item 14; `leads crawl` is covered in test_commands_ux.py)."""

from __future__ import annotations

from tests.conftest import FAST_CRAWL
from tests.test_commands_ux import _closed_port


def _nightly_args(base: str) -> list[str]:
    args = ["nightly"]
    for source in ("warn_va", "warn_ny"):
        args += ["--source", source, "--url", f"{source}={base}/{source}.csv"]
    return [*args, *FAST_CRAWL, "--set", "RETRY_TIMES=0"]


def _failure_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if " ERROR" in line]


def test_unreachable_sources_in_nightly_are_one_line_each(db_url, manager, leads_cli, tmp_path) -> None:
    boss = manager(db_url)
    base = f"http://127.0.0.1:{_closed_port()}"
    result = boss(*_nightly_args(base))
    assert result.returncode == 1
    log = (tmp_path / "data" / "logs" / "nightly.log").read_text()
    for where in (result.stderr, log):
        assert "Traceback" not in where
        lines = _failure_lines(where)
        for source in ("warn_va", "warn_ny"):
            mine = [line for line in lines if f"source {source}: " in line]
            assert len(mine) == 2, mine  # its robots.txt, then its file
            assert any(f"robots.txt unreadable at {base}/robots.txt (" in line for line in mine)
            failed = [line for line in mine if f"request failed for {base}/{source}.csv (" in line]
            assert len(failed) == 1 and "Connection refused" in failed[0]
        assert len(lines) == 4, lines  # nothing else: no "Error downloading", no stack
    assert "failed: warn_va, warn_ny" in result.stdout


def test_nightly_keeps_the_stacks_with_vv(sqlite_url, manager, leads_cli, tmp_path) -> None:
    manager(sqlite_url)
    loud = leads_cli("-vv", "--as", "boss", *_nightly_args(f"http://127.0.0.1:{_closed_port()}"), db_url=sqlite_url)
    assert loud.returncode == 1
    assert "Traceback" in loud.stderr
    assert "Traceback" in (tmp_path / "data" / "logs" / "nightly.log").read_text()
