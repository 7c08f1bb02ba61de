"""`leads nightly` (the one command ops schedules) and `leads demo` (the whole product, offline)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from leads.commands.common import App, pass_app
from leads.output import plural, render


@click.command("nightly")
@click.option("--source", "sources", multiple=True, metavar="SOURCE", help="Crawl only these sources (default: all).")
@click.option("--url", "urls", multiple=True, metavar="SOURCE=URL", help="Point a source elsewhere (repeatable).")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE", help="Override a Scrapy setting.")
@click.option("--no-crawl", is_flag=True, help="Skip crawling (match, assign and digest what is stored).")
@pass_app
def nightly(
    app: App, sources: tuple[str, ...], urls: tuple[str, ...], assignments: tuple[str, ...], no_crawl: bool
) -> None:
    """Upgrade the database, crawl, match, auto-assign and write the digest. Safe to re-run.

    A failed request is one line on stderr and in nightly.log (source, URL, reason); -vv adds Scrapy's
    stack traces. Exit 0 when every step and source was healthy, 1 when something failed (what succeeded is
    kept), 75 when another nightly run holds the lock.
    """
    from leads import nightly as job
    from leads.config import data_dir
    from leads.crawl import parse_setting, split_urls
    from leads.errors import InputError

    plain, per_source = split_urls(urls)
    if plain:
        raise InputError("--url needs the SOURCE=URL form in `leads nightly`")
    folder = data_dir()
    db = app.database(ensure_schema=False)
    db.check_not_newer()  # before anything is written: no log, no lock, no step on a newer database
    log_path = job.log_to_file(folder)
    try:
        with job.run_lock(db, folder):
            result = job.run(
                db,
                data_dir=folder,
                sources=list(sources),
                source_urls=per_source,
                # A failed source's message says where its details are: this log.
                overrides={**dict(parse_setting(a) for a in assignments), "LEADS_LOG_FILE": str(log_path)},
                skip_crawl=no_crawl,
                progress=sys.stderr.isatty(),
                tracebacks=app.verbose > 1,
            )
    except job.AlreadyRunning as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(job.EXIT_LOCKED)
    render(
        [{"step": s.step, "ok": s.ok, "seconds": round(s.seconds, 1), "detail": s.detail} for s in result.steps],
        ["step", "ok", "seconds", "detail"],
        "table",
    )
    if result.digest_paths:
        click.echo(f"Digest: {result.digest_paths[1]}", err=True)
    click.echo(f"Log: {log_path}", err=True)
    if not result.ok:
        failed = [s.step for s in result.steps if not s.ok]
        click.echo(f"Error: nightly finished with problems in: {', '.join(failed)}", err=True)
        sys.exit(1)


@click.command("demo")
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the demo keeps its own database and digest (default: demo/ in the data folder).",
)
def demo(folder: Path | None) -> None:
    """Run the whole product offline on real data: replay recorded agency pages through the real spiders,
    import a sample account book, match, assign, and show a rep's lead list. Never touches your database."""
    from leads import demo as demo_mod
    from leads.commands.work import LIST_FIT
    from leads.config import data_dir

    folder = folder or data_dir() / "demo"
    as_of = demo_mod.SNAPSHOT_DATE.isoformat()
    click.echo(f"Demo in {folder} (its own SQLite database; your data is not touched).", err=True)
    click.echo(
        f"The demo runs as of {as_of}, the date of the recorded snapshot (your own commands keep the real clock).",
        err=True,
    )
    click.echo(
        f"Crawling the recorded snapshot of {len(demo_mod.sources())} public sources through the real spiders...",
        err=True,
    )
    result = demo_mod.run(folder, progress=sys.stderr.isatty())
    ok = [r for r in result["crawl"] if r["outcome"] == "ok"]
    click.echo(
        f"  {sum(r['items'] for r in result['crawl'])} closure notices from {len(ok)} of "
        f"{plural(len(result['crawl']), 'source')}",
        err=True,
    )
    for r in result["crawl"]:
        if r["outcome"] != "ok":
            click.echo(f"  {r['source']}: {r['outcome']}: {r['message']}", err=True)
    imp = result["imported"]
    click.echo(
        f"Imported the sample account book: {plural(imp.new, 'account')} (real businesses; vendors are sample data).",
        err=True,
    )
    click.echo(f"Matched: {result['matched'].describe()}", err=True)
    plan = result["assigned"]
    click.echo(f"Assigned {plural(len(plan.moves), 'lead')} to the sample team.", err=True)
    rep = demo_mod.DEMO_REP
    click.echo(f"\n{rep}'s lead list (New York, New Jersey, Connecticut) on {as_of}, as `leads list` shows it:\n")
    render(
        result["leads"],
        ["lead", "priority", "why", "account", "city", "state", "status"],
        "table",
        empty_message=f"(no leads for {rep})",
        fit=LIST_FIT,
    )
    click.echo(f"\nDigest written to {result['digest'][1]} (and {result['digest'][0].name})")
    # The demo database as of the snapshot's date too: LEADS_TODAY sets the day for one command.
    explore = f"LEADS_TODAY={as_of} leads --db {result['database']} --as {rep}"
    click.echo(f"Explore it as of {as_of}:\n  {explore} list\n  {explore} show LEAD\n  {explore} why ACCOUNT")
