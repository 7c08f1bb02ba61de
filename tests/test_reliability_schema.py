"""Issue 13 scenarios 6 and 12: a database from a newer leads is refused by every command; leads from
before migration 0002 get their closure date and employees."""

from __future__ import annotations

import sqlalchemy as sa

from leads.db import HEAD_REVISION
from tests.test_nightly import _book

TABLES = ("reps", "accounts", "notices", "leads", "activity", "crawl_runs", "user_cursors", "operations")


def _counts(db_url: str) -> dict[str, int]:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        out = {t: conn.execute(sa.text(f"select count(*) from {t}")).scalar_one() for t in TABLES}
        out["version"] = conn.execute(sa.text("select version_num from alembic_version")).scalar_one()
    engine.dispose()
    return out


def test_a_database_from_a_newer_leads_is_refused_by_every_command(db_url, leads_cli, tmp_path) -> None:
    run = lambda *a: leads_cli("--as", "boss", *a, db_url=db_url)  # noqa: E731
    assert run("reps", "add", "boss", "--role", "manager").returncode == 0
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("update alembic_version set version_num = '0999'"))
    engine.dispose()
    before = _counts(db_url)
    message = "this database was created by a newer leads (revision 0999); upgrade leads"
    for args in (
        ["db", "upgrade"],
        ["db", "current"],
        ["nightly", "--no-crawl"],
        ["nightly"],
        ["list"],
        ["reps", "list"],
        ["reps", "add", "ana"],
        ["accounts", "import", str(_book(tmp_path))],
        ["match"],
        ["assign", "--auto"],
        ["status", "1", "contacted"],
    ):
        done = run(*args)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert done.stderr.startswith("Error: database ") and message in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert _counts(db_url) == before
    assert not (tmp_path / "data" / "logs").exists()  # the nightly refused before opening its log
    assert not (tmp_path / "data" / "digests").exists()


def test_leads_from_before_0002_get_closure_date_and_employees(db_url, server, leads_cli, tmp_path) -> None:
    """Real notices and matching at head, the database taken back to 0001 (which drops the columns),
    then `leads db upgrade`: each lead gets back what matching had computed."""
    from alembic import command

    from leads.db import Database, alembic_config, migration_connection
    from tests.conftest import FAST_CRAWL
    from tests.test_nightly import _prepare

    run = _prepare(db_url, leads_cli, tmp_path)
    crawled = run("crawl", "warn_va", "--url", server.url("files/warn_va/va.csv"), *FAST_CRAWL)
    assert crawled.returncode == 0, crawled.stderr
    assert run("match").returncode == 0
    engine = sa.create_engine(db_url)
    query = sa.text("select id, closure_date, employees, priority from leads order by id")
    with engine.connect() as conn:
        expected = [tuple(r) for r in conn.execute(query)]
    assert len(expected) >= 2 and all(r[1] is not None and r[2] is not None for r in expected)

    database = Database(db_url)
    cfg = alembic_config(db_url)
    with migration_connection(database.engine) as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    database.dispose()
    with engine.connect() as conn:
        assert "closure_date" not in {c["name"] for c in sa.inspect(conn).get_columns("leads")}

    upgraded = run("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"upgraded from 0001 to {HEAD_REVISION}" in upgraded.stdout
    with engine.connect() as conn:
        after = [tuple(r) for r in conn.execute(query)]
    engine.dispose()
    assert [r[:3] for r in after] == [r[:3] for r in expected]
    assert [round(r[3], 1) for r in after] == [round(r[3], 1) for r in expected]
