"""Issue 13 scenarios 6 and 12: a database from a newer leads is refused by every command; leads from
before migration 0002 get their closure date and employees."""

from __future__ import annotations

import sqlalchemy as sa

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
    for args in (["db", "upgrade"], ["db", "current"], ["nightly", "--no-crawl"], ["nightly"], ["list"],
                 ["reps", "list"], ["reps", "add", "ana"], ["accounts", "import", str(_book(tmp_path))],
                 ["match"], ["assign", "--auto"], ["status", "1", "contacted"]):
        done = run(*args)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert done.stderr.startswith("Error: database ") and message in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert _counts(db_url) == before
    assert not (tmp_path / "data" / "logs").exists()  # the nightly refused before opening its log
    assert not (tmp_path / "data" / "digests").exists()
