"""Creditors of a liquidating business as affected parties: the fourth link kind, ``customer_of_closed``.

A chapter 7 notice whose claims register was read carries its business creditors in ``raw["creditors"]``
(name and address; spiders/bankruptcy_us.py keeps business creditors only, leads/debtors.py). Each creditor is
matched to the account book by name and address the way an account is matched to a closing site (the
matcher's ``account_closing`` pass over creditor records), and a link found becomes ``customer_of_closed``
on the chapter 7 notice: the account lost a customer that owed it money. Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from leads.debtors import BUSINESS, classify_debtor

#: Notice types whose creditors are affected parties (a liquidation: the business is gone).
CREDITOR_NOTICE_TYPES = ("bankruptcy_ch7",)
KIND = "customer_of_closed"


@dataclass(frozen=True)
class Creditor:
    """One creditor of one notice: the position in the notice's list and what matching reads."""

    notice_id: Any
    index: int
    name: str
    address: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None


def creditors_of(notice_id: Any, notice_type: str | None, raw: Mapping[str, Any] | None) -> list[Creditor]:
    """The business creditors stored with a chapter 7 notice (none for another type or no claims register).

    A name is checked again here: a row written by an older parser, or by hand, is never matched on a person's name.
    """
    if notice_type not in CREDITOR_NOTICE_TYPES or not isinstance(raw, Mapping):
        return []
    out = []
    for i, party in enumerate(raw.get("creditors") or []):
        if not isinstance(party, Mapping) or not party.get("name"):
            continue
        verdict = classify_debtor(str(party["name"]))
        if verdict.kind != BUSINESS or verdict.business_name is None:
            continue
        out.append(
            Creditor(
                notice_id,
                i,
                verdict.business_name,
                *(str(party[k]) if party.get(k) else None for k in ("address", "city", "state", "zip")),
            )
        )
    return out


def creditor_records(creditors: Iterable[Creditor]) -> tuple[list[Any], dict[int, Creditor]]:
    """Matcher records for the creditors (ids 0..n-1) and the creditor behind each id."""
    from leads.matching import notice_record

    records, behind = [], {}
    for i, c in enumerate(creditors):
        records.append(notice_record(i, c.name, address=c.address, city=c.city, state=c.state, zip=c.zip))
        behind[i] = c
    return records, behind


def customer_links(links: Iterable[Any], behind: Mapping[int, Creditor]) -> list[Any]:
    """The matcher's name + address links of creditor records, as ``customer_of_closed`` links on their notices.

    The evidence says which creditor agreed (``creditor``) beside the name and address agreement.
    """
    best: dict[tuple[Any, Any], Any] = {}
    for link in links:
        if link.kind != "account_closing":
            continue
        c = behind[link.notice_id]
        evidence = dict(link.evidence)
        evidence["notice_type"] = CREDITOR_NOTICE_TYPES[0]
        evidence["creditor"] = {"name": c.name, "address": c.address, "city": c.city, "state": c.state, "zip": c.zip}
        key = (c.notice_id, link.account_id)
        if key not in best or link.score > best[key].score:  # one link per notice and account: its best creditor
            best[key] = replace(link, notice_id=c.notice_id, kind=KIND, evidence=evidence)
    return list(best.values())
