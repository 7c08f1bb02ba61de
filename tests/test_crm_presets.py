"""CRM export presets a CRM accepts (issue 14 item 19): Salesforce's required LastName and Company; both presets
carry the closed business, the evidence sentence and the rep's last note. Through the real CLI, both databases."""

from __future__ import annotations

import csv
import io
from datetime import date

from leads.db import Database
from leads.models import Rep
from tests import factories as f


def _one_worked_lead(db_url: str) -> int:
    database = Database(db_url)
    database.upgrade()
    with database.session() as s:
        ana = Rep(name="ana", role="rep", territory={})
        s.add_all([Rep(name="mia", role="manager", territory={}), ana])
        closed = f.notice(s, "n1", "Giant Delivers", city="Ringgold", effective=date(2025, 12, 11), employees=80)
        acct = f.account(s, "A-1", "Corner Deli", owner=ana, vendor="Giant Delivers", city="Danville")
        row = f.lead(s, acct, owner=ana, notice=closed, closure=closed.effective_date)
        s.flush()
        lead_id = row.id
    database.dispose()
    return lead_id


def test_salesforce_and_hubspot_presets_carry_what_a_crm_needs(db_url, leads_cli) -> None:
    lead_id = _one_worked_lead(db_url)
    run = lambda *a: leads_cli("--as", "ana", *a, db_url=db_url)  # noqa: E731
    assert run("note", str(lead_id), "left a voicemail").returncode == 0
    assert run("status", str(lead_id), "contacted", "--note", "owner wants a quote by Friday").returncode == 0
    assert run("follow-up", str(lead_id), "2031-01-02").returncode == 0  # history without a note

    sf = run("export", "--preset", "salesforce")
    assert sf.returncode == 0, sf.stderr
    assert sf.stderr.strip().splitlines()[-1] == "1 lead exported"  # not "1 leads"
    header = next(csv.reader(io.StringIO(sf.stdout)))
    assert header[:2] == ["Company", "LastName"]  # Salesforce's two required lead fields
    assert {"Description", "Closed Business", "Last Note", "Status", "LeadSource"} <= set(header)
    [row] = list(csv.DictReader(io.StringIO(sf.stdout)))
    assert row["Company"] == "Corner Deli" and row["LastName"] == "Unknown"
    assert row["Closed Business"] == "Giant Delivers"
    assert row["Description"].startswith(
        "Vendor Giant Delivers (your account's incumbent) filed a WARN closure notice"
    ), row["Description"]
    assert row["Last Note"] == "owner wants a quote by Friday"  # the newest note, not the voicemail
    assert row["Status"] == "Working - Contacted"

    hs = run("export", "--preset", "hubspot")
    assert hs.returncode == 0, hs.stderr
    [row_hs] = list(csv.DictReader(io.StringIO(hs.stdout)))
    assert row_hs["Company name"] == "Corner Deli"
    assert (row_hs["Closed Business"], row_hs["Description"], row_hs["Last Note"]) == (
        row["Closed Business"],
        row["Description"],
        row["Last Note"],
    )
    assert row_hs["Lead Status"] == "ATTEMPTED_TO_CONTACT"


def test_a_lead_without_notes_exports_an_empty_last_note(sqlite_url, leads_cli) -> None:
    _one_worked_lead(sqlite_url)
    out = leads_cli("--as", "mia", "export", "--preset", "salesforce", db_url=sqlite_url)
    assert out.returncode == 0, out.stderr
    [row] = list(csv.DictReader(io.StringIO(out.stdout)))
    assert row["Last Note"] == "" and row["LastName"] == "Unknown" and row["Company"] == "Corner Deli"
