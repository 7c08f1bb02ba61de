"""Utah WARN notices: one static HTML page, an ``<h2>YYYY</h2>`` heading and a table per year.

The page holds every year since 2009 (one GET, no paging, nothing to loop). Each table is found by
its header (columns by meaning), never by position; the year heading above it is kept in ``raw``.

Field decisions:

- ``source_key`` = company + notice date + location (normalized, ``tabular.key_part``), the company
  without its "(Amended)" mark. The page lists an amendment as its own row with its own date
  (American Express 06/03/15, then "(Amended)" 06/30/15; General Dynamics IT 02/27/14, then
  "03/05/14 Updated"): each is its own notice, ``amended`` = True on the later one. Rows sharing all
  three but differing elsewhere get ``|2`` in page order; an identical repeated row is yielded once.
- ``notice_date`` from ``Date of Notice``, read tolerantly because the page is hand-typed: a doubled
  or trailing slash (``01/07//09``, ``01/05/18/``) and a trailing ``&`` (``03/09/2020&amp;``) are
  typos around a readable date; ``03/05/14 Updated`` is the date of an updated notice
  (``amended`` = True); ``05/2009`` gives the first of the month, flagged ``month only``; an
  impossible date (``09/31/10``) is None, flagged ``unreadable``. Flags go to ``raw["_flags"]``
  (field -> what could not be read) and the published text stays in ``raw``.
- ``company_name``: ``(Amended)`` is taken off (``amended`` = True); the CMS class name that leaked
  into one cell (``Hostess navbar-headers``) is taken off; mojibake (``â\\x80\\x93``, an en dash
  decoded as Latin-1) is repaired; ``<br />`` inside a name is a space.
- ``employees``: ``645 Revised`` -> 645 and ``amended`` = True; unreadable -> None (flagged).
- ``city`` from ``Location``: ``SLC`` (the agency's abbreviation) -> Salt Lake City; a parenthesis
  (``Salt Lake City (Relocating to Eagle Mtn. Utah)``, ``Clearfield (HAFB)``) is left out of the city;
  ``Statewide`` and ``<name> County`` are no city (None); a multi-city list stays as published.
  ``state`` is UT. No street address, ZIP or industry on this page.
- ``notice_type`` is ``other`` and ``temporary`` None: the page says neither closure nor layoff.
- Skipped (logged, counted) only when a row has neither a company nor a readable date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from scrapy.http import Response, TextResponse

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, clean_text, parse_date_strict, parse_int
from spiders.tabular import UniqueKeys, cell, find_header_row, is_blank, make_key, raw_row

COLUMNS = {
    "notice_date": [r"^date of notice$", r"\bnotice\b.*\bdate\b", r"\bdate\b"],
    "company": [r"^company name$", r"\b(company|employer|business)\b"],
    "location": [r"^location$", r"\b(location|city|site)\b"],
    "employees": [r"^affected workers$", r"\b(workers|employees|jobs)\b"],
}
#: What identifies a notice: a company, a date and a place. The count is optional.
REQUIRED = ["notice_date", "company", "location"]

_AMENDED = re.compile(r"\s*\(\s*amended\s*\)\s*", re.I)
_UPDATED = re.compile(r"\s*\b(updated|revised|amended)\b\s*", re.I)
_CMS_CLASS = re.compile(r"\s+navbar-[\w-]+$")  # a CSS class name the page's CMS left in a cell
_COUNTY = re.compile(r"^[\w .'-]+ county$", re.I)
_MOJIBAKE = re.compile(r"[\xc2-\xf4][\x80-\xbf]+")
_CITY_ABBREVIATIONS = {"slc": "Salt Lake City"}


class WarnUtSpider(NoticeSpider):
    name = "warn_ut"
    agency_url = "https://jobs.utah.gov/employer/business/warnnotices.html"
    source_format = "HTML page, one table per year"
    region = "Utah"
    verified_on = "agency file 2022-04-11"
    demo_urls = ()
    demo_files = {"/business/warnnotices.html": "warn_ut/warnnotices.html"}
    start_urls = [agency_url]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_page)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        yield from list(self._parse_page(response))

    def _parse_page(self, response: Response) -> Iterator[ClosureNotice]:
        tables = _year_tables(response)
        keys = UniqueKeys()
        found_table = False
        error: LayoutChanged | None = None
        for year, rows in tables:
            try:
                header_at, columns = find_header_row(rows, COLUMNS, REQUIRED, source=self.name, max_scan=3)
            except LayoutChanged as exc:
                error = error or exc
                continue
            headers = rows[header_at]
            missing = [f for f in COLUMNS if f not in columns]
            if missing and not found_table:  # optional columns: the rows land without them, and the run says so
                self.logger.warning(
                    "source %s: %s has no column for %s (headers %s)",
                    self.name,
                    response.url,
                    ", ".join(missing),
                    headers,
                )
            found_table = True
            for number, row in enumerate(rows[header_at + 1 :], start=1):
                if is_blank(row):
                    continue
                raw = raw_row(headers, row)
                if year:
                    raw["year"] = year
                notice = self._parse_row(row, columns, raw, response.url)
                if notice is None:
                    self.skip_row(response, f"{year or '?'} table row {number}", "no company and no date")
                    continue
                notice.source_key, repeat = keys.assign(notice.source_key, raw)
                if repeat:
                    self.logger.info(
                        "source %s: %s table row %s repeats an earlier row; yielded once", self.name, year, number
                    )
                    continue
                yield notice
        if not found_table:
            raise error or LayoutChanged("no table in the page")

    def _parse_row(
        self, row: list[str], columns: dict[str, int], raw: dict[str, Any], url: str
    ) -> ClosureNotice | None:
        flags: dict[str, str] = {}
        company, amended = _company(cell(row, columns, "company"))
        notice_date, date_flag, updated = read_date(cell(row, columns, "notice_date"))
        if date_flag:
            flags["notice_date"] = date_flag
        if not company and notice_date is None:
            return None
        count_text = clean_text(cell(row, columns, "employees"))
        revised = bool(_UPDATED.search(count_text))
        try:
            employees = parse_int(_UPDATED.sub(" ", count_text).strip())
        except ValueError:
            employees = None
            flags["employees"] = "unreadable"
        if flags:
            raw["_flags"] = flags
        location = _fix_mojibake(clean_text(cell(row, columns, "location")))
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date, location),
            company_name=company or "(no company name)",
            source_url=url,
            notice_type="other",
            city=_city(location),
            state="UT",
            notice_date=notice_date,
            employees=employees,
            temporary=None,
            amended=amended or updated or revised,
            raw=raw,
        )


def read_date(value: object) -> tuple[date | None, str | None, bool]:
    """(date, what could not be read or None, True when marked "Updated") from a hand-typed date cell."""
    text = clean_text(value)
    updated = bool(_UPDATED.search(text))
    text = _UPDATED.sub(" ", text).strip()
    text = re.sub(r"/{2,}", "/", text).strip(" /&;,.")
    if not text:
        return None, None, updated
    month_only = re.fullmatch(r"(\d{1,2})/(\d{4})", text)
    if month_only:
        month, year = int(month_only.group(1)), int(month_only.group(2))
        if 1 <= month <= 12:
            return date(year, month, 1), "month only", updated
    try:
        return _numeric_date(text) or parse_date_strict(text), None, updated
    except ValueError:
        return None, "unreadable", updated


def _company(value: object) -> tuple[str, bool]:
    text = _fix_mojibake(clean_text(value))
    amended = bool(_AMENDED.search(text))
    text = _AMENDED.sub(" ", text).strip()
    return _CMS_CLASS.sub("", text).strip(), amended


def _city(location: str) -> str | None:
    city = re.sub(r"\s*\([^)]*\)\s*", " ", location).strip()
    if not city or city.lower() == "statewide" or _COUNTY.match(city):
        return None
    return _CITY_ABBREVIATIONS.get(city.lower(), city)


def _fix_mojibake(text: str) -> str:
    """UTF-8 bytes that were decoded as Latin-1 (``â\\x80\\x93``) back to the character they were."""
    if not _MOJIBAKE.search(text):
        return text

    def repair(match: re.Match[str]) -> str:
        try:
            return match.group(0).encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return match.group(0)

    return _MOJIBAKE.sub(repair, text)


def _year_tables(response: Response) -> list[tuple[str | None, list[list[str]]]]:
    """(year heading or None, cell texts of each row) for each table of the page."""
    if not isinstance(response, TextResponse):
        raise LayoutChanged("expected the HTML page, got a binary file")
    tables = []
    for table in response.css("table"):
        heading = clean_text(table.xpath("string(preceding-sibling::h2[1])").get())
        year = heading if re.fullmatch(r"(19|20)\d\d", heading) else None
        rows = [[_text(c) for c in tr.iterchildren("th", "td")] for tr in table.root.iter("tr")]
        tables.append((year, rows))
    return tables


def _text(element: Any) -> str:
    """The text of an lxml element (<br> lines joined by a space), cleaned; lxml directly because a
    parsel selector per cell costs more than the rest of the row's parsing."""
    return clean_text(" ".join(element.itertext()))


_NUMERIC_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")


def _numeric_date(text: str) -> date | None:
    """``M/D/YYYY`` or ``M/D/YY`` without strptime (the common case, ten times faster); None when the
    text has another shape; ValueError for an impossible day (``09/31/10``). Two-digit years follow
    strptime's ``%y``: 69-99 -> 1900s, 00-68 -> 2000s."""
    match = _NUMERIC_DATE.fullmatch(text)
    if match is None:
        return None
    month, day, year = (int(g) for g in match.groups())
    if len(match.group(3)) == 2:
        year += 1900 if year >= 69 else 2000
    return date(year, month, day)
