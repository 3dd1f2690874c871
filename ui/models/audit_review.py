"""The audit log's words for review actions: redactions, protected names, charges, tags,
user-defined offences and suggestions.

Summaries say what was done, to how many and where ("Approved 3 redactions (set defence
disclosure)", "Tagged 2 items: Harassment s.2 · element 1"). They are built from audit
payloads alone, which name ids, reasons and states but never the text a redaction covers;
a protected term's label and spellings are not repeated either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.errors import EvidenceError
from app.model import AuditRow
from app.tagging.library import load_library
from ui import display

Payload = Mapping[str, Any]

ACTIONS = {
    "redaction.add": "Redactions added",
    "redaction.delete": "Redactions deleted",
    "redaction.restore": "Redactions restored",
    "redaction.review": "Redactions reviewed",
    "redaction.edit": "Redaction edited",
    "redaction.set.create": "Redaction set created",
    "redaction.set.delete": "Redaction set removed",
    "protected_term.add": "Protected name added",
    "protected_term.remove": "Protected name removed",
    "charge.add": "Charge added",
    "charge.remove": "Charge removed",
    "charge.restore": "Charge restored",
    "charge.edit": "Charge edited",
    "offence.add": "Offence defined",
    "offence.remove": "Offence removed",
    "custom_offence.add": "Offence defined",
    "custom_offence.remove": "Offence removed",
    "tag.add": "Tagged",
    "tag.remove": "Untagged",
    "suggestion.reject": "Suggestions rejected",
    "suggestion.unreject": "Suggestions restored",
    "suggestions.reject": "Suggestions rejected",
    "suggestions.unreject": "Suggestions restored",
}
"""The Action column's words for these actions."""


def _n(value: object) -> int:
    """How many: a list's length, or a number."""
    if isinstance(value, list | tuple):
        return len(value)
    return int(value) if isinstance(value, int | float) else 0


def _sets(p: Payload) -> str:
    names = p.get("sets") or ([p["set"]] if p.get("set") else [])
    if not names:
        return ""
    word = "set" if len(names) == 1 else "sets"
    return f" ({word} {', '.join(map(str, names))})"


def _reasons(p: Payload) -> str:
    reasons = p.get("reasons") or []
    return f": {', '.join(map(str, reasons))}" if reasons else ""


def _redactions(p: Payload) -> str:
    """ "3 redactions on 2 items"."""
    text = display.plural(_n(p.get("ids")), "redaction")
    items = _n(p.get("items"))
    return f"{text} on {display.plural(items, 'item')}" if items else text


def element_name(element_id: object) -> str:
    """An element as people name it: "Harassment s.2 · element 1" (or its id if unknown)."""
    try:
        offence, element = load_library().find_element(str(element_id))
    except EvidenceError:
        return str(element_id)
    if element.identity:
        return f"{offence.short_name} · identity"
    return f"{offence.short_name} · element {offence.elements.index(element) + 1}"


def _where(geometry: object) -> str:
    """ " (a span of the text)", " (a region of page 2)" or "" for whole items."""
    if not isinstance(geometry, Sequence) or len(geometry) != 7:
        return ""
    page, x0, *_rest, start, _end = geometry
    if start is not None:
        return " (a span of the text)"
    if x0 is not None:
        return f" (a region of page {page})" if page else " (a region)"
    return ""


# -- redactions -------------------------------------------------------------------------------


def _redaction_add(p: Payload) -> str:
    verb = "Approved" if p.get("state") == "approved" else "Proposed"
    return f"{verb} {_redactions(p)}{_sets(p)}{_reasons(p)}"


def _redaction_delete(p: Payload) -> str:
    return f"Deleted {_redactions(p)}{_sets(p)}{_reasons(p)}"


def _redaction_restore(p: Payload) -> str:
    return f"Restored {_redactions(p)}{_sets(p)}{_reasons(p)}"


def _redaction_review(p: Payload) -> str:
    if p.get("undo"):
        n = display.plural(_n(p.get("ids")), "redaction")
        return f"Put {n} back to their previous review"
    verb = {"approved": "Approved", "rejected": "Rejected"}.get(str(p.get("state")))
    if verb is None:
        return f"Sent {_redactions(p)} back to proposed{_sets(p)}"
    return f"{verb} {_redactions(p)}{_sets(p)}{_reasons(p)}"


def _redaction_edit(p: Payload) -> str:
    reason = p.get("reason")
    if p.get("undo"):
        return f"Redaction #{p.get('id', '?')}: reason back to {reason}"
    parts = []
    if isinstance(reason, list) and len(reason) == 2 and reason[0] != reason[1]:
        parts.append(f"reason {reason[0]} → {reason[1]}")
    if p.get("note_changed"):
        parts.append("note changed")
    return f"Redaction #{p.get('id', '?')}: {'; '.join(parts) or 'unchanged'}"


def _set_create(p: Payload) -> str:
    return f"Created redaction set “{p.get('set', '')}”"


def _set_delete(p: Payload) -> str:
    return f"Removed the empty redaction set “{p.get('set', '')}”"


def _term_add(p: Payload) -> str:
    if p.get("undo"):
        return f"Restored protected name #{p.get('id', '?')}"
    spellings = display.plural(_n(p.get("spellings")), "spelling")
    return f"Added protected name #{p.get('id', '?')}: {spellings}, reason {p.get('reason', '?')}"


def _term_remove(p: Payload) -> str:
    return f"Removed protected name #{p.get('id', '?')}"


# -- charges and offences ---------------------------------------------------------------------


def _offence_name(offence_id: object) -> str:
    try:
        return load_library().get(str(offence_id)).short_name
    except EvidenceError:
        return str(offence_id)


def _charge_add(p: Payload) -> str:
    name = _offence_name(p.get("offence_id"))
    return f"Charge {p.get('charge_id', '?')}: {name}, {p.get('from', '?')} to {p.get('to', '?')}"


def _charge_remove(p: Payload) -> str:
    name = f" ({_offence_name(p['offence_id'])})" if p.get("offence_id") else ""
    tags = display.plural(_n(p.get("tags")), "tag")
    return f"Removed charge {p.get('charge_id', '?')}{name} and its {tags}"


def _charge_restore(p: Payload) -> str:
    tags = display.plural(_n(p.get("tags")), "tag")
    return f"Restored charge {p.get('charge_id', '?')} with its {tags}"


def _charge_edit(p: Payload) -> str:
    before, after = p.get("before") or {}, p.get("after") or {}
    parts = []
    dates = ("from_date", "to_date")
    if any(before.get(k) != after.get(k) for k in dates):
        parts.append(
            f"dates {before.get('from_date')} – {before.get('to_date')} → "
            f"{after.get('from_date')} – {after.get('to_date')}"
        )
    if before.get("note") != after.get("note"):
        parts.append("note changed")
    return f"Charge {p.get('charge_id', '?')}: {'; '.join(parts) or 'unchanged'}"


def _offence_add(p: Payload) -> str:
    data = p.get("data")
    if not isinstance(data, Mapping):
        data = {}
    name = data.get("short_name") or data.get("name") or ""
    elements = data.get("elements")
    count = f", {display.plural(len(elements), 'element')}" if isinstance(elements, list) else ""
    return f"{p.get('offence_id', '?')}: {name}{count}".rstrip(": ")


def _offence_remove(p: Payload) -> str:
    return f"Removed offence {p.get('offence_id', '?')}"


# -- tags and suggestions ---------------------------------------------------------------------


def _tag_add(p: Payload) -> str:
    if p.get("suggestions") is not None:
        n = _n(p.get("suggestions"))
        items = len({s[0] for s in p["suggestions"] if isinstance(s, list) and s})
        return f"Accepted {display.plural(n, 'suggested tag')} on {display.plural(items, 'item')}"
    if p.get("element_id") is None:
        tags, items = _n(p.get("tags")), _n(p.get("items"))
        return f"Restored {display.plural(tags, 'tag')} on {display.plural(items, 'item')}"
    items = _n(p.get("items"))
    text = f"Tagged {display.plural(items, 'item')}: {element_name(p['element_id'])}"
    text += _where(p.get("geometry"))
    if p.get("skipped"):
        text += f", {p['skipped']} already tagged"
    return text


def _tag_remove(p: Payload) -> str:
    tags = display.plural(_n(p.get("tags")), "tag")
    if p.get("origin") == "suggestion":
        return f"Removed {display.plural(_n(p.get('tags')), 'suggested tag')}"
    items = display.plural(_n(p.get("items")), "item")
    if p.get("element_id"):
        return f"Untagged {items}: {element_name(p['element_id'])} ({tags})"
    return f"Removed {tags} of {items}"


def _suggestion_reject(p: Payload) -> str:
    return f"Rejected {display.plural(_n(p.get('suggestions')), 'suggestion')}"


def _suggestion_unreject(p: Payload) -> str:
    return f"Brought back {display.plural(_n(p.get('suggestions')), 'rejected suggestion')}"


SUMMARIES: dict[str, Callable[[Payload], str]] = {
    "redaction.add": _redaction_add,
    "redaction.delete": _redaction_delete,
    "redaction.restore": _redaction_restore,
    "redaction.review": _redaction_review,
    "redaction.edit": _redaction_edit,
    "redaction.set.create": _set_create,
    "redaction.set.delete": _set_delete,
    "protected_term.add": _term_add,
    "protected_term.remove": _term_remove,
    "charge.add": _charge_add,
    "charge.remove": _charge_remove,
    "charge.restore": _charge_restore,
    "charge.edit": _charge_edit,
    "offence.add": _offence_add,
    "offence.remove": _offence_remove,
    "custom_offence.add": _offence_add,
    "custom_offence.remove": _offence_remove,
    "tag.add": _tag_add,
    "tag.remove": _tag_remove,
    "suggestion.reject": _suggestion_reject,
    "suggestion.unreject": _suggestion_unreject,
    "suggestions.reject": _suggestion_reject,
    "suggestions.unreject": _suggestion_unreject,
}


def review_summary(row: AuditRow) -> str | None:
    """One line for a review action's entry; None for other actions.

    An undone or redone step says so at the end; a payload of an unexpected shape falls
    back to its keys and values rather than failing the view.
    """
    said = SUMMARIES.get(row.action)
    if said is None:
        return None
    p = row.payload
    try:
        text = said(p)
    except (KeyError, TypeError, ValueError, AttributeError):
        return ", ".join(f"{k}: {v}" for k, v in p.items())
    if p.get("undo") and not text.endswith("(undo)"):
        text += " (undo)"
    elif p.get("redo"):
        text += " (redo)"
    return text
