"""Issue 14 item 13: filters and ZIPs that silently returned nothing or the wrong place."""

from __future__ import annotations

import json

import sqlalchemy as sa

from leads.db import Database
from leads.models import Rep
from tests import factories as f


def test_state_names_and_unknown_sources_in_lead_filters(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    with database.session() as s:
        s.add(Rep(name="morgan", role="manager", territory={}))
        notice = f.notice(s, "n1", "Sysco Virginia")
        f.lead(s, f.account(s, "A-1", "Alpha Virginia", state="VA"), notice=notice)
        f.lead(s, f.account(s, "A-2", "Beta New York", state="NY", zip5="10001"), notice=notice)
    database.dispose()
    run = lambda *a: leads_cli("--as", "morgan", *a, db_url=db_url)  # noqa: E731

    for state in ("NY", "ny", "New York", "new york"):
        listed = run("list", "--all", "--state", state, "--json")
        assert listed.returncode == 0, listed.stderr
        assert [row["account_id"] for row in json.loads(listed.stdout)] == ["A-2"], state
    bad = run("list", "--state", "ZZ")
    assert bad.returncode == 1 and bad.stderr.startswith("Error: --state ZZ: not a US state")
    assert "Traceback" not in bad.stderr

    ok = run("list", "--all", "--source", "warn_va", "--json")
    assert ok.returncode == 0 and len(json.loads(ok.stdout)) == 2
    unknown = run("list", "--source", "nosuch")
    assert unknown.returncode == 1
    assert "Error: --source nosuch: no notices from that source; sources with notices: warn_va" in unknown.stderr
    exported = run("export", "--source", "nosuch")
    assert exported.returncode == 1 and "--source nosuch" in exported.stderr


def test_a_zip_that_lost_its_leading_zero_must_agree_with_the_rows_state(db_url, manager, tmp_path) -> None:
    run = manager(db_url)
    book = tmp_path / "book.csv"
    book.write_text(
        "id,name,address,city,state,zip\n"
        "X-1,Omaha Steel,1 Main St,Omaha,NE,6810\n"  # an Excel number: 06810 is in Connecticut, not Nebraska
        "X-2,Hartford Tool,1 Main St,Hartford,CT,6103\n",  # 06103 is Hartford's: kept
        encoding="utf-8",
    )
    done = run("accounts", "import", str(book))
    assert done.returncode == 0, done.stderr
    assert "line 2: warning: zip '6810' read as 06810 is in CT, not NE: imported without a ZIP" in done.stderr
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        zips = {r[0]: r[1] for r in conn.execute(sa.text("select external_id, zip5 from accounts"))}
    engine.dispose()
    assert zips == {"X-1": None, "X-2": "06103"}
