"""Handing out leads: by hand, by the account's owner, by territory, or round-robin within capacity.

Automatic assignment keeps the account's existing owner when that rep is active and has room;
otherwise the first rep (by name) whose territory rules match the account; otherwise the active
rep with room who has waited longest for a round-robin lead (fair across runs: the waiting times
are stored). Leads nobody can take stay unassigned, and the result says why.

Every bulk change is one Operation whose activity rows `leads undo` can revert.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, false, func, select, update
from sqlalchemy.orm import Session

from leads import clock
from leads.errors import InputError, NotFound
from leads.models import OPEN_STATUSES, Account, Activity, Lead, Operation, Rep, UserCursor, table_of
from leads.output import plural
from leads.services.people import (
    Actor,
    check_not_last_manager,
    get_rep,
    open_lead_counts,
    require_manager,
    territory_matches,
)

ROUND_ROBIN_USER = "~round-robin"  # UserCursor rows: when each rep last got a round-robin lead
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Plan:
    """What an assignment would do: (lead id, old owner id, new owner id, rule) and what stays unassigned."""

    moves: list[tuple[int, int | None, int | None, str]] = field(default_factory=list)
    unassigned: Counter[str] = field(default_factory=Counter)
    rep_names: dict[int, str] = field(default_factory=dict)
    by_rule: Counter[str] = field(default_factory=Counter)
    operation_id: str | None = None
    warning: str | None = None  # e.g. a forced (or dry-run) hand-over past a rep's capacity

    def summary(self) -> list[dict[str, Any]]:
        per_rep = Counter(self.rep_names[new] if new else "(unassigned)" for _, _, new, _ in self.moves)
        rows = [{"rep": name, "leads": n} for name, n in sorted(per_rep.items())]
        return rows


class _Pool:
    """Active reps with their room and round-robin waiting times, updated as the plan is made."""

    def __init__(self, session: Session, exclude: set[int]) -> None:
        # Locking the active reps (PostgreSQL) serializes two managers assigning at once, so the
        # second sees the first's assignments and loads; SQLite's BEGIN IMMEDIATE already does.
        active = select(Rep).where(Rep.active.is_(True)).order_by(Rep.name).with_for_update()
        self.reps = [r for r in session.scalars(active) if r.id not in exclude]
        self.by_id = {r.id: r for r in self.reps}
        self.load = open_lead_counts(session)
        waited = dict(
            session.execute(select(UserCursor.name, UserCursor.value).where(UserCursor.user == ROUND_ROBIN_USER)).all()
        )
        self.last_rr: dict[int, datetime] = {}
        for r in self.reps:
            value = waited.get(str(r.id))
            if value is not None and value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            self.last_rr[r.id] = value or EPOCH
        self.clock = clock.now()

    def has_room(self, rep_id: int) -> bool:
        rep = self.by_id.get(rep_id)
        return rep is not None and (rep.capacity is None or self.load.get(rep_id, 0) < rep.capacity)

    def take(self, rep_id: int) -> None:
        self.load[rep_id] = self.load.get(rep_id, 0) + 1

    def round_robin(self) -> int | None:
        candidates = [r for r in self.reps if r.role == "rep" and self.has_room(r.id)]
        if not candidates:
            return None
        rep = min(candidates, key=lambda r: (self.last_rr[r.id], r.name))
        # Strictly increasing stamps keep the order exact within one run.
        self.clock += timedelta(microseconds=1)
        self.last_rr[rep.id] = self.clock
        return rep.id


def plan_auto(
    session: Session, lead_ids: list[int] | None = None, exclude_rep: int | None = None, only_owner: int | None = None
) -> Plan:
    """Plan automatic assignment of unassigned open leads (or of ``only_owner``'s open leads)."""
    pool = _Pool(session, exclude={exclude_rep} if exclude_rep else set())
    plan = Plan(rep_names={r.id: r.name for r in session.scalars(select(Rep))})
    q = (
        select(
            Lead.id, Lead.owner_id, Account.owner_id, Account.state, Account.zip5, Account.city, Account.do_not_contact
        )
        .join(Account, Lead.account_id == Account.id)
        .where(Lead.status.in_(OPEN_STATUSES))
        .order_by(Lead.priority.desc(), Lead.id)
    )
    if only_owner is not None:
        # A departing rep's whole open book moves, flagged-closing leads included: the account is
        # closing and whoever takes the account must hear of it.
        q = q.where(Lead.owner_id == only_owner)
    else:
        q = q.where(Lead.owner_id.is_(None), Lead.flagged_closing == false())
    if lead_ids:
        q = q.where(Lead.id.in_(lead_ids))
    any_active = bool(pool.reps)
    for lead_id, old, account_owner, state, zip5, city, dnc in session.execute(q):
        if dnc:
            plan.unassigned["account is do-not-contact"] += 1
            if old is not None:  # nobody works it, and it does not stay with a departing rep
                plan.moves.append((lead_id, old, None, "do-not-contact: unassigned"))
                plan.by_rule["do-not-contact: unassigned"] += 1
            continue
        target, rule = None, ""
        if account_owner and account_owner != exclude_rep and account_owner in pool.by_id:
            if pool.has_room(account_owner):
                target, rule = account_owner, "account owner"
        if target is None:
            for rep in pool.reps:
                if territory_matches(rep.territory, state, zip5, city) and pool.has_room(rep.id):
                    target, rule = rep.id, "territory"
                    break
        if target is None:
            target = pool.round_robin()
            rule = "round-robin"
        if target is None:
            reason = "no active reps" if not any_active else "every active rep is at capacity"
            plan.unassigned[reason] += 1
            if old is not None:  # back to the unassigned pool, for the next `assign --auto`
                plan.moves.append((lead_id, old, None, "unassigned"))
                plan.by_rule["unassigned"] += 1
            continue
        pool.take(target)
        plan.moves.append((lead_id, old, target, rule))
        plan.by_rule[rule] += 1
    plan._rr_stamps = {rid: stamp for rid, stamp in pool.last_rr.items() if stamp is not EPOCH}  # type: ignore[attr-defined]
    return plan


def apply_plan(session: Session, actor: Actor, plan: Plan, kind: str, summary: str) -> Plan:
    """Write the plan in bulk: owners, activity rows tied to one Operation, round-robin stamps."""
    if not plan.moves:
        return plan
    op = Operation(id=str(uuid.uuid4()), actor=actor.name, kind=kind, summary=summary)
    session.add(op)
    session.flush()
    now = clock.now()
    leads_t = table_of(Lead)
    stmt = (
        update(leads_t)
        .where(leads_t.c.id == bindparam("lead_id"))
        .values(owner_id=bindparam("new_owner"), version=leads_t.c.version + 1, updated_at=now, updated_by=actor.name)
    )
    params = [{"lead_id": lead_id, "new_owner": new} for lead_id, _, new, _ in plan.moves]
    for start in range(0, len(params), 5000):
        session.execute(stmt, params[start : start + 5000])
    names = plan.rep_names
    activity = [
        {
            "at": now,
            "actor": actor.name,
            "action": "assign",
            "lead_id": lead_id,
            "from_value": names.get(old) if old else None,
            "to_value": names[new] if new else None,
            "note": rule,
            "batch_id": op.id,
        }
        for lead_id, old, new, rule in plan.moves
    ]
    for start in range(0, len(activity), 5000):
        session.execute(table_of(Activity).insert(), activity[start : start + 5000])
    for rep_id, stamp in getattr(plan, "_rr_stamps", {}).items():
        cursor = session.get(UserCursor, (ROUND_ROBIN_USER, str(rep_id)))
        if cursor is None:
            session.add(UserCursor(user=ROUND_ROBIN_USER, name=str(rep_id), value=stamp))
        else:
            cursor.value = stamp
    plan.operation_id = op.id
    return plan


def check_capacity(session: Session, rep: Rep, plan: Plan, *, force: bool) -> str | None:
    """Refuse a hand-made plan that takes ``rep`` over capacity, unless forced; forced, return the warning."""
    if rep.capacity is None:
        return None
    incoming = sum(1 for _, old, new, _ in plan.moves if new == rep.id and old != rep.id)
    carried = open_lead_counts(session).get(rep.id, 0)
    if carried + incoming <= rep.capacity:
        return None
    message = (
        f"{rep.name} would carry {carried + incoming} open leads against a capacity of {rep.capacity}"
        f" (now {carried}, {incoming} more)"
    )
    if not force:
        raise InputError(f"{message}; raise it (`leads reps edit {rep.name} --capacity N`) or add --force")
    return message


def auto_assign(session: Session, actor: Actor, *, dry_run: bool = False) -> Plan:
    require_manager(actor, "assign leads")
    plan = plan_auto(session)
    if not dry_run:
        apply_plan(session, actor, plan, "assign_auto", f"auto-assigned {plural(len(plan.moves), 'lead')}")
    return plan


def assign_to(
    session: Session,
    actor: Actor,
    lead_ids: list[int],
    rep_name: str,
    *,
    dry_run: bool = False,
    force: bool = False,
    reason: str | None = None,
) -> Plan:
    """Give leads to a rep by hand; a do-not-contact account's lead needs ``force`` and a logged ``reason``."""
    require_manager(actor, "assign leads")
    rep = get_rep(session, rep_name)
    if not rep.active:
        raise InputError(f"{rep.name} is inactive; reactivate with `leads reps edit {rep.name} --active`")
    found = dict(session.execute(select(Lead.id, Lead.owner_id).where(Lead.id.in_(lead_ids)).with_for_update()).all())
    missing = [i for i in lead_ids if i not in found]
    if missing:
        raise NotFound(f"no lead {', '.join(map(str, missing))}")
    dnc = set(
        session.scalars(
            select(Lead.id)
            .join(Account, Lead.account_id == Account.id)
            .where(Lead.id.in_(lead_ids), Account.do_not_contact.is_(True))
        )
    )
    if dnc:
        check_do_not_contact_override(sorted(dnc), force, reason, f"assigning to {rep.name}")
    plan = Plan(rep_names={r.id: r.name for r in session.scalars(select(Rep))})
    for lead_id in dict.fromkeys(lead_ids):
        if found[lead_id] != rep.id:
            rule = f"by hand, do-not-contact overridden: {reason.strip()}" if lead_id in dnc and reason else "by hand"
            plan.moves.append((lead_id, found[lead_id], rep.id, rule))
            plan.by_rule["by hand"] += 1
    plan.warning = check_capacity(session, rep, plan, force=force or dry_run)
    if not dry_run:
        apply_plan(session, actor, plan, "assign", f"assigned {plural(len(plan.moves), 'lead')} to {rep.name}")
    return plan


def check_do_not_contact_override(lead_ids: list[int], force: bool, reason: str | None, what: str) -> None:
    """Working a do-not-contact account is refused unless forced with a reason (which is logged)."""
    if force and (reason or "").strip():
        return
    which = ", ".join(map(str, lead_ids))
    noun = "leads" if len(lead_ids) > 1 else "lead"
    if force:
        raise InputError(f"--force on a do-not-contact account needs --reason TEXT (it is logged); {noun} {which}")
    raise InputError(
        f"{noun} {which}: the account is do-not-contact; nothing was changed. "
        f"If you must ({what}), add --force --reason TEXT (logged in the lead's history)"
    )


def deactivate(
    session: Session,
    actor: Actor,
    rep_name: str,
    *,
    reassign: str | None,
    to: str | None,
    dry_run: bool = False,
    force: bool = False,
) -> Plan:
    """Deactivate a rep and move their open leads (and accounts) to others."""
    require_manager(actor, "deactivate reps")
    rep = get_rep(session, rep_name)
    check_not_last_manager(session, rep, "deactivating them")
    if to and reassign:
        raise InputError("use --reassign auto or --to REP, not both")
    open_count = (
        session.scalar(
            select(func.count()).select_from(Lead).where(Lead.owner_id == rep.id, Lead.status.in_(OPEN_STATUSES))
        )
        or 0
    )
    if open_count and not (to or reassign == "auto"):
        raise InputError(
            f"{rep.name} has {plural(open_count, 'open lead')}: say where they go (--reassign auto or --to REP)"
        )
    if to:
        target = get_rep(session, to)
        if not target.active or target.id == rep.id:
            raise InputError(f"{target.name} cannot take {rep.name}'s leads (inactive or the same rep)")
        plan = Plan(rep_names={r.id: r.name for r in session.scalars(select(Rep))})
        for lead_id, dnc in session.execute(
            select(Lead.id, Account.do_not_contact)
            .join(Account, Lead.account_id == Account.id)
            .where(Lead.owner_id == rep.id, Lead.status.in_(OPEN_STATUSES))
            .order_by(Lead.id)
        ):
            rule = "do-not-contact: unassigned" if dnc else "handover"
            if dnc:
                plan.unassigned["account is do-not-contact"] += 1
            plan.moves.append((lead_id, rep.id, None if dnc else target.id, rule))
            plan.by_rule[rule] += 1
        plan.warning = check_capacity(session, target, plan, force=force or dry_run)
    else:
        plan = plan_auto(session, exclude_rep=rep.id, only_owner=rep.id)
    if dry_run:
        return plan
    apply_plan(session, actor, plan, "reassign", f"deactivated {rep.name}; moved {plural(len(plan.moves), 'lead')}")
    rep.active = False
    # The departing rep's accounts follow their leads; accounts without a moved lead become unowned.
    new_owner = {lead_id: new for lead_id, _, new, _ in plan.moves if new is not None}
    for lead_id, account_id in session.execute(select(Lead.id, Lead.account_id).where(Lead.id.in_(new_owner))):
        session.execute(
            update(Account)
            .where(Account.id == account_id, Account.owner_id == rep.id)
            .values(owner_id=new_owner[lead_id])
        )
    session.execute(update(Account).where(Account.owner_id == rep.id).values(owner_id=None))
    session.add(
        Activity(
            actor=actor.name,
            action="rep_deactivated",
            subject=rep.name,
            batch_id=plan.operation_id,
            note=f"{len(plan.moves)} open leads moved",
        )
    )
    return plan
