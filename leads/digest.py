"""The morning digest: per rep, the new orphaned accounts and why; for managers, the state of the pipeline.

Written as text and as one self-contained HTML page (inline SVG charts, no external assets), and
sent by e-mail when SMTP is configured (LEADS_SMTP_HOST and friends).
"""

from __future__ import annotations

import html
import os
import smtplib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leads.models import LEAD_STATUSES, Account, Evidence, Lead, Notice, Rep
from leads.queries import source_health

KIND_LABEL = {"vendor_closed": "its vendor closed", "account_closing": "the account itself is closing",
              "competitor_nearby": "a competitor nearby closed"}


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


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def build(session: Session, since: datetime | None, crawl_results: list[dict[str, Any]] | None = None,
          today: date | None = None) -> Digest:
    today = today or date.today()
    start = since or datetime(1970, 1, 1, tzinfo=timezone.utc)
    reps = {r.id: RepSection(r.name, r.email) for r in session.scalars(
        select(Rep).where(Rep.active.is_(True)).order_by(Rep.name))}
    roles = dict(session.execute(select(Rep.id, Rep.role)).all())
    new_leads = session.execute(
        select(Lead, Account).join(Account, Lead.account_id == Account.id)
        .where(Lead.created_at > start, Lead.owner_id.is_not(None), Account.do_not_contact.is_(False))
        .order_by(Lead.priority.desc())
    ).all()
    lead_ids = [lead.id for lead, _ in new_leads]
    why: dict[int, list[str]] = {}
    seen: dict[tuple[int, str, str], int] = {}  # one line per closure, however many notices report it
    more: Counter[tuple[int, str, str]] = Counter()
    for start_i in range(0, len(lead_ids), 500):
        chunk = lead_ids[start_i:start_i + 500]
        for ev, notice in session.execute(select(Evidence, Notice).join(Notice, Evidence.notice_id == Notice.id)
                                          .where(Evidence.lead_id.in_(chunk)).order_by(Evidence.score.desc())):
            closure = (ev.lead_id, ev.kind, notice.closure_key or f"n{notice.id}")
            if closure in seen:
                more[closure] += 1
                continue
            seen[closure] = len(why.setdefault(ev.lead_id, []))
            when = notice.effective_date or notice.notice_date
            why[ev.lead_id].append(
                f"{KIND_LABEL.get(ev.kind, ev.kind)}: {notice.company_name} ({notice.source}, "
                f"{notice.notice_type}{', ' + when.isoformat() if when else ''}; score {ev.score:.0f})")
    for closure, n in more.items():
        lead_id = closure[0]
        why[lead_id][seen[closure]] += f" and {n} more notice{'s' if n > 1 else ''} of the same closure"
    for lead, account in new_leads:
        section = reps.get(lead.owner_id)
        if section is not None:
            section.leads.append({"lead": lead.id, "account": account.name, "city": account.city,
                                  "state": account.state, "priority": lead.priority,
                                  "flagged_closing": lead.flagged_closing,
                                  "why": why.get(lead.id, ["(no evidence recorded)"])})
    closures = dict(session.execute(select(Notice.source, func.count()).where(Notice.first_seen > start)
                                    .group_by(Notice.source)).all())
    unassigned = session.scalar(select(func.count()).select_from(Lead).where(
        Lead.owner_id.is_(None), Lead.status.in_(("new", "contacted", "meeting", "proposal")),
        Lead.flagged_closing.is_(False))) or 0
    health = source_health(session)
    if crawl_results:
        failed = [r for r in crawl_results if r.get("outcome") != "ok"]
    else:  # the crawl ran elsewhere (Scrapyd, another machine): the last recorded outcome per source
        failed = [{"source": s, "outcome": h["last_outcome"], "message": h.get("last_message") or ""}
                  for s, h in sorted(health.items()) if h.get("last_outcome") not in (None, "ok")]
    stale = sorted(s for s, h in health.items() if str(h.get("freshness", "")).startswith("stale"))
    funnel = dict.fromkeys(LEAD_STATUSES, 0)
    funnel.update(dict(session.execute(select(Lead.status, func.count()).group_by(Lead.status)).all()))
    first_day = today - timedelta(days=29)
    created = Counter()
    for (value,) in session.execute(select(Lead.created_at).where(
            Lead.created_at >= datetime.combine(first_day, datetime.min.time(), tzinfo=timezone.utc))):
        created[_aware(value).date()] += 1
    per_day = [(first_day + timedelta(days=i), created.get(first_day + timedelta(days=i), 0)) for i in range(30)]
    flagged = session.scalar(select(func.count()).select_from(Lead).where(Lead.flagged_closing.is_(True),
                                                                          Lead.created_at > start)) or 0
    sections = [sec for rid, sec in reps.items() if roles.get(rid) == "rep" or sec.leads]
    return Digest(today, since, sections, closures, unassigned, failed, stale, funnel, per_day, flagged)


def render_text(d: Digest) -> str:
    out = [f"Orphaned-account digest for {d.day.isoformat()}"
           + (f" (new since {d.since.strftime('%Y-%m-%d %H:%M UTC')})" if d.since else ""), ""]
    for rep in d.reps:
        out.append(f"== {rep.name}: {len(rep.leads)} new leads")
        for lead in rep.leads:
            flag = "  [ACCOUNT IS CLOSING: do not prospect]" if lead["flagged_closing"] else ""
            out.append(f"  #{lead['lead']} {lead['account']} ({lead['city'] or '-'}, {lead['state'] or '-'})"
                       f" priority {lead['priority']}{flag}")
            out.extend(f"      why: {w}" for w in lead["why"])
        out.append("")
    out.append("== For managers")
    closures = ", ".join(f"{s} {n}" for s, n in sorted(d.closures_by_source.items())) or "none"
    out.append(f"  New closure notices by source: {closures}")
    out.append(f"  Unassigned open leads: {d.unassigned}")
    out.append(f"  Accounts found closing themselves: {d.flagged_closing}")
    if d.failed_sources:
        for r in d.failed_sources:
            out.append(f"  FAILED source {r['source']}: {r['outcome']}: {r.get('message', '')}")
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
        rows.append(f'<text x="0" y="{y + 13}" font-size="12">{html.escape(label)}</text>'
                    f'<rect x="110" y="{y}" width="{w}" height="{bar_h}" fill="{color}"/>'
                    f'<text x="{115 + w}" y="{y + 13}" font-size="12">{v}</text>')
    height = len(values) * (bar_h + 6)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">'
            + "".join(rows) + "</svg>")


def _columns(values: list[tuple[date, int]], width: int = 600, height: int = 140) -> str:
    peak = max((v for _, v in values), default=0) or 1
    step = width / max(len(values), 1)
    parts = []
    for i, (day, v) in enumerate(values):
        h = int((height - 30) * v / peak)
        x = int(i * step)
        parts.append(f'<rect x="{x}" y="{height - 20 - h}" width="{max(int(step) - 3, 1)}" height="{h}" '
                     f'fill="#d9822b"><title>{day.isoformat()}: {v}</title></rect>')
        if i % 7 == 0 and i <= len(values) - 4:  # a label a week, none crowding the right edge
            parts.append(f'<text x="{x}" y="{height - 5}" font-size="10">{day.strftime("%m-%d")}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">'
            + "".join(parts) + "</svg>")


def render_html(d: Digest) -> str:
    e = html.escape
    reps_html = []
    for rep in d.reps:
        items = []
        for lead in rep.leads:
            flag = ' <strong class="warn">account is closing: do not prospect</strong>' \
                if lead["flagged_closing"] else ""
            why = "".join(f"<li>{e(w)}</li>" for w in lead["why"])
            items.append(f"<li><b>#{lead['lead']} {e(lead['account'])}</b> ({e(lead['city'] or '-')}, "
                         f"{e(lead['state'] or '-')}) priority {lead['priority']}{flag}<ul>{why}</ul></li>")
        body = f"<ol>{''.join(items)}</ol>" if items else "<p>No new leads.</p>"
        reps_html.append(f"<section><h2>{e(rep.name)}: {len(rep.leads)} new leads</h2>{body}</section>")
    failed = "".join(f"<li class='warn'>{e(r['source'])}: {e(r['outcome'])}: {e(r.get('message', ''))}</li>"
                     for r in d.failed_sources) or "<li>All sources healthy in this run.</li>"
    stale = (f"<p class='warn'>Stale sources (no change in 30+ days): {e(', '.join(d.stale_sources))}</p>"
             if d.stale_sources else "")
    closures = "".join(f"<tr><td>{e(s)}</td><td>{n}</td></tr>" for s, n in sorted(d.closures_by_source.items()))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Digest {d.day.isoformat()}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:760px;margin:2em auto;color:#222}}
h1{{font-size:1.4em}}h2{{font-size:1.1em;border-bottom:1px solid #ddd}}.warn{{color:#b00020}}
table{{border-collapse:collapse}}td,th{{padding:2px 10px;border-bottom:1px solid #eee;text-align:left}}</style>
</head><body>
<h1>Orphaned-account digest, {d.day.isoformat()}</h1>
{''.join(reps_html)}
<section><h2>For managers</h2>
<p>Unassigned open leads: <b>{d.unassigned}</b>. Accounts found closing themselves: <b>{d.flagged_closing}</b>.</p>
<h3>New closure notices by source</h3>
<table><tr><th>source</th><th>new notices</th></tr>{closures or '<tr><td colspan=2>none</td></tr>'}</table>
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
        return cls(host=host, port=int(os.environ.get("LEADS_SMTP_PORT", "25")),
                   sender=os.environ.get("LEADS_SMTP_FROM", "leads@localhost"),
                   user=os.environ.get("LEADS_SMTP_USER"), password=os.environ.get("LEADS_SMTP_PASSWORD"),
                   starttls=os.environ.get("LEADS_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"))


def write(d: Digest, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    text_path = folder / f"digest-{d.day.isoformat()}.txt"
    html_path = folder / f"digest-{d.day.isoformat()}.html"
    text_path.write_text(render_text(d), encoding="utf-8")
    html_path.write_text(render_html(d), encoding="utf-8")
    return text_path, html_path


def send(d: Digest, smtp: SmtpSettings, managers: list[str]) -> int:
    """One message per rep with an e-mail address (their section), one to managers (everything)."""
    sent = 0
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
        recipients = [(rep.email, Digest(d.day, d.since, [rep], d.closures_by_source, d.unassigned,
                                         d.failed_sources, d.stale_sources, d.funnel, d.per_day, d.flagged_closing))
                      for rep in d.reps if rep.email and rep.email not in managers]
        recipients += [(m, d) for m in managers]
        for address, part in recipients:
            msg = EmailMessage()
            msg["Subject"] = f"Orphaned accounts digest {d.day.isoformat()}"
            msg["From"] = smtp.sender
            msg["To"] = address
            msg.set_content(render_text(part))
            msg.add_alternative(render_html(part), subtype="html")
            server.send_message(msg)
            sent += 1
    return sent
