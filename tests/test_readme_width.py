"""Issue 14 item 5: the README's transcripts ("A rep's morning", "A manager's week") read at 80 columns."""

from __future__ import annotations

import re

from tests.conftest import ROOT

SECTIONS = ("## A rep's morning", "## A manager's week")
URL = re.compile(r"https?://\S+")


def _code_blocks(section: str) -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    body = text.split(section + "\n", 1)[1].split("\n## ", 1)[0]
    return [block.splitlines() for block in re.findall(r"```console\n(.*?)```", body, re.S)]


def test_readme_transcripts_fit_80_columns() -> None:
    for section in SECTIONS:
        blocks = _code_blocks(section)
        assert blocks, f"no transcript under {section}"
        for lines in blocks:
            # A URL longer than a line on its own stands alone (a terminal makes it clickable whole).
            long = [line for line in lines if len(line) > 80 and not URL.fullmatch(line.strip())]
            assert long == [], f"{section}: lines past 80 columns: {long}"
