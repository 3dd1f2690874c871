"""The audit log's words for attribution decisions; ui/models/audit_review.py merges them
into its tables of actions and summaries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ui import display

Payload = Mapping[str, Any]

ACTIONS = {
    "attribution.propose": "Links proposed",
    "attribution.accept": "Link accepted",
    "attribution.reject": "Link rejected",
    "attribution.attribute": "Account attributed",
    "attribution.detach": "Account detached",
    "attribution.undo": "Attribution undone",
}


def _pair(p: Payload) -> str:
    accounts = p.get("accounts") or []
    return " ↔ ".join(map(str, accounts)) if accounts else "?"


def _propose(p: Payload) -> str:
    added, updated = len(p.get("added") or []), len(p.get("updated") or [])
    text = f"Proposed {display.plural(added, 'link')} between accounts"
    return text + (f", {updated} updated" if updated else "")


def _accept(p: Payload) -> str:
    tags = display.plural(len(p.get("tags") or []), "identity tag")
    return f"Accepted link #{p.get('link_id', '?')} ({_pair(p)}): {tags}"


def _reject(p: Payload) -> str:
    removed = len(p.get("tags_removed") or [])
    extra = f", {display.plural(removed, 'tag')} removed" if removed else ""
    return f"Rejected link #{p.get('link_id', '?')} ({_pair(p)}){extra}"


def _attribute(p: Payload) -> str:
    tags = display.plural(len(p.get("tags") or []), "identity tag")
    return f"Attributed {p.get('account', '?')} to person #{p.get('person_id', '?')}: {tags}"


def _detach(p: Payload) -> str:
    return f"Took {p.get('account', '?')} away from person #{p.get('was', '?')}"


def _undo(p: Payload) -> str:
    if "link_id" in p:
        return f"Link #{p['link_id']} back to {p.get('state', '?')}"
    person = p.get("person_id")
    return f"{p.get('account', '?')} back to " + (f"person #{person}" if person else "nobody")


SUMMARIES = {
    "attribution.propose": _propose,
    "attribution.accept": _accept,
    "attribution.reject": _reject,
    "attribution.attribute": _attribute,
    "attribution.detach": _detach,
    "attribution.undo": _undo,
}
