"""`leads undo`: revert one bulk operation, after showing what it would do, never over later work.

A bulk operation (an assignment, a hand-over, a bulk status or follow-up change, a bulk note) is one
Operation whose activity rows carry its id. Undo puts each lead back as the operation found it, except:

- a lead changed again since (another owner, another status) is left alone: the newer decision stands;
- a lead someone *worked* since (a status change, a note or a follow-up after the operation) is
  refused, all of the undo with it, unless ``force``: the leads are named so the person can look.

A note is history, which is never rewritten: undoing a bulk note appends a note "retracted “…”" to each
lead (the note stays; neither is the CRM exports' last note); it is never refused for later work, since
it overrules nothing. Undo writes the history actions a rep's own work writes (note, follow_up,
status_forced), so on PostgreSQL logins the history triggers accept a rep's undo as her own work.

Who may undo: an active manager any operation; an active rep only their own status, follow-up and
note operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from leads.errors import ConflictError, InputError, NotFound, PermissionDenied
from leads.models import OPEN_STATUSES, Activity, Lead, Operation, Rep
from leads.output import plural
from leads.services.people import Actor
from leads.services.work import (
    check_can_change,
    check_no_other_open_lead,
    finish_change,
    follow_up_text,
    now_utc,
    when_text,
)

#: Work on a lead that an undo must not silently overrule.
WORK_ACTIONS = ("status", "status_forced", "note", "follow_up")
#: Operation kinds that move owners: only a manager undoes them.
ASSIGN_KINDS = ("assign_auto", "assign", "reassign")
STATUS_KIND = "status_bulk"
NOTE_KIND = "note_bulk"
#: The activity rows of an operation that undo puts back.
UNDONE_ACTIONS = ("assign", "status", "status_forced", "follow_up", "note")


@dataclass
class Step:
    """One lead put back: which field, what it is now, what it goes back to."""

    lead_id: int
    field: str  # "owner", "status", "follow_up" or "note"
    now: str | None
    back_to: str | None
    worked: str | None = None  # "status by ana at ...": work since the operation
    changed: bool = False  # changed again since: left alone


@dataclass
class UndoPlan:
    op: Operation
    steps: list[Step] = field(default_factory=list)

    @property
    def to_revert(self) -> list[Step]:
        return [s for s in self.steps if not s.changed]

    @property
    def worked(self) -> list[Step]:
        return [s for s in self.to_revert if s.worked]

    @property
    def left_alone(self) -> int:
        return sum(1 for s in self.steps if s.changed)


def short_id(op: Operation) -> str:
    return op.id[:8]


def describe(op: Operation) -> str:
    return f"'{op.summary}' (operation {short_id(op)}, by {op.actor} at {when_text(op.at)})"


def _check_member(actor: Actor) -> None:
    if actor.rep is None or not actor.rep.active:
        raise PermissionDenied(f"{actor.name} is not an active member of the team; only active people may undo")


def list_operations(session: Session, actor: Actor, limit: int | None = 20) -> list[dict[str, Any]]:
    """Past bulk operations, newest first: managers see everyone's, reps their own."""
    _check_member(actor)
    q = select(Operation).order_by(Operation.at.desc(), Operation.id)
    if not actor.is_manager:
        q = q.where(Operation.actor == actor.name)
    if limit:
        q = q.limit(limit)
    ops = list(session.scalars(q))
    counts = dict(
        session.execute(
            select(Activity.batch_id, func.count(func.distinct(Activity.lead_id)))
            .where(Activity.batch_id.in_([o.id for o in ops]), Activity.lead_id.is_not(None))
            .group_by(Activity.batch_id)
        ).all()
    )
    return [
        {
            "operation": short_id(o),
            "at": o.at,
            "who": o.actor,
            "what": o.summary,
            "leads": counts.get(o.id, 0),
            "undone": o.undone_at,
        }
        for o in ops
    ]


def find_operation(session: Session, actor: Actor, ref: str | None) -> Operation:
    """The operation to undo: ``ref`` (an id or its first characters), else the actor's last one not undone."""
    if ref is None:
        op = session.scalar(
            select(Operation)
            .where(Operation.actor == actor.name, Operation.undone_at.is_(None))
            .order_by(Operation.at.desc())
            .limit(1)
        )
        if op is None:
            raise NotFound(f"{actor.name} has no bulk operation to undo (`leads undo --list` shows past ones)")
        return op
    ref = ref.strip().lower()
    if len(ref) < 4:
        raise InputError(f"operation {ref!r}: give at least 4 characters of its id (see `leads undo --list`)")
    found = list(session.scalars(select(Operation).where(Operation.id.startswith(ref, autoescape=True)).limit(2)))
    if not found:
        raise NotFound(f"no operation {ref} (see `leads undo --list`)")
    if len(found) > 1:
        raise InputError(f"operation {ref} is ambiguous: give more of its id (see `leads undo --list`)")
    if found[0].undone_at is not None:
        raise InputError(f"{describe(found[0])} was already undone at {when_text(found[0].undone_at)}")
    return found[0]


def check_may_undo(actor: Actor, op: Operation) -> None:
    _check_member(actor)
    if actor.is_manager:
        return
    if op.kind in ASSIGN_KINDS:
        raise PermissionDenied(f"only managers can undo {describe(op)}; {actor.name} is a rep")
    if op.actor != actor.name:
        raise PermissionDenied(f"{describe(op)} is {op.actor}'s; a rep undoes only their own operations")


def plan_undo(session: Session, actor: Actor, ref: str | None = None) -> UndoPlan:
    """What undoing the operation would do, lead by lead; changes nothing."""
    op = find_operation(session, actor, ref)
    check_may_undo(actor, op)
    plan = UndoPlan(op)
    rows = list(
        session.scalars(
            select(Activity)
            # The operation's own rows; an undo's rows share the batch, but an undone operation is never planned again.
            .where(Activity.batch_id == op.id, Activity.action.in_(UNDONE_ACTIONS))
            .order_by(Activity.id)
        )
    )
    lead_ids = [a.lead_id for a in rows if a.lead_id is not None]
    leads = {lead.id: lead for lead in session.scalars(select(Lead).where(Lead.id.in_(lead_ids)))}
    names = {r.id: r.name for r in session.scalars(select(Rep))}
    worked = _work_since(session, op, lead_ids)
    for act in rows:
        lead = leads.get(act.lead_id or 0)
        if lead is None:
            continue
        if act.action == "assign":
            now = names.get(lead.owner_id) if lead.owner_id else None
            step = Step(lead.id, "owner", now, act.from_value, changed=now != act.to_value)
        elif act.action == "follow_up":
            now = follow_up_text(lead.follow_up, lead.follow_up_time)
            step = Step(lead.id, "follow_up", now, act.from_value, changed=now != act.to_value)
        elif act.action == "note":
            plan.steps.append(Step(lead.id, "note", act.note, "(retracted)"))
            continue  # retracting overrules no later work
        else:
            step = Step(lead.id, "status", lead.status, act.from_value, changed=lead.status != act.to_value)
        step.worked = worked.get(lead.id)
        plan.steps.append(step)
    return plan


def _work_since(session: Session, op: Operation, lead_ids: list[int]) -> dict[int, str]:
    """Per lead, the first piece of work done on it after the operation (outside the operation)."""
    out: dict[int, str] = {}
    for start in range(0, len(lead_ids), 500):
        chunk = lead_ids[start : start + 500]
        q = (
            select(Activity.lead_id, Activity.action, Activity.actor, Activity.at)
            .where(
                Activity.lead_id.in_(chunk),
                Activity.action.in_(WORK_ACTIONS),
                Activity.at >= op.at,
                (Activity.batch_id.is_(None)) | (Activity.batch_id != op.id),
            )
            .order_by(Activity.at, Activity.id)
        )
        for lead_id, action, who, at in session.execute(q):
            what = "status change" if action.startswith("status") else action.replace("_", "-")
            if lead_id is not None:
                out.setdefault(lead_id, f"{what} by {who} at {when_text(at)}")
    return out


def _follow_up_value(text: str | None) -> tuple[date | None, time | None]:
    """``2026-12-07`` or ``2026-12-07 09:00`` (as follow_up_text writes it) back to the day and time."""
    if not text:
        return None, None
    day, _, hour = text.partition(" ")
    return date.fromisoformat(day), time.fromisoformat(hour) if hour else None


def apply_undo(session: Session, actor: Actor, plan: UndoPlan, *, force: bool = False) -> int:
    """Revert the plan's leads; refused (nothing changed) while some were worked since, unless forced."""
    op = plan.op
    worked = plan.worked
    if worked and not force:
        which = ", ".join(str(s.lead_id) for s in worked[:10]) + (" ..." if len(worked) > 10 else "")
        raise InputError(
            f"worked since {describe(op)}: {plural(len(worked), 'lead')} ({which}); nothing was undone. "
            "See `leads undo --dry-run`, or add --force to put them back too"
        )
    names = {r.name: r.id for r in session.scalars(select(Rep))}
    by_id = {
        lead.id: lead for lead in session.scalars(select(Lead).where(Lead.id.in_([s.lead_id for s in plan.steps])))
    }
    reverted = 0
    for step in plan.to_revert:
        lead = by_id[step.lead_id]
        note = f"undo of {describe(op)}" + (f"; forced over {step.worked}" if step.worked else "")
        if step.field == "owner":
            lead.owner_id = names.get(step.back_to) if step.back_to else None
            action = "undo_assign"
        elif step.field == "note":
            check_can_change(actor, lead)
            activity = Activity(action="note", note=f"retracted “{step.now}”: {note}", batch_id=op.id)
            finish_change(session, actor, lead, activity)
            reverted += 1
            continue
        elif step.field == "follow_up":
            check_can_change(actor, lead)
            lead.follow_up, lead.follow_up_time = _follow_up_value(step.back_to)
            action = "follow_up"  # as a rep's own change of it records it
        else:
            check_can_change(actor, lead)  # a rep's lead given to someone else since is theirs now
            if step.back_to in OPEN_STATUSES and lead.status not in OPEN_STATUSES:
                check_no_other_open_lead(session, lead)
            lead.status = step.back_to or "new"
            if lead.status != "lost":
                lead.lost_reason = None
            action = "status_forced"  # a move back along the pipeline, as --force records it
        activity = Activity(action=action, from_value=step.now, to_value=step.back_to, note=note, batch_id=op.id)
        finish_change(session, actor, lead, activity)
        reverted += 1
    if op.kind == "reassign":
        for act in session.scalars(
            select(Activity).where(Activity.batch_id == op.id, Activity.action == "rep_deactivated")
        ):
            rep = session.scalar(select(Rep).where(Rep.name == act.subject))
            if rep is not None:
                rep.active = True
    op.undone_at = now_utc()
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError("a lead changed while undoing; nothing was undone, re-run `leads undo`") from None
    return reverted
