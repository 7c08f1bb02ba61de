"""`leads crawl`, `leads sources`, `leads parse`: gathering closure notices and watching the sources."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from leads.commands.common import App, pass_app
from leads.output import output_options, plural, render

SUMMARY_COLUMNS = ["source", "outcome", "items", "new", "updated", "unchanged", "skipped", "errors", "message"]
NOTICE_COLUMNS = [
    "source",
    "source_key",
    "company_name",
    "address",
    "city",
    "state",
    "zip5",
    "notice_type",
    "notice_date",
    "effective_date",
    "employees",
    "industry_code",
    "source_url",
    "raw",
]


@click.command("crawl")
@click.argument("sources", nargs=-1)
@click.option(
    "--url",
    "urls",
    multiple=True,
    metavar="[SOURCE=]URL",
    help="Replace a source's start URL (agencies move files): URL with one SOURCE, or SOURCE=URL (repeatable).",
)
@click.option(
    "-a",
    "--arg",
    "spider_args",
    multiple=True,
    metavar="NAME=VALUE",
    help="A spider argument, e.g. -a since=2025-01-01 (date window of search-based sources).",
)
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a Scrapy setting for this run, e.g. --set DOWNLOAD_TIMEOUT=30.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Live progress on stderr (default: only on an interactive terminal)."
)
@click.option(
    "--strict",
    is_flag=True,
    help="Also exit 1 for a degraded source (rows landed, some optional column not read) and for "
    "a source whose agency lists no notices for the window.",
)
@click.option(
    "--file",
    "saved_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Store the notices of a file saved from SOURCE's agency (as `leads parse` reads it) instead of "
    "fetching; --url then names where it was saved from.",
)
@output_options
@pass_app
def crawl(
    app: App,
    sources: tuple[str, ...],
    urls: tuple[str, ...],
    spider_args: tuple[str, ...],
    assignments: tuple[str, ...],
    progress: bool | None,
    strict: bool,
    saved_file: Path | None,
    fmt: str,
) -> None:
    """Fetch current closure notices from public sources (all sources when none is named).

    Every source runs even when others fail. Prints a per-source summary and exits 1 if any
    source errored, returned zero notices, dropped sharply against its last good run, or lost an
    essential column. A degraded source (its rows landed, an optional column was not found or an
    unknown one appeared: see `leads sources`) exits 0 unless --strict.

    With --file, one SOURCE's saved file is stored instead (re-running it updates, never duplicates).
    """
    if saved_file is not None:
        _crawl_file(app, sources, saved_file, urls, spider_args, assignments, fmt)
        return
    from leads.crawl import parse_setting, run_crawl, split_urls

    app.database()  # fail before crawling when the database is unusable
    overrides = dict(parse_setting(a) for a in assignments)
    show_progress = sys.stderr.isatty() if progress is None else progress
    level = "DEBUG" if app.verbose > 1 else "INFO" if app.verbose else "WARNING"
    arguments = {}
    for assignment in spider_args:
        name, _, value = assignment.partition("=")
        if not name or not _:
            from leads.errors import InputError

            raise InputError(f"-a expects NAME=VALUE, got {assignment!r}")
        arguments[name.strip()] = value
    plain_urls, source_urls = split_urls(urls)
    results = run_crawl(
        app.db_url,
        sources,
        urls=plain_urls,
        source_urls=source_urls,
        spider_args=arguments,
        overrides=overrides,
        progress=show_progress,
        log_level=level,
    )
    render(results, SUMMARY_COLUMNS, fmt)
    from leads.health import needs_attention

    failed = [r["source"] for r in results if needs_attention(r["outcome"], r.get("message") or "", strict=strict)]
    if failed:
        click.echo(f"Error: {len(failed)} of {len(results)} sources need attention: {', '.join(failed)}", err=True)
        sys.exit(1)


def _crawl_file(
    app: App,
    sources: tuple[str, ...],
    path: Path,
    urls: tuple[str, ...],
    spider_args: tuple[str, ...],
    assignments: tuple[str, ...],
    fmt: str,
) -> None:
    from leads.errors import InputError

    if len(sources) != 1:
        raise InputError(
            f"--file {path} needs exactly one SOURCE (the agency the file is from), e.g. leads crawl warn_va --file {path}"
        )
    if spider_args or assignments:
        raise InputError("--file reads a saved file: -a and --set apply only to fetching")
    if len(urls) > 1 or (urls and "=" in urls[0].split("://", 1)[0]):
        raise InputError("--file takes one --url: the address the file was saved from")
    from leads.crawl import ingest_saved_file

    with app.database().session() as session:
        row, skipped = ingest_saved_file(session, sources[0], path, urls[0] if urls else None)
    for line in skipped:
        click.echo(line, err=True)
    render([row], SUMMARY_COLUMNS, fmt)
    click.echo(
        f"{plural(row['items'], 'notice')} from {path} stored for {row['source']}: {row['new']} new, {row['updated']} "
        f"updated, {row['unchanged']} unchanged" + (f", {row['skipped']} skipped" if row["skipped"] else ""),
        err=True,
    )


@click.command("sources")
@output_options
@pass_app
def sources(app: App, fmt: str) -> None:
    """List every source: agency URL, format, last run, last success, notice count and freshness."""
    from leads.crawl import list_sources
    from leads.db import missing_sqlite_file
    from leads.queries import source_health
    from leads.store import latest_warnings

    health: dict = {}
    warnings: dict = {}
    # Without a database yet every source is "never run": said without creating one (a read-only command).
    if missing_sqlite_file(app.db_url) is None:
        with app.database().session(read_only=True) as session:
            health = source_health(session)
            warnings = latest_warnings(session)
    rows = []
    for info in list_sources():
        h = health.get(info.name, {})
        rows.append(
            {
                "source": info.name,
                "region": info.region,
                "format": info.source_format,
                "agency_url": info.agency_url,
                "last_run": h.get("last_run"),
                "last_outcome": h.get("last_outcome", "never run"),
                "last_success": h.get("last_success"),
                "notices": h.get("notices", 0),
                "freshness": h.get("freshness", "no notices"),
                "warnings": "; ".join(warnings.get(info.name, [])),
                "verified_on": info.verified_on,
            }
        )
    render(
        rows,
        [
            "source",
            "region",
            "format",
            "last_run",
            "last_outcome",
            "last_success",
            "notices",
            "freshness",
            "warnings",
            "verified_on",
            "agency_url",
        ],
        fmt,
    )


@click.command("parse")
@click.argument("source")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", help="The URL the file was saved from (recorded as each notice's source URL).")
@output_options
def parse(source: str, file: Path, url: str | None, fmt: str) -> None:
    """Run SOURCE's parser over a saved FILE and print the notices (no database is touched).

    For fixing a spider against a newly saved page: any file format the source publishes works.
    """
    from leads.crawl import parse_saved_file_answer

    notices, none_listed = parse_saved_file_answer(source, file, url)
    render(
        [n.as_dict() for n in notices],
        NOTICE_COLUMNS,
        fmt,
        empty_message=f"no notices in {file}: {none_listed}" if none_listed else f"no notices found in {file}",
    )
    click.echo(
        f"{plural(len(notices), 'notice')} parsed from {file}" + (f" ({none_listed})" if none_listed else ""), err=True
    )
    if not notices and not none_listed:
        sys.exit(1)
