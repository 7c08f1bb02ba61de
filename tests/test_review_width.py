"""Issue 14 item 1 (remaining): `leads review` fits the terminal as `leads list` does, and `leads show` wraps
its long lines at the terminal's width with a hanging indent, never cutting a URL."""

from __future__ import annotations

import json
import re

from leads.services.matching import REVIEW_COLUMNS
from tests import test_match
from tests.test_match import _setup

book = test_match.book  # the small Virginia account book fixture, used by name

URL = re.compile(r"https?://\S+")


def _cli(leads_cli, db_url, columns: int):
    def run(*args: str):
        return leads_cli("--as", "boss", *args, db_url=db_url, env={"COLUMNS": str(columns)})

    return run


def test_review_fits_80_and_120_columns_and_show_wraps_without_cutting_urls(db_url, leads_cli, book, tmp_path) -> None:
    run0, profile = _setup(db_url, leads_cli, book, tmp_path)
    assert run0("match", "--profile", str(profile)).returncode == 0
    queue = json.loads(run0("review", "--json").stdout)
    assert len(queue) >= 2
    wide = _cli(leads_cli, db_url, 80)("review", "--wide")
    assert max(len(line) for line in wide.stdout.splitlines()) > 120  # too wide for either terminal in full

    for width in (80, 120):
        shown = _cli(leads_cli, db_url, width)("review")
        assert shown.returncode == 0, shown.stderr
        lines = shown.stdout.splitlines()
        assert len(lines) == len(queue) + 1, shown.stdout  # a header and one line per candidate: none wrapped
        assert all(len(line) <= width for line in lines), [len(line) for line in lines]
        header = lines[0].split()
        assert header[:3] == ["candidate", "kind", "score"]
        assert {"account", "closed_business", "evidence"} <= set(header)
        assert ("…" in shown.stdout) == (width == 80)  # cut at 80; at 120 the evidence fits whole
        assert {line.split()[1] for line in lines[1:]} <= {"vendor", "closing", "competitor", "creditor"}
        # The evidence cell says the name agreement and where, briefly, even at 80: "name 100, ~8 mi".
        for line in lines[1:]:
            if line.split()[1] in ("vendor", "closing"):
                assert re.search(r"name \d+(\.\d)?, \S", line), line
            if line.split()[1] == "vendor":
                assert re.search(r"name \d+(\.\d)?, (~?[\d.]+ mi|<1 mi|same (city|ZIP)|same state|other state)", line)
    assert wide.stdout.splitlines()[0].split() == REVIEW_COLUMNS and "…" not in wide.stdout
    assert all(r["evidence"] in wide.stdout and r["kind"] in wide.stdout for r in queue)
    picked = _cli(leads_cli, db_url, 80)("review", "--columns", "candidate,evidence")
    assert picked.stdout.splitlines()[0].split() == ["candidate", "evidence"]

    # show: a long note (with a URL in it) and the evidence sentence wrap under their text.
    lead = json.loads(run0("why", "V-1", "--json").stdout)[0]["leads"][0]["lead"]
    link = "https://example.com/crm/accounts/danville-bistro/visits/2025-12-11?tab=notes&view=full"
    note = "Spoke with the owner about the produce order they lost when AeroFarms closed; see " + link + " today"
    assert run0("note", str(lead), note).returncode == 0
    printed = {}
    for width in (80, 120):
        card = _cli(leads_cli, db_url, width)("show", str(lead))
        assert card.returncode == 0, card.stderr
        lines = card.stdout.splitlines()
        for line in lines:  # only a URL that is longer than the line on its own may stand alone past it
            assert len(line) <= width or URL.fullmatch(line.strip()), line
        urls = {u.rstrip("”") for line in lines for u in URL.findall(line)}
        assert {link, "https://www.virginiaworks.gov/warn"} <= urls  # whole, on one line each
        text = " ".join(card.stdout.split())
        assert note in text and "Vendor AeroFarms (your account's incumbent) filed a WARN closure notice" in text
        at = next(i for i, line in enumerate(lines) if "Spoke with the owner" in line)
        assert lines[at].startswith("  20") and lines[at + 1].startswith("      ")  # hanging indent
        printed[width] = lines
    assert len(printed[120]) < len(printed[80])
