"""Reps and managers: who is acting, what they may do, and managing the team."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leads.errors import InputError, NotFound, PermissionDenied
from leads.models import OPEN_STATUSES, REP_ROLES, Activity, Lead, Rep
from leads.output import plural
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


#: Territory rule kinds as stored, with the word `reps list` and the options use for each.
TERRITORY_KINDS = (("states", "states"), ("zip_prefixes", "zips"), ("cities", "cities"))


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def parse_states(text: str | None) -> list[str]:
    """State codes or full names ("VA", "virginia"), as upper-case codes; an unknown one is an error."""
    from leads.normalize import normalize_state

    codes, bad = set(), []
    for part in _split(text):
        code = normalize_state(part)
        if code:
            codes.add(code)
        else:
            bad.append(part)
    if bad:
        raise InputError(
            f"unknown state {', '.join(map(repr, bad))}: use a 2-letter code such as VA or a full name such as Virginia"
        )
    return sorted(codes)


def parse_zip_prefixes(text: str | None) -> list[str]:
    prefixes = sorted(set(_split(text)))
    bad = [z for z in prefixes if not z.isdigit() or len(z) > 5]
    if bad:
        raise InputError(f"ZIP prefixes must be 1 to 5 digits: {', '.join(map(repr, bad))}")
    return prefixes


def parse_cities(text: str | None) -> list[str]:
    seen: dict[str, str] = {}
    for city in _split(text):
        seen.setdefault(city.lower(), city)
    return sorted(seen.values(), key=str.lower)


_PARSERS = {"states": parse_states, "zip_prefixes": parse_zip_prefixes, "cities": parse_cities}


def parse_territory(states: str | None, zips: str | None, cities: str | None) -> dict[str, list[str]]:
    """Comma-separated rules as stored: state codes, ZIP prefixes (digits), cities as first written."""
    territory: dict[str, list[str]] = {}
    for key, text in (("states", states), ("zip_prefixes", zips), ("cities", cities)):
        values = _PARSERS[key](text)
        if values:
            territory[key] = values
    return territory


@dataclass(frozen=True)
class TerritoryEdit:
    """Territory changes asked on `reps edit`: per kind, a replacement and/or values to add and remove."""

    replace: dict[str, str | None]
    add: dict[str, str | None]
    remove: dict[str, str | None]
    clear: bool = False

    def asked(self) -> bool:
        return self.clear or any(v is not None for d in (self.replace, self.add, self.remove) for v in d.values())

    def apply(self, current: dict[str, Any] | None) -> dict[str, list[str]]:
        if self.clear:
            if any(v is not None for d in (self.replace, self.add, self.remove) for v in d.values()):
                raise InputError(
                    "--clear-territory removes every rule: use it alone, or --states/--zips/--cities to replace one kind"
                )
            return {}
        result: dict[str, list[str]] = {k: list(v) for k, v in (current or {}).items() if v}
        for key, option in TERRITORY_KINDS:
            parse = _PARSERS[key]
            replace, add, remove = self.replace.get(key), self.add.get(key), self.remove.get(key)
            if replace is not None and (add is not None or remove is not None):
                raise InputError(
                    f"--{option} replaces the {option}; don't combine it with --add-{option}/--remove-{option}"
                )
            values = list(result.get(key, []))
            if replace is not None:
                values = parse(replace)
            if add is not None:
                values += parse(add)
            if remove is not None:
                gone = {v.lower() for v in parse(remove)}
                values = [v for v in values if v.lower() not in gone]
            values = parse(",".join(values))
            if values:
                result[key] = values
            else:
                result.pop(key, None)
        return result


def territory_matches(territory: dict[str, Any] | None, state: str | None, zip5: str | None, city: str | None) -> bool:
    """A territory matches an account when any one rule matches: its state OR a ZIP prefix OR its city.

    Rules are items of one territory, as in Salesforce territory rules joined by OR: "states NY" and
    "zips 070" covers all of New York and the 070 ZIPs of New Jersey.
    """
    if not territory:
        return False
    if (state or "").upper() in territory.get("states", []):
        return True
    if zip5 and any(zip5.startswith(p) for p in territory.get("zip_prefixes", [])):
        return True
    cities = {c.lower() for c in territory.get("cities", [])}
    return bool(cities) and (city or "").strip().lower() in cities


def describe_territory(territory: dict[str, Any] | None) -> str:
    """ "states NJ,NY or zips 100,101": the rules a lead may match (any one of them)."""
    if not territory:
        return ""
    parts = []
    for key, label in TERRITORY_KINDS:
        if territory.get(key):
            parts.append(f"{label} {','.join(territory[key])}")
    return " or ".join(parts)


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
        raise InputError(f"capacity must be zero or more, not {capacity}")
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


def _shown(field: str, value: Any) -> str:
    if field == "territory":
        return describe_territory(value) or "none"
    if field == "capacity" and value is None:
        return "no limit"
    if field == "active":
        return "active" if value else "inactive"
    return str(value)


def edit_rep(
    session: Session, actor: Actor, name: str, territory_edit: TerritoryEdit | None = None, **changes: Any
) -> tuple[Rep, list[str]]:
    """Apply the changes that differ from what the rep has; returns the rep and one line per change made."""
    require_manager(actor, "edit reps")
    rep = get_rep(session, name)
    if changes.get("role") is not None and changes["role"] not in REP_ROLES:
        raise InputError(f"role must be one of {', '.join(REP_ROLES)}")
    if changes.get("active") is False and rep.active:
        check_not_last_manager(session, rep, "deactivating them")
        open_count = open_lead_counts(session).get(rep.id, 0)
        if open_count:
            raise InputError(
                f"{rep.name} has {plural(open_count, 'open lead')}; nothing stays with an inactive rep: "
                f"use `leads reps deactivate {rep.name} --reassign auto` (or --to REP)"
            )
    if changes.get("role") == "rep" and rep.role == "manager":
        check_not_last_manager(session, rep, "making them a rep")
    if changes.get("capacity") is not None and changes["capacity"] < 0:
        raise InputError(f"capacity must be zero or more, not {changes['capacity']}")
    if territory_edit is not None and territory_edit.asked():
        changes["territory"] = territory_edit.apply(rep.territory)
    made = []
    for field, value in changes.items():
        if value is None:
            continue
        old = getattr(rep, field)
        if old != value:
            setattr(rep, field, value)
            made.append(f"{field} {_shown(field, value)} (was {_shown(field, old)})")
            session.add(
                Activity(
                    actor=actor.name,
                    action="rep_edited",
                    subject=rep.name,
                    from_value=f"{field}={old}",
                    to_value=f"{field}={value}",
                )
            )
    return rep, made


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
