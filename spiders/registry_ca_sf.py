"""San Francisco registered business locations that ended (Treasurer & Tax Collector, DataSF SODA API).

A Socrata registry (spiders/socrata.py: paging, incremental runs, offset check, app token).

- Closure: ``location_end_date`` (the location closed), else ``dba_end_date`` (the business closed);
  the query asks for either on or after ``since`` (spider argument, YYYY-MM-DD; default Jan 1 of last year).
- source_key: ``ttxid``, the registry's Location Id ("Each DBA has a unique LIN for location specific
  tax filings", data dictionary TTX-0013). It does not change when the Treasurer amends dates.
- company_name: ``dba_name`` (the name on the storefront), else ``ownership_name``; both stay in raw.
- notice_type "registry_closed"; effective_date = the closure date; no notice date or employee count
  is published. address/city/state/zip from ``full_business_address``, ``city``, ``state``,
  ``business_zip`` (else the ``location_*`` fields); lat/lon from the GeoJSON ``location`` point.
  industry_code = ``naic_code`` as published (the registry uses NAICS ranges such as "4400-4599").
- A row with neither end date is an open location the query should not have returned (the saved 2017
  sample holds 96 of them): not a notice; they are counted in one WARNING per page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from spiders.parsing import parse_date
from spiders.socrata import Columns, SocrataRegistrySpider

END_DATES = ("location_end_date", "dba_end_date")


class RegistryCaSfSpider(SocrataRegistrySpider):
    name = "registry_ca_sf"
    agency_url = "https://data.sfgov.org/Economy-and-Community/Registered-Business-Locations-San-Francisco/g8m3-pdis"
    source_format = "JSON API (Socrata SODA), paged with $limit/$offset, incremental by :updated_at"
    region = "San Francisco, California"
    verified_on = "open-data extract 2017-08-19 (98 rows of the SODA dataset)"
    demo_urls = ()
    demo_files = {
        "data.sfgov.org/resource/": "registry_ca_sf/vbiu-2p9h_filtered.json",
    }
    domain = "data.sfgov.org"
    dataset = "g8m3-pdis"
    columns = Columns(
        key=("ttxid",),
        name=("dba_name", "ownership_name"),
        address=("full_business_address", "location_address"),
        city=("city", "location_city"),
        state=("state", "location_state"),
        zip=("business_zip", "location_zip"),
        category=("naic_code",),
        point="location",
        row_id="ttxid",
    )
    required_keys = ("ttxid",)
    closure_keys = END_DATES
    closure_noun = "ended locations"
    not_closure = "have no location_end_date or dba_end_date (open locations), not notices"

    @classmethod
    def closure_where(cls, since: str) -> str:
        return " OR ".join(f"({key} IS NOT NULL AND {key} >= '{since}T00:00:00')" for key in END_DATES)

    def closure_date(self, row: dict[str, Any]) -> date | None:
        for key in END_DATES:
            if row.get(key) not in (None, ""):
                return parse_date(row[key])
        return None
