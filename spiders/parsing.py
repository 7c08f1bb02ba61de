"""Pure helpers spiders share to turn published text into ClosureNotice fields.

Agencies publish dates, counts and headers in many spellings; these helpers accept the
spellings seen in the real fixtures and raise ``ValueError`` on anything they cannot read,
so a spider can skip that row loudly instead of storing garbage.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from leads.errors import LayoutChanged  # noqa: F401  (re-exported: spiders import it from here)
from leads.vocabulary import match_fields

_DATE_FORMATS = (
    "%m/%d/%Y",
    "%m/%d/%y",
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%d-%b-%y",
    "%d-%b-%Y",
    "%m-%d-%Y",
    "%m.%d.%Y",
)


def clean_text(value: object) -> str:
    """Collapse whitespace, decode HTML entities, drop literal <br> separators; '' for None."""
    if value is None:
        return ""
    text = html.unescape(str(value))
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.I)
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def parse_date(value: object) -> date | None:
    """A published date as a date; None when blank; ValueError when unreadable."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_text(value)
    if not text or text.lower() in {"n/a", "na", "none", "tbd", "unknown", "-", "--"}:
        return None
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    # "2/15/2019 - 3/1/2019", "3/13/2020 12:00:00 AM": take the first date-looking token.
    match = re.search(r"\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}", text)
    if match and match.group(0) != text:
        return parse_date(match.group(0))
    raise ValueError(f"unreadable date {text!r}")


def parse_int(value: object) -> int | None:
    """An employee count as an int; None when blank; ValueError when not a number ('unknown')."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"unreadable number {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != int(value):
            raise ValueError(f"unreadable number {value!r}")
        return int(value)
    text = clean_text(value).replace(",", "")
    if not text or text.lower() in {"n/a", "na", "none", "-", "--"}:
        return None
    match = re.fullmatch(r"(?:approx\.?|approximately|up to|~)?\s*(\d+)(?:\.0+)?\+?", text, flags=re.I)
    if not match:
        raise ValueError(f"unreadable number {text!r}")
    return int(match.group(1))


def zip5(value: object) -> str | None:
    """The 5-digit ZIP from '74014', '74014-1234', 74014.0 or '7401' (leading zero lost in Excel); None if none.

    One ZIP parser for the whole project: leads.normalize.zip5 (which the importers use).
    """
    from leads.normalize import zip5 as _zip5

    if isinstance(value, float) and value != int(value):
        return None
    return _zip5(value) or None


_CLOSURE = re.compile(r"clos|shut ?down|cessation|ceas", re.I)
_LAYOFF = re.compile(r"lay ?off|reduction|furlough|relocat|mass", re.I)
_BANKRUPTCY = re.compile(r"bankrupt|chapter (7|11)|liquidat", re.I)


def classify_notice_type(*values: object) -> str:
    """closure / layoff / bankruptcy / other from whatever words the source uses.

    A multi-valued field ('ClosureLayoff') counts as a closure: for a sales team a closed
    site is the stronger signal, and the raw value stays in the row.
    """
    text = " ".join(clean_text(v) for v in values if v is not None)
    if _CLOSURE.search(text):
        return "closure"
    if _BANKRUPTCY.search(text):
        return "bankruptcy"
    if _LAYOFF.search(text):
        return "layoff"
    return "other"


def map_headers(
    headers: Sequence[object],
    spec: Mapping[str, Iterable[str]],
    required: Iterable[str | tuple[str, ...]] = (),
    source: str = "",
) -> dict[str, int]:
    """Find columns by meaning: field -> column index.

    ``spec`` maps each field to regular expressions tried against the lower-cased header with
    punctuation turned to spaces (e.g. ``{"employees": [r"employees?\\b.*affected", r"^jobs?$"]}``).
    Patterns are tried in order across all headers, so the first pattern is the preferred meaning;
    a header is used by one field only. A field still without a column then tries the synonyms of
    the shared vocabulary (leads/vocabulary.py: every name seen in real files). ``required`` lists
    the essential fields; a tuple in it means "one of these" (at least one date, a place at some
    level). A missing essential field raises LayoutChanged naming the headers that were present,
    so a renamed essential column fails loudly.
    """
    found = match_fields(headers, spec)
    missing = [
        f if isinstance(f, str) else " or ".join(f)
        for f in required
        if not (f in found if isinstance(f, str) else any(g in found for g in f))
    ]
    if missing:
        where = f"{source}: " if source else ""
        raise LayoutChanged(
            f"{where}layout changed: no column for {', '.join(missing)} among headers "
            f"{[clean_text(h) for h in headers]}"
        )
    return found


def split_city_state_zip(text: object, home_state: str | None = None) -> tuple[str | None, str | None, str | None]:
    """'Broken Arrow, Oklahoma 74014' / 'Ringgold VA' / 'Tulsa, OK 74103-1234' -> (city, ST, zip5).

    A bare state *name* ("Washington", "Indiana", "Nevada") is also the name of many towns. With
    ``home_state`` (the agency's state: a WARN notice is filed where the site is) a bare name of another
    state is read as a town of the home state ("Indiana" in a Pennsylvania notice is Indiana, PA); the
    home state's own name, or any name without a home state, stays a state. A two-letter code is always
    a state.
    """
    value = clean_text(text)
    if not value:
        return None, None, None
    zip_code = None
    m = re.search(r"\s*\b(\d{5})(?:-\d{4})?\s*$", value)
    if m:
        zip_code = m.group(1)
        value = value[: m.start()].strip(" ,")
    state = None
    home = state_code(home_state) if home_state else None
    bare = state_code(value)
    if home and bare and bare != home and value.replace(".", "").strip().upper() not in _CODES:
        return value, home, zip_code
    # The state is the last one, two or three words ("VA", "New York", "District of Columbia").
    words = value.replace(",", " , ").split()
    for n in (1, 2, 3):
        if len(words) > n and state_code(" ".join(words[-n:])):
            state = state_code(" ".join(words[-n:]))
            value = " ".join(words[:-n]).replace(" , ", ", ").strip(" ,")
            break
    if state is None and len(words) == 1 and state_code(words[0]):
        state, value = state_code(words[0]), ""
    return (value or None), state, zip_code


_STATES = {
    "alabama": "AL",
    "alaska": "AK",
    "arizona": "AZ",
    "arkansas": "AR",
    "california": "CA",
    "colorado": "CO",
    "connecticut": "CT",
    "delaware": "DE",
    "district of columbia": "DC",
    "florida": "FL",
    "georgia": "GA",
    "hawaii": "HI",
    "idaho": "ID",
    "illinois": "IL",
    "indiana": "IN",
    "iowa": "IA",
    "kansas": "KS",
    "kentucky": "KY",
    "louisiana": "LA",
    "maine": "ME",
    "maryland": "MD",
    "massachusetts": "MA",
    "michigan": "MI",
    "minnesota": "MN",
    "mississippi": "MS",
    "missouri": "MO",
    "montana": "MT",
    "nebraska": "NE",
    "nevada": "NV",
    "new hampshire": "NH",
    "new jersey": "NJ",
    "new mexico": "NM",
    "new york": "NY",
    "north carolina": "NC",
    "north dakota": "ND",
    "ohio": "OH",
    "oklahoma": "OK",
    "oregon": "OR",
    "pennsylvania": "PA",
    "rhode island": "RI",
    "south carolina": "SC",
    "south dakota": "SD",
    "tennessee": "TN",
    "texas": "TX",
    "utah": "UT",
    "vermont": "VT",
    "virginia": "VA",
    "washington": "WA",
    "west virginia": "WV",
    "wisconsin": "WI",
    "wyoming": "WY",
    "puerto rico": "PR",
}
_CODES = set(_STATES.values())


def state_code(value: object) -> str | None:
    """'Oklahoma' / 'ok' / 'O.K.' -> 'OK'; None when not a US state."""
    text = clean_text(value).replace(".", "").strip()
    if text.upper() in _CODES:
        return text.upper()
    return _STATES.get(text.lower())


_TIME_OF_DAY = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AP]M)?$", re.I)


def parse_date_strict(value: object) -> date | None:
    """Like parse_date, but a text must be ONE whole date, optionally followed by a time of day.

    parse_date falls back to the first date-looking token, which reads the typo '9/1/8/2020'
    (Iowa's log) as 2020-01-08; here that is a ValueError so the row is skipped loudly.
    """
    if not isinstance(value, str):
        return parse_date(value)
    text = _TIME_OF_DAY.sub("", clean_text(value))
    if parse_date(text) is None:  # blank, "TBD", "n/a": no date given
        return None
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unreadable date {clean_text(value)!r}")


def window_start(since: object = None, today: date | None = None) -> date:
    """First day of a crawl's date window: the ``since`` spider argument (YYYY-MM-DD), else Jan 1 of last year.

    Spider arguments arrive as strings; a malformed one is a ValueError naming the argument, so a
    typo in a cron line fails the crawl instead of silently crawling a different window.
    """
    if since is None or since == "":
        today = today or date.today()
        return date(today.year - 1, 1, 1)
    if isinstance(since, date):
        return since
    try:
        return date.fromisoformat(str(since).strip())
    except ValueError:
        raise ValueError(f"since must be a date like 2025-01-01, got {since!r}") from None


_SLASH_DATE = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?!\d)")


def first_date(value: object) -> date | None:
    """The first M/D/YYYY or M/D/YY date of a text, as ``parse_date`` reads it, without its format loop.

    ``parse_date`` tries a dozen whole-text formats before the first date-like token, and a failed
    ``strptime`` costs as much as parsing a row: free-text cells ('2/3/2025 Rec'd 2/10/2025') made
    it most of the parse time. Anything else (ISO dates, month names, typos) goes to ``parse_date``.
    """
    if isinstance(value, str):
        match = _SLASH_DATE.search(value)
        if match:
            month, day, year = (int(g) for g in match.groups())
            if len(match.group(3)) == 2:
                year += 1900 if year >= 69 else 2000  # strptime's %y pivot
            try:
                return date(year, month, day)
            except ValueError:
                raise ValueError(f"unreadable date {clean_text(value)!r}") from None
    return parse_date(value)
