"""The words of the trade in one place: what agencies call each notice field, and which fields a notice needs.

Header synonyms were gathered from every real snapshot in shared/fixtures (the sources we crawl, the
warn-exports of 15 more states, warn-extra-states, the processed WARN slice) and are used by every
spider (``spiders.parsing.map_headers``) and by both importers' header detection (``leads.tables``,
``leads.linking``). A header is compared as its *key*: lower-cased, punctuation and spaces collapsed
to one space ("Emp #" -> "emp", "Layoff/Closure" -> "layoff closure", "LO/CL Date" -> "lo cl date").

Essential fields identify a closure (a company, at least one date, a place at some level): a file
without them is a changed layout and fails loudly. Optional fields (type, employees, street address,
ZIP, county, industry) may go missing or be renamed: the rows land with that field empty and the run
records a warning, so the source shows as ``degraded`` instead of going dark.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

# -- notice fields -----------------------------------------------------------------------------

#: field -> header keys seen in real files (exact matches, tried first), from the fixtures named.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "company": (
        "company",  # IA, VA, NE, CA, TN, AK, IN, NJ, SD, WA, WI
        "company name",  # Job Center detail, OR, RI, UT, FL
        "business legal name",  # NY
        "employer",  # Job Center search, NV, MA
        "name of company",  # MT
        "affected company",  # CT
        "location name",  # IL
        "job site name",  # TX
        "layoff name",  # MN
        "company company name",  # KY "Company: Company Name"
        "warn notice warn notice name",  # NC
        "employer name",
        "business name",
        "legal name",
    ),
    "notice_date": (
        "notice date",  # IA, VA, CA, TN, IN, MD, AK, Job Center
        "date of notice",  # UT, MT, NC
        "date of warn notice",  # NY
        "warn date",  # RI
        "notice received",  # WI
        "state notification date",  # FL
        "warn received",  # IL, MN
        "warn document date",  # CT
        "received date",  # OR, WA, NV, CA
        "date received",  # SD, RI, KY, OH
        "received",  # MA
        "date received by nc",  # NC
        "month posted",  # NJ
        "wfdd received date",  # TX
        "date",  # NE
    ),
    "effective_date": (
        "layoff date",  # IA, AK, OR
        "effective date",  # CA, TN, MD, NJ, RI, NV, NC
        "impact date",  # VA, IL
        "date of impact",  # MT
        "date layoff closure starts",  # NY
        "layoff begin date",  # WI
        "layoff start date",  # WA
        "layoff start",  # MN
        "lo cl date",  # IN
        "layoff date s",  # OH
        "date s of layoffs",  # MA
        "projected date",  # KY
        "closing dates",
        "layoff dates",  # CT
    ),
    "employees": (
        "emp",  # IA "Emp #"
        "employees affected",  # VA, AK, SD
        "number of employees affected",  # Job Center detail, KY, MT
        "no of employees",  # CA, TN
        "employees",  # CA xlsx
        "number of affected workers",  # NY
        "affected workers",  # IN, UT, WI, MN
        "jobs affected",  # NE
        "total employees",  # MD
        "workforce affected",  # NJ
        "laid off",  # OR
        "number affected",  # RI
        "workers",  # WA "# of Workers"
        "of workers",
        "affected total",  # NV
        "employees impacted",  # MA "# EMPLOYEES IMPACTED"
        "potential number affected",  # OH
        "total layoff number",  # TX
        "number of impacted workers",  # CT
        "number affected at this location",  # NC
        "total of employees",  # IL "Total # of Employees"
        "layoff count",  # MN
        "jobs",  # processed slice
    ),
    "notice_type": (
        "notice type",  # IA, VA, IN, WI
        "layoff closure",  # CA, TN "Layoff/Closure"
        "layoff",  # CA xlsx "Layoff" ("Closure Permanent")
        "layoff or closure",  # NY "Layoff or Closure?"
        "closure or layoff",  # KY
        "closure layoff",  # WA
        "type of layoff",  # WA
        "type of layoff or closure",  # NC
        "layoff type",  # IL, OR, MN
        "type code",  # MD
        "type",  # NV, NE's sibling endpoint
        "closing yes no",  # RI
    ),
    "city": ("city", "location city", "city town", "city name", "city county"),
    "location": ("location", "location of layoffs", "layoff locations", "locality"),
    "address": (
        "address",
        "address line 1",
        "address 1",
        "location address",
        "impacted site address",
        "street address",
        "street",
    ),
    "state": ("st", "state", "location state"),
    "zip": ("zip", "zip code", "zipcode", "location zipcode", "postal code"),
    "county": ("county", "county name", "county parish", "impacted site county"),
    "industry": ("industry", "naics", "naics code", "naics codes", "naics description", "industry code"),
}

#: Looser patterns tried on a header key after every exact synonym failed (renamed columns).
HEADER_PATTERNS: dict[str, tuple[str, ...]] = {
    "company": (r"\b(company|employer|business)\b.*\bname\b", r"\b(company|employer|business)\b"),
    "notice_date": (r"\bnotice\b.*\bdate\b", r"\bdate of (warn )?notice\b", r"\b(received|filed|notified)\b"),
    "effective_date": (
        r"\b(layoff|closure|closing|impact|separation|effective)\b.*\bdates?\b",
        r"\bdates? of (impact|layoffs?|closure|closing|separation)\b",
    ),
    "employees": (r"\b(employees|workers|jobs|headcount)\b", r"\baffected\b"),
    "notice_type": (r"\btype\b", r"^(layoff|closure|closing)s?( or (layoff|closure|closing))?$"),
    "city": (r"\bcity\b", r"\btown\b"),
    "location": (r"\blocation\b", r"\bsite\b"),
    "address": (r"\baddress\b", r"\bstreet\b"),
    "state": (r"^state\b",),
    "zip": (r"\bzip\b", r"\bpostal\b"),
    "county": (r"\bcounty\b",),
    "industry": (r"\bnaics\b", r"\bindustry\b", r"\bsic\b"),
}

#: Headers of real files that hold nothing a notice stores: not reported as unknown columns.
IGNORED_HEADERS: frozenset[str] = frozenset(
    {
        "notes",
        "contact person",
        "collective bargaining unit",
        "union",
        "unions",
        "unions involved",
        "union address",
        "union yes no",
        "measure names",
        "index",
        "date posted",
        "lwib area",
        "lwia",
        "wia code",
        "region",
        "workforce development area",
        "workforce board",
        "wda name",
        "warn type",
        "warn act",
        "warn notice",
        "warn notice type",
        "phone number",
        "url",
        "notice url",
        "notice id",
        "notice notice number",
        "warn number",
        "warn",
        "blobtoken",
        "modifieddate",
        "title",
        "name",
        "attachment",
        "reason for update",
        "year",
        "description of work",
        "permanent or temporary layoff",
        "trade",
        "type of employees affected",
        "rr start date",
        "layoff status",
        "taa related",
        "source file",
        "notification",
        "notification s received",
        "petition date",
        "determination",
        "certificationdate",
        "exp term date",
        "ataa certified",
        "causes",
        "reason",
        "status",
        "report source",
        "iebs id",
        "expected layoff",
        "revised layoff",
        "initial date reported",
        "last report date",
        "doing business as name",
        "cancelled",
        "closure",
        "received date",
        "number of employees",
        "notice number",
    }
)

#: What a notice needs to be a notice; the rest is optional (see the module docstring).
ESSENTIAL = ("company", "date", "place")
OPTIONAL_FIELDS = ("notice_type", "employees", "address", "zip", "county", "industry", "state", "effective_date")


def header_key(text: object) -> str:
    """'Emp #' -> 'emp', 'Layoff/Closure' -> 'layoff closure', ' Date of WARN Notice ' -> 'date of warn notice'.

    Letters of any script are kept ('Название компании' -> 'название компании', '客户编号' stays), accents are
    dropped by NFKD, and a header made only of symbols keys as its own casefolded text, never as "".
    """
    import html
    import unicodedata

    value = html.unescape("" if text is None else str(text)).replace("\xa0", " ")
    decomposed = unicodedata.normalize("NFKD", value).casefold()
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    key = re.sub(r"[\W_]+", " ", plain).strip()
    if not key and value.strip():
        return " ".join(value.casefold().split())
    return key


def synonyms(field: str, loose: bool = True) -> list[str]:
    """Regular expressions for ``field`` on a header key: the exact real-world names, then (``loose``)
    the looser patterns."""
    exact = [rf"^{re.escape(name)}$" for name in HEADER_SYNONYMS.get(field, ())]
    return exact + (list(HEADER_PATTERNS.get(field, ())) if loose else [])


def known_header(key: str) -> bool:
    """True when a header key is one the vocabulary knows (a field's exact synonym or an ignored column)."""
    return key in IGNORED_HEADERS or any(key in names for names in HEADER_SYNONYMS.values())


#: Importer fields -> the vocabulary field whose synonyms they share (`leads accounts import`, `leads link`).
#: `leads accounts import --map COLUMN=FIELD`: the names a manager types (in its --help and its errors) -> the
#: account field each fills. The internal names (external_id, zip5, ...) are accepted too.
ACCOUNT_MAP_FIELDS: dict[str, str] = {
    "id": "external_id",
    "name": "name",
    "address": "address",
    "city": "city",
    "state": "state",
    "zip": "zip5",
    "industry": "industry",
    "vendor": "incumbent_vendor",
    "phone": "phone",
    "website": "website",
    "owner": "owner",
    "dnc": "do_not_contact",
    "lat": "lat",
    "lon": "lon",
}

IMPORTER_FIELDS = {
    "name": "company",
    "zip5": "zip",
    "zip": "zip",
    "address": "address",
    "city": "city",
    "state": "state",
    "industry": "industry",
}


def match_fields(
    headers: Sequence[object],
    spec: Mapping[str, Iterable[str]],
    fallback: bool = True,
    aliases: Mapping[str, str] | None = None,
    taken: Iterable[int] = (),
    loose: bool = True,
) -> dict[str, int]:
    """field -> column index, by meaning. The one header matcher spiders and importers share.

    Two passes: first each field's own patterns from ``spec`` (a source's or importer's preferred
    names, in order of preference), then, for fields still without a column, the vocabulary's
    synonyms for that field (when ``fallback`` and the field is a vocabulary field). Patterns are
    tried in order across all headers, so the first pattern is the preferred meaning; a header is
    used by one field only. ``aliases`` names the vocabulary field a caller's field shares synonyms
    with (an importer's "name" is the vocabulary's "company"); ``taken`` columns are not matched.
    ``loose=False`` uses only the exact real-world names (importers: "company_url" is not a name).
    """
    keys = [header_key(h) for h in headers]
    found: dict[str, int] = {}
    used: set[int] = set(taken)
    aliases = aliases or {}

    def take(field: str, patterns: Iterable[str], spare: frozenset[str] = frozenset()) -> None:
        for pattern in patterns:
            rx = re.compile(pattern)
            exact = pattern.startswith("^") and pattern.endswith("$")
            hit = next(
                (
                    i
                    for i, k in enumerate(keys)
                    if i not in used and k and not (k in spare and not exact) and rx.search(k)
                ),
                None,
            )
            if hit is not None:
                found[field] = hit
                used.add(hit)
                return

    for field, patterns in spec.items():
        take(field, patterns)
    if fallback:
        for field in spec:
            vocabulary_field = aliases.get(field, field)
            if field not in found and vocabulary_field in HEADER_SYNONYMS:
                # A header the vocabulary knows holds nothing a notice stores is not taken by a loose pattern
                # (IL's "Notification(s) Received" is no notice date).
                take(field, synonyms(vocabulary_field, loose), spare=IGNORED_HEADERS)
    return found


# -- telling a column's meaning from its values ------------------------------------------------

# The words real type columns hold: IA "Mass Layoff"/"Closing"/"Closting"/"Amendment", CA "Closure Permanent",
# NY "Layoff", WA "Closure"/"Layoff", MN "Permanent" ... (a typo'd "Closting" counts).
_TYPE_WORDS = re.compile(
    r"^(clos\w*|lay ?offs?|mass lay ?offs?|permanent|temporary|amend\w*|plant clos\w*|"
    r"relocation|reduction|furlough|partial|full)\b",
    re.I,
)
_ZIP_VALUE = re.compile(r"^\d{5}(-\d{4})?$")

#: field -> a test of one cell's text; a column qualifies when most of its non-blank cells pass.
VALUE_TESTS = {
    "notice_type": lambda text: bool(_TYPE_WORDS.match(text)),
    "zip": lambda text: bool(_ZIP_VALUE.match(text)),
}
VALUE_SHARE = 0.8  # "mostly": four in five non-blank cells


def match_by_values(
    headers: Sequence[object], rows: Sequence[Sequence[object]], fields: Iterable[str], used: Iterable[int]
) -> dict[str, tuple[int, str]]:
    """For fields no header named, a column whose values say what it is: field -> (index, why).

    Only unambiguous: exactly one not-yet-used column qualifies for the field (e.g. one column of
    mostly "Closure"/"Layoff"/"Permanent" is the notice type). The caller logs the decision.
    """
    taken = set(used)
    width = max((len(r) for r in rows), default=len(headers))
    found: dict[str, tuple[int, str]] = {}
    for field in fields:
        test = VALUE_TESTS.get(field)
        if test is None:
            continue
        hits = []
        for index in range(max(width, len(headers))):
            if index in taken:
                continue
            texts = [str(r[index]).strip() for r in rows if index < len(r) and r[index] not in (None, "")]
            texts = [t for t in texts if t]
            if len(texts) >= 3 and sum(map(test, texts)) >= VALUE_SHARE * len(texts):
                hits.append((index, len(texts), sum(map(test, texts))))
        if len(hits) == 1:
            index, total, passed = hits[0]
            name = headers[index] if index < len(headers) else f"column {index + 1}"
            found[field] = (
                index,
                f"column {str(name).strip()!r} read as {field}: {passed} of its {total} values "
                f"look like {field.replace('_', ' ')}s",
            )
            taken.add(index)
    return found


# -- leads, links, people ------------------------------------------------------------------------

#: Lead statuses in pipeline order (transitions: leads/services/work.py).
LEAD_STATUSES = ("new", "contacted", "meeting", "proposal", "won", "lost", "disqualified")
OPEN_STATUSES = ("new", "contacted", "meeting", "proposal")
#: Kinds of link between a notice and an account (leads/matching; customer_of_closed: leads/creditors.py).
LINK_KINDS = ("vendor_closed", "account_closing", "competitor_nearby", "customer_of_closed")
#: Roles of a person using the tool.
REP_ROLES = ("rep", "manager")
