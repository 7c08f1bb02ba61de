"""The source registry: every source described by its spider alone, and the layers kept apart.

Adding a source must touch only its spider module, its fixture folder and its test file; these tests
fail when something else (the README table, a hard-coded list) would need editing too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_every_source_describes_itself() -> None:
    from leads.registry import sources

    found = sources()
    assert found, "no spider found by Scrapy's spider loader"
    for source in found:
        assert source.region and source.source_format and source.agency_url.startswith("https://"), source
        assert source.verified_on, f"{source.name}: set verified_on (what the parser was verified on)"
        for rel in source.demo_files.values():
            assert (ROOT / "tests" / "files" / rel).is_file(), f"{source.name}: demo file {rel} is not saved"


def test_readme_source_table_is_generated_from_the_registry() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "source_table.py"), "--check"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr


def test_readme_table_names_every_source_once() -> None:
    from leads.registry import names, readme_table

    rows = [line for line in readme_table().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == names()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_nothing_in_leads_imports_spiders() -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if m == "spiders" or m.startswith("spiders."))
        for p in (ROOT / "leads").rglob("*.py")
    }
    assert {p: m for p, m in offenders.items() if m} == {}


def test_storage_does_not_import_scrapy() -> None:
    code = (
        "import sys, leads.store, leads.health, leads.registry, leads.vocabulary; "
        "bad = sorted(m for m in sys.modules if m == 'scrapy' or m.startswith('scrapy.')); print(bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
