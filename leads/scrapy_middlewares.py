"""A crawl follows redirects only within the source's own hosts.

An agency page that redirects to another host (a hijacked domain, an open redirect, a proxy
pointing at localhost or the cloud metadata address) is refused and logged as an ERROR naming the
source. The source's hosts are those of its start URLs (the ones this crawl was given, and the
spider's own), its ``agency_url``, ``allowed_domains``, and an optional ``redirect_hosts``
attribute for a source whose files legitimately live elsewhere. A domain allows its subdomains
(www.agency.gov -> files.agency.gov); an IP address or ``localhost`` is allowed only exactly as given.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def _is_address(host: str) -> bool:
    """An IP literal or a name that always means this machine: never matched by domain suffix."""
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def source_hosts(spider: Any) -> set[str]:
    urls = list(getattr(spider, "start_urls", ()) or ())
    urls += list(getattr(type(spider), "start_urls", ()) or ())
    urls.append(getattr(spider, "agency_url", "") or "")
    hosts = {_host(u) for u in urls if u}
    for name in ("allowed_domains", "redirect_hosts"):
        hosts |= {str(h).lower().rstrip(".") for h in (getattr(spider, name, None) or ())}
    hosts.discard("")
    return hosts


def host_allowed(host: str, allowed: set[str]) -> bool:
    if not host:
        return False
    if host in allowed:
        return True
    if _is_address(host):
        return False  # loopback and private addresses only exactly as given
    for known in allowed:
        if _is_address(known):
            continue
        # Within one site: a subdomain of a known host, or its parent (www.agency.gov -> agency.gov),
        # but never a bare public suffix such as "gov".
        if host.endswith("." + known) or (known.endswith("." + host) and "." in host):
            return True
    return False


class SourceHostsRedirectMiddleware:
    """Checks every request a redirect produced (3xx or meta refresh) before anything fetches it.

    Placed before the robots.txt middleware, so not even robots.txt is asked of a refused host.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> SourceHostsRedirectMiddleware:
        return cls(crawler)

    def process_request(self, request: Any, spider: Any = None) -> None:
        chain = request.meta.get("redirect_urls")
        if not chain:
            return None
        spider = spider or self.crawler.spider
        allowed = source_hosts(spider)
        host = _host(request.url)
        if host_allowed(host, allowed):
            return None
        name = getattr(spider, "name", "?")
        spider.logger.error(
            "%s: refused a redirect from %s to %s: %s is not one of the source's hosts (%s); "
            "add it to the spider's redirect_hosts if the agency really moved there",
            name,
            chain[0],
            request.url,
            host or "(no host)",
            ", ".join(sorted(allowed)) or "none",
        )
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("leads/redirect_refused")
        raise IgnoreRequest(f"{name}: redirect to {host or request.url} refused (not one of the source's hosts)")
