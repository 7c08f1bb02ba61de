"""lead views: what each person was shown by `leads list --new`, per lead and arrival

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "lead_views",
        sa.Column("user", sa.String(length=100), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_lead_views_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user", "lead_id", name=op.f("pk_lead_views")),
    )
    with op.batch_alter_table("lead_views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_views_lead_id"), ["lead_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("lead_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_views_lead_id"))
    op.drop_table("lead_views")
