"""The source registry: every source is one spider module, and its class metadata is all the rest reads.

`leads crawl`, `leads sources`, `leads parse`, the demo and its recorder, the end-to-end tests and the
README's source table all list sources from here, so adding a source touches only its spider module,
its fixture folder and its test file (docs/adding-a-source.md). Spiders are named by Scrapy's spider
loader over the ``spiders`` package (SPIDER_MODULES): nothing in ``leads/`` imports ``spiders/``.
Loading a spider class imports Scrapy, so only commands that crawl or parse call this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from leads.errors import InputError


@dataclass(frozen=True)
class SourceInfo:
    """What a spider class says about its source (see spiders/base.NoticeSpider)."""

    name: str
    region: str
    source_format: str
    agency_url: str
    start_urls: tuple[str, ...]
    verified_on: str = ""
    #: Start URLs the offline demo replays; () = the spider's own for the demo window; None = not in the demo.
    demo_urls: tuple[str, ...] | None = None
    #: For scripts/record_demo.py: a fragment of a URL the demo crawl requests -> saved file under tests/files.
    demo_files: dict[str, str] = field(default_factory=dict)


def _loader(overrides: dict[str, Any] | None = None) -> Any:
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    from leads.scrapy_settings import crawl_settings

    return SpiderLoader.from_settings(Settings(crawl_settings(overrides)))


def info(cls: Any) -> SourceInfo:
    demo = getattr(cls, "demo_urls", None)
    return SourceInfo(
        cls.name,
        getattr(cls, "region", ""),
        getattr(cls, "source_format", ""),
        getattr(cls, "agency_url", ""),
        tuple(getattr(cls, "start_urls", ()) or ()),
        getattr(cls, "verified_on", ""),
        None if demo is None else tuple(demo),
        dict(getattr(cls, "demo_files", {}) or {}),
    )


def sources() -> list[SourceInfo]:
    """Every source, by name."""
    loader = _loader()
    return [info(loader.load(name)) for name in sorted(loader.list())]


def names() -> list[str]:
    return sorted(_loader().list())


def spider_class(name: str) -> Any:
    loader = _loader()
    try:
        return loader.load(name)
    except KeyError:
        raise InputError(f"unknown source {name!r}; known sources: {', '.join(sorted(loader.list()))}") from None


def demo_sources() -> dict[str, list[str]]:
    """Source -> the start URLs the demo replays ([] = the spider's own, computed for the demo window)."""
    return {s.name: list(s.demo_urls) for s in sources() if s.demo_urls is not None}


def demo_files() -> dict[str, str]:
    """URL fragment -> saved file, for every source in the demo (the recorder answers requests with them)."""
    files: dict[str, str] = {}
    for s in sources():
        if s.demo_urls is not None:
            files.update(s.demo_files)
    return files


def readme_table() -> str:
    """The README's source table (Markdown), generated from the registry; a test checks the README has it."""
    lines = ["| source | region | format | verified on | agency page |", "|---|---|---|---|---|"]
    for s in sources():
        lines.append(f"| `{s.name}` | {s.region} | {s.source_format} | {s.verified_on} | {s.agency_url} |")
    return "\n".join(lines)
