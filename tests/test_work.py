"""Working leads through the real CLI: roles, transitions, notes, follow-ups, assignment, undo, export."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
from datetime import date, timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from leads.db import Database
from leads.models import Activity, Lead, Rep
from tests import factories as f


def _team(database: Database) -> dict[str, int]:
    """A manager, two reps with territories and one with capacity 2; ten leads, unassigned."""
    with database.session() as s:
        mia = Rep(name="mia", role="manager", territory={})
        ana = Rep(name="ana", role="rep", territory={"states": ["VA"]})
        bo = Rep(name="bo", role="rep", territory={"states": ["MD"]}, capacity=2)
        cy = Rep(name="cy", role="rep", territory={"zip_prefixes": ["100"]})
        s.add_all([mia, ana, bo, cy])
        n = f.notice(s, "n1", "Sysco Virginia", effective=date.today() + timedelta(days=10), employees=300)
        ids = {}
        for i, (state, zip5) in enumerate(
            [
                ("VA", "22030"),
                ("VA", "22031"),
                ("MD", "20850"),
                ("MD", "20851"),
                ("MD", "20852"),
                ("NY", "10001"),
                ("TX", "75001"),
                ("TX", "75002"),
                ("OH", "44101"),
                ("OH", "44102"),
            ]
        ):
            acct = f.account(s, f"A-{i}", f"Account {i}", state=state, zip5=zip5, vendor="Sysco Virginia")
            ids[f"A-{i}"] = f.lead(s, acct, score=95 - i, notice=n, closure=n.effective_date, employees=300)
        s.flush()
        return {k: v.id for k, v in ids.items()}


def test_day_in_the_life_of_leads(db_url, leads_cli, tmp_path) -> None:
    database = Database(db_url)
    database.upgrade()
    ids = _team(database)
    run = lambda *a, who="mia": leads_cli("--as", who, *a, db_url=db_url)  # noqa: E731

    dry = run("assign", "--auto", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: would move" in dry.stderr
    with database.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Lead).where(Lead.owner_id.is_not(None))) == 0

    auto = run("assign", "--auto")
    assert auto.returncode == 0, auto.stderr
    owners = {}
    with database.session() as s:
        for lead in s.scalars(sa.select(Lead)):
            owners[lead.account.external_id] = lead.owner.name if lead.owner else None
    assert owners["A-0"] == owners["A-1"] == "ana"  # territory VA
    assert owners["A-2"] == owners["A-3"] == "bo"  # territory MD, capacity 2
    assert owners["A-5"] == "cy"  # zip prefix 100
    # A-4 (MD, bo full) and TX/OH go round-robin to the rep who waited longest, never over capacity.
    assert owners["A-4"] in {"ana", "cy"} and all(owners[k] in {"ana", "cy"} for k in ("A-6", "A-7", "A-8", "A-9"))
    assert sum(1 for v in owners.values() if v == "bo") == 2

    # A rep pulls their list: only their own, priority order, every format.
    listing = run("list", "--json", who="ana")
    rows = json.loads(listing.stdout)
    assert rows and all(r["owner"] == "ana" for r in rows)
    assert [r["priority"] for r in rows] == sorted((r["priority"] for r in rows), reverse=True)
    assert "match 95, closes in 10 days, 300 employees" == rows[0]["why"]
    new_first = json.loads(run("list", "--new", "--json", who="ana").stdout)
    assert len(new_first) == len(rows)
    assert json.loads(run("list", "--new", "--json", who="ana").stdout) == []  # cursor moved

    lead_a0 = ids["A-0"]
    bad = run("status", str(lead_a0), "won", who="ana")
    assert (
        bad.returncode == 1
        and "cannot go from new to won; allowed: contacted, meeting, lost, disqualified" in bad.stderr
    )
    ok = run("status", str(lead_a0), "contacted", "--note", "spoke to the owner", who="ana")
    assert ok.returncode == 0, ok.stderr
    assert run("note", str(lead_a0), "wants a quote by Friday", who="ana").returncode == 0
    assert run("follow-up", str(lead_a0), date.today().isoformat(), who="ana").returncode == 0
    due = json.loads(run("due", "--json", who="ana").stdout)
    assert [r["lead"] for r in due] == [lead_a0]
    lost = run("status", str(lead_a0), "lost", who="ana")
    assert lost.returncode == 1 and "needs --reason" in lost.stderr
    # Another rep cannot touch ana's lead.
    other = run("note", str(lead_a0), "mine now", who="cy")
    assert other.returncode == 1 and "belongs to ana" in other.stderr
    # History is the audit trail.
    hist = json.loads(run("history", str(lead_a0), "--json").stdout)
    assert [h["action"] for h in hist] == ["assign", "status", "note", "follow_up"]
    assert hist[1]["from"] == "new" and hist[1]["to"] == "contacted" and hist[1]["who"] == "ana"
    card = run("show", str(lead_a0))
    assert "Why it is a lead:" in card.stdout and "Sysco Virginia" in card.stdout

    # ana leaves: the manager previews, then moves her book; undo puts it back.
    preview = run("reps", "deactivate", "ana", "--reassign", "auto", "--dry-run")
    assert preview.returncode == 0 and "Dry run" in preview.stderr
    move = run("reps", "deactivate", "ana", "--reassign", "auto")
    assert move.returncode == 0, move.stderr
    with database.session() as s:
        ana = s.scalar(sa.select(Rep).where(Rep.name == "ana"))
        assert not ana.active
        assert (
            s.scalar(
                sa.select(sa.func.count())
                .select_from(Lead)
                .where(Lead.owner_id == ana.id, Lead.status.in_(["new", "contacted"]))
            )
            == 0
        )
    undo = run("undo")
    assert undo.returncode == 0 and "restored" in undo.stdout
    with database.session() as s:
        ana = s.scalar(sa.select(Rep).where(Rep.name == "ana"))
        assert ana.active and s.get(Lead, lead_a0).owner_id == ana.id

    # Only managers assign.
    denied = run("assign", "--auto", who="ana")
    assert denied.returncode == 1 and "only managers can assign leads" in denied.stderr

    # Export: do-not-contact never appears, formulas neutralized, XLSX too.
    with database.session() as s:
        acct = s.get(Lead, ids["A-1"]).account
        acct.do_not_contact = True
        s.get(Lead, ids["A-5"]).account.name = '=HYPERLINK("http://x")'
    exported = run("export", "--all", "--preset", "hubspot")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout, newline="")))
    names = [r["Company name"] for r in rows]
    assert "Account 1" not in names and '\'=HYPERLINK("http://x")' in names
    assert {r["Lead Status"] for r in rows} <= {"NEW", "ATTEMPTED_TO_CONTACT"}
    xlsx = run("export", "--all", "--preset", "salesforce", "--out", "leads.xlsx")
    assert xlsx.returncode == 0, xlsx.stderr
    sheet = load_workbook(tmp_path / "leads.xlsx").active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = values[0]
    companies = [row[header.index("Company")] for row in values[1:]]
    assert "Account 1" not in companies and '\'=HYPERLINK("http://x")' in companies
    assert all(c.data_type == "s" for c in sheet["A"])  # no live formula anywhere in the column
    database.dispose()


def test_reopening_needs_force_and_is_logged(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    ids = _team(database)
    lead_id = ids["A-6"]
    run = lambda *a: leads_cli("--as", "mia", *a, db_url=db_url)  # noqa: E731
    assert run("status", str(lead_id), "disqualified").returncode == 0
    refused = run("status", str(lead_id), "new")
    assert refused.returncode == 1 and "allowed: none (it is closed)" in refused.stderr
    forced = run("status", str(lead_id), "new", "--force")
    assert forced.returncode == 0, forced.stderr
    with database.session() as s:
        actions = [a.action for a in s.scalars(sa.select(Activity).where(Activity.lead_id == lead_id))]
    assert actions == ["status", "status_forced"]
    database.dispose()


def test_stale_version_is_refused_with_who_and_when(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    ids = _team(database)
    lead_id = str(ids["A-7"])
    run = lambda *a: leads_cli("--as", "mia", *a, db_url=db_url)  # noqa: E731
    seen = json.loads(run("show", lead_id, "--json").stdout)[0]["version"]
    assert run("note", lead_id, "first", "--expect-version", str(seen)).returncode == 0
    late = run("status", lead_id, "contacted", "--expect-version", str(seen))
    assert late.returncode == 1
    assert f"lead {lead_id} was changed by mia at" in late.stderr and "re-run" in late.stderr
    database.dispose()


def _hammer(db_url: str, lead_id: int, who: str, n: int) -> None:
    from leads.services.people import resolve_actor
    from leads.services.work import add_note

    database = Database(db_url)
    for i in range(n):
        with database.session() as s:
            add_note(s, resolve_actor(s, who), lead_id, f"{who} {i}")
    database.dispose()


def test_concurrent_writers_lose_no_update(db_url) -> None:
    """Four processes add notes to one lead at once: every note lands and the version counts them all."""
    database = Database(db_url)
    database.upgrade()
    ids = _team(database)
    lead_id = ids["A-8"]
    with database.session() as s:
        start = s.get(Lead, lead_id).version
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_hammer, args=(db_url, lead_id, "mia", 15)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    with database.session() as s:
        notes = s.scalar(
            sa.select(sa.func.count())
            .select_from(Activity)
            .where(Activity.lead_id == lead_id, Activity.action == "note")
        )
        assert notes == 60
        assert s.get(Lead, lead_id).version == start + 60
    database.dispose()


def _race(db_url: str, lead_id: int, who: str, version: int, barrier, results) -> None:
    from leads.errors import ConflictError
    from leads.services.people import resolve_actor
    from leads.services.work import add_note, set_status

    database = Database(db_url)
    barrier.wait(30)
    try:
        with database.session() as s:
            actor = resolve_actor(s, who)
            if who == "mia":
                set_status(s, actor, lead_id, "contacted", expect_version=version)
            else:
                add_note(s, actor, lead_id, "called", expect_version=version)
        results.put((who, "ok"))
    except ConflictError as exc:
        results.put((who, str(exc)))
    database.dispose()


def test_rep_and_manager_at_the_same_moment(db_url) -> None:
    """Both read version N and write at once: one wins, the other is told who changed the lead."""
    database = Database(db_url)
    database.upgrade()
    ids = _team(database)
    lead_id = ids["A-0"]
    with database.session() as s:
        lead = s.get(Lead, lead_id)
        lead.owner = s.scalar(sa.select(Rep).where(Rep.name == "ana"))
    with database.session() as s:
        version = s.get(Lead, lead_id).version
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_race, args=(db_url, lead_id, who, version, barrier, results)) for who in ("mia", "ana")
    ]
    for p in procs:
        p.start()
    outcomes = dict(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(30)
    assert sorted(v == "ok" for v in outcomes.values()) == [False, True]
    loser = next(who for who, v in outcomes.items() if v != "ok")
    winner = "ana" if loser == "mia" else "mia"
    assert f"was changed by {winner} at" in outcomes[loser] and "re-run" in outcomes[loser]
    with database.session() as s:
        assert s.get(Lead, lead_id).version == version + 1
    database.dispose()


def test_first_user_sets_up_the_team_then_roles_apply(sqlite_url, leads_cli) -> None:
    first = leads_cli("--as", "boss", "reps", "add", "boss", "--role", "manager", db_url=sqlite_url)
    assert first.returncode == 0, first.stderr
    stranger = leads_cli("--as", "eve", "reps", "add", "eve", "--role", "manager", db_url=sqlite_url)
    assert stranger.returncode == 1 and "eve is not on the team" in stranger.stderr
    added = leads_cli("--as", "boss", "reps", "add", "ana", "--states", "va,md", "--capacity", "5", db_url=sqlite_url)
    assert added.returncode == 0
    listed = json.loads(leads_cli("reps", "list", "--json", db_url=sqlite_url).stdout)
    assert {r["name"]: r["territory"] for r in listed} == {"ana": "states MD,VA", "boss": ""}
    bad = leads_cli("--as", "boss", "reps", "add", "zed", "--states", "Virginny", db_url=sqlite_url)
    assert bad.returncode == 1 and "unknown state 'Virginny'" in bad.stderr


def test_capacity_inactive_reps_and_a_reassigned_lead(db_url, leads_cli) -> None:
    database = Database(db_url)
    database.upgrade()
    ids = _team(database)
    run = lambda *a, who="mia": leads_cli("--as", who, *a, db_url=db_url)  # noqa: E731
    # Nobody has room: everything stays unassigned, and the command says why.
    for rep in ("ana", "bo", "cy"):
        assert run("reps", "edit", rep, "--capacity", "0").returncode == 0
    full = run("assign", "--auto")
    assert full.returncode == 0
    assert "10 stay unassigned (10: every active rep is at capacity)" in full.stderr
    # An inactive rep gets nothing, by hand or automatically.
    assert run("reps", "edit", "ana", "--capacity", "5", "--inactive").returncode == 0
    refused = run("assign", str(ids["A-0"]), "--to", "ana")
    assert refused.returncode == 1 and "ana is inactive" in refused.stderr
    auto = run("assign", "--auto")
    assert "10 stay unassigned" in auto.stderr
    # A rep cannot touch a lead the manager just gave to someone else.
    assert run("reps", "edit", "ana", "--active").returncode == 0
    assert run("reps", "edit", "cy", "--capacity", "5").returncode == 0
    assert run("assign", str(ids["A-0"]), "--to", "ana").returncode == 0
    assert run("assign", str(ids["A-0"]), "--to", "cy").returncode == 0
    late = run("status", str(ids["A-0"]), "contacted", who="ana")
    assert late.returncode == 1 and "belongs to cy" in late.stderr
    # Undo gives it back to ana (the manager's last bulk operation).
    assert run("undo").returncode == 0
    assert run("status", str(ids["A-0"]), "contacted", who="ana").returncode == 0
    database.dispose()


def test_list_and_export_filter_by_notice_type(db_url, leads_cli) -> None:
    """--type keeps leads with evidence from a notice of that type; repeatable; an unknown type is a usage error."""
    database = Database(db_url)
    database.upgrade()
    with database.session() as s:
        s.add(Rep(name="mia", role="manager", territory={}))
        warn = f.notice(s, "w1", "Sysco Virginia")
        registry = f.notice(s, "r1", "Katana", source="registry_il_chicago", notice_type="registry_closed")
        f.lead(s, f.account(s, "A-1", "Cafe One", vendor="Sysco Virginia"), notice=warn)
        f.lead(s, f.account(s, "A-2", "Cafe Two", vendor="Katana"), notice=registry)
    run = lambda *a: leads_cli("--as", "mia", *a, db_url=db_url)  # noqa: E731

    listed = run("list", "--all", "--type", "registry_closed", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [row["account"] for row in json.loads(listed.stdout)] == ["Cafe Two"]
    both = run("list", "--all", "--type", "registry_closed", "--type", "closure", "--json")
    assert sorted(row["account"] for row in json.loads(both.stdout)) == ["Cafe One", "Cafe Two"]
    exported = run("export", "--all", "--type", "closure")
    assert exported.returncode == 0, exported.stderr
    assert [row["account"] for row in csv.DictReader(io.StringIO(exported.stdout))] == ["Cafe One"]
    wrong = run("list", "--type", "liquidation")
    assert wrong.returncode == 2
    assert "Invalid value for '--type'" in wrong.stderr
