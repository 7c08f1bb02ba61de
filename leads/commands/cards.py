"""Printing a lead's evidence card as text: the account, the closures behind it, the history."""

from __future__ import annotations

from typing import Any

import click


def _fmt(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if hasattr(value, "isoformat"):
        return value.isoformat()[:16].replace("T", " ")
    return str(value)


def print_card(card: dict[str, Any]) -> None:
    a = card["account"]
    echo = click.echo
    echo(
        f"Lead {card['lead']}  {card['status']}  owner: {_fmt(card['owner'])}  priority {card['priority']}  "
        f"score {card['score']}  version {card['version']}  follow-up {_fmt(card['follow_up'])}"
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
    for e in card["evidence"]:
        echo(
            f"  - {e['kind']} (score {e['score']}): {e['closed_business']} [{e['source']}, {e['notice_type']}]"
            f" notice {_fmt(e['notice_date'])}, effective {_fmt(e['effective_date'])},"
            f" {_fmt(e['employees'])} employees, {_fmt(e['city'])} {_fmt(e['state'])}"
        )
        for key, value in (e.get("matched") or {}).items():
            echo(f"      {key}: {value}")
        echo(f"      source: {e['source_url']}")
    echo("History:")
    if not card["history"]:
        echo("  (none)")
    for h in card["history"]:
        change = f" {h['from'] or '-'} → {h['to'] or '-'}" if (h["from"] or h["to"]) else ""
        note = f"  “{h['note']}”" if h["note"] else ""
        echo(f"  {_fmt(h['at'])}  {h['who']}  {h['action']}{change}{note}")
