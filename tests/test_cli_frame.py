"""The CLI frame: help, version, who is acting, errors, and a start-up that imports nothing heavy."""

from __future__ import annotations

import subprocess
import sys

from leads import __version__


def test_help_and_version(leads_cli) -> None:
    # Spawned, as a user starts it: the console script from a fresh interpreter (other calls are forked).
    result = leads_cli("--help", spawn=True)
    assert result.returncode == 0
    assert "Usage: leads" in result.stdout and "db" in result.stdout
    version = leads_cli("--version", spawn=True)
    assert version.stdout.strip() == f"leads, version {__version__}"


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "import cli\n"
        "r = CliRunner().invoke(cli.cli, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = sorted(m for m in ('scrapy', 'twisted', 'sqlalchemy', 'alembic', 'openpyxl', 'rapidfuzz', 'rich',"
        " 'pypdfium2') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_unknown_command_is_a_usage_error(leads_cli) -> None:
    result = leads_cli("nosuchcommand")
    assert result.returncode == 2 and "No such command" in result.stderr
