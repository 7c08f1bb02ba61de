"""`leads accounts ...`: import the team's account book and look through it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from leads.commands.common import App, note_truncated, pass_app
from leads.output import Fit, fit_options, output_options, pick_columns, plural, render
from leads.vocabulary import ACCOUNT_MAP_FIELDS


@click.group("accounts")
def accounts() -> None:
    """The team's account book: import a CRM export, list accounts."""


@accounts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="COLUMN=FIELD",
    help=f"Use COLUMN for FIELD ({', '.join(ACCOUNT_MAP_FIELDS)}) when the header is not recognized.",
)
@click.option("--sheet", help="The XLSX sheet to read (default: the first with recognizable headers).")
@click.option("--dry-run", is_flag=True, help="Count new, changed, unchanged and invalid rows; change nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even when some rows are invalid.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="A progress bar on stderr (default: only on an interactive terminal).",
)
@pass_app
def import_command(
    app: App,
    file: Path,
    mapping: tuple[str, ...],
    sheet: str | None,
    dry_run: bool,
    skip_invalid: bool,
    progress: bool | None,
) -> None:
    """Create and update accounts from FILE (CSV or XLSX as a CRM exports it), keyed by account id.

    Others keep working meanwhile: the rows are staged in short transactions and switched in at the
    end in one, so the book changes all at once, or not at all when a row is invalid.
    """
    from leads.services.accounts import import_accounts, parse_mapping

    pairs = parse_mapping(mapping)
    bar = _ImportProgress(file.name) if (sys.stderr.isatty() if progress is None else progress) else None
    try:
        with app.database().session(read_only=True) as session:
            from leads.services.people import resolve_actor

            report = import_accounts(
                session,
                resolve_actor(session, app.user),
                file,
                mapping=pairs,
                sheet=sheet,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                progress=bar.update if bar else None,
                after_batch=_pause_hook("1", "import paused after {} staged rows"),
                before_switch=_announce_switch,
                during_switch=_pause_hook("switch", "import paused in the switch, before its commit"),
            )
    finally:
        if bar:
            bar.stop()
    err = lambda m: click.echo(m, err=True)  # noqa: E731
    where = f" (sheet {report.sheet})" if report.sheet else f" ({report.encoding})" if report.encoding else ""
    err(f"{file}{where}: columns " + ", ".join(f"{k}={v!r}" for k, v in report.columns.items()))
    if report.encoding == "windows-1252":
        err(f"{file}: not UTF-8 and no UTF-8 characters in it: read as Windows-1252")
    for line, message in report.warnings[:50]:
        err(f"  line {line}: warning: {message}")
    if len(report.warnings) > 50:
        err(f"  ... and {len(report.warnings) - 50} more warnings")
    for line, reason in report.invalid[:200]:
        err(f"  line {line}: invalid: {reason}")
    if len(report.invalid) > 200:
        err(f"  ... and {len(report.invalid) - 200} more invalid rows")
    counts = f"{report.new} new, {report.changed} changed, {report.unchanged} unchanged, {len(report.invalid)} invalid"
    if dry_run:
        click.echo(f"Dry run: {counts}. Nothing was changed.")
    elif report.applied:
        click.echo(f"Imported {file.name}: {counts}" + (" (invalid rows skipped)." if report.invalid else "."))
    if report.invalid and not skip_invalid:
        click.echo(
            f"Error: {plural(len(report.invalid), 'invalid row')} in {file}; nothing was imported. Fix "
            f"{'it' if len(report.invalid) == 1 else 'them'}, or "
            "re-run with --skip-invalid to import the rest.",
            err=True,
        )
        sys.exit(1)


class _ImportProgress:
    """Lines read of the file, as a bar on stderr."""

    def __init__(self, name: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn(f"importing {name}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("lines"),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
        )
        self.task = self.progress.add_task("import", total=None)
        self.progress.start()

    def update(self, line: int, total: int) -> None:
        self.progress.update(self.task, completed=line, total=total)

    def stop(self) -> None:
        self.progress.stop()


def _announce_switch(rows: int) -> None:
    # The one moment a big import makes others wait (SQLite: the write lock): say so before it starts.
    if rows > CHUNK_NOTICE:
        seconds = max(1, round(rows * SWITCH_SECONDS_PER_ROW))
        click.echo(
            f"switching {rows:,} rows into the account book in one transaction; "
            f"other commands wait for it (up to about {seconds} s)",
            err=True,
        )


CHUNK_NOTICE = 5000
# Measured (bench/import_speed.py, SQLite, a 2-core machine at load 12): another writer waited 4.4 s for the switch
# of 351,748 new rows, 11.6 s for 1,000,000 (13.8-15.8 s for 351,748 before the switch kept its pages in memory).
SWITCH_SECONDS_PER_ROW = 12.5e-6
PAUSE_HOOK = "LEADS_TEST_PAUSE_IMPORT"


def _pause_hook(when: str, message: str) -> Any:
    """For tests: with LEADS_TEST_PAUSE_IMPORT=1, say so on stderr after the first staged batch and wait for a
    line on stdin, so a test can run another command while an import is under way; with =switch, the same
    inside the switch's transaction, before its commit (a test kills the import there)."""
    if os.environ.get(PAUSE_HOOK) != when:
        return None
    state = {"paused": False}

    def pause(*rows: int) -> None:
        if not state["paused"]:
            state["paused"] = True
            click.echo(f"{message.format(*rows)} ({PAUSE_HOOK})", err=True)
            sys.stdin.readline()

    return pause


#: `leads accounts list` at the terminal's width: what tells one account from another first, long names and
#: streets cut with "…" before a column is left out (``--wide`` shows all, ``--columns`` picks).
ACCOUNTS_FIT = Fit(
    order=["account_id", "name", "city", "state", "incumbent_vendor", "owner", "address", "zip", "do_not_contact",
           "industry", "phone", "website"],
    squeeze={"name": (16, 26), "incumbent_vendor": (16, 22), "address": (14, 24), "city": (10, 14),
             "industry": (12, 24), "website": (12, 24)},
)  # fmt: skip


@accounts.command("list")
@click.option("--state", metavar="ST")
@click.option("--owner", metavar="REP")
@click.option("--vendor", help="Incumbent vendor contains this text.")
@click.option("--search", help="Name or account id contains this text (any case).")
@click.option("--dnc/--no-dnc", "dnc", default=None, help="Only do-not-contact accounts, or only the others.")
@click.option("--limit", type=int, default=100, show_default=True, help="How many rows (0: all).")
@output_options
@fit_options
@pass_app
def list_command(app: App, fmt: str, columns: str | None, wide: bool, state, owner, vendor, search, dnc, limit) -> None:
    """Accounts in the book, with filters.

    The table fits your terminal: the most useful columns first, long names cut with "…";
    --wide shows every column in full, --columns account_id,name,phone picks them."""
    from leads.services.accounts import ACCOUNT_COLUMNS, count_accounts, list_accounts

    shown = pick_columns(columns, ACCOUNT_COLUMNS, ACCOUNT_COLUMNS)
    fit = Fit(order=shown, squeeze=ACCOUNTS_FIT.squeeze) if columns else ACCOUNTS_FIT

    filters = dict(state=state, owner=owner, vendor=vendor, search=search, dnc=dnc)
    with app.database(must_exist=True).session(read_only=True) as session:
        rows = list_accounts(session, **filters, limit=limit or None)
        note_truncated(len(rows), limit, lambda: count_accounts(session, **filters))
    render(rows, shown, fmt, empty_message="No accounts match.", fit=fit, wide=wide)
