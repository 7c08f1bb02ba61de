"""fill closure_date, employees and priority of leads made before 0002

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

Leads created before migration 0002 got the new columns empty, so their priority ignored the
closure's timing and size. Each such lead takes them from its strongest evidence's notice (the
notice matching keeps for a lead: highest score, then the earliest notice), as `leads match`
would have. A data repair, not a user's edit: the lead's version and history do not change.
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = ("new", "contacted", "meeting", "proposal")


def upgrade() -> None:
    from leads.priority import priority  # pure: score, closure date, employees, today -> points

    conn = op.get_bind()
    meta = sa.MetaData()
    leads = sa.Table("leads", meta, autoload_with=conn)
    evidence = sa.Table("evidence", meta, autoload_with=conn)
    notices = sa.Table("notices", meta, autoload_with=conn)
    rows = conn.execute(
        sa.select(
            leads.c.id,
            leads.c.status,
            leads.c.score,
            evidence.c.score.label("ev_score"),
            notices.c.id.label("notice_id"),
            notices.c.effective_date,
            notices.c.notice_date,
            notices.c.employees,
        )
        .join(evidence, evidence.c.lead_id == leads.c.id)
        .join(notices, notices.c.id == evidence.c.notice_id)
        .where(leads.c.closure_date.is_(None), leads.c.employees.is_(None))
        .order_by(leads.c.id, evidence.c.score.desc(), notices.c.id)
    ).all()
    today = date.today()
    best: dict[int, dict] = {}
    for row in rows:
        if row.id in best:
            continue
        closure = row.effective_date or row.notice_date
        if closure is None and row.employees is None:
            continue  # nothing to take from this lead's notice
        values = {"lead_id": row.id, "closure": closure, "staff": row.employees}
        if row.status in OPEN:
            values["p"] = priority(row.score or 0.0, closure, row.employees, today)
        best[row.id] = values
    with_priority = [v for v in best.values() if "p" in v]
    without = [v for v in best.values() if "p" not in v]
    target = leads.c.id == sa.bindparam("lead_id")
    if with_priority:
        conn.execute(
            leads.update()
            .where(target)
            .values(closure_date=sa.bindparam("closure"), employees=sa.bindparam("staff"), priority=sa.bindparam("p")),
            with_priority,
        )
    if without:
        conn.execute(
            leads.update().where(target).values(closure_date=sa.bindparam("closure"), employees=sa.bindparam("staff")),
            without,
        )


def downgrade() -> None:
    """Nothing to undo: the filled values are what matching computes for these leads."""
