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
        lines += wrap(f"- {label}, score {_score(e['score'])}: {sentence}", indent)
        if e.get("source_url"):  # never broken: a terminal makes the whole URL clickable
            lines += wrap(f"source: {e['source']} {e['source_url']}", indent + "  ")
    return lines


def terminal_width() -> int:
    """The width text is wrapped to: COLUMNS when set, else the terminal's (80 for a pipe); at least 40."""
    return max(40, shutil.get_terminal_size().columns)


def wrap(text: str, indent: str, hanging: str = "  ") -> list[str]:
    """Wrap to the terminal, continuation lines indented under the text; a URL is never broken (one longer
    than the line stands alone on its own)."""
    return textwrap.wrap(
        text,
        width=terminal_width(),
        initial_indent=indent,
        subsequent_indent=indent + hanging,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _pack(parts: list[str], indent: str = "", gap: str = "  ") -> list[str]:
    """Fields side by side, ``gap`` apart, onto as few lines as the terminal allows; a field never split
    across lines unless it is wider than a line on its own (then it is wrapped)."""
    width = terminal_width()
    lines: list[str] = []
    line = ""
    for part in parts:
        if line and len(line) + len(gap) + len(part) <= width:
            line += gap + part
            continue
        if line:
            lines.append(line)
        start = indent if not lines else indent + "  "
        if len(start) + len(part) > width:
            wrapped = wrap(part, start)
            lines += wrapped[:-1]
            line = wrapped[-1] if wrapped else start
        else:
            line = start + part
    if line:
        lines.append(line)
    return lines


def print_lines(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


def print_card(card: dict[str, Any]) -> None:
    """The card at the terminal's width: fields packed onto lines, long text wrapped with a hanging indent."""
    a = card["account"]
    follow_up = _fmt(card["follow_up"]) + (f" {card['follow_up_time']}" if card.get("follow_up_time") else "")
    lines = _pack(
        [
            f"Lead {card['lead']}",
            card["status"],
            f"owner: {_fmt(card['owner'])}",
            f"priority {card['priority']}",
            f"score {_score(card['score'])}",
            f"version {card['version']}",
            f"follow-up {follow_up}",
        ]
    )
    if card.get("flagged_closing"):
        lines += wrap("! This account is itself closing: do not prospect it.", "  ")
    lines += wrap(f"Account {a['id']}: {a['name']}", "", "    ")
    place = f"{_fmt(a['address'])}, {_fmt(a['city'])} {_fmt(a['state'])} {_fmt(a['zip'])}"
    lines += _pack([place, f"phone {_fmt(a['phone'])}"], "  ", " " * 3)
    extra = ["DO NOT CONTACT"] if a["do_not_contact"] else []
    lines += _pack([f"industry {_fmt(a['industry'])}", f"incumbent vendor {_fmt(a['incumbent_vendor'])}", *extra],
                   "  ", " " * 3)  # fmt: skip
    lines.append("Why it is a lead:")
    if not card["evidence"]:
        lines.append("  (no evidence recorded)")
    lines += evidence_lines(card["evidence"], a)
    lines.append("History:")
    if not card["history"]:
        lines.append("  (none)")
    for h in card["history"]:
        change = f" {h['from'] or '-'} → {h['to'] or '-'}" if (h["from"] or h["to"]) else ""
        note = f"  “{h['note']}”" if h["note"] else ""
        lines += wrap(f"{_fmt(h['at'])}  {h['who']}  {h['action']}{change}{note}", "  ", "    ")
    print_lines(lines)
