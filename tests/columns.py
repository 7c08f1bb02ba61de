"""What agencies do to their files between two snapshots, done in the test to a real file's rows.

Never a hand-edited fixture: each variation is derived here from the saved agency file, so the
test shows exactly which edit the parser survives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any


def edit_columns(
    rows: Sequence[Sequence[Any]],
    header_at: int = 0,
    *,
    rename: Mapping[str, str] | None = None,
    drop: Sequence[str] = (),
    add: Mapping[str, Callable[[int], Any]] | None = None,
    reverse: bool = False,
) -> list[list[Any]]:
    """The rows with header cells renamed (old -> new), columns dropped by header, new columns added at
    the end (header -> value for data row n) and, when ``reverse``, the column order reversed.

    Rows above the header are kept as they are. A header named in ``rename`` or ``drop`` must exist.
    """
    rename, add = dict(rename or {}), dict(add or {})
    header = [("" if h is None else str(h)) for h in rows[header_at]]
    stripped = [h.strip() for h in header]
    for name in [*rename, *drop]:
        assert name in stripped, f"no column {name!r} among {stripped}"
    keep = [i for i, h in enumerate(stripped) if h not in drop]
    if reverse:
        keep.reverse()
    out = [list(r) for r in rows[:header_at]]
    new_header = [rename.get(stripped[i], rows[header_at][i]) for i in keep] + list(add)
    out.append(new_header)
    for n, row in enumerate(rows[header_at + 1 :], start=1):
        cells = [row[i] if i < len(row) else None for i in keep]
        blank = all(c is None or str(c).strip() == "" for c in row)
        out.append(cells + [None if blank else fn(n) for fn in add.values()])
    return out


def without_raw(notices: Sequence[Any], *fields: str) -> list[dict]:
    """Notices as dicts without raw (whose keys follow the headers) and without ``fields``."""
    return [{k: v for k, v in n.as_dict().items() if k not in ("raw", *fields)} for n in notices]
