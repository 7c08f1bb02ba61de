"""`leads match`: link closures to the account book and turn confident links into leads, with evidence.

Links at or above the accept threshold create or update the account's lead (an existing lead keeps
its status and owner; new evidence is added). Links in the review band wait in `leads review`. A
pair a manager rejected is never proposed again. Running it twice changes nothing the second time.

Which notices: every notice except layoffs (a layoff leaves its customers served); with --since,
only notices dated (notice date, else effective date, else first seen) on or after that day.
"""

from __future__ import annotations

import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from leads import clock
from leads.errors import InputError, NotFound
from leads.items import NOTICE_TYPES
from leads.models import OPEN_STATUSES, Account, Activity, Evidence, Lead, MatchCandidate, Notice
from leads.priority import priority
from leads.services.people import Actor, require_manager

#: Every notice type but layoffs (bankruptcy_ch11 too: a reorganizing vendor puts its customers' supply at risk).
MATCHED_TYPES = tuple(t for t in NOTICE_TYPES if t != "layoff")


#: The link kinds in the order a summary lists them, with the words a manager reads.
KIND_WORDS = {
    "vendor_closed": "vendor closed",
    "account_closing": "account closing",
    "competitor_nearby": "competitor nearby",
    "customer_of_closed": "creditor of a liquidation",
}


@dataclass
class MatchSummary:
    notices: int = 0
    closures: int = 0
    accounts: int = 0
    links: Counter[str] = field(default_factory=Counter)  # "kind/decision" -> n (the matcher's decision)
    #: kind -> Counter of what became of its links: "accepted", "review" (waiting in review), "rejected"
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    leads_created: int = 0
    leads_updated: int = 0
    flagged_closing: int = 0
    queued_for_review: int = 0
    skipped_rejected: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    def count(self, kind: str, outcome: str) -> None:
        self.outcomes.setdefault(kind, Counter())[outcome] += 1

    def kind_rows(self) -> list[dict[str, Any]]:
        """The links by kind x accepted / to review (and rejected before), with a total row."""
        kinds = [k for k in KIND_WORDS if k in self.outcomes] + sorted(set(self.outcomes) - set(KIND_WORDS))
        rows: list[dict[str, Any]] = [
            {
                "kind": KIND_WORDS.get(k, k.replace("_", " ")),
                "accepted": self.outcomes[k]["accepted"],
                "to review": self.outcomes[k]["review"],
                "rejected before": self.outcomes[k]["rejected"],
            }
            for k in kinds
        ]
        if len(rows) > 1:
            rows.append({c: sum(r[c] for r in rows) if c != "kind" else "all kinds" for c in rows[0]})
        if not any(r["rejected before"] for r in rows):
            for r in rows:
                del r["rejected before"]
        return rows

    def outcome_lines(self) -> list[str]:
        """What the run did (or, dry, would do): leads, review queue, what was read."""
        from leads.output import plural

        flagged = f", {self.flagged_closing} flagged closing" if self.flagged_closing else ""
        review = f"{plural(self.queued_for_review, 'link')} newly in `leads review`"
        if self.skipped_rejected:
            review += f", {plural(self.skipped_rejected, 'link')} rejected before (skipped)"
        return [
            f"Leads: {self.leads_created} created, {self.leads_updated} updated{flagged}; {review}.",
            f"Read {plural(self.notices, 'notice')} ({plural(self.closures, 'closure')}) against "
            f"{plural(self.accounts, 'account')} in {self.seconds:.1f} s.",
        ]

    def describe(self) -> str:
        """One line (the nightly's log): accepted and to-review links, then the leads."""
        from leads.output import plural

        accepted = sum(c["accepted"] for c in self.outcomes.values())
        waiting = sum(c["review"] for c in self.outcomes.values())
        flagged = f", {self.flagged_closing} flagged closing" if self.flagged_closing else ""
        return (
            f"{plural(accepted, 'link')} accepted, {waiting} to review; {plural(self.leads_created, 'lead')} "
            f"created, {self.leads_updated} updated{flagged} ({plural(self.notices, 'notice')} against "
            f"{plural(self.accounts, 'account')}, {self.seconds:.1f} s)"
        )

    def as_rows(self) -> list[dict[str, Any]]:
        rows = [
            {"measure": "notices", "value": self.notices},
            {"measure": "closures", "value": self.closures},
            {"measure": "accounts", "value": self.accounts},
        ]
        rows += [{"measure": f"links {k}", "value": n} for k, n in sorted(self.links.items())]
        rows += [
            {"measure": m.replace("_", " "), "value": getattr(self, m)}
            for m in ("leads_created", "leads_updated", "flagged_closing", "queued_for_review", "skipped_rejected")
        ]
        return rows


def load_profiles(path: Path | None) -> list[Any]:
    """Competitor profiles from a TOML file: [[competitor]] tables with industry_prefixes, name_keywords,
    served_industries, radius_miles. No file: no competitor links."""
    from leads.matching import CompetitorProfile

    if path is None or not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a valid TOML profile: {exc}") from exc
    profiles = []
    for i, table in enumerate(data.get("competitor", []), 1):
        try:
            profiles.append(
                CompetitorProfile(
                    name=str(table.get("name", f"competitor {i}")),
                    industry_prefixes=tuple(str(x) for x in table.get("industry_prefixes", ())),
                    name_keywords=tuple(str(x) for x in table.get("name_keywords", ())),
                    served_industries=tuple(str(x) for x in table.get("served_industries", ())),
                    radius_miles=float(table.get("radius_miles", 10.0)),
                )
            )
        except (TypeError, ValueError) as exc:
            raise InputError(f"{path}: competitor {i}: {exc}") from exc
    return profiles


def _notice_query(since: date | None):
    q = select(Notice).where(Notice.notice_type.in_(MATCHED_TYPES))
    if since is not None:
        q = q.where(
            or_(
                Notice.notice_date >= since,
                and_(Notice.notice_date.is_(None), Notice.effective_date >= since),
                and_(
                    Notice.notice_date.is_(None),
                    Notice.effective_date.is_(None),
                    Notice.first_seen >= datetime.combine(since, datetime.min.time(), tzinfo=UTC),
                ),
            )
        )
    return q


def run_match(
    session: Session,
    actor: Actor,
    *,
    since: date | None = None,
    dry_run: bool = False,
    accept: float | None = None,
    review: float | None = None,
    profiles: list[Any] | None = None,
    today: date | None = None,
) -> MatchSummary:
    from leads.matching import DEFAULT_THRESHOLDS, Thresholds

    require_manager(actor, "run matching")
    thresholds = Thresholds(
        accept=DEFAULT_THRESHOLDS.accept if accept is None else accept,
        review=DEFAULT_THRESHOLDS.review if review is None else review,
    )
    summary = MatchSummary(dry_run=dry_run)
    if not dry_run:
        return _match(session, actor, summary, since, thresholds, profiles or [], today or clock.today())
    # A dry run does the real run's work in a savepoint and rolls it back: its numbers are the ones the
    # real run then reports, by construction (a simulation beside the real code drifted from it).
    savepoint = session.begin_nested()
    try:
        return _match(session, actor, summary, since, thresholds, profiles or [], today or clock.today())
    finally:
        savepoint.rollback()


def _match(
    session: Session,
    actor: Actor,
    summary: MatchSummary,
    since: date | None,
    thresholds: Any,
    profiles: list[Any],
    today: date,
) -> MatchSummary:
    from leads.matching import ACCOUNT_COLUMNS, AccountRecord, MatchEngine, closure_ids, notice_record

    started = time.perf_counter()
    notices = {n.id: n for n in session.scalars(_notice_query(since))}
    summary.notices = len(notices)
    records = [
        notice_record(
            n.id,
            n.company_name,
            city=n.city,
            state=n.state,
            zip=n.zip5,
            notice_type=n.notice_type,
            industry_code=n.industry_code,
            notice_date=n.effective_date or n.notice_date,
            name_norm=n.name_norm,
            address_norm=n.address_norm,
            lat=getattr(n, "lat", None),
            lon=getattr(n, "lon", None),
        )
        for n in notices.values()
    ]  # notices.lat/lon come with migration 0003 (another branch)
    closure_of = closure_ids(records)
    summary.closures = len(set(closure_of.values()))
    for nid, first in closure_of.items():
        key = f"{first}"
        if notices[nid].closure_key != key:
            notices[nid].closure_key = key
    if not notices:
        summary.seconds = time.perf_counter() - started
        return summary

    engine = MatchEngine(records, profiles=profiles, thresholds=thresholds)
    columns = [getattr(Account, c) for c in ACCOUNT_COLUMNS]
    counter = {"n": 0}

    def stream():
        for row in session.execute(select(*columns).execution_options(yield_per=20_000)):
            counter["n"] += 1
            yield AccountRecord._make(
                [*(v if v is not None else "" for v in row[:-2]), *row[-2:]]
            )  # lat, lon stay None

    result = engine.match(stream())
    summary.accounts = counter["n"]
    links = result.links + _creditor_links(notices.values(), thresholds, stream)
    for link in links:
        summary.links[f"{link.kind}/{link.decision}"] += 1

    _apply(session, actor, summary, links, notices, today)
    summary.seconds = time.perf_counter() - started
    return summary


def _creditor_links(notices: Any, thresholds: Any, accounts: Any) -> list[Any]:
    """customer_of_closed: the creditors of chapter 7 notices against the account book (a second pass, only when
    a claims register was read; leads/creditors.py)."""
    from leads.creditors import creditor_records, creditors_of, customer_links
    from leads.matching import MatchEngine

    creditors = [c for n in notices for c in creditors_of(n.id, n.notice_type, n.raw)]
    if not creditors:
        return []
    records, behind = creditor_records(creditors)
    engine = MatchEngine(records, thresholds=thresholds, kinds=("account_closing",))
    return customer_links(engine.match(accounts()).links, behind)


def _apply(
    session: Session,
    actor: Actor,
    summary: MatchSummary,
    links: list[Any],
    notices: dict[int, Notice],
    today: date,
) -> None:
    if not links:
        return
    account_ids = {link.account_id for link in links}
    decided: dict[tuple[int, int, str], MatchCandidate] = {}
    notice_ids = {link.notice_id for link in links}
    for known in session.scalars(select(MatchCandidate).where(MatchCandidate.notice_id.in_(notice_ids))):
        decided[(known.notice_id, known.account_id, known.kind)] = known
    open_leads: dict[int, Lead] = {}
    ids = list(account_ids)
    for start in range(0, len(ids), 900):
        for open_lead in session.scalars(
            select(Lead).where(Lead.account_id.in_(ids[start : start + 900]), Lead.status.in_(OPEN_STATUSES))
        ):
            open_leads[open_lead.account_id] = open_lead
    have_evidence: set[tuple[int, int, str]] = set()
    lead_ids = [ol.id for ol in open_leads.values()]
    for start in range(0, len(lead_ids), 900):
        have_evidence.update(
            session.execute(
                select(Evidence.lead_id, Evidence.notice_id, Evidence.kind).where(
                    Evidence.lead_id.in_(lead_ids[start : start + 900])
                )
            ).all()
        )
    touched: set[int] = set()
    for link in links:
        key = (link.notice_id, link.account_id, link.kind)
        cand = decided.get(key)
        if cand is not None and cand.status == "rejected":
            summary.skipped_rejected += 1
            summary.count(link.kind, "rejected")
            continue
        accepted = link.decision == "accept" or (cand is not None and cand.status == "confirmed")
        if not accepted:
            if cand is None or cand.status == "pending":
                summary.count(link.kind, "review")
            if cand is None:
                summary.queued_for_review += 1
                decided[key] = _candidate(session, link, "pending")
            continue
        summary.count(link.kind, "accepted")
        if cand is None:
            decided[key] = _candidate(session, link, "accepted", decided_by="automatic", decided_at=clock.now())
        lead = open_leads.get(link.account_id)
        notice = notices[link.notice_id]
        if lead is None:
            summary.leads_created += 1
            lead = _new_lead(session, actor, link, notice, today)
            open_leads[link.account_id] = lead
            if link.kind == "account_closing":
                summary.flagged_closing += 1
            have_evidence.add((lead.id, link.notice_id, link.kind))
            touched.add(lead.id)
            continue
        if (lead.id, link.notice_id, link.kind) in have_evidence:
            continue
        have_evidence.add((lead.id, link.notice_id, link.kind))
        session.add(
            Evidence(lead_id=lead.id, notice_id=link.notice_id, kind=link.kind, score=link.score, matched=link.evidence)
        )
        changed = _merge_into(lead, link, notice, today)
        if link.kind == "account_closing" and not lead.flagged_closing:
            lead.flagged_closing = True
            summary.flagged_closing += 1
            session.add(
                Activity(
                    actor=actor.name,
                    action="flagged_closing",
                    lead_id=lead.id,
                    note=f"{notice.company_name} ({notice.source}) matches this account itself: stop prospecting it",
                )
            )
            changed = True
        if lead.id not in touched:
            summary.leads_updated += 1
            touched.add(lead.id)
        if changed:
            lead.updated_at = clock.now()
            lead.updated_by = actor.name
    session.flush()


def _candidate(session: Session, link: Any, status: str, **decision: Any) -> MatchCandidate:
    cand = MatchCandidate(
        notice_id=link.notice_id,
        account_id=link.account_id,
        kind=link.kind,
        score=link.score,
        matched=link.evidence,
        status=status,
        **decision,
    )
    session.add(cand)
    return cand


def _closure_date(notice: Notice) -> date | None:
    return notice.effective_date or notice.notice_date


def _new_lead(session: Session, actor: Actor, link: Any, notice: Notice, today: date) -> Lead:
    closing = link.kind == "account_closing"
    lead = Lead(
        account_id=link.account_id,
        status="new",
        score=link.score,
        closure_date=_closure_date(notice),
        employees=notice.employees,
        flagged_closing=closing,
        updated_by=actor.name,
        priority=priority(link.score, _closure_date(notice), notice.employees, today),
    )
    # No owner yet: `leads assign --auto` gives it to the account's owner first, then by territory.
    session.add(lead)
    session.flush()
    session.add(
        Evidence(lead_id=lead.id, notice_id=link.notice_id, kind=link.kind, score=link.score, matched=link.evidence)
    )
    what = "the account itself is closing: not a prospect" if closing else f"{link.kind.replace('_', ' ')}"
    session.add(
        Activity(
            actor=actor.name,
            action="flagged_closing" if closing else "lead_created",
            lead_id=lead.id,
            note=f"{what}: {notice.company_name} ({notice.source}), score {link.score:.0f}",
        )
    )
    return lead


def _merge_into(lead: Lead, link: Any, notice: Notice, today: date) -> bool:
    """New evidence raises a lead's score and priority when it is stronger; status and owner are kept."""
    changed = False
    if link.score > lead.score:
        lead.score = link.score
        changed = True
    new_priority = priority(link.score, _closure_date(notice), notice.employees, today)
    if new_priority > lead.priority:
        lead.priority = new_priority
        lead.closure_date = _closure_date(notice)
        lead.employees = notice.employees
        changed = True
    return changed


# -- review queue ---------------------------------------------------------------------------------------

REVIEW_COLUMNS = [
    "candidate",
    "kind",
    "score",
    "closed_business",
    "source",
    "account_id",
    "account",
    "city",
    "state",
    "evidence",
]
#: The review queue as JSON/CSV also carries the raw evidence (``matched``) for tools.
REVIEW_DATA_COLUMNS = [*REVIEW_COLUMNS, "matched"]


def _review_query():
    return (
        select(MatchCandidate, Notice, Account)
        .join(Notice, MatchCandidate.notice_id == Notice.id)
        .join(Account, MatchCandidate.account_id == Account.id)
        .where(MatchCandidate.status == "pending")
        .order_by(MatchCandidate.score.desc(), MatchCandidate.id)
    )


def count_review(session: Session) -> int:
    """How many links wait for review (the queue without its limit)."""
    from leads.queries import count_rows

    return count_rows(session, _review_query())


def review_queue(session: Session, limit: int | None = 50) -> list[dict[str, Any]]:
    from leads.evidence_text import evidence_summary

    q = _review_query()
    if limit:
        q = q.limit(limit)
    return [
        {
            "candidate": c.id,
            "kind": c.kind,
            "score": c.score,
            "closed_business": n.company_name,
            "source": n.source,
            "account_id": a.external_id,
            "account": a.name,
            "city": a.city,
            "state": a.state,
            "evidence": evidence_summary(c.kind, c.matched),
            "matched": c.matched,
        }
        for c, n, a in session.execute(q)
    ]


def decide(
    session: Session,
    actor: Actor,
    candidate_ids: list[int],
    decision: str,
    today: date | None = None,
    note: str | None = None,
) -> list[str]:
    """Confirm (create or update the lead now) or reject (never proposed again) review candidates."""
    require_manager(actor, "review matches")
    if decision not in ("confirm", "reject"):
        raise InputError("decision must be confirm or reject")
    today = today or clock.today()
    out = []
    for cid in candidate_ids:
        cand = session.get(MatchCandidate, cid)
        if cand is None:
            raise NotFound(f"no review candidate {cid}")
        if cand.status in ("confirmed", "rejected", "accepted"):
            raise InputError(
                f"candidate {cid} was already {cand.status}" + (f" by {cand.decided_by}" if cand.decided_by else "")
            )
        cand.status = "confirmed" if decision == "confirm" else "rejected"
        cand.decided_by, cand.decided_at = actor.name, clock.now()
        if decision == "confirm":
            from leads.matching import Link

            link = Link(cand.notice_id, cand.account_id, cand.kind, cand.score, "accept", cand.matched)
            notice = session.get(Notice, cand.notice_id)
            if notice is None:
                raise NotFound(f"candidate {cid}: its notice {cand.notice_id} no longer exists")
            summary = MatchSummary()
            _apply(session, actor, summary, [link], {cand.notice_id: notice}, today)
            out.append(
                f"candidate {cid} confirmed: "
                + ("lead created" if summary.leads_created else "evidence added to the open lead")
            )
        else:
            out.append(f"candidate {cid} rejected: it will not be proposed again")
        session.add(Activity(actor=actor.name, action=f"review_{decision}", subject=f"candidate {cid}", note=note))
    return out


# -- why ------------------------------------------------------------------------------------------------


def why_account(session: Session, external_id: str) -> dict[str, Any]:
    account = session.scalar(select(Account).where(Account.external_id == external_id))
    if account is None:
        raise NotFound(f"no account with id {external_id!r}")
    leads = list(session.scalars(select(Lead).where(Lead.account_id == account.id).order_by(Lead.id)))
    from leads.evidence_text import notice_facts
    from leads.services.work import evidence_rows

    pending = session.execute(
        select(MatchCandidate, Notice)
        .join(Notice, MatchCandidate.notice_id == Notice.id)
        .where(MatchCandidate.account_id == account.id, MatchCandidate.status.in_(("pending", "rejected")))
    ).all()
    return {
        "account": {
            "id": account.external_id,
            "name": account.name,
            "address": account.address,
            "city": account.city,
            "state": account.state,
            "zip": account.zip5,
            "incumbent_vendor": account.incumbent_vendor,
            "industry": account.industry,
            "do_not_contact": account.do_not_contact,
        },
        "leads": [
            {
                "lead": lead.id,
                "status": lead.status,
                "score": lead.score,
                "flagged_closing": lead.flagged_closing,
                "evidence": evidence_rows(session, lead.id),
            }
            for lead in leads
        ],
        "other_candidates": [
            {
                "candidate": c.id,
                "status": c.status,
                "kind": c.kind,
                "score": c.score,
                "closed_business": n.company_name,
                "source": n.source,
                "notice_type": n.notice_type,
                "notice_date": n.notice_date,
                "effective_date": n.effective_date,
                "employees": n.employees,
                "city": n.city,
                "state": n.state,
                "source_url": n.source_url,
                "facts": notice_facts(n.source, n.raw, n.address),
                "matched": c.matched,
            }
            for c, n in pending
        ],
    }


def pending_count(session: Session) -> int:
    return (
        session.scalar(select(func.count()).select_from(MatchCandidate).where(MatchCandidate.status == "pending")) or 0
    )
