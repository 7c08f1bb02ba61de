"""Rhode Island WARN notices: the DLT WARN page links one XLSX workbook, the "WARN Report".

``parse`` finds the workbook links of the landing page (``dlt.ri.gov/wds/warn/``) by meaning (an
``.xlsx`` href, or a link whose text says Excel: the site serves documents as ``/media/<id>/download``)
and follows the newest (by a date in its file name; else the first). Given a workbook directly
(``--url …xlsx``) ``parse`` reads it.

Field decisions (columns: WARN Date, Date Received, Company Name, Location of Layoffs, Number
Affected, Effective Date, Closing Yes/No, Union Yes/No, Union Address):

- Essential: company, Location of Layoffs, and at least one of WARN Date / Date Received /
  Effective Date. Optional: Number Affected, Closing Yes/No, Effective Date, Date Received. A missing
  optional column lands every row with that field None and logs one WARNING naming it.
- ``notice_date`` = WARN Date, else Date Received (both stay in ``raw``); ``effective_date`` =
  Effective Date, read tolerantly: "4/1/2019,  8/30/2019" or "1/11/16 through 3/31/16" give the
  first whole date, "Staggered" or "6/2015 through 6/2016" give None (flagged, the text in ``raw``).
- ``notice_type``: Closing "Yes" -> closure, "No" -> layoff (a WARN notice that closes nothing is a
  layoff); no column or another value -> other. ``temporary`` None: the file does not say.
- ``company_name``: the trailing footnote asterisk of the 2020 rows ("Hotel Viking*", "Upserve *")
  is taken off; ``raw`` keeps it. ``source_key`` = company + notice date + location
  (``tabular.make_key``: "CHS, Inc." = "CHS Inc."); an identical repeated row is yielded once, a
  same-key row that differs elsewhere gets ``|2``; a key over 240 characters is cut and ends in
  a digest of the whole.
- ``city`` = Location of Layoffs as published ("Warwick, Providence", "Multiple Locations"), None
  when it only names the state ("Rhode Island", "RI"). ``state`` is RI; no street address or ZIP.
- ``employees``: a count; "---", "60-80", "54 Union 3 Non Union" leave it None (flagged).
- Skipped (logged, counted): a row with no company, or with no readable date at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from functools import partial
from typing import Any

import scrapy
from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, clean_text, parse_int, state_code
from spiders.tabular import XLSX_MAGIC, bounded_key, cell, excel_date, workbook_notices

COLUMNS = {
    "company": [r"^company name$", r"\b(company|employer|business)\b"],
    "location": [r"^location of layoffs$", r"\b(location|city|site)\b"],
    "notice_date": [r"^warn date$", r"\b(warn|notice)\b.*\bdate\b"],
    "received_date": [r"^date received$", r"\breceived\b"],
    "effective_date": [r"^effective date$", r"\b(effective|layoff|closing|separation)\b.*\bdate\b"],
    "employees": [r"^number affected$", r"\b(affected|employees|workers|jobs)\b"],
    "closing": [r"^closing( yes no)?$", r"\bclos(ing|ure)\b"],
}
REQUIRED = ["company", "location"]
DATES = ["notice_date", "received_date", "effective_date"]
OPTIONAL = ["received_date", "effective_date", "employees", "closing"]

_XLSX_HREF = re.compile(r"\.xlsx?(?:$|[?#])", re.I)
_NAME_DATE = re.compile(r"(\d{1,2})[-_.](\d{1,2})[-_.](\d{2,4})(?=\.xlsx?)", re.I)
_XLSX_TEXT = re.compile(r"\bexcel\b|\bxlsx?\b|\bspreadsheet\b", re.I)
_FOOTNOTE = re.compile(r"\s*\*+$")


class WarnRiSpider(NoticeSpider):
    name = "warn_ri"
    agency_url = "https://dlt.ri.gov/wds/warn/"
    source_format = "HTML page linking to an XLSX workbook"
    region = "Rhode Island"
    verified_on = "rebuilt from a row dump (2024-03-06)"
    start_urls = [agency_url]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if response.body.startswith(XLSX_MAGIC):
            yield from self.parse_workbook(response)
            return
        try:
            url = newest_workbook_link(response)
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))
            return
        yield self.request(url, self.parse_workbook)

    def parse_workbook(self, response: Response) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_workbook)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        """A saved workbook gives its notices; the saved landing page names the workbook and gives none."""
        if response.body.startswith(XLSX_MAGIC):
            yield from list(self._parse_workbook(response))
            return
        url = newest_workbook_link(response)
        self.logger.info("source %s: %s is the landing page; the workbook is %s", self.name, response.url, url)

    def _parse_workbook(self, response: Response) -> Iterator[ClosureNotice]:
        yield from workbook_notices(
            self, response, COLUMNS, REQUIRED, DATES, OPTIONAL, partial(self._parse_row, response)
        )

    def _parse_row(
        self, response: Response, where: str, row: Sequence[Any], columns: Mapping[str, int], raw: dict[str, Any]
    ) -> ClosureNotice:
        company = _FOOTNOTE.sub("", clean_text(cell(row, columns, "company")))
        if not company:
            raise ValueError("no company name")
        notice_date = self.optional_value(response, where, "WARN date", cell(row, columns, "notice_date"), excel_date)
        received = self.optional_value(
            response, where, "received date", cell(row, columns, "received_date"), excel_date
        )
        effective_date = self.optional_value(
            response, where, "effective date", cell(row, columns, "effective_date"), excel_date
        )
        notice_date = notice_date or received
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        location = clean_text(cell(row, columns, "location")) or None
        return ClosureNotice(
            source=self.name,
            source_key=bounded_key(company, notice_date or effective_date, location),
            company_name=company,
            source_url=response.url,
            notice_type=notice_type(cell(row, columns, "closing")),
            city=None if location is None or state_code(location) else location,
            state="RI",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self.optional_value(
                response, where, "employee count", cell(row, columns, "employees"), parse_int
            ),
            raw=raw,
        )


def notice_type(closing: Any) -> str:
    """Closing Yes/No -> closure/layoff; anything else (no column, blank) -> other."""
    answer = clean_text(closing).casefold()
    return {"yes": "closure", "y": "closure", "no": "layoff", "n": "layoff"}.get(answer, "other")


def newest_workbook_link(response: Response) -> str:
    """The workbook link of the landing page whose file name carries the latest date (else the first)."""
    if not isinstance(response, scrapy.http.TextResponse):
        raise LayoutChanged("expected the landing page (HTML) or an XLSX workbook, got another binary file")
    links: list[str] = []
    for a in response.css("a[href]"):
        href = (a.attrib.get("href") or "").strip()
        words = clean_text(" ".join(a.css("::text").getall()) + " " + (a.attrib.get("title") or ""))
        if not href or href.lower().startswith(("mailto:", "javascript:")) or href.lower().endswith(".pdf"):
            continue
        # The site serves documents as /media/<id>/download: the link text is what says "Excel".
        if _XLSX_HREF.search(href) or _XLSX_TEXT.search(words):
            url = response.urljoin(href)
            if url not in links:
                links.append(url)
    if not links:
        raise LayoutChanged("no link to the WARN Report Excel workbook on the landing page")

    def dated(url: str) -> date:
        match = _NAME_DATE.search(url)
        if not match:
            return date.min
        month, day, year = (int(g) for g in match.groups())
        try:
            return date(year + 2000 if year < 100 else year, month, day)
        except ValueError:
            return date.min

    return max(links, key=lambda url: (dated(url), -links.index(url)))
