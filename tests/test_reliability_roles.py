"""docs/reliability.md's role table is what `leads db grant` gives each group, read back from PostgreSQL.

After a change to the grants, LEADS_WRITE_DOCS=1 rewrites the table in the doc from the database.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from leads.db import Database
from leads.security import role_matrix, role_table_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "reliability.md"
BLOCK = re.compile(r"<!-- roles:start [^>]*-->\n(.*?)<!-- roles:end -->", re.S)


@pytest.mark.postgres
def test_the_role_table_in_the_doc_is_what_the_grants_give(pg_url, leads_cli) -> None:
    prefix = f"lr{uuid.uuid4().hex[:10]}"
    try:
        for args in (["db", "upgrade"], ["db", "grant", "--all", "--group-prefix", prefix]):
            done = leads_cli(*args, db_url=pg_url)
            assert done.returncode == 0, done.stderr
        database = Database(pg_url)
        with database.session(read_only=True) as session:
            table = role_table_markdown(role_matrix(session, prefix))
        database.dispose()
    finally:
        admin = sa.create_engine(pg_url)
        with admin.begin() as conn:
            for group in (f"{prefix}_rep", f"{prefix}_manager"):
                if conn.scalar(sa.text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": group}):
                    conn.exec_driver_sql(f'DROP OWNED BY "{group}"')
                    conn.exec_driver_sql(f'DROP ROLE "{group}"')
        admin.dispose()
    # Each group's row for every table (nothing left out), and the doc says the same, cell for cell.
    assert table.count("\n| rep |") == table.count("\n| manager |") >= 11
    assert "| rep | leads | yes; rows: own leads | — | `status`, `follow_up`, `lost_reason`" in table
    doc = DOC.read_text(encoding="utf-8")
    found = BLOCK.search(doc)
    assert found, "docs/reliability.md has no <!-- roles:start --> ... <!-- roles:end --> block"
    if os.environ.get("LEADS_WRITE_DOCS") == "1":  # after a change to the grants: rewrite the block
        DOC.write_text(doc[: found.start(1)] + table + doc[found.end(1) :], encoding="utf-8")
        return
    assert found.group(1) == table, "docs/reliability.md's role table should read:\n" + table
