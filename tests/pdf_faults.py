"""Derive fault PDFs from a real fixture at test time: rewrite some printed texts, blank a file.

Uses pypdfium2 to edit the text objects of the real file, so everything else (fonts, layout,
other rows) stays as the agency published it.
"""

from __future__ import annotations

import ctypes
import io
from collections import Counter
from collections.abc import Callable

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c


def _object_text(obj, textpage) -> str:
    size = pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
    buffer = ctypes.create_string_buffer(size)
    pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)), size)
    return buffer.raw[: max(size - 2, 0)].decode("utf-16-le")


def _set_text(obj, text: str) -> None:
    encoded = ctypes.create_string_buffer((text + "\0").encode("utf-16-le"))
    if not pdfium_c.FPDFText_SetText(obj.raw, ctypes.cast(encoded, ctypes.POINTER(pdfium_c.FPDF_WCHAR))):
        raise RuntimeError(f"cannot set text {text!r}")


def _page_texts(doc, index: int) -> Counter[str]:
    page = doc[index]
    textpage = page.get_textpage()
    return Counter(
        _object_text(obj, textpage).strip() for obj in page.get_objects() if obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT
    )


def rewrite_texts(
    data: bytes, change: Callable[[int, str], str | None], pages: range | None = None
) -> tuple[bytes, int]:
    """A copy of the PDF where each text object for which change(page_index, text) returns a
    string is given that text. Returns (new bytes, number of objects changed).

    Every text object of an edited page is re-set (unchanged ones to their own text): when only
    some are, pdfium's content regeneration drops text on the Excel-made PDFs. The result is
    checked against the intended texts, so a damaged derived file fails the test that made it.
    """
    doc = pdfium.PdfDocument(data)
    changed = 0
    expected: dict[int, Counter[str]] = {}
    for index in pages if pages is not None else range(len(doc)):
        page = doc[index]
        textpage = page.get_textpage()
        edits = []
        for obj in page.get_objects():
            if obj.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
                continue
            old = _object_text(obj, textpage)
            new = change(index, old)
            edits.append((obj, old if new is None else new))
            changed += new is not None
        if any(new != _object_text(obj, textpage) for obj, new in edits):
            for obj, new in edits:
                _set_text(obj, new)
            pdfium_c.FPDFPage_GenerateContent(page.raw)
            expected[index] = Counter(new.strip() for _, new in edits)
    out = io.BytesIO()
    doc.save(out)
    result = out.getvalue()
    check = pdfium.PdfDocument(result)
    for index, texts in expected.items():
        if _page_texts(check, index) != texts:
            raise RuntimeError(f"pdfium lost text while rewriting page {index + 1}")
    return result, changed


def blank_pdf(pages: int = 1) -> bytes:
    """A valid PDF with empty pages: what a report without its table looks like."""
    doc = pdfium.PdfDocument.new()
    for _ in range(pages):
        doc.new_page(792, 612)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
