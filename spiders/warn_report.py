"""The "WARN report" that California's EDD (Excel export) and Tennessee (SSRS export) publish.

Both print one notice per row under the same columns: Notice Date, Effective Date, Received
Date, Company, City, [County], No. Of Employees, Layoff/Closure, then a "Summary by Month"
table ending in a "Total" line. This module holds what they share: the column meanings, the
PDF table spec, row -> ClosureNotice, and a base spider that reports a file's problems.

Row rules (both states):
- no company name, or no readable notice date -> the row is skipped with a warning (the notice
  date is part of the source_key, so a row without one cannot be stored stably);
- effective date blank or unreadable -> None (the row is still a lead; raw keeps the text);
- employee count blank -> None (Tennessee prints 3 such rows); a count that is not a number
  ("unknown") -> the row is skipped with a warning;
- Layoff/Closure -> notice_type via classify_notice_type ("Closure Temporary" is a closure,
  a blank type is "other");
- "**" / "(CANCELLED)**" after a company name is EDD's footnote "Lay-offs have been cancelled
  by the Company": the notice is still yielded, so that a notice stored before it was
  cancelled is updated rather than left standing, but with notice_type "other" and the marker
  removed from company_name (raw keeps the published cell, marker included).

source_key: "<notice date ISO>|<company>|<city>" normalized like every source's (``tabular.make_key``:
case-folded, punctuation and spaces removed, so "CHS, Inc." and "CHS Inc." are one key), with "#2", "#3", ...
added, in file order, to the second and later rows of one file that share those three values:
EDD lists truly separate notices that way (e.g. two Sears notices in Newark on 06/28/2018 with
8 and 46 employees). Counts, effective dates and types are left out so an amended notice keeps
its key. The same text in the current-year XLSX and the later PDF gives the same key, but
EDD's PDFs clip long names and cities ("South San") where the XLSX has them whole, so such a
notice gets a second key when its year moves from the XLSX to a PDF. The "#n" suffix follows
file order: if the agency deletes the first of two such rows, the second takes its key.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import unquote, urlparse

from scrapy.http import Response

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import LayoutChanged, classify_notice_type, clean_text, parse_date, parse_int
from spiders.pdftables import PdfRow, PdfTable, TableSpec, read_table
from spiders.tabular import make_key

DATE = r"\d{1,2}/\d{1,2}/\d{2,4}"

COLUMNS: dict[str, list[str]] = {
    "notice_date": [r"^notice date$", r"\bnotice\b"],
    "effective_date": [r"effective"],
    "received_date": [r"received"],
    "company": [r"^company", r"employer"],
    "city": [r"^city\b"],
    "county": [r"county|parish"],
    "employees": [r"employees", r"^no of\b"],
    "notice_type": [r"layoff|closure"],
    "address": [r"address"],
    "industry": [r"naics", r"industry code"],  # a code only: "Related Industry" words stay in raw
}

PDF_TABLE = TableSpec(
    columns=COLUMNS,
    # Essential: the source_key's date, company and city; counts and types are optional (see OPTIONAL).
    required=("notice_date", "company", "city"),
    # "Notices"/"Employees" of the summary table must not pass for the header
    header_markers=(r"^company$", r"^notice date$"),
    row_start={"notice_date": DATE, "effective_date": DATE, "received_date": DATE},
)

#: Columns both states have always printed: one missing from a header is a warning (the run is degraded,
#: the rows land without it). County (California's 2014 layout has none) and the codes are not in it.
OPTIONAL = ("effective_date", "employees", "notice_type")

_CANCELLED = re.compile(r"\s*(?:\(\s*cancell?ed\s*\)\s*)?\*\*\s*$|\s*\(\s*cancell?ed\s*\)\s*$", re.I)
_TOTAL = re.compile(r"^Total\s+([\d,]+)\b")


@dataclass
class Parsed:
    """What one file gave: notices, rows skipped (ref, reason) and problems to log as ERROR."""

    notices: list[ClosureNotice] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # optional columns not found, unknown columns


def file_name(url: str) -> str:
    return unquote(urlparse(url).path.rsplit("/", 1)[-1]) or url


def compact_date(value: object) -> date | None:
    """A date; whitespace inside a text date is dropped first ('0 6 / 1 8 / 2 0 14')."""
    if isinstance(value, str):
        value = re.sub(r"\s+", "", value)
    return parse_date(value)


def strip_cancelled(company: str) -> tuple[str, bool]:
    """('Health Net, Inc.', True) from 'Health Net, Inc. (CANCELLED)**'."""
    stripped = _CANCELLED.sub("", company)
    return stripped, stripped != company


class SourceKeys:
    """source_key per row; repeats of the same key in one file get '#2', '#3', ... in file order."""

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def __call__(self, notice_date: date, company: str, city: str | None) -> str:
        # The one source-key policy (tabular.make_key): "CHS, Inc." and "CHS Inc." give one key.
        key = make_key(notice_date, company, city)
        self._seen[key] += 1
        n = self._seen[key]
        return key if n == 1 else f"{key}#{n}"


def notice_from_fields(
    fields: Mapping[str, object],
    raw: dict[str, Any],
    *,
    source: str,
    state: str,
    url: str,
    keys: SourceKeys,
    address: str | None = None,
    city: str | None = None,
    zip_code: str | None = None,
) -> ClosureNotice:
    """One row -> ClosureNotice; ValueError (the reason) for a row that must be skipped."""
    company, cancelled = strip_cancelled(clean_text(fields.get("company")))
    if not company:
        raise ValueError("no company name")
    try:
        notice_date = compact_date(fields.get("notice_date"))
    except ValueError as exc:
        raise ValueError(f"notice date: {exc}") from None
    if notice_date is None:
        raise ValueError("no notice date")
    try:
        effective_date = compact_date(fields.get("effective_date"))
    except ValueError:
        effective_date = None  # optional: the raw row keeps what was printed
    try:
        employees = parse_int(fields.get("employees"))
    except ValueError as exc:
        raise ValueError(f"employee count: {exc}") from None
    if city is None:
        city = clean_text(fields.get("city")) or None
    kind = clean_text(fields.get("notice_type"))
    return ClosureNotice(
        source=source,
        source_key=keys(notice_date, company, city),
        company_name=company,
        source_url=url,
        notice_type="other" if cancelled else classify_notice_type(kind),
        address=address,
        city=city,
        state=state,
        zip5=zip_code,
        notice_date=notice_date,
        effective_date=effective_date,
        employees=employees,
        industry_code=clean_text(fields.get("industry")) or None,
        raw=raw,
    )


def report_total(table: PdfTable) -> int | None:
    """The notice count on the summary's "Total" line (the last one printed), if any."""
    total = None
    for _, text in table.other_lines:
        match = _TOTAL.match(text)
        if match:
            total = int(match.group(1).replace(",", ""))
    return total


def parse_report_pdf(
    body: bytes, url: str, *, source: str, state: str, rows_in_total: Callable[[list[PdfRow]], int] = len
) -> Parsed:
    """All notices of one WARN report PDF; LayoutChanged/UnreadableFile for a file it cannot read.

    The row count is checked against the report's own "Total" line: a difference means rows
    were lost or invented and is returned as a problem (the rows are still returned).
    """
    name = file_name(url)
    table = read_table(body, PDF_TABLE, name)
    if not table.rows:
        raise LayoutChanged(f"{name}: layout changed: a header but no dated rows in {table.pages} pages")
    parsed = Parsed(warnings=layout_warnings([(layout.headers, layout.columns) for layout in table.layouts]))
    keys = SourceKeys()
    for row in table.rows:
        try:
            parsed.notices.append(
                notice_from_fields(row.fields, dict(row.raw), source=source, state=state, url=url, keys=keys)
            )
        except ValueError as exc:
            parsed.skipped.append((f"{row.ref()} {row.raw}", str(exc)))
    total = report_total(table)
    counts_readable = rows_in_total is len or all("employees" in layout.columns for layout in table.layouts)
    if total is not None and not counts_readable:
        # Tennessee's Total counts the notices with a head count: without that column it cannot be checked.
        parsed.warnings.append("row count not checked against the Total line (it counts rows with a head count)")
    elif total is not None and rows_in_total(table.rows) != total:
        parsed.problems.append(
            f"{name}: read {len(table.rows)} rows ({rows_in_total(table.rows)} counted "
            f"as the summary counts them) but the report's Total line says {total}"
        )
    return parsed


def layout_warnings(
    layouts: Iterable[tuple[list[str], Mapping[str, int]]], optional: Iterable[str] = OPTIONAL
) -> list[str]:
    """Warnings for headers (cells, field -> cell) lacking an optional column or holding an unknown one."""
    from leads.vocabulary import HEADER_PATTERNS, header_key, known_header

    warnings: list[str] = []
    for headers, columns in layouts:
        for name in optional:
            message = f"no column for {name.replace('_', ' ')} (its rows land without it)"
            if name not in columns and message not in warnings:
                warnings.append(message)
        used = set(columns.values())
        for index, header in enumerate(headers):
            key = header_key(header)
            known = known_header(key) or any(re.search(p, key) for ps in HEADER_PATTERNS.values() for p in ps)
            message = f"unknown column {clean_text(header)!r} (kept in raw, not read)"
            if key and index not in used and not known and message not in warnings:
                warnings.append(message)
    return warnings


class WarnReportSpider(NoticeSpider):
    """Base for the states that publish the WARN report: turns a Parsed file into log + items."""

    def emit(self, response: Response, parse: Callable[[], Parsed]) -> Iterator[ClosureNotice]:
        """Crawl side: an unreadable file is a layout_changed ERROR and yields nothing."""
        try:
            parsed = parse()
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))
            return
        yield from self.report(response, parsed)

    def report(self, response: Response, parsed: Parsed) -> Iterable[ClosureNotice]:
        for warning in parsed.warnings:
            self.column_warning(response, warning)
        for ref, reason in parsed.skipped:
            self.skip_row(response, ref, reason)
        for problem in parsed.problems:
            self.check_failed(response, f"row count check failed: {problem}")
        if not parsed.notices:
            self.layout_changed(response, "no notices in the file")
        return parsed.notices
