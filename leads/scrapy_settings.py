"""Scrapy settings for every crawl: polite, loud on failure, nothing left listening.

Scrapy's own defaults differ (robots.txt ignored, telnet console and a remote-control server on,
a 1 GiB download limit); these are what an agency site and a cron job need.
"""

from __future__ import annotations

from typing import Any

from leads import __version__
from leads.config import crawl_contact

BOT_NAME = "orphan-leads"


def crawl_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "BOT_NAME": BOT_NAME,
        "SPIDER_MODULES": ["spiders"],
        "NEWSPIDER_MODULE": "spiders",
        "USER_AGENT": f"{BOT_NAME}/{__version__} (closure-notice research; contact: {crawl_contact()})",
        "ROBOTSTXT_OBEY": True,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        # Local files and odd schemes are never fetched in production.
        "DOWNLOAD_HANDLERS": {"file": None, "data": None, "ftp": None, "s3": None},
        "CONCURRENT_REQUESTS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 3,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        # Scrapy's retry middleware, replaced by one that waits as long as Retry-After asks.
        # Redirects stay on the source's own hosts, checked before robots.txt (100) is fetched.
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "leads.retry.RetryAfterMiddleware": 550,
            "leads.scrapy_middlewares.SourceHostsRedirectMiddleware": 50,
        },
        "DOWNLOAD_TIMEOUT": 60,
        "DOWNLOAD_MAXSIZE": 100 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 30 * 1024 * 1024,
        # A safety net, not a hard limit: the download in flight finishes first, so a run can last
        # up to CLOSESPIDER_TIMEOUT + DOWNLOAD_TIMEOUT (SIGTERM likewise waits for it).
        "CLOSESPIDER_TIMEOUT": 1800,
        "LOG_LEVEL": "INFO",
        "ITEM_PIPELINES": {"leads.pipelines.ValidateNoticePipeline": 100, "leads.pipelines.StoreNoticePipeline": 500},
        "FEED_EXPORT_ENCODING": "utf-8",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "HTTPCACHE_ENABLED": False,
        # Never JOBDIR: a re-used job folder silently yields zero items on the next night.
        "JOBDIR": None,
    }
    settings.update(overrides or {})
    return settings
