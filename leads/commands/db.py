"""`leads db ...`: create, upgrade and inspect the schema."""

from __future__ import annotations

import click

from leads.commands.common import App, pass_app
from leads.output import plural


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
    db.refuse_newer(now)
    state = "up to date" if now == head else f"behind: run `leads db upgrade` (needs {head})"
    click.echo(f"database: {db.name}\nschema:   {now or 'none (empty database)'}\nstatus:   {state}")
    if now != head:
        raise SystemExit(1)


@db_group.command("grant")
@click.option("--rep", "rep_name", metavar="NAME", help="Sync this rep's login only (map it with --login).")
@click.option("--login", metavar="LOGIN", help="The rep's PostgreSQL login; created (without password) if missing.")
@click.option("--all", "all_reps", is_flag=True, help="Sync every rep with a login; take stale logins out.")
@click.option(
    "--group-prefix",
    default="leads",
    show_default=True,
    metavar="PREFIX",
    help="Group roles are PREFIX_rep and PREFIX_manager (roles are per server: one prefix per "
    "lead database sharing it).",
)
@click.option("--dry-run", is_flag=True, help="Print the SQL; change nothing.")
@pass_app
def grant(app: App, rep_name: str | None, login: str | None, all_reps: bool, group_prefix: str, dry_run: bool) -> None:
    """Set up PostgreSQL logins, group roles, grants and row-level security (managers, on an admin connection).

    Safe to repeat. Run it again after `leads db upgrade` and after changing a rep's role or
    active flag, so the database's rules follow the team.
    """
    from leads.db import is_sqlite
    from leads.errors import InputError, LeadsError
    from leads.security import SQLITE_MESSAGE, apply_grants, check_admin, plan_grants
    from leads.services.people import require_manager, resolve_actor

    if is_sqlite(app.db_url):
        raise LeadsError(SQLITE_MESSAGE)
    if login and not rep_name:
        raise InputError("--login needs --rep NAME (whose login it is)")
    if bool(rep_name) == all_reps:
        raise InputError("say what to set up: --rep NAME [--login LOGIN], or --all")
    with app.database().session() as session:
        actor = resolve_actor(session, app.user)
        require_manager(actor, "set up database logins")
        check_admin(session)
        plan = plan_grants(session, group_prefix=group_prefix, rep_name=rep_name, login=login)
        if dry_run:
            session.rollback()
        else:
            apply_grants(session, plan, actor.name)
    if dry_run:
        click.echo(plan.sql, nl=False)
        click.echo(f"Dry run: {plural(len(plan.statements), 'statement')}, nothing changed.", err=True)
        return
    for change in plan.logins:
        made = " (created without a password: set one or allow it in pg_hba.conf)" if change.created else ""
        click.echo(f"{change.rep}: login {change.login}{made}, access {change.access}.")
    for revoked in plan.revoked:
        click.echo(f"{revoked}: no longer mapped to an active rep here; taken out of the groups.")
    for warning in plan.warnings:
        click.echo(f"Warning: {warning}", err=True)
    rep_group, manager_group = plan.groups
    click.echo(f"Row-level security is on in schema {plan.schema} (groups {rep_group}, {manager_group}).")
