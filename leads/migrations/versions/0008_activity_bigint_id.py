"""history ids (activity.id) as BIGINT on PostgreSQL

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

Reps' and managers' logins may use the history sequence (their INSERTs take the next id), so on an int4
serial a login calling ``nextval`` about 2.1 billion times would leave nobody able to write history. As
BIGINT (column and sequence) that takes millennia. SQLite's rowid is 64-bit already: nothing changes there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sequence() -> str | None:
    return op.get_bind().scalar(
        sa.text("SELECT pg_get_serial_sequence(quote_ident(current_schema()) || '.activity', 'id')")
    )


def upgrade() -> None:
    """Upgrade schema."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.alter_column("activity", "id", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False)
    seq = _sequence()
    if seq:  # its maximum was int4's, so it becomes int8's
        op.execute(f"ALTER SEQUENCE {seq} AS bigint")


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name != "postgresql":
        return
    seq = _sequence()
    if seq:
        op.execute(f"ALTER SEQUENCE {seq} AS integer")
    op.alter_column("activity", "id", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
