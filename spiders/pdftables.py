"""Read row-per-notice tables out of text PDFs (report exports from Excel, SSRS, ...) by position.

pypdfium2 gives every character with its box; characters are grouped into lines by height,
the header line is found by meaning, and the header cells anchor the columns. Column
boundaries are then placed in the white gap the data itself leaves between two header cells,
because a centred header ("Company") usually sits far right of its left-aligned values.
A line with a date in an anchor column starts a row; a line close below it without one is a
wrapped continuation of that row. Repeated headers, page titles and summary tables are not
rows: they are reported in ``PdfTable.other_lines`` for checks such as a printed "Total".

On the fixtures about 3,000 rows a second, some 30 times pdfplumber's ``extract_tables()``;
most of the cost is one ctypes call per character.

Known limits: a wrapped cell must continue *below* its row's dated line (top-aligned cells, as
in Excel and SSRS exports); a first line printed above the date line (vertically centred cells)
would join the previous row. Text clipped by the producer (Excel drops what does not fit a
cell) is not in the file and cannot be recovered.
"""

from __future__ import annotations

import ctypes
import re
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from spiders.parsing import LayoutChanged, clean_text, map_headers

# Geometry, in multiples of a line's glyph height (the loose box: ascent + descent).
_SAME_LINE = 0.35  # centres closer than this are one line
_PHRASE_GAP = 0.6  # a wider horizontal gap splits header words into separate header cells
_WORD_GAP = 0.25  # a wider gap without a space character still reads as a space
_BAND = 1.4  # header parts and wrapped cell lines sit at most this far below/above each other
_ROW_PITCH = 2.6  # a date-less line further than this from the table is not part of it


class UnreadableFile(LayoutChanged):
    """The file is not a PDF, or is truncated or corrupt: nothing from it can be trusted."""


@dataclass(slots=True)
class Glyph:
    text: str
    x0: float
    x1: float


@dataclass(slots=True)
class Line:
    """Glyphs sharing a baseline, left to right; ``y`` grows upwards (PDF space)."""

    page: int  # 1-based
    y: float
    height: float
    glyphs: list[Glyph]
    number: int = 0  # 1-based, top to bottom on its page

    def text(self) -> str:
        return _join(self.glyphs, self.height)

    def phrases(self) -> list[tuple[str, float, float]]:
        """Runs of words split at wide gaps: (text, x0, x1). Used for headers."""
        out: list[tuple[str, float, float]] = []
        limit = _PHRASE_GAP * self.height
        current: list[Glyph] = []
        first: Glyph | None = None
        last: Glyph | None = None
        for g in self.glyphs:
            if g.text != " ":
                if first is not None and last is not None and g.x0 - last.x1 > limit:
                    out.append((_join(current, self.height), first.x0, last.x1))
                    current, first = [], None
                if first is None:
                    first = g
                last = g
            current.append(g)
        if first is not None:
            assert last is not None
            out.append((_join(current, self.height), first.x0, last.x1))
        return out


@dataclass(slots=True)
class HeaderCell:
    text: str
    x0: float
    x1: float


@dataclass
class Layout:
    """One header: its cells left to right, field -> cell index, and the column boundaries."""

    cells: list[HeaderCell]
    columns: dict[str, int]
    boundaries: list[float] = field(default_factory=list)
    _provisional: list[float] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [c.text for c in self.cells]

    def same_as(self, other: Layout) -> bool:
        return self.headers == other.headers and all(
            abs(a.x0 - b.x0) < 3 and abs(a.x1 - b.x1) < 3 for a, b in zip(self.cells, other.cells, strict=False)
        )

    def provisional_column(self, x: float) -> int:
        """Column of x before the data gaps are known: split halfway between header cells."""
        if not self._provisional:
            self._provisional = [(a.x1 + b.x0) / 2 for a, b in zip(self.cells, self.cells[1:], strict=False)]
        return bisect_right(self._provisional, x)


@dataclass
class PdfRow:
    """One table row: the published cells (header text -> text) and field -> text."""

    page: int
    line: int  # 1-based line number on its page, for messages
    raw: dict[str, str]
    fields: dict[str, str]

    def ref(self) -> str:
        return f"page {self.page} line {self.line}"


@dataclass
class PdfTable:
    rows: list[PdfRow]
    layouts: list[Layout]
    other_lines: list[tuple[int, str]]  # (page, text) of every line that is not header or row
    pages: int


@dataclass
class TableSpec:
    """What the table means.

    ``columns``: field -> regexes for its header text (``map_headers`` rules).
    ``required``: fields the header must have, else LayoutChanged.
    ``header_markers``: regexes for whole header cells ("^company$"); a line with a phrase
    matching one of them is a header (anchor them, so titles and summary tables stay out).
    ``row_start``: field -> regex; a line whose text in that column fully matches (whitespace
    removed) starts a new row. Lines without one are continuations, headers or other text.
    """

    columns: Mapping[str, Sequence[str]]
    required: Sequence[str]
    header_markers: Sequence[str]
    row_start: Mapping[str, str]


# -- reading characters --------------------------------------------------------------------------


def _join(glyphs: Iterable[Glyph], height: float) -> str:
    parts: list[str] = []
    gap = _WORD_GAP * height
    last_x1: float | None = None
    pending_space = False
    for g in glyphs:
        if g.text == " ":
            pending_space = True
            continue
        if last_x1 is not None and (pending_space or g.x0 - last_x1 > gap):
            parts.append(" ")
        parts.append(g.text)
        last_x1 = g.x1
        pending_space = False
    return "".join(parts)


def _page_lines(page: pdfium.PdfPage, page_no: int) -> list[Line]:
    textpage = page.get_textpage()
    try:
        handle = textpage.raw  # the bare handle: ctypes skips the wrapper lookup on every call
        n = pdfium_c.FPDFText_CountChars(handle)
        if n <= 0:
            return []
        buffer = ctypes.create_string_buffer((n + 1) * 2)
        pdfium_c.FPDFText_GetText(handle, 0, n, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
        text = buffer.raw[: n * 2].decode("utf-16-le", errors="surrogatepass")
        if len(text) != n:  # a character outside the BMP: keep one entry per UTF-16 unit
            text = "".join(chr(u) for u in array("H", buffer.raw[: n * 2]))
        rect = pdfium_c.FS_RECTF()
        rect_ref = ctypes.byref(rect)
        get_box = pdfium_c.FPDFText_GetLooseCharBox
        is_generated = pdfium_c.FPDFText_IsGenerated
        found: list[tuple[float, float, Glyph]] = []  # (y centre, height, glyph)
        append = found.append
        for i, ch in enumerate(text):
            if ch.isspace():
                # pdfium adds \r\n and some spaces of its own; only the file's spaces count
                if ch == "\r" or ch == "\n" or is_generated(handle, i):
                    continue
                ch = " "
            get_box(handle, i, rect_ref)
            top, bottom = rect.top, rect.bottom
            append(((top + bottom) / 2, top - bottom, Glyph(ch, rect.left, rect.right)))
    finally:
        textpage.close()
    found.sort(key=lambda t: -t[0])
    lines: list[Line] = []
    for y, h, glyph in found:
        if lines and lines[-1].y - y <= _SAME_LINE * max(lines[-1].height, h):
            lines[-1].glyphs.append(glyph)
            if h > lines[-1].height:
                lines[-1].height = h
        else:
            lines.append(Line(page_no, y, h, [glyph]))
    kept: list[Line] = []
    for line in lines:
        line.glyphs.sort(key=lambda g: g.x0)
        while line.glyphs and line.glyphs[-1].text == " ":
            line.glyphs.pop()
        while line.glyphs and line.glyphs[0].text == " ":
            line.glyphs.pop(0)
        if line.glyphs:
            line.number = len(kept) + 1
            kept.append(line)
    return kept


def _open(data: bytes, name: str) -> pdfium.PdfDocument:
    if b"%PDF-" not in data[:1024]:
        raise UnreadableFile(f"{name}: not a PDF (starts with {data[:40]!r})")
    if b"%%EOF" not in data[-2048:]:
        # pdfium would rebuild a truncated file and hand back whatever pages survived
        raise UnreadableFile(f"{name}: truncated PDF (no %%EOF trailer at the end of {len(data)} bytes)")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(f"{name}: corrupt PDF ({exc})") from exc


# -- finding the table ---------------------------------------------------------------------------


_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")


def _header_key(text: str) -> str:
    return _NOT_WORD.sub(" ", text.lower()).strip()


def _is_header(line: Line, markers: Sequence[re.Pattern[str]]) -> list[tuple[str, float, float]] | None:
    """The line's phrases when one of them is a header marker ("Company", "Notice Date").

    One marker is enough: a header with the others renamed must still be taken as the header,
    so that map_headers reports the renamed column instead of the rows vanishing silently.
    """
    phrases = line.phrases()
    for text, _, _ in phrases:
        key = _header_key(text)
        if any(m.search(key) for m in markers):
            return phrases
    return None


def _header_part(line: Line, header: list[tuple[str, float, float]]) -> bool:
    """Can this line be the upper or lower part of a two-line header ("No. Of" / "Employees")?

    Only without digits and with at most half as many cells as the header line: a line under
    the header with a count in it is a row (one without dates, which the caller then reports).
    """
    if any(g.text.isdigit() for g in line.glyphs):
        return False
    return len(line.phrases()) * 2 <= len(header)


def _build_layout(
    main: Line, phrases: list[tuple[str, float, float]], band: list[Line], spec: TableSpec, name: str
) -> Layout:
    """Header cells from the main header line plus the parts above/below it ("No. Of" / "Employees")."""
    stacks: list[list[tuple[float, str]]] = [[(main.y, p[0])] for p in phrases]
    cells = [HeaderCell("", p[1], p[2]) for p in phrases]
    for extra in band:
        for text, x0, x1 in extra.phrases():
            overlaps = [(min(x1, c.x1) - max(x0, c.x0), i) for i, c in enumerate(cells)]
            best, i = max(overlaps)
            if best > 0:
                stacks[i].append((extra.y, text))
                cells[i].x0, cells[i].x1 = min(cells[i].x0, x0), max(cells[i].x1, x1)
            else:
                stacks.append([(extra.y, text)])
                cells.append(HeaderCell("", x0, x1))
    for cell, stack in zip(cells, stacks, strict=False):
        cell.text = clean_text(" ".join(t for _, t in sorted(stack, key=lambda s: -s[0])))
    order = sorted(range(len(cells)), key=lambda i: cells[i].x0)
    cells = [cells[i] for i in order]
    columns = map_headers([c.text for c in cells], spec.columns, spec.required, source=f"{name} page {main.page}")
    return Layout(cells, columns)


@dataclass
class _Row:
    layout: Layout
    lines: list[Line]


def _line_starts_row(line: Line, layout: Layout, anchors: list[tuple[int, re.Pattern[str]]]) -> bool:
    if not anchors:
        return False
    wanted = {col for col, _ in anchors}
    texts: dict[int, list[str]] = {}
    for g in line.glyphs:
        if g.text == " ":
            continue
        col = layout.provisional_column((g.x0 + g.x1) / 2)
        if col in wanted:
            texts.setdefault(col, []).append(g.text)
    return any(col in texts and rx.fullmatch("".join(texts[col])) for col, rx in anchors)


def _filled_columns(line: Line, layout: Layout) -> int:
    return len({layout.provisional_column((g.x0 + g.x1) / 2) for g in line.glyphs if g.text != " "})


def _set_boundaries(layout: Layout, rows: list[_Row]) -> None:
    """Put each column boundary in the widest white gap the data leaves between two headers."""
    spans: list[tuple[float, float]] = []
    for row in rows:
        for line in row.lines:
            start: float | None = None
            end = 0.0
            for g in line.glyphs:
                if g.text == " ":
                    continue
                if start is None:
                    start, end = g.x0, g.x1
                elif g.x0 > end + 0.3:
                    spans.append((start, end))
                    start, end = g.x0, g.x1
                else:
                    end = max(end, g.x1)
            if start is not None:
                spans.append((start, end))
    spans.sort()
    gaps: list[tuple[float, float]] = []
    reach = float("-inf")
    for x0, x1 in spans:
        if x0 > reach:
            gaps.append((reach, x0))
        reach = max(reach, x1)
    gaps.append((reach, float("inf")))

    def widest(lo: float, hi: float) -> float | None:
        best: tuple[float, float] | None = None
        for g0, g1 in gaps:
            a, b = max(g0, lo), min(g1, hi)
            if b > a and (best is None or b - a > best[1] - best[0]):
                best = (a, b)
        return (best[0] + best[1]) / 2 if best else None

    pairs = list(zip(layout.cells, layout.cells[1:], strict=False))
    # first the white space between the two header texts themselves ...
    bounds: list[float | None] = [widest(left.x1, right.x0) for left, right in pairs]
    # ... else (a header wider than its values) anywhere between the two header centres,
    # short of the boundaries already placed on either side
    for k, (left, right) in enumerate(pairs):
        if bounds[k] is not None:
            continue
        before = bounds[k - 1] if k else None
        after = next((b for b in bounds[k + 1 :] if b is not None), None)
        lo = (left.x0 + left.x1) / 2 if before is None else max((left.x0 + left.x1) / 2, before)
        hi = (right.x0 + right.x1) / 2 if after is None else min((right.x0 + right.x1) / 2, after)
        found = widest(lo, hi)
        bounds[k] = found if found is not None else (left.x1 + right.x0) / 2
    layout.boundaries = [b for b in bounds if b is not None]  # every gap has a boundary by now


def _cells(row: _Row) -> list[str]:
    layout = row.layout
    n = len(layout.cells)
    per_line: list[list[list[Glyph]]] = []
    for line in row.lines:
        buckets: list[list[Glyph]] = [[] for _ in range(n)]
        for g in line.glyphs:
            buckets[bisect_right(layout.boundaries, (g.x0 + g.x1) / 2)].append(g)
        per_line.append(buckets)
    out = []
    for col in range(n):
        parts = [_join(buckets[col], line.height) for line, buckets in zip(row.lines, per_line, strict=False)]
        out.append(clean_text(" ".join(p for p in parts if p)))
    return out


# -- the reader ----------------------------------------------------------------------------------


def _anchors(spec: TableSpec, layout: Layout) -> list[tuple[int, re.Pattern[str]]]:
    return [(layout.columns[f], re.compile(rx)) for f, rx in spec.row_start.items() if f in layout.columns]


class _Reader:
    """The line-by-line state machine; one instance per document."""

    def __init__(self, spec: TableSpec, name: str) -> None:
        self.spec = spec
        self.name = name
        self.markers = [re.compile(m) for m in spec.header_markers]
        self.row_start_any = [re.compile(rx) for rx in spec.row_start.values()]
        self.layout: Layout | None = None
        self.anchors: list[tuple[int, re.Pattern[str]]] = []
        self.layouts: list[Layout] = []
        self.rows: list[_Row] = []
        self.other: list[Line] = []
        self.orphans: list[Line] = []  # dated lines seen before any header: rows we cannot place

    def _looks_like_row(self, line: Line) -> bool:
        """Any phrase that is a row-start value (a date): used below a header not yet complete."""
        for text, _, _ in line.phrases():
            compact = _SPACES.sub("", text)
            if any(rx.fullmatch(compact) for rx in self.row_start_any):
                return True
        return False

    def _set_layout(self, main: Line, phrases: list[tuple[str, float, float]], band: list[Line]) -> None:
        new = _build_layout(main, phrases, band, self.spec, self.name)
        if self.layout is not None and new.same_as(self.layout):
            return
        self.layout = new
        self.layouts.append(new)
        self.anchors = _anchors(self.spec, new)

    def page(self, lines: list[Line]) -> None:
        open_row: _Row | None = None
        header: tuple[Line, list[tuple[str, float, float]], list[Line]] | None = None
        pending: list[Line] = []  # lines since the last table line: may be header parts above it
        previous: Line | None = None  # last line that belonged to the table
        for line in lines:
            near = previous is not None and previous.y - line.y <= _BAND * max(line.height, previous.height)
            if header is None and self.layout is not None and _line_starts_row(line, self.layout, self.anchors):
                # most lines: a dated row (a header line never has a date under a date header)
                open_row = _Row(self.layout, [line])
                self.rows.append(open_row)
                previous, pending = line, []
                continue
            phrases = _is_header(line, self.markers)
            if phrases is not None:
                if header is not None:
                    self._set_layout(*header)
                # parts of the header printed above its main line ("No. Of" over "Employees")
                above: list[Line] = []
                for p in reversed(pending):
                    if (above[-1] if above else line).y + _BAND * line.height < p.y or not _header_part(p, phrases):
                        break
                    above.append(p)
                if above:
                    taken = {id(p) for p in above}
                    self.other = [o for o in self.other if id(o) not in taken]
                header, open_row, pending, previous = (line, phrases, above), None, [], line
                continue
            if header is not None:
                if near and _header_part(line, header[1]) and not self._looks_like_row(line):
                    header[2].append(line)  # the header's lower part ("Employees" under "No. Of")
                    previous = line
                    continue
                self._set_layout(*header)
                header = None
            layout = self.layout
            if layout is None:
                if self._looks_like_row(line):
                    self.orphans.append(line)
                self.other.append(line)
                pending.append(line)
                continue
            if _line_starts_row(line, layout, self.anchors):
                open_row = _Row(layout, [line])
                self.rows.append(open_row)
                previous, pending = line, []
                continue
            if previous is not None and previous.y - line.y <= _ROW_PITCH * line.height:
                if _filled_columns(line, layout) * 2 > len(layout.cells):
                    # a whole row without any date: kept so that the caller reports it
                    open_row = _Row(layout, [line])
                    self.rows.append(open_row)
                    previous, pending = line, []
                    continue
                if near and open_row is not None:
                    open_row.lines.append(line)  # a wrapped cell
                    previous = line
                    continue
            open_row = None
            self.other.append(line)
            pending.append(line)
        if header is not None:
            self._set_layout(*header)


def read_table(data: bytes, spec: TableSpec, name: str = "PDF") -> PdfTable:
    """Every row of the table(s) in a PDF. Raises UnreadableFile / LayoutChanged naming ``name``.

    Nothing is returned for a file that fails part way: a caller yields all rows or none.
    """
    doc = _open(data, name)
    try:
        reader = _Reader(spec, name)
        pages = len(doc)
        for index in range(pages):
            try:
                page = doc[index]
                try:
                    lines = _page_lines(page, index + 1)
                finally:
                    page.close()
            except pdfium.PdfiumError as exc:
                raise UnreadableFile(f"{name}: page {index + 1} unreadable ({exc})") from exc
            reader.page(lines)
    finally:
        doc.close()
    if not reader.layouts:
        raise LayoutChanged(
            f"{name}: layout changed: no table header found in {pages} pages "
            f"(looked for a line with a cell matching {list(spec.header_markers)})"
        )
    if reader.orphans:
        first = reader.orphans[0]
        raise LayoutChanged(
            f"{name}: layout changed: {len(reader.orphans)} dated lines before any table "
            f"header, first on page {first.page}: {first.text()!r}"
        )
    for layout in reader.layouts:
        _set_boundaries(layout, [r for r in reader.rows if r.layout is layout])
    out: list[PdfRow] = []
    for row in reader.rows:
        cells = _cells(row)
        first = row.lines[0]
        out.append(
            PdfRow(
                first.page,
                first.number,
                dict(zip(row.layout.headers, cells, strict=False)),
                {f: cells[i] for f, i in row.layout.columns.items()},
            )
        )
    return PdfTable(out, reader.layouts, [(line.page, line.text()) for line in reader.other], pages)
