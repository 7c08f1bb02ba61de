"""The base every closure-notice spider builds on: start URL override, loud errors, row skipping.

Spiders only extract. They never touch the database and keep no state on ``self`` between
callbacks; context travels in ``cb_kwargs``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

from leads.errors import LayoutChanged, NoNoticesListed
from leads.health import STAT_LISTS_NONE, STAT_WARNINGS
from leads.items import ClosureNotice

STAT_ROWS_SKIPPED = "leads/rows_skipped"
STAT_LAYOUT_ERRORS = "leads/layout_errors"
STAT_REQUEST_ERRORS = "leads/request_errors"
STAT_CHECK_ERRORS = "leads/check_errors"
STAT_UNREADABLE = "leads/values_unreadable"  # an optional value that could not be read, left empty


class NoticeSpider(scrapy.Spider):
    """Base class: subclasses set the metadata below and implement ``parse``.

    ``leads crawl SOURCE --url URL`` passes ``url`` as a spider argument to replace the start URL.
    """

    #: The agency page a person would open to see these notices.
    agency_url: ClassVar[str] = ""
    #: Human description of what the source publishes, e.g. "HTML page linking to XLSX".
    source_format: ClassVar[str] = ""
    #: The state (or city) the source covers, for `leads sources`.
    region: ClassVar[str] = ""
    #: What the parser was verified on, for `leads sources` and the README: "agency file YYYY-MM-DD"
    #: (a saved copy of what the agency served) or "rebuilt from a row dump (YYYY-MM-DD)" (a file our
    #: test builds in the agency's format from a dump of its values). Never call a rebuilt file an agency file.
    verified_on: ClassVar[str] = ""
    #: The URLs the offline demo (`leads demo`) replays from its recorded snapshot: () means the
    #: spider's own start URLs for the demo window; None keeps the source out of the demo.
    demo_urls: ClassVar[tuple[str, ...] | None] = None
    #: For scripts/record_demo.py: a fragment of each URL the demo crawl requests -> the saved file
    #: under tests/files that answers it (recorded into the demo snapshot under the real URL).
    demo_files: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, url: str | list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if url:
            self.start_urls = [url] if isinstance(url, str) else list(url)

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.on_request_error)

    # -- loud failures --------------------------------------------------------------------------

    def _inc(self, key: str) -> None:
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value(key)

    def on_request_error(self, failure: Any) -> None:
        """Errback: a 404, a 5xx after retries, a timeout or a refused connection is an ERROR."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        response = getattr(failure.value, "response", None)
        if response is not None:
            reason = f"HTTP {response.status}"
        else:
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self._inc(STAT_REQUEST_ERRORS)
        self.logger.error("source %s: request failed for %s (%s)", self.name, url, reason)

    def layout_changed(self, response: Response | None, message: str) -> None:
        """The page or file lost the structure the spider knows: an ERROR, never silence."""
        self._inc(STAT_LAYOUT_ERRORS)
        where = response.url if response is not None else "?"
        self.logger.error("source %s: layout changed at %s: %s", self.name, where, message)

    def check_failed(self, response: Response | None, message: str) -> None:
        """The file contradicts itself (rows against its own Total line): an ERROR that fails the source."""
        self._inc(STAT_CHECK_ERRORS)
        where = response.url if response is not None else "?"
        self.logger.error("source %s: %s at %s", self.name, message, where)

    def column_warning(self, response: Response | None, message: str) -> None:
        """An optional column not found, or an unknown one appeared: the rows land, the run is degraded.

        Kept in the crawl's stats (a list, each sentence once), stored on the crawl run and shown
        by `leads sources` and the digest.
        """
        where = response.url if response is not None else "?"
        self.logger.warning("source %s: %s (in %s)", self.name, message, where)
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            seen = list(crawler.stats.get_value(STAT_WARNINGS) or [])
            if message not in seen:
                crawler.stats.set_value(STAT_WARNINGS, [*seen, message])

    def agency_lists_none(self, response: Response | None, message: str) -> None:
        """The agency's page says it lists no notices for the window: an answer, not a breakage.

        In a crawl the run is ``empty`` with the reason "the agency lists none for this window";
        ``parse_file`` raises NoNoticesListed instead, so `leads parse` prints 0 notices, exit 0.
        """
        where = response.url if response is not None else "?"
        self.logger.warning("source %s: %s at %s", self.name, message, where)
        self._inc(STAT_LISTS_NONE)

    def skip_row(self, response: Response | None, row: object, reason: str) -> None:
        """A malformed row: logged with its source and row, counted, skipped; the source goes on."""
        self._inc(STAT_ROWS_SKIPPED)
        where = response.url if response is not None else "?"
        self.logger.warning("source %s: skipped row %s of %s: %s", self.name, row, where, reason)

    def optional_value(self, response: Response, where: str, what: str, value: Any, reader: Any) -> Any:
        """An optional value read by ``reader``; unreadable -> None, flagged (the text stays in raw)."""
        from spiders.parsing import clean_text

        try:
            return reader(value)
        except ValueError:
            self._inc(STAT_UNREADABLE)
            self.logger.warning(
                "source %s: %s of %s: unreadable %s %r left empty (kept in raw)",
                self.name,
                where,
                response.url,
                what,
                clean_text(value),
            )
            return None

    def notices_or_layout_error(self, response: Response, parser: Any) -> list[ClosureNotice]:
        """Run a whole-file parser; a LayoutChanged becomes the loud layout error and no notices.

        The parser runs to the end before anything is yielded, so a file that breaks halfway
        gives no partial garbage.
        """
        try:
            return list(parser(response))
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))
            return []

    def request(self, url: str, callback: Any, **cb_kwargs: Any) -> scrapy.Request:
        """A follow-up request that reports its failure like the start request does."""
        return scrapy.Request(url, callback=callback, errback=self.on_request_error, cb_kwargs=cb_kwargs)

    # -- `leads parse SOURCE FILE` --------------------------------------------------------------

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        """Notices found in one saved file of any format this source publishes.

        The default runs ``parse`` and keeps only the notices (follow-up requests are dropped).
        A LayoutChanged raised by a parser propagates so the maintainer sees it.
        """
        yield from only_notices(self.parse(response))


def only_notices(results: Iterable[Any] | None) -> Iterator[ClosureNotice]:
    for result in results or ():
        if isinstance(result, ClosureNotice):
            yield result


__all__ = ["NoticeSpider", "LayoutChanged", "NoNoticesListed", "only_notices"]
