"""Record the demo snapshot: the saved real agency files in tests/files, stored in Scrapy's HTTP cache
under the agencies' real URLs by crawling with the real spiders. Run from the project root:

    python scripts/record_demo.py [SOURCE ...]

It rewrites leads/data/demo/httpcache (with SOURCE names: only those sources' folders of it). Nothing goes online: a downloader middleware answers each
request from the saved file recorded for that URL (404 for a URL with no saved file).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FILES = ROOT / "tests" / "files"
OUT = ROOT / "leads" / "data" / "demo" / "httpcache"


class SavedFiles:
    """Downloader middleware: answers from the saved files instead of the network."""

    def process_request(self, request, spider=None):
        from scrapy.http import Response
        from scrapy.responsetypes import responsetypes

        from leads.registry import demo_files

        # URL fragment -> saved file, as each agency served it: each spider's demo_files.
        if not hasattr(self, "files"):
            self.files = demo_files()
        for key, rel in self.files.items():
            if key in request.url:
                body = (FILES / rel).read_bytes()
                cls = responsetypes.from_args(filename=rel, body=body)
                return cls(url=request.url, body=body, status=200, request=request)
        return Response(url=request.url, status=404, body=b"not recorded", request=request)


def main() -> None:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    from leads.demo import SINCE, source_urls, sources
    from leads.scrapy_settings import crawl_settings

    only = sys.argv[1:]
    unknown = [name for name in only if name not in sources()]
    if unknown:
        raise SystemExit(f"not demo sources: {', '.join(unknown)}; demo sources: {', '.join(sources())}")
    for folder in [OUT / name for name in only] if only else [OUT]:
        if folder.exists():
            shutil.rmtree(folder)
    settings = crawl_settings(
        {
            "HTTPCACHE_ENABLED": True,
            "HTTPCACHE_DIR": str(OUT),
            "HTTPCACHE_EXPIRATION_SECS": 0,
            "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.DummyPolicy",
            "ROBOTSTXT_OBEY": False,
            "DOWNLOADER_MIDDLEWARES": {"__main__.SavedFiles": 950},
            "ITEM_PIPELINES": {},
            "LOG_LEVEL": "INFO",
            "AUTOTHROTTLE_ENABLED": False,
            "DOWNLOAD_DELAY": 0,
        }
    )
    loader = SpiderLoader.from_settings(Settings(settings))
    process = CrawlerProcess(settings)
    urls = source_urls()
    for name in only or sources():
        process.crawl(loader.load(name), since=SINCE, **({"url": urls[name]} if name in urls else {}))
    process.start()
    files = sum(1 for p in OUT.rglob("response_body"))
    print(f"recorded {files} responses into {OUT}")


if __name__ == "__main__":
    main()
