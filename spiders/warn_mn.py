"""Minnesota WARN notices: DEED's mass-layoff report rows (one row per layoff), from its PDF tables.

DEED publishes the report as PDF tables (``YYYY-mass-layoff-report_tcm1045-….pdf``), read by position
with spiders/pdftables.py; a CSV or XLSX copy of the same rows is read as a table. Both go through one
row path (fields, keys, skips). We hold no agency PDF: the parser was verified on a PDF our test builds
from the values of a re-serialised CSV sample of the agency's records (15 rows of the 2020 report,
extracted from the PDF by another project, PDF-extraction artefacts kept), and on that CSV itself.
Given a landing page, ``parse`` follows its ``.csv``/``.xlsx`` links and its mass-layoff report ``.pdf``
links (a PDF with the same file name as a CSV/XLSX link is the same report: the table file is read).

Field decisions:

- ``company_name`` = ``Layoff Name`` without the report-year suffix the agency appends
  (``Torax Medical 2020`` -> ``Torax Medical``, ``Boston Scientific -Maple Grove 2020`` keeps its
  site); the published name stays in ``raw``. ``source_key`` = that name + date + city (normalized,
  ``tabular.key_part``), so the suffix of another year's report does not make a new notice.
- ``notice_type`` from ``Layoff Type``: ``Closing`` -> closure, ``Workforce Reduction`` -> layoff,
  ``No Layoff`` -> other. ``WARN Act`` (YES/NO: whether the layoff falls under WARN), ``Layoff
  Status`` and ``TAA Related`` stay in ``raw`` (the PDF extraction runs status and TAA together:
  ``Small Layoff Services  NO``).
- Dates: ``WARN Received`` (else ``RR Start Date``) -> ``notice_date``, ``Layoff Start`` ->
  ``effective_date``; tolerant (first date of a list or range; ``-`` is no date; an impossible
  ``2/30/2020`` is None with a WARNING naming the line). The sample has no received dates, so the
  layoff start is the only date and keys the notice.
- ``Industry`` is a sector name (``Manufacturing  1``, an extraction artefact), not a code:
  ``industry_code`` stays None, the text stays in ``raw``. ``employees`` = ``Affected Workers``.
- ``state`` MN; no street address. Skipped (logged, counted): no name, or no readable date at all
  (NexLink's ``2/30/2020``; Juut Salon and Teleflex, ``No Layoff`` rows with ``-``).
- Essential columns: name, City and one date column; type, counts, status are optional.
- PDF rows: a printed line starts a row when a date column holds a date or the agency's ``-`` (no
  date), or the ``WARN Act`` column its YES/NO; so a row without any date (``-``) is its own row and
  is skipped by name, never glued to the row above. A line with none of these below a row is a
  wrapped cell of it (a long ``Layoff Name``). A repeated page header, the title and the page footer
  are not rows. A truncated or corrupt PDF is a layout error naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from leads.items import ClosureNotice
from spiders.parsing import classify_notice_type, clean_text
from spiders.pdftables import TableSpec
from spiders.report_files import ReportFileSpider
from spiders.tabular import (
    make_key,
)

COLUMNS = {
    "company": [r"^layoff name$", r"^(employer|company)( name)?$", r"\b(employer|company|business)\b"],
    "notice_date": [r"^warn received$", r"\b(warn|notice)\b.*\breceived\b", r"\breceived\b"],
    "rr_date": [r"^rr start date$", r"\brapid response\b.*\bdate\b"],
    "effective_date": [r"^layoff start$", r"\b(layoff|closure|closing|effective)\b.*\b(start|date)\b"],
    "notice_type": [r"^layoff type$", r"\b(layoff|notice|closure) type\b"],
    "employees": [r"^affected workers$", r"\b(affected|employees|workers)\b"],
    "city": [r"^city$", r"\bcity\b"],
    "warn_act": [r"^warn act$"],  # YES/NO on every row: anchors a PDF row that has no date
}
REQUIRED = ["company", "city"]
DATE_FIELDS = ("notice_date", "rr_date", "effective_date")

_DATE_OR_DASH = r"\d{1,2}/\d{1,2}/\d{2,4}|-+"
PDF_TABLE = TableSpec(
    columns=COLUMNS,
    required=REQUIRED,
    header_markers=(r"^layoff name$", r"^layoff start$"),
    row_start={**dict.fromkeys(DATE_FIELDS, _DATE_OR_DASH), "warn_act": r"(?i)yes|no"},
)

_REPORT_NAME = re.compile(r"mass[-_ ]?layoff", re.I)
_YEAR_SUFFIX = re.compile(r"\s+(?:19|20)\d\d$")


class WarnMnSpider(ReportFileSpider):
    name = "warn_mn"
    agency_url = "https://mn.gov/deed/programs-services/dislocated-worker/dislocated-worker/news/"
    source_format = "PDF tables of the mass-layoff report (a CSV/XLSX copy is read too)"
    region = "Minnesota"
    verified_on = (
        "rebuilt from a row dump (2026-07-16): a PDF table built from the re-serialised CSV sample, and that CSV"
    )
    start_urls = [agency_url]
    columns = COLUMNS
    required = REQUIRED
    date_fields = DATE_FIELDS
    pdf_table = PDF_TABLE
    report_name = _REPORT_NAME
    report_what = "mass-layoff report"

    def parse_row(self, fields: Mapping[str, Any], raw: dict[str, Any], url: str, where: str) -> ClosureNotice:
        published = clean_text(fields.get("company"))
        company = _YEAR_SUFFIX.sub("", published) or published
        if not company:
            raise ValueError("no company name")
        notice_date = self.date_cell(fields.get("notice_date"), where, "WARN received date") or self.date_cell(
            fields.get("rr_date"), where, "rapid response start date"
        )
        effective_date = self.date_cell(fields.get("effective_date"), where, "layoff start")
        if notice_date is None and effective_date is None:
            raise ValueError("no readable date")
        city = clean_text(fields.get("city")) or None
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date or effective_date, city),
            company_name=company,
            source_url=url,
            notice_type=classify_notice_type(fields.get("notice_type")),
            city=city,
            state="MN",
            notice_date=notice_date,
            effective_date=effective_date,
            employees=self.count_cell(fields.get("employees"), where),
            raw=raw,
        )
