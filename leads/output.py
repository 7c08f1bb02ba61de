"""Rendering listings: a table by default, CSV, JSON or newline-delimited JSON; data goes to stdout.

Every listing command takes the same options (``output_options``) and hands its rows to
``render``. CSV and XLSX cells that a spreadsheet would run as a formula are neutralized.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import IO, Any

import click

FORMATS = ("table", "csv", "json", "ndjson")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> Any:
    """Make a text cell inert in a spreadsheet: a leading =, +, -, @, tab or CR gets a ' in front.

    Numbers stay numbers (a negative count is not a formula); only text is touched.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    """A JSON-friendly value: ISO dates, plain numbers, nested dicts kept."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _csv_cell(value: Any) -> str:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return _cell(value)
    return neutralize(_cell(value))


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], out: IO[str]) -> int:
    # RFC 4180 line ends: the csv module then also quotes a lone CR inside a value.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
        n += 1
    return n


def write_xlsx(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], path: str, sheet: str = "leads") -> int:
    """An XLSX file whose text cells are stored as inert strings (openpyxl would store '=...' as a formula)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(list(columns))
    n = 0
    for row in rows:
        values = []
        for c in columns:
            v = _plain(row.get(c))
            if isinstance(v, (dict, list)):
                v = json.dumps(v, ensure_ascii=False, sort_keys=True)
            values.append(neutralize(v))
        ws.append(values)
        n += 1
    wb.save(path)
    return n


@dataclass(frozen=True)
class Fit:
    """How a listing fits a terminal: which columns matter most, which may be shortened.

    ``order``: columns by importance (the first is always shown; a column not named appears only with
    --wide or --columns). ``squeeze``: column -> (narrowest, comfortable) widths for a column that may be
    cut with an ellipsis (long names). ``short``: column -> the row key of its short form (unless --wide).
    """

    order: Sequence[str]
    squeeze: Mapping[str, tuple[int, int]] = dataclass_field(default_factory=dict)
    short: Mapping[str, str] = dataclass_field(default_factory=dict)
    #: The long forms when the whole table fits with them (the review queue's evidence on a wide terminal).
    long_when_fits: bool = False


def table_width(out: IO[str]) -> int | None:
    """The width a table must fit: COLUMNS when set, else the terminal's; None for a pipe (all of it)."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    if hasattr(out, "isatty") and out.isatty():
        return shutil.get_terminal_size().columns
    return None


def pick_columns(option: str | None, available: Sequence[str], default: Sequence[str]) -> list[str]:
    """``--columns a,b,c`` checked against the fields a listing has; an unknown name is an error naming them."""
    if not option:
        return list(default)
    from leads.errors import InputError

    chosen = [c.strip().lower().replace("-", "_") for c in option.split(",") if c.strip()]
    unknown = [c for c in chosen if c not in available]
    if unknown or not chosen:
        raise InputError(
            f"--columns {option!r}: no column {', '.join(unknown) or '(none given)'}; columns: {', '.join(available)}"
        )
    return list(dict.fromkeys(chosen))


def fit_columns(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], width: int, fit: Fit, gap: int = 2
) -> tuple[list[str], dict[str, int]]:
    """The columns (in display order) and their widths that fit in ``width``.

    Columns are taken by importance, each at its natural width (a squeezable one at most at its comfortable
    width); the first that does not fit is squeezed to its narrowest if that fits, and no less important
    column follows it. The room left goes to the squeezed columns, most important first, up to their
    natural width."""
    from rich.cells import cell_len

    natural = {c: max([cell_len(c)] + [cell_len(_cell(r.get(fit.short.get(c, c)))) for r in rows]) for c in columns}

    def bounds(c: str) -> tuple[int, int]:
        least, comfortable = fit.squeeze.get(c, (natural[c], natural[c]))
        least = min(natural[c], max(least, cell_len(c)))
        return least, max(least, min(natural[c], comfortable))

    widths: dict[str, int] = {}
    for c in [c for c in fit.order if c in columns] or list(columns):
        used = sum(widths.values()) + gap * len(widths)  # with the gap before this column
        least, comfortable = bounds(c)
        if not widths or used + comfortable <= width:
            widths[c] = comfortable
        elif used + least <= width:
            widths[c] = least
            break
        else:
            break
    room = width - sum(widths.values()) - gap * (len(widths) - 1)
    for c in widths:
        if room <= 0:
            break
        more = min(room, natural[c] - widths[c])
        widths[c] += more
        room -= more
    if room < 0:  # a first column wider than the terminal on its own
        first = next(iter(widths))
        widths[first] = max(1, widths[first] + room)
    return [c for c in columns if c in widths], widths


def render(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    fmt: str = "table",
    out: IO[str] | None = None,
    *,
    empty_message: str | None = None,
    fit: Fit | None = None,
    wide: bool = False,
) -> int:
    """Write rows in ``fmt`` to ``out`` (stdout). Returns how many rows were written.

    With ``fit`` a table fits the terminal (``table_width``): columns chosen by importance, long cells cut
    with an ellipsis, no cell wrapped onto a second line; ``wide`` shows every column in full instead."""
    out = out or sys.stdout
    if fmt == "csv":
        return write_csv(rows, columns, out)
    if fmt == "json":
        data = [{c: _plain(row.get(c)) for c in columns} for row in rows]
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return len(data)
    if fmt == "ndjson":
        n = 0
        for row in rows:
            out.write(json.dumps({c: _plain(row.get(c)) for c in columns}, ensure_ascii=False) + "\n")
            n += 1
        return n
    return _write_table(list(rows), columns, out, empty_message, fit, wide)


def _write_table(
    rows: list[Mapping[str, Any]],
    columns: Sequence[str],
    out: IO[str],
    empty: str | None,
    fit: Fit | None,
    wide: bool = False,
) -> int:
    if not rows:
        click.echo(empty or "(nothing to show)", err=True)
        return 0
    from rich.console import Console
    from rich.table import Table

    interactive = out.isatty() if hasattr(out, "isatty") else False
    width = table_width(out) if fit is not None and not wide else None
    short = fit.short if fit is not None and not wide else {}
    if short and fit is not None and fit.long_when_fits and width is not None and _fits_whole(rows, columns, width):
        short, fit = {}, Fit(order=fit.order, squeeze=fit.squeeze)
    widths: dict[str, int] = {}
    if fit is not None and width is not None:
        columns, widths = fit_columns(rows, columns, width, fit)
    console = Console(
        file=out,
        width=(width or 100_000) if fit is not None else (None if interactive else 250),
        no_color=not interactive,
        highlight=False,
        soft_wrap=False,
    )
    table = Table(show_header=True, header_style="bold" if interactive else None, box=None, pad_edge=False)
    for c in columns:
        if fit is not None:
            w = widths.get(c)
            table.add_column(c, no_wrap=True, overflow="ellipsis", width=w, min_width=w, max_width=w)
        else:
            table.add_column(c, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(short.get(c, c))) for c in columns))
    if fit is None:
        console.print(table)
    else:
        # Trailing padding stripped: a line is never longer than its text, nor than the terminal.
        with console.capture() as captured:
            console.print(table)
        out.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
    return len(rows)


def _fits_whole(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], width: int, gap: int = 2) -> bool:
    from rich.cells import cell_len

    natural = [max([cell_len(c)] + [cell_len(_cell(r.get(c))) for r in rows]) for c in columns]
    return sum(natural) + gap * (len(columns) - 1) <= width


def output_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The shared --table/--csv/--json/--ndjson options; the command receives ``fmt``."""
    fn = click.option("--ndjson", "fmt", flag_value="ndjson", help="One JSON object per line.")(fn)
    fn = click.option("--json", "fmt", flag_value="json", help="A JSON array.")(fn)
    fn = click.option("--csv", "fmt", flag_value="csv", help="CSV with a header row (formulas neutralized).")(fn)
    fn = click.option("--table", "fmt", flag_value="table", default=True, help="An aligned table (default).")(fn)
    return fn


def fit_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--columns and --wide for listings that fit the terminal; the command receives ``columns`` and ``wide``."""
    fn = click.option(
        "--wide", is_flag=True, help="Every column, nothing shortened (a table wider than the terminal)."
    )(fn)
    fn = click.option(
        "--columns",
        "columns",
        metavar="A,B,...",
        help="Only these columns, in this order (any format); unknown names are listed in the error.",
    )(fn)
    return fn


def count_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> list[str]:
    """A small summary table as lines: text left-aligned, counts right-aligned under their headers."""
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [all(isinstance(row.get(c), (int, float)) for row in rows) for c in columns]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    return [line(list(columns)), *(line(r) for r in cells)]


def plural(n: int, noun: str, many: str | None = None, *, grouped: bool = False) -> str:
    """``n`` and the noun in the right number: "1 lead", "2 leads", "0 matches", "3 companies".

    ``many`` for a plural the rules below do not know ("1 person", "2 people"); ``grouped`` writes
    thousands with commas ("1,200 employees") for prose."""
    count = f"{n:,}" if grouped else str(n)
    if n == 1:
        return f"{count} {noun}"
    if many is None:
        if noun.endswith(("s", "x", "z", "ch", "sh")):
            many = noun + "es"
        elif noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
            many = noun[:-1] + "ies"
        else:
            many = noun + "s"
    return f"{count} {many}"


def when_short(value: datetime | None, today: date | None = None) -> str:
    """A stored time as a person reads it in a table: "today 19:31", "yesterday 09:02", else
    "2025-12-22 19:31" (UTC, as every stored time; ``today`` from leads.clock unless given)."""
    if value is None:
        return ""
    from datetime import UTC, timedelta

    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    if today is None:
        from leads import clock

        today = clock.now().date()
    day = value.date()
    label = "today" if day == today else "yesterday" if day == today - timedelta(days=1) else day.isoformat()
    return f"{label} {value:%H:%M}"


def echo_err(message: str) -> None:
    click.echo(message, err=True)


__all__ = [
    "FORMATS",
    "Fit",
    "neutralize",
    "render",
    "write_csv",
    "write_xlsx",
    "output_options",
    "fit_options",
    "pick_columns",
    "echo_err",
    "plural",
    "count_table",
    "when_short",
]


def atomic_export(path: str, write: Any) -> int:
    """Write a file people open (an export) all or nothing: a 0600 temp file beside it, renamed over it.

    ``write(temp_path)`` writes the content and returns the row count. A missing folder, an unwritable
    path or a full disk is an InputError naming the path, and leaves no partial file behind.
    """
    import os
    import tempfile

    from leads.errors import InputError

    target = os.path.abspath(path)
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise InputError(f"--out {path}: the folder {folder} does not exist")
    suffix = os.path.splitext(target)[1]
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=".leads-export-", suffix=suffix)
    except OSError as exc:
        raise InputError(f"--out {path}: cannot write in {folder} ({exc.strerror})") from exc
    os.close(fd)
    try:
        os.chmod(temp, 0o600)
        n = write(temp)
        os.replace(temp, target)
    except OSError as exc:
        os.unlink(temp) if os.path.exists(temp) else None
        raise InputError(f"--out {path}: cannot write it ({exc.strerror or exc})") from exc
    except BaseException:
        os.unlink(temp) if os.path.exists(temp) else None
        raise
    return n
