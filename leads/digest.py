"""The morning digest: per rep, the new orphaned accounts and why; for managers, the state of the pipeline.

Written as text and as one self-contained HTML page (inline SVG charts, no external assets), and
sent by e-mail when SMTP is configured (LEADS_SMTP_HOST and friends).
"""

from __future__ import annotations

import html
import os
import re
import smtplib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leads import clock
from leads.models import LEAD_STATUSES, Account, Activity, CrawlRun, Evidence, Lead, Notice, Rep, UserCursor
from leads.output import plural
from leads.queries import source_health

KIND_LABEL = {
    "vendor_closed": "its vendor closed",
    "account_closing": "the account itself is closing",
    "competitor_nearby": "a competitor nearby closed",
    "customer_of_closed": "it is a creditor of a liquidating business",
}
#: The digest's sections, one per kind of closure behind a lead (its strongest evidence), in this order.
SECTIONS = {
    "warn": "WARN closure notices",
    "registry": "City registry closures",
    "bankruptcy_ch7": "Bankruptcy, chapter 7 (liquidation)",
    "bankruptcy_ch11": "Bankruptcy, chapter 11 (reorganization)",
    "creditors": "Creditors of liquidating businesses",
    "other": "Other closure notices",
}


def section_of(link_kind: str, notice_type: str | None, source: str | None) -> str:
    """Which digest section a piece of evidence belongs to (SECTIONS)."""
    if link_kind == "customer_of_closed":
        return "creditors"
    if notice_type in ("bankruptcy_ch7", "bankruptcy"):
        return "bankruptcy_ch7"
    if notice_type == "bankruptcy_ch11":
        return "bankruptcy_ch11"
    if notice_type in ("registry_closed", "registry_end"):
        return "registry"
    if str(source or "").startswith(("warn_", "jobcenter_")):
        return "warn"
    return "other"


#: What a person does to a lead that makes it no longer new (assignment and matching are not work on it).
WORKED_ACTIONS = ("status", "status_forced", "note", "follow_up")


@dataclass
class RepSection:
    name: str
    email: str | None
    leads: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Digest:
    day: date
    since: datetime | None
    reps: list[RepSection]
    closures_by_source: dict[str, int]
    unassigned: int
    failed_sources: list[dict[str, Any]]
    stale_sources: list[str]
    funnel: dict[str, int]
    per_day: list[tuple[date, int]]
    flagged_closing: int


def _why_line(ev: Evidence, notice: Notice) -> str:
    """One line of why: the kind of link, the business, and the notice's fact (a bankruptcy or registry closure's
    card line, leads/evidence_text.py) or its type and date."""
    from leads.evidence_text import closure_fact, notice_facts

    label = KIND_LABEL.get(ev.kind, ev.kind)
    fact = closure_fact(
        {
            "notice_type": notice.notice_type,
            "source": notice.source,
            "notice_date": notice.notice_date,
            "effective_date": notice.effective_date,
            "city": notice.city,
            "state": notice.state,
            "facts": notice_facts(notice.source, notice.raw, notice.address),
        }
    )
    if fact:
        return f"{label}: {notice.company_name}: {fact} ({notice.source}; score {ev.score:.0f})"
    when = notice.effective_date or notice.notice_date
    return (
        f"{label}: {notice.company_name} ({notice.source}, "
        f"{notice.notice_type}{', ' + when.isoformat() if when else ''}; score {ev.score:.0f})"
    )


def by_section(leads: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """A rep's leads grouped by section (SECTIONS order), each group in the leads' own (priority) order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for lead in leads:
        groups.setdefault(lead.get("section") or "other", []).append(lead)
    return [(SECTIONS[key], groups[key]) for key in SECTIONS if key in groups]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


_STORE_NUMBER = re.compile(r"(?:\s*(?:#|no\.?|store|unit|location|site))?\s*\d+$")


def _without_store_number(notice: Notice) -> str:
    """The business name without a trailing store number: one chain's sites read as one name."""
    name = (notice.name_norm or notice.company_name or "").strip().lower()
    return _STORE_NUMBER.sub("", name).strip() or name


def build(
    session: Session,
    since: datetime | None,
    crawl_results: list[dict[str, Any]] | None = None,
    today: date | None = None,
) -> Digest:
    today = today or clock.today()
    start = since or datetime(1970, 1, 1, tzinfo=UTC)
    reps = {
        r.id: RepSection(r.name, r.email)
        for r in session.scalars(select(Rep).where(Rep.active.is_(True)).order_by(Rep.name))
    }
    roles = dict(session.execute(select(Rep.id, Rep.role)).all())
    new_leads = session.execute(
        select(Lead, Account)
        .join(Account, Lead.account_id == Account.id)
        # New means nobody has worked it yet: a lead already contacted, noted or given a follow-up date
        # is not news (the first digest would otherwise list every open lead).
        .where(
            Lead.created_at > start,
            Lead.status == "new",
            Lead.follow_up.is_(None),
            ~select(Activity.id).where(Activity.lead_id == Lead.id, Activity.action.in_(WORKED_ACTIONS)).exists(),
            Lead.owner_id.is_not(None),
            Account.do_not_contact.is_(False),
        )
        .order_by(Lead.priority.desc())
    ).all()
    lead_ids = [lead.id for lead, _ in new_leads]
    why: dict[int, list[str]] = {}
    kind_of: dict[int, str] = {}  # lead -> the section of its strongest evidence
    seen: dict[tuple[int | str, ...], int] = {}  # one line per closure, however many notices report it
    more: Counter[tuple[int, int]] = Counter()
    for start_i in range(0, len(lead_ids), 500):
        chunk = lead_ids[start_i : start_i + 500]
        for ev, notice in session.execute(
            select(Evidence, Notice)
            .join(Notice, Evidence.notice_id == Notice.id)
            .where(Evidence.lead_id.in_(chunk))
            .order_by(Evidence.score.desc(), Notice.id)
        ):
            kind_of.setdefault(ev.lead_id, section_of(ev.kind, notice.notice_type, notice.source))
            when = notice.effective_date or notice.notice_date
            line = _why_line(ev, notice)
            # Notices of one closure share a closure key; notices that read the same, or differ only by a
            # store number (one chain's several sites closing the same day: "Farm Fresh #6293", "#6289"),
            # are the same closure to the reader: one line either way.
            keys: list[tuple[int | str, ...]] = [
                (ev.lead_id, ev.kind, notice.closure_key or f"n{notice.id}"),
                (ev.lead_id, "line", line),
                (ev.lead_id, "chain", ev.kind, notice.source, str(when), _without_store_number(notice)),
            ]
            known = next((k for k in keys if k in seen), None)
            if known is not None:
                more[(ev.lead_id, seen[known])] += 1
                for k in keys:
                    seen.setdefault(k, seen[known])
                continue
            index = len(why.setdefault(ev.lead_id, []))
            for k in keys:
                seen[k] = index
            why[ev.lead_id].append(line)
    for (lead_id, index), n in more.items():
        why[lead_id][index] += f" and {plural(n, 'more notice')} of the same closure"
    for lead, account in new_leads:
        section = reps.get(lead.owner_id) if lead.owner_id is not None else None
        if section is not None:
            section.leads.append(
                {
                    "lead": lead.id,
                    "account": account.name,
                    "city": account.city,
                    "state": account.state,
                    "priority": lead.priority,
                    "flagged_closing": lead.flagged_closing,
                    "why": why.get(lead.id, ["(no evidence recorded)"]),
                    "section": kind_of.get(lead.id, "other"),
                }
            )
    closures = dict(
        session.execute(
            select(Notice.source, func.count()).where(Notice.first_seen > start).group_by(Notice.source)
        ).all()
    )
    unassigned = (
        session.scalar(
            select(func.count())
            .select_from(Lead)
            .where(
                Lead.owner_id.is_(None),
                Lead.status.in_(("new", "contacted", "meeting", "proposal")),
                Lead.flagged_closing.is_(False),
            )
        )
        or 0
    )
    health = source_health(session)
    failed = source_problems(session, crawl_results)
    stale = sorted(s for s, h in health.items() if str(h.get("freshness", "")).startswith("stale"))
    funnel = dict.fromkeys(LEAD_STATUSES, 0)
    funnel.update(dict(session.execute(select(Lead.status, func.count()).group_by(Lead.status)).all()))
    first_day = today - timedelta(days=29)
    created: Counter[date] = Counter()
    for (value,) in session.execute(
        select(Lead.created_at).where(Lead.created_at >= datetime.combine(first_day, datetime.min.time(), tzinfo=UTC))
    ):
        created[value.date()] += 1
    per_day = [(first_day + timedelta(days=i), created.get(first_day + timedelta(days=i), 0)) for i in range(30)]
    flagged = (
        session.scalar(
            select(func.count()).select_from(Lead).where(Lead.flagged_closing.is_(True), Lead.created_at > start)
        )
        or 0
    )
    sections = [sec for rid, sec in reps.items() if roles.get(rid) == "rep" or sec.leads]
    return Digest(today, since, sections, closures, unassigned, failed, stale, funnel, per_day, flagged)


MESSAGE_LIMIT = 300  # a source's error is one short line in a digest, never a dump of rows


def _one_line(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    text = " ".join(str(value).replace("\x00", " ").split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def source_problems(session: Session, crawl_results: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Sources whose last crawl was not ok (failed, degraded, ...), with the message and any warnings.

    From this run's results when the nightly crawled, else from the last recorded run per source
    (the crawl ran elsewhere: Scrapyd, another machine). ``warnings`` is read when the crawl
    records it (a dict key, or a crawl_runs column where the schema has one).
    """
    if crawl_results:
        rows = [(r.get("source"), r.get("outcome"), r.get("message"), r.get("warnings")) for r in crawl_results]
    else:
        last = select(CrawlRun.source, func.max(CrawlRun.id).label("id")).group_by(CrawlRun.source).subquery()
        rows = [
            (run.source, run.outcome, run.message, getattr(run, "warnings", None))
            for run in session.scalars(select(CrawlRun).join(last, CrawlRun.id == last.c.id).order_by(CrawlRun.source))
        ]
    return [
        {"source": source, "outcome": outcome, "message": _one_line(message), "warnings": _one_line(warnings)}
        for source, outcome, message, warnings in rows
        if outcome not in (None, "ok")
    ]


def _problem_line(r: dict[str, Any]) -> str:
    label = "DEGRADED" if r["outcome"] == "degraded" else "FAILED"
    extra = f" (warnings: {r['warnings']})" if r.get("warnings") else ""
    return f"{label} source {r['source']}: {r['outcome']}: {r.get('message', '')}{extra}"


def render_text(d: Digest) -> str:
    out = [
        f"Orphaned-account digest for {d.day.isoformat()}"
        + (f" (new since {d.since.strftime('%Y-%m-%d %H:%M UTC')})" if d.since else ""),
        "",
    ]
    for rep in d.reps:
        out.append(f"== {rep.name}: {plural(len(rep.leads), 'new lead')}")
        for heading, leads in by_section(rep.leads):
            out.append(f"  -- {heading}: {len(leads)}")
            for lead in leads:
                flag = "  [ACCOUNT IS CLOSING: do not prospect]" if lead["flagged_closing"] else ""
                out.append(
                    f"  #{lead['lead']} {lead['account']} ({lead['city'] or '-'}, {lead['state'] or '-'})"
                    f" priority {lead['priority']}{flag}"
                )
                out.extend(f"      why: {w}" for w in lead["why"])
        out.append("")
    out.append("== For managers")
    closures = ", ".join(f"{s} {n}" for s, n in sorted(d.closures_by_source.items())) or "none"
    out.append(f"  New closure notices by source: {closures}")
    out.append(f"  Unassigned open leads: {d.unassigned}")
    out.append(f"  Accounts found closing themselves: {d.flagged_closing}")
    if d.failed_sources:
        out.extend(f"  {_problem_line(r)}" for r in d.failed_sources)
    else:
        out.append("  Sources: all healthy in this run")
    if d.stale_sources:
        out.append(f"  Stale sources (no change in 30+ days): {', '.join(d.stale_sources)}")
    out.append("  Funnel: " + ", ".join(f"{k} {v}" for k, v in d.funnel.items()))
    return "\n".join(out) + "\n"


def _bars(values: list[tuple[str, int]], width: int = 560, bar_h: int = 18, color: str = "#2f6fab") -> str:
    peak = max((v for _, v in values), default=0) or 1
    rows = []
    for i, (label, v) in enumerate(values):
        y = i * (bar_h + 6)
        w = int((width - 170) * v / peak)
        rows.append(
            f'<text x="0" y="{y + 13}" font-size="12">{html.escape(label)}</text>'
            f'<rect x="110" y="{y}" width="{w}" height="{bar_h}" fill="{color}"/>'
            f'<text x="{115 + w}" y="{y + 13}" font-size="12">{v}</text>'
        )
    height = len(values) * (bar_h + 6)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">'
        + "".join(rows)
        + "</svg>"
    )


def _columns(values: list[tuple[date, int]], width: int = 600, height: int = 140) -> str:
    """Leads per day as columns, with a y axis (0, half, peak) so a bar's height reads as a count."""
    peak = max((v for _, v in values), default=0) or 1
    left, bottom, top = 34, 20, 10  # room for the y labels, the date labels, the peak label
    plot_h = height - bottom - top
    step = (width - left) / max(len(values), 1)
    parts = [f'<line x1="{left - 2}" y1="{top}" x2="{left - 2}" y2="{height - bottom}" stroke="#999"/>']
    for tick in sorted({0, peak // 2, peak}):
        y = height - bottom - int(plot_h * tick / peak)
        parts.append(
            f'<line x1="{left - 5}" y1="{y}" x2="{width}" y2="{y}" stroke="#eee"/>'
            f'<text x="{left - 7}" y="{y + 4}" font-size="10" text-anchor="end">{tick}</text>'
        )
    for i, (day, v) in enumerate(values):
        h = int(plot_h * v / peak)
        x = left + int(i * step)
        parts.append(
            f'<rect x="{x}" y="{height - bottom - h}" width="{max(int(step) - 3, 1)}" height="{h}" '
            f'fill="#d9822b"><title>{day.isoformat()}: {v}</title></rect>'
        )
        if i % 7 == 0 and i <= len(values) - 4:  # a label a week, none crowding the right edge
            parts.append(f'<text x="{x}" y="{height - 5}" font-size="10">{day.strftime("%m-%d")}</text>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="new leads per day, 0 to {peak}">' + "".join(parts) + "</svg>"
    )


def render_html(d: Digest) -> str:
    e = html.escape
    reps_html = []
    for rep in d.reps:
        groups = []
        for heading, leads in by_section(rep.leads):
            items = []
            for lead in leads:
                flag = (
                    ' <strong class="warn">account is closing: do not prospect</strong>'
                    if lead["flagged_closing"]
                    else ""
                )
                why = "".join(f"<li>{e(w)}</li>" for w in lead["why"])
                items.append(
                    f"<li><b>#{lead['lead']} {e(lead['account'])}</b> ({e(lead['city'] or '-')}, "
                    f"{e(lead['state'] or '-')}) priority {lead['priority']}{flag}<ul>{why}</ul></li>"
                )
            groups.append(f"<h3>{e(heading)}: {len(leads)}</h3><ol>{''.join(items)}</ol>")
        body = "".join(groups) if groups else "<p>No new leads.</p>"
        reps_html.append(f"<section><h2>{e(rep.name)}: {plural(len(rep.leads), 'new lead')}</h2>{body}</section>")
    failed = (
        "".join(f"<li class='warn'>{e(_problem_line(r))}</li>" for r in d.failed_sources)
        or "<li>All sources healthy in this run.</li>"
    )
    stale = (
        f"<p class='warn'>Stale sources (no change in 30+ days): {e(', '.join(d.stale_sources))}</p>"
        if d.stale_sources
        else ""
    )
    closures = "".join(f"<tr><td>{e(s)}</td><td>{n}</td></tr>" for s, n in sorted(d.closures_by_source.items()))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Digest {d.day.isoformat()}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:760px;margin:2em auto;color:#222}}
h1{{font-size:1.4em}}h2{{font-size:1.1em;border-bottom:1px solid #ddd}}.warn{{color:#b00020}}
table{{border-collapse:collapse}}td,th{{padding:2px 10px;border-bottom:1px solid #eee;text-align:left}}</style>
</head><body>
<h1>Orphaned-account digest, {d.day.isoformat()}</h1>
{"".join(reps_html)}
<section><h2>For managers</h2>
<p>Unassigned open leads: <b>{d.unassigned}</b>. Accounts found closing themselves: <b>{d.flagged_closing}</b>.</p>
<h3>New closure notices by source</h3>
<table><tr><th>source</th><th>new notices</th></tr>{closures or "<tr><td colspan=2>none</td></tr>"}</table>
<h3>Sources</h3><ul>{failed}</ul>{stale}
<h3>Funnel</h3>{_bars(list(d.funnel.items()))}
<h3>New orphaned accounts per day (30 days)</h3>{_columns(d.per_day)}
</section></body></html>
"""


@dataclass
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False

    @classmethod
    def from_env(cls) -> SmtpSettings | None:
        host = os.environ.get("LEADS_SMTP_HOST")
        if not host:
            return None
        return cls(
            host=host,
            port=int(os.environ.get("LEADS_SMTP_PORT", "25")),
            sender=os.environ.get("LEADS_SMTP_FROM", "leads@localhost"),
            user=os.environ.get("LEADS_SMTP_USER"),
            password=os.environ.get("LEADS_SMTP_PASSWORD"),
            starttls=os.environ.get("LEADS_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
        )


def _write_private(path: Path, content: str) -> None:
    """Write the whole file or nothing (temporary file, then rename), mode 0600: digests name accounts."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write(d: Digest, folder: Path) -> tuple[Path, Path]:
    """The day's digest files; a later run the same day replaces them (one digest per day)."""
    from leads.nightly import private_folder

    private_folder(folder)
    text_path = folder / f"digest-{d.day.isoformat()}.txt"
    html_path = folder / f"digest-{d.day.isoformat()}.html"
    _write_private(text_path, render_text(d))
    _write_private(html_path, render_html(d))
    return text_path, html_path


# -- the nightly's digest: cursors that move only once the work is done -----------------------------

CURSOR_USER = "~nightly"
LAST_DIGEST = "last_digest"  # when the newest digest file was cut
MAILED = "digest_mailed"  # per rep (user = the rep's name): up to when their e-mail went out


def _cursor(session: Session, user: str, name: str) -> datetime | None:
    row = session.get(UserCursor, (user, name))
    return _aware(row.value) if row is not None else None


def _set_cursor(session: Session, user: str, name: str, value: datetime) -> None:
    row = session.get(UserCursor, (user, name))
    if row is None:
        session.add(UserCursor(user=user, name=name, value=value))
    else:
        row.value = value
    session.flush()


def _day_cursor(day: date) -> str:
    return f"digest_since:{day.isoformat()}"


def write_daily(
    session: Session,
    folder: Path,
    *,
    day: date,
    crawl_results: list[dict[str, Any]] | None,
    now: datetime | None = None,
) -> tuple[Digest, tuple[Path, Path], datetime]:
    """Build and write the day's digest, then move the cursor (the caller commits after this returns).

    The day's digest starts where the last digest of an earlier day ended, so a second run the
    same day rewrites the file with everything of the first and more, and yesterday's file is
    never touched. A failure before the files are written leaves the cursor where it was.
    """
    cut = now or clock.now()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    since = _cursor(session, CURSOR_USER, _day_cursor(day))
    if since is None:
        since = _cursor(session, CURSOR_USER, LAST_DIGEST)
        _set_cursor(session, CURSOR_USER, _day_cursor(day), since or epoch)
    elif since == epoch:
        since = None
    d = build(session, since, crawl_results, day)
    paths = write(d, folder)
    _set_cursor(session, CURSOR_USER, LAST_DIGEST, cut)
    return d, paths, cut


@dataclass
class Recipient:
    rep: str
    address: str
    manager: bool


@dataclass
class MailReport:
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # address, why (retried next run)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # rep, why (fix the address)


def valid_address(address: str | None) -> bool:
    """A single plain addr-spec (local@domain): no display name, no list, no header injection."""
    from email.errors import HeaderParseError
    from email.headerregistry import Address

    if not address or any(c.isspace() or c in ',;<>"()[]\\' for c in address) or address.count("@") != 1:
        return False
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, HeaderParseError, IndexError):
        return False
    labels = parsed.domain.split(".")
    return bool(parsed.username) and all(labels) and parsed.addr_spec == address


def recipients(session: Session) -> tuple[list[Recipient], list[tuple[str, str]]]:
    """Active reps and managers with an e-mail address, and those whose address cannot be used."""
    good, bad = [], []
    for rep in session.scalars(select(Rep).where(Rep.active.is_(True), Rep.email.is_not(None)).order_by(Rep.name)):
        address = (rep.email or "").strip()
        if valid_address(address):
            good.append(Recipient(rep.name, address, rep.role == "manager"))
        else:
            bad.append((rep.name, f"e-mail address {address!r} is not valid"))
    return good, bad


def _message(d: Digest, smtp: SmtpSettings, address: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"Orphaned accounts digest {d.day.isoformat()}"
    msg["From"] = smtp.sender
    msg["To"] = address
    msg.set_content(render_text(d))
    msg.add_alternative(render_html(d), subtype="html")
    return msg


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    server = smtplib.SMTP(smtp.host, smtp.port, timeout=30)
    try:
        if smtp.starttls:
            server.starttls()
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
    except BaseException:
        server.close()
        raise
    return server


def mail(
    db: Any, smtp: SmtpSettings, *, day: date, cut: datetime, crawl_results: list[dict[str, Any]] | None
) -> MailReport:
    """Send each recipient what they have not received yet; each success commits that person's cursor.

    A rep gets their own section, a manager the whole digest, each since their own last e-mail
    (or, the first time, since the day's digest began). A failed send leaves that cursor where
    it was, so the next run sends it again with whatever is new; a bad address skips that
    person only.
    """
    report = MailReport()
    with db.session(read_only=True) as session:
        people, report.skipped = recipients(session)
        day_since = _cursor(session, CURSOR_USER, _day_cursor(day))
        since_of = {p.rep: _cursor(session, p.rep, MAILED) for p in people}
    server: smtplib.SMTP | None = None
    built: dict[datetime | None, Digest] = {}
    try:
        for person in people:
            since = since_of[person.rep] or day_since
            if since is not None and since.year == 1970:
                since = None
            try:
                if since not in built:
                    with db.session(read_only=True) as session:
                        built[since] = build(session, since, crawl_results, day)
                d = built[since]
                if not person.manager:
                    mine = [sec for sec in d.reps if sec.name == person.rep]
                    d = Digest(
                        d.day,
                        d.since,
                        mine,
                        d.closures_by_source,
                        d.unassigned,
                        d.failed_sources,
                        d.stale_sources,
                        d.funnel,
                        d.per_day,
                        d.flagged_closing,
                    )
                if server is None:
                    server = _connect(smtp)
                server.send_message(_message(d, smtp, person.address))
            except (OSError, smtplib.SMTPException) as exc:
                report.failed.append((person.address, _one_line(exc) or type(exc).__name__))
                if server is not None and isinstance(exc, (smtplib.SMTPServerDisconnected, OSError)):
                    server.close()
                    server = None  # reconnect for the next person
                continue
            with db.session() as session:
                _set_cursor(session, person.rep, MAILED, cut)
            report.sent.append(person.address)
    finally:
        if server is not None:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                server.close()
    return report
