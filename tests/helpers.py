"""Helpers for tests: saved real responses from tests/files/<slug>/."""

from __future__ import annotations

from pathlib import Path

FILES = Path(__file__).parent / "files"


def file_response(slug: str, name: str, url: str | None = None):
    """A Scrapy response of the right class (HTML, text or binary) built from a saved real file."""
    from scrapy.http import Response, TextResponse
    from scrapy.responsetypes import responsetypes

    body = (FILES / slug / name).read_bytes()
    url = url or f"https://example.test/{slug}/{name}"
    cls = responsetypes.from_args(filename=name, body=body)
    if cls is Response and name.lower().endswith((".csv", ".json", ".txt")):
        cls = TextResponse
    return cls(url=url, body=body)
