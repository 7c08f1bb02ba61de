"""Rep commands: list, today, status, note, follow-up, due, history, show, export, undo."""

from __future__ import annotations

import sys

import click

from leads.commands.common import App, note_truncated, pass_app
from leads.items import NOTICE_TYPES
from leads.output import Fit, fit_options, output_options, pick_columns, plural, render

#: `leads list` at the terminal's width: the columns a rep reads first, names and reasons shortened with
#: an ellipsis before a column is left out (``--wide`` shows all, ``--columns`` picks).
LIST_FIT = Fit(
    order=["lead", "account", "priority", "status", "state", "why", "city", "owner", "follow_up", "account_id",
           "score", "version"],
    squeeze={"account": (16, 26), "why": (20, 36), "city": (10, 14), "owner": (8, 12)},
    short={"why": "why_short"},
)  # fmt: skip

STATUS_CHOICES = ["new", "contacted", "meeting", "proposal", "won", "lost", "disqualified"]


def _actor(session, app: App):
    from leads.services.people import resolve_actor

    return resolve_actor(session, app.user)


def _statuses_option(flag: str, dest: str, help_text: str):
    return click.option(flag, dest, multiple=True, type=click.Choice(STATUS_CHOICES), help=help_text)


def filter_options(fn=None, *, limit: int = 50):
    """The lead filters every list/export command takes; ``limit`` is the default --limit (0: all)."""
    if fn is None:
        return lambda f: filter_options(f, limit=limit)
    for decorator in reversed(
        [
            click.option(
                "--mine/--all",
                "mine",
                default=None,
                help="Only your leads (default for reps) or everyone's (default for managers).",
            ),
            click.option("--rep", metavar="NAME", help="Leads of this rep."),
            click.option("--unassigned", is_flag=True, help="Only leads nobody owns yet."),
            _statuses_option("--status", "statuses", "Only these statuses (repeatable; default: the open ones)."),
            click.option("--state", metavar="ST", help="Accounts in this state."),
            click.option("--source", metavar="SOURCE", help="Leads found through this source's notices."),
            click.option(
                "--type",
                "notice_types",
                multiple=True,
                type=click.Choice(NOTICE_TYPES),
                help="Only leads found through notices of this type, e.g. registry_closed (repeatable).",
            ),
            click.option("--min-score", type=float, help="Only leads whose match score is at least this."),
            click.option("--due", is_flag=True, help="Only leads whose follow-up is today or overdue."),
            click.option("--search", metavar="TEXT", help="Account name or id contains TEXT (any case)."),
            click.option(
                "--sort",
                metavar="FIELD[:asc|desc]",
                help="Order by priority (default), score, closes, employees, account, city, state, status, "
                "owner, follow_up or lead; each in its natural direction unless :asc or :desc is given.",
            ),
            click.option("--limit", type=int, default=limit, show_default=True, help="How many rows (0: all)."),
        ]
    ):
        fn = decorator(fn)
    return fn


def _filter(**kw):
    from leads.services.listing import LeadFilter

    return LeadFilter(
        mine=kw.get("mine"),
        rep=kw.get("rep"),
        statuses=tuple(kw.get("statuses") or ()),
        new=kw.get("new", False),
        state=kw.get("state"),
        source=kw.get("source"),
        notice_types=tuple(kw.get("notice_types") or ()),
        min_score=kw.get("min_score"),
        due=kw.get("due", False),
        unassigned=kw.get("unassigned", False),
        flagged=kw.get("flagged", False),
        search=kw.get("search"),
        sort=kw.get("sort"),
        limit=kw.get("limit") or None,
    )


@click.command("list")
@filter_options
@click.option(
    "--new",
    is_flag=True,
    help="Only leads new to you: created, or assigned to you, since --new last showed them; "
    "only the rows shown stop being new (--limit 3 leaves the rest for next time).",
)
@output_options
@fit_options
@pass_app
def list_command(app: App, fmt: str, columns: str | None, wide: bool, **kw) -> None:
    """Your lead list, highest priority first (priority = match score, closure timing, employees).

    The table fits your terminal: the most useful columns first, long names cut with "…";
    --wide shows every column in full, --columns lead,account,phone picks them."""
    from leads.services.listing import LIST_COLUMNS, LIST_FIELDS, count_leads, list_leads, mark_seen

    shown = pick_columns(columns, LIST_FIELDS, LIST_COLUMNS)
    db = app.database(must_exist=True)  # a missing SQLite path is an error, not a new empty database
    with db.session(read_only=not kw.get("new")) as session:
        actor = _actor(session, app)
        lead_filter = _filter(**kw)
        rows = list_leads(session, actor, lead_filter)
        note_truncated(len(rows), lead_filter.limit, lambda: count_leads(session, actor, lead_filter))
        if kw.get("new"):
            mark_seen(session, actor, [row["lead"] for row in rows])
    render(rows, shown, fmt, empty_message="No leads match.", fit=_fit(shown, columns), wide=wide)


def _fit(shown: list[str], picked: str | None) -> Fit:
    """Picked columns are all wanted: they fit in the order given, shortened where they may be."""
    return Fit(order=shown, squeeze=LIST_FIT.squeeze, short=LIST_FIT.short) if picked else LIST_FIT


@click.command("due")
@output_options
@fit_options
@pass_app
def due(app: App, fmt: str, columns: str | None, wide: bool) -> None:
    """Leads whose follow-up is today or overdue (the table fits your terminal, as `leads list`)."""
    from leads.services.listing import LIST_COLUMNS, LIST_FIELDS, list_leads

    shown = pick_columns(columns, LIST_FIELDS, LIST_COLUMNS)
    with app.database(must_exist=True).session(read_only=True) as session:
        rows = list_leads(session, _actor(session, app), _filter(due=True, limit=0))
    render(rows, shown, fmt, empty_message="Nothing due. Well done.", fit=_fit(shown, columns), wide=wide)


TODAY_SECTIONS = (
    ("new", "New to you", "Nothing new since you last looked."),
    ("due", "Follow-ups due today or overdue", "Nothing due."),
    ("closing", "Accounts that are closing themselves: stop selling, see `leads show`", "None closing."),
)


@click.command("today")
@click.option("--mine/--all", "mine", default=None, help="Your leads (default for reps) or everyone's (managers).")
@click.option("--limit", type=int, default=20, show_default=True, help="Rows per section (0: all).")
@output_options
@fit_options
@pass_app
def today(app: App, mine: bool | None, limit: int, fmt: str, columns: str | None, wide: bool) -> None:
    """Your day in one view: leads new to you (as `leads list --new`: the ones shown stop being new),
    follow-ups due today or overdue (as `leads due`), and your open leads whose account is itself closing.

    Each section shows its first --limit rows, highest priority first, and says how many there are.
    --json prints one object {"new": [...], "due": [...], "closing": [...]}."""
    from leads.services.listing import LIST_COLUMNS, LIST_FIELDS, count_leads, list_leads, mark_seen

    shown = pick_columns(columns, LIST_FIELDS, LIST_COLUMNS)
    filters = {
        "new": _filter(mine=mine, new=True, limit=limit),
        "due": _filter(mine=mine, due=True, limit=limit),
        "closing": _filter(mine=mine, flagged=True, limit=limit),
    }
    with app.database(must_exist=True).session() as session:
        actor = _actor(session, app)
        sections: dict[str, list[dict]] = {}
        totals: dict[str, int] = {}
        for key, lead_filter in filters.items():
            sections[key] = list_leads(session, actor, lead_filter)
            full = bool(limit) and len(sections[key]) >= limit
            totals[key] = count_leads(session, actor, lead_filter) if full else len(sections[key])
        mark_seen(session, actor, [row["lead"] for row in sections["new"]])
    if fmt in ("json", "ndjson"):
        import json

        from leads.output import _plain

        data = {key: [{c: _plain(row.get(c)) for c in shown} for row in rows] for key, rows in sections.items()}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2 if fmt == "json" else None))
        return
    for number, (key, title, empty) in enumerate(TODAY_SECTIONS):
        rows = sections[key]
        if fmt != "table":
            click.echo(f"# {key}")
            render(rows, shown, fmt)
            continue
        count = f"{totals[key]}" if totals[key] == len(rows) else f"showing {len(rows)} of {totals[key]}"
        click.echo(("\n" if number else "") + f"{title} ({count})")
        if rows:
            render(rows, shown, fmt, fit=_fit(shown, columns), wide=wide)
        else:
            click.echo(f"  {empty}")


def _version_option(fn):
    return click.option(
        "--expect-version",
        type=int,
        metavar="N",
        help="Refuse if the lead changed since you saw version N (see `leads show`).",
    )(fn)


def _where_options(fn):
    """`leads status --where-...`: the lead filters of `leads list`, named so they cannot be taken for the new status."""
    for decorator in reversed(
        [
            _statuses_option("--where-status", "where_statuses", "Leads now at this status (repeatable)."),
            click.option("--where-state", metavar="ST", help="Leads whose account is in this state."),
            click.option("--where-source", metavar="SOURCE", help="Leads found through this source's notices."),
            click.option("--where-search", metavar="TEXT", help="Leads whose account name or id contains TEXT."),
            click.option("--where-rep", metavar="NAME", help="Leads of this rep (managers)."),
        ]
    ):
        fn = decorator(fn)
    return fn


@click.command("status")
@click.argument("leads", nargs=-1, type=int, metavar="[LEAD]...")
@click.argument("status", type=click.Choice(STATUS_CHOICES))
@click.option("--note", help="What happened.")
@click.option("--reason", help="Why it was lost (required for lost), or why a do-not-contact account is worked.")
@click.option(
    "--force",
    is_flag=True,
    help="Allow reopening or moving back, or working a do-not-contact account (with --reason); logged as forced.",
)
@_version_option
@_where_options
@click.option("--dry-run", is_flag=True, help="Show what would move; change nothing.")
@pass_app
def status(
    app: App,
    leads: tuple[int, ...],
    status: str,
    note: str | None,
    reason: str | None,
    force: bool,
    expect_version: int | None,
    dry_run: bool,
    **where,
) -> None:
    """Move leads to STATUS: new → contacted → meeting → proposal → won | lost | disqualified.

    \b
    One lead:      leads status 12 contacted
    Several:       leads status 12 15 19 contacted
    By a filter:   leads status --where-state VA --where-status new contacted
    The filter picks what `leads list` with the same filters shows you (your
    own leads; a manager's: everyone's), all of them, never do-not-contact ones.
    Try it with --dry-run first. Several leads move together or not at all, as
    one operation: `leads undo` puts them back."""
    if _one_lead(leads, where, dry_run, expect_version, "leads status 12 contacted"):
        _status_one(app, leads[0], status, note, reason, force, expect_version)
        return
    from leads.services.work import set_status_bulk

    with app.database().session() as session:
        actor = _actor(session, app)
        ids = _target_ids(session, actor, leads, where)
        if not ids:
            click.echo("No leads match; nothing was changed.", err=True)
            return
        result = set_status_bulk(session, actor, ids, status, note=note, reason=reason, force=force)
        if dry_run:
            session.rollback()
    n = len(result.changes)
    _bulk_report(
        result.changes,
        result.already,
        dry_run,
        each=lambda change: f"Lead {change['lead']} is now {status}.",
        already=f"Already {status}",
        would=f"Dry run: would move {plural(n, 'lead')} to {status}; nothing was changed.",
        done=f"Moved {plural(n, 'lead')} to {status} as one operation; `leads undo` puts them back.",
    )


def _bulk_report(changes, already_ids, dry_run: bool, *, each, already: str, would: str, done: str) -> None:
    """What a bulk change did (or would do): the table of changes on a dry run, else a line per lead; the
    leads left as they were; one summary line on stderr."""
    if dry_run:
        render(changes, ["lead", "account", "from", "to"], "table", empty_message="Nothing would change.")
    else:
        for change in changes:
            click.echo(each(change))
    if already_ids:
        click.echo(f"{already}, left as they are: {', '.join(map(str, already_ids))}.", err=True)
    if dry_run:
        click.echo(would, err=True)
    elif changes:
        click.echo(done, err=True)


def _one_lead(leads: tuple[int, ...], where: dict, dry_run: bool, expect_version: int | None, example: str) -> bool:
    """Whether a work command changes one lead as before (True) or several as one operation; refuses
    lead numbers given with --where-... filters, and neither."""
    from leads.errors import InputError

    filtered = any(where.values())
    if filtered and leads:
        raise InputError("give lead numbers or --where-... filters, not both")
    if not filtered and not leads:
        raise InputError(f"say which leads: LEAD... (e.g. `{example}`) or --where-... filters")
    if len(leads) == 1 and not filtered and not dry_run:
        return True
    if expect_version is not None:
        raise InputError("--expect-version is for changing one lead (without --dry-run)")
    return False


def _target_ids(session, actor, leads: tuple[int, ...], where: dict) -> list[int]:
    """The leads given, or those `leads list` shows with the --where-... filters (all of them)."""
    if not any(where.values()):
        return list(leads)
    from leads.services.listing import list_leads

    lead_filter = _filter(
        statuses=where["where_statuses"],
        state=where["where_state"],
        source=where["where_source"],
        search=where["where_search"],
        rep=where["where_rep"],
        limit=0,
    )
    return [row["lead"] for row in list_leads(session, actor, lead_filter)]


def _status_one(
    app: App, lead: int, status: str, note: str | None, reason: str | None, force: bool, expect_version: int | None
) -> None:
    from leads.services.work import set_status

    with app.database().session() as session:
        row = set_status(
            session,
            _actor(session, app),
            lead,
            status,
            note=note,
            reason=reason,
            force=force,
            expect_version=expect_version,
        )
        click.echo(f"Lead {row.id} is now {row.status} (version {row.version}).")


@click.command("note")
@click.argument("leads", nargs=-1, type=int, metavar="[LEAD]...")
@click.argument("text")
@_version_option
@_where_options
@click.option("--dry-run", is_flag=True, help="Show which leads would get the note; change nothing.")
@pass_app
def note(app: App, leads: tuple[int, ...], text: str, expect_version: int | None, dry_run: bool, **where) -> None:
    """Add a note (TEXT) to the history of one lead, of several, or of the leads a filter picks.

    \b
    One lead:      leads note 12 "Left a voicemail"
    Several:       leads note 12 15 19 "Sent the brochure"
    By a filter:   leads note --where-state VA --where-status new "Mailed"
    The filter picks what `leads list` with the same filters shows you (your
    own leads; a manager's: everyone's). Several leads get it together or not
    at all, as one operation. Notes are history and are never deleted: `leads
    undo` of a bulk note adds a note "retracted “…”" to each lead's history
    (the note stays; neither is taken as the last note in exports)."""
    if _one_lead(leads, where, dry_run, expect_version, 'leads note 12 "Left a voicemail"'):
        from leads.services.work import add_note

        with app.database().session() as session:
            row = add_note(session, _actor(session, app), leads[0], text, expect_version=expect_version)
            click.echo(f"Note added to lead {row.id} (version {row.version}).")
        return
    from leads.services.work import add_note_bulk

    with app.database().session() as session:
        actor = _actor(session, app)
        ids = _target_ids(session, actor, leads, where)
        if not ids:
            click.echo("No leads match; nothing was changed.", err=True)
            return
        result = add_note_bulk(session, actor, ids, text)
        if dry_run:
            session.rollback()
    n = len(result.changes)
    if dry_run:
        render(result.changes, ["lead", "account"], "table")
        click.echo(f"Dry run: would add the note to {plural(n, 'lead')}; nothing was changed.", err=True)
        return
    for change in result.changes:
        click.echo(f"Note added to lead {change['lead']}.")
    click.echo(
        f"Added the note to {plural(n, 'lead')} as one operation; `leads undo` marks it retracted (notes are kept).",
        err=True,
    )


def _split_follow_up(words: tuple[str, ...]) -> tuple[tuple[int, ...], str]:
    """``12 15 19 next monday`` -> the lead numbers in front, and WHEN (no day form starts with a bare number)."""
    leads: list[int] = []
    for i, word in enumerate(words):
        if not word.isdigit():
            return tuple(leads), " ".join(words[i:])
        leads.append(int(word))
    return tuple(leads), ""


@click.command("follow-up")
@click.argument("words", nargs=-1, required=True, metavar="[LEAD]... WHEN")
@_version_option
@_where_options
@click.option("--dry-run", is_flag=True, help="Show each lead's follow-up now and what it would be; change nothing.")
@pass_app
def follow_up(app: App, words: tuple[str, ...], expect_version: int | None, dry_run: bool, **where) -> None:
    """Set the follow-up day of one lead, of several, or of the leads a filter picks, with a time if
    you like, or clear it (none).

    \b
    WHEN: today, tomorrow, +N (days; +2w, +1m), in N days|weeks|months,
    monday..sunday (the coming one), next monday (next week's), eow (this
    week's Friday), eom (the month's last day), or YYYY-MM-DD; then
    optionally a time: tomorrow 14:30, next monday 9am, 2026-12-07 9:30pm.
    Words may go unquoted: leads follow-up 12 in 2 weeks
    \b
    Several:       leads follow-up 12 15 19 next monday
    By a filter:   leads follow-up --where-state VA --where-status contacted eow
    The filter picks what `leads list` with the same filters shows you. Several
    leads change together or not at all, as one operation: `leads undo` puts
    back each lead's previous follow-up (refused, naming them, where a lead was
    worked since, unless --force)."""
    from leads import clock
    from leads.dates import describe, parse_follow_up
    from leads.errors import InputError

    leads, text = _split_follow_up(words)
    if not text:
        raise InputError("say when: e.g. `leads follow-up 12 tomorrow` (or `none` to clear it)")
    day, at = (None, None) if text.strip().lower() == "none" else parse_follow_up(text, clock.today())
    shown = describe(day, at) if day else "none"
    if _one_lead(leads, where, dry_run, expect_version, "leads follow-up 12 tomorrow"):
        from leads.services.work import set_follow_up

        with app.database().session() as session:
            row = set_follow_up(session, _actor(session, app), leads[0], day, at=at, expect_version=expect_version)
            now = describe(row.follow_up, row.follow_up_time) if row.follow_up else "none"
            click.echo(f"Lead {row.id} follow-up: {now}.")
        return
    from leads.services.work import set_follow_up_bulk

    with app.database().session() as session:
        actor = _actor(session, app)
        ids = _target_ids(session, actor, leads, where)
        if not ids:
            click.echo("No leads match; nothing was changed.", err=True)
            return
        result = set_follow_up_bulk(session, actor, ids, day, at=at)
        if dry_run:
            session.rollback()
    rows = [{**c, "from": c["from"] or "(none)", "to": c["to"] or "(none)"} for c in result.changes]
    n = len(result.changes)
    target = f"to {shown}" if day else "cleared"
    _bulk_report(
        rows,
        result.already,
        dry_run,
        each=lambda change: f"Lead {change['lead']} follow-up: {shown}.",
        already=f"Already at {shown}",
        would=f"Dry run: would set the follow-up of {plural(n, 'lead')} {target}; nothing was changed.",
        done=f"Set the follow-up of {plural(n, 'lead')} {target} as one operation; "
        "`leads undo` puts back each one's previous follow-up.",
    )


@click.command("history")
@click.argument("lead", type=int)
@output_options
@pass_app
def history(app: App, lead: int, fmt: str) -> None:
    """LEAD's audit trail: who did what, when, from what to what."""
    from leads.services.work import history as lead_history

    with app.database(must_exist=True).session(read_only=True) as session:
        rows = lead_history(session, lead)
    render(rows, ["at", "who", "action", "from", "to", "note"], fmt, empty_message="No history yet.")


@click.command("show")
@click.argument("lead", type=int)
@click.option("--json", "as_json", is_flag=True, help="The card as JSON.")
@pass_app
def show(app: App, lead: int, as_json: bool) -> None:
    """LEAD's card: the account, why it is a lead (evidence), and its history."""
    from leads.services.work import evidence_rows, get_lead
    from leads.services.work import history as lead_history

    with app.database(must_exist=True).session(read_only=True) as session:
        row = get_lead(session, lead)
        a = row.account
        card = {
            "lead": row.id,
            "status": row.status,
            "owner": row.owner.name if row.owner else None,
            "version": row.version,
            "priority": row.priority,
            "score": round(row.score, 1),
            "follow_up": row.follow_up,
            "follow_up_time": f"{row.follow_up_time:%H:%M}" if row.follow_up_time else None,
            "flagged_closing": row.flagged_closing,
            "account": {
                "id": a.external_id,
                "name": a.name,
                "address": a.address,
                "city": a.city,
                "state": a.state,
                "zip": a.zip5,
                "phone": a.phone,
                "website": a.website,
                "industry": a.industry,
                "incumbent_vendor": a.incumbent_vendor,
                "do_not_contact": a.do_not_contact,
            },
            "evidence": evidence_rows(session, row.id),
            "history": lead_history(session, row.id),
        }
    if as_json:
        render([card], list(card), "json")
        return
    from leads.commands.cards import print_card

    print_card(card)


@click.command("export")
@filter_options(limit=0)
@click.option(
    "--preset",
    type=click.Choice(["default", "hubspot", "salesforce"]),
    default="default",
    show_default=True,
    help="Column layout for the CRM you import into.",
)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write to this file (.csv or .xlsx).")
@pass_app
def export(app: App, preset: str, out_path: str | None, **kw) -> None:
    """Export leads as CSV (stdout or --out) or XLSX (--out file.xlsx); do-not-contact accounts never appear."""
    from leads.output import atomic_export, write_csv, write_xlsx
    from leads.services.listing import count_leads, export_rows

    with app.database(must_exist=True).session(read_only=True) as session:
        actor = _actor(session, app)
        lead_filter = _filter(**kw)
        columns, rows = export_rows(session, actor, lead_filter, preset)
        note_truncated(len(rows), lead_filter.limit, lambda: count_leads(session, actor, lead_filter))
    if out_path and out_path.lower().endswith(".xlsx"):
        n = atomic_export(out_path, lambda temp: write_xlsx(rows, columns, temp))
    elif out_path:

        def csv_to(temp: str) -> int:
            with open(temp, "w", newline="", encoding="utf-8") as fh:
                return write_csv(rows, columns, fh)

        n = atomic_export(out_path, csv_to)
    else:
        n = write_csv(rows, columns, sys.stdout)
    click.echo(f"{plural(n, 'lead')} exported" + (f" to {out_path}" if out_path else ""), err=True)


#: `leads undo --dry-run` shows this many rows of a big operation unless --all.
UNDO_PREVIEW_ROWS = 20
#: The undo tables at the terminal's width: long summaries and notes cut with "…" (--json for all of it).
UNDO_LIST_FIT = Fit(
    order=["operation", "at", "what", "leads", "undone", "who"], squeeze={"what": (16, 28), "who": (6, 12)}
)
UNDO_PLAN_FIT = Fit(
    order=["lead", "field", "now", "back_to", "note"],
    squeeze={"now": (10, 24), "back_to": (10, 24), "note": (16, 60)},
)


@click.command("undo")
@click.argument("operation", required=False, metavar="[OPERATION]")
@click.option("--list", "list_only", is_flag=True, help="List past bulk operations (yours; a manager's: everyone's).")
@click.option(
    "--dry-run",
    is_flag=True,
    help=f"Say what the undo would put back and show the first {UNDO_PREVIEW_ROWS} leads; change nothing.",
)
@click.option("--all", "show_all", is_flag=True, help="With --dry-run: list every lead, not the first ones.")
@click.option("--force", is_flag=True, help="Put back leads that were worked since (status, note, follow-up) too.")
@output_options
@pass_app
def undo(
    app: App, operation: str | None, list_only: bool, dry_run: bool, show_all: bool, force: bool, fmt: str
) -> None:
    """Revert a bulk operation (assignment, hand-over, bulk status, follow-up or note): your last one, or
    OPERATION (an id from --list).

    \b
    A lead changed again since the operation is left alone. If a lead was worked
    since (a status change, a note or a follow-up after it), nothing is undone
    unless --force; the leads are named. Managers undo any operation, reps only
    their own status, follow-up and note operations; inactive people none.
    Notes are history, never deleted: undoing a bulk note adds a
    note "retracted “…”" to each lead (the note stays).
    Times are UTC ("today 19:31" in the table, ISO in --json/--csv)."""
    from leads.errors import InputError
    from leads.services.undo import apply_undo, describe, list_operations, plan_undo

    if show_all and not dry_run:
        raise InputError("--all lists every lead of a --dry-run: `leads undo --dry-run --all`")
    if list_only:
        if operation or dry_run or force:
            raise InputError("--list shows operations; run `leads undo OPERATION` (or --dry-run) separately")
        with app.database(must_exist=True).session(read_only=True) as session:
            rows = list_operations(session, _actor(session, app))
        if fmt == "table":
            from leads.output import when_short

            rows = [{**row, "at": when_short(row["at"]), "undone": when_short(row["undone"])} for row in rows]
        render(
            rows,
            ["operation", "at", "who", "what", "leads", "undone"],
            fmt,
            empty_message="No bulk operations.",
            fit=UNDO_LIST_FIT,
        )
        return
    with app.database().session() as session:
        actor = _actor(session, app)
        plan = plan_undo(session, actor, operation)
        what = describe(plan.op)
        if dry_run:
            rows = [
                {
                    "lead": s.lead_id,
                    "field": s.field,
                    "now": s.now or "(none)",
                    "back_to": s.back_to or "(none)",
                    "note": "changed since: left alone"
                    if s.changed
                    else f"worked since: {s.worked}"
                    if s.worked
                    else "",
                }
                for s in plan.steps
            ]
            session.rollback()
        else:
            reverted = apply_undo(session, actor, plan, force=force)
    if dry_run:
        _undo_preview(plan, what, rows, fmt, show_all, force)
        return
    if plan.op.kind == "note_bulk":
        click.echo(f"Undid {what}: the note is marked retracted on {plural(reverted, 'lead')} (notes are kept).")
        return
    extra = f"; {plan.left_alone} left alone because they changed since" if plan.left_alone else ""
    click.echo(f"Undid {what}: {plural(reverted, 'lead')} restored{extra}.")


def _undo_preview(plan, what: str, rows: list[dict], fmt: str, show_all: bool, force: bool) -> None:
    """The summary first (what goes back, on how many leads, how many need --force), then the leads:
    in a table the first UNDO_PREVIEW_ROWS unless --all; --json/--csv always all of them."""
    fields = " and ".join(dict.fromkeys(f"the {s.field.replace('_', '-')}" for s in plan.to_revert)) or "nothing"
    parts = [f"would put back {fields} of {plural(len(plan.to_revert), 'lead')}"]
    if fields == "the note":
        parts = [f"would mark the note retracted on {plural(len(plan.to_revert), 'lead')} (notes are kept)"]
    if plan.left_alone:
        parts.append(f"{plan.left_alone} left alone because they changed since")
    worked = len(plan.worked)
    if worked:
        parts.append(f"{worked} worked since ({'put back: --force' if force else 'refused without --force'})")
    click.echo(f"Dry run: undoing {what} {'; '.join(parts)}; nothing was changed.", err=True)
    shown = rows if show_all or fmt != "table" else rows[:UNDO_PREVIEW_ROWS]
    render(
        shown, ["lead", "field", "now", "back_to", "note"], fmt, empty_message="Nothing to put back.", fit=UNDO_PLAN_FIT
    )
    if len(shown) < len(rows):
        click.echo(f"… and {len(rows) - len(shown)} more (--all to list them)", err=True)
