"""North Carolina WARN notices: NC Commerce's yearly "Workforce WARN summary list" report (CSV or XLSX download).

A crawl asks for one report page per year of its window (``since`` spider argument, default Jan 1 of
last year, so 1 January still covers last year); each page links its download (a rotating document
URL) found by meaning: an ``href`` ending in ``.csv``/``.xlsx`` or
(as a fallback) a link saying "Excel"/"CSV". ``parse`` also takes the download itself
(``leads crawl warn_nc --url FILE``).

Verified on a re-serialised CSV sample of the agency's records (15 rows of 2026 notices, from another
project's test fixtures), not on a byte copy of the agency's download: the column names are the
agency's, the quoting is the re-serialiser's.

Field decisions:

- One row per site: a notice for two sites (Firestone Fibers, WARN 202600009) is two rows, two
  notices. ``source_key`` = company + date of notice + street address + city (normalized,
  ``tabular.key_part``); the ``Warn Number`` stays in ``raw``.
- ``notice_date`` = ``Date of Notice`` (else ``Date Received by NC``); ``effective_date`` =
  ``Effective Date``. Both tolerant: a list or range keeps its first date, an unreadable value is
  None with a WARNING naming the line.
- ``notice_type`` from ``WARN notice type`` (``Closure``/``Layoff``); ``temporary`` from ``Type of
  layoff or closure`` (``Permanent`` -> False, ``Temporary`` -> True, else None); ``amended`` when
  either says "amend"/"update"/"revis".
- ``address`` = ``Address 1``; ``city`` from ``City``, where an out-of-state site carries its state
  (``New York NY`` -> New York, NY); otherwise ``state`` is NC. ``County`` (``N/A`` for out of state)
  stays in ``raw``.
- Skipped (logged, counted): no company name, or no readable date at all.
- Essential columns: company, City (or County) and one date column; type, counts, address are optional.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import (
    LayoutChanged,
    classify_notice_type,
    clean_text,
    first_date,
    parse_int,
    state_code,
    window_start,
)
from spiders.tabular import (
    XLSX_MAGIC,
    UniqueKeys,
    cell,
    csv_rows,
    find_header_row,
    is_blank,
    looks_like_html,
    make_key,
    raw_row,
    xlsx_sheets,
)

COLUMNS = {
    "company": [r"\bwarn notice name\b", r"^(company|employer)( name)?$", r"\b(company|employer|business)\b"],
    "notice_date": [r"^date of notice$", r"\bnotice date\b", r"\bdate received\b", r"\breceived\b.*\bdate\b"],
    "received_date": [r"\bdate received\b", r"\breceived\b.*\bdate\b"],
    "effective_date": [r"^effective date$", r"\b(effective|layoff|closure|closing|separation)\b.*\bdate\b"],
    "notice_type": [r"\bwarn notice type\b", r"^notice type$", r"\b(closure|layoff) type\b"],
    "permanence": [r"\btype of layoff or closure\b", r"\b(permanent|temporary)\b"],
    "employees": [r"\bnumber affected\b", r"\b(affected|employees|workers)\b"],
    "address": [r"^address( 1)?$", r"\b(street|address)\b"],
    "city": [r"^city$", r"\bcity\b"],
    "county": [r"^county$", r"\bcounty\b"],
}
REQUIRED = ["company"]
DATE_FIELDS = ("notice_date", "received_date", "effective_date")

REPORT_PAGE = (
    "https://www.commerce.nc.gov/data-tools-reports/labor-market-data-tools/workforce-warn-reports/"
    "report-workforce-warn-summary-list-{year}"
)

_DOWNLOAD_HREF = re.compile(r"\.(csv|xlsx)(?:$|[?#])", re.I)
_DOWNLOAD_TEXT = re.compile(r"\b(excel|csv|xlsx)\b", re.I)
_AMENDED = re.compile(r"amend|update|revis", re.I)
_TRAILING_STATE = re.compile(r"^(.*\S)[\s,]+([A-Z]{2})$")


class WarnNcSpider(NoticeSpider):
    name = "warn_nc"
    agency_url = "https://www.commerce.nc.gov/data-tools-reports/labor-market-data-tools/workforce-warn-reports"
    source_format = "HTML report page per year linking a CSV/XLSX download"
    region = "North Carolina"
    verified_on = "agency records, re-serialised CSV sample (2026-07-16)"
    #: What `leads sources` shows; a crawl asks for each year of its window (see __init__).
    start_urls = [REPORT_PAGE.format(year=date.today().year)]

    def __init__(self, *args: Any, since: str | None = None, url: str | list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, url=url, **kwargs)
        if not url:
            first = window_start(since).year
            self.start_urls = [REPORT_PAGE.format(year=y) for y in range(first, date.today().year + 1)]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if looks_like_html(response.body):
            try:
                links = download_links(response)
            except LayoutChanged as exc:
                self.layout_changed(response, str(exc))
                return
            for url in links:
                yield self.request(url, self.parse_report)
            return
        yield from self.parse_report(response)

    def parse_report(self, response: Response) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_report)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        """A saved report gives its notices; a saved year page gives none (it only links the report)."""
        if looks_like_html(response.body):
            links = download_links(response)
            self.logger.info(
                "source %s: %s is a year page; the report is %s", self.name, response.url, ", ".join(links)
            )
            return
        yield from list(self._parse_report(response))

    def _parse_report(self, response: Response) -> Iterator[ClosureNotice]:
        if response.body.startswith(XLSX_MAGIC):
            sheets = list(xlsx_sheets(response.body))
            rows: Sequence[Sequence[Any]] = sheets[0][1] if sheets else []
        else:
            rows = csv_rows(response.body)
        header_at, columns = find_header_row(rows, COLUMNS, REQUIRED, source=self.name)
        headers = list(rows[header_at])
        if not any(f in columns for f in DATE_FIELDS):
            raise LayoutChanged(f"{self.name}: layout changed: no date column among headers {headers}")
        if "city" not in columns and "county" not in columns:
            raise LayoutChanged(f"{self.name}: layout changed: no column for city or county among headers {headers}")
        keys = UniqueKeys()
        data_rows = 0
        for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
            if is_blank(row):
                continue
            data_rows += 1
            raw = raw_row(headers, row)
            try:
                notice = self._parse_row(row, columns, raw, response.url, line)
            except ValueError as exc:
                self.skip_row(response, f"line {line} ({clean_text(cell(row, columns, 'company'))!r})", str(exc))
                continue
            notice.source_key, repeat = keys.assign(notice.source_key, raw)
            if repeat:
                self.logger.info("source %s: line %s repeats an earlier row; yielded once", self.name, line)
                continue
            yield notice
        if not data_rows:
            raise LayoutChanged(f"no data rows under the header {headers}")

    def _parse_row(
        self, row: Sequence[Any], columns: dict[str, int], raw: dict[str, Any], url: str, line: int
    ) -> ClosureNotice:
        company = clean_text(cell(row, columns, "company"))
        if not company:
            raise ValueError("no company name")
        notice_date = self._date(cell(row, columns, "notice_date"), line, "date of notice") or self._date(
            cell(row, columns, "received_date"), line, "date received"
        )
        effective_date = self._date(cell(row, columns, "effective_date"), line, "effective date")
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        address = clean_text(cell(row, columns, "address")) or None
        city, state = _city_state(cell(row, columns, "city"))
        kind = clean_text(cell(row, columns, "notice_type"))
        permanence = clean_text(cell(row, columns, "permanence"))
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date or effective_date, address, city or cell(row, columns, "county")),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(kind),
            address=address,
            city=city,
            state=state or "NC",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self._count(cell(row, columns, "employees"), line),
            temporary=_temporary(permanence),
            amended=bool(_AMENDED.search(f"{kind} {permanence}")),
            raw=raw,
        )

    def _date(self, value: object, line: int, what: str) -> date | None:
        """A date, or the first date of a list or range; None (with a WARNING) when unreadable."""
        try:
            return first_date(value)
        except ValueError:
            self.logger.warning("source %s: line %s: unreadable %s %r stored as None", self.name, line, what, value)
            return None

    def _count(self, value: object, line: int) -> int | None:
        try:
            return parse_int(value)
        except ValueError:
            self.logger.warning("source %s: line %s: unreadable count %r stored as None", self.name, line, value)
            return None


def _city_state(value: object) -> tuple[str | None, str | None]:
    """'Wilmington' -> ('Wilmington', None); 'New York NY' -> ('New York', 'NY').

    Only a trailing two-letter code is read as a state: a city named like a state (Washington,
    Indiana) keeps its name (the shared split_city_state_zip reads 'Washington' as WA).
    """
    text = clean_text(value)
    match = _TRAILING_STATE.match(text)
    if match and state_code(match.group(2)):
        return match.group(1).rstrip(" ,"), state_code(match.group(2))
    return (text or None), None


def _temporary(value: str) -> bool | None:
    if re.search(r"\btemporar", value, re.I):
        return True
    if re.search(r"\bpermanent", value, re.I):
        return False
    return None


def download_links(response: Response) -> list[str]:
    """The report download(s) a year page links: a .csv/.xlsx or /download href, or a link saying Excel/CSV."""
    anchors = [(a.attrib["href"], clean_text(" ".join(a.css("::text").getall()))) for a in response.css("a[href]")]
    # A file link is unambiguous; a link only *saying* Excel/CSV is the fallback (pages carry other downloads).
    links = [response.urljoin(h) for h, _ in anchors if _DOWNLOAD_HREF.search(h)] or [
        response.urljoin(h) for h, text in anchors if _DOWNLOAD_TEXT.search(text)
    ]
    if not links:
        raise LayoutChanged("the report page links no CSV/XLSX download")
    return list(dict.fromkeys(links))
