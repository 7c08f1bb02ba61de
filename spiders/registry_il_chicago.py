"""Chicago business licences cancelled or revoked (Business Affairs and Consumer Protection, Chicago Data Portal).

A Socrata registry (spiders/socrata.py: paging, incremental runs, offset check, app token).

- Closure: ``license_status`` AAC (cancelled during its term) or REV (revoked), dated by
  ``license_status_change_date``. A licence that simply expired is not a closure (no status change:
  the business may renew late), nor is REA (revocation appealed) or AAI (issued).
- Rows are licence transactions (ISSUE, RENEW, C_LOC...): one business site has several licences and
  each its rows. source_key = ``account_number``-``site_number``, one notice per business site; its
  rows collapse to the latest closure (then the highest row ``id``), whose row is kept in raw.
- company_name: ``doing_business_as_name``, else ``legal_name``. address/city/state/zip from
  ``address``, ``city``, ``state``, ``zip_code``; lat/lon from ``latitude``/``longitude``;
  industry_code = ``license_code`` (the city's code; its ``license_description`` stays in raw).
- ``leads parse`` also reads the portal's CSV export (``rows.csv``: uppercase headers, MM/DD/YYYY
  dates): its headers are renamed to the API's field names, so one mapping reads both.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.parsing import LayoutChanged, clean_text, parse_date
from spiders.socrata import Columns, SocrataRegistrySpider

#: LICENSE STATUS codes that end a licence before its term (the portal's terms, SOURCE.md).
CLOSED_STATUSES = {"AAC": "cancelled", "REV": "revoked"}
#: CSV export headers whose API field name is not the header in snake case.
EXPORT_HEADERS = {"LICENSE TERM START DATE": "license_start_date", "LICENSE TERM EXPIRATION DATE": "expiration_date"}


class RegistryIlChicagoSpider(SocrataRegistrySpider):
    name = "registry_il_chicago"
    agency_url = "https://data.cityofchicago.org/Community-Economic-Development/Business-Licenses/r5kz-chrr"
    source_format = "JSON API (Socrata SODA), paged with $limit/$offset, incremental by :updated_at"
    region = "Chicago, Illinois"
    verified_on = "rebuilt from the city's export (July 2020: 5,000-row sample and 50-row closure slice)"
    demo_urls = ()
    demo_files = {
        "data.cityofchicago.org/resource/": "registry_il_chicago/rebuilt/r5kz-chrr_closures_part1.json",
    }
    domain = "data.cityofchicago.org"
    dataset = "r5kz-chrr"
    columns = Columns(
        key=("account_number", "site_number"),
        name=("doing_business_as_name", "legal_name"),
        address=("address",),
        city=("city",),
        state=("state",),
        zip=("zip_code",),
        category=("license_code",),
        latitude="latitude",
        longitude="longitude",
        row_id="id",
    )
    required_keys = ("account_number", "site_number", "license_status")
    closure_keys = ("license_status_change_date",)
    closure_noun = "cancelled or revoked licences"
    not_closure = "are not cancelled or revoked (license_status other than AAC or REV), not notices"

    @classmethod
    def closure_where(cls, since: str) -> str:
        statuses = ", ".join(f"'{code}'" for code in CLOSED_STATUSES)
        return f"license_status IN ({statuses}) AND license_status_change_date >= '{since}T00:00:00'"

    def closure_date(self, row: dict[str, Any]) -> date | None:
        status = clean_text(row.get("license_status")).upper()
        if status not in CLOSED_STATUSES:
            return None
        changed = parse_date(row.get("license_status_change_date"))
        if changed is None:
            raise ValueError(f"licence {CLOSED_STATUSES[status]} ({status}) without a license_status_change_date")
        return changed

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        """A saved API response, or the portal's CSV export of the dataset."""
        if response.body.lstrip()[:1] in (b"[", b"{"):
            yield from super().parse_file(response)
            return
        yield from self._notices(response, export_rows(response.body))


def export_rows(body: bytes) -> list[dict[str, Any]]:
    """The CSV export's rows keyed by the API's field names; blank cells left out, as the API leaves nulls out."""
    text = body.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    fields = [EXPORT_HEADERS.get(h.strip(), h.strip().lower().replace(" ", "_")) for h in header]
    missing = [k for k in RegistryIlChicagoSpider.required_keys if k not in fields]
    if missing:
        raise LayoutChanged(f"not the licence export: no {', '.join(missing)} column; header starts {header[:5]}")
    return [{k: v for k, v in zip(fields, row, strict=False) if v.strip()} for row in reader if any(row)]
