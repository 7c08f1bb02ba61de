"""`leads nightly`: upgrade, crawl, match, auto-assign, digest — safe to repeat, loud when something fails.

Every step commits on its own, so a crash midway keeps what finished and the next run redoes the
rest without duplicates (notices upsert, matching is idempotent, assignment only touches
unassigned leads). A lock stops two runs from overlapping: a file lock next to a SQLite database,
an advisory lock on PostgreSQL.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from leads import clock
from leads.errors import LeadsError
from leads.output import plural

logger = logging.getLogger("leads.nightly")
NIGHTLY_USER = "~nightly"
LOCK_KEY = 73_615_001  # PostgreSQL advisory lock id for `leads nightly`, with the schema's hash as its second half
# An advisory lock is per database; teams (and test runs) may share one database in separate schemas, so the
# lock names the schema too: two schemas' nightly runs never block each other, two runs on one schema do.
_SCHEMA_KEY = "hashtext(current_schema())"
EXIT_LOCKED = 75  # EX_TEMPFAIL: cron wrappers can tell "already running" from "failed"


class AlreadyRunning(LeadsError):
    exit_code = EXIT_LOCKED


@dataclass
class StepResult:
    step: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class NightlyResult:
    steps: list[StepResult] = field(default_factory=list)
    crawl: list[dict[str, Any]] = field(default_factory=list)
    digest_paths: tuple[Path, ...] = ()

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)


@contextmanager
def run_lock(db: Any, data_dir: Path) -> Iterator[None]:
    """Hold the nightly lock for the whole run, or raise AlreadyRunning."""
    if db.is_sqlite:
        from sqlalchemy.engine import make_url

        path = make_url(db.url).database or "memory"
        lock_path = Path(f"{path}.nightly.lock") if path != "memory" else data_dir / "nightly.lock"
        private_folder(lock_path.parent)
        fh = open(os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600), "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise AlreadyRunning(f"another `leads nightly` is running ({holder}); this run did nothing") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()
    else:
        from sqlalchemy import text

        conn = db.engine.connect()
        try:
            got = conn.execute(text(f"select pg_try_advisory_lock(:k, {_SCHEMA_KEY})"), {"k": LOCK_KEY}).scalar()
            conn.commit()
            if not got:
                raise AlreadyRunning("another `leads nightly` is running on this database; this run did nothing")
            try:
                yield
            finally:
                conn.execute(text(f"select pg_advisory_unlock(:k, {_SCHEMA_KEY})"), {"k": LOCK_KEY})
                conn.commit()
        finally:
            conn.close()


def private_folder(folder: Path) -> Path:
    """Create ``folder`` and any missing parents mode 0700 (as the first command creates the data folder)."""
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode is masked by the umask
    return folder


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating log whose files are created 0600: the log names companies, reps and errors."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


def log_to_file(data_dir: Path) -> Path:
    """Append this run's log to data_dir/logs/nightly.log, rotated at 5 MB, five old files kept."""
    folder = private_folder(data_dir / "logs")
    path = folder / "nightly.log"
    handler = PrivateRotatingFileHandler(path, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return path


def _crash_point(step: str) -> None:
    """For tests of crash safety: LEADS_NIGHTLY_CRASH_AFTER=<step> kills the process after that step."""
    if os.environ.get("LEADS_NIGHTLY_CRASH_AFTER") == step:
        logger.error("simulated crash after %s (LEADS_NIGHTLY_CRASH_AFTER)", step)
        logging.shutdown()
        os._exit(70)


def run(
    db: Any,
    *,
    data_dir: Path,
    sources: list[str],
    source_urls: dict[str, list[str]],
    overrides: dict[str, Any],
    skip_crawl: bool = False,
    progress: bool = False,
    today: date | None = None,
    tracebacks: bool = False,
) -> NightlyResult:
    from leads.services.people import Actor

    db.check_not_newer()  # a newer schema: refuse before any step writes to it
    result = NightlyResult()
    started = clock.now()

    def step(name: str, fn: Any) -> Any:
        t = time.monotonic()
        try:
            value, detail, ok = fn()
        except Exception as exc:  # a failed step is reported; the steps after it still run where they can
            logger.exception("nightly step %s failed", name)
            result.steps.append(StepResult(name, False, f"{type(exc).__name__}: {exc}", time.monotonic() - t))
            return None
        result.steps.append(StepResult(name, ok, detail, time.monotonic() - t))
        logger.info("nightly step %s: %s", name, detail)
        _crash_point(name)
        return value

    def upgrade():
        before, after = db.upgrade()
        return None, ("schema up to date" if before == after else f"schema {before} -> {after}"), True

    step("upgrade", upgrade)
    login_name = None
    if not db.is_sqlite:
        from leads.security import database_actor_name

        try:
            with db.session(read_only=True) as session:
                # On a person's own PostgreSQL login the database writes history in that person's name only.
                login_name = database_actor_name(session)
        except LeadsError:
            pass  # no schema (the upgrade failed and said why): the steps below report their own errors
    system = Actor(name=login_name or "nightly", rep=None, bootstrap=True)

    def crawl():
        if skip_crawl:
            return [], "skipped (--no-crawl)", True
        from leads.crawl import run_crawl

        # The console hears warnings; the log file (root logger at INFO) gets the whole story.
        results = run_crawl(
            db.url,
            sources,
            source_urls=source_urls,
            overrides=overrides,
            progress=progress,
            log_level=os.environ.get("LEADS_CRAWL_LOG_LEVEL", "WARNING"),
            tracebacks=tracebacks,  # -vv: Scrapy's stacks for failed requests, else one line each
        )
        from leads.health import needs_attention  # a degraded source landed its rows: not a failed night

        bad = [r["source"] for r in results if needs_attention(r["outcome"], r.get("message") or "")]
        new = sum(r["new"] for r in results)
        detail = f"{plural(len(results), 'source')}, {plural(new, 'new notice')}" + (
            f"; failed: {', '.join(bad)}" if bad else ""
        )
        return results, detail, not bad

    result.crawl = step("crawl", crawl) or []

    def match():
        from leads.services.matching import run_match

        with db.session() as session:
            summary = run_match(session, actor=system)
        return summary, summary.describe(), True

    matched = step("match", match)

    def assign():
        from leads.services.assign import auto_assign
        from leads.services.listing import refresh_priorities

        with db.session() as session:
            refresh_priorities(session, today)
            plan = auto_assign(session, system)
        left = sum(plan.unassigned.values())
        return plan, f"{plural(len(plan.moves), 'lead')} assigned, {left} left unassigned", True

    if matched is not None:
        step("assign", assign)

    def digest():
        from leads import digest as digest_mod

        day = today or clock.today()
        # The file first: its cursor commits with the session, only after the files are written.
        with db.session() as session:
            d, paths, cut = digest_mod.write_daily(session, data_dir / "digests", day=day, crawl_results=result.crawl)
        result.digest_paths = paths
        smtp = digest_mod.SmtpSettings.from_env()
        if smtp is None:
            return paths, f"written to {paths[1]}; e-mail not configured", True
        report = digest_mod.mail(db, smtp, day=day, cut=cut, crawl_results=result.crawl)
        for rep, why in report.skipped:
            logger.warning(
                "digest e-mail to %s skipped: %s (fix it with `leads reps edit %s --email ...`)", rep, why, rep
            )
        for address, why in report.failed:
            logger.error("digest e-mail to %s failed: %s; it is sent again on the next run", address, why)
        parts = [f"{len(report.sent)} e-mails sent"]
        if report.failed:
            parts.append(
                f"{len(report.failed)} failed (retried on the next run: {', '.join(a for a, _ in report.failed)})"
            )
        if report.skipped:
            parts.append(f"{len(report.skipped)} skipped for a bad address ({', '.join(r for r, _ in report.skipped)})")
        return paths, f"written to {paths[1]}; " + "; ".join(parts), not report.failed

    step("digest", digest)

    if result.ok:
        from leads.models import UserCursor

        with db.session() as session:
            cursor = session.get(UserCursor, (NIGHTLY_USER, "last_success"))
            if cursor is None:
                session.add(UserCursor(user=NIGHTLY_USER, name="last_success", value=started))
            else:
                cursor.value = started
    return result
