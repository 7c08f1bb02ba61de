"""Oregon WARN notices: HECC's WARN page serves its XLSX workbook through a form with an anti-forgery token.

The page (``ccwd.hecc.oregon.gov/Layoff/WARN``) holds a form that POSTs its hidden
``__RequestVerificationToken`` to ``/Layoff/WARN/Download``; the answer is the workbook. ``parse``
finds that form by meaning (its action or button says "Download") and submits it with the token
the page carries, so the token is always the fresh one; a form without the token is a layout error. Given a
workbook directly (``--url …xlsx``), ``parse`` reads it. The workbook puts title rows above its
header; the header is found by meaning.

Field decisions (columns: WARN#, Company Name, Location, Layoff Date, Laid Off, Layoff Type,
Received Date):

- Essential: Company Name, Location, and a Received Date or Layoff Date column. Optional: WARN#,
  Laid Off, Layoff Type, the other date. A missing optional column lands every row with that field
  None and logs one WARNING naming it.
- ``notice_date`` = Received Date, ``effective_date`` = Layoff Date (Excel dates). 1899-12-29 (24
  rows) is Excel's zero, an empty date cell formatted as a date: None, flagged.
- ``notice_type``: "Permanent closure" -> closure; "Reduction", "Large Layoff - 10 or more
  workers", "Small Layoff  1 – 10 workers", "Temporary Layoff" -> layoff; "Other"/blank -> other.
  ``temporary``: "Temporary Layoff" -> True, "Permanent closure" -> False, else None.
- ``company_name`` without the fixed-width padding of the old rows ("STANLEY SMITH SECURITY, INC   ").
  ``Location`` "Portland,", "PORTLAND      ", "ST LOUIS, MO": city without padding or a trailing
  comma; a state written after the city is the state (MO), else OR. No street address or ZIP.
- ``source_key`` = company + received date + location (``tabular.make_key``: "CHS, Inc." = "CHS
  Inc."); WARN# is not unique (one number for several sites or phases) and stays in ``raw``. An
  identical repeated row is yielded once, a same-key row that differs elsewhere (another layoff
  date of one notice) gets ``|2``; a key over 240 characters is cut and ends in a digest.
- ``employees`` = Laid Off; unreadable -> None, flagged (stat ``leads/values_unreadable``).
- Skipped (logged, counted): a row with no company, or with no readable date at all; an empty
  row is not a row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import Any

import scrapy
from scrapy.http import FormRequest, Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, clean_text, parse_int, split_city_state_zip
from spiders.tabular import (
    XLSX_MAGIC,
    bounded_key,
    cell,
    excel_date,
    workbook_notices,
)

COLUMNS = {
    "company": [r"^company name$", r"\b(company|employer|business)\b"],
    "location": [r"^location$", r"\b(location|city|site)\b"],
    "notice_date": [r"^received date$", r"\b(received|notice)\b.*\bdate\b|\bdate\b.*\breceived\b"],
    "effective_date": [r"^layoff date$", r"\b(layoff|closing|closure|effective)\b.*\bdate\b"],
    "employees": [r"^laid off$", r"\b(laid off|affected|employees|workers|jobs)\b"],
    "notice_type": [r"^layoff type$", r"\btype\b"],
    "warn_number": [r"^warn\b", r"\bnumber\b|\bno\b"],
}
REQUIRED = ["company", "location"]
DATES = ["notice_date", "effective_date"]
OPTIONAL = ["effective_date", "employees", "notice_type", "warn_number"]

_DOWNLOAD = re.compile(r"\bdownload\b", re.I)


class WarnOrSpider(NoticeSpider):
    name = "warn_or"
    agency_url = "https://ccwd.hecc.oregon.gov/Layoff/WARN"
    source_format = "XLSX workbook behind a token form (POST)"
    region = "Oregon"
    verified_on = "rebuilt from a row dump (2022-02-05)"
    start_urls = [agency_url]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if response.body.startswith(XLSX_MAGIC):
            yield from self.parse_workbook(response)
            return
        try:
            yield download_request(response, self.parse_workbook, self.on_request_error)
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))

    def parse_workbook(self, response: Response) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_workbook)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        """A saved workbook gives its notices; the saved WARN page gives none (its form fetches the workbook)."""
        if response.body.startswith(XLSX_MAGIC):
            yield from list(self._parse_workbook(response))
            return
        request = download_request(response, self.parse_workbook, self.on_request_error)
        self.logger.info(
            "source %s: %s is the WARN page; its form posts to %s for the workbook",
            self.name,
            response.url,
            request.url,
        )

    def _parse_workbook(self, response: Response) -> Iterator[ClosureNotice]:
        yield from workbook_notices(
            self, response, COLUMNS, REQUIRED, DATES, OPTIONAL, partial(self._parse_row, response)
        )

    def _parse_row(
        self, response: Response, where: str, row: Sequence[Any], columns: Mapping[str, int], raw: dict[str, Any]
    ) -> ClosureNotice:
        company = clean_text(cell(row, columns, "company"))
        if not company:
            raise ValueError("no company name")
        notice_date = self.optional_value(
            response, where, "received date", cell(row, columns, "notice_date"), excel_date
        )
        effective_date = self.optional_value(
            response, where, "layoff date", cell(row, columns, "effective_date"), excel_date
        )
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        location = clean_text(cell(row, columns, "location")).strip(" ,") or None
        city, state, _ = split_city_state_zip(location)
        kind = clean_text(cell(row, columns, "notice_type"))
        return ClosureNotice(
            source=self.name,
            source_key=bounded_key(company, notice_date or effective_date, location),
            company_name=company,
            source_url=response.url,
            notice_type=notice_type(kind),
            city=city,
            state=state or "OR",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self.optional_value(
                response, where, "laid-off count", cell(row, columns, "employees"), parse_int
            ),
            temporary=True
            if re.search(r"\btemporary\b", kind, re.I)
            else False
            if re.search(r"\bpermanent\b", kind, re.I)
            else None,
            raw=raw,
        )


def download_request(response: Response, callback: Any, errback: Any) -> scrapy.Request:
    """The POST of the page's download form, with the hidden anti-forgery token the page carries.

    Built from the form's own action and inputs (Scrapy 2.19 deprecates ``FormRequest.from_response``
    in favour of the form2request package; one form of hidden inputs does not need either).
    """
    if not isinstance(response, scrapy.http.TextResponse):
        raise LayoutChanged("expected the WARN page (HTML) or an XLSX workbook, got another binary file")
    for form in response.css("form"):
        words = " ".join(
            [
                form.attrib.get("action", ""),
                *form.css("button::text, input[type=submit]::attr(value), button::attr(value)").getall(),
            ]
        )
        if not _DOWNLOAD.search(words):
            continue
        fields = [
            (i.attrib["name"], i.attrib.get("value", ""))
            for i in form.css("input[name]")
            if i.attrib.get("type", "text").lower() not in {"submit", "button", "image", "reset"}
        ]
        if not any(name == "__RequestVerificationToken" for name, _ in fields):
            raise LayoutChanged("the download form on the WARN page has no __RequestVerificationToken")
        return FormRequest(
            response.urljoin(form.attrib.get("action") or response.url),
            method=(form.attrib.get("method") or "post").upper(),
            formdata=fields,
            callback=callback,
            errback=errback,
        )
    raise LayoutChanged("no download form on the WARN page")


def notice_type(kind: str) -> str:
    text = kind.casefold()
    if "clos" in text:
        return "closure"
    if "layoff" in text or "lay off" in text or "reduction" in text:
        return "layoff"
    return "other"
