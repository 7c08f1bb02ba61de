"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""

    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("start_url", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crawl_runs_source"), ["source"], unique=False)

    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("company_name", sa.String(length=500), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=2), nullable=True),
        sa.Column("zip5", sa.String(length=5), nullable=True),
        sa.Column("notice_type", sa.String(length=20), nullable=False),
        sa.Column("notice_date", sa.Date(), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("industry_code", sa.String(length=20), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("name_norm", sa.String(length=500), nullable=False),
        sa.Column("address_norm", sa.String(length=500), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("source", "source_key", name=op.f("uq_notices_source_source_key")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_last_seen"), ["last_seen"], unique=False)
        batch_op.create_index(batch_op.f("ix_notices_source"), ["source"], unique=False)
        batch_op.create_index(batch_op.f("ix_notices_state"), ["state"], unique=False)

    op.create_table(
        "reps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("territory", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reps")),
        sa.UniqueConstraint("name", name=op.f("uq_reps_name")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=2), nullable=True),
        sa.Column("zip5", sa.String(length=5), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("incumbent_vendor", sa.String(length=500), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("do_not_contact", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("name_norm", sa.String(length=500), nullable=False),
        sa.Column("vendor_norm", sa.String(length=500), nullable=False),
        sa.Column("address_norm", sa.String(length=500), nullable=False),
        sa.Column("city_norm", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["reps.id"], name=op.f("fk_accounts_owner_id_reps"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("external_id", name=op.f("uq_accounts_external_id")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_vendor_norm"), ["vendor_norm"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_zip5"), ["zip5"], unique=False)

    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("follow_up", sa.Date(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("flagged_closing", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("lost_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_leads_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["reps.id"], name=op.f("fk_leads_owner_id_reps"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_follow_up"), ["follow_up"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_leads_open_account",
            ["account_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('new','contacted','meeting','proposal')"),
            postgresql_where=sa.text("status IN ('new','contacted','meeting','proposal')"),
        )

    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("from_value", sa.Text(), nullable=True),
        sa.Column("to_value", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("batch_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name=op.f("fk_activity_lead_id_leads"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_lead_id"), ["lead_id"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("matched", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name=op.f("fk_evidence_lead_id_leads"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_evidence_notice_id_notices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("lead_id", "notice_id", "kind", name=op.f("uq_evidence_lead_id_notice_id_kind")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_notice_id"), ["notice_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""

    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_notice_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_lead_id"))

    op.drop_table("evidence")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_lead_id"))
        batch_op.drop_index(batch_op.f("ix_activity_batch_id"))
        batch_op.drop_index(batch_op.f("ix_activity_at"))
        batch_op.drop_index(batch_op.f("ix_activity_actor"))

    op.drop_table("activity")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_leads_open_account",
            sqlite_where=sa.text("status IN ('new','contacted','meeting','proposal')"),
            postgresql_where=sa.text("status IN ('new','contacted','meeting','proposal')"),
        )
        batch_op.drop_index(batch_op.f("ix_leads_status"))
        batch_op.drop_index(batch_op.f("ix_leads_owner_id"))
        batch_op.drop_index(batch_op.f("ix_leads_follow_up"))
        batch_op.drop_index(batch_op.f("ix_leads_created_at"))
        batch_op.drop_index(batch_op.f("ix_leads_account_id"))

    op.drop_table("leads")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_zip5"))
        batch_op.drop_index(batch_op.f("ix_accounts_vendor_norm"))
        batch_op.drop_index(batch_op.f("ix_accounts_state"))
        batch_op.drop_index(batch_op.f("ix_accounts_owner_id"))

    op.drop_table("accounts")
    op.drop_table("reps")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_state"))
        batch_op.drop_index(batch_op.f("ix_notices_source"))
        batch_op.drop_index(batch_op.f("ix_notices_last_seen"))

    op.drop_table("notices")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crawl_runs_source"))

    op.drop_table("crawl_runs")
