"""The Scrapyd deployment scrapy.cfg describes: a real Scrapyd on 127.0.0.1, the egg scrapyd-deploy builds,
warn_va scheduled against the fault server, rows and the crawl run checked on SQLite and PostgreSQL.

See docs/scrapyd.md. Scrapyd runs each job with its own Python, here this venv: that is where the
project's dependencies come from, as on a crawl machine.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT

pytest.importorskip("scrapyd", reason="scrapyd is not installed (pip install '.[test]' installs it)")
pytest.importorskip("scrapyd_client", reason="scrapyd-client is not installed (pip install '.[test]' installs it)")

SETTINGS_MODULE = "leads.scrapy_project"
# What the checkout's files are; the copy that scrapyd-deploy builds from is made of these.
PROJECT_FILES = ["scrapy.cfg", "pyproject.toml", "README.md", "cli.py", "leads", "spiders"]
ENTRY_POINT_TABLE = f'\n[project.entry-points.scrapy]\nsettings = "{SETTINGS_MODULE}"\n'


def _entry_point_declared(pyproject: Path) -> bool:
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return data["project"].get("entry-points", {}).get("scrapy", {}).get("settings") == SETTINGS_MODULE


def _deploy_project_name() -> str:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "scrapy.cfg")
    return cfg["deploy"]["project"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, endpoint: str, data: dict[str, str | list[str]] | None = None) -> dict:
    url = f"{base}/{endpoint}"
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=30) as response:
        return json.load(response)


class Scrapyd:
    def __init__(self, base: str, home: Path, process: subprocess.Popen[bytes]) -> None:
        self.base, self.home, self.process = base, home, process

    def api(self, endpoint: str, data: dict[str, str | list[str]] | None = None) -> dict:
        return _api(self.base, endpoint, data)

    def job_log(self, project: str, spider: str, job: str) -> str:
        path = self.home / "logs" / project / spider / f"{job}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else "(no job log)"

    def daemon_log(self) -> str:
        return (self.home / "scrapyd.out").read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scrapyd]:
    """A real Scrapyd on 127.0.0.1 in a temp folder, polling its queue twice a second."""
    home = tmp_path_factory.mktemp("scrapyd")
    port = _free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\n"
        f"logs_dir = {home / 'logs'}\n"
        f"dbs_dir = {home / 'dbs'}\n"
        "items_dir =\n"
        "jobs_dir =\n"
        "poll_interval = 0.5\n",
        encoding="utf-8",
    )
    env = dict(os.environ)
    for name in (
        "LEADS_DATABASE_URL",
        "SCRAPY_SETTINGS_MODULE",
        "SCRAPY_PROJECT",
        "SCRAPYD_BIND_ADDRESS",
        "SCRAPYD_HTTP_PORT",
        "SCRAPYD_UNIX_SOCKET_PATH",
    ):
        env.pop(name, None)
    # Scrapyd reads scrapyd.conf from its working directory.
    with open(home / "scrapyd.out", "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapyd"], cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    daemon = Scrapyd(f"http://127.0.0.1:{port}", home, process)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"scrapyd exited with {process.returncode}:\n{daemon.daemon_log()}")
            try:
                if daemon.api("daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"scrapyd did not answer in 30 s:\n{daemon.daemon_log()}")
            time.sleep(0.2)
        yield daemon
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def deployed(scrapyd: Scrapyd, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The project deployed with the real scrapyd-deploy; returns the Scrapyd project name.

    scrapyd-deploy writes a setup.py and build/ next to scrapy.cfg, so it runs in a copy of the
    checkout, not in the checkout itself.
    """
    project = _deploy_project_name()
    copy = tmp_path_factory.mktemp("checkout")
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, copy / name)
    if not _entry_point_declared(copy / "pyproject.toml"):
        # Until the checkout declares it (test_pyproject_declares_the_scrapy_settings_entry_point
        # fails meanwhile), the copy gets the table the egg needs; nothing else differs.
        with open(copy / "pyproject.toml", "a", encoding="utf-8") as fh:
            fh.write(ENTRY_POINT_TABLE)
    with open(copy / "scrapy.cfg", "a", encoding="utf-8") as fh:
        fh.write(f"\n[deploy:test]\nurl = {scrapyd.base}/\nproject = {project}\n")
    result = subprocess.run(
        [sys.executable, "-m", "scrapyd_client.deploy", "test", "--version", "1"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    # Scrapyd answers a broken egg with HTTP 200 and status "error": scrapyd-deploy exits 0 then.
    answer = json.loads(result.stdout)
    assert answer["status"] == "ok", answer.get("message")
    with zipfile.ZipFile(scrapyd.home / "eggs" / project / "1.egg") as egg:
        names = set(egg.namelist())
        entry_points = egg.read("EGG-INFO/entry_points.txt").decode()
    assert {"leads/pipelines.py", "leads/scrapy_project.py", "spiders/warn_va.py", "leads/migrations/env.py"} <= names
    assert any(n.startswith("leads/migrations/versions/") for n in names)
    assert f"[scrapy]\nsettings = {SETTINGS_MODULE}" in entry_points
    spiders = scrapyd.api(f"listspiders.json?project={project}")["spiders"]
    assert "warn_va" in spiders and len(spiders) == answer["spiders"]
    return project


def _wait_for_job(scrapyd: Scrapyd, project: str, job: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = scrapyd.api(f"listjobs.json?project={project}")
        if any(j["id"] == job for j in jobs["finished"]):
            return
        time.sleep(0.3)
    pytest.fail(f"job {job} did not finish in {timeout} s:\n{scrapyd.job_log(project, 'warn_va', job)}")


def _rows(db_url: str, sql: str) -> list[dict]:
    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.text(sql)).mappings()]
    finally:
        engine.dispose()


def test_pyproject_declares_the_scrapy_settings_entry_point() -> None:
    # Scrapyd finds a deployed project's settings through this entry point in the egg, and runs no
    # job (addversion.json answers an AttributeError) without it. setuptools takes entry points only
    # from pyproject.toml when it has a [project] table: the one in scrapyd-deploy's setup.py is ignored.
    assert _entry_point_declared(ROOT / "pyproject.toml"), (
        f"pyproject.toml needs{ENTRY_POINT_TABLE}for scrapyd-deploy to build an egg Scrapyd can run"
    )


def test_scrapy_cfg_makes_the_checkout_a_scrapy_project(tmp_path: Path) -> None:
    env = {**os.environ, "LEADS_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    scrapy = [sys.executable, "-m", "scrapy"]
    listed = subprocess.run([*scrapy, "list"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "warn_va" in listed.stdout.split()
    url = subprocess.run(
        [*scrapy, "settings", "--get", "LEADS_DATABASE_URL"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert url.stdout.strip() == env["LEADS_DATABASE_URL"]


def test_crawl_scheduled_on_scrapyd_is_stored_with_its_health(db_url, scrapyd, deployed, server, leads_cli) -> None:
    upgrade = leads_cli("db", "upgrade", db_url=db_url)  # the matching machine owns the schema
    assert upgrade.returncode == 0, upgrade.stderr
    url = server.url("files/warn_va/va.csv")
    job = scrapyd.api(
        "schedule.json",
        {
            "project": deployed,
            "spider": "warn_va",
            "url": url,
            "setting": [f"LEADS_DATABASE_URL={db_url}", "AUTOTHROTTLE_ENABLED=False"],
        },
    )
    assert job["status"] == "ok", job
    _wait_for_job(scrapyd, deployed, job["jobid"])
    log = scrapyd.job_log(deployed, "warn_va", job["jobid"])

    runs = _rows(db_url, "select source, outcome, items, new, errors, start_url from crawl_runs")
    assert len(runs) == 1, log
    run = runs[0]
    assert (run["source"], run["outcome"], run["errors"], run["start_url"]) == ("warn_va", "ok", 0, url), log
    assert run["items"] > 1000 and run["new"] == run["items"]
    assert _rows(db_url, "select count(*) as n from notices where source = 'warn_va'")[0]["n"] == run["items"]
    aero = _rows(db_url, "select city, state, employees, source_url from notices where company_name = 'AeroFarms'")
    assert aero == [{"city": "Ringgold", "state": "VA", "employees": 173, "source_url": url}]

    # Health is read where the matching runs, from the same database.
    sources = leads_cli("sources", "--json", db_url=db_url)
    assert sources.returncode == 0, sources.stderr
    va = next(s for s in json.loads(sources.stdout) if s["source"] == "warn_va")
    assert (va["last_outcome"], va["notices"]) == ("ok", run["items"])
