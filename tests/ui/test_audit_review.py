"""The audit log view in words for redaction and tagging: every new action gets a readable
line, undo says so, and no line repeats what a redaction covers or a protected spelling."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.case import Case
from app.model import AuditRow
from app.redaction.model import RedactionDraft, RedactionKind, RedactionState
from app.redaction.ops import (
    AddProtectedTerm,
    AddRedactions,
    CreateSet,
    DeleteRedactions,
    EditRedaction,
    RemoveProtectedTerm,
    ReviewRedactions,
)
from app.tagging.ops import (
    AddCharge,
    AddCustomOffence,
    EditCharge,
    RemoveCharge,
    TagItems,
    UntagItems,
)
from app.tagging.suggest import AcceptSuggestions, RejectSuggestions, Suggestion
from tests.core.tagging.conftest import build_small
from ui.models.audit import AuditModel, summary

SECRET = "I know where you live"


def _new_rows(case: Case, since: int) -> list[AuditRow]:
    return [r for r in reversed(case.audit_rows(limit=1000)) if r.seq > since]


def _head(case: Case) -> int:
    rows = case.audit_rows(limit=1)
    return rows[0].seq if rows else 0


def _lines(case: Case, since: int) -> list[tuple[str, str]]:
    return [(r.action, summary(r)) for r in _new_rows(case, since)]


def test_redaction_actions_in_words(tmp_path: Path) -> None:
    small = build_small(tmp_path)
    case, item = small.case, small.item
    start = _head(case)
    target = item[SECRET]
    drafts = tuple(
        RedactionDraft(target, RedactionKind.SPAN, reason, "text", start=a, end=b, quote=q)
        for reason, a, b, q in (("ADDR", 7, 21, "where you live"), ("TP", 0, 1, "I"))
    )
    other = RedactionDraft(item["Answer me"], RedactionKind.ITEM, "IRR")
    add = AddRedactions("defence disclosure", (*drafts, other))
    add.apply(case)
    ids = tuple(sorted(r["id"] for r in add._rows))
    ReviewRedactions(ids, RedactionState.APPROVED).apply(case)
    back = ReviewRedactions(ids[:1], RedactionState.PROPOSED)
    back.apply(case)
    back.revert(case)
    EditRedaction(ids[0], reason="TP", note="see statement").apply(case)
    delete = DeleteRedactions(ids[2:])
    delete.apply(case)
    delete.revert(case)
    CreateSet("court").apply(case)
    term = AddProtectedTerm("Child's name", ("Lily Hart", "Lil"), "CHILD")
    term.apply(case)
    assert term.id is not None
    RemoveProtectedTerm(term.id).apply(case)
    lines = _lines(case, start)
    assert lines == [
        ("redaction.set.create", "Created redaction set “defence disclosure”"),
        (
            "redaction.add",
            "Proposed 3 redactions on 2 items (set defence disclosure): ADDR, IRR, TP",
        ),
        (
            "redaction.review",
            "Approved 3 redactions on 2 items (set defence disclosure): ADDR, IRR, TP",
        ),
        (
            "redaction.review",
            "Sent 1 redaction on 1 item back to proposed (set defence disclosure)",
        ),
        ("redaction.review", "Put 1 redaction back to their previous review (undo)"),
        ("redaction.edit", "Redaction #1: reason ADDR → TP; note changed"),
        ("redaction.delete", "Deleted 1 redaction on 1 item (set defence disclosure): IRR"),
        (
            "redaction.restore",
            "Restored 1 redaction on 1 item (set defence disclosure): IRR (undo)",
        ),
        ("redaction.set.create", "Created redaction set “court”"),
        ("protected_term.add", "Added protected name #1: 2 spellings, reason CHILD"),
        ("protected_term.remove", "Removed protected name #1"),
    ]
    said = " ".join(text for _, text in lines)
    for secret in ("where you live", "Lily", "Lil", "Child's name", "see statement"):
        assert secret not in said
    case.close()


def test_tagging_actions_in_words(tmp_path: Path) -> None:
    small = build_small(tmp_path)
    case, item = small.case, small.item
    start = _head(case)
    charge = AddCharge("PHA1997-s2", date(2024, 3, 1), date(2024, 3, 31), note="ex-partner")
    charge.apply(case)
    cid = charge.charge_id
    EditCharge(cid, to_date=date(2024, 4, 30)).apply(case)
    TagItems((item["Answer me"], item["Answer me now"]), cid, "PHA1997-s2-E1").apply(case)
    TagItems((item["Answer me"],), cid, "PHA1997-s2-E1", start=0, end=6).apply(case)
    TagItems((item["Answer me"], item[SECRET]), cid, "PHA1997-s2-ID").apply(case)
    untag = UntagItems((item["Answer me now"],), cid, "PHA1997-s2-E1")
    untag.apply(case)
    untag.revert(case)
    hint = Suggestion(item["Still awake?"], cid, "PHA1997-s2-E1", "burst", "…")
    accept = AcceptSuggestions((hint,))
    accept.apply(case)
    accept.revert(case)
    RejectSuggestions((hint,)).apply(case)
    custom = AddCustomOffence({"name": "Breach of a restraining order", "elements": []})
    custom.apply(case)
    remove = RemoveCharge(cid)
    remove.apply(case)
    remove.revert(case)
    lines = _lines(case, start)
    assert lines == [
        ("charge.add", "Charge 1: Harassment s.2, 2024-03-01 to 2024-03-31"),
        ("charge.edit", "Charge 1: dates 2024-03-01 – 2024-03-31 → 2024-03-01 – 2024-04-30"),
        ("tag.add", "Tagged 2 items: Harassment s.2 · element 1"),
        ("tag.add", "Tagged 1 item: Harassment s.2 · element 1 (a span of the text)"),
        ("tag.add", "Tagged 2 items: Harassment s.2 · identity"),
        ("tag.remove", "Untagged 1 item: Harassment s.2 · element 1 (1 tag)"),
        ("tag.add", "Restored 1 tag on 1 item (undo)"),
        ("tag.add", "Accepted 1 suggested tag on 1 item"),
        ("tag.remove", "Removed 1 suggested tag (undo)"),
        ("suggestion.reject", "Rejected 1 suggestion"),
        ("offence.add", lines[10][1]),
        ("charge.remove", "Removed charge 1 (Harassment s.2) and its 5 tags"),
        ("charge.restore", "Restored charge 1 with its 5 tags (undo)"),
    ]
    assert lines[10][1].startswith("custom-breach-of-a-restraining-order: Breach of a")
    # The Action column names the new actions too.
    model = AuditModel()
    model.set_rows(list(reversed(_new_rows(case, start))))
    actions = {model.data(model.index(r, model.ACTION)) for r in range(model.rowCount())}
    assert {"Charge added", "Tagged", "Untagged", "Suggestions rejected"} <= actions
    case.close()


def test_an_unexpected_payload_falls_back_to_its_values() -> None:
    row = AuditRow(seq=1, ts_us=0, user="u", action="tag.add", payload={"suggestions": 5}, hash="")
    assert summary(row) == "suggestions: 5"
