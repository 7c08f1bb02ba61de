"""Follow-ups with natural dates (issue 14 item 18), on a fixed today: the parser, then the real CLI."""

from __future__ import annotations

import json
from datetime import date, time, timedelta

import pytest

from leads.dates import FORMS, parse_follow_up
from leads.db import Database
from leads.models import Rep
from tests import factories as f

FRIDAY = date(2026, 12, 4)  # a Friday
TUESDAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "today", "day", "at"),
    [
        ("today", FRIDAY, FRIDAY, None),
        ("tomorrow", FRIDAY, date(2026, 12, 5), None),
        ("+3", FRIDAY, date(2026, 12, 7), None),
        ("+2w", FRIDAY, date(2026, 12, 18), None),
        ("in 3 days", FRIDAY, date(2026, 12, 7), None),
        ("in 2 weeks", FRIDAY, date(2026, 12, 18), None),
        ("in 1 month", date(2027, 1, 31), date(2027, 2, 28), None),  # the shorter month's last day
        # "monday" is the coming Monday, never today; "next friday" is next week's Friday.
        ("monday", FRIDAY, date(2026, 12, 7), None),
        ("Monday", date(2026, 12, 7), date(2026, 12, 14), None),
        ("friday", TUESDAY, FRIDAY, None),
        ("next friday", TUESDAY, date(2026, 12, 11), None),
        ("next monday", FRIDAY, date(2026, 12, 7), None),
        ("next  Monday", TUESDAY, date(2026, 12, 7), None),
        ("thu", FRIDAY, date(2026, 12, 10), None),
        # eow: this week's Friday (today on a Friday, next Friday on a weekend); eom: the month's last day.
        ("eow", TUESDAY, FRIDAY, None),
        ("eow", FRIDAY, FRIDAY, None),
        ("eow", date(2026, 12, 5), date(2026, 12, 11), None),
        ("eom", date(2026, 2, 10), date(2026, 2, 28), None),
        ("EOM", date(2028, 2, 10), date(2028, 2, 29), None),
        ("2026-12-07", FRIDAY, date(2026, 12, 7), None),
        # An optional time after the day, 24-hour or am/pm, with or without "at".
        ("tomorrow 14:30", FRIDAY, date(2026, 12, 5), time(14, 30)),
        ("2026-12-07 9am", FRIDAY, date(2026, 12, 7), time(9, 0)),
        ("2026-12-07T09:15", FRIDAY, date(2026, 12, 7), time(9, 15)),
        ("next monday at 9:30 pm", FRIDAY, date(2026, 12, 7), time(21, 30)),
        ("in 2 weeks 12am", FRIDAY, date(2026, 12, 18), time(0, 0)),
        ("eow 12pm", TUESDAY, FRIDAY, time(12, 0)),
    ],
)
def test_natural_follow_up_dates(text: str, today: date, day: date, at: time | None) -> None:
    assert parse_follow_up(text, today) == (day, at)


@pytest.mark.parametrize(
    "text", ["soon", "next", "in two weeks", "2026-02-30", "tomorrow 25:00", "tomorrow 13pm", "9am", "+", "12/07"]
)
def test_an_unknown_form_is_refused_with_the_accepted_forms(text: str) -> None:
    from leads.errors import InputError

    with pytest.raises(InputError) as refused:
        parse_follow_up(text, FRIDAY)
    message = str(refused.value)
    assert message.startswith(f"{text!r} is not a follow-up date")
    assert all(form in message for form in FORMS) and "9am" in message and "none to clear" in message


def _ana_with_a_lead(db_url: str) -> int:
    database = Database(db_url)
    database.upgrade()
    with database.session() as s:
        ana = Rep(name="ana", role="rep", territory={})
        s.add(ana)
        row = f.lead(s, f.account(s, "A-1", "Acme", owner=ana), owner=ana)
        s.flush()
        lead_id = row.id
    database.dispose()
    return lead_id


def test_follow_up_through_the_cli_with_natural_dates_and_a_time(db_url, leads_cli) -> None:
    lead_id = _ana_with_a_lead(db_url)
    env = {"LEADS_TODAY": FRIDAY.isoformat()}
    run = lambda *a: leads_cli("--as", "ana", *a, db_url=db_url, env=env)  # noqa: E731

    # Unquoted words are one date; the answer says which day it resolved to.
    set_it = run("follow-up", str(lead_id), "next", "monday", "9am")
    assert set_it.returncode == 0, set_it.stderr
    assert set_it.stdout.strip() == f"Lead {lead_id} follow-up: 2026-12-07 09:00 (Monday)."
    card = json.loads(run("show", str(lead_id), "--json").stdout)[0]
    assert (card["follow_up"], card["follow_up_time"]) == ("2026-12-07", "09:00")
    listed = json.loads(run("list", "--columns", "lead,follow_up,follow_up_time", "--json").stdout)
    assert listed == [{"lead": lead_id, "follow_up": "2026-12-07", "follow_up_time": "09:00"}]

    # Due goes by the day (LEADS_TODAY is the day here): not yet on Friday, due on Monday.
    assert json.loads(run("due", "--json").stdout) == []
    due = leads_cli("--as", "ana", "due", "--json", db_url=db_url, env={"LEADS_TODAY": "2026-12-07"})
    assert [r["lead"] for r in json.loads(due.stdout)] == [lead_id]

    # A new day without a time drops the old time; none clears both; a bad form changes nothing.
    assert run("follow-up", str(lead_id), "eow").stdout.strip() == f"Lead {lead_id} follow-up: 2026-12-04 (Friday)."
    assert run("follow-up", str(lead_id), "none").stdout.strip() == f"Lead {lead_id} follow-up: none."
    bad = run("follow-up", str(lead_id), "someday")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("Error: 'someday' is not a follow-up date: use today, tomorrow, +N")
    assert "next monday" in bad.stderr and "eow" in bad.stderr and "YYYY-MM-DD" in bad.stderr
    history = json.loads(run("history", str(lead_id), "--json").stdout)
    assert [(h["from"], h["to"]) for h in history if h["action"] == "follow_up"] == [
        (None, "2026-12-07 09:00"),
        ("2026-12-07 09:00", "2026-12-04"),
        ("2026-12-04", None),
    ]


def test_without_leads_today_the_real_clock_decides(sqlite_url, leads_cli) -> None:
    lead_id = _ana_with_a_lead(sqlite_url)
    out = leads_cli("--as", "ana", "follow-up", str(lead_id), "+1", db_url=sqlite_url)
    assert out.returncode == 0, out.stderr
    assert (date.today() + timedelta(days=1)).isoformat() in out.stdout
    bad = leads_cli("--as", "ana", "due", db_url=sqlite_url, env={"LEADS_TODAY": "Friday"})
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("Error: LEADS_TODAY='Friday' is not a date: use YYYY-MM-DD")
