"""Reps and managers: who is acting, what they may do, and managing the team."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leads.errors import InputError, NotFound, PermissionDenied
from leads.models import OPEN_STATUSES, REP_ROLES, Activity, Lead, Rep
from leads.security import acting_name


@dataclass(frozen=True)
class Actor:
    """The person running a command. ``rep`` is None for someone not (yet) on the team."""

    name: str
    rep: Rep | None
    bootstrap: bool = False  # no reps exist yet: the first user may set the team up

    @property
    def is_manager(self) -> bool:
        return self.bootstrap or (self.rep is not None and self.rep.active and self.rep.role == "manager")

    @property
    def rep_id(self) -> int | None:
        return self.rep.id if self.rep is not None else None


def resolve_actor(session: Session, name: str) -> Actor:
    # On PostgreSQL a rep's own login decides who they are, whatever --as says.
    name = acting_name(session, name)
    rep = session.scalar(select(Rep).where(func.lower(Rep.name) == name.lower()))
    if rep is None:
        any_rep = session.scalar(select(Rep.id).limit(1))
        return Actor(name=name, rep=None, bootstrap=any_rep is None)
    return Actor(name=rep.name, rep=rep)


def require_manager(actor: Actor, what: str) -> None:
    if actor.is_manager:
        return
    if actor.rep is None:
        raise PermissionDenied(f"{actor.name} is not on the team; a manager can add you with `leads reps add`")
    raise PermissionDenied(f"only managers can {what}; {actor.name} is a {actor.rep.role}")


def require_member(actor: Actor) -> Rep:
    if actor.rep is None or not actor.rep.active:
        raise PermissionDenied(
            f"{actor.name} is not an active member of the team; ask a manager (`leads reps add {actor.name}`)"
        )
    return actor.rep


def get_rep(session: Session, name: str) -> Rep:
    rep = session.scalar(select(Rep).where(func.lower(Rep.name) == name.lower()))
    if rep is None:
        names = ", ".join(session.scalars(select(Rep.name).order_by(Rep.name))) or "none yet"
        raise NotFound(f"no rep named {name!r} (reps: {names})")
    return rep


def parse_territory(states: str | None, zips: str | None, cities: str | None) -> dict[str, list[str]]:
    """Comma-separated rules as stored: states upper-case, zip prefixes digits, cities as written."""
    territory: dict[str, list[str]] = {}
    if states:
        territory["states"] = sorted({s.strip().upper() for s in states.split(",") if s.strip()})
        bad = [s for s in territory["states"] if len(s) != 2 or not s.isalpha()]
        if bad:
            raise InputError(f"states must be 2-letter codes: {', '.join(bad)}")
    if zips:
        territory["zip_prefixes"] = sorted({z.strip() for z in zips.split(",") if z.strip()})
        bad = [z for z in territory["zip_prefixes"] if not z.isdigit() or len(z) > 5]
        if bad:
            raise InputError(f"zip prefixes must be 1 to 5 digits: {', '.join(bad)}")
    if cities:
        territory["cities"] = sorted({c.strip() for c in cities.split(",") if c.strip()})
    return territory


def territory_matches(territory: dict[str, Any] | None, state: str | None, zip5: str | None, city: str | None) -> bool:
    """A rule set matches when every kind of rule it has matches (states AND zip prefixes AND cities)."""
    if not territory:
        return False
    kinds = 0
    if territory.get("states"):
        kinds += 1
        if (state or "").upper() not in territory["states"]:
            return False
    if territory.get("zip_prefixes"):
        kinds += 1
        if not zip5 or not any(zip5.startswith(p) for p in territory["zip_prefixes"]):
            return False
    if territory.get("cities"):
        kinds += 1
        if (city or "").strip().lower() not in {c.lower() for c in territory["cities"]}:
            return False
    return kinds > 0


def describe_territory(territory: dict[str, Any] | None) -> str:
    if not territory:
        return ""
    parts = []
    for key, label in (("states", "states"), ("zip_prefixes", "zips"), ("cities", "cities")):
        if territory.get(key):
            parts.append(f"{label} {','.join(territory[key])}")
    return "; ".join(parts)


def active_managers(session: Session) -> list[str]:
    return list(session.scalars(select(Rep.name).where(Rep.active.is_(True), Rep.role == "manager").order_by(Rep.name)))


def check_not_last_manager(session: Session, rep: Rep, what: str) -> None:
    """Refuse to leave the team without an active manager: nobody could add, assign or undo any more."""
    if rep.role != "manager" or not rep.active:
        return
    others = [n for n in active_managers(session) if n != rep.name]
    if not others:
        raise InputError(
            f"{rep.name} is the last active manager: {what} would leave nobody able to manage the team; "
            f"make someone else a manager first (`leads reps add NAME --role manager` or "
            f"`leads reps edit NAME --role manager`)"
        )


def bootstrap_manager(session: Session, actor: Actor, *, name: str, email: str | None) -> Rep:
    """Recovery when no active manager exists: add NAME as a manager, or reactivate / promote them.

    Whoever can write the database (the SQLite file, or a PostgreSQL login with rights on reps)
    may do it, and only while the team has no active manager; it is logged in NAME's history."""
    if active_managers(session):
        raise PermissionDenied(
            f"--bootstrap is only for a team without an active manager; ask {', '.join(active_managers(session))}"
        )
    rep = session.scalar(select(Rep).where(func.lower(Rep.name) == name.lower()))
    if rep is None:
        rep = Rep(name=name, email=email, role="manager", territory={}, active=True)
        session.add(rep)
        before = "new"
    else:
        before = f"{rep.role}, {'active' if rep.active else 'inactive'}"
        rep.role, rep.active = "manager", True
        if email:
            rep.email = email
    session.flush()
    session.add(
        Activity(
            actor=actor.name,
            action="rep_bootstrap",
            subject=rep.name,
            from_value=before,
            to_value="manager, active",
            note="no active manager: recovery with --bootstrap",
        )
    )
    return rep


def add_rep(
    session: Session,
    actor: Actor,
    *,
    name: str,
    email: str | None,
    role: str,
    territory: dict[str, list[str]],
    capacity: int | None,
) -> Rep:
    require_manager(actor, "add reps")
    if role not in REP_ROLES:
        raise InputError(f"role must be one of {', '.join(REP_ROLES)}")
    if capacity is not None and capacity < 0:
        raise InputError("capacity must be zero or more")
    if session.scalar(select(Rep.id).where(func.lower(Rep.name) == name.lower())):
        raise InputError(f"a rep named {name!r} already exists; use `leads reps edit`")
    rep = Rep(name=name, email=email, role=role, territory=territory, capacity=capacity, active=True)
    session.add(rep)
    session.flush()
    session.add(
        Activity(
            actor=actor.name,
            action="rep_added",
            subject=name,
            to_value=f"{role}; {describe_territory(territory)}; capacity {capacity}",
        )
    )
    return rep


def edit_rep(session: Session, actor: Actor, name: str, **changes: Any) -> Rep:
    require_manager(actor, "edit reps")
    rep = get_rep(session, name)
    if changes.get("role") is not None and changes["role"] not in REP_ROLES:
        raise InputError(f"role must be one of {', '.join(REP_ROLES)}")
    if changes.get("active") is False and rep.active:
        check_not_last_manager(session, rep, "deactivating them")
        open_count = open_lead_counts(session).get(rep.id, 0)
        if open_count:
            raise InputError(
                f"{rep.name} has {open_count} open leads; nothing stays with an inactive rep: "
                f"use `leads reps deactivate {rep.name} --reassign auto` (or --to REP)"
            )
    if changes.get("role") == "rep" and rep.role == "manager":
        check_not_last_manager(session, rep, "making them a rep")
    for field, value in changes.items():
        if value is None:
            continue
        old = getattr(rep, field)
        if old != value:
            setattr(rep, field, value)
            session.add(
                Activity(
                    actor=actor.name,
                    action="rep_edited",
                    subject=rep.name,
                    from_value=f"{field}={old}",
                    to_value=f"{field}={value}",
                )
            )
    return rep


def open_lead_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(Lead.owner_id, func.count())
        .where(Lead.status.in_(OPEN_STATUSES), Lead.owner_id.is_not(None))
        .group_by(Lead.owner_id)
    )
    return {owner: n for owner, n in rows if owner is not None}


def list_reps(session: Session) -> list[dict[str, Any]]:
    counts = open_lead_counts(session)
    rows = []
    for rep in session.scalars(select(Rep).order_by(Rep.name)):
        rows.append(
            {
                "name": rep.name,
                "email": rep.email,
                "role": rep.role,
                "active": rep.active,
                "territory": describe_territory(rep.territory),
                "capacity": rep.capacity,
                "open_leads": counts.get(rep.id, 0),
            }
        )
    return rows
