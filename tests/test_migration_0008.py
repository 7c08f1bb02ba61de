"""Migration 0008 (issue 13 scenario 2): on PostgreSQL the history ids are BIGINT, column and sequence, so a
login that may draw ids from the sequence cannot exhaust it; history written before the migration keeps its ids
and the next row continues after them. On SQLite nothing changes (the rowid is 64-bit)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from leads.db import Database


def _types(conn) -> tuple[str, str | None]:
    column = conn.scalar(
        sa.text(
            "select data_type from information_schema.columns "
            "where table_schema = current_schema() and table_name = 'activity' and column_name = 'id'"
        )
    )
    seq = conn.scalar(sa.text("select pg_get_serial_sequence(quote_ident(current_schema()) || '.activity', 'id')"))
    seq_type = conn.scalar(
        sa.text("select data_type::text from pg_sequences where format('%I.%I', schemaname, sequencename) = :s"),
        {"s": seq},
    )
    return column, seq_type


@pytest.mark.postgres
def test_history_ids_become_bigint_and_continue(pg_url) -> None:
    database = Database(pg_url)
    database.upgrade("0007")
    insert = sa.text("insert into activity (at, actor, action) values (current_timestamp, 'boss', 'note')")
    with database.engine.begin() as conn:
        assert _types(conn) == ("integer", "integer")
        conn.execute(insert)
        before = conn.scalar(sa.text("select max(id) from activity"))
    database.upgrade()
    with database.engine.begin() as conn:
        assert _types(conn) == ("bigint", "bigint")
        conn.execute(insert)
        ids = conn.execute(sa.text("select id from activity order by id")).scalars().all()
        seq = conn.scalar(sa.text("select pg_get_serial_sequence(quote_ident(current_schema()) || '.activity', 'id')"))
        maximum = conn.scalar(
            sa.text("select max_value from pg_sequences where format('%I.%I', schemaname, sequencename) = :s"),
            {"s": seq},
        )
    database.dispose()
    assert ids == [before, before + 1]
    assert maximum == 2**63 - 1  # was 2**31 - 1: about 2.1 billion nextval calls ran it out


def test_sqlite_history_ids_are_unchanged(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'leads.db'}")
    database.upgrade()
    with database.engine.begin() as conn:
        conn.execute(sa.text("insert into activity (at, actor, action) values (current_timestamp, 'boss', 'note')"))
        assert conn.scalar(sa.text("select id from activity")) == 1
        assert conn.scalar(sa.text("select version_num from alembic_version")) == "0008"
    database.dispose()
