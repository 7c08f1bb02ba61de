"""Freshness and staleness of sources (FAULTS #32), with the clock moved instead of waiting a month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leads.digest import build
from leads.models import CrawlRun
from leads.queries import source_health
from tests import factories as f


def test_a_source_unchanged_for_30_days_is_stale(db) -> None:
    now = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
    with db.session() as s:
        old = f.notice(s, "k1", "Sysco Virginia", source="warn_va")
        fresh = f.notice(s, "k2", "AeroFarms", source="warn_ny")
        s.flush()
        old.updated_at = now - timedelta(days=45)
        fresh.updated_at = now - timedelta(days=2)
        # Crawls keep succeeding: the agency page still answers, it just stopped changing.
        s.add_all(
            [
                CrawlRun(source="warn_va", started_at=now, finished_at=now, items=1, unchanged=1, outcome="ok"),
                CrawlRun(source="warn_ny", started_at=now, finished_at=now, items=1, unchanged=1, outcome="ok"),
            ]
        )
    with db.session(read_only=True) as s:
        health = source_health(s, now=now)
    assert health["warn_va"]["freshness"] == "stale (45 days unchanged)"
    assert health["warn_ny"]["freshness"] == "2 days"
    assert health["warn_va"]["last_outcome"] == "ok"


def test_the_digest_names_stale_and_failed_sources(db) -> None:
    now = datetime.now(UTC)
    with db.session() as s:
        n = f.notice(s, "k1", "Sysco Virginia", source="warn_va")
        s.flush()
        n.updated_at = now - timedelta(days=40)
        s.add(
            CrawlRun(
                source="warn_tn",
                started_at=now,
                finished_at=now,
                items=0,
                errors=1,
                outcome="failed",
                message="1 error (1 failed request); details on stderr, or in nightly.log",
            )
        )
    with db.session(read_only=True) as s:
        digest = build(s, since=None, crawl_results=None)
    assert digest.stale_sources == ["warn_va"]
    assert [r["source"] for r in digest.failed_sources] == ["warn_tn"]
