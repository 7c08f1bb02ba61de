"""Shared helpers for sources published as tables (CSV exports, XLSX workbooks).

Bytes in, rows out: decode a CSV whatever its encoding, find the header row by meaning, keep the
published row as JSON-safe ``raw``, and build source keys that survive cosmetic edits.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from leads.items import ClosureNotice
from leads.vocabulary import HEADER_PATTERNS, header_key, known_header, match_by_values
from spiders.parsing import LayoutChanged, clean_text, map_headers, parse_date

Required = Iterable[str | tuple[str, ...]]

# -- bytes -> text ------------------------------------------------------------------------------


def decode_text(body: bytes) -> str:
    """Decode a published text file: UTF-16 (with BOM), UTF-8 (with or without BOM), else Windows-1252.

    Agencies' exports come as UTF-8, UTF-8 with a BOM (Excel "CSV UTF-8") or Windows-1252 (Excel
    "CSV"); a BOM left in the text would hide the first header. UTF-8 is tried first because
    Windows-1252 accepts almost any byte string and would turn real UTF-8 into mojibake. The last
    resort, Latin-1, never fails: the five bytes Windows-1252 leaves undefined are kept, not lost.
    """
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    return body.decode("latin-1")


def looks_like_html(body: bytes) -> bool:
    """True for an HTML page (an error page, a login wall, a JS challenge) served instead of a data file."""
    head = decode_text(body[:2048]).lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body", "<?xml")) or bool(
        re.match(r"<(table|div|script|meta|title)\b", head)
    )


def csv_rows(body: bytes) -> list[list[str]]:
    """All rows of a CSV file as lists of cell text (quoted newlines kept inside their cell).

    A tab-, semicolon- or pipe-separated file (Excel "Unicode text", a Tableau crosstab, a European
    export) is read as such: leads.tables.sniff_delimiter counts each on the first lines, as the
    account importer does.
    """
    from leads.tables import sniff_delimiter

    text = decode_text(body)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text)))
    except csv.Error as exc:  # a cell over the csv module's limit (131072 characters): no agency's table
        raise LayoutChanged(f"not a readable CSV file ({exc})") from exc


XLSX_MAGIC = b"PK\x03\x04"


def xlsx_sheets(body: bytes) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """(sheet name, rows of cell values) for each sheet of an XLSX workbook.

    Read by leads.tables.xlsx_sheets, the reader of the account importer: read-only and values-only
    (formulas give their cached value), the declared dimension not trusted, unpacked size and width
    capped. A body that is not a workbook (an HTML error page saved as .xlsx, a truncated download)
    raises LayoutChanged.
    """
    from leads.errors import InputError
    from leads.tables import xlsx_sheets as read_sheets

    if not body.startswith(XLSX_MAGIC):
        what = "an HTML page" if looks_like_html(body) else f"bytes starting {body[:8]!r}"
        raise LayoutChanged(f"expected an XLSX workbook, got {what}")
    try:
        with warnings.catch_warnings():
            # "Cannot parse header or footer": print headers are of no interest here
            warnings.filterwarnings("ignore", message="Cannot parse header or footer", module="openpyxl")
            sheets = read_sheets(body, "the workbook")
    except InputError as exc:
        raise LayoutChanged(str(exc).replace("the workbook: ", "", 1)) from exc
    for title, rows in sheets:
        # Rectangular, as a sheet reads: every row as wide as the widest (empty cells are None).
        width = max((len(cells) for _line, cells in rows), default=0)
        yield title, [tuple(cells) + (None,) * (width - len(cells)) for _line, cells in rows]


# -- rows -> header + records -------------------------------------------------------------------


def find_header_row(
    rows: Sequence[Sequence[Any]],
    spec: Mapping[str, Iterable[str]],
    required: Required,
    source: str = "",
    max_scan: int = 25,
) -> tuple[int, dict[str, int]]:
    """(index of the header row, field -> column) for the first row that has every required column.

    A title or a blank line above the header is skipped. When no row of the first ``max_scan``
    qualifies, LayoutChanged names the fields missing from the likeliest header (the row with the
    most required columns; a title row above it would say nothing useful).
    """
    required = list(required)
    best: tuple[int, Sequence[Any]] | None = None
    for index, row in enumerate(rows[:max_scan]):
        if is_blank(row):
            continue
        found = map_headers(row, spec, required=(), source=source)
        hits = sum(1 for f in required if (f in found if isinstance(f, str) else any(g in found for g in f)))
        if hits == len(required):
            return index, found
        if best is None or hits > best[0]:
            best = (hits, row)
    if best is None:
        raise LayoutChanged(f"{source + ': ' if source else ''}no rows at all (empty file)")
    map_headers(best[1], spec, required=required, source=source)  # raises, naming what is missing
    raise AssertionError("unreachable: the best row lacked a required column")


VALUE_SAMPLE = 200  # data rows looked at to tell an unnamed column's meaning from its values


def read_header(
    rows: Sequence[Sequence[Any]],
    spec: Mapping[str, Iterable[str]],
    essential: Required,
    source: str = "",
    max_scan: int = 25,
    never_published: Iterable[str] = (),
) -> tuple[int, dict[str, int], list[str]]:
    """(header row index, field -> column, warnings): the header found by its essential columns.

    Every field of ``spec`` that is not essential is optional: when no header names it, a column
    whose values say what it is (leads.vocabulary.match_by_values) is used and the decision is
    logged; otherwise the rows land with that field empty. Each such decision, each optional column
    not found and each header nobody knows (an agency adding a column) becomes a warning: the run
    is ``degraded``, not dark. A missing essential column raises LayoutChanged. Fields in
    ``never_published`` (read only if a column appears) give no warning when absent.
    """
    header_at, columns = find_header_row(rows, spec, essential, source=source, max_scan=max_scan)
    headers = rows[header_at]
    warnings: list[str] = []
    missing = [f for f in spec if f not in columns]
    if missing:
        sample = [r for r in rows[header_at + 1 : header_at + 1 + VALUE_SAMPLE] if not is_blank(r)]
        # A column whose header the vocabulary knows (e.g. "Permanent or Temporary Layoff?") says
        # what it is by its name; only headers nobody knows are candidates to be read by their values.
        named = {i for i, h in enumerate(headers) if (k := header_key(h)) and _known(k)}
        used = {*columns.values(), *named}
        for field_name, (index, why) in match_by_values(headers, sample, missing, used).items():
            columns[field_name] = index
            warnings.append(why)
        for field_name in (f for f in missing if f not in columns and f not in set(never_published)):
            warnings.append(f"no column for {field_name.replace('_', ' ')} (its rows land without it)")
    for index, header in enumerate(headers):
        key = header_key(header)
        if key and index not in columns.values() and not _known(key):
            warnings.append(f"unknown column {clean_text(header)!r} (kept in raw, not read)")
    return header_at, columns, warnings


def _known(key: str) -> bool:
    return known_header(key) or any(re.search(p, key) for ps in HEADER_PATTERNS.values() for p in ps)


def table_notices(
    spider: Any,
    response: Any,
    rows: Sequence[Sequence[Any]],
    header_at: int,
    columns: Mapping[str, int],
    parse_row: Callable[[Sequence[Any], Mapping[str, int], dict[str, Any], int], ClosureNotice],
    *,
    ref: Callable[[int], str],
    start: int,
    content: Callable[[dict[str, Any]], Mapping[str, Any]] | None = None,
    replaces: Callable[[ClosureNotice, ClosureNotice], bool] | None = None,
    on_empty: Callable[[], None] | None = None,
    keys: UniqueKeys | None = None,
    passed_over: Callable[[Sequence[Any], str], bool] | None = None,
) -> list[ClosureNotice]:
    """The notices of the data rows under a header: the row loop every tabular source shares.

    Blank rows are passed over, and so is a row ``passed_over(row, ref(number))`` says is no notice
    (a footnote; it logs why); ``parse_row(row, columns, raw, number)`` builds a notice or raises
    ValueError, and the row is then skipped loudly (``spider.skip_row``) with ``ref(number)`` and
    its company. Keys are made unique within the file (UniqueKeys over ``content(raw)``, the raw row
    by default; ``keys`` shared by the tables or sheets of one file); a row repeating an earlier one
    is yielded once, keeping the earlier copy unless ``replaces(earlier, later)`` says the later one
    wins (New York's re-postings). No data row at all calls ``on_empty`` (default: LayoutChanged).
    """
    headers = rows[header_at]
    keys = UniqueKeys() if keys is None else keys
    kept: dict[str, ClosureNotice] = {}  # insertion order = file order
    data_rows = 0
    for number, row in enumerate(rows[header_at + 1 :], start=start):
        if is_blank(row) or passed_over is not None and passed_over(row, ref(number)):
            continue
        data_rows += 1
        raw = raw_row(headers, row)
        try:
            notice = parse_row(row, columns, raw, number)
        except ValueError as exc:
            spider.skip_row(response, f"{ref(number)} ({clean_text(cell(row, columns, 'company'))!r})", str(exc))
            continue
        notice.source_key, repeat = keys.assign(notice.source_key, dict(content(raw)) if content else raw)
        if repeat:
            if replaces is None or not replaces(kept[notice.source_key], notice):
                spider.logger.info("source %s: %s repeats an earlier row; yielded once", spider.name, ref(number))
                continue
        kept[notice.source_key] = notice
    if not data_rows:
        if on_empty is None:
            raise LayoutChanged(f"no data rows under the header {[clean_text(h) for h in headers]}")
        on_empty()
    return list(kept.values())


RowParser = Callable[[str, Sequence[Any], Mapping[str, int], dict[str, Any]], ClosureNotice]


def log_missing_columns(spider: Any, where: str, columns: Mapping[str, int], optional: Sequence[str]) -> None:
    """One warning naming the optional columns ``where`` (a sheet, a table) lacks: their fields stay empty."""
    missing = [f for f in optional if f not in columns]
    if missing:
        spider.logger.warning(
            "source %s: %s has no column for %s; those fields stay empty", spider.name, where, ", ".join(missing)
        )


def sheet_notices(
    spider: Any,
    response: Any,
    sheet: str,
    rows: Sequence[Sequence[Any]],
    header_at: int,
    columns: Mapping[str, int],
    parse_row: RowParser,
    optional: Sequence[str],
    *,
    keys: UniqueKeys | None = None,
    passed_over: Callable[[Sequence[Any], str], bool] | None = None,
) -> list[ClosureNotice]:
    """The notices of one workbook sheet (rows numbered as Excel does): a missing optional column is one
    warning, the rows are ``table_notices``'s, ``parse_row(where, row, columns, raw)`` builds each; a header
    without rows gives no notices (the agency lists none)."""
    log_missing_columns(spider, f"sheet {sheet!r}", columns, optional)

    def where(excel_row: int) -> str:
        return f"sheet {sheet!r} row {excel_row}"

    return table_notices(
        spider,
        response,
        rows,
        header_at,
        columns,
        lambda row, columns, raw, excel_row: parse_row(where(excel_row), row, columns, raw),
        ref=where,
        start=header_at + 2,
        on_empty=lambda: None,
        keys=keys,
        passed_over=passed_over,
    )


def find_sheet(
    body: bytes, spec: Mapping[str, Iterable[str]], required: Required, dates: Iterable[str], source: str
) -> tuple[str, list[tuple[Any, ...]], int, dict[str, int]]:
    """(sheet name, rows, header row index, columns) of the first sheet of a workbook with the required
    columns, which must have one of the ``dates`` columns too; LayoutChanged (the first sheet's reason)
    when no sheet has them."""
    error: LayoutChanged | None = None
    for name, rows in xlsx_sheets(body):
        try:
            header_at, columns = find_header_row(rows, spec, required, source=f"{source} sheet {name!r}")
        except LayoutChanged as exc:
            error = error or exc
            continue
        if not any(f in columns for f in dates):
            raise LayoutChanged(
                f"{source} sheet {name!r}: layout changed: no date column among headers "
                f"{[clean_text(h) for h in rows[header_at]]}"
            )
        return name, rows, header_at, columns
    raise error or LayoutChanged("the workbook has no sheet")


def workbook_notices(
    spider: Any,
    response: Any,
    spec: Mapping[str, Iterable[str]],
    required: Required,
    dates: Iterable[str],
    optional: Sequence[str],
    parse_row: RowParser,
) -> list[ClosureNotice]:
    """The notices of a workbook published as one sheet of notices (``find_sheet``, then ``sheet_notices``)."""
    sheet, rows, header_at, columns = find_sheet(response.body, spec, required, dates, spider.name)
    return sheet_notices(spider, response, sheet, rows, header_at, columns, parse_row, optional)


def is_blank(row: Sequence[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def cell(row: Sequence[Any], columns: Mapping[str, int], field_name: str) -> Any:
    """The cell for ``field_name`` (None when the column is absent or the row is short)."""
    index = columns.get(field_name)
    if index is None or index >= len(row):
        return None
    return row[index]


def raw_row(headers: Sequence[Any], row: Sequence[Any]) -> dict[str, Any]:
    """The published row as header -> value, JSON-safe (str/int/float/None; dates as ISO text).

    Headers are kept as published (a trailing space included); a repeated header gets " (2)".
    Columns without a header are kept as "column N" when they hold something, else dropped
    (a workbook's empty trailing columns).
    """
    raw: dict[str, Any] = {}
    for index in range(max(len(headers), len(row))):
        header = headers[index] if index < len(headers) else None
        value = _json_safe(row[index] if index < len(row) else None)
        name = str(header) if header is not None and str(header).strip() else ""
        if not name:
            if value is None or value == "":
                continue
            name = f"column {index + 1}"
        key, n = name, 1
        while key in raw:
            n += 1
            key = f"{name} ({n})"
        raw[key] = value
    return raw


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


# -- source keys --------------------------------------------------------------------------------


def key_part(value: object) -> str:
    """One component of a source key: a date as ISO, text lower-cased with punctuation and spaces removed.

    'K-mart' and 'Kmart', 'CHS, Inc.' and 'CHS Inc.' give the same part, so an agency tidying a
    name between two files updates the notice instead of adding one.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return re.sub(r"[^0-9a-z]+", "", clean_text(value).casefold())


def make_key(*parts: object) -> str:
    return "|".join(key_part(p) for p in parts)


#: notices.source_key is 255 characters; UniqueKeys may add "|NN".
KEY_LIMIT = 240


def bounded_key(*parts: object) -> str:
    """``make_key`` of the parts, cut to KEY_LIMIT with a digest of the whole so it stays unique and stable.

    A notice naming a dozen subsidiaries and sites (Alaska's Holland America Group row) makes a key
    longer than the column; the store would drop the notice.
    """
    key = make_key(*parts)
    if len(key) <= KEY_LIMIT:
        return key
    return key[: KEY_LIMIT - 17] + "~" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def excel_date(value: Any) -> date | None:
    """A tolerant date: Excel dates, the common spellings, the first whole date of a range; ValueError else.

    A date before 1900 is Excel's "zero" (an empty date cell formatted as a date), not a notice date.
    """
    parsed = parse_date(value)
    if parsed is not None and parsed.year < 1900:
        raise ValueError(f"Excel zero date {parsed.isoformat()}")
    return parsed


class UniqueKeys:
    """Source keys made unique within one file.

    Two rows with the same base key that differ somewhere (another count, another address) are
    distinct notices: the second gets ``<key>|2``, in file order. A row identical to one already
    seen is a repeat: ``assign`` gives the earlier row's key and says so; the caller drops it (or,
    like New York's re-postings, keeps the newer of the two).
    """

    def __init__(self) -> None:
        self._rows: dict[str, list[Mapping[str, Any]]] = {}

    def assign(self, base_key: str, raw: Mapping[str, Any]) -> tuple[str, bool]:
        """(unique key, True when this row repeats an earlier row of that key)."""
        seen = self._rows.setdefault(base_key, [])
        if raw in seen:
            n = seen.index(raw) + 1
            repeat = True
        else:
            seen.append(raw)
            n = len(seen)
            repeat = False
        return (base_key if n == 1 else f"{base_key}|{n}"), repeat
