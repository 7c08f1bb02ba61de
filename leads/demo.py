"""`leads demo`: the whole product offline, on real data, in its own database.

A recorded snapshot of the real agency responses (Scrapy's HTTP cache, under the agencies' real
URLs) is replayed through the real spiders; a sample account book built from real public business
records is imported; matching, assignment and the digest run as they do at night.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).parent / "data" / "demo"
SINCE = "2010-01-01"  # the snapshot holds notices back to 2012

# The start URLs the snapshot was recorded from: each agency's real address (see scripts/record_demo.py).
SOURCES: dict[str, list[str]] = {
    "warn_ia": ["https://www.iowaworkforcedevelopment.gov/worker-adjustment-and-retraining-notification-act"],
    "warn_ne": ["https://dol.nebraska.gov/LayoffServices/WARNReportData/?year=2015"],
    "warn_ny": ["https://public.tableau.com/views/WorkerAdjustmentRetrainingNotificationWARN/WARN.csv"
                "?:showVizHome=no"],
    "warn_va": ["https://www.virginiaworks.gov/warn_notices.csv"],
    "warn_tn": ["https://www.tn.gov/content/dam/tn/workforce/documents/majorpublications/reports/"
                "WarnReportByMonth.pdf"],
    "warn_ca": ["https://edd.ca.gov/siteassets/files/jobs_and_training/warn/warn_report.xlsx",
                "https://edd.ca.gov/siteassets/files/jobs_and_training/warn/warn-report-for-7-1-2018-to-06-30-2019.pdf",
                "https://edd.ca.gov/siteassets/files/jobs_and_training/warn/warnreportfor7-1-2014to06-30-2015.pdf"],
    "jobcenter_ok": ["https://okjobmatch.com/search/warn_lookups?utf8=%E2%9C%93&q%5Bemployer_name_cont%5D=&q%5B"
                     "main_contact_contact_info_addresses_full_location_city_matches%5D=&q%5Bzipcode_code_start%5D="
                     "&q%5Bservice_delivery_area_id_eq%5D=&q%5Bnotice_on_gteq%5D=2021-01-01&q%5Bnotice_on_lteq%5D="
                     "2021-02-03&q%5Bnotice_eq%5D=&commit=Search"],
    "registry_ca_sf": [],  # the spider's own query URL for --since 2010-01-01
}

REPS = [  # sample team
    {"name": "Morgan", "role": "manager", "states": None, "capacity": None},
    {"name": "Alex", "role": "rep", "states": "CA", "capacity": 200},
    {"name": "Sam", "role": "rep", "states": "NY,NJ,CT", "capacity": 200},
    {"name": "Jordan", "role": "rep", "states": None, "capacity": 200},
]


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
DEMO_ENTRIES = ("demo.db", "demo.db-wal", "demo.db-shm", "demo.db-journal", "demo.db.nightly.lock",
                "httpcache", "digests")


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


def source_urls() -> dict[str, list[str]]:
    from spiders.registry_ca_sf import RegistryCaSfSpider

    urls = {k: list(v) for k, v in SOURCES.items()}
    urls["registry_ca_sf"] = [RegistryCaSfSpider.query_url(SINCE)]
    return urls


def run(folder: Path, *, progress: bool = False) -> dict[str, Any]:
    """The whole pipeline on the snapshot; returns what happened for the command to print."""
    from leads.crawl import run_crawl
    from leads.db import Database
    from leads.services.accounts import import_accounts
    from leads.services.assign import auto_assign
    from leads.services.matching import load_profiles, run_match
    from leads.services.people import Actor, add_rep, parse_territory, resolve_actor

    url, cache = prepare(folder)
    db = Database(url)
    try:
        db.upgrade()
        crawl = run_crawl(url, list(SOURCES), source_urls=source_urls(), spider_args={"since": SINCE},
                          overrides=replay_settings(cache), progress=progress, log_level="ERROR")
        with db.session() as session:
            setup = Actor(name="demo", rep=None, bootstrap=True)
            for rep in REPS:
                add_rep(session, setup, name=rep["name"], email=None, role=rep["role"],
                        territory=parse_territory(rep["states"], None, None), capacity=rep["capacity"])
        with db.session() as session:
            manager = resolve_actor(session, "Morgan")
            imported = import_accounts(session, manager, SNAPSHOT / "sample_accounts.csv")
        with db.session() as session:
            manager = resolve_actor(session, "Morgan")
            matched = run_match(session, manager, profiles=load_profiles(SNAPSHOT / "profile.toml"))
        with db.session() as session:
            plan = auto_assign(session, resolve_actor(session, "Morgan"))
        from datetime import datetime, timezone

        from leads import digest as digest_mod

        with db.session() as session:
            d = digest_mod.build(session, None, crawl)
        paths = digest_mod.write(d, folder / "digests")
        from leads.services.listing import LeadFilter, list_leads

        with db.session(read_only=True) as session:
            alex = resolve_actor(session, "Alex")
            leads = list_leads(session, alex, LeadFilter(limit=15))
        return {"database": url, "crawl": crawl, "imported": imported, "matched": matched, "assigned": plan,
                "digest": paths, "leads": leads, "finished": datetime.now(timezone.utc)}
    finally:
        db.dispose()
