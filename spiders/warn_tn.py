"""Tennessee WARN notices 2012-2017: the "WARN Summary by Month" PDF (a Reporting Services export).

The same report columns as California's (spiders/warn_report.py has the row rules and the
source_key). Quirks handled by spiders/pdftables.py: every other page is blank, the header is
printed at the top of each page and again, cut in two, at its foot; long companies and
"Layoff Not known at this time" wrap onto a second line; the last pages are the monthly
summary. Its "Total" (508) counts only notices with an employee count: the file has 511 rows,
3 of them with a blank count (First Data 03/2016, WGS Global Services 08/2016, Global
Personnel Solutions 10/2017 - exactly the three months where the summary is one short), so
the check compares the Total with the rows that have a count. Blank counts give
employees=None; 12 rows have a blank Layoff/Closure (notice_type "other").

Tennessee now publishes an HTML table on its reports page (agency_url) instead; that page
has no fixture yet and is not parsed here.
"""

from __future__ import annotations

from collections.abc import Iterator

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.pdftables import PdfRow
from spiders.warn_report import Parsed, WarnReportSpider, parse_report_pdf

SOURCE = "warn_tn"


class WarnTnSpider(WarnReportSpider):
    name = SOURCE
    agency_url = (
        "https://www.tn.gov/workforce/general-resources/major-publications0/major-publications-redirect/reports.html"
    )
    source_format = "PDF report (WARN Summary by Month, 2012-2017)"
    region = "Tennessee"
    verified_on = "agency file 2017-10-26 (PDF, saved 2022-02-28)"
    demo_urls = ()
    demo_files = {
        "WarnReportByMonth.pdf": "warn_tn/WarnReportByMonth.pdf",
    }
    start_urls = [
        "https://www.tn.gov/content/dam/tn/workforce/documents/majorpublications/reports/WarnReportByMonth.pdf"
    ]

    def parse(self, response: Response) -> Iterator[ClosureNotice]:
        yield from self.emit(response, lambda: _parse_pdf(response.body, response.url))

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        yield from self.report(response, _parse_pdf(response.body, response.url))


def _rows_with_count(rows: list[PdfRow]) -> int:
    return sum(1 for row in rows if row.fields.get("employees"))


def _parse_pdf(body: bytes, url: str) -> Parsed:
    return parse_report_pdf(body, url, source=SOURCE, state="TN", rows_in_total=_rows_with_count)
