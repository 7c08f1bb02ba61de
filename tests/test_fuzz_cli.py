"""Issue 13: no Python traceback reaches a user from any command on bad input.

Every command of click's command tree is run, in process with click's CliRunner, with arguments
and files drawn by hypothesis from what each parameter declares (hostile text, bad numbers and
dates, unknown options, missing, empty, binary, malformed and huge-line files, a folder, a path in a missing folder), on one small SQLite
database. Each run must end with exit 0, 1 or 2 and nothing raised past the CLI. The runs are
derandomized (the same examples every time) and few per command, to stay fast.

`crawl`, `nightly` and `demo` run Scrapy's reactor (once per process) or the whole pipeline, so
they are tried through the real CLI in a subprocess, on a handful of bad inputs only, with what the
fuzzer found. LEADS_FUZZ_EXAMPLES=80 LEADS_FUZZ_RANDOM=1 runs a deeper, random search.
"""

from __future__ import annotations

import logging
import os
import zipfile
from datetime import date, timedelta

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli import cli
from leads.db import Database
from leads.models import Rep
from tests import factories as f

IN_SUBPROCESS = {("crawl",), ("nightly",), ("demo",)}


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            yield path, command
            yield from _commands(command, path)
        elif path not in IN_SUBPROCESS:
            yield path, command


COMMANDS = list(_commands(cli))


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, object]:
    """A migrated SQLite database with a manager, a rep, accounts and leads; and a folder of bad files."""
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'leads.db'}"
    database = Database(url)
    database.upgrade()
    with database.session() as s:
        boss, ana = Rep(name="boss", role="manager", territory={}), Rep(name="ana", role="rep", territory={})
        s.add_all([boss, ana])
        n = f.notice(s, "n1", "Sysco Virginia", effective=date.today() + timedelta(days=10))
        for i in range(3):
            f.lead(s, f.account(s, f"A-{i}", f"Account {i}", owner=ana), owner=ana if i else None, notice=n)
    database.dispose()
    files = folder / "files"
    files.mkdir()
    (files / "empty.csv").write_bytes(b"")
    (files / "header_only.csv").write_text("Account ID,Account Name\n")
    (files / "good.csv").write_text("Account ID,Account Name,State,Zip\nB-1,Bakery One,VA,22030\n")
    (files / "no_id.csv").write_text("Name,City\nAcme,Fairfax\n")
    (files / "bad_utf8.csv").write_bytes(b"Account ID,Account Name\nC-1,Caf\xe9 \xc3\xa9\n")
    (files / "binary.bin").write_bytes(bytes(range(256)) * 8)
    (files / "nul.csv").write_bytes(b"Account ID,Account Name\nD-1,Nul\x00Co\n")
    (files / "html.xlsx").write_text("<html><body>Please log in</body></html>")
    (files / "not_a_zip.xlsx").write_bytes(b"PK\x03\x04garbage")
    with zipfile.ZipFile(files / "empty_zip.xlsx", "w") as z:
        z.writestr("nothing.txt", "")
    (files / "profile.toml").write_text("[[profile]\nname = 1\n")
    (files / "quote.csv").write_text('Account ID,Account Name\n"E-1,"unterminated\n')
    (files / "huge_line.csv").write_text("Account ID,Account Name\nF-1," + "x" * 2_000_000 + "\n")
    (files / "folder").mkdir()
    paths = [str(p) for p in sorted(files.iterdir())]
    paths += [str(files / "missing.csv"), str(files / "no_such_folder" / "out.csv")]
    return {"url": url, "paths": paths, "home": folder}


HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "-1",
        "0",
        "999999999999999999999",
        "1e309",
        "nan",
        "2026-02-30",
        "tomorrow",
        "yesterday",
        '=HYPERLINK("http://x")',
        "'; DROP TABLE leads; --",
        "\r\nBcc: x@example.com",
        "ünïcödé 東京 Москва",
        "%s%n{0}",
        "a" * 5000,
        "A-1",
        "ana",
        "boss",
        "VA",
        "warn_va",
        "id=name",
        "=",
        "name:desc",
        "nope:sideways",
        "--",
    ]
)
TEXT = HOSTILE | st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00/"), max_size=12)
NUMBER = st.one_of(
    st.sampled_from(["1", "2", "3", "4", "0", "-5", "99999", "9223372036854775808"]),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["abc", "1.5", "", "1e3"]),
)


def _value(param: click.Parameter, paths: list[str]):
    kind = param.type
    if isinstance(kind, click.Path):
        return st.sampled_from(paths)
    if isinstance(kind, click.Choice):
        return st.sampled_from(list(kind.choices)) | st.sampled_from(list(kind.choices)) | TEXT
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        return NUMBER
    return TEXT


def _args(command: click.Command, paths: list[str]):
    """Arguments for one run: the command's arguments (sometimes too few or too many), a random
    subset of its options with drawn values, sometimes an option that does not exist."""
    parts = []
    for param in command.params:
        if isinstance(param, click.Argument):
            count = 1 if param.nargs == 1 else 2
            # Mostly as many as declared (so the command runs), sometimes one too few or too many.
            sizes = st.sampled_from([count, count, count, count - 1, count + 1])
            parts.append(sizes.flatmap(lambda n, p=param: st.lists(_value(p, paths), min_size=n, max_size=n)))
        elif isinstance(param, click.Option) and param.opts[0].startswith("--"):
            opt = param.opts[0]
            if param.is_flag:
                parts.append(
                    st.sampled_from([[], [opt]] + ([[param.secondary_opts[0]]] if param.secondary_opts else []))
                )
            else:
                parts.append(st.one_of(st.just([]), _value(param, paths).map(lambda v, o=opt: [o, v])))
    parts.append(st.sampled_from([[]] * 8 + [["--no-such-option"], ["extra"]]))
    return st.tuples(*parts).map(lambda groups: [a for g in groups for a in g]) if parts else st.just([])


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_no_traceback_from_any_command_on_bad_input(world, path, command) -> None:
    runner = CliRunner()

    @settings(
        max_examples=int(os.environ.get("LEADS_FUZZ_EXAMPLES", "6")),  # more for a deeper run
        deadline=None,
        derandomize=not os.environ.get("LEADS_FUZZ_RANDOM"),
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(who=st.sampled_from(["boss", "ana", "stranger"]), args=_args(command, world["paths"]))
    def run(who: str, args: list[str]) -> None:
        full = ["--db", world["url"], "--as", who, *path, *args]
        env = {"LEADS_DATA_DIR": str(world["home"] / "data"), "COLUMNS": "100"}
        result = runner.invoke(cli, full, env=env, catch_exceptions=True)
        # Each invocation adds a stderr handler (setup_logging); drop it with the runner's streams.
        logging.getLogger().handlers.clear()
        escaped = result.exception if not isinstance(result.exception, SystemExit) else None
        assert escaped is None, f"leads {' '.join(full)} raised {escaped!r}:\n{result.output}"
        assert result.exit_code in (0, 1, 2), f"leads {' '.join(full)} exit {result.exit_code}:\n{result.output}"
        assert "Traceback" not in result.output
        if os.environ.get("LEADS_FUZZ_LOG"):
            with open(os.environ["LEADS_FUZZ_LOG"], "a") as log:
                log.write(f"{result.exit_code}\t{' '.join(path)}\t{args!r}\t{result.output[-200:]!r}\n")

    run()


@pytest.mark.parametrize(
    "args",
    [
        ["crawl", "no_such_source"],
        ["crawl", "warn_va", "--file", "{bad}", "--url", "not a url"],
        ["nightly", "--url", "nonsense"],
        ["demo", "--folder", "{bad}"],
        # What the fuzzer found (fixed): an integer beyond 64 bits raised OverflowError from SQLite,
        # an empty --revision an AssertionError from Alembic.
        ["review", "--limit", "9223372036854775808"],
        ["show", "99999999999999999999"],
        ["db", "upgrade", "--revision", ""],
    ],
    ids=lambda a: " ".join(a),
)
def test_no_traceback_through_the_real_cli(args, leads_cli, sqlite_url, tmp_path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_bytes(b"\xff\xfe<html>\x00")
    assert leads_cli("--as", "boss", "reps", "add", "boss", "--role", "manager", db_url=sqlite_url).returncode == 0
    done = leads_cli("--as", "boss", *[a.replace("{bad}", str(bad)) for a in args], db_url=sqlite_url, timeout=120)
    assert done.returncode in (1, 2), done.stderr
    assert "Traceback" not in done.stderr and done.stderr.startswith(("Error:", "Usage:")), done.stderr


def test_a_huge_one_word_name_is_linked_within_memory(tmp_path) -> None:
    """What the deeper run found: `leads link` on a file whose name cell is one 2 MB word built its typo keys
    (the word without each letter in turn, 2 million keys of 2 MB) until the kernel killed it at 22 GB. The
    real CLI, held to 2 GiB of address space so the machine survives a regression."""
    import resource
    import subprocess

    from tests.conftest import LEADS_COMMAND

    junk = tmp_path / "junk.csv"
    junk.write_text("Account ID,Account Name\nF-1," + "x" * 2_000_000 + "\nF-2,Bakery One\n")
    good = tmp_path / "good.csv"
    good.write_text("Account ID,Account Name\nB-1,Bakery One\n")
    limit = 2 << 30

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    for left, right in ((good, junk), (junk, junk)):
        done = subprocess.run(
            [*LEADS_COMMAND, "--db", f"sqlite:///{tmp_path / 'leads.db'}", "link", str(left), str(right)]
            + ["--out", str(tmp_path / "pairs.csv")],
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=cap,
            env={**os.environ, "LEADS_DATA_DIR": str(tmp_path / "data")},
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert "Traceback" not in done.stderr
        assert "F-2" in (tmp_path / "pairs.csv").read_text()


def test_a_cell_too_long_for_csv_is_a_broken_file_not_a_parser_failure(tmp_path, leads_cli) -> None:
    """What the sweep of hostile files found: a 2 MB cell made the csv module raise, reported as
    "the warn_va parser failed: Error: ..."; it is a file that is no agency's table."""
    huge = tmp_path / "huge.csv"
    huge.write_text("Company,Date\n" + "x" * 2_000_000 + ",2026-01-02\n")
    for source in ("warn_va", "warn_mn"):
        done = leads_cli("parse", source, str(huge))
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith(
            f"Error: {huge}: not a readable CSV file (field larger than field limit (131072))"
        ), done.stderr
