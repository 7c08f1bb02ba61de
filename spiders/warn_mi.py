"""Michigan WARN notices: the Sitecore SXA search JSON behind LEO's WARN notices page.

The WARN page has no server-rendered list: it loads ``/leo/sxa/search/results/`` (JSON
``{Count, Results: [{Id, Path, Url, Html, ...}]}``), paged by ``p`` (page size) and ``e`` (offset).
``parse`` reads a page and asks for the next offset until it has read ``Count`` results; on the last
page the results read are checked against ``Count`` (a check ERROR on a mismatch, or when a page comes
back empty before the count is reached). The default start URL carries the search's scope and item
ids as published by other scrapers of this page (warn-scraper issue #737); ``--url`` replaces it.

All the data is inside each result's ``Html`` fragment, in two templates: a ``<ul>`` of
``<strong>Label:</strong> value`` items with the company in ``<h3>`` (new), and a ``<p>`` of
``<br />``-separated ``<strong>Label:</strong>`` lines with the company as the title link (old).
Labels are read by meaning (``Site address(es)``, ``City``/``Cities``, ``County``/``Counties``,
``Type of company action``, ``Reason for company action``, ``Layoff date(s)``/``Commencing date``,
``Number of jobs impacted/affected``); unknown labels stay in ``raw``.

Field decisions:

- ``company_name``: the ``<h3>``, else the title link's text. A result with neither (the fixture's
  result 5, an edited copy of result 1 with its ``<h3>`` removed) takes the Sitecore item name, the
  last segment of ``Path`` (``SMBC-MANUBANK`` -> ``SMBC MANUBANK``), flagged ``company_name: item name``
  in ``raw["_flags"]``; with no item name either the company is unknown.
- ``source_key`` = company + layoff date + county (normalized, ``tabular.key_part``): Michigan publishes
  no notice date in the fragment, the layoff/commencing date and the county are in both templates. A
  result whose Sitecore ``Id`` was already read (the same item on two pages, or copied) is yielded once.
- ``notice_date``: the date that starts the notice PDF's file name (``2026-03-30_WARN-Notice_…pdf``),
  else None. ``effective_date`` from the layoff/commencing date: ``3/31/26`` and ``10/9/2026``;
  ``Commencing June 2025`` -> 2025-06-01 flagged ``month only``; a range gives its start (``range``).
- ``notice_type`` from ``Type of company action`` (``Facility closure``/``Company closure`` -> closure,
  ``Mass layoff``/``Mass permanent layoff`` -> layoff), else from the Layoff/Closure tag under the
  fragment. ``temporary``: False when the action says permanent, True when temporary, else None.
- Place: ``City: Grand Rapids, Michigan`` -> city/state; a multi-site notice (nested list of sites, each
  ``name<br/>street<br/>City, MI ZIP``) takes the first site's street line as ``address`` and its city;
  every site stays in ``raw["Site addresses"]`` (joined by `` | ``). A site that is not a street
  (``JeniusBank (digital banking)``) is no address. ``state`` MI unless a site says otherwise.
- ``employees``: the leading number (``1 (Michigan remote worker)`` -> 1); none -> None, flagged.
- Skipped (logged, counted) only when a result has neither a company nor a readable date; a fragment
  without the search-result section is a layout ERROR for that result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from scrapy.http import Response
from w3lib.url import add_or_replace_parameter, url_query_parameter

from leads.items import ClosureNotice
from spiders.base import NoticeSpider
from spiders.parsing import (
    LayoutChanged,
    classify_notice_type,
    clean_text,
    parse_date_strict,
    split_city_state_zip,
    state_code,
    zip5,
)
from spiders.tabular import make_key

PAGE_SIZE = 100
SEARCH_URL = (
    "https://www.michigan.gov/leo/sxa/search/results/"
    "?s={8E97AB1D-D2D4-47F8-8CC4-3F1039C8854F}&itemid={BE81F7C2-36A8-4FDE-853C-B05B6E090055}"
    "&sig=&autoFireSearch=true&v={1FFFCC21-5151-4A2B-ABFC-F7FE4E5C9783}"
    f"&o=Created%20Date%20sort%2CDescending&p={PAGE_SIZE}&e=0"
)

#: Field -> patterns tried against the lower-cased label (punctuation as spaces), first match wins.
LABELS = {
    "address": [r"\bsite address(es)?\b"],
    "city": [r"\bcit(y|ies)\b"],
    "county": [r"\bcount(y|ies)\b"],
    "action": [r"\btype of company action\b"],
    "reason": [r"\breason\b"],
    "effective_date": [r"\b(layoff|commencing|closure|effective) dates?\b"],
    "employees": [r"\b(number of )?jobs (impacted|affected)\b", r"\b(employees|workers)\b"],
}

_LABELS = {field_name: [re.compile(p) for p in patterns] for field_name, patterns in LABELS.items()}
_BR = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
_PDF_DATE = re.compile(r"/(\d{4}-\d{2}-\d{2})_[^/]*\.pdf", re.I)
_DATE_TOKEN = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")
_MONTH_YEAR = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|december)"
    r"\s+(\d{4})\b",
    re.I,
)
_QUALIFIER = re.compile(r"^(beginning|commencing|approximately|approx\.?|estimated|on or about|on)\s+", re.I)


class WarnMiSpider(NoticeSpider):
    name = "warn_mi"
    agency_url = "https://www.michigan.gov/leo/bureaus-agencies/wd/data-public-notices/warn-notices"
    source_format = "Sitecore search JSON with HTML fragments, paged"
    region = "Michigan"
    verified_on = "agency file 2026-08-17 (results 1-4; result 5 is an edited copy in the saved fixture)"
    demo_urls = ()
    demo_files = {"/leo/sxa/search/results/": "warn_mi/sxa_search_results_fixture.json"}
    start_urls = [SEARCH_URL]

    def parse(self, response: Response, read: int = 0, seen: set[str] | None = None, **kwargs: Any) -> Iterator[Any]:
        seen = seen if seen is not None else set()
        try:
            count, results = search_page(response)
        except LayoutChanged as exc:
            self.layout_changed(response, str(exc))
            return
        yield from self._notices(response, results, seen)
        read += len(results)
        if read < count and results:
            offset = int(url_query_parameter(response.url, "e") or 0) + len(results)
            next_url = add_or_replace_parameter(response.url, "e", str(offset))
            yield self.request(next_url, self.parse, read=read, seen=seen)
        elif read != count:
            self.check_failed(response, f"{read} results read, the search says Count {count}")
        elif count == 0:
            self.logger.warning("source %s: %s lists no notices (Count 0)", self.name, response.url)

    def parse_file(self, response: Response) -> Iterator[ClosureNotice]:
        _, results = search_page(response)
        yield from list(self._notices(response, results, set()))

    def _notices(self, response: Response, results: list[dict[str, Any]], seen: set[str]) -> Iterator[ClosureNotice]:
        for number, result in enumerate(results, start=1):
            item_id = str(result.get("Id") or "")
            if item_id and item_id in seen:
                self.logger.info("source %s: result %s repeats item %s; yielded once", self.name, number, item_id)
                continue
            seen.add(item_id)
            try:
                notice = self._parse_result(result, response.url)
            except LayoutChanged as exc:
                self.layout_changed(response, f"result {number}: {exc}")
                continue
            if notice is None:
                self.skip_row(response, f"result {number} ({item_id})", "no company and no date")
                continue
            yield notice

    def _parse_result(self, result: dict[str, Any], url: str) -> ClosureNotice | None:
        section = result_section(result.get("Html") or "")
        fields, extra = labelled_values(section)
        flags: dict[str, str] = {}
        company = clean_text(section.xpath("string(.//h3)"))
        if not company:
            company = clean_text(section.xpath("string(.//a[contains(@class, 'content-title-link')])"))
        if not company:
            item_name = str(result.get("Path") or "").rstrip("/").rsplit("/", 1)[-1]
            company = clean_text(item_name.replace("-", " "))
            if company:
                flags["company_name"] = "item name"
        effective_date, flag = read_date(fields.get("effective_date"))
        if flag:
            flags["effective_date"] = flag
        if not company and effective_date is None:
            return None
        pdfs = [href for href in section.xpath(".//a/@href") if ".pdf" in href.lower()]
        notice_date = None
        for href in pdfs:
            match = _PDF_DATE.search(href)
            if match:
                notice_date = date.fromisoformat(match.group(1))
                break
        sites = fields.get("address") or []
        address, city, state, zip_code = first_site(sites)
        if fields.get("city"):
            city, state_from_city, _ = split_city_state_zip(fields["city"][0], "MI")
            state = state or state_from_city
        county = fields["county"][0] if fields.get("county") else None
        action = (fields.get("action") or [""])[0]
        tag_text = "\n".join(section.xpath("./div[last()]//text()"))
        tags = [clean_text(t) for t in re.split(r"\s*\n\s*", tag_text) if clean_text(t)]  # one tag a line
        kind = classify_notice_type(action) if action else classify_notice_type(*(tags[:1]))
        employees = None
        count_text = (fields.get("employees") or [""])[0]
        number = re.match(r"\s*([\d,]+)", count_text)
        if number:
            employees = int(number.group(1).replace(",", ""))
        elif count_text:
            flags["employees"] = "unreadable"
        raw: dict[str, Any] = {
            "Id": result.get("Id"),
            "Path": result.get("Path"),
            "Url": result.get("Url"),
            "Company": company,
            **extra,
            "Tags": tags,
            "Documents": pdfs,
        }
        if flags:
            raw["_flags"] = flags
        return ClosureNotice(
            source=self.name,
            source_key=make_key(company, effective_date, county or city),
            company_name=company or "(no company name)",
            source_url=url,
            notice_type=kind,
            address=address,
            city=city,
            state=state or "MI",
            zip5=zip_code,
            notice_date=notice_date,
            effective_date=effective_date,
            employees=employees,
            temporary=temporary(action),
            raw=raw,
        )


def search_page(response: Response) -> tuple[int, list[dict[str, Any]]]:
    """(Count, Results) of one page of the search JSON."""
    try:
        data = json.loads(response.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise LayoutChanged(f"expected the search JSON, got something else ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("Results"), list) or "Count" not in data:
        raise LayoutChanged("the search JSON has no Count and Results")
    try:
        count = int(data["Count"])
    except (TypeError, ValueError) as exc:
        raise LayoutChanged(f"the search's Count is not a number: {data['Count']!r}") from exc
    return count, [r for r in data["Results"] if isinstance(r, dict)]


def result_section(fragment: str) -> Any:
    """The ``search-results__section-content`` element of a result's HTML fragment (lxml, not parsel:
    a selector per result and per lookup was most of the parsing time)."""
    import lxml.html

    try:
        root = lxml.html.fromstring(fragment) if fragment.strip() else None
    except (ValueError, lxml.etree.ParserError):
        root = None
    found = (
        root.xpath(
            "descendant-or-self::div[contains(concat(' ', normalize-space(@class), ' '), "
            "' search-results__section-content ')]"
        )
        if root is not None
        else []
    )
    if not found:
        raise LayoutChanged("no search-result section in the fragment")
    return found[0]


def _markup(element: Any) -> str:
    import lxml.html

    return lxml.html.tostring(element, encoding="unicode")


def labelled_values(section: Any) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(field -> values, published label -> text) of a fragment's ``<strong>Label:</strong> value`` lines.

    A label with a nested list (several sites) has one value per site, the site's lines joined by
    newlines; otherwise one value.
    """
    pairs: list[tuple[str, list[str]]] = []
    for li in section.xpath(".//li[strong and not(ancestor::li)]"):
        label = clean_text(li.xpath("string(strong)"))
        nested = li.xpath("./ul/li")
        if nested:
            values = [
                "\n".join(
                    clean_text(_TAG.sub(" ", line))
                    for line in _BR.split(_markup(site))
                    if clean_text(_TAG.sub(" ", line))
                )
                for site in nested
            ]
        else:
            values = [clean_text(" ".join(li.xpath("./node()[not(self::strong)]//text() | ./text()")))]
        pairs.append((label, values))
    for p in section.xpath(".//p[strong]"):
        for line in _BR.split(_markup(p)):
            match = re.search(r"<strong>(.*?)</strong>(.*)", line, re.S | re.I)
            if match:
                pairs.append((clean_text(_TAG.sub(" ", match.group(1))), [clean_text(_TAG.sub(" ", match.group(2)))]))
    fields: dict[str, list[str]] = {}
    extra: dict[str, str] = {}
    for label, values in pairs:
        name = label.rstrip(":").strip()
        extra[name] = " | ".join(v.replace("\n", ", ") for v in values)
        key = re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()
        for field_name, patterns in _LABELS.items():
            if field_name not in fields and any(p.search(key) for p in patterns):
                fields[field_name] = values
                break
    return fields, extra


def first_site(sites: list[str]) -> tuple[str | None, str | None, str | None, str | None]:
    """(street line, city, state, ZIP) of the first site of a ``Site address(es)`` value."""
    if not sites:
        return None, None, None, None
    lines = [line.strip() for line in sites[0].split("\n") if line.strip()]
    city = state = zip_code = None
    if lines and re.search(r",\s*[A-Za-z .]+\s*(\d{5}(-\d{4})?)?$", lines[-1]) and len(lines) > 1:
        city, state, zip_code = split_city_state_zip(lines[-1])
        lines = lines[:-1]
    street = next((line for line in lines if re.match(r"\d", line)), None)
    return street, city, state_code(state) if state else None, zip5(zip_code) if zip_code else None


def read_date(values: list[str] | None) -> tuple[date | None, str | None]:
    """(date, flag) from a layoff/commencing date text."""
    text = clean_text((values or [""])[0])
    if not text:
        return None, None
    bare = _QUALIFIER.sub("", text)
    month = _MONTH_YEAR.fullmatch(bare)
    if month:  # "Commencing June 2025": a month, no day
        return datetime.strptime(f"{month.group(1)} {month.group(2)}", "%B %Y").date(), "month only"
    try:
        return _numeric_date(bare) or parse_date_strict(bare), None
    except ValueError:
        pass
    tokens = _DATE_TOKEN.findall(text)
    if tokens:
        try:
            return parse_date_strict(tokens[0]), ("range" if len(tokens) > 1 else "note")
        except ValueError:
            return None, "unreadable"
    month = _MONTH_YEAR.search(text)
    if month:
        return datetime.strptime(f"{month.group(1)} {month.group(2)}", "%B %Y").date(), "month only"
    return None, "unreadable"


def temporary(action: str) -> bool | None:
    text = action.lower()
    if "permanent" in text and "temporary" not in text:
        return False
    if "temporary" in text and "permanent" not in text:
        return True
    return None


_NUMERIC_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")


def _numeric_date(text: str) -> date | None:
    """``M/D/YYYY`` or ``M/D/YY`` without strptime (the common case, ten times faster); None when the
    text has another shape; ValueError for an impossible day. Two-digit years follow strptime's ``%y``:
    69-99 -> 1900s, 00-68 -> 2000s."""
    match = _NUMERIC_DATE.fullmatch(text)
    if match is None:
        return None
    month, day, year = (int(g) for g in match.groups())
    if len(match.group(3)) == 2:
        year += 1900 if year >= 69 else 2000
    return date(year, month, day)
