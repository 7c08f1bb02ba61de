"""Maryland WARN log: the landing page (this year's table) linking one HTML page per earlier year.

``parse`` reads the table of whatever page it gets and follows the year pages it links
(``warnYYYY.shtml``, found by their href, never by position) that fall in the crawl window: from the
year of the ``since`` spider argument (default Jan 1 of last year) to this year, so a crawl on
1 January still reads last year's page. The page's own PDF twin of the log is not followed; pages named
with ``--url`` are read alone (their year links are not followed).
The header row is written with ``<td><strong>`` (no ``<th>``): the table is found by its header text.

Field decisions:

- ``source_key`` = company + notice date + location (normalized, ``tabular.key_part``); two rows
  sharing all three but differing elsewhere get ``|2``; an identical repeated row is yielded once.
- ``notice_date`` from ``Notice Date``, read tolerantly: ``NOTE: possible event 10/22/2010`` gives
  the date it names, flagged ``note`` in ``raw["_flags"]``. ``effective_date`` from ``Effective Date``:
  ``Start 12/1/10 End 9/2011`` gives the start, flagged ``range``; unreadable -> None, flagged.
- Location: from mid-2010 a street address (``6151 Chevy Chase Drive, Laurel, MD``, also without the
  comma: ``601 East Pratt St. Baltimore, MD``, ``P.O. Box 700, Suitland, MD``), split into
  ``address`` / ``city`` / ``state`` / ``zip5`` with usaddress (the street line is the published text
  before the city); earlier rows are a city (``Baltimore City``, ``Rockville and Landover``): ``city``
  as published, no address. No state in the text -> MD.
- ``notice_type`` from ``Type Code``: 1 = plant closure -> closure, 2 = mass layoff -> layoff (the
  legend on the page); free text without a code is classified by its words. ``temporary`` True when
  the cell says temporary (``2<br>Temporary``), False when it says permanent, None otherwise or when it
  says both (``unsure ... if temporary or permanent``). ``amended`` when it says it updates an earlier
  WARN.
- ``industry_code``: the first NAICS code of the cell (``722310 & 561720`` -> 722310; both in ``raw``).
- ``employees``: ``Not known`` -> None.
- The month placeholder row ``NO WARNS REPORTED`` is not a notice (logged at INFO).
- Skipped (logged, counted) only when a row has neither a company nor a readable date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import (
    LayoutChanged,
    classify_notice_type,
    clean_text,
    parse_date_strict,
    parse_int,
    split_city_state_zip,
    state_code,
    window_start,
    zip5,
)
from spiders.tabular import UniqueKeys, cell, find_header_row, is_blank, make_key, raw_row

COLUMNS = {
    "notice_date": [r"^notice date$", r"\bnotice\b.*\bdate\b", r"\breceived\b"],
    "company": [r"^company$", r"\b(company|employer|business)\b"],
    "location": [r"^location$", r"\b(location|address|city|site)\b"],
    "employees": [r"^total employees$", r"\b(employees|workers|jobs)\b"],
    "effective_date": [r"^effective date$", r"\b(effective|layoff|closing|closure)\b.*\bdate\b"],
    "notice_type": [r"^type code$", r"\btype\b"],
    "industry": [r"^naics code$", r"\bnaics\b", r"\bindustry\b"],
}
#: What identifies a notice: a company, a date and a place. Type, count, NAICS are optional.
REQUIRED = ["notice_date", "company", "location"]

LANDING_URL = "https://www.dllr.state.md.us/employment/warn.shtml"
_YEAR_PAGE = re.compile(r"(?:^|/)warn(\d{4})\.shtml(?:$|[?#])", re.I)
_DATE_TOKEN = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")
_TEMPORARY = re.compile(r"\btemp(orary)?\b", re.I)
_PERMANENT = re.compile(r"\bpermanent\b", re.I)
_UPDATE = re.compile(r"\b(update|amend)", re.I)
_PLACEHOLDER = re.compile(r"^no warns? reported$", re.I)
_STREET_START = re.compile(r"\d|p\.?\s*o\.?\s*box\b", re.I)


class WarnMdSpider(NoticeSpider):
    name = "warn_md"
    agency_url = LANDING_URL
    source_format = "HTML table per year, linked from a landing page"
    region = "Maryland"
    verified_on = "agency file 2024-03-26"
    demo_urls = ("https://www.dllr.state.md.us/employment/warn2010.shtml",)
    demo_files = {"/employment/warn2010.shtml": "warn_md/warn2010.shtml.html"}
    start_urls = [LANDING_URL]

    def __init__(self, *args: Any, since: str | None = None, url: str | list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, url=url, **kwargs)
        self.first_year = window_start(since).year
        #: --url names the pages to read (as for the other year-page sources): their year links are not followed.
        self.follow_years = not url

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        yield from self.notices_or_layout_error(response, self._parse_table)
        if not self.follow_years or not isinstance(response, scrapy.http.TextResponse):
            return
        for year, url in year_page_links(response):
            if self.first_year <= year <= date.today().year:
                yield self.request(url, self.parse)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        yield from list(self._parse_table(response))

    def _parse_table(self, response: Response) -> Iterator[ClosureNotice]:
        rows, header_at, columns = self._find_table(response)
        headers = rows[header_at]
        missing = [f for f in COLUMNS if f not in columns]
        if missing:  # optional columns: the rows land without them, and the run says so
            self.logger.warning(
                "source %s: %s has no column for %s (headers %s)", self.name, response.url, ", ".join(missing), headers
            )
        keys = UniqueKeys()
        for number, row in enumerate(rows[header_at + 1 :], start=1):
            if is_blank(row):
                continue
            company = clean_text(cell(row, columns, "company"))
            if _PLACEHOLDER.match(company):
                self.logger.info(
                    "source %s: %s row %s says no WARNs for %r",
                    self.name,
                    response.url,
                    number,
                    cell(row, columns, "notice_date"),
                )
                continue
            raw = raw_row(headers, row)
            notice = self._parse_row(row, columns, raw, response.url)
            if notice is None:
                self.skip_row(response, f"table row {number}", "no company and no date")
                continue
            notice.source_key, repeat = keys.assign(notice.source_key, raw)
            if repeat:
                self.logger.info("source %s: table row %s repeats an earlier row; yielded once", self.name, number)
                continue
            yield notice

    def _find_table(self, response: Response) -> tuple[list[list[str]], int, dict[str, int]]:
        if not isinstance(response, TextResponse):
            raise LayoutChanged("expected an HTML page, got a binary file")
        error: LayoutChanged | None = None
        for table in response.css("table"):
            rows = [
                [_text(c) for c in tr.iterchildren("th", "td")] for tr in table.root.xpath("./tr|./tbody/tr|./thead/tr")
            ]
            try:
                return (rows, *find_header_row(rows, COLUMNS, REQUIRED, source=self.name, max_scan=3))
            except LayoutChanged as exc:
                error = error or exc
        raise error or LayoutChanged("no table in the page")

    def _parse_row(
        self, row: list[str], columns: dict[str, int], raw: dict[str, Any], url: str
    ) -> ClosureNotice | None:
        flags: dict[str, str] = {}
        company = clean_text(cell(row, columns, "company"))
        notice_date, flag = read_date(cell(row, columns, "notice_date"))
        if flag:
            flags["notice_date"] = flag
        if not company and notice_date is None:
            return None
        effective_date, flag = read_date(cell(row, columns, "effective_date"))
        if flag:
            flags["effective_date"] = flag
        try:
            employees = parse_int(re.sub(r"^not known$", "", clean_text(cell(row, columns, "employees")), flags=re.I))
        except ValueError:
            employees, flags["employees"] = None, "unreadable"
        location = clean_text(cell(row, columns, "location"))
        address, city, state, zip_code = split_location(location)
        type_text = clean_text(cell(row, columns, "notice_type"))
        naics = re.match(r"\d{2,6}", clean_text(cell(row, columns, "industry")))
        if flags:
            raw["_flags"] = flags
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, notice_date, location),
            company_name=company or "(no company name)",
            source_url=url,
            notice_type=notice_type(type_text),
            address=address,
            city=city,
            state=state or "MD",
            zip5=zip_code,
            notice_date=notice_date,
            effective_date=effective_date,
            employees=employees,
            industry_code=naics.group(0) if naics else None,
            temporary=temporary(type_text),
            amended=bool(_UPDATE.search(type_text)),
            raw=raw,
        )


def read_date(value: object) -> tuple[date | None, str | None]:
    """(date, flag) from a date cell: a whole date; else the first date in a note or range, flagged."""
    text = clean_text(value)
    if not text or text.lower() in {"n/a", "na", "tbd", "unknown", "not known"}:
        return None, None
    try:
        return _numeric_date(text) or parse_date_strict(text), None
    except ValueError:
        pass
    match = _DATE_TOKEN.search(text)
    if match:
        try:
            found = parse_date_strict(match.group(0))
        except ValueError:
            return None, "unreadable"
        return found, ("range" if re.search(r"\b(start|end|to|thru|through)\b|-", text, re.I) else "note")
    return None, "unreadable"


def notice_type(text: str) -> str:
    code = re.match(r"\s*([12])\b", text)
    if code:
        return "closure" if code.group(1) == "1" else "layoff"
    return classify_notice_type(text) if text and text.lower() != "n/a" else "other"


def temporary(text: str) -> bool | None:
    temp, permanent = bool(_TEMPORARY.search(text)), bool(_PERMANENT.search(text))
    if temp == permanent:
        return None
    return temp


def split_location(location: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(street line, city, state, ZIP) from a Location cell; a city alone when it has no street."""
    if not location or location.lower() == "n/a":
        return None, None, None, None
    if not _STREET_START.search(location):
        city, state, zip_code = split_city_state_zip(location, "MD")
        return None, city, state, zip_code
    parts = [part.strip() for part in location.split(",")]
    if len(parts) >= 2 and _STREET_START.match(parts[0]):
        # The common shape "street[, unit], City, MD[ ZIP]" / "street, City MD" needs no parser.
        city, state, zip_code = split_city_state_zip(parts[-1], "MD")
        if city is None and state and len(parts) >= 3:
            city, street = parts[-2], ", ".join(parts[:-2])
        else:
            street = ", ".join(parts[:-1])
        if city and not re.search(r"\d", city):
            return street, city, state, zip_code
    import usaddress  # the street runs into the city ("601 East Pratt St. Baltimore, MD"): a parser decides

    try:
        tags, _ = usaddress.tag(location)
    except usaddress.RepeatedLabelError:
        tags = {}
    place = tags.get("PlaceName")
    if not place or not any(k in tags for k in ("AddressNumber", "USPSBoxID", "BuildingName")):
        # usaddress could not tell the street from the city: the last comma part is the city.
        head, _, tail = location.rpartition(",")
        city, state, zip_code = split_city_state_zip(tail, "MD")
        if city is None and head:
            head, _, city = head.rpartition(",")
            city = city.strip()
        if city and _STREET_START.search(city):  # "11 Horseshoe Point Lane": a street and no city
            street = ", ".join(p for p in (head.strip(" ,"), city) if p)
            return street, None, state, zip_code
        return (head.strip(" ,") or None), (city or None), state, zip_code
    if "," in place:  # "Third Floor, Rockville": the part before the comma belongs to the street line
        place = place.rsplit(",", 1)[1].strip()
    at = location.rfind(place)
    street_line = location[:at].strip(" ,") if at > 0 else ""
    return street_line or None, place, state_code(tags.get("StateName")), zip5(tags.get("ZipCode"))


def year_page_links(response: scrapy.http.TextResponse) -> list[tuple[int, str]]:
    """(year, absolute URL) of each year page the page links to, in page order, without repeats."""
    links: list[tuple[int, str]] = []
    for href in response.css("a::attr(href)").getall():
        match = _YEAR_PAGE.search(href.strip())
        if match:
            item = (int(match.group(1)), response.urljoin(href.strip()))
            if item not in links:
                links.append(item)
    return links


def _text(element: Any) -> str:
    """The text of an lxml element (<br> lines joined by a space), cleaned; lxml directly because a
    parsel selector per cell costs more than the rest of the row's parsing."""
    return clean_text(" ".join(element.itertext()))


_NUMERIC_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")


def _numeric_date(text: str) -> date | None:
    """``M/D/YYYY`` or ``M/D/YY`` without strptime (the common case, ten times faster); None when the
    text has another shape; ValueError for an impossible day (``09/31/10``). Two-digit years follow
    strptime's ``%y``: 69-99 -> 1900s, 00-68 -> 2000s."""
    match = _NUMERIC_DATE.fullmatch(text)
    if match is None:
        return None
    month, day, year = (int(g) for g in match.groups())
    if len(match.group(3)) == 2:
        year += 1900 if year >= 69 else 2000
    return date(year, month, day)
