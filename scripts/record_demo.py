"""Record the demo snapshot: the saved real agency files in tests/files, stored in Scrapy's HTTP cache
under the agencies' real URLs by crawling with the real spiders. Run from the project root:

    python scripts/record_demo.py

It rewrites leads/data/demo/httpcache. Nothing goes online: a downloader middleware answers each
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

# URL (or URL ending) -> saved file, as each agency served it.
RECORDED = {
    "worker-adjustment-and-retraining-notification-act": "warn_ia/worker-adjustment-and-retraining-notification-act.html",
    "/WARN_20220210.xlsx": "warn_ia/WARN_20220210.xlsx",
    "WARNReportData/?year=2015": "warn_ne/warn-2015.html",
    "WARN.csv?:showVizHome=no": "warn_ny/ny.csv",
    "warn_notices.csv": "warn_va/va.csv",
    "WarnReportByMonth.pdf": "warn_tn/WarnReportByMonth.pdf",
    "/warn_report.xlsx": "warn_ca/warn_report.xlsx",
    "/warn-report-for-7-1-2018-to-06-30-2019.pdf": "warn_ca/warn-report-for-7-1-2018-to-06-30-2019.pdf",
    "/warnreportfor7-1-2014to06-30-2015.pdf": "warn_ca/warnreportfor7-1-2014to06-30-2015.pdf",
    "q%5Bnotice_on_lteq%5D=2021-02-03": "jobcenter_ok/search_2021-01-01_2021-02-03_page1.html",
    "/search/warn_lookups/780": "jobcenter_ok/detail_780.html",
    "/search/warn_lookups/776": "jobcenter_ok/detail_776.html",
    "data.sfgov.org/resource/": "registry_ca_sf/vbiu-2p9h_filtered.json",
}


class SavedFiles:
    """Downloader middleware: answers from the saved files instead of the network."""

    def process_request(self, request, spider=None):
        from scrapy.http import Response
        from scrapy.responsetypes import responsetypes

        for key, rel in RECORDED.items():
            if key in request.url:
                body = (FILES / rel).read_bytes()
                cls = responsetypes.from_args(filename=rel, body=body)
                return cls(url=request.url, body=body, status=200, request=request)
        return Response(url=request.url, status=404, body=b"not recorded", request=request)


def main() -> None:
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiderloader import SpiderLoader
    from scrapy.settings import Settings

    from leads.demo import SINCE, source_urls
    from leads.scrapy_settings import crawl_settings

    if OUT.exists():
        shutil.rmtree(OUT)
    settings = crawl_settings({
        "HTTPCACHE_ENABLED": True, "HTTPCACHE_DIR": str(OUT), "HTTPCACHE_EXPIRATION_SECS": 0,
        "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.DummyPolicy", "ROBOTSTXT_OBEY": False,
        "DOWNLOADER_MIDDLEWARES": {"__main__.SavedFiles": 950}, "ITEM_PIPELINES": {}, "LOG_LEVEL": "INFO",
        "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
    })
    loader = SpiderLoader.from_settings(Settings(settings))
    process = CrawlerProcess(settings)
    for name, urls in source_urls().items():
        process.crawl(loader.load(name), url=urls, since=SINCE)
    process.start()
    files = sum(1 for p in OUT.rglob("response_body"))
    print(f"recorded {files} responses into {OUT}")


if __name__ == "__main__":
    main()
