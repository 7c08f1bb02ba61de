"""The agency-format files the tests build from row dumps, written out so the benchmarks can time them.

A source whose only saved data is a row dump (the values of an agency's XLSX/HTML/JSON, not its layout)
is tested on a file its test module rebuilds in the agency's format: ``REBUILT_FILES`` (file name ->
builder) in tests/test_<source>.py. The dumps themselves are ``NOT_RESPONSES`` there.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType


def test_module(source: str) -> ModuleType | None:
    if importlib.util.find_spec(f"tests.test_{source}") is None:
        return None
    return importlib.import_module(f"tests.test_{source}")


def not_responses(source: str) -> set[str]:
    module = test_module(source)
    return set(getattr(module, "NOT_RESPONSES", ())) if module else set()


def write_rebuilt(sources: list[str], folder: Path) -> list[tuple[str, Path]]:
    """(source, path) for every rebuilt file of ``sources``, written under ``folder/<source>/``."""
    found = []
    for source in sources:
        module = test_module(source)
        for name, build in (getattr(module, "REBUILT_FILES", {}) if module else {}).items():
            path = folder / source / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(build())
            found.append((source, path))
    return found
