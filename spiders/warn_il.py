"""Illinois WARN notices: DCEO's single XLSX export of its layoff-event records (Illinois workNet IEBS).

The crawl asks for the export itself (``apps.illinoisworknet.com/iebs/api/public/export``: one URL
that always serves the whole current file, nothing to discover). The header row is found by
meaning on the first sheet that has it; the export has 34 columns, most of them case-management
fields that stay in ``raw``.

Field decisions (columns used: Location Name, Doing Business As Name, Location Address, Location
City, Location State, Location Zipcode, County, Reason, WARN Received, Initial Date Reported,
Notification(s) Received, Impact Date, Total # of Employees, NAICS Codes):

- Essential: Location Name, Location City, and a date column (WARN Received, Initial Date Reported
  or Impact Date). Optional: everything else; a missing optional column lands every row with that
  field None and logs one WARNING naming it.
- ``company_name`` = Location Name (the DBA name stays in ``raw``). ``address`` = Location Address
  without its trailing space ("1665 Elmwood Rd "); ``city``, ``state`` (out-of-state sites: MO,
  IN, IA … kept), ``zip5`` from "60124-8190".
- ``notice_date`` = WARN Received when given (empty in every row of this export), else Initial
  Date Reported; ``effective_date`` = Impact Date (mostly empty). Excel dates; a text date is read
  tolerantly.
- ``notice_type`` from Reason: "Plant Closure" -> closure, "Layoff" / "Mass Layoff" -> layoff.
  Layoff Type ("State"/"Local") is the kind of record, not closure vs layoff: ``raw`` only; Status
  ("Active"/"Closed") is the case's status, not the plant's. ``temporary`` None: not published.
- ``amended`` True when Notification(s) Received lists more than one date ("7/2/2019, 9/3/2019"):
  the company notified the state again about the same event.
- ``employees`` = Total # of Employees; ``industry_code`` = the first NAICS code of NAICS Codes
  ("333414 - Heating Equipment, ex. Warm Air Furnaces Mfg" -> "333414").
- HTML entities in the export's text ("Employment &amp; Education") are decoded in the fields
  (``clean_text``); ``raw`` keeps the text as published.
- ``source_key`` = company + notice date + city (``tabular.make_key``: "CHS, Inc." = "CHS Inc."):
  the street is left out because the agency re-spells it between records; a same-key record that
  differs elsewhere (another site in the city) gets ``|2``; an identical repeat is yielded once; a
  key over 240 characters is cut and ends in a digest. IEBS Id stays in ``raw``.
- Skipped (logged, counted): a row with no company, or with no readable date at all (three
  records with no date and no WARN notice). Unreadable optional values leave the field None,
  flagged with a WARNING (stat ``leads/values_unreadable``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import Any

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import classify_notice_type, clean_text, parse_int, state_code, zip5
from spiders.tabular import bounded_key, cell, excel_date, workbook_notices

COLUMNS = {
    "company": [r"^location name$", r"\b(company|employer|business)\b(?!.*\bas\b)"],
    "address": [r"^location address$", r"\baddress\b"],
    "city": [r"^location city$", r"\bcity\b"],
    "state": [r"^location state$", r"\bstate\b(?!.*\btype\b)"],
    "zip": [r"^location zip", r"\b(zip|postal)\b"],
    "reason": [r"^reason$", r"\b(reason|event type)\b"],
    "warn_received": [r"^warn received$"],
    "initial_date": [r"^initial date reported$", r"\b(notice|reported|received)\b.*\bdate\b"],
    "notifications": [r"^notification s received$", r"\bnotifications?\b"],
    "effective_date": [r"^impact date$", r"\b(impact|layoff|closing|closure|effective)\b.*\bdate\b"],
    "employees": [r"^total of employees$", r"\btotal\b.*\bemployees\b", r"\b(employees|affected|workers)\b"],
    "naics": [r"^naics codes?$", r"\bnaics\b"],
}
REQUIRED = ["company", "city"]
DATES = ["warn_received", "initial_date", "effective_date"]
OPTIONAL = [
    "address",
    "state",
    "zip",
    "reason",
    "initial_date",
    "notifications",
    "effective_date",
    "employees",
    "naics",
]
EXPORT_URL = "https://apps.illinoisworknet.com/iebs/api/public/export?format=xlsx"

_NAICS = re.compile(r"\b(\d{2,6})\b")
_DATE_TEXT = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")


class WarnIlSpider(NoticeSpider):
    name = "warn_il"
    agency_url = "https://www.illinoisworknet.com/LayoffRecovery/Pages/ArchivedWARNReports.aspx"
    source_format = "XLSX export"
    region = "Illinois"
    verified_on = "rebuilt from a row dump (2024-03-26)"
    start_urls = [EXPORT_URL]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[ClosureNotice]:
        yield from self.notices_or_layout_error(response, self._parse_workbook)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        yield from list(self._parse_workbook(response))

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
            response, where, "WARN received date", cell(row, columns, "warn_received"), excel_date
        ) or self.optional_value(response, where, "initial report date", cell(row, columns, "initial_date"), excel_date)
        effective_date = self.optional_value(
            response, where, "impact date", cell(row, columns, "effective_date"), excel_date
        )
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        city = clean_text(cell(row, columns, "city")) or None
        naics = _NAICS.search(clean_text(cell(row, columns, "naics")))
        notifications = _DATE_TEXT.findall(clean_text(cell(row, columns, "notifications")))
        return ClosureNotice(
            source=self.name,
            source_key=bounded_key(company, notice_date or effective_date, city),
            company_name=company,
            source_url=response.url,
            notice_type=classify_notice_type(cell(row, columns, "reason")),
            address=clean_text(cell(row, columns, "address")) or None,
            city=city,
            state=state_code(cell(row, columns, "state")) or "IL",
            zip5=zip5(cell(row, columns, "zip")),
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self.optional_value(
                response, where, "employee count", cell(row, columns, "employees"), parse_int
            ),
            industry_code=naics.group(1) if naics else None,
            amended=len(notifications) > 1,
            raw=raw,
        )
