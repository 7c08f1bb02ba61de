"""The digest's "new": assigned, not yet worked (no status change, note or follow-up date) and created since
the last digest, so the first digest does not call leads a rep already works "new" (issue 14 item 9)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from leads.db import Database
from leads.models import Account, Rep
from tests import factories as f
from tests.test_nightly import _prepare


def test_first_digest_leaves_out_leads_already_noted_or_given_a_follow_up(db_url, leads_cli, tmp_path) -> None:
    run = _prepare(db_url, leads_cli, tmp_path)
    database = Database(db_url)
    with database.session() as s:
        ana = s.scalar(sa.select(Rep).where(Rep.name == "ana"))
        accounts = {a.external_id: a for a in s.scalars(sa.select(Account))}
        leads = {ext: f.lead(s, accounts[ext], owner=ana) for ext in ("V-1", "V-2", "C-1")}
        s.flush()
        ids = {ext: lead.id for ext, lead in leads.items()}
    database.dispose()
    ana_cli = lambda *a: leads_cli("--as", "ana", *a, db_url=db_url)  # noqa: E731
    assert ana_cli("note", str(ids["V-1"]), "called, back next week").returncode == 0
    assert ana_cli("follow-up", str(ids["V-2"]), "tomorrow").returncode == 0
    nightly = run("nightly", "--no-crawl")
    assert nightly.returncode == 0, nightly.stdout + nightly.stderr
    text = (tmp_path / "data" / "digests" / f"digest-{date.today().isoformat()}.txt").read_text()
    assert "== ana: 1 new lead\n" in text
    assert f"#{ids['C-1']} Giant Delivers" in text
    assert f"#{ids['V-1']} " not in text and f"#{ids['V-2']} " not in text
