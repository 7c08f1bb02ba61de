"""Lead lists for reps and managers: filters, the explainable priority order, the per-user cursor, export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, exists, false, func, or_, select, true, update
from sqlalchemy.orm import Session

from leads import clock
from leads.errors import InputError
from leads.models import (
    LEAD_STATUSES,
    OPEN_STATUSES,
    Account,
    Activity,
    Evidence,
    Lead,
    LeadView,
    Notice,
    Operation,
    Rep,
    UserCursor,
    table_of,
)
from leads.priority import explain, explain_short, priority
from leads.queries import contains
from leads.services.people import Actor, get_rep

LIST_COLUMNS = [
    "lead",
    "priority",
    "why",
    "account_id",
    "account",
    "closed_business",
    "city",
    "state",
    "status",
    "owner",
    "follow_up",
    "score",
    "version",
]
#: Every field a lead row has, for ``--columns`` (the default columns first).
LIST_FIELDS = list(
    dict.fromkeys([*LIST_COLUMNS, "follow_up_time", "address", "zip", "phone", "website", "industry", "created_at"])
)
CURSOR_NEW = "list_new"
CLOSED_STATUSES = tuple(s for s in LEAD_STATUSES if s not in OPEN_STATUSES)


@dataclass
class LeadFilter:
    mine: bool | None = None
    rep: str | None = None
    statuses: tuple[str, ...] = ()
    new: bool = False
    state: str | None = None
    source: str | None = None
    #: Only leads with evidence from a notice of one of these types (registry_closed, bankruptcy_ch7, ...).
    notice_types: tuple[str, ...] = ()
    min_score: float | None = None
    due: bool = False
    unassigned: bool = False
    #: Only leads whose account is itself closing (flagged by matching: stop selling), instead of leaving them out.
    flagged: bool = False
    #: Account name or id contains this text (any case).
    search: str | None = None
    #: "FIELD", "FIELD:asc" or "FIELD:desc" (see SORT_FIELDS); None is priority order.
    sort: str | None = None
    limit: int | None = 50


#: --sort FIELD: the column and its natural direction (most useful first: highest score, soonest closure).
SORT_FIELDS: dict[str, tuple[Any, str]] = {
    "priority": (Lead.priority, "desc"),
    "score": (Lead.score, "desc"),
    "closes": (Lead.closure_date, "asc"),
    "employees": (Lead.employees, "desc"),
    "account": (func.lower(Account.name), "asc"),
    "city": (func.lower(Account.city), "asc"),
    "state": (Account.state, "asc"),
    "status": (case({s: i for i, s in enumerate(LEAD_STATUSES)}, value=Lead.status), "asc"),
    "owner": (func.lower(Rep.name), "asc"),
    "follow_up": (Lead.follow_up, "asc"),
    "lead": (Lead.id, "desc"),
}


def sort_order(spec: str | None) -> list[Any]:
    """ORDER BY for --sort: the field in its direction, empty values last, then priority order for ties."""
    tail = [Lead.priority.desc(), Lead.id.desc()]
    if not spec:
        return tail
    name, _, direction = spec.strip().lower().partition(":")
    name = name.replace("-", "_")
    if name not in SORT_FIELDS:
        raise InputError(f"--sort {spec}: unknown field {name!r}; fields: {', '.join(SORT_FIELDS)}")
    column, natural = SORT_FIELDS[name]
    direction = direction or natural
    if direction not in ("asc", "desc"):
        raise InputError(f"--sort {spec}: direction must be asc or desc, e.g. --sort {name}:{natural}")
    key = column.asc() if direction == "asc" else column.desc()
    return [key.nulls_last(), *tail]


def state_code(text: str) -> str:
    """--state NY, ny or New York -> NY; anything else is an error naming what is accepted."""
    from leads.normalize import normalize_state

    code = normalize_state(text)
    if not code:
        raise InputError(f"--state {text}: not a US state; use a code (NY) or a name (New York)")
    return code


def known_source(session: Session, source: str) -> None:
    """--source must name a source some stored notice came from; else the error lists those sources."""
    if session.scalar(select(Notice.id).where(Notice.source == source).limit(1)) is not None:
        return
    stored = sorted(session.scalars(select(Notice.source).distinct()))
    listed = ", ".join(stored) if stored else "none yet (run `leads crawl`)"
    raise InputError(f"--source {source}: no notices from that source; sources with notices: {listed}")


def _query(session: Session, actor: Actor, f: LeadFilter, today: date):
    q = (
        select(Lead, Account, Rep.name)
        .join(Account, Lead.account_id == Account.id)
        .outerjoin(Rep, Lead.owner_id == Rep.id)
        .where(Account.do_not_contact == false(), Lead.flagged_closing == (true() if f.flagged else false()))
    )
    if f.statuses:
        q = q.where(Lead.status.in_(f.statuses))
    else:
        # "Not closed" rather than "IN (open statuses)": the planner then walks the priority index
        # and stops after one page instead of sorting every open lead.
        q = q.where(Lead.status.not_in(CLOSED_STATUSES))
    mine = f.mine if f.mine is not None else (not actor.is_manager and f.rep is None and not f.unassigned)
    if f.rep:
        q = q.where(Lead.owner_id == get_rep(session, f.rep).id)
    elif mine:
        if actor.rep is None:
            raise InputError(f"{actor.name} has no leads of their own (not on the team); try --rep NAME")
        q = q.where(Lead.owner_id == actor.rep.id)
    if f.unassigned:
        q = q.where(Lead.owner_id.is_(None))
    if f.state:
        q = q.where(Account.state == state_code(f.state))
    if f.search and f.search.strip():
        q = q.where(or_(contains(Account.name, f.search.strip()), contains(Account.external_id, f.search.strip())))
    if f.min_score is not None:
        q = q.where(Lead.score >= f.min_score)
    if f.due:
        q = q.where(Lead.follow_up.is_not(None), Lead.follow_up <= today)
    if f.source:
        known_source(session, f.source)
        q = q.where(
            exists().where(
                and_(Evidence.lead_id == Lead.id, Evidence.notice_id == Notice.id, Notice.source == f.source)
            )
        )
    if f.notice_types:
        q = q.where(
            exists().where(
                and_(
                    Evidence.lead_id == Lead.id, Evidence.notice_id == Notice.id, Notice.notice_type.in_(f.notice_types)
                )
            )
        )
    if f.new:
        q = q.where(new_to(session, actor.name))
    q = q.order_by(*sort_order(f.sort))
    if f.limit:
        q = q.limit(f.limit)
    return q


def list_leads(session: Session, actor: Actor, f: LeadFilter, today: date | None = None) -> list[dict[str, Any]]:
    today = today or clock.today()
    rows = []
    page = list(session.execute(_query(session, actor, f, today)))
    evidence = best_evidence(session, [lead.id for lead, _, _ in page])
    for lead, account, owner in page:
        top = evidence.get(lead.id, {})
        rows.append(
            {
                "lead": lead.id,
                "priority": lead.priority,
                "why": explain(lead.score, lead.closure_date, lead.employees, today),
                "why_short": explain_short(lead.score, lead.closure_date, lead.employees, today),
                "account": account.name,
                "account_id": account.external_id,
                "closed_business": top.get("closed_business"),
                "incumbent_vendor": account.incumbent_vendor,
                "address": account.address,
                "city": account.city,
                "state": account.state,
                "zip": account.zip5,
                "phone": account.phone,
                "website": account.website,
                "industry": account.industry,
                "status": lead.status,
                "owner": owner,
                "follow_up": lead.follow_up,
                "follow_up_time": f"{lead.follow_up_time:%H:%M}" if lead.follow_up_time else None,
                "score": round(lead.score, 1),
                "version": lead.version,
                "created_at": lead.created_at,
                "flagged_closing": lead.flagged_closing,
                "evidence": top,
            }
        )
    return rows


def best_evidence(session: Session, lead_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per lead, its strongest evidence with the notice behind it (the closed business, where, when)."""
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(lead_ids), 500):  # IN lists of a bounded size on every database
        chunk = lead_ids[start : start + 500]
        q = (
            select(Evidence, Notice)
            .join(Notice, Evidence.notice_id == Notice.id)
            .where(Evidence.lead_id.in_(chunk))
            .order_by(Evidence.lead_id, Evidence.score.desc(), Evidence.id)
        )
        for e, n in session.execute(q):
            out.setdefault(
                e.lead_id,
                {
                    "kind": e.kind,
                    "score": round(e.score, 1),
                    "matched": e.matched,
                    "closed_business": n.company_name,
                    "source": n.source,
                    "notice_type": n.notice_type,
                    "notice_date": n.notice_date,
                    "effective_date": n.effective_date,
                    "employees": n.employees,
                    "city": n.city,
                    "state": n.state,
                },
            )
    return out


def count_leads(session: Session, actor: Actor, f: LeadFilter, today: date | None = None) -> int:
    """How many leads the filter matches, ignoring its limit."""
    from leads.queries import count_rows

    return count_rows(session, _query(session, actor, f, today or clock.today()))


# -- "new to you" ---------------------------------------------------------------------------------
#
# A lead arrives for a person when it is created, and again each time it is assigned to them (by
# hand, automatically, in a hand-over, or by an undo giving it back): the latest of these is its
# arrival, read from the audit trail. It is new to them until `leads list --new` has shown it for
# that arrival (a row in lead_views); only the rows shown are marked, so `--limit 3` of 43 leaves
# 40 new. Views rather than one cursor: a list in priority order cannot be passed by a timestamp.
# Before per-lead views, `--new` moved one cursor per user; a lead that arrived before that
# cursor was already counted as seen, and stays so.

ARRIVAL_ACTIONS = ("assign", "undo_assign")


def arrival(user: str) -> Any:
    """When each lead (correlated to ``Lead``) last reached ``user``: assigned to them, else created."""
    assigned = (
        select(func.max(Activity.at))
        .where(Activity.lead_id == Lead.id, Activity.action.in_(ARRIVAL_ACTIONS), Activity.to_value == user)
        .correlate(Lead)
        .scalar_subquery()
    )
    return func.coalesce(assigned, Lead.created_at)


def new_to(session: Session, user: str) -> Any:
    """The condition "this lead is new to ``user``" (see above), for `leads list --new` and the like."""
    arrived = arrival(user)
    shown = exists().where(LeadView.user == user, LeadView.lead_id == Lead.id, LeadView.arrived_at >= arrived)
    condition = ~shown
    before = session.scalar(select(UserCursor.value).where(UserCursor.user == user, UserCursor.name == CURSOR_NEW))
    if before is not None:
        condition = and_(condition, arrived > before)
    return condition


def mark_seen(session: Session, actor: Actor, lead_ids: list[int], when: datetime | None = None) -> None:
    """Record that ``lead_ids`` were shown to the user as new: for their current arrival, no longer new."""
    when = when or clock.now()
    for start in range(0, len(lead_ids), 500):
        chunk = lead_ids[start : start + 500]
        arrived: dict[int, datetime] = dict(
            session.execute(select(Lead.id, arrival(actor.name)).where(Lead.id.in_(chunk))).all()
        )
        views = {
            v.lead_id: v
            for v in session.scalars(select(LeadView).where(LeadView.user == actor.name, LeadView.lead_id.in_(chunk)))
        }
        for lead_id, at in arrived.items():
            view = views.get(lead_id)
            if view is None:
                session.add(LeadView(user=actor.name, lead_id=lead_id, arrived_at=at, seen_at=when))
            else:
                view.arrived_at, view.seen_at = at, when


def refresh_priorities(session: Session, today: date | None = None) -> int:
    """Recompute stored priorities of open leads (timing changes with the calendar); returns how many changed."""
    today = today or clock.today()
    changed = []
    for lead_id, score, closure, employees, old in session.execute(
        select(Lead.id, Lead.score, Lead.closure_date, Lead.employees, Lead.priority).where(
            Lead.status.in_(OPEN_STATUSES)
        )
    ):
        new = priority(score, closure, employees, today)
        if new != old:
            changed.append({"lead_id": lead_id, "p": new})
    if changed:
        from sqlalchemy import bindparam

        # Core update: a priority refresh is not a user's edit, so the version does not move.
        leads_t = table_of(Lead)
        stmt = update(leads_t).where(leads_t.c.id == bindparam("lead_id")).values(priority=bindparam("p"))
        session.execute(stmt, changed)
    return len(changed)


# -- export ---------------------------------------------------------------------------------------

EXPORT_PRESETS: dict[str, list[tuple[str, str]]] = {
    # (column header in the file, field of the lead row)
    "default": [
        ("lead", "lead"),
        ("account_id", "account_id"),
        ("account", "account"),
        ("address", "address"),
        ("city", "city"),
        ("state", "state"),
        ("zip", "zip"),
        ("phone", "phone"),
        ("website", "website"),
        ("status", "status"),
        ("owner", "owner"),
        ("follow_up", "follow_up"),
        ("priority", "priority"),
        ("why", "why"),
    ],
    "hubspot": [
        ("Company name", "account"),
        ("Street Address", "address"),
        ("City", "city"),
        ("State/Region", "state"),
        ("Postal Code", "zip"),
        ("Phone Number", "phone"),
        ("Company Domain Name", "website"),
        ("Lead Status", "status"),
        ("Company owner", "owner"),
        ("Industry", "industry"),
        ("Description", "evidence_sentence"),
        ("Closed Business", "closed_business"),
        ("Last Note", "last_note"),
        ("Priority Reason", "why"),
    ],
    # Salesforce's lead import requires Company and LastName. The account book names no contact person,
    # so LastName is SALESFORCE_NO_CONTACT (Salesforce's own convention for a lead without a known person).
    "salesforce": [
        ("Company", "account"),
        ("LastName", "last_name"),
        ("Street", "address"),
        ("City", "city"),
        ("State", "state"),
        ("PostalCode", "zip"),
        ("Phone", "phone"),
        ("Website", "website"),
        ("Status", "status"),
        ("OwnerName", "owner"),
        ("Industry", "industry"),
        ("LeadSource", "source_label"),
        ("Description", "evidence_sentence"),
        ("Closed Business", "closed_business"),
        ("Last Note", "last_note"),
        ("Priority Reason", "why"),
    ],
}
SALESFORCE_NO_CONTACT = "Unknown"
#: Presets for a CRM: they carry the evidence in words and the rep's last note, which cost a query each.
CRM_PRESETS = ("hubspot", "salesforce")
HUBSPOT_STATUS = {
    "new": "NEW",
    "contacted": "ATTEMPTED_TO_CONTACT",
    "meeting": "CONNECTED",
    "proposal": "IN_PROGRESS",
    "won": "OPEN_DEAL",
    "lost": "UNQUALIFIED",
    "disqualified": "BAD_TIMING",
}
SALESFORCE_STATUS = {
    "new": "Open - Not Contacted",
    "contacted": "Working - Contacted",
    "meeting": "Working - Contacted",
    "proposal": "Working - Contacted",
    "won": "Closed - Converted",
    "lost": "Closed - Not Converted",
    "disqualified": "Closed - Not Converted",
}


def export_rows(session: Session, actor: Actor, f: LeadFilter, preset: str) -> tuple[list[str], list[dict]]:
    if preset not in EXPORT_PRESETS:
        raise InputError(f"unknown preset {preset!r}; presets: {', '.join(EXPORT_PRESETS)}")
    rows = list_leads(session, actor, f)  # do-not-contact accounts are never listed
    columns = [header for header, _ in EXPORT_PRESETS[preset]]
    notes = last_notes(session, [row["lead"] for row in rows]) if preset in CRM_PRESETS else {}
    out = []
    for row in rows:
        row = dict(row, source_label="Closure notice (orphaned account)")
        if preset in CRM_PRESETS:
            row["evidence_sentence"] = _evidence_sentence(row)
            row["last_note"] = notes.get(row["lead"])
            row["last_name"] = SALESFORCE_NO_CONTACT
        if preset == "hubspot":
            row["status"] = HUBSPOT_STATUS.get(row["status"], row["status"])
        elif preset == "salesforce":
            row["status"] = SALESFORCE_STATUS.get(row["status"], row["status"])
        out.append({header: row.get(field) for header, field in EXPORT_PRESETS[preset]})
    return columns, out


def _evidence_sentence(row: dict[str, Any]) -> str | None:
    """The lead's strongest evidence as `leads show` words it."""
    from leads.evidence_text import evidence_sentence

    top = row.get("evidence") or {}
    if not top:
        return None
    account = {"name": row["account"], "incumbent_vendor": row.get("incumbent_vendor")}
    return evidence_sentence(top["kind"], top.get("matched"), top, account)


def last_notes(session: Session, lead_ids: list[int]) -> dict[int, str]:
    """Per lead, the newest note a person wrote on it (`leads note`, or a status change's --note); a bulk
    note retracted by `leads undo` is not one."""
    out: dict[int, str] = {}
    for start in range(0, len(lead_ids), 500):
        chunk = lead_ids[start : start + 500]
        q = (
            select(Activity.lead_id, Activity.note)
            .outerjoin(Operation, Operation.id == Activity.batch_id)
            .where(
                Activity.lead_id.in_(chunk),
                Activity.action.in_(("note", "status", "status_forced")),
                Activity.note.is_not(None),
                (Activity.action != "note") | Operation.undone_at.is_(None),
            )
            .order_by(Activity.lead_id, Activity.at.desc(), Activity.id.desc())
        )
        for lead_id, note in session.execute(q):
            if lead_id is not None and note:
                out.setdefault(lead_id, note)
    return out
