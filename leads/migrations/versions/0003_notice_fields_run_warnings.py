"""notice fields temporary/amended/lat/lon, crawl run warnings

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("temporary", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("amended", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lon", sa.Float(), nullable=True))

    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warnings", sa.JSON(), nullable=True))

    _one_source_key_policy()


#: Sources whose keys were "<date>|<company case-folded>|<city case-folded>[#n]" before 0003.
REKEYED = ("warn_ca", "warn_tn")


def policy_key(old: str) -> str:
    """The key spiders/tabular.make_key gives the same row: punctuation and spaces dropped from the
    company and city parts ("2019-06-27|forever 21 retail, inc.|palmdale" -> "...|forever21retailinc|palmdale")."""
    suffix = re.search(r"#\d+$", old)
    body = old[: suffix.start()] if suffix else old
    date_part, _, rest = body.partition("|")
    parts = [re.sub(r"[^0-9a-z]+", "", part) for part in rest.split("|")]
    return "|".join([date_part, *parts]) + (suffix.group(0) if suffix else "")


def _one_source_key_policy() -> None:
    """Rewrite the stored California and Tennessee keys to the one policy every source now follows, so
    the next crawl updates those notices instead of storing them a second time. A key that would collide
    with one already stored (two spellings of one notice stored apart) is left as it was."""
    notices = sa.table(
        "notices", sa.column("id", sa.Integer), sa.column("source", sa.String), sa.column("source_key", sa.String)
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(notices.c.id, notices.c.source, notices.c.source_key).where(notices.c.source.in_(REKEYED))
    ).all()
    taken = {(source, key) for _id, source, key in rows}
    for row_id, source, key in rows:
        new = policy_key(key)
        if new != key and (source, new) not in taken:
            conn.execute(notices.update().where(notices.c.id == row_id).values(source_key=new))
            taken.discard((source, key))
            taken.add((source, new))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_column("warnings")

    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_column("lon")
        batch_op.drop_column("lat")
        batch_op.drop_column("amended")
        batch_op.drop_column("temporary")
