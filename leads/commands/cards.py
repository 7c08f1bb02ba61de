"""Printing a lead's evidence card as text: the account, the closures behind it (as sentences), the history."""

from __future__ import annotations

import shutil
import textwrap
from typing import Any

import click

from leads.evidence_text import evidence_sentence

KIND_LABELS = {
    "vendor_closed": "vendor closed",
    "account_closing": "account closing",
    "competitor_nearby": "competitor closed nearby",
    "customer_of_closed": "creditor of a liquidation",
}


def _fmt(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if hasattr(value, "isoformat"):
        return value.isoformat()[:16].replace("T", " ")
    return str(value)


def _score(value: Any) -> str:
    return f"{value:.0f}" if isinstance(value, (int, float)) else _fmt(value)


def evidence_lines(evidence: list[dict[str, Any]], account: dict[str, Any] | None, indent: str = "  ") -> list[str]:
    """Each piece of evidence as '- kind, score N: sentence' with its source below; a notice already said
    (the same sentence from the same source) is listed once."""
    lines: list[str] = []
    seen: set[tuple[str, str]] = set()
    for e in evidence:
        sentence = evidence_sentence(e["kind"], e.get("matched"), e, account)
        key = (sentence, e.get("source") or "")
        if key in seen:
            continue
        seen.add(key)
        label = KIND_LABELS.get(e["kind"], e["kind"].replace("_", " "))
        lines += _wrap(f"- {label}, score {_score(e['score'])}: {sentence}", indent)
        if e.get("source_url"):  # one line, never broken: a terminal makes the whole URL clickable
            lines.append(f"{indent}  source: {e['source']} {e['source_url']}")
    return lines


def _wrap(text: str, indent: str) -> list[str]:
    """Wrap to the terminal (COLUMNS when set), continuation lines under the text; URLs are never broken."""
    width = max(40, shutil.get_terminal_size().columns)
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def print_lines(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


def print_card(card: dict[str, Any]) -> None:
    a = card["account"]
    echo = click.echo
    echo(
        f"Lead {card['lead']}  {card['status']}  owner: {_fmt(card['owner'])}  priority {card['priority']}  "
        f"score {_score(card['score'])}  version {card['version']}  follow-up {_fmt(card['follow_up'])}"
        + (f" {card['follow_up_time']}" if card.get("follow_up_time") else "")
    )
    if card.get("flagged_closing"):
        echo("  ! This account is itself closing: do not prospect it.")
    echo(f"Account {a['id']}: {a['name']}")
    echo(f"  {_fmt(a['address'])}, {_fmt(a['city'])} {_fmt(a['state'])} {_fmt(a['zip'])}   phone {_fmt(a['phone'])}")
    echo(
        f"  industry {_fmt(a['industry'])}   incumbent vendor {_fmt(a['incumbent_vendor'])}"
        + ("   DO NOT CONTACT" if a["do_not_contact"] else "")
    )
    echo("Why it is a lead:")
    if not card["evidence"]:
        echo("  (no evidence recorded)")
    for line in evidence_lines(card["evidence"], a):
        echo(line)
    echo("History:")
    if not card["history"]:
        echo("  (none)")
    for h in card["history"]:
        change = f" {h['from'] or '-'} → {h['to'] or '-'}" if (h["from"] or h["to"]) else ""
        note = f"  “{h['note']}”" if h["note"] else ""
        echo(f"  {_fmt(h['at'])}  {h['who']}  {h['action']}{change}{note}")
