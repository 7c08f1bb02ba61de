"""Working a lead: status along the pipeline, notes, follow-ups, history; never losing an update.

Every change checks the lead's version: a caller that read version N and passes it as
``expect_version`` is refused when someone else changed the lead since, and concurrent writers
that raced anyway are caught by the version column (SQLAlchemy's version_id_col).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from leads import clock
from leads.errors import ConflictError, InputError, NotFound, PermissionDenied
from leads.models import OPEN_STATUSES, Activity, Evidence, Lead, Operation
from leads.output import plural
from leads.services.people import Actor

# Forward moves along the pipeline; lost and disqualified from any open status. Anything else
# (going back, reopening a closed lead) needs --force and is logged as forced.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("contacted", "meeting", "lost", "disqualified"),
    "contacted": ("meeting", "proposal", "lost", "disqualified"),
    "meeting": ("proposal", "won", "lost", "disqualified"),
    "proposal": ("won", "lost", "disqualified"),
    "won": (),
    "lost": (),
    "disqualified": (),
}
STATUSES = tuple(TRANSITIONS)
# Closing a do-not-contact account's lead contacts nobody; every other move needs --force --reason.
DNC_SAFE_STATUSES = ("lost", "disqualified")


def now_utc() -> datetime:
    return clock.now()


def get_lead(session: Session, lead_id: int) -> Lead:
    lead = session.get(Lead, lead_id, options=[joinedload(Lead.account), joinedload(Lead.owner)])
    if lead is None:
        raise NotFound(f"no lead {lead_id}")
    return lead


def when_text(value: datetime | None) -> str:
    """A stored time as people read it: '2026-12-04 09:15 UTC'."""
    if value is None:
        return "an unknown time"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def conflict(lead: Lead, expected: int | None = None) -> ConflictError:
    seen = f" (you had version {expected}, it is now {lead.version})" if expected is not None else ""
    return ConflictError(
        f"lead {lead.id} was changed by {lead.updated_by or 'someone'} at {when_text(lead.updated_at)}{seen}; "
        f"nothing was saved: check it with `leads show {lead.id}` and re-run your command"
    )


def check_can_change(actor: Actor, lead: Lead) -> None:
    if actor.is_manager:
        return
    if actor.rep is None or not actor.rep.active:
        raise PermissionDenied(f"{actor.name} is not an active member of the team")
    if lead.owner_id != actor.rep.id:
        owner = lead.owner.name if lead.owner else "nobody (unassigned)"
        raise PermissionDenied(f"lead {lead.id} belongs to {owner}; reps change only their own leads")


def begin_change(session: Session, actor: Actor, lead_id: int, expect_version: int | None) -> Lead:
    # Lock the row first (PostgreSQL; SQLite's BEGIN IMMEDIATE already serializes writers), so two
    # people changing one lead take turns and each sees the other's change: nothing is lost.
    session.execute(select(Lead.id).where(Lead.id == lead_id).with_for_update())
    lead = get_lead(session, lead_id)
    check_can_change(actor, lead)
    if expect_version is not None and lead.version != expect_version:
        raise conflict(lead, expect_version)
    return lead


def finish_change(session: Session, actor: Actor, lead: Lead, *activities: Activity) -> None:
    lead.updated_at = now_utc()
    lead.updated_by = actor.name
    for activity in activities:
        activity.lead_id = lead.id
        activity.actor = actor.name
        session.add(activity)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        fresh = session.get(Lead, lead.id, populate_existing=True)
        raise conflict(fresh or lead) from None


def set_status(
    session: Session,
    actor: Actor,
    lead_id: int,
    status: str,
    *,
    note: str | None = None,
    reason: str | None = None,
    force: bool = False,
    expect_version: int | None = None,
    batch_id: str | None = None,
) -> Lead:
    if status not in STATUSES:
        raise InputError(f"unknown status {status!r}; statuses: {', '.join(STATUSES)}")
    lead = begin_change(session, actor, lead_id, expect_version)
    old = lead.status
    if status == old:
        raise InputError(f"lead {lead.id} is already {old}")
    allowed = TRANSITIONS[old]
    forced = status not in allowed
    if forced and not force:
        options = ", ".join(allowed) if allowed else "none (it is closed)"
        raise InputError(
            f"lead {lead.id} cannot go from {old} to {status}; allowed: {options}. "
            "Use --force to reopen or move back (it is logged)"
        )
    if status == "lost" and not (reason or "").strip():
        raise InputError("a lost lead needs --reason (e.g. --reason 'signed with a competitor')")
    dnc_override = lead.account.do_not_contact and status not in DNC_SAFE_STATUSES
    if dnc_override:
        from leads.services.assign import check_do_not_contact_override

        check_do_not_contact_override([lead.id], force, reason, f"moving it to {status}")
    if status in OPEN_STATUSES and old not in OPEN_STATUSES:
        check_no_other_open_lead(session, lead)
    lead.status = status
    if status == "lost":
        lead.lost_reason = reason
    why = f"do-not-contact overridden: {reason}" if dnc_override else f"reason: {reason}" if reason else None
    text = "; ".join(x for x in (note, why) if x)
    finish_change(
        session,
        actor,
        lead,
        Activity(
            action="status_forced" if forced or dnc_override else "status",
            from_value=old,
            to_value=status,
            note=text or None,
            batch_id=batch_id,
        ),
    )
    return lead


@dataclass
class BulkStatus:
    """A status change on several leads: what each moves from and to, those left as they were."""

    status: str
    changes: list[dict[str, Any]] = field(default_factory=list)  # lead, account, from, to
    already: list[int] = field(default_factory=list)
    operation_id: str | None = None


def set_status_bulk(
    session: Session,
    actor: Actor,
    lead_ids: list[int],
    status: str,
    *,
    note: str | None = None,
    reason: str | None = None,
    force: bool = False,
) -> BulkStatus:
    """Move every lead in ``lead_ids`` to ``status`` as one operation (`leads undo` reverts it), or none.

    Each lead is checked as `leads status` checks one; if any cannot move, nothing changes and the
    error names every such lead. Leads already at ``status`` are left as they are."""
    result = BulkStatus(status)
    wanted = list(dict.fromkeys(lead_ids))
    current = dict(session.execute(select(Lead.id, Lead.status).where(Lead.id.in_(wanted))).all())
    result.already = [i for i in wanted if current.get(i) == status]
    todo = [i for i in wanted if current.get(i) != status]
    if not todo:
        return result
    op = Operation(
        id=str(uuid.uuid4()),
        actor=actor.name,
        kind="status_bulk",
        summary=f"moved {plural(len(todo), 'lead')} to {status}",
    )
    session.add(op)
    session.flush()
    problems: list[str] = []
    for lead_id in todo:
        try:
            lead = set_status(session, actor, lead_id, status, note=note, reason=reason, force=force, batch_id=op.id)
        except (InputError, NotFound, PermissionDenied) as exc:  # a conflict ends it at once
            problems.append(str(exc))
            continue
        result.changes.append({"lead": lead.id, "account": lead.account.name, "from": current[lead_id], "to": status})
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise InputError(
            f"{len(problems)} of {plural(len(wanted), 'lead')} cannot move to {status}; nothing was changed: {shown}"
        )
    result.operation_id = op.id
    return result


def check_no_other_open_lead(session: Session, lead: Lead) -> None:
    other = session.scalar(
        select(Lead.id).where(Lead.account_id == lead.account_id, Lead.id != lead.id, Lead.status.in_(OPEN_STATUSES))
    )
    if other:
        raise InputError(f"account already has open lead {other}; close it before reopening lead {lead.id}")


def add_note(
    session: Session,
    actor: Actor,
    lead_id: int,
    text: str,
    *,
    expect_version: int | None = None,
    batch_id: str | None = None,
) -> Lead:
    if not text.strip():
        raise InputError("the note is empty")
    lead = begin_change(session, actor, lead_id, expect_version)
    finish_change(session, actor, lead, Activity(action="note", note=text.strip(), batch_id=batch_id))
    return lead


def set_follow_up(
    session: Session,
    actor: Actor,
    lead_id: int,
    when: date | None,
    *,
    at: time | None = None,
    expect_version: int | None = None,
    batch_id: str | None = None,
) -> Lead:
    """Set (or clear, with None) the lead's follow-up day and, optionally, its time of day."""
    lead = begin_change(session, actor, lead_id, expect_version)
    old = follow_up_text(lead.follow_up, lead.follow_up_time)
    lead.follow_up = when
    lead.follow_up_time = at if when is not None else None
    finish_change(
        session,
        actor,
        lead,
        Activity(
            action="follow_up",
            from_value=old,
            to_value=follow_up_text(lead.follow_up, lead.follow_up_time),
            batch_id=batch_id,
        ),
    )
    return lead


@dataclass
class BulkChange:
    """One change on several leads: per lead what it was and what it is now; those already so."""

    changes: list[dict[str, Any]] = field(default_factory=list)  # lead, account, from, to
    already: list[int] = field(default_factory=list)
    operation_id: str | None = None


def _in_one_operation(
    session: Session,
    actor: Actor,
    lead_ids: list[int],
    kind: str,
    summary: str,
    change: Callable[[int, str], tuple[Lead, str | None, str | None]],
    refused: str,
) -> BulkChange:
    """Apply ``change(lead_id, operation_id)`` -> (lead, from, to) to every lead as one operation, or to none:
    each lead is checked as the one-lead command checks it, and the error names every lead refused."""
    result = BulkChange()
    op = Operation(id=str(uuid.uuid4()), actor=actor.name, kind=kind, summary=summary)
    session.add(op)
    session.flush()
    problems: list[str] = []
    for lead_id in lead_ids:
        try:
            lead, before, after = change(lead_id, op.id)
        except (InputError, NotFound, PermissionDenied) as exc:  # a conflict ends it at once
            problems.append(str(exc))
            continue
        result.changes.append({"lead": lead.id, "account": lead.account.name, "from": before, "to": after})
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise InputError(f"{len(problems)} of {plural(len(lead_ids), 'lead')} {refused}; nothing was changed: {shown}")
    result.operation_id = op.id
    return result


def set_follow_up_bulk(
    session: Session, actor: Actor, lead_ids: list[int], when: date | None, *, at: time | None = None
) -> BulkChange:
    """Set (or clear) the follow-up of every lead in ``lead_ids`` as one operation (`leads undo` puts each
    lead's previous follow-up back), or of none. Leads already at that follow-up are left as they are."""
    wanted = list(dict.fromkeys(lead_ids))
    target = follow_up_text(when, at if when is not None else None)
    rows = session.execute(select(Lead.id, Lead.follow_up, Lead.follow_up_time).where(Lead.id.in_(wanted))).all()
    current = {lead_id: follow_up_text(day, hour) for lead_id, day, hour in rows}
    already = [i for i in wanted if i in current and current[i] == target]
    todo = [i for i in wanted if i not in already]
    if not todo:
        return BulkChange(already=already)

    def change(lead_id: int, batch_id: str) -> tuple[Lead, str | None, str | None]:
        lead = set_follow_up(session, actor, lead_id, when, at=at, batch_id=batch_id)
        return lead, current.get(lead_id), target

    shown = f"to {target}" if target else "cleared"
    result = _in_one_operation(
        session,
        actor,
        todo,
        "follow_up_bulk",
        f"follow-up of {plural(len(todo), 'lead')} {shown}",
        change,
        "cannot take this follow-up",
    )
    result.already = already
    return result


def add_note_bulk(session: Session, actor: Actor, lead_ids: list[int], text: str) -> BulkChange:
    """Add the same note to every lead in ``lead_ids`` as one operation, or to none. Notes are history:
    `leads undo` of it appends a note "retracted “…”" to each lead, the note itself stays."""
    if not text.strip():
        raise InputError("the note is empty")
    wanted = list(dict.fromkeys(lead_ids))
    quoted = text.strip() if len(text.strip()) <= 40 else text.strip()[:39] + "…"

    def change(lead_id: int, batch_id: str) -> tuple[Lead, str | None, str | None]:
        return add_note(session, actor, lead_id, text, batch_id=batch_id), None, text.strip()

    return _in_one_operation(
        session,
        actor,
        wanted,
        "note_bulk",
        f"noted {plural(len(wanted), 'lead')}: “{quoted}”",
        change,
        "cannot take the note",
    )


def follow_up_text(day: date | None, at: time | None) -> str | None:
    """``2026-12-07`` or ``2026-12-07 09:00``; None when there is no follow-up."""
    if day is None:
        return None
    return f"{day.isoformat()} {at:%H:%M}" if at else day.isoformat()


def history(session: Session, lead_id: int) -> list[dict[str, Any]]:
    get_lead(session, lead_id)
    rows = session.scalars(select(Activity).where(Activity.lead_id == lead_id).order_by(Activity.at, Activity.id))
    return [
        {"at": a.at, "who": a.actor, "action": a.action, "from": a.from_value, "to": a.to_value, "note": a.note}
        for a in rows
    ]


def evidence_rows(session: Session, lead_id: int) -> list[dict[str, Any]]:
    from leads.evidence_text import notice_facts

    rows = session.scalars(
        select(Evidence)
        .options(joinedload(Evidence.notice))
        .where(Evidence.lead_id == lead_id)
        .order_by(Evidence.score.desc())
    )
    out = []
    for e in rows:
        n = e.notice
        out.append(
            {
                "kind": e.kind,
                "score": round(e.score, 1),
                "closed_business": n.company_name,
                "source": n.source,
                "notice_type": n.notice_type,
                "notice_date": n.notice_date,
                "effective_date": n.effective_date,
                "employees": n.employees,
                "city": n.city,
                "state": n.state,
                "matched": e.matched,
                "source_url": n.source_url,
                "facts": notice_facts(n.source, n.raw, n.address),
            }
        )
    return out
