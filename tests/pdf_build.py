"""Build a text PDF holding one table, for sources whose agency PDF we have no copy of.

The layout of a report printed from a spreadsheet: a title, the header row repeated at the top of
every page, one printed line per row with every column left-aligned at a fixed x, a long cell
wrapped onto lines below its row (top-aligned), and a "Page N of M" footer. Column widths are
measured by pdfium itself, so columns never overlap whatever the values. Written with pypdfium2's
raw API (already a dependency of the PDF reader), so the test needs nothing else installed.

A file built here is a *rebuilt* file (the agency's values in a table layout we chose), never an
agency file.
"""

from __future__ import annotations

import ctypes
import io
import textwrap
from collections.abc import Mapping, Sequence

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

FONT = b"Helvetica"  # one of the 14 standard fonts: no font file to embed
MARGIN = 36.0


def _wide(text: str) -> ctypes.Array[ctypes.c_char]:
    return ctypes.create_string_buffer((text + "\0").encode("utf-16-le"))


def _text_object(doc: pdfium.PdfDocument, text: str, size: float) -> ctypes.c_void_p:
    obj = pdfium_c.FPDFPageObj_NewTextObj(doc.raw, FONT, ctypes.c_float(size))
    if not obj:
        raise RuntimeError("pdfium: cannot create a text object")
    if not pdfium_c.FPDFText_SetText(obj, ctypes.cast(_wide(text), ctypes.POINTER(pdfium_c.FPDF_WCHAR))):
        raise RuntimeError(f"pdfium: cannot set text {text!r}")
    return obj


def _width(doc: pdfium.PdfDocument, text: str, size: float) -> float:
    if not text:
        return 0.0
    obj = _text_object(doc, text, size)
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
    pdfium_c.FPDFPageObj_Destroy(obj)
    return right.value - left.value


def _put(doc: pdfium.PdfDocument, page: pdfium.PdfPage, text: str, x: float, y: float, size: float) -> None:
    if not text:
        return
    obj = _text_object(doc, text, size)
    pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
    pdfium_c.FPDFPage_InsertObject(page.raw, obj)


def table_pdf(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    title: str = "",
    rows_per_page: int | None = None,
    wrap: Mapping[int, int] | None = None,
    size: float = 7.0,
    gap: float = 14.0,
) -> bytes:
    """The PDF bytes of a table: ``header`` on every page, then ``rows`` (cell texts, as published).

    ``wrap``: column index -> most characters per printed line; a longer cell of that column is
    wrapped at spaces onto the following lines. ``rows_per_page``: rows on each page (all on one
    page when None); every page repeats the title and the header.
    """
    wrap = wrap or {}
    n = len(header)
    cells = [
        [
            (textwrap.wrap(value, wrap[c], break_long_words=False, break_on_hyphens=False) or [""])
            if c in wrap
            else [value]
            for c, value in enumerate(list(row) + [""] * (n - len(row)))
        ]
        for row in rows
    ]
    doc = pdfium.PdfDocument.new()
    widths = [
        max([_width(doc, header[c], size)] + [_width(doc, line, size) for row in cells for line in row[c]])
        for c in range(n)
    ]
    xs = [MARGIN]
    for w in widths[:-1]:
        xs.append(xs[-1] + w + gap)
    page_width = max(792.0, xs[-1] + widths[-1] + MARGIN)
    page_height = 612.0
    line_pitch = 1.2 * size  # a wrapped cell's next line
    row_pitch = 1.6 * size  # from one row's last line to the next row
    per_page = rows_per_page or max(len(cells), 1)
    chunks = [cells[i : i + per_page] for i in range(0, len(cells), per_page)] or [[]]
    for number, chunk in enumerate(chunks, start=1):
        page = doc.new_page(page_width, page_height)
        y = page_height - MARGIN
        if title:
            _put(doc, page, title, MARGIN, y, size + 3)
            y -= 3 * size
        for c, text in enumerate(header):
            _put(doc, page, text, xs[c], y, size)
        y -= row_pitch
        for row in chunk:
            for c, lines in enumerate(row):
                for k, line in enumerate(lines):
                    _put(doc, page, line, xs[c], y - k * line_pitch, size)
            y -= (max(len(lines) for lines in row) - 1) * line_pitch + row_pitch
        _put(doc, page, f"Page {number} of {len(chunks)}", page_width / 2 - 20, MARGIN / 2, size)
        if not pdfium_c.FPDFPage_GenerateContent(page.raw):
            raise RuntimeError(f"pdfium: cannot write page {number}")
        page.close()
    out = io.BytesIO()
    doc.save(out)
    doc.close()
    return out.getvalue()


def page_texts(data: bytes) -> list[list[str]]:
    """The text of each text object per page (pdfium adds a trailing space), to check a built layout."""
    doc = pdfium.PdfDocument(data)
    try:
        out = []
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            texts = []
            for obj in page.get_objects():
                if obj.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
                    continue
                size = pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
                buffer = ctypes.create_string_buffer(size)
                pdfium_c.FPDFTextObj_GetText(
                    obj.raw, textpage.raw, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)), size
                )
                texts.append(buffer.raw[: max(size - 2, 0)].decode("utf-16-le").strip())
            out.append(texts)
        return out
    finally:
        doc.close()
