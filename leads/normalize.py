"""Pure normalization of business names, street addresses, cities, states and ZIP codes.

Run once per record at import (accounts) or at crawl (notices); the matcher only compares the stored results.
Every function takes a value and returns a value, never raises on odd input, and returns "" for nothing usable.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

# --------------------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------------------

#: Separator between the variants of one name stored in a single ``name_norm``/``vendor_norm`` column
#: ("legal name|trade name"). Normalized names never contain it otherwise.
VARIANT_SEP = "|"

#: Legal forms removed wherever they stand: unambiguous as words ("Hitachi ..., Inc. Netherlands B.V.",
#: "BOSCH GMBH ROBERT"). Dotted or spaced spellings (L.L.C., N. V., B V) are joined before the lookup.
LEGAL_FORMS_ANYWHERE = frozenset(
    {
        "inc", "incorporated", "llc", "lllp", "llp", "pllc", "plc", "ltd", "ltda", "corp", "gmbh", "mbh", "nv",
        "bv", "bvba", "sarl", "srl", "spa", "sas", "pty", "bhd", "kgaa", "lc",
    }
)  # fmt: skip

#: Legal forms (and filler words) removed only at the end of a name, where they cannot be part of it:
#: "Dial Amusement Co., Inc." but not "Co-op Foods"; "Charter Communications Company".
LEGAL_FORMS_AT_END = frozenset(
    {
        "co", "cos", "company", "companies", "corporation", "limited", "lp", "sa", "ag", "kg", "ab", "as", "oy",
        "oyj", "se", "pc", "pa", "sc", "cv", "nl", "usa", "us", "the",
    }
)  # fmt: skip

#: Long spellings of legal forms, replaced by their abbreviation before tokens are read (the local names of
#: ISO 20275 Entity Legal Forms for the countries whose firms appear in US lists most, plus US spellings).
LEGAL_LONG_FORMS = {
    "naamloze vennootschap": "nv",
    "besloten vennootschap met beperkte aansprakelijkheid": "bv",
    "besloten vennootschap": "bv",
    "commanditaire vennootschap": "cv",
    "kommanditgesellschaft auf aktien": "kgaa",
    "kommanditgesellschaft": "kg",
    "societe a responsabilite limitee": "sarl",
    "societe par actions simplifiee": "sas",
    "sociedad de responsabilidad limitada": "srl",
    "societa a responsabilita limitata": "srl",
    "sociedade anonima": "sa",
    "aktiebolag": "ab",
    "aktieselskab": "as",
    "osakeyhtio": "oy",
    "limited liability company": "llc",
    "limited liability partnership": "llp",
    "limited partnership": "lp",
    "public limited company": "plc",
    "professional corporation": "pc",
    "professional association": "pa",
    "gesellschaft mit beschrankter haftung": "gmbh",
    "aktiengesellschaft": "ag",
    "societe anonyme": "sa",
    "sociedad anonima": "sa",
    "societa per azioni": "spa",
}

#: Words that introduce a second name for the same business. Both names are kept as variants.
_ALIAS_RE = re.compile(
    r"""[\(\[/]?\s*\b(?:
        d\s*/\s*b\s*/\s*a | d\.\s*b\.\s*a\.? | dba | doing\s+business\s+as
      | a\s*/\s*k\s*/\s*a | a\.\s*k\.\s*a\.? | aka | also\s+known\s+as
      | f\s*/\s*k\s*/\s*a | f\.\s*k\.\s*a\.? | fka | formerly(?:\s+known\s+as)?
      | t\s*/\s*a | trading\s+as
    )(?![a-z0-9])[\s:.,]*""",
    re.IGNORECASE | re.VERBOSE,
)
#: A dotted two-letter legal form glued to the word before it ("ELECTRONICSN.V.", "INDUSTRIESB.V."): the dots
#: say the last letter belongs to the legal form, so it is split off (see _normalize_one_name).
_GLUED_DOTTED_FORM_RE = re.compile(r"\b([a-z]{3,})(n|b)\.\s?v\b\.?")
_LONG_FORM_RE = re.compile(r"\b(" + "|".join(sorted(LEGAL_LONG_FORMS, key=len, reverse=True)) + r")\b")
_AMP_ENTITY_RE = re.compile(r"&amp;?", re.IGNORECASE)
_GLUED_AMP_RE = re.compile(r"\b([a-z0-9]{1,3})&([a-z0-9]{1,3})\b")
_PAREN_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_NAME_TOKEN_RE = re.compile(r"[a-z0-9]+|,")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u201c": '"', "\u201d": '"'})


#: Words that carry no meaning in a name ("of", "the", "de"): no blocking key and no evidence of a match.
FUNCTION_WORDS = frozenset(
    "a an the of for in on at to by from with and or de la el los las le les del du da di das der y et".split()
) | frozenset("bcdefghijklmnopqrstuvwxyz")  # and a lone initial ("j fine", "john a smith")

#: Words that describe what kind of organization a business is rather than which one ("restaurant", "services",
#: "church", "association"): English business vocabulary, not a list taken from any data set. Two names that
#: share just one such word are not the same business ("inn society" / "friends society for library"); see
#: leads.matching.scoring.name_similarity. What else is too common to identify a business is measured on each
#: run's own data (leads.matching.frequency: a word carried by many records of the run counts as generic there),
#: so a city name, a Greek letter or a chain's brand is generic where it is common, and nowhere else.
GENERIC_WORDS = FUNCTION_WORDS | frozenset(
    """
    foundation association society center centre institute church services service fund group council
    education community alliance health school club coalition restaurant public development district united
    action family project friends research global construction management enterprises holdings care network
    home trust shop store federation organization business market cafe repair academy medical solutions systems
    housing ministries international national company
    """.split()
)


def is_generic(word: str) -> bool:
    """A generic word, its plural ("restaurants", "societies") or its singular ("friend")."""
    if word in GENERIC_WORDS or word + "s" in GENERIC_WORDS:
        return True
    if word.endswith("s") and len(word) > 3:
        if word[:-1] in GENERIC_WORDS:
            return True
        if word.endswith("ies") and word[:-3] + "y" in GENERIC_WORDS:
            return True
        if word.endswith("es") and word[:-2] in GENERIC_WORDS:
            return True
    return False


def _fold(text: str) -> str:
    """HTML entities decoded, accents dropped, lower case: ``bioM&eacute;rieux`` -> ``biomerieux``."""
    if "&" in text:
        text = html.unescape(_AMP_ENTITY_RE.sub("&", text))
    text = text.translate(_QUOTES)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return text.lower()


def _join_letter_runs(tokens: list[str]) -> list[str]:
    """Join runs of single letters: ``d s m`` -> ``dsm``, ``u s a`` -> ``usa``."""
    out: list[str] = []
    run: list[str] = []
    for tok in tokens + [""]:
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if run:
            out.append("".join(run) if len(run) > 1 else run[0])
            run = []
        if tok:
            out.append(tok)
    return out


def _split_legal_letter_runs(tokens: list[str]) -> list[str]:
    """Turn dotted/spaced legal forms into one token before letter runs are joined.

    ``d s m n v`` -> ``d s m nv`` (a trailing N.V. after at least two other letters),
    ``n v philips`` -> ``nv philips``, but ``u s a`` stays (``s a`` after one letter is part of U.S.A.).
    """
    out: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        if len(tokens[i]) == 1 and tokens[i].isalpha():
            j = i
            while j < n and len(tokens[j]) == 1 and tokens[j].isalpha():
                j += 1
            run = tokens[i:j]
            joined = "".join(run)
            if joined in LEGAL_FORMS_ANYWHERE or joined in LEGAL_FORMS_AT_END:
                out.append(joined)
            elif len(run) >= 3 and "".join(run[:2]) in LEGAL_FORMS_ANYWHERE:
                # "N.V. a Dutch company": the legal form, then the article of a description.
                out.append("".join(run[:2]))
                out.extend(run[2:])
            else:
                for k in (3, 2):
                    tail = "".join(run[-k:])
                    if len(run) - k >= 2 and (tail in LEGAL_FORMS_ANYWHERE or tail in LEGAL_FORMS_AT_END):
                        out.extend(run[:-k])
                        out.append(tail)
                        break
                else:
                    out.extend(run)
            i = j
        else:
            out.append(tokens[i])
            i += 1
    return out


def _is_legal(tok: str) -> bool:
    return tok in LEGAL_FORMS_ANYWHERE or tok in LEGAL_FORMS_AT_END


@lru_cache(maxsize=1 << 16)
def _normalize_one_name(text: str) -> str:
    text = _fold(text)
    # "AT&T", "D&A", "P&G" keep their letters together; a spaced "&" is the word "and" (dropped below).
    text = _GLUED_AMP_RE.sub(r"\1\2", text).replace("&", " and ").replace("'", "")
    stripped = _PAREN_RE.sub(" ", text)
    if stripped.strip(" ,.-"):
        text = stripped
    text = _LONG_FORM_RE.sub(lambda m: LEGAL_LONG_FORMS[m.group(1)], text)
    text = _GLUED_DOTTED_FORM_RE.sub(r"\1 \2.v.", text)
    raw = _NAME_TOKEN_RE.findall(text)
    tokens = _split_legal_letter_runs(raw)

    # After a legal form, a comma starts a location ("DSM N.V., HEERLEN, NL") and "a ... corporation"
    # describes the company ("Maasland N.V. a Dutch Limited Co"): neither is part of the name. A name that
    # starts with its legal form ends at its first comma ("NAAMLOZE VENNOOTSCHAP NUTRICIA, ZOETERMEER").
    if tokens and tokens[0] in LEGAL_FORMS_ANYWHERE and "," in tokens[2:]:
        tokens = tokens[: tokens.index(",", 2)]
    for i, tok in enumerate(tokens):
        if tok in LEGAL_FORMS_ANYWHERE and i > 0:
            rest = tokens[i + 1 :]
            if rest and rest[0] == "," and any(t != "," for t in rest):
                if not any(t in LEGAL_FORMS_ANYWHERE for t in rest):
                    tokens = tokens[: i + 1]
                    break
            if (
                rest
                and rest[0] in ("a", "an")
                and any(_is_legal(t) or t in ("corporation", "company") for t in rest[1:6])
            ):
                tokens = tokens[: i + 1]
                break

    words = [t for t in tokens if t != "," and t != "and" and t not in LEGAL_FORMS_ANYWHERE]
    while words and words[-1] in LEGAL_FORMS_AT_END:
        words.pop()
    while words and words[0] in ("the", "nv", "bv"):
        words.pop(0)
    words = _join_letter_runs(words)
    if not words:
        # A name made only of legal words ("The Company", "Inc."): keep what there is rather than nothing.
        words = _join_letter_runs([t for t in raw if t != ","])
    return " ".join(words)


def name_variants(text: str | None) -> list[str]:
    """The normalized names a business goes by: legal name first, then any d/b/a, a/k/a or former name, then
    a bracketed name of two or more words, one of them distinctive ("Bloomin' Brands (Outback Steakhouse)").

    >>> name_variants("Route 60 & Associates INC DBA Captin Groovy's Grill & Raw bar")
    ['route 60 associates', 'captin groovys grill raw bar']
    """
    if not text:
        return []
    parts = _ALIAS_RE.split(text)
    variants: list[str] = []
    extra: list[str] = []
    for part in parts:
        norm = _normalize_one_name(part)
        if norm and norm not in variants:
            variants.append(norm)
        # A bracketed name is often the trade name or the site: "Bloomin' Brands (Outback Steakhouse)".
        for m in _PAREN_RE.finditer(part):
            inner = _normalize_one_name(m.group(0)[1:-1])
            words = [w for w in inner.split() if w not in FUNCTION_WORDS]
            # Two words or more, one distinctive: not "(US)", "(NEDERLAND)", "(USPTO)", "(PUBL)".
            if len(words) >= 2 and any(len(w) >= 3 and not is_generic(w) for w in words):
                extra.append(inner)
    for norm in extra:
        if norm not in variants:
            variants.append(norm)
    return variants


def normalize_name(text: str | None, *aliases: str | None) -> str:
    """One string for the ``name_norm`` / ``vendor_norm`` columns.

    Lower case ASCII words; punctuation, ``&``/``and`` and legal forms (Inc, LLC, L.L.C., Corp, Co, Ltd, N.V.,
    GmbH, S.A., PLC, ...) removed; store numbers kept as words ("Farm Fresh #6293" -> ``farm fresh 6293``: two
    stores of a chain are two places); dotted or spaced initials joined (``D.S.M.`` ->
    ``dsm``). A second name introduced by d/b/a, dba, aka, f/k/a or "formerly" — or passed as ``aliases``,
    e.g. a separate DBA column — is kept as another variant after ``|``: ``"kenific group|pantheon data"``.
    Use :func:`split_variants` to read the variants back.
    """
    variants: list[str] = []
    for value in (text, *aliases):
        for v in name_variants(value):
            if v not in variants:
                variants.append(v)
    return VARIANT_SEP.join(variants)


def split_variants(name_norm: str) -> list[str]:
    """The variants stored in a ``name_norm`` string (see :func:`normalize_name`)."""
    if not name_norm:
        return []
    if VARIANT_SEP not in name_norm:
        return [name_norm]
    return [v for v in name_norm.split(VARIANT_SEP) if v]


# --------------------------------------------------------------------------------------------------------------
# Addresses
# --------------------------------------------------------------------------------------------------------------

#: USPS Publication 28 street suffixes (common spellings -> standard abbreviation), plus misspellings seen in
#: the data ("blv"). Applied to every street word after the house number, so both sides of a comparison agree.
STREET_SUFFIXES = {
    "alley": "aly", "allee": "aly", "ally": "aly", "annex": "anx", "arcade": "arc", "avenue": "ave", "av": "ave",
    "aven": "ave", "avenu": "ave", "avn": "ave", "avnue": "ave", "bayou": "byu", "beach": "bch", "bend": "bnd",
    "bluff": "blf", "bottom": "btm", "boulevard": "blvd", "boul": "blvd", "boulv": "blvd", "blv": "blvd",
    "branch": "br", "bridge": "brg", "brook": "brk", "bypass": "byp", "camp": "cp", "canyon": "cyn", "cape": "cpe",
    "causeway": "cswy", "center": "ctr", "centre": "ctr", "cent": "ctr", "cntr": "ctr", "circle": "cir",
    "circ": "cir", "cliff": "clf", "club": "clb", "common": "cmn", "corner": "cor", "corners": "cors",
    "course": "crse", "court": "ct", "courts": "cts", "cove": "cv", "creek": "crk", "crescent": "cres",
    "crossing": "xing", "crossroad": "xrd", "curve": "curv", "dale": "dl", "dam": "dm", "divide": "dv",
    "drive": "dr", "driv": "dr", "drv": "dr", "estate": "est", "estates": "ests", "expressway": "expy",
    "express": "expy", "expw": "expy", "extension": "ext", "falls": "fls", "ferry": "fry", "field": "fld",
    "fields": "flds", "flat": "flt", "ford": "frd", "forest": "frst", "forge": "frg", "fork": "frk", "fort": "ft",
    "freeway": "fwy", "freewy": "fwy", "garden": "gdn", "gardens": "gdns", "gateway": "gtwy", "glen": "gln",
    "green": "grn", "grove": "grv", "harbor": "hbr", "haven": "hvn", "heights": "hts", "highway": "hwy",
    "highwy": "hwy", "hiway": "hwy", "hill": "hl", "hills": "hls", "hollow": "holw", "island": "is",
    "junction": "jct", "key": "ky", "knoll": "knl", "lake": "lk", "lakes": "lks", "landing": "lndg", "lane": "ln",
    "light": "lgt", "lock": "lck", "lodge": "ldg", "loop": "loop", "mall": "mall", "manor": "mnr",
    "meadow": "mdw", "meadows": "mdws", "mill": "ml", "mission": "msn", "motorway": "mtwy", "mount": "mt",
    "mountain": "mtn", "neck": "nck", "orchard": "orch", "oval": "oval", "overpass": "opas", "park": "park",
    "parkway": "pkwy", "parkwy": "pkwy", "pkway": "pkwy", "pky": "pkwy", "pass": "pass", "path": "path",
    "pike": "pike", "pine": "pne", "place": "pl", "plain": "pln", "plaza": "plz", "plza": "plz", "point": "pt",
    "port": "prt", "prairie": "pr", "ranch": "rnch", "ridge": "rdg", "river": "riv", "road": "rd", "route": "rte",
    "rt": "rte", "row": "row", "run": "run", "shore": "shr", "spring": "spg", "springs": "spgs", "square": "sq",
    "station": "sta", "stravenue": "stra", "stream": "strm", "street": "st", "str": "st", "strt": "st",
    "summit": "smt", "terrace": "ter", "terr": "ter", "trace": "trce", "track": "trak", "trafficway": "trfy",
    "trail": "trl", "tr": "trl", "trailer": "trlr", "tunnel": "tunl", "turnpike": "tpke", "union": "un", "valley": "vly",
    "viaduct": "via", "view": "vw", "village": "vlg", "ville": "vl", "vista": "vis", "walk": "walk", "way": "way",
    "well": "wl", "wells": "wls",
}  # fmt: skip
STREET_SUFFIX_ABBREVIATIONS = frozenset(STREET_SUFFIXES.values())
_NUMBERED_STREET_SUFFIXES = frozenset({"st", "ave", "rd", "pl", "dr", "ter", "ct", "ln", "way", "blvd", "cir", "trl"})

#: Directionals; mapped right after the house number and at the end of the street line ("600 West Madison St").
DIRECTIONALS = {
    "north": "n", "south": "s", "east": "e", "west": "w", "northeast": "ne", "northwest": "nw",
    "southeast": "se", "southwest": "sw", "n": "n", "s": "s", "e": "e", "w": "w", "ne": "ne", "nw": "nw",
    "se": "se", "sw": "sw",
}  # fmt: skip
DIRECTIONAL_ABBREVIATIONS = frozenset(DIRECTIONALS.values())

#: Secondary-unit designators (USPS); the designator is dropped and the unit id kept after " # ".
UNIT_DESIGNATORS = frozenset(
    {
        "apartment", "apt", "basement", "bsmt", "building", "bldg", "department", "dept", "floor", "fl", "flr",
        "front", "frnt", "hangar", "hngr", "lobby", "lbby", "lot", "lower", "lowr", "office", "ofc", "penthouse",
        "ph", "pier", "rear", "room", "rm", "side", "slip", "space", "spc", "stop", "suite", "ste", "trailer",
        "unit", "upper", "uppr", "mezz", "mezzanine", "#", "no", "num", "pmb",
    }
)  # fmt: skip

ORDINAL_WORDS = {
    "first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th", "sixth": "6th",
    "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th", "eleventh": "11th", "twelfth": "12th",
}  # fmt: skip
NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10",
}  # fmt: skip

_ADDR_TOKEN_RE = re.compile(r"\d+(?:-\d+)?[a-z]*|[a-z]+(?:\d+[a-z]*)?|#")
_RANGE_RE = re.compile(r"(\d)\s*-\s*(\d)")
_ORDINAL_RE = re.compile(r"^\d+(st|nd|rd|th)$")
_NUMBER_LETTER_RE = re.compile(r"\b(\d+)-([a-z])\b")
_LEADING_WORDS_RE = re.compile(r"^[^\d]+?\s(\d+[a-z]?\s+[a-z].*)$", re.DOTALL)
_PO_BOX_RE = re.compile(r"\b(?:p\s*\.?\s*o\s*\.?\s*|post\s+office\s+)box\b")
_UNIT_ID_RE = re.compile(r"^(?:\d+[a-z]?(?:-\d+[a-z]?)?|[a-z]|[a-z]{1,2}\d+[a-z]?|\d+(?:st|nd|rd|th))$")
#: A designator glued to its id: "SUITE300", "STE106", "APT4B".
_GLUED_UNIT_RE = re.compile(r"\b(suite|ste|apt|unit|rm|room|fl|flr|floor|bldg)(\d)")


class AddressParts(NamedTuple):
    """A normalized street line split into what the matcher compares."""

    number: str  # house number ("435", "1808-1810"), "" when none
    street: str  # street words without the number ("s la cienega blvd")
    unit: str  # suite/unit/floor id without its designator ("800"), "" when none


def _ordinal(n: str) -> str:
    if n.endswith(("11", "12", "13")):
        return n + "th"
    return n + {"1": "st", "2": "nd", "3": "rd"}.get(n[-1], "th")


def _canonical_street(tokens: list[str]) -> list[str]:
    """Apply the suffix, directional and ordinal tables to the words of a street line."""
    out = []
    last = len(tokens) - 1
    for i, tok in enumerate(tokens):
        if i == 0 and tok in NUMBER_WORDS:
            tok = NUMBER_WORDS[tok]
        elif (
            i > 0
            and tok.isdigit()
            and i < last
            and STREET_SUFFIXES.get(tokens[i + 1], tokens[i + 1]) in _NUMBERED_STREET_SUFFIXES
        ):
            tok = _ordinal(tok)  # "W 138 ST" = "W 138th St" (as USPS and scourgify write it)
        elif tok in ORDINAL_WORDS:
            tok = ORDINAL_WORDS[tok]
        elif tok in DIRECTIONALS and (
            i == last
            or (i == 0 and last > 0)
            # "600 West Madison St" but not "200 West St" (there West is the street's name)
            or (
                i == 1
                and not (
                    i + 1 == last and STREET_SUFFIXES.get(tokens[last], tokens[last]) in STREET_SUFFIX_ABBREVIATIONS
                )
            )
        ):
            tok = DIRECTIONALS[tok]
        elif i > 0 and tok in STREET_SUFFIXES:
            tok = STREET_SUFFIXES[tok]
        out.append(tok)
    return out


def _unit_id(tokens: list[str]) -> str:
    return " ".join(t for t in tokens if t not in UNIT_DESIGNATORS)


#: Street types after which a number is the road's number, not a unit ("Old Hwy 52", "N Loop 1604 W").
_ROUTE_TYPES = frozenset({"hwy", "rte", "loop", "fwy", "expy", "tpke", "byp"})
#: Words before a road's number when no street type is written ("E Interstate 20", "US 60", "FM 1960").
_ROUTE_WORDS = frozenset({"interstate", "i", "us", "sr", "cr", "fm", "rr", "ih", "highway", "route", "hwy", "rte"})
#: "County Road 3805", "State Road 63": a road whose number follows its type.
_NUMBERED_ROAD_WORDS = frozenset({"county", "state", "farm", "forest", "ranch", "township", "old"})


def _is_unit_id(tok: str) -> bool:
    """A unit id: "800", "1-2", "1st", "b", "c11"; a five-digit number is a ZIP, never a unit."""
    return bool(_UNIT_ID_RE.match(tok)) and not (tok.isdigit() and len(tok) >= 5)


def _street_end(tokens: list[str], canon: list[str]) -> int:
    """Index of the street type that ends the street, or -1 (see :func:`_scan_street`)."""
    n = len(tokens)
    for s in range(n - 1, 1, -1):
        if canon[s] not in STREET_SUFFIX_ABBREVIATIONS:
            continue
        between = tokens[1:s]
        if len(between) == 1 and between[0] in DIRECTIONALS and s + 1 < n and tokens[s + 1] not in DIRECTIONALS:
            continue  # "9913 S Avenue G", "4035 N Loop 1604 W": the type starts the street's name
        return s
    return -1


def _scan_street(text: str) -> tuple[list[str], list[str]]:
    """Street words and unit words of one street line (a deterministic token scan, no tagger).

    The street ends at its last street type ("St", "Avenue") after a name ("909 E Street NW", "W North Ave"),
    plus a directional after it ("1100 13th St NW"); what comes after is the unit or a glued-on city
    ("60 W 57th St New York"): its ids are kept ("6400 Sheridan Drive 310 Amherst" -> unit 310), its words
    dropped. A street type right after the house number is the street's name ("9913 S Avenue G", "732 Highway
    65 S", "200 West St"); a number after a highway or county road is the road's ("Old Hwy 52", "County Road
    3805"). A unit designator (Suite, Ste, #, Fl, Bldg, ...) starts the unit, unless a street type follows it
    ("55 W Front St") or nothing does ("1 Ferry Building"). Without a street type, trailing short numbers are
    the unit ("5503 N Broadway 1", "2206 Landmeier 1st"), unless a road word precedes them ("E Interstate 20").
    """
    tokens = _ADDR_TOKEN_RE.findall(text)
    if not tokens:
        return [], []
    n = len(tokens)
    canon = [STREET_SUFFIXES.get(t, t) for t in tokens]
    unit: list[str] = []
    if n >= 4 and tokens[-2] in ("n", "s") and tokens[-1] in ("e", "w"):
        tokens = [*tokens[:-2], tokens[-2] + tokens[-1]]  # "Avenue F N.W." = "Avenue F NW"
        canon = [*canon[:-2], tokens[-1]]
        n -= 1
    for i in range(2, n):
        if tokens[i] in UNIT_DESIGNATORS and (
            tokens[i] == "#"
            or (i + 1 < n and canon[i + 1] not in STREET_SUFFIX_ABBREVIATIONS)
            or (i + 1 == n and i >= 3 and tokens[i - 1][0].isdigit())  # "5114 South Elizabeth 1st Floor"
        ):
            tokens, unit, canon, n = tokens[:i], tokens[i:], canon[:i], i
            break
    end = _street_end(tokens, canon)
    if end > 0:
        if end + 1 < n and (
            (canon[end] in _ROUTE_TYPES and tokens[end + 1].isdigit())
            or (canon[end] == "rd" and tokens[end - 1] in _NUMBERED_ROAD_WORDS and len(tokens[end + 1]) <= 4)
        ):
            end += 1  # "Old Hwy 52", "County Road 3805", "County Road V"
        if end + 1 < n and tokens[end + 1] in DIRECTIONALS:
            end += 1
            if end + 1 < n and tokens[end] in ("n", "s") and tokens[end + 1] in ("e", "w"):
                tokens = [*tokens[:end], tokens[end] + tokens[end + 1], *tokens[end + 2 :]]  # "St S E" = "St SE"
                n -= 1
        rest = [ORDINAL_WORDS.get(t, t) for t in tokens[end + 1 :]]
        return tokens[: end + 1], [t for t in rest if _is_unit_id(t) and t not in DIRECTIONALS] + unit
    # No street type ("5503 N Broadway 1", "7413 Duvan 1 2a"): trailing short numbers are the unit.
    k = n
    while k > 2 and n - k < 3 and tokens[k - 1][0].isdigit() and _is_unit_id(tokens[k - 1]):
        k -= 1
    if k < n and (tokens[k - 1] in _ROUTE_WORDS or canon[k - 1] in _ROUTE_TYPES):
        if tokens[k].isdigit():
            k += 1  # "13400 S Route 59 1st 116": 59 is the road's number
    elif not (
        tokens[k - 1].isalpha()
        and tokens[k - 1] not in DIRECTIONALS
        and canon[k - 1] not in STREET_SUFFIX_ABBREVIATIONS
    ):
        k = n
    if k < n and tokens[0][0].isdigit():
        return tokens[:k], tokens[k:] + unit
    return tokens, unit


_HOUSE_NUMBER_RE = re.compile(r"^\d+[a-z]?(?:-\d+[a-z]?)?$")
_UNIT_SEGMENT_RE = re.compile(r"^(?:#|suite|ste|unit|apt|apartment|fl|floor|flr|rm|room|bldg|building|office|ofc)\b")


def _street_segment(folded: str) -> str:
    """The street line of an address written as comma-separated parts.

    * house number after the street, as much of Europe writes it: "east carson street, 1107" and
      "main street 12" -> "1107 east carson street", "12 main street";
    * a landmark or building before the street: "chicago marriot oakbrook, 1401 w 22nd street, ..." -> the street;
    * city, region and postcode after the street ("15 romolo place, san francisco, ca 94133",
      "1 princes st, edinburgh eh1 1aa"): dropped, with a unit part after the street kept ("610 junction rd,
      suite 109").
    """
    parts = [p.strip() for p in folded.split(",")]
    parts = [p for p in parts if p]
    if not parts:
        return folded
    if len(parts) == 1:
        words = parts[0].split()
        if (
            len(words) >= 3
            and not words[0][0].isdigit()
            and _HOUSE_NUMBER_RE.match(words[-1])
            and STREET_SUFFIXES.get(words[-2], words[-2]) in STREET_SUFFIX_ABBREVIATIONS
        ):
            return " ".join([words[-1], *words[:-1]])
        return folded
    first = next((k for k, p in enumerate(parts) if p[0].isdigit() or p.startswith("pobox")), None)
    if first is None:
        return folded
    if first > 0 and _HOUSE_NUMBER_RE.match(parts[first].split()[0]) and not any(c.isdigit() for c in parts[first - 1]):
        head = parts[first].split()
        if len(head) <= 2 or _UNIT_SEGMENT_RE.match(" ".join(head[1:])) or all(_UNIT_ID_RE.match(t) for t in head[1:]):
            # "east carson street, 1107": the number belongs to the street before it.
            street = f"{head[0]} {parts[first - 1]}"
            rest = " ".join(head[1:])
            if rest:
                street += " # " + rest if not _UNIT_SEGMENT_RE.match(rest) else " " + rest
            return street
    street = parts[first]
    if street.startswith("pobox"):
        return street
    # After the street, unit parts ("suite 109", a bare "1") stay; the city, region, postcode and country go.
    kept = [street]
    for part in parts[first + 1 :]:
        if not (_UNIT_SEGMENT_RE.match(part) or all(_is_unit_id(t) for t in part.split())):
            break
        kept.append(part)
    return " ".join(kept)


@lru_cache(maxsize=1 << 16)
def _scourgify(text: str) -> tuple[str, str] | None:
    try:
        from scourgify import normalize_address_record
    except ImportError:  # pragma: no cover - the dependency is declared; keep working without it
        return None
    try:
        rec = normalize_address_record(text)
    except Exception:  # scourgify raises several error types on unparseable input; the fallback takes over
        return None
    return (rec.get("address_line_1") or "", rec.get("address_line_2") or "")


def parse_address(text: str | None, *, use_scourgify: bool = False) -> AddressParts:
    """Normalize a street line and split it into house number, street and unit.

    A deterministic token scan (:func:`_scan_street`) does the work. ``use_scourgify=True`` hands the street
    line to usaddress-scourgify's tagger instead (with the scan where it raises), for comparison only:
    bench/address_parse.py measures both on real addresses (the scan is many times faster and agrees on the
    street; see its figures). Both paths end in the same tables.
    """
    if not text:
        return AddressParts("", "", "")
    folded = _fold(text).strip()
    if not folded:
        return AddressParts("", "", "")
    # Each rewrite only where its trigger character or word is present: this runs once per account at import.
    if "box" in folded:
        folded = _PO_BOX_RE.sub("pobox", folded)
    if "'" in folded:
        folded = folded.replace("'", "")
    if "-" in folded:
        folded = _NUMBER_LETTER_RE.sub(r"\1\2", _RANGE_RE.sub(r"\1-\2", folded))
    folded = _GLUED_UNIT_RE.sub(r"\1 \2", folded)
    folded = _street_segment(folded)
    if not folded[0].isdigit():
        # A care-of or building line before the street: "CO KL GATES 1601 K STREET NW", "Hayes Center 4859 S. Wabash".
        m = _LEADING_WORDS_RE.match(folded)
        if m and not folded.startswith(("pobox", "one ", "two ")):
            folded = m.group(1)
    parsed = _scourgify(folded) if use_scourgify and "pobox" not in folded else None
    if parsed is not None:
        line1 = _ADDR_TOKEN_RE.findall(parsed[0].lower())
        unit_tokens = _ADDR_TOKEN_RE.findall(parsed[1].lower())
    else:
        line1, unit_tokens = _scan_street(folded.replace(".", " "))
    street = _canonical_street(line1)
    unit = _unit_id(unit_tokens)
    if street and street[0] == "pobox":
        return AddressParts("", "po box " + " ".join(street[1:]), unit)
    if street and street[0][0].isdigit() and not _ORDINAL_RE.match(street[0]):
        return AddressParts(street[0], " ".join(street[1:]), unit)
    return AddressParts("", " ".join(street), unit)


def format_address(parts: AddressParts) -> str:
    """The stored form of :class:`AddressParts`: ``"<number> <street> # <unit>"``."""
    line = f"{parts.number} {parts.street}".strip()
    if parts.unit:
        return f"{line} # {parts.unit}" if line else f"# {parts.unit}"
    return line


def normalize_address(text: str | None) -> str:
    """One string for the ``address_norm`` column (see :func:`_normalize_address`); each distinct line is parsed
    once per process (account books and directories repeat their lines: chains, office towers, duplicates)."""
    if not text:
        return ""
    return _normalize_address(text)


@lru_cache(maxsize=1 << 18)
def _normalize_address(text: str) -> str:
    """One string for the ``address_norm`` column: ``"1100 13th st nw # 800"``.

    Lower case, USPS suffixes and directionals abbreviated (Street -> st, West -> w), unit designators
    (Suite, Ste, #, Unit, Fl, Bldg, ...) reduced to ``" # <id>"`` at the end; a city/state/ZIP tail dropped when
    scourgify recognizes it. :func:`split_address` reads the parts back without parsing again.
    """
    return format_address(parse_address(text))


def split_address(address_norm: str) -> AddressParts:
    """Parts of a stored ``address_norm`` (cheap string split, no parsing)."""
    if not address_norm:
        return AddressParts("", "", "")
    line, _, unit = address_norm.partition(" # ")
    if line.startswith("# "):
        line, unit = "", line[2:]
    number, _, street = line.partition(" ")
    if number and number[0].isdigit() and not _ORDINAL_RE.match(number):
        return AddressParts(number, street, unit)
    return AddressParts("", line, unit)


# --------------------------------------------------------------------------------------------------------------
# City, state, ZIP
# --------------------------------------------------------------------------------------------------------------

US_STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA", "colorado": "CO",
    "connecticut": "CT", "delaware": "DE", "district of columbia": "DC", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS",
    "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD", "massachusetts": "MA",
    "michigan": "MI", "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
    "nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM",
    "new york": "NY", "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
    "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY", "puerto rico": "PR", "guam": "GU",
    "virgin islands": "VI", "american samoa": "AS", "northern mariana islands": "MP",
}  # fmt: skip
US_STATE_CODES = frozenset(US_STATES.values())

#: Words abbreviated the same way on both sides ("Saint Louis" = "St. Louis", "Fort Worth" = "Ft Worth").
CITY_WORDS = {"saint": "st", "sainte": "ste", "fort": "ft", "mount": "mt", "mt": "mt", "township": "twp"}

#: Common aliases of one city (not neighbourhoods: those are different places to a ZIP-less matcher).
CITY_ALIASES = {
    "la": "los angeles",
    "nyc": "new york",
    "new york city": "new york",
    "ny": "new york",
    "sf": "san francisco",
    "washington dc": "washington",
    "dc": "washington",
}

_CITY_TOKEN_RE = re.compile(r"[a-z0-9]+")
_ZIP_RE = re.compile(r"(?<!\d)(\d{5})(?:-?\d{4})?(?!\d)")


def normalize_state(text: str | None) -> str:
    """Two-letter USPS code from a code or a full name (``"Virginia"`` -> ``"VA"``); "" when unknown."""
    if not text:
        return ""
    t = _fold(text).strip(" .,")
    if len(t) == 2 and t.upper() in US_STATE_CODES:
        return t.upper()
    return US_STATES.get(" ".join(_CITY_TOKEN_RE.findall(t)), "")


@lru_cache(maxsize=1 << 14)
def normalize_city(text: str | None, state: str | None = None) -> str:
    """Lower case city words with Saint/Fort/Mount abbreviated and a few aliases resolved (``LA``).

    A trailing state ("Richmond, VA", or "Ringgold VA" when ``state="VA"`` is given) is dropped.
    """
    if not text:
        return ""
    t = _fold(text)
    head, sep, tail = t.rpartition(",")
    if sep and normalize_state(tail) and head.strip():
        t = head
    tokens = _CITY_TOKEN_RE.findall(t)
    if state and len(tokens) > 1 and tokens[-1] == state.strip().lower():
        tokens.pop()
    tokens = [CITY_WORDS.get(tok, tok) for tok in tokens]
    city = " ".join(tokens)
    return CITY_ALIASES.get(city, city)


def zip5(value: object) -> str:
    """Five-digit ZIP from ``"20032-1501"``, ``"101790001"``, ``6902`` (an Excel number) or ``"VA 22101"``."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value))
        if len(value) <= 5:
            return value.zfill(5)
        if len(value) <= 9:
            return value.zfill(9)[:5]
        return ""
    text = str(value).strip()
    found = _ZIP_RE.findall(text)
    if found:
        return found[-1]
    if text.isdigit() and 3 <= len(text) <= 4:
        return text.zfill(5)
    return ""


_US_ZIP_RE = re.compile(r"(?<![\d-])(\d{5})(?:-?\d{4})?(?![\d-])")
#: Canadian postcodes use 20 of the 26 letters (no D, F, I, O, Q, U; no W or Z first).
_CA_POSTCODE_RE = re.compile(r"\b([abceghj-nprstvxy]\d[abceghj-nprstv-z])\s?(\d[abceghj-nprstv-z]\d)\b")
_UK_POSTCODE_RE = re.compile(r"\b([a-z]{1,2}\d[a-z\d]?)\s?(\d[abd-hjlnp-uw-z]{2})\b")
_TAIL_ZIP_RE = re.compile(r"(?:^|[\s,])(?:[a-z]{2}\s+)?(\d{5})(?:-\d{4})?\s*$")


def postcode(value: object) -> str:
    """A postcode in one spelling, whatever the country: US ZIP or ZIP+4 -> ``"15203"``, Canadian
    ``"m5v2t6"`` -> ``"M5V 2T6"``, UK ``"eh1 1aa"`` -> ``"EH1 1AA"``; "" when none is recognized.

    Two records agree on the postcode when these strings are equal (a ZIP never equals a Canadian code).
    """
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return zip5(value)
    text = _fold(str(value)).strip()
    if not text:
        return ""
    m = _CA_POSTCODE_RE.search(text)
    if m:
        return f"{m.group(1)} {m.group(2)}".upper()
    m = _UK_POSTCODE_RE.search(text)
    if m:
        return f"{m.group(1)} {m.group(2)}".upper()
    return zip5(text)


def address_postcode(text: str | None) -> str:
    """The postcode written at the end of an address line, after the street ("15 Romolo Pl, San Francisco,
    CA 94133", "123 Queen St W, Toronto, ON M5V 2T6", "1 Princes St, Edinburgh EH1 1AA"), or "".

    Only the parts after the first comma are read, so a five-digit house number is never taken for a ZIP.
    """
    if not text or "," not in text:
        return ""
    tail = _fold(text).split(",", 1)[1]
    m = _CA_POSTCODE_RE.search(tail) or _UK_POSTCODE_RE.search(tail)
    if m:
        return f"{m.group(1)} {m.group(2)}".upper()
    m = _TAIL_ZIP_RE.search(tail)
    return m.group(1) if m else ""
