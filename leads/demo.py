"""`leads demo`: the whole product offline, on real data, in its own database.

A recorded snapshot of the real agency responses (Scrapy's HTTP cache, under the agencies' real
URLs) is replayed through the real spiders; a sample account book built from real public business
records is imported; matching, assignment and the digest run as they do at night.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).parent / "data" / "demo"
SINCE = "2010-01-01"  # the snapshot holds notices back to 2012
# The demo runs as of the snapshot's date: the day its Virginia file was saved (spiders/warn_va.py). The
# closures behind its leads (New York's, California's) all lie before it, the newest within timing priority's
# 180 days, so the timing, "closed N days ago", the lead list and the digest read like that morning (a test
# checks it). Michigan's file is later (2026) but gives the sample book no lead. Only the demo's own run
# uses this date (leads/clock.py); the user's commands keep the real clock.
SNAPSHOT_DATE = date(2025, 12, 24)

# Which sources the demo replays, and from which URLs, is each spider's own metadata (demo_urls,
# demo_files: see spiders/base.py); the registry reads it, so a new source joins the demo from its module.


REPS: list[dict[str, Any]] = [  # sample team
    {"name": "Morgan", "role": "manager", "states": None, "capacity": None},
    {"name": "Alex", "role": "rep", "states": "CA", "capacity": 200},
    {"name": "Sam", "role": "rep", "states": "NY,NJ,CT", "capacity": 200},
    {"name": "Jordan", "role": "rep", "states": None, "capacity": 200},
]


DEMO_REP = "Sam"  # whose lead list the demo shows


def replay_settings(cache_dir: Path) -> dict[str, Any]:
    return {
        "HTTPCACHE_ENABLED": True,
        "HTTPCACHE_DIR": str(cache_dir),
        "HTTPCACHE_IGNORE_MISSING": True,  # a page not in the snapshot fails loudly instead of going online
        "HTTPCACHE_EXPIRATION_SECS": 0,
        "HTTPCACHE_STORAGE": "scrapy.extensions.httpcache.FilesystemCacheStorage",
        "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.DummyPolicy",
        "ROBOTSTXT_OBEY": False,  # nothing is fetched; robots.txt was honoured when recording
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    }


# The demo removes only what it made: a folder it created carries this file, and only the entries
# the demo itself writes are removed when it starts again. Anything else in the folder stays.
MARKER = ".leads-demo"
MARKER_TEXT = "This folder was created by `leads demo`; `leads demo` may empty it and recreate it.\n"
DEMO_ENTRIES = (
    "demo.db",
    "demo.db-wal",
    "demo.db-shm",
    "demo.db-journal",
    "demo.db.nightly.lock",
    "httpcache",
    "digests",
)


def prepare(folder: Path) -> tuple[str, Path]:
    """A fresh demo folder: its own SQLite file and a working copy of the snapshot.

    An existing folder is reused only if it is empty or was made by the demo (it holds MARKER);
    then only the demo's own entries are removed, never the folder itself or anything else in it.
    """
    from leads.errors import InputError

    if folder.exists() and not folder.is_dir():
        raise InputError(f"demo folder {folder} is a file, not a folder; choose another --folder")
    if folder.is_dir():
        entries = list(folder.iterdir())
        if entries and not (folder / MARKER).is_file():
            raise InputError(
                f"demo folder {folder} is not empty and was not created by `leads demo` (no {MARKER} file); "
                "nothing was removed: choose an empty or new --folder"
            )
        for name in DEMO_ENTRIES:
            entry = folder / name
            if entry.is_symlink() or entry.is_file():
                entry.unlink()
            elif entry.is_dir():
                shutil.rmtree(entry)
    else:
        try:
            folder.mkdir(parents=True, mode=0o700)
        except OSError as exc:
            raise InputError(f"cannot create demo folder {folder}: {exc.strerror}") from exc
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    cache = folder / "httpcache"
    shutil.copytree(SNAPSHOT / "httpcache", cache)
    return f"sqlite:///{folder / 'demo.db'}", cache


def sources() -> list[str]:
    """The sources the demo crawls (those whose spider names demo URLs; see leads/registry.py)."""
    from leads.registry import demo_sources

    return list(demo_sources())


def source_urls() -> dict[str, list[str]]:
    """--url overrides for the demo crawl; a source without one computes its start URL for SINCE."""
    from leads.registry import demo_sources

    return {name: urls for name, urls in demo_sources().items() if urls}


def run(folder: Path, *, progress: bool = False) -> dict[str, Any]:
    """The whole pipeline on the snapshot, as of SNAPSHOT_DATE; returns what happened for the command to print."""
    from leads import clock
    from leads.db import Database

    url, cache = prepare(folder)
    db = Database(url)
    try:
        with clock.frozen(SNAPSHOT_DATE):
            return {"database": url, "as_of": SNAPSHOT_DATE, **_pipeline(db, url, cache, folder, progress)}
    finally:
        db.dispose()


def _pipeline(db: Any, url: str, cache: Path, folder: Path, progress: bool) -> dict[str, Any]:
    from leads import clock
    from leads import digest as digest_mod
    from leads.crawl import run_crawl
    from leads.services.accounts import import_accounts
    from leads.services.assign import auto_assign
    from leads.services.listing import LeadFilter, list_leads
    from leads.services.matching import load_profiles, run_match
    from leads.services.people import Actor, add_rep, parse_territory, resolve_actor

    db.upgrade()
    crawl = run_crawl(
        url,
        sources(),
        source_urls=source_urls(),
        spider_args={"since": SINCE},
        overrides=replay_settings(cache),
        progress=progress,
        log_level="ERROR",
    )
    with db.session() as session:
        setup = Actor(name="demo", rep=None, bootstrap=True)
        for rep in REPS:
            add_rep(
                session,
                setup,
                name=rep["name"],
                email=None,
                role=rep["role"],
                territory=parse_territory(rep["states"], None, None),
                capacity=rep["capacity"],
            )
    with db.session() as session:
        manager = resolve_actor(session, "Morgan")
        imported = import_accounts(session, manager, SNAPSHOT / "sample_accounts.csv")
    with db.session() as session:
        manager = resolve_actor(session, "Morgan")
        matched = run_match(session, manager, profiles=load_profiles(SNAPSHOT / "profile.toml"))
    with db.session() as session:
        plan = auto_assign(session, resolve_actor(session, "Morgan"))
    with db.session() as session:
        d = digest_mod.build(session, None, crawl)
    paths = digest_mod.write(d, folder / "digests")
    with db.session(read_only=True) as session:
        # Sam's territory (New York) holds the snapshot's freshest closures: the morning a rep would have.
        sam = resolve_actor(session, DEMO_REP)
        leads = list_leads(session, sam, LeadFilter(limit=15))
    return {
        "crawl": crawl,
        "imported": imported,
        "matched": matched,
        "assigned": plan,
        "digest": paths,
        "leads": leads,
        "finished": clock.now(),
    }
