"""The `leads` command line: parses options, opens a session, calls one service, renders the result.

Commands live in leads/commands/, one module per noun; heavy imports happen inside commands.
"""

from __future__ import annotations

import click

from leads import __version__
from leads.commands.accounts import accounts
from leads.commands.common import App, LeadsGroup, setup_logging
from leads.commands.crawl import crawl, parse, sources
from leads.commands.db import db_group
from leads.commands.matching import link, match, review, why
from leads.commands.nightly import demo, nightly
from leads.commands.team import assign, reps
from leads.commands.work import due, export, follow_up, history, list_command, note, show, status, today, undo


@click.group(cls=LeadsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="leads")
@click.option(
    "--db",
    "db_url",
    envvar="LEADS_DATABASE_URL",
    metavar="URL",
    help="Database URL (env LEADS_DATABASE_URL); default: a SQLite file in your data folder.",
)
@click.option(
    "--as",
    "acting_as",
    envvar="LEADS_USER",
    metavar="NAME",
    help="Who is acting (env LEADS_USER); default: your login name.",
)
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, acting_as: str | None, verbose: int) -> None:
    """Orphan-account prospecting: turn public closure notices into a worked lead list.

    Crawl closure notices, match them to your account book, and work the leads.
    """
    from leads.config import acting_user, database_url

    setup_logging(verbose)
    app = App(db_url=database_url(db_url), user=acting_user(acting_as), verbose=verbose)
    ctx.obj = app
    ctx.call_on_close(app.close)


for command in (
    db_group,
    crawl,
    sources,
    parse,
    list_command,
    today,
    status,
    note,
    follow_up,
    due,
    history,
    show,
    export,
    reps,
    assign,
    undo,
    accounts,
    match,
    review,
    why,
    link,
    nightly,
    demo,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="leads")


if __name__ == "__main__":
    main()
