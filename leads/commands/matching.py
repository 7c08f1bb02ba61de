"""`leads match`, `leads review`, `leads why`, `leads link`: from closures to orphaned accounts, with reasons."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from leads.commands.common import App, note_truncated, pass_app
from leads.output import Fit, count_table, fit_options, output_options, pick_columns, plural, render

#: `leads review` at the terminal's width: what a reviewer compares first (the kind of link, the score, the
#: account against the closed business, the evidence), names cut with "…" before a column is left out.
REVIEW_FIT = Fit(
    order=["candidate", "kind", "score", "account", "closed_business", "evidence", "state", "city", "source",
           "account_id"],
    squeeze={"account": (12, 14), "closed_business": (12, 14), "evidence": (17, 40), "city": (8, 14)},
    short={"kind": "kind_short", "evidence": "evidence_short"},
    long_when_fits=True,
)  # fmt: skip
#: The kind of link in a word, for a narrow table (--wide shows the full kind).
KIND_SHORT = {
    "vendor_closed": "vendor",
    "account_closing": "closing",
    "competitor_nearby": "competitor",
    "customer_of_closed": "creditor",
}


def _actor(session, app: App):
    from leads.services.people import resolve_actor

    return resolve_actor(session, app.user)


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        from leads.errors import InputError

        raise InputError(f"--since {value!r} is not a date: use YYYY-MM-DD") from None


def _profile_path(explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit
    from leads.config import data_dir

    default = data_dir() / "profile.toml"
    return default if default.exists() else None


@click.command("match")
@click.option("--since", metavar="DATE", help="Only closures dated on or after DATE (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option(
    "--accept",
    type=click.FloatRange(0, 100),
    help="Accept threshold 0-100 (default chosen on the benchmarks: 78).",
)
@click.option(
    "--review",
    type=click.FloatRange(0, 100),
    help="Review threshold 0-100 (default 65), at most --accept: links between go to review.",
)
@click.option(
    "--profile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Competitor profile (TOML); default: profile.toml in the data folder if present.",
)
@output_options
@pass_app
def match(
    app: App,
    since: str | None,
    dry_run: bool,
    accept: float | None,
    review: float | None,
    profile: Path | None,
    fmt: str,
) -> None:
    """Link closures to your accounts: vendor closed, account closing, competitor closed nearby."""
    from leads.matching.records import DEFAULT_THRESHOLDS
    from leads.services.matching import load_profiles, run_match

    eff_accept = DEFAULT_THRESHOLDS.accept if accept is None else accept
    eff_review = DEFAULT_THRESHOLDS.review if review is None else review
    if eff_review > eff_accept:
        raise click.UsageError(
            f"--review ({eff_review:g}) must not be above --accept ({eff_accept:g}): links scoring from "
            "--review up to --accept go to review, at or above --accept are accepted"
        )

    profiles = load_profiles(_profile_path(profile))
    with app.database().session() as session:
        summary = run_match(
            session,
            _actor(session, app),
            since=_since(since),
            dry_run=dry_run,
            accept=accept,
            review=review,
            profiles=profiles,
        )
        if dry_run:
            session.rollback()
    if dry_run:
        click.echo("Dry run: nothing saved; a real run now would do this.", err=True)
    if fmt != "table":
        render(summary.as_rows(), ["measure", "value"], fmt)
        click.echo(summary.describe(), err=True)
        return
    kinds = summary.kind_rows()
    if kinds:
        for line in count_table(kinds, list(kinds[0])):
            click.echo(line)
        click.echo()
    else:
        click.echo("No links: no closure matched an account.")
    for line in summary.outcome_lines():
        click.echo(line)


@click.group("review", invoke_without_command=True)
@output_options
@fit_options
@click.option("--limit", type=int, default=50, show_default=True, help="How many rows (0: all).")
@click.pass_context
def review(ctx: click.Context, fmt: str, columns: str | None, wide: bool, limit: int) -> None:
    """Links in the review band: list them, then confirm or reject (a rejected pair never comes back).

    The table fits your terminal, as `leads list`: the kind of link in a word
    (vendor, closing, competitor, creditor), names and evidence cut with "…";
    --wide shows every column in full, --columns candidate,account,evidence picks them."""
    if ctx.invoked_subcommand is not None:
        return
    from leads.evidence_text import evidence_brief
    from leads.services.matching import REVIEW_COLUMNS, REVIEW_DATA_COLUMNS, count_review, review_queue

    default = REVIEW_COLUMNS if fmt == "table" else REVIEW_DATA_COLUMNS
    shown = pick_columns(columns, REVIEW_DATA_COLUMNS, default)
    app = ctx.find_object(App)
    assert app is not None  # the root group always sets it
    with app.database(must_exist=True).session(read_only=True) as session:
        rows = review_queue(session, limit=limit or None)
        note_truncated(len(rows), limit, lambda: count_review(session))
    for row in rows:
        row["kind_short"] = KIND_SHORT.get(row["kind"], row["kind"])
        row["evidence_short"] = evidence_brief(row["kind"], row.get("matched"))
    fit = (
        Fit(order=shown, squeeze=REVIEW_FIT.squeeze, short=REVIEW_FIT.short, long_when_fits=True)
        if columns
        else REVIEW_FIT
    )
    render(rows, shown, fmt, empty_message="Nothing to review.", fit=fit, wide=wide)


def _decide(decision: str):
    @click.argument("candidates", nargs=-1, type=int, required=True)
    @click.option("--note", help="Why (kept in the audit trail).")
    @pass_app
    def command(app: App, candidates: tuple[int, ...], note: str | None) -> None:
        from leads.services.matching import decide

        with app.database().session() as session:
            for line in decide(session, _actor(session, app), list(candidates), decision, note=note):
                click.echo(line)

    command.__doc__ = {
        "confirm": "Confirm CANDIDATES: the lead is created or its evidence added now.",
        "reject": "Reject CANDIDATES: these pairs are never proposed again.",
    }[decision]
    return command


review.command("confirm")(_decide("confirm"))
review.command("reject")(_decide("reject"))


@click.command("why")
@click.argument("account_id")
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
@pass_app
def why(app: App, account_id: str, as_json: bool) -> None:
    """Why ACCOUNT_ID (your account id) is, or is not, a lead: closures, sources, scores, matched strings."""
    from leads.services.matching import why_account

    with app.database(must_exist=True).session(read_only=True) as session:
        card = why_account(session, account_id)
    if as_json:
        render([card], list(card), "json")
        return
    from leads.commands.cards import evidence_lines, print_lines, wrap

    a = card["account"]
    place = ", ".join(p for p in (a["address"], " ".join(x for x in (a["city"], a["state"], a["zip"]) if x)) if p)
    print_lines(wrap(f"Account {a['id']}: {a['name']}" + (f", {place}" if place else ""), "", "    "))
    print_lines(
        wrap(
            f"incumbent vendor {a['incumbent_vendor'] or '-'}; industry {a['industry'] or '-'}"
            + ("; DO NOT CONTACT" if a["do_not_contact"] else ""),
            "  ",
        )
    )
    if not card["leads"] and not card["other_candidates"]:
        click.echo("  No closure is linked to this account.")
    for lead in card["leads"]:
        flag = " (the account itself is closing: not a prospect)" if lead["flagged_closing"] else ""
        click.echo(f"  Lead {lead['lead']} [{lead['status']}] score {lead['score']:.0f}{flag}")
        print_lines(evidence_lines(lead["evidence"], a, indent="    "))
    for c in card["other_candidates"]:
        state = "waiting in `leads review`" if c["status"] == "pending" else "rejected in review"
        click.echo(f"  Candidate {c['candidate']} ({state}):")
        print_lines(evidence_lines([c], a, indent="    "))


@click.command("link")
@click.argument("left", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("right", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write left_id,right_id,score and the evidence that carried or weakened each pair.",
)
@click.option("--threshold", type=float, help="Lowest score written (default: the accept threshold, 78).")
@click.option(
    "--one-to-one/--many-to-many",
    default=True,
    show_default=True,
    help="Each id in at most one pair, best first (two lists of distinct businesses), or every pair "
    "(a list with duplicates, branches against a head office).",
)
def link(left: Path, right: Path, out_path: Path, threshold: float | None, one_to_one: bool) -> None:
    """Link two CSV files (id, name, address, city, state, zip, optional lat/lon) with the matcher's scoring."""
    from leads.linking import link_csv

    summary = link_csv(left, right, out_path, threshold=threshold, one_to_one=one_to_one)
    click.echo(
        f"{plural(summary.pairs_written, 'pair')} at or above {summary.threshold:g} written to {summary.out_path} "
        f"({summary.left_rows} x {plural(summary.right_rows, 'row')}, {plural(summary.candidate_pairs, 'pair')} scored, "
        f"{summary.seconds:.2f} s)",
        err=True,
    )
