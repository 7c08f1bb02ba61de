"""Issue 13 scenarios 5, 6 (nightly part), 10 and issue 14 item 9: the digest is never lost, and reads right.

Through the real CLI with the local HTTP server and a real SMTP server (aiosmtpd) on 127.0.0.1.
"""

from __future__ import annotations

import socket
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.test_nightly import SETTINGS, _prepare, _urls


def _free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd's controller cannot start on port 0
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Smtp:
    """A real SMTP server that can refuse chosen recipients (RCPT 550) until told otherwise."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received: list[tuple[list[str], str]] = []
        self.refuse: set[str] = set()
        outer = self

        class Handler:
            async def handle_RCPT(self, server_, session, envelope, address, rcpt_options):  # noqa: N802
                if address in outer.refuse:
                    return "550 mailbox unavailable"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server_, session, envelope):  # noqa: N802
                outer.received.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
                return "250 OK"

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def env(self) -> dict[str, str]:
        return {
            "LEADS_SMTP_HOST": "127.0.0.1",
            "LEADS_SMTP_PORT": str(self.port),
            "LEADS_SMTP_FROM": "digest@example.test",
        }

    def to(self, address: str) -> list[str]:
        """The plain-text part of every message sent to exactly ``address``, decoded."""
        import email
        from email import policy

        out = []
        for rcpt, raw in self.received:
            if rcpt == [address]:
                msg = email.message_from_string(raw, policy=policy.default)
                out.append(msg.get_body(("plain",)).get_content())
        return out


@pytest.fixture
def smtp():
    server = Smtp()
    server.controller.start()
    yield server
    server.controller.stop()


def _digest_text(tmp_path: Path) -> str:
    return (tmp_path / "data" / "digests" / f"digest-{date.today().isoformat()}.txt").read_text()


def test_an_smtp_outage_loses_no_digest_and_the_next_run_sends_it(db_url, server, smtp, leads_cli, tmp_path):
    run = _prepare(db_url, leads_cli, tmp_path)
    down = {**smtp.env(), "LEADS_SMTP_PORT": str(_free_port())}  # nobody listens there
    first = run("nightly", *_urls(server), *SETTINGS, env=down)
    assert first.returncode == 1
    assert "Error: nightly finished with problems in: digest" in first.stderr
    assert "Traceback" not in first.stderr + first.stdout
    assert "2 failed (retried on the next run" in first.stdout
    assert "== ana: 2 new leads" in _digest_text(tmp_path)

    second = run("nightly", *_urls(server), *SETTINGS, env=smtp.env())
    assert second.returncode == 0, second.stdout + second.stderr
    # The same day's file is rewritten, still with what the first run found (not "0 new leads").
    assert "== ana: 2 new leads" in _digest_text(tmp_path)
    (ana,) = smtp.to("ana@example.test")
    assert "Danville Bistro" in ana and "Chatham Grill" in ana
    (boss,) = smtp.to("boss@example.test")
    assert "Danville Bistro" in boss

    # Sent once: the third run has nothing new for anyone.
    third = run("nightly", *_urls(server), *SETTINGS, env=smtp.env())
    assert third.returncode == 0, third.stderr
    assert "== ana: 0 new leads" in smtp.to("ana@example.test")[-1]
    assert "== ana: 2 new leads" in _digest_text(tmp_path)  # still the whole day in the day's file


def test_a_refused_recipient_is_retried_alone_and_a_bad_address_skips_only_that_rep(
    sqlite_url, server, smtp, leads_cli, tmp_path
):
    run = _prepare(sqlite_url, leads_cli, tmp_path)
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:  # an address a careless import could carry: a header injection attempt
        conn.execute(
            sa.text(
                "insert into reps (name, email, role, active, territory, created_at) values "
                "('cy', :e, 'rep', 1, '{\"states\": [\"VA\"]}', '2025-01-01')"
            ),
            {"e": "cy@example.test\r\nBcc: everyone@example.test"},
        )
    engine.dispose()
    smtp.refuse = {"ana@example.test"}
    first = run("nightly", *_urls(server), *SETTINGS, env=smtp.env())
    assert first.returncode == 1
    assert "1 failed (retried on the next run: ana@example.test)" in first.stdout
    assert "1 skipped for a bad address (cy)" in first.stdout
    assert "digest e-mail to cy skipped" in first.stderr + (tmp_path / "data" / "logs" / "nightly.log").read_text()
    assert len(smtp.to("boss@example.test")) == 1 and not smtp.to("ana@example.test")
    assert not any("everyone@example.test" in rcpt for rcpt, _ in smtp.received)

    smtp.refuse = set()
    second = run("nightly", "--no-crawl", env=smtp.env())
    assert second.returncode == 0, second.stdout + second.stderr
    (ana,) = smtp.to("ana@example.test")  # what she missed yesterday's run, sent now
    assert "== ana: 2 new leads" in ana and "Danville Bistro" in ana and "Chatham Grill" in ana
    assert "== ana: 0 new leads" in smtp.to("boss@example.test")[-1]  # boss had it already: not twice
    assert not any("everyone@example.test" in rcpt for rcpt, _ in smtp.received)


def test_the_first_digest_calls_new_only_what_nobody_worked(db_url, server, leads_cli, tmp_path):
    run = _prepare(db_url, leads_cli, tmp_path)
    crawled = run("crawl", "warn_va", "--url", server.url("files/warn_va/va.csv"), *SETTINGS)
    assert crawled.returncode == 0, crawled.stderr
    assert run("match").returncode == 0
    assert run("assign", "--auto").returncode == 0
    import json

    mine = json.loads(run("list", "--all", "--json").stdout)
    assert len(mine) == 2
    contacted = mine[0]["lead"]
    assert run("status", str(contacted), "contacted").returncode == 0
    first = run("nightly", "--no-crawl")
    assert first.returncode == 0, first.stdout + first.stderr
    text = _digest_text(tmp_path)
    assert "== ana: 1 new lead\n" in text
    assert f"#{contacted} " not in text


def test_one_line_per_closure_in_the_why_of_a_lead(db) -> None:
    """Two notices of one closure (same company, source and date, two sites), a third at another date."""
    from leads import digest
    from leads.models import Evidence, Rep
    from tests import factories as f

    with db.session() as s:
        ana = Rep(name="ana", role="rep", territory={})
        s.add(ana)
        s.flush()
        closing = date(2025, 3, 1)
        a = f.notice(s, "k1", "Super Rx, Inc.", effective=closing)
        b = f.notice(s, "k2", "Super Rx, Inc.", effective=closing)
        c = f.notice(s, "k3", "Super Rx, Inc.", effective=closing + timedelta(days=30))
        b.address, b.closure_key, a.closure_key, c.closure_key = "2 Other St", "x2", "x1", "x3"
        account = f.account(s, "A-1", "Riot Games", vendor="Super Rx")
        lead = f.lead(s, account, owner=ana, notice=a, score=90)
        s.flush()
        for n in (b, c):
            s.add(Evidence(lead_id=lead.id, notice_id=n.id, kind="vendor_closed", score=90, matched={}))
        s.flush()
        d = digest.build(s, None, [])
    (section,) = [r for r in d.reps if r.name == "ana"]
    (entry,) = section.leads
    assert len(entry["why"]) == 2, entry["why"]
    assert entry["why"][0].endswith("and 1 more notice of the same closure")
    assert len(set(entry["why"])) == 2


def test_the_per_day_chart_has_a_labelled_y_axis() -> None:
    from leads.digest import _columns

    first = date(2025, 12, 1)
    svg = _columns([(first + timedelta(days=i), v) for i, v in enumerate([0, 3, 8, 1])])
    labels = [part.split(">")[1].split("<")[0] for part in svg.split('text-anchor="end"')[1:]]
    assert labels == ["0", "4", "8"]
    assert 'aria-label="new leads per day, 0 to 8"' in svg


def test_one_digest_file_per_day_and_yesterdays_is_kept(db, tmp_path) -> None:
    from leads import digest
    from leads.models import Rep
    from tests import factories as f

    folder = tmp_path / "digests"
    day1, day2 = date(2025, 12, 19), date(2025, 12, 20)
    t0 = datetime(2025, 12, 19, 6, tzinfo=UTC)
    with db.session() as s:
        ana = Rep(name="ana", role="rep", territory={})
        s.add(ana)
        s.flush()
        n = f.notice(s, "n1", "Sysco Virginia", effective=day1)
        first = f.lead(s, f.account(s, "A-1", "First Account", vendor="Sysco Virginia"), owner=ana, notice=n, score=90)
        first.created_at = t0 - timedelta(hours=1)
    with db.session() as s:
        digest.write_daily(s, folder, day=day1, crawl_results=[], now=t0)
    yesterday = (folder / f"digest-{day1}.txt").read_text()
    assert "== ana: 1 new lead\n" in yesterday and "First Account" in yesterday
    with db.session() as s:
        ana = s.scalar(sa.select(Rep).where(Rep.name == "ana"))
        lead = f.lead(
            s,
            f.account(s, "A-2", "Second Account", vendor="Sysco Virginia"),
            owner=ana,
            notice=s.scalar(sa.select(digest.Notice)),
            score=80,
        )
        lead.created_at = t0 + timedelta(hours=12)
    with db.session() as s:
        digest.write_daily(s, folder, day=day2, crawl_results=[], now=t0 + timedelta(days=1))
    with db.session() as s:  # a second run the same day: the file is replaced, and keeps the whole day
        digest.write_daily(s, folder, day=day2, crawl_results=[], now=t0 + timedelta(days=1, hours=2))
    today = (folder / f"digest-{day2}.txt").read_text()
    assert "== ana: 1 new lead\n" in today and "Second Account" in today and "First Account" not in today
    assert (folder / f"digest-{day1}.txt").read_text() == yesterday
    assert sorted(p.name for p in folder.iterdir()) == [
        f"digest-{d}.{x}" for d in (day1, day2) for x in ("html", "txt")
    ]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())


def test_degraded_and_failed_sources_are_shown(db) -> None:
    from leads import digest
    from leads.models import CrawlRun

    now = datetime.now(UTC)
    with db.session() as s:
        s.add_all(
            [
                CrawlRun(source="warn_va", outcome="ok", finished_at=now),
                CrawlRun(source="warn_ny", outcome="degraded", finished_at=now, message="3 rows skipped"),
                CrawlRun(source="warn_tn", outcome="ok", finished_at=now - timedelta(days=1)),
                CrawlRun(source="warn_tn", outcome="failed", finished_at=now, message="HTTP 503\n\n" + "x" * 5000),
            ]
        )
        s.flush()
        d = digest.build(s, None, None)
    text = digest.render_text(d)
    assert "  DEGRADED source warn_ny: degraded: 3 rows skipped" in text
    (tn,) = [line for line in text.splitlines() if "warn_tn" in line]
    assert tn.startswith("  FAILED source warn_tn: failed: HTTP 503 xxx") and len(tn) < 400
    assert "warn_va" not in text.split("== For managers")[1].split("Funnel")[0]
    from_run = digest.source_problems(
        None, [{"source": "warn_ia", "outcome": "degraded", "message": "", "warnings": ["layout: 2 columns missing"]}]
    )
    assert (
        digest._problem_line(from_run[0]) == "DEGRADED source warn_ia: degraded:  (warnings: layout: 2 columns missing)"
    )


def test_nightly_as_the_first_command_makes_private_files(server, leads_cli, tmp_path) -> None:
    """Scenario 10: no database, no data folder yet; the nightly creates them 0700 / 0600 like `db upgrade`."""
    data = tmp_path / "data"
    assert not data.exists()
    done = leads_cli("nightly", "--no-crawl")
    assert done.returncode == 0, done.stdout + done.stderr
    for folder in (data, data / "logs", data / "digests"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    files = [data / "leads.db", data / "logs" / "nightly.log", *(data / "digests").iterdir()]
    assert len(files) == 4
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
