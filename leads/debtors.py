"""Is a bankruptcy debtor a business or a person? Pure rules on the name a court publishes.

A person's bankruptcy is personal data a sales team has no business keeping, so only a name with
positive evidence of a business is kept: a legal form (Inc., LLC, Ltd., L.P., GmbH...), a "d/b/a"
trade name, an organization word (association, partners, holdings, station...), a digit (people's
names have none: "30th Street Service Station"), or a shape no person's name has. Everything else is personal: a name shaped like a person's (given names, initials, a surname,
"Jr."; couples joined by "and") is dropped, and so is a name with no evidence either way.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from leads.normalize import GENERIC_WORDS, LEGAL_FORMS_ANYWHERE, LEGAL_FORMS_AT_END, LEGAL_LONG_FORMS

#: Words that name an organization, not a person: the shared generic business words (leads/normalize.py)
#: and a few more kinds of enterprise that debtors often are. English vocabulary, not names from a feed.
ORGANIZATION_WORDS = frozenset(
    w
    for w in GENERIC_WORDS
    if len(w) > 2 and w not in {"the", "and", "for", "from", "with", "los", "las", "les", "del", "das", "der"}
) | frozenset(
    """
    associates partners partnership industries industry energy foods food stores station plan hospital
    children technologies technology capital properties property realty investments investors ventures
    motors auto automotive products manufacturing supply supplies logistics transport trucking leasing
    partners communications media entertainment pharmaceuticals pharmacy clinic laboratories labs
    bank bancorp financial finance insurance mortgage partners resources mining oil gas power solar
    electric utilities airlines hotel hotels resorts casino restaurants bakery farms farm dairy ranch
    apparel fashions textiles furniture hardware electronics software studios productions publishing
    consulting contractors builders development developers homes apartments estates condominium
    accessories liquidating trust
    """.split()
)

#: Generational and professional suffixes that end a person's name.
PERSONAL_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "md", "esq", "phd", "dds", "cpa"})

_LEGAL_FORMS = LEGAL_FORMS_ANYWHERE | (LEGAL_FORMS_AT_END - {"the", "us", "usa", "as", "se", "sc", "pa", "nl", "cv"})
_LONG_FORM_RE = re.compile(r"\b(" + "|".join(sorted(LEGAL_LONG_FORMS, key=len, reverse=True)) + r")\b", re.I)
#: "d/b/a", "dba", "d.b.a.", "doing business as", "t/a", "trading as", "a/k/a" (an alias naming a trade name).
_DBA_RE = re.compile(
    r"\b(?:d\s*/\s*b\s*/\s*a|d\.\s*b\.\s*a\.?|dba|doing\s+business\s+as|t\s*/\s*a|trading\s+as)\b\.?", re.I
)
_ET_AL_RE = re.compile(r",?\s*\bet\s+al\b\.?,?", re.I)
#: One word of a person's name: a capitalized word (O'Brien, McLean, Hernandez-Grullon, D'Arata) or an initial.
_NAME_WORD_RE = re.compile(r"^(?:[A-Z][a-z]*(?:['\-][A-Z]?[a-z]+)*|[A-Z][a-z]+[A-Z][a-z]+|[A-Z]\.?)$")

BUSINESS = "business"
PERSONAL = "personal"


@dataclass(frozen=True)
class Debtor:
    """The verdict on one debtor name: ``kind`` is business or personal; ``why`` says which rule decided.

    ``business_name`` is what may be stored: the whole name for a company, only the trade name for a
    person trading under one ("Jane Roe d/b/a Roe Bakery" -> "Roe Bakery"), None for a person.
    """

    kind: str
    why: str
    business_name: str | None = None


def clean_debtor_name(text: str) -> str:
    """The name as a person reads it: HTML entities undone (feeds escape twice), spaces collapsed, "et al." and
    the trailing commas of a truncated title dropped."""
    name = html.unescape(html.unescape(text or ""))
    name = _ET_AL_RE.sub("", name)
    return " ".join(name.split()).strip(" ,;")


def business_evidence(name: str) -> str | None:
    """Why this name is an organization's, or None when nothing in it says so."""
    if _DBA_RE.search(name):
        return "trades under a d/b/a name"
    if _LONG_FORM_RE.search(name):
        return "names a legal form"
    raw_tokens = re.findall(r"[A-Za-z0-9][A-Za-z0-9.&']*", name)
    tokens = [t.lower().replace(".", "") for t in raw_tokens]
    # Dotted or spaced legal forms: "L.L.C.", "L P".
    joined_pairs = {a + b for a, b in zip(tokens, tokens[1:], strict=False) if len(a) == 1 and len(b) == 1}
    for tok in [*tokens, *joined_pairs]:
        if tok in LEGAL_FORMS_ANYWHERE:
            return f"names a legal form ({tok})"
    if tokens and tokens[-1] in _LEGAL_FORMS:
        return f"ends in a legal form ({tokens[-1]})"
    for tok in tokens[:-1]:
        if tok in {"corporation", "company", "limited", "co", "lp"}:
            return f"names a legal form ({tok})"
    if any(ch.isdigit() for ch in name):
        return "has a number in it (a person's name has none)"
    for tok in tokens:
        if tok in ORGANIZATION_WORDS or (tok.endswith("s") and tok[:-1] in ORGANIZATION_WORDS):
            return f"has an organization word ({tok})"
    if "&" in name and not re.search(r"\b(?:and|&)\b\s+[A-Z][a-z]+\s+[A-Z]", name):
        return "joins names with & (a firm)"
    return None


def personal_shape(name: str) -> bool:
    """Shaped like one or two people's names: 2 to 5 capitalized words or initials each, joined by "and"."""
    people = re.split(r"\s+(?:and|&)\s+", name)
    if len(people) > 2:
        return False
    for person in people:
        words = [w for w in person.replace(",", " ").split() if w.lower().strip(".") not in PERSONAL_SUFFIXES]
        if not 1 <= len(words) <= 5:
            return False
        if not all(_NAME_WORD_RE.match(w) for w in words):
            return False
        if sum(1 for w in words if len(w.strip(".")) > 1) < 1:
            return False
    # One person needs a given name and a surname; a partner may share the surname ("Jack and Mazie Pinnock").
    return len(people[0].split()) >= 2 or len(people) == 2


def classify_debtor(text: str) -> Debtor:
    """Business or personal, with the rule that decided and the name that may be stored."""
    name = clean_debtor_name(text)
    if not name:
        return Debtor(PERSONAL, "no debtor name")
    parts = _DBA_RE.split(name, maxsplit=1)
    if len(parts) == 2:
        owner, trade = (p.strip(" ,;") for p in parts)
        if owner and business_evidence(owner) is None and trade:
            # A sole proprietor: the person's name is never kept, the business they trade as is.
            return Debtor(BUSINESS, "a person trading under a d/b/a name (only the trade name is kept)", trade)
        return Debtor(BUSINESS, "trades under a d/b/a name", name)
    why = business_evidence(name)
    if why is not None:
        return Debtor(BUSINESS, why, name)
    if personal_shape(name):
        return Debtor(PERSONAL, "shaped like a person's name")
    return Debtor(PERSONAL, "nothing in the name says business (dropped to be safe)")
