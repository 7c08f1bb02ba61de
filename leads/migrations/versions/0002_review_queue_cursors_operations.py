"""review queue, cursors, operations, closure keys, lead priority, logins

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""

    op.create_table(
        "operations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operations")),
    )
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_operations_actor"), ["actor"], unique=False)

    op.create_table(
        "user_cursors",
        sa.Column("user", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user", "name", name=op.f("pk_user_cursors")),
    )
    op.create_table(
        "match_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("matched", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_match_candidates_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_match_candidates_notice_id_notices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_candidates")),
        sa.UniqueConstraint(
            "notice_id", "account_id", "kind", name=op.f("uq_match_candidates_notice_id_account_id_kind")
        ),
    )
    with op.batch_alter_table("match_candidates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_candidates_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_match_candidates_notice_id"), ["notice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_match_candidates_status"), ["status"], unique=False)

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_hash", sa.String(length=64), nullable=True))
        batch_op.alter_column(
            "industry", existing_type=sa.VARCHAR(length=100), type_=sa.String(length=255), existing_nullable=True
        )

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Float(), server_default=sa.text("0"), nullable=False))
        batch_op.add_column(sa.Column("closure_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("employees", sa.Integer(), nullable=True))
        batch_op.create_index("ix_leads_owner_status_priority", ["owner_id", "status", "priority"], unique=False)
        batch_op.create_index("ix_leads_priority_id", ["priority", "id"], unique=False)
        batch_op.create_index("ix_leads_status_priority", ["status", "priority"], unique=False)

    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closure_key", sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f("ix_notices_closure_key"), ["closure_key"], unique=False)

    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("db_login", sa.String(length=63), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_reps_db_login"), ["db_login"])


def downgrade() -> None:
    """Downgrade schema."""

    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_reps_db_login"), type_="unique")
        batch_op.drop_column("db_login")

    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_closure_key"))
        batch_op.drop_column("closure_key")

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_status_priority")
        batch_op.drop_index("ix_leads_priority_id")
        batch_op.drop_index("ix_leads_owner_status_priority")
        batch_op.drop_column("employees")
        batch_op.drop_column("closure_date")
        batch_op.drop_column("priority")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.alter_column(
            "industry", existing_type=sa.String(length=255), type_=sa.VARCHAR(length=100), existing_nullable=True
        )
        batch_op.drop_column("import_hash")

    with op.batch_alter_table("match_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_candidates_status"))
        batch_op.drop_index(batch_op.f("ix_match_candidates_notice_id"))
        batch_op.drop_index(batch_op.f("ix_match_candidates_account_id"))

    op.drop_table("match_candidates")
    op.drop_table("user_cursors")
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operations_actor"))

    op.drop_table("operations")
