"""Nevada WARN notices: DETR's "WARN and Non-WARN" master list, from its PDF table (or a CSV/XLSX copy).

DETR publishes the list on ``detr.nv.gov/Page/WARN``, today as a PDF (``WARN_and_NonWARN_Master_w_Logo_YYYY.pdf``),
read by position with spiders/pdftables.py; a CSV or XLSX copy of the same records is read as a table.
Both go through one row path (fields, keys, skips). We hold no agency PDF: the parser was verified on a
PDF our test builds from the values of a re-serialised CSV sample of the agency's records (15 rows, from
another project's test fixtures), and on that CSV itself. Given the landing page, ``parse`` follows its
``.csv``/``.xlsx`` links and its WARN list ``.pdf`` links (a PDF with the same file name as a CSV/XLSX link
is the same list: the table file is read); a page linking none is a loud layout error, never silence.

Field decisions:

- ``source_key`` = employer + received date + city + county (normalized, ``tabular.key_part``); rows
  that share all four but differ elsewhere get ``|2``; an identical repeated row is yielded once.
- ``notice_type`` from ``Type`` (``Layoff``/``Closure``). ``Notification`` (``WARN`` vs ``Non-WARN``,
  a notice filed below the WARN threshold) stays in ``raw``: both are real layoffs.
- ``city``: ``Remote`` (a remote workforce, no site) -> None; a multi-site cell (``Las Vegas/Reno``) is
  kept as published. ``County`` stays in ``raw``. ``state`` is NV. No street address.
- Dates: ``Received Date`` -> ``notice_date``, ``Effective Date`` -> ``effective_date``, tolerant (a
  list or range keeps its first date; unreadable -> None with a WARNING naming the line). A received
  date a year before its effective date (SMBC Manubank 1/8/2025 -> 3/10/2026) is kept as published.
- ``Affected Total`` ``unknown`` -> None with a WARNING.
- Skipped (logged, counted): no employer, or no date at all (the Intuit row has neither date).
- Essential columns: employer, City (or County) and one date column; Type and counts are optional.
- PDF rows: a printed line starts a row when a date column holds a date or ``Notification`` its
  ``WARN``/``Non-WARN``, so a row without dates (Intuit) is its own row and is skipped by name, never
  glued to the row above. A line with none of these below a row is a wrapped cell of it (a long
  employer). A repeated page header, the title and the page footer are not rows. A truncated or
  corrupt PDF is a layout error naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from leads.items import ClosureNotice
from spiders.parsing import LayoutChanged, classify_notice_type, clean_text
from spiders.pdftables import TableSpec
from spiders.report_files import ReportFileSpider
from spiders.tabular import (
    make_key,
)

COLUMNS = {
    "company": [r"^(employer|company)( name)?$", r"\b(employer|company|business)\b"],
    "notice_date": [r"^received date$", r"\b(received|notice|notification)\b.*\bdate\b", r"\bdate received\b"],
    "effective_date": [r"^effective date$", r"\b(effective|layoff|closure|separation)\b.*\bdate\b"],
    "notice_type": [r"^type$", r"\b(notice|layoff|closure) type\b"],
    "employees": [r"\baffected\b", r"\b(employees|workers)\b"],
    "city": [r"^city$", r"\bcity\b"],
    "county": [r"^county$", r"\bcounty\b"],
    "notification": [r"^notification$"],  # WARN/Non-WARN on every row: anchors a PDF row that has no date
}
REQUIRED = ["company"]
DATE_FIELDS = ("notice_date", "effective_date")

PDF_TABLE = TableSpec(
    columns=COLUMNS,
    required=REQUIRED,
    header_markers=(r"^employer$", r"^received date$"),
    row_start={**dict.fromkeys(DATE_FIELDS, r"\d{1,2}/\d{1,2}/\d{2,4}"), "notification": r"(?i)(non-?)?warn"},
)

_LIST_NAME = re.compile(r"warn.*(master|list)|non[-_ ]?warn", re.I)  # not a "WARN Act fact sheet.pdf"
_REMOTE = re.compile(r"^remote$", re.I)


class WarnNvSpider(ReportFileSpider):
    name = "warn_nv"
    agency_url = "https://detr.nv.gov/Page/WARN"
    source_format = "PDF table of the WARN and Non-WARN master list (a CSV/XLSX copy is read too)"
    region = "Nevada"
    verified_on = (
        "rebuilt from a row dump (2026-07-16): a PDF table built from the re-serialised CSV sample, and that CSV"
    )
    start_urls = [agency_url]
    columns = COLUMNS
    required = REQUIRED
    date_fields = DATE_FIELDS
    pdf_table = PDF_TABLE
    report_name = _LIST_NAME
    report_what = "WARN list"

    def parse_row(self, fields: Mapping[str, Any], raw: dict[str, Any], url: str, where: str) -> ClosureNotice:
        company = clean_text(fields.get("company"))
        if not company:
            raise ValueError("no company name")
        notice_date = self.date_cell(fields.get("notice_date"), where, "received date")
        effective_date = self.date_cell(fields.get("effective_date"), where, "effective date")
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        city = clean_text(fields.get("city"))
        county = clean_text(fields.get("county"))
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date or effective_date, city, county),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(fields.get("notice_type")),
            city=None if _REMOTE.match(city) else (city or None),
            state="NV",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self.count_cell(fields.get("employees"), where),
            raw=raw,
        )

    def check_columns(self, columns: Mapping[str, int], headers: Sequence[Any], where: str) -> None:
        super().check_columns(columns, headers, where)
        if "city" not in columns and "county" not in columns:
            raise LayoutChanged(f"{where}: layout changed: no column for city or county among headers {list(headers)}")
