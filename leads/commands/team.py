"""Manager commands: `leads reps ...` and `leads assign`."""

from __future__ import annotations

import click

from leads.commands.common import App, pass_app
from leads.output import output_options, render
from leads.vocabulary import REP_ROLES


def _actor(session, app: App):
    from leads.services.people import resolve_actor

    return resolve_actor(session, app.user)


@click.group("reps")
def reps() -> None:
    """Manage the team: reps and managers, territories, capacity."""


TERRITORY_HELP = (
    "A territory is a set of rules joined by OR: a lead is in it when the account's state is one of the states, "
    "OR its ZIP starts with one of the ZIP prefixes, OR its city is one of the cities."
)


def _territory_options(fn):
    fn = click.option("--cities", metavar="LIST", help="Comma-separated cities (replaces the cities).")(fn)
    fn = click.option("--zips", metavar="LIST", help="Comma-separated ZIP prefixes, e.g. 221,222 (replaces the ZIPs).")(
        fn
    )
    fn = click.option(
        "--states", metavar="LIST", help="Comma-separated state codes or names, e.g. VA,MD (replaces the states)."
    )(fn)
    return fn


def _territory_edit_options(fn):
    for option, what in (("cities", "cities"), ("zips", "ZIP prefixes"), ("states", "states")):
        fn = click.option(f"--remove-{option}", metavar="LIST", help=f"Take these {what} out of the territory.")(fn)
        fn = click.option(f"--add-{option}", metavar="LIST", help=f"Add these {what} to the territory.")(fn)
    return fn


@reps.command("add")
@click.argument("name")
@click.option("--email")
@click.option("--role", type=click.Choice(REP_ROLES), default="rep", show_default=True)
@_territory_options
@click.option("--capacity", type=click.IntRange(min=0), help="Most open leads this rep carries (default: no limit).")
@click.option(
    "--bootstrap",
    is_flag=True,
    help="Recovery when the team has no active manager: add (or reactivate) NAME as a manager.",
)
@pass_app
def reps_add(app: App, name: str, email: str | None, role: str, states, zips, cities, capacity, bootstrap) -> None:
    """Add a rep or manager (the first person added on a new database sets the team up).

    \b
    A territory is a set of rules joined by OR: a lead is in it when the
    account's state is one of --states, OR its ZIP starts with one of --zips,
    OR its city is one of --cities.

    If no active manager is left, whoever can write the database recovers with
    `leads reps add NAME --role manager --bootstrap` (refused while an active manager exists)."""
    from leads.errors import InputError
    from leads.services.people import add_rep, bootstrap_manager, parse_territory

    if bootstrap:
        if role != "manager":
            raise InputError("--bootstrap makes a manager: add --role manager")
        with app.database().session() as session:
            rep = bootstrap_manager(session, _actor(session, app), name=name, email=email)
            click.echo(f"{rep.name} is now an active manager (recovery with --bootstrap, logged).")
        return
    with app.database().session() as session:
        rep = add_rep(
            session,
            _actor(session, app),
            name=name,
            email=email,
            role=role,
            territory=parse_territory(states, zips, cities),
            capacity=capacity,
        )
        click.echo(f"Added {rep.role} {rep.name}.")


@reps.command("list")
@output_options
@pass_app
def reps_list(app: App, fmt: str) -> None:
    """The team with territories, capacity and open leads.

    A territory such as "states NJ,NY or zips 100,101" takes a lead whose
    account matches any one of its rules: its state OR its ZIP prefix OR its
    city.
    """
    from leads.services.people import list_reps

    with app.database(must_exist=True).session(read_only=True) as session:
        rows = list_reps(session)
    render(
        rows,
        ["name", "role", "active", "territory", "capacity", "open_leads", "email"],
        fmt,
        empty_message="No reps yet: `leads reps add NAME --role manager`.",
    )


@reps.command("edit")
@click.argument("name")
@click.option("--email")
@click.option("--role", type=click.Choice(REP_ROLES))
@_territory_options
@_territory_edit_options
@click.option("--clear-territory", is_flag=True, help="Remove every territory rule (use it alone).")
@click.option("--capacity", type=click.IntRange(min=0), help="Most open leads this rep carries.")
@click.option(
    "--active/--inactive",
    default=None,
    help="Reactivate, or deactivate a rep with no open leads (else: deactivate).",
)
@pass_app
def reps_edit(app: App, name: str, email, role, clear_territory, capacity, active, **territory) -> None:
    """Change a rep's email, role, territory, capacity or active flag.

    \b
    A territory is a set of rules joined by OR: a lead is in it when the
    account's state is one of the states, OR its ZIP starts with one of the
    ZIP prefixes, OR its city is one of the cities.
    --states/--zips/--cities replace that kind of rule only (the others stay);
    --add-states, --remove-zips, ... change one kind by the values given;
    --clear-territory removes every rule.
    """
    from leads.services.people import TerritoryEdit, edit_rep

    kinds = {"states": "states", "zip_prefixes": "zips", "cities": "cities"}
    edit = TerritoryEdit(
        replace={key: territory[option] for key, option in kinds.items()},
        add={key: territory[f"add_{option}"] for key, option in kinds.items()},
        remove={key: territory[f"remove_{option}"] for key, option in kinds.items()},
        clear=clear_territory,
    )
    with app.database().session() as session:
        rep, made = edit_rep(
            session, _actor(session, app), name, edit, email=email, role=role, capacity=capacity, active=active
        )
        rep_name = rep.name
    if made:
        click.echo(f"Updated {rep_name}: {'; '.join(made)}.")
    else:
        click.echo(f"No change to {rep_name}: it already had what was asked.")


@reps.command("deactivate")
@click.argument("name")
@click.option("--reassign", type=click.Choice(["auto"]), help="Move open leads by the automatic rules.")
@click.option("--to", "to", metavar="REP", help="Move all open leads to this rep.")
@click.option("--dry-run", is_flag=True, help="Show what would move; change nothing.")
@click.option("--force", is_flag=True, help="Hand over even past the receiving rep's capacity.")
@output_options
@pass_app
def reps_deactivate(
    app: App, name: str, reassign: str | None, to: str | None, dry_run: bool, force: bool, fmt: str
) -> None:
    """Deactivate a rep who leaves and move their open leads."""
    from leads.services.assign import deactivate

    with app.database().session() as session:
        plan = deactivate(session, _actor(session, app), name, reassign=reassign, to=to, dry_run=dry_run, force=force)
        if dry_run:
            session.rollback()
    _report(plan, dry_run, f"{name}'s open leads", fmt)


#: How a summary says the rule that moved a lead: "3 by hand", "2 to the account's owner".
RULE_WORDS = {
    "by hand": "by hand",
    "account owner": "to the account's owner",
    "territory": "by territory",
    "round-robin": "round-robin",
    "handover": "handed over",
    "unassigned": "back to unassigned",
    "do-not-contact: unassigned": "unassigned (do-not-contact)",
}


def _report(plan, dry_run: bool, what: str, fmt: str = "table") -> None:
    """Where the leads go, per receiving rep, on stdout in ``fmt``; the summary and warnings on stderr."""
    verb = "would move" if dry_run else "moved"
    render(plan.summary(), ["rep", "leads"], fmt, empty_message="Nothing to assign.")
    rules = ", ".join(f"{n} {RULE_WORDS.get(rule, rule)}" for rule, n in sorted(plan.by_rule.items())) or "none"
    click.echo(f"{'Dry run: ' if dry_run else ''}{verb} {len(plan.moves)} of {what} ({rules}).", err=True)
    if plan.warning:
        click.echo(f"Warning: {plan.warning}{' (needs --force)' if dry_run else ''}.", err=True)
    if plan.unassigned:
        reasons = "; ".join(f"{n}: {reason}" for reason, n in plan.unassigned.most_common())
        n = sum(plan.unassigned.values())
        click.echo(f"{n} {'stays' if n == 1 else 'stay'} unassigned ({reasons}).", err=True)


@click.command("assign")
@click.argument("lead_ids", nargs=-1, type=int)
@click.option("--to", "to", metavar="REP", help="Give these leads to REP.")
@click.option("--auto", "auto", is_flag=True, help="Assign unassigned leads: owner, territory, round-robin.")
@click.option("--dry-run", is_flag=True, help="Show the plan; change nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Assign anyway: past the rep's capacity, or a do-not-contact account's lead (with --reason).",
)
@click.option("--reason", help="Why a do-not-contact account's lead is assigned (logged).")
@pass_app
def assign(
    app: App,
    lead_ids: tuple[int, ...],
    to: str | None,
    auto: bool,
    dry_run: bool,
    force: bool,
    reason: str | None,
) -> None:
    """Assign leads by hand (LEAD... --to REP) or automatically (--auto)."""
    from leads.errors import InputError
    from leads.services.assign import assign_to, auto_assign

    if auto == bool(lead_ids or to):
        raise InputError("use either LEAD... --to REP, or --auto")
    if lead_ids and not to:
        raise InputError("say who gets them: --to REP")
    with app.database().session() as session:
        actor = _actor(session, app)
        if auto:
            plan = auto_assign(session, actor, dry_run=dry_run)
        else:
            assert to is not None  # checked above: without --auto, --to is required
            plan = assign_to(session, actor, list(lead_ids), to, dry_run=dry_run, force=force, reason=reason)
        if dry_run:
            session.rollback()
    _report(plan, dry_run, "the leads" if not auto else "the unassigned leads")
