"""Reading spreadsheets people export from a CRM: CSV in any common encoding, or XLSX with several sheets.

Rows come out as (line number, cells) so every message can name the line a person sees when they
open the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leads.errors import InputError


@dataclass
class Table:
    path: Path
    sheet: str | None
    encoding: str | None
    header_line: int
    headers: list[str]
    rows: Iterable[tuple[int, list[Any]]]  # (line number in the file, cells), read once, streamed for CSV


#: A well-formed UTF-8 multibyte character (2, 3 or 4 bytes); cp1252 text almost never contains one.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def decode(body: bytes, path: Path | str) -> tuple[str, str]:
    """(text, encoding): UTF-16 with BOM, UTF-8 (BOM or not), else Windows-1252 (Excel's "CSV").

    A file that is UTF-8 but for one damaged byte is an error naming its line and column (a person's
    file is fixed by that person); spiders.tabular.decode_text reads agency files more leniently.
    """
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16"), "utf-16"
    try:
        return body.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    if _UTF8_MULTIBYTE.search(body):
        # Valid UTF-8 elsewhere in the file: one bad byte is a damaged value, not a different encoding.
        line = body.count(b"\n", 0, bad) + 1
        start = body.rfind(b"\n", 0, bad) + 1
        column = len(body[start:bad].decode("utf-8", "replace")) + 1
        raise InputError(
            f"{path}: line {line}, column {column}: byte 0x{body[bad]:02x} is not valid UTF-8 "
            "(the rest of the file is UTF-8); fix that value or save the file as UTF-8 again"
        )
    try:
        return body.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: cannot tell the text encoding (byte {exc.start}); save it as UTF-8 CSV") from exc


def header_key(text: Any) -> str:
    from leads.vocabulary import header_key as key

    return key(text)


def match_headers(
    headers: Sequence[Any], spec: Mapping[str, Iterable[str]], overrides: Mapping[str, str] | None = None
) -> dict[str, int]:
    """field -> column index, by meaning, overrides first.

    The importer's own patterns (``spec``) first, then the shared header vocabulary's synonyms
    (leads/vocabulary.py: the names real files use for company, address, city, state, ZIP, industry).
    """
    from leads.vocabulary import IMPORTER_FIELDS, match_fields

    keys = [header_key(h) for h in headers]
    found: dict[str, int] = {}
    for column, field in (overrides or {}).items():
        key = header_key(column)
        exact = [i for i, h in enumerate(headers) if str(h or "").strip() == column.strip()]
        hits = exact if len(exact) == 1 else [i for i, k in enumerate(keys) if k == key]
        if not hits:
            raise InputError(f"--map {column}={field}: no column named {column!r} (columns: {list(headers)})")
        if len(hits) > 1:
            names = " and ".join(repr(str(headers[i] or "")) for i in hits)
            raise InputError(
                f"--map {column}={field}: {column!r} could be column {names}; rename one of them in the file"
            )
        if hits[0] in found.values():
            other = next(f for f, i in found.items() if i == hits[0])
            raise InputError(f"--map {column}={field}: column {str(headers[hits[0]])!r} is already mapped to {other}")
        found[field] = hits[0]
    rest = {field: patterns for field, patterns in spec.items() if field not in found}
    found.update(match_fields(headers, rest, aliases=IMPORTER_FIELDS, taken=found.values(), loose=False))
    return found


def _has_column(headers: Sequence[Any], column: str) -> bool:
    """Whether a --map COLUMN names one of these headers (as ``match_headers`` finds it)."""
    key = header_key(column)
    return any(str(h or "").strip() == column.strip() or header_key(h) == key for h in headers)


def read_table(
    path: Path,
    spec: Mapping[str, Iterable[str]],
    required: Sequence[str],
    overrides: Mapping[str, str] | None = None,
    sheet: str | None = None,
    hint: str = "name the column with --map COLUMN=FIELD",
) -> tuple[Table, dict[str, int]]:
    """Read a CSV or XLSX file and find its header row (within the first 20 lines) by meaning.

    The one reader of the files people bring (`leads accounts import`, `leads link`); the spiders read
    agency files with the same decoding and workbook rules (``decode``, ``xlsx_rows``). ``hint`` ends
    the message when no header row has the ``required`` columns.
    """
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    if not body.strip():
        raise InputError(f"{path}: the file is empty (expected a header row with {', '.join(required)})")
    if body.startswith(b"PK\x03\x04"):
        candidates: list[tuple[str | None, list[tuple[int, list[Any]]]]] = list(xlsx_sheets(body, path, sheet))
        encoding = None
    else:
        if b"\x00" in body[:4096] and not body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise InputError(f"{path}: not a CSV or XLSX file (binary content)")
        text, encoding = decode(body, path)
        if text.lstrip().lower().startswith(("<!doctype", "<html")):
            raise InputError(f"{path}: this is an HTML page, not a CSV or XLSX file")
        delimiter = sniff_delimiter(text)
        csv.field_size_limit(FIELD_LIMIT)
        reader = _Reader(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), path)
        head: list[tuple[int, list[str]]] = []
        for row in reader:
            head.append((reader.line_num, row))
            if len(head) >= 20:
                break
        candidates = [(None, _Chain(head, reader))]
    best_missing: list[str] | None = None
    # A row without a --map column is not the header row: another row, or another sheet, may be. When no
    # row has it, the error names the columns of the row that looks most like a header.
    unmapped: tuple[int, str | None, Sequence[Any]] | None = None
    for sheet_name, rows in candidates:
        for idx, (line, row) in enumerate(rows[:20]):
            if not any(str(c or "").strip() for c in row):
                continue
            if overrides and not all(_has_column(row, column) for column in overrides):
                likeness = len(match_headers(row, spec))
                if unmapped is None or likeness > unmapped[0]:
                    unmapped = (likeness, sheet_name, row)
                continue
            found = match_headers(row, spec, overrides)
            missing = [f for f in required if f not in found]
            if not missing:
                headers = [str(c or "").strip() for c in row]
                rest = rows.after(idx) if isinstance(rows, _Chain) else rows[idx + 1 :]
                data = ((ln, list(r)) for ln, r in rest if any(str(c or "").strip() for c in r))
                return Table(path, sheet_name, encoding, line, headers, data), found
            if best_missing is None or len(missing) < len(best_missing):
                best_missing = missing
    if unmapped is not None and best_missing is None:
        _, in_sheet, header_like = unmapped
        try:
            match_headers(header_like, spec, overrides)
        except InputError as exc:
            raise InputError(f"{exc}{f' in sheet {in_sheet!r}' if in_sheet else ''}") from None
    where = f" (sheets: {', '.join(str(s) for s, _ in candidates)})" if candidates and candidates[0][0] else ""
    raise InputError(f"{path}: no header row with a column for {', '.join(best_missing or required)}{where}; {hint}")


DELIMITERS = (",", ";", "\t", "|")


def sniff_delimiter(text: str, lines: int = 10) -> str:
    """The delimiter of a CSV text: the candidate most used on its first non-blank lines (a title line
    above the header, with none, does not decide; ties go to the comma)."""
    sample = [line for line in text[:65536].split("\n")[: lines * 2] if line.strip()][:lines]
    return max(DELIMITERS, key=lambda d: sum(line.count(d) for line in sample))


#: The largest CSV field read (a 1 MB notes cell is fine; beyond this the file is not an account book).
FIELD_LIMIT = 16 * 1024 * 1024
#: A workbook larger than this once unpacked, or wider than this, is refused before it can fill memory.
XLSX_UNPACKED_LIMIT = 256 * 1024 * 1024
XLSX_MAX_COLUMNS = 1000


class _Reader:
    """A csv.reader whose errors (a field over FIELD_LIMIT, a broken quote) name the file and line."""

    def __init__(self, reader: Any, path: Path) -> None:
        self.reader, self.path = reader, path

    @property
    def line_num(self) -> int:
        return self.reader.line_num

    def __iter__(self) -> _Reader:
        return self

    def __next__(self) -> list[str]:
        start = self.reader.line_num + 1
        try:
            return next(self.reader)
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise InputError(
                    f"{self.path}: line {start}: a field is larger than "
                    f"{FIELD_LIMIT // (1024 * 1024)} MiB, the limit for one cell"
                ) from exc
            raise InputError(f"{self.path}: line {start}: not readable as CSV ({exc})") from exc


class _Chain(list):
    """The first rows of a CSV (a list, for header detection) and the reader for the rest."""

    def __init__(self, head: list[tuple[int, list[str]]], reader: Any) -> None:
        super().__init__(head)
        self.reader = reader

    def after(self, index: int) -> Iterable[tuple[int, list[str]]]:
        yield from self[index + 1 :]
        for row in self.reader:
            yield self.reader.line_num, row


def xlsx_sheets(
    body: bytes, path: Path | str, only: str | None = None
) -> list[tuple[str, list[tuple[int, list[Any]]]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable XLSX workbook ({type(exc).__name__})") from exc
    if unpacked > XLSX_UNPACKED_LIMIT:
        raise InputError(
            f"{path}: the workbook unpacks to {unpacked // 2**20} MiB, over the "
            f"{XLSX_UNPACKED_LIMIT // 2**20} MiB limit; export it as CSV"
        )
    try:
        wb = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable XLSX workbook ({type(exc).__name__})") from exc
    try:
        sheets = []
        for ws in wb.worksheets:
            if only and ws.title != only:
                continue
            # The declared dimension (it may say A1:XFD1048576) is not trusted: rows are as long as their cells.
            ws.reset_dimensions()
            rows = []
            for i, r in enumerate(ws.iter_rows(values_only=True)):
                cells = list(r)
                while cells and cells[-1] is None:
                    cells.pop()
                if len(cells) > XLSX_MAX_COLUMNS:
                    raise InputError(
                        f"{path}: sheet {ws.title!r} row {i + 1} has {len(cells)} columns, "
                        f"over the {XLSX_MAX_COLUMNS} a table may have"
                    )
                rows.append((i + 1, cells))
            sheets.append((ws.title, rows))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable XLSX workbook ({type(exc).__name__})") from exc
    finally:
        wb.close()
    if only and not sheets:
        raise InputError(f"{path}: no sheet named {only!r}")
    return sheets
