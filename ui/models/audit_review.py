"""The audit log's words for review actions: redactions, protected names, charges, tags,
user-defined offences, suggestions, protective marks, exhibits, material marks, disclosure
packs, presentations, backups and verifications.

Summaries say what was done, to how many and where ("Approved 3 redactions (set defence
disclosure)", "Tagged 2 items: Harassment s.2 · element 1"). They are built from audit
payloads alone, which name ids, reasons and states but never the text a redaction covers;
a protected term's label and spellings, a sensitivity reason, a presenter's notes and what a
failed export's verification found are not repeated either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.errors import EvidenceError
from app.model import AuditRow
from app.tagging.library import load_library
from ui import display
from ui.attribution.audit_words import ACTIONS as ATTRIBUTION_ACTIONS
from ui.attribution.audit_words import SUMMARIES as ATTRIBUTION_SUMMARIES

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
    "tag.add": "Tagged",
    "tag.remove": "Untagged",
    "suggestion.reject": "Suggestions rejected",
    "suggestion.unreject": "Suggestions restored",
    "protect.mark": "Protective mark",
    "protect.unmark": "Protective mark removed",
    "protect.reveal": "Protected image revealed",
    "exhibit.assign": "Exhibit assigned",
    "exhibit.unassign": "Exhibit unassigned",
    "exhibit.remove": "Exhibit removed",
    "exhibit.restore": "Exhibit restored",
    "exhibit.rename": "Exhibit renamed",
    "material.mark": "Material marked",
    "material.unmark": "Material marks restored",
    "export.start": "Export started",
    "export.complete": "Export complete",
    "export.failed": "Export failed",
    "export.cancel": "Export cancelled",
    "present.create": "Presentation created",
    "present.delete": "Presentation deleted",
    "present.steps.add": "Steps added",
    "present.steps.remove": "Steps removed",
    "present.step.move": "Step moved",
    "present.step.edit": "Step edited",
    "present.export": "Presentation exported",
    "case.backup": "Case backed up",
    "case.verify": "Case verified",
    "demo.build": "Demo built",
    "participants.link": "Participants linked",
    "participants.unlink": "Participants unlinked",
    **ATTRIBUTION_ACTIONS,
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


# -- protective marks -------------------------------------------------------------------------

_REVEAL_WHERE = {
    "viewer": "in the viewer",
    "thumbnail": "as a thumbnail",
    "preview": "in a preview",
    "presentation": "in a presentation",
    "export": "in a presentation export",
}


def _near_duplicates(p: Payload) -> str:
    n = _n(p.get("inherited"))
    return f" and {display.plural(n, 'near-duplicate')}" if n else ""


def _protect_mark(p: Payload) -> str:
    images = display.plural(_n(p.get("items")), "image")
    if p.get("undo") or not p.get("kind"):
        return f"Put back the protective mark on {images}"
    return f"Marked {images}{_near_duplicates(p)} {p['kind']}"


def _protect_unmark(p: Payload) -> str:
    images = display.plural(_n(p.get("items")), "image")
    if p.get("undo") and p.get("kind"):
        return f"Took the {p['kind']} mark off {images}"
    return f"Took the protective mark off {images}{_near_duplicates(p)}"


def _protect_reveal(p: Payload) -> str:
    where = _REVEAL_WHERE.get(str(p.get("where")), f"({p.get('where', '?')})")
    kind = str(p.get("kind") or "")
    if not kind:
        return f"Revealed item #{p.get('item', '?')} {where} (no longer marked)"
    heir = " near-duplicate" if p.get("state") == "inherited" else ""
    return f"Revealed a blurred {kind}{heir} image, item #{p.get('item', '?')}, {where}"


# -- exhibits and material marks ----------------------------------------------------------------


def _exhibit(p: Payload) -> str:
    return str(p.get("ref") or f"#{p.get('exhibit_id', '?')}")


def _exhibit_assign(p: Payload) -> str:
    items = display.plural(_n(p.get("items")), "item")
    if p.get("created"):
        return f"Created exhibit {_exhibit(p)} for {items}"
    return f"Gave exhibit {_exhibit(p)} to {items}"


def _exhibit_unassign(p: Payload) -> str:
    items = display.plural(_n(p.get("items")), "item")
    return f"Took exhibit {_exhibit(p)} off {items}"


def _exhibit_remove(p: Payload) -> str:
    items = display.plural(_n(p.get("items")), "item")
    return f"Removed exhibit reference {_exhibit(p)} from {items} (they stay in the case)"


def _exhibit_restore(p: Payload) -> str:
    return f"Restored exhibit {_exhibit(p)}"


def _exhibit_rename(p: Payload) -> str:
    return f"Renamed exhibit {p.get('from', '?')} → {p.get('to', '?')}"


def _material_mark(p: Payload) -> str:
    items = display.plural(_n(p.get("items")), "item")
    what = "sensitive (MG6D)" if p.get("sensitive") else "not sensitive (MG6C)"
    # The reason may itself be sensitive: the log says one was given, not what it says.
    reason = ", with a reason" if p.get("reason") else ""
    return f"Marked {items} {what}{reason}"


def _material_unmark(p: Payload) -> str:
    items = display.plural(_n(p.get("items")), "item")
    return f"Put back the previous sensitivity marks of {items}"


# -- disclosure packs ---------------------------------------------------------------------------


def _folder_name(p: Payload) -> str:
    return str(p.get("folder") or "").replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _refs(refs: object, limit: int = 4) -> str:
    if not isinstance(refs, list | tuple) or not refs:
        return ""
    shown = ", ".join(map(str, refs[:limit]))
    return f" ({shown}{', …' if len(refs) > limit else ''})"


def _export_start(p: Payload) -> str:
    exhibits = display.plural(_n(p.get("exhibits")), "exhibit")
    items = display.plural(_n(p.get("items")), "item")
    text = f"Export {p.get('export_id', '?')} started: {exhibits}{_refs(p.get('exhibits'))}"
    return f"{text}, {items}{_sets(p)}"


def _export_complete(p: Payload) -> str:
    locked = display.plural(_n(p.get("exhibits_locked")), "exhibit")
    text = f"Export {p.get('export_id', '?')} complete: {locked} locked"
    created = p.get("exhibits_created")
    if created:
        text += f", {_n(created)} new{_refs(created)}"
    sha = str(p.get("manifest_sha256") or "")
    if sha:
        text += f"; manifest {sha[:12]}…"
    name = _folder_name(p)
    return f"{text}; folder {name}" if name else text


def _export_failed(p: Payload) -> str:
    # Findings can name what leaked; the log line counts them and never repeats them.
    head = f"Export {p.get('export_id', '?')} failed"
    if p.get("interrupted"):
        return f"{head}: interrupted before it was complete"
    findings = p.get("findings") or []
    wheres = {f[0] for f in findings if isinstance(f, list | tuple) and f}
    if wheres == {"build"}:
        return f"{head}: it could not be built"
    if wheres == {"record"}:
        return f"{head}: it could not be recorded"
    count = p.get("finding_count") or _n(findings)
    return f"{head} verification: {display.plural(int(count), 'problem')}; nothing to release"


def _export_cancel(p: Payload) -> str:
    return f"Export {p.get('export_id', '?')} cancelled before it was complete"


# -- presentations ------------------------------------------------------------------------------


def _presentation(p: Payload) -> str:
    if p.get("name"):
        return f"presentation “{p['name']}”"
    if p.get("presentation_id") is not None:
        return f"presentation #{p['presentation_id']}"
    ids = p.get("presentations") or []
    if len(ids) == 1:
        return f"presentation #{ids[0]}"
    return f"presentations {', '.join(f'#{i}' for i in ids)}" if ids else "a presentation"


def _present_create(p: Payload) -> str:
    if p.get("undo"):
        return f"Brought back {_presentation(p)}"
    steps = display.plural(_n(p.get("items")), "step")
    return f"Created {_presentation(p)} with {steps}{_sets(p)}"


def _present_delete(p: Payload) -> str:
    if p.get("undo"):
        return f"Removed {_presentation(p)}"
    steps = f" and its {display.plural(_n(p['steps']), 'step')}" if "steps" in p else ""
    return f"Deleted {_presentation(p)}{steps}"


def _steps_again(p: Payload, done: str) -> str | None:
    if p.get("undo"):
        return f"Put the steps of {_presentation(p)} back as they were"
    if p.get("redo"):
        return f"{done} again in {_presentation(p)}"
    return None


def _present_steps_add(p: Payload) -> str:
    if (again := _steps_again(p, "Added the steps")) is not None:
        return again
    steps = display.plural(_n(p.get("items")), "step")
    return f"Added {steps} to {_presentation(p)} at position {p.get('at', '?')}"


def _present_steps_remove(p: Payload) -> str:
    if (again := _steps_again(p, "Removed the steps")) is not None:
        return again
    steps = display.plural(_n(p.get("step_ids")), "step")
    return f"Removed {steps} from {_presentation(p)}"


def _present_step_move(p: Payload) -> str:
    if (again := _steps_again(p, "Moved the step")) is not None:
        return again
    return f"Moved a step of {_presentation(p)} from {p.get('from', '?')} to {p.get('to', '?')}"


def _present_step_edit(p: Payload) -> str:
    if (again := _steps_again(p, "Edited the step")) is not None:
        return again
    # The notes are the presenter's words: the log says they changed, not what they say.
    changed = [str(c) for c in p.get("changed") or []]
    what = " and ".join(changed) or "nothing"
    return f"Changed the {what} of step #{p.get('step_id', '?')} of {_presentation(p)}"


def _present_export(p: Payload) -> str:
    pages = display.plural(_n(p.get("steps")), "page")
    text = f"Exported {_presentation(p)} as {p.get('file', '?')}: {pages}"
    text += ", with notes" if p.get("notes") else ""
    revealed = _n(p.get("protective_revealed"))
    if revealed:
        text += f", {display.plural(revealed, 'protected image')} shown unblurred"
    sha = str(p.get("sha256") or "")
    return f"{text}; SHA-256 {sha[:12]}…" if sha else text


# -- the case as a whole ------------------------------------------------------------------------


def _size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{n:,} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n:,} bytes"  # pragma: no cover


def _case_backup(p: Payload) -> str:
    what = f"{display.plural(_n(p.get('originals')), 'original')}, {_size(_n(p.get('bytes')))}"
    what += ", with derived files" if p.get("derived") else ""
    if p.get("this_is_the_copy"):
        return f"This case is a backup copy of {p.get('from', '?')} ({what})"
    return f"Backed up to {p.get('to', '?')} ({what})"


def _case_verify(p: Payload) -> str:
    checked = display.plural(_n(p.get("originals")), "original")
    if p.get("chain_entries"):
        checked += f" and {display.plural(_n(p['chain_entries']), 'audit entry', 'audit entries')}"
    head = str(p.get("chain_head") or "")
    chain = f"; chain head {head[:12]}…" if head else ""
    if p.get("result") == "intact":
        return f"Intact: {checked} checked{chain}"
    count = _n(p.get("problem_count") if "problem_count" in p else p.get("problems"))
    return f"{display.plural(count, 'problem')} found in {checked}{chain}"


def _demo_build(p: Payload) -> str:
    failed = _n(p.get("failed"))
    text = f"Built the demo case: {_n(p.get('imported'))} of {_n(p.get('files'))} files imported"
    return f"{text}, {failed} failed" if failed else text


def _participants_link(p: Payload) -> str:
    who = display.plural(_n(p.get("participants")), "participant")
    if p.get("undo"):
        return f"Linked {who} to their persons again"
    return f"Linked {who} as person #{p.get('person_id', '?')}"


def _participants_unlink(p: Payload) -> str:
    who = display.plural(_n(p.get("participants")), "participant")
    return f"Unlinked {who} from their persons"


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
    "tag.add": _tag_add,
    "tag.remove": _tag_remove,
    "suggestion.reject": _suggestion_reject,
    "suggestion.unreject": _suggestion_unreject,
    "protect.mark": _protect_mark,
    "protect.unmark": _protect_unmark,
    "protect.reveal": _protect_reveal,
    "exhibit.assign": _exhibit_assign,
    "exhibit.unassign": _exhibit_unassign,
    "exhibit.remove": _exhibit_remove,
    "exhibit.restore": _exhibit_restore,
    "exhibit.rename": _exhibit_rename,
    "material.mark": _material_mark,
    "material.unmark": _material_unmark,
    "export.start": _export_start,
    "export.complete": _export_complete,
    "export.failed": _export_failed,
    "export.cancel": _export_cancel,
    "present.create": _present_create,
    "present.delete": _present_delete,
    "present.steps.add": _present_steps_add,
    "present.steps.remove": _present_steps_remove,
    "present.step.move": _present_step_move,
    "present.step.edit": _present_step_edit,
    "present.export": _present_export,
    "case.backup": _case_backup,
    "case.verify": _case_verify,
    "demo.build": _demo_build,
    "participants.link": _participants_link,
    "participants.unlink": _participants_unlink,
    **ATTRIBUTION_SUMMARIES,
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
