"""The Chicago licence API's answer rebuilt from the city's CSV export (tests/files/registry_il_chicago).

No saved response of https://data.cityofchicago.org/resource/r5kz-chrr.json exists; the export holds the
same rows. Rebuilt here as SODA answers the spider's closure query: only rows whose LICENSE STATUS is
AAC or REV (the query's $where, evaluated by hand), in the export's order, each row an object keyed by
the API's field names (the dataset's API documentation), values as the export has them except dates,
which SODA sends as floating timestamps (``2020-04-16T00:00:00.000``); blank cells are left out, as
SODA leaves out nulls. The export's LOCATION text is left out: the API sends a location object the
export does not hold. Never call the result an agency file.

    python -m tests.socrata_rebuild   # rewrites tests/files/registry_il_chicago/rebuilt/
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

FOLDER = Path(__file__).parent / "files" / "registry_il_chicago"
EXPORT = FOLDER / "raw_licenses_part1.csv"
REBUILT = FOLDER / "rebuilt" / "r5kz-chrr_closures_part1.json"

#: Export header -> API field name (r5kz-chrr's API columns).
API_FIELDS = {
    "ID": "id",
    "LICENSE ID": "license_id",
    "ACCOUNT NUMBER": "account_number",
    "SITE NUMBER": "site_number",
    "LEGAL NAME": "legal_name",
    "DOING BUSINESS AS NAME": "doing_business_as_name",
    "ADDRESS": "address",
    "CITY": "city",
    "STATE": "state",
    "ZIP CODE": "zip_code",
    "WARD": "ward",
    "PRECINCT": "precinct",
    "WARD PRECINCT": "ward_precinct",
    "POLICE DISTRICT": "police_district",
    "LICENSE CODE": "license_code",
    "LICENSE DESCRIPTION": "license_description",
    "BUSINESS ACTIVITY ID": "business_activity_id",
    "BUSINESS ACTIVITY": "business_activity",
    "LICENSE NUMBER": "license_number",
    "APPLICATION TYPE": "application_type",
    "APPLICATION CREATED DATE": "application_created_date",
    "APPLICATION REQUIREMENTS COMPLETE": "application_requirements_complete",
    "PAYMENT DATE": "payment_date",
    "CONDITIONAL APPROVAL": "conditional_approval",
    "LICENSE TERM START DATE": "license_start_date",
    "LICENSE TERM EXPIRATION DATE": "expiration_date",
    "LICENSE APPROVED FOR ISSUANCE": "license_approved_for_issuance",
    "DATE ISSUED": "date_issued",
    "LICENSE STATUS": "license_status",
    "LICENSE STATUS CHANGE DATE": "license_status_change_date",
    "SSA": "ssa",
    "LATITUDE": "latitude",
    "LONGITUDE": "longitude",
}
DATE_FIELDS = {
    "application_created_date",
    "application_requirements_complete",
    "payment_date",
    "license_start_date",
    "expiration_date",
    "license_approved_for_issuance",
    "date_issued",
    "license_status_change_date",
}


def export_rows(path: Path = EXPORT) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def api_row(row: dict[str, str]) -> dict[str, str]:
    out = {}
    for header, field in API_FIELDS.items():
        value = row[header]
        if not value.strip():
            continue
        if field in DATE_FIELDS:
            value = datetime.strptime(value, "%m/%d/%Y").strftime("%Y-%m-%dT00:00:00.000")
        out[field] = value
    return out


def closure_answer(path: Path = EXPORT) -> list[dict[str, str]]:
    """What the API answers to the closure query over the export's rows."""
    return [api_row(r) for r in export_rows(path) if r["LICENSE STATUS"] in ("AAC", "REV")]


def rebuilt_bytes(path: Path = EXPORT) -> bytes:
    return json.dumps(closure_answer(path), indent=None, separators=(",", ":")).encode("utf-8")


if __name__ == "__main__":
    REBUILT.parent.mkdir(exist_ok=True)
    REBUILT.write_bytes(rebuilt_bytes())
    print(f"wrote {REBUILT} ({len(closure_answer())} rows)")
