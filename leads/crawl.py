"""Running crawls: every requested source in one Scrapy process, each judged and recorded on its own.

Scrapy is imported here and only here (and in spiders/), so the rest of the CLI starts fast.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from leads import clock
from leads.errors import AGENCY_LISTS_NONE, InputError, LeadsError, NoNoticesListed
from leads.registry import SourceInfo, _loader, sources, spider_class  # noqa: F401  (the registry)

logger = logging.getLogger("leads.crawl")


def list_sources() -> list[SourceInfo]:
    return sources()


def split_urls(values: Sequence[str], known: Sequence[str] | None = None) -> tuple[list[str], dict[str, list[str]]]:
    """--url values: plain URLs, and SOURCE=URL pairs that point one of several sources elsewhere."""
    plain: list[str] = []
    per_source: dict[str, list[str]] = {}
    for value in values:
        name, sep, url = value.partition("=")
        if sep and "://" not in name and "/" not in name:
            per_source.setdefault(name.strip(), []).append(url.strip())
        else:
            plain.append(value)
    return plain, per_source


def parse_setting(assignment: str) -> tuple[str, Any]:
    """KEY=VALUE from --set; VALUE read as JSON when it is JSON (numbers, true/false), else as text."""
    if "=" not in assignment:
        raise InputError(f"--set expects KEY=VALUE, got {assignment!r}")
    key, value = assignment.split("=", 1)
    try:
        return key.strip(), json.loads(value)
    except ValueError:
        return key.strip(), value


# The Scrapy loggers that report a failed request (with a traceback) during a crawl.
SCRAPY_REQUEST_LOGGERS = (
    "scrapy.downloadermiddlewares.retry",
    "scrapy.downloadermiddlewares.robotstxt",
    "scrapy.core.scraper",
    "scrapy.core.engine",
    "scrapy.utils.signal",
    "scrapy.utils.defer",
)


class OneLinePerFailedRequest(logging.Filter):
    """Without -vv, a failed request is one line on the console and in the log file, not a stack.

    Scrapy logs a network failure up to three times, each with a traceback: the retry middleware
    gives up, the robots.txt middleware reports the page whose robots.txt failed, and the spider's
    errback (spiders/base.py) names the source and the URL. Kept: the spider's line, and the retry
    line for robots.txt (nothing else reports that); tracebacks of network errors are dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("scrapy."):
            return True
        message = record.getMessage()
        if record.name == "scrapy.downloadermiddlewares.retry" and message.startswith("Gave up retrying"):
            if "/robots.txt" not in message.split(" (failed", 1)[0]:
                return False
            _name_the_source(record)
            return True
        if record.name == "scrapy.downloadermiddlewares.robotstxt" and message.startswith("Error downloading"):
            return False
        if record.exc_info and _network_error(record.exc_info[1]):
            record.exc_info = None
            record.exc_text = None
        return True


def _name_the_source(record: logging.LogRecord) -> None:
    """Scrapy's "Gave up retrying <GET .../robots.txt>" as one line naming the source, URL and reason."""
    args = record.args if isinstance(record.args, dict) else {}
    spider = getattr(record, "spider", None)
    request = args.get("request")
    if spider is None or request is None:
        return
    from leads.output import plural

    record.msg = "source %(source)s: robots.txt unreadable at %(url)s (%(reason)s; gave up after %(tries)s)"
    record.args = {
        "source": getattr(spider, "name", spider),
        "url": getattr(request, "url", request),
        "reason": str(args.get("reason", "")).rstrip("."),
        "tries": plural(int(args.get("retry_times", 0)), "try"),
    }
    record.exc_info = record.exc_text = None


def _network_error(exc: BaseException | None) -> bool:
    while exc is not None:
        module = type(exc).__module__
        if module.startswith("twisted.") or isinstance(exc, (OSError, TimeoutError)):
            return True
        if module.startswith("scrapy.") and "Download" in type(exc).__name__:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def run_crawl(
    db_url: str,
    sources: Sequence[str],
    *,
    urls: Sequence[str] = (),
    source_urls: dict[str, list[str]] | None = None,
    spider_args: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
    progress: bool = False,
    log_level: str = "WARNING",
    tracebacks: bool | None = None,
) -> list[dict[str, Any]]:
    """Crawl the sources (all when empty) and return one result per source; never raises for a bad source.

    ``tracebacks`` (default: when log_level is DEBUG, i.e. -vv) keeps Scrapy's stacks for failed requests.
    """
    from scrapy.crawler import CrawlerProcess

    from leads.scrapy_settings import crawl_settings

    loader = _loader(overrides)
    known = sorted(loader.list())
    names = list(dict.fromkeys(sources)) or list(source_urls or {}) or known
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(f"unknown source {', '.join(unknown)}; known sources: {', '.join(known)}")
    if urls and len(names) != 1:
        raise InputError("--url URL replaces one source's start URL: name exactly one source, or use --url SOURCE=URL")
    source_urls = dict(source_urls or {})
    if urls:
        source_urls.setdefault(names[0], []).extend(urls)
    stray = [n for n in source_urls if n not in names]
    if stray:
        raise InputError(f"--url for {', '.join(stray)}, which is not being crawled")

    settings = crawl_settings({"LOG_LEVEL": log_level, **(overrides or {}), "LEADS_DATABASE_URL": db_url})
    # Scrapy installs its own root log handler at LOG_LEVEL; drop the CLI's so lines are not doubled.
    root = logging.getLogger()
    for handler in list(root.handlers):
        if type(handler) is logging.StreamHandler:  # the CLI's console handler; log files stay
            root.removeHandler(handler)
    incremental = [n for n in names if getattr(loader.load(n), "incremental", False)]
    since = changed_since(db_url, incremental) if incremental and "changed_since" not in (spider_args or {}) else {}
    process = CrawlerProcess(settings)
    one_line = None
    if not (log_level.upper() == "DEBUG" if tracebacks is None else tracebacks):
        # On the loggers, not the handlers: Scrapy replaces its root handler when a spider's settings load.
        one_line = OneLinePerFailedRequest()
        for name in SCRAPY_REQUEST_LOGGERS:
            logging.getLogger(name).addFilter(one_line)
    crawlers = []
    not_started: dict[str, str] = {}
    for name in names:
        crawler = process.create_crawler(loader.load(name))
        kwargs: dict[str, Any] = dict(spider_args or {})
        if name in since:
            kwargs["changed_since"] = since[name]
        if source_urls.get(name):
            kwargs["url"] = list(source_urls[name])
        started = process.crawl(crawler, **kwargs)
        # A spider that cannot start (bad -a argument, broken module) says why in its result.
        started.addErrback(_remember_failure, not_started, name)
        crawlers.append((name, crawler))

    display = _Progress(names) if progress else None
    if display:
        for name, crawler in crawlers:
            display.attach(name, crawler)
    try:
        process.start()
    finally:
        if display:
            display.stop()
        if one_line is not None:
            for name in SCRAPY_REQUEST_LOGGERS:
                logging.getLogger(name).removeFilter(one_line)

    results = []
    for name, crawler in crawlers:
        result = getattr(crawler, "leads_result", None)
        if result is None:  # the spider never opened (bad arguments, import error): still report it
            result = {
                "source": name,
                "outcome": "failed",
                "items": 0,
                "new": 0,
                "updated": 0,
                "unchanged": 0,
                "skipped": 0,
                "errors": 1,
                "message": f"the spider did not run: {not_started.get(name) or 'it stopped before opening'}",
            }
        results.append(result)
    return results


def _remember_failure(failure: Any, into: dict[str, str], name: str) -> None:
    """Errback of a crawl that did not start: keep its reason for the source's result (and swallow it)."""
    into.setdefault(name, f"{type(failure.value).__name__}: {failure.getErrorMessage()}")


def changed_since(db_url: str, names: Sequence[str]) -> dict[str, str]:
    """For incremental sources: the day before each one's last good run ("full" when it has none).

    The day of margin covers the clock of the publisher and rows whose change was committed while
    the last run was reading.
    """
    from datetime import timedelta

    from leads.db import Database
    from leads.store import last_good_run_started

    db = Database(db_url)
    try:
        with db.session(read_only=True) as session:
            started = {name: last_good_run_started(session, name) for name in names}
    finally:
        db.dispose()
    return {name: (when.date() - timedelta(days=1)).isoformat() if when else "full" for name, when in started.items()}


class _Progress:
    """A live per-source counter on an interactive terminal (stderr)."""

    def __init__(self, names: Sequence[str]) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.fields[items]} notices"),
            TimeElapsedColumn(),
            console=Console(file=sys.stderr),
            transient=False,
        )
        self.tasks = {n: self.progress.add_task(n, total=None, items=0) for n in names}
        self.progress.start()

    def attach(self, name: str, crawler: Any) -> None:
        from scrapy import signals

        task = self.tasks[name]

        def scraped(item: Any, response: Any = None, spider: Any = None) -> None:
            count = self.progress.tasks[task].fields["items"] + 1
            self.progress.update(task, items=count)

        def closed(spider: Any, reason: str) -> None:
            self.progress.update(task, description=f"{name} ({reason})", total=1, completed=1)

        crawler.signals.connect(scraped, signal=signals.item_scraped, weak=False)
        crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)

    def stop(self) -> None:
        self.progress.stop()


def parse_saved_file(source: str, path: Path, url: str | None = None) -> list[Any]:
    """Run a source's parser over a saved file, without a crawl or a database.

    A page where the agency says it lists no notices gives [] (raising NoNoticesListed is the
    parser's way to say so); read :func:`parse_saved_file_answer` to tell that from a page holding none.
    """
    return parse_saved_file_answer(source, path, url)[0]


def parse_saved_file_answer(source: str, path: Path, url: str | None = None) -> tuple[list[Any], str | None]:
    """(notices, why there are none): the reason is set when the agency's page says it lists none."""
    from scrapy.http import Response, TextResponse
    from scrapy.responsetypes import responsetypes

    from leads.errors import LayoutChanged

    cls = spider_class(source)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    response_cls = responsetypes.from_args(filename=path.name, body=body)
    if response_cls is Response and path.suffix.lower() in (".csv", ".json", ".txt"):
        response_cls = TextResponse
    response = response_cls(url=url or path.resolve().as_uri(), body=body)
    spider = cls()
    try:
        return list(spider.parse_file(response)), None
    except NoNoticesListed:
        return [], AGENCY_LISTS_NONE
    except LayoutChanged as exc:
        raise LeadsError(f"{path}: {exc}") from exc
    except Exception as exc:
        raise LeadsError(f"{path}: the {source} parser failed: {type(exc).__name__}: {exc}") from exc


def ingest_saved_file(
    session: Any, source: str, path: Path, url: str | None = None, now: Any = None
) -> tuple[dict[str, Any], list[str]]:
    """Store the notices of a saved agency file as a crawl of SOURCE would (upsert on source and key).

    Returns the summary row and one line per skipped notice. The file is parsed and checked whole
    before anything is written, so a file that cannot be read stores nothing; the caller commits.
    A file is not a crawl: no crawl run is recorded, so `leads sources` still reports the live source's
    health and an incremental source's next crawl still starts from its last real run.
    """

    from leads.pipelines import clean_raw_nul, validation_problem
    from leads.store import Rejected, upsert_notices

    notices, none_listed = parse_saved_file_answer(source, path, url)
    kept: dict[str, Any] = {}
    skipped: list[str] = []
    for notice in notices:
        problem = validation_problem(notice)
        if problem:
            skipped.append(f"{path}: invalid notice {notice.source_key!r} ({problem}): skipped")
            continue
        notice.raw, _ = clean_raw_nul(notice.raw)
        kept[notice.source_key] = notice  # a notice listed twice in one file counts once (the last)
    if not kept:
        why = none_listed or (f"all {len(notices)} were invalid" if notices else f"nothing the {source} parser reads")
        raise InputError(f"{path}: no notices to store for {source} ({why}); nothing was stored")
    rejected: list[Rejected] = []
    counts = upsert_notices(session, list(kept.values()), now or clock.now(), rejected)
    skipped += [f"{path}: the database refused notice {r.notice.source_key!r} ({r.reason}): skipped" for r in rejected]
    row = {
        "source": source,
        "outcome": "ok",
        "items": len(kept) - len(rejected),
        "new": counts.new,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "skipped": len(skipped),
        "errors": 0,
        "message": f"from file {path.name}",
    }
    return row, skipped
