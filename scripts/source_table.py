"""Print, check or rewrite the README's source table, generated from the source registry.

    python scripts/source_table.py           # print the table
    python scripts/source_table.py --check   # exit 1 when README.md is not current
    python scripts/source_table.py --write   # rewrite the table between its markers in README.md

A new source joins the table from its spider's metadata (name, region, source_format, verified_on,
agency_url): run --write after adding one (tests/test_registry.py fails until you do).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

README = ROOT / "README.md"
START, END = "<!-- sources:start (scripts/source_table.py --write) -->", "<!-- sources:end -->"


def current_block(text: str) -> str:
    head, sep, rest = text.partition(START)
    table, sep2, _tail = rest.partition(END)
    if not sep or not sep2:
        raise SystemExit(f"{README}: no {START} ... {END} markers around the source table")
    return table.strip("\n")


def rewritten(text: str, table: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table}\n{END}{tail}"


def main(argv: list[str]) -> int:
    from leads.registry import readme_table

    table = readme_table()
    text = README.read_text(encoding="utf-8")
    if "--check" in argv:
        if current_block(text) != table:
            print(
                f"{README}: the source table is not current; run python scripts/source_table.py --write",
                file=sys.stderr,
            )
            return 1
        return 0
    if "--write" in argv:
        README.write_text(rewritten(text, table), encoding="utf-8")
        return 0
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
