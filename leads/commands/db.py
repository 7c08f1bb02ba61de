"""`leads db ...`: create, upgrade and inspect the schema."""

from __future__ import annotations

import click

from leads.commands.common import App, pass_app


@click.group("db")
def db_group() -> None:
    """Create, upgrade and inspect the database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target schema revision.")
@pass_app
def upgrade(app: App, revision: str) -> None:
    """Create the database or bring its schema up to date (safe to repeat)."""
    db = app.database(ensure_schema=False)
    before, after = db.upgrade(revision)
    if before == after:
        click.echo(f"Database {db.name} is already at schema {after}.")
    else:
        click.echo(f"Database {db.name} upgraded from {before or 'empty'} to {after}.")


@db_group.command("current")
@pass_app
def current(app: App) -> None:
    """Show the database, its schema revision and whether it is up to date."""
    db = app.database(ensure_schema=False)
    now, head = db._checked(db.current_revision), db.head_revision()
    state = "up to date" if now == head else f"behind: run `leads db upgrade` (needs {head})"
    click.echo(f"database: {db.name}\nschema:   {now or 'none (empty database)'}\nstatus:   {state}")
    if now != head:
        raise SystemExit(1)
