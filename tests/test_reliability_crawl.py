"""Issue 13 item 8, crawl half: one hostile notice costs one notice, never the source's crawl.

On PostgreSQL a NUL byte cannot be stored in text or JSON; before, one such notice rolled back
all of a source's notices and stored a multi-kilobyte SQL dump (other companies' rows) as the run's
message, which then reached the digest. Through the real `leads crawl`, on both databases.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from tests.conftest import FAST_CRAWL
from tests.helpers import FILES


def _rows(db_url: str, sql: str) -> list[dict]:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.text(sql))]
    engine.dispose()
    return rows


def _execute(db_url: str, sql: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text(sql))
    engine.dispose()


def _va_with(server, name: str, old: str, new: str) -> str:
    text = (FILES / "warn_va" / "va.csv").read_text(encoding="utf-8")
    assert text.count(old) >= 1
    return server.add(name, text.replace(old, new, 1).encode(), "text/csv")


def test_a_nul_byte_skips_only_that_notice_and_names_it(db_url, server, leads_cli) -> None:
    url = _va_with(server, "nul/va.csv", "AeroFarms,", "Aero\x00Farms,")
    result = leads_cli("crawl", "warn_va", "--url", url, "--json", *FAST_CRAWL, db_url=db_url)
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)[0]
    assert (run["outcome"], run["errors"], run["skipped"]) == ("ok", 0, 1), run
    assert run["new"] == run["items"] > 1000, run
    assert (
        f"source warn_va: invalid notice 'aerofarms|2025-12-11|ringgoldva' from {url} "
        "(company_name contains a NUL byte): skipped"
    ) in result.stderr
    assert not _rows(db_url, "select id from notices where company_name like 'Aero%Farms'")

    # The same file without the NUL: the skipped notice is the only new one.
    fixed = leads_cli(
        "crawl", "warn_va", "--url", server.url("files/warn_va/va.csv"), "--json", *FAST_CRAWL, db_url=db_url
    )
    assert fixed.returncode == 0, fixed.stderr
    assert (json.loads(fixed.stdout)[0]["new"], json.loads(fixed.stdout)[0]["skipped"]) == (1, 0)


def test_nul_bytes_in_columns_nobody_reads_are_marked_and_cost_no_notice(db_url, server, leads_cli) -> None:
    # One in a header the parser does not read (so in every raw row), one in such a cell.
    text = (FILES / "warn_va" / "va.csv").read_text(encoding="utf-8")
    body = text.replace("Contact Person,", "Contact\x00Person,", 1).replace("Carlos Nunez", "Carlos\x00Nunez", 1)
    url = server.add("nulraw/va.csv", body.encode(), "text/csv")
    result = leads_cli("crawl", "warn_va", "--url", url, "--json", *FAST_CRAWL, db_url=db_url)
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)[0]
    assert (run["outcome"], run["skipped"], run["errors"]) == ("ok", 0, 0), run
    assert result.stderr.count("stored as U+FFFD in its raw row") == 1, result.stderr
    [aero] = _rows(db_url, "select raw from notices where company_name = 'AeroFarms'")
    raw = aero["raw"] if isinstance(aero["raw"], dict) else json.loads(aero["raw"])
    assert raw["Contact\ufffdPerson"] == "Carlos\ufffdNunez"
    assert run["new"] == len(_rows(db_url, "select id from notices"))


def test_a_nul_in_a_column_the_parser_needs_is_a_layout_error(sqlite_url, server, leads_cli) -> None:
    url = _va_with(server, "nulhead/va.csv", "Company,", "Com\x00pany,")
    result = leads_cli("crawl", "warn_va", "--url", url, "--json", *FAST_CRAWL, db_url=sqlite_url)
    assert result.returncode == 1
    assert "source warn_va: layout changed at" in result.stderr and "no column for company" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_employee_count_beyond_what_the_database_holds_skips_only_that_notice(db_url, server, leads_cli) -> None:
    url = _va_with(
        server, "huge/va.csv", "AeroFarms,12/11/2025,12/19/2025,173,", "AeroFarms,12/11/2025,12/19/2025,99999999999,"
    )
    result = leads_cli("crawl", "warn_va", "--url", url, "--json", *FAST_CRAWL, db_url=db_url)
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)[0]
    assert (run["outcome"], run["skipped"], run["errors"]) == ("ok", 1, 0), run
    assert "(employees 99999999999 is out of range): skipped" in result.stderr
    assert run["new"] == len(_rows(db_url, "select id from notices")) > 1000


def test_a_notice_the_database_refuses_is_skipped_alone(db_url, server, leads_cli) -> None:
    # A refusal nothing upstream foresaw (here a constraint the admin added for one company).
    assert leads_cli("db", "upgrade", db_url=db_url).returncode == 0
    _execute(
        db_url,
        "create trigger no_giants before insert on notices when new.company_name = 'Giant Delivers' "
        "begin select raise(abort, 'no giants here'); end"
        if db_url.startswith("sqlite")
        else "alter table notices add constraint no_giants check (company_name <> 'Giant Delivers')",
    )
    result = leads_cli(
        "crawl", "warn_va", "--url", server.url("files/warn_va/va.csv"), "--json", *FAST_CRAWL, db_url=db_url
    )
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)[0]
    giants = (FILES / "warn_va" / "va.csv").read_text(encoding="utf-8").count("\nGiant Delivers,")
    assert (run["outcome"], run["skipped"]) == ("ok", giants), run
    assert "source warn_va: the database refused notice 'giantdelivers|2025-12-12|manassasva'" in result.stderr
    assert result.stderr.count("the database refused notice") == giants
    assert "no_giants" in result.stderr or "no giants here" in result.stderr
    assert "INSERT" not in result.stderr and "AeroFarms" not in result.stderr
    assert run["new"] == run["items"] == len(_rows(db_url, "select id from notices")) > 1000


def test_a_database_refusing_everything_fails_the_source_in_one_line_without_sql(db_url, server, leads_cli) -> None:
    # Before, the run's message (shown by `leads sources` and the digest) was the whole statement with
    # other companies' rows as parameters.
    assert leads_cli("db", "upgrade", db_url=db_url).returncode == 0
    _execute(
        db_url,
        "create trigger refuse_all before insert on notices begin select raise(abort, 'closed'); end"
        if db_url.startswith("sqlite")
        else "alter table notices add constraint closed check (company_name = '')",
    )
    result = leads_cli(
        "crawl", "warn_va", "--url", server.url("files/warn_va/va.csv"), "--json", *FAST_CRAWL, db_url=db_url
    )
    assert result.returncode == 1
    message = json.loads(result.stdout)[0]["message"]
    assert message.startswith("could not store notices: ") and "closed" in message, message
    assert "INSERT" not in message and "AeroFarms" not in message and "\n" not in message, message
    assert "INSERT" not in result.stderr and "AeroFarms" not in result.stderr
    assert [r["message"] for r in _rows(db_url, "select message from crawl_runs")] == [message]
    assert not _rows(db_url, "select id from notices")
