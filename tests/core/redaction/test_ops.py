"""Redaction operations: add, review, edit, delete, protected terms; undo, redo and audit."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app import audit
from app.case import Case
from app.redaction import store
from app.redaction.model import (
    RedactionDraft,
    RedactionError,
    RedactionKind,
    RedactionState,
    UnknownReason,
)
from app.redaction.ops import (
    AddProtectedTerm,
    AddRedactions,
    CreateSet,
    DeleteRedactions,
    EditRedaction,
    RemoveProtectedTerm,
    ReviewRedactions,
)
from app.store.schema import AuditEntry, Item, Redaction, Source

PHONE = "07700 900123"
TEXT = f"Ring me on {PHONE} tonight"


def _items(case: Case, n: int = 2) -> list[int]:
    """`n` message items with TEXT (inserted directly: these tests are about redactions)."""
    with case.write() as s:
        src = Source(
            sha256="0" * 64,
            size=1,
            mime="text/plain",
            name="chat.txt",
            path="chat.txt",
            importer="test",
            importer_version="1",
            status="imported",
            zone="UTC",
            imported_at_us=0,
            imported_by="test",
        )
        s.add(src)
        s.flush()
        rows = [Item(source_id=src.id, kind="message", locator=str(i), text=TEXT) for i in range(n)]
        s.add_all(rows)
        s.flush()
        case.audit(s, "test.items", {"n": n})
        return [r.id for r in rows]


def _span(item_id: int, reason: str = "VC") -> RedactionDraft:
    return RedactionDraft(
        item_id=item_id,
        kind=RedactionKind.SPAN,
        reason=reason,
        target="text",
        start=11,
        end=23,
        quote=PHONE,
        origin="pii:phone",
    )


def _box(item_id: int) -> RedactionDraft:
    return RedactionDraft(
        item_id=item_id, kind=RedactionKind.REGION, reason="TP", page=1, box=(10, 20, 110, 40)
    )


def _actions(case: Case, since: int = 0) -> list[tuple[str, dict[str, object]]]:
    with case.read() as s:
        return [
            (e.action, json.loads(e.payload))
            for e in s.scalars(
                select(AuditEntry).where(AuditEntry.seq > since).order_by(AuditEntry.seq)
            )
        ]


def _head(case: Case) -> int:
    with case.read() as s:
        return int(s.scalar(select(func.max(AuditEntry.seq))) or 0)


def _count(case: Case) -> int:
    with case.read() as s:
        return int(s.scalar(select(func.count(Redaction.id))) or 0)


def test_add_undo_redo_recreates_the_same_rows_with_audit(case: Case) -> None:
    a, b = _items(case)
    start = _head(case)
    op = AddRedactions("defence disclosure", (_span(a), _box(b)))
    op.apply(case)
    rows = store.list_redactions(case)
    assert [(r.item_id, r.kind, r.state) for r in rows] == [
        (a, RedactionKind.SPAN, RedactionState.PROPOSED),
        (b, RedactionKind.REGION, RedactionState.PROPOSED),
    ]
    assert rows[0].quote == PHONE
    assert rows[0].where == "text 11-23"
    assert rows[1].box == (10, 20, 110, 40)
    assert rows[1].where == "p.1 (10,20)-(110,40)"
    assert all(r.created_by == case.user and r.reviewed_at_us is None for r in rows)
    assert [s.name for s in store.list_sets(case)] == ["defence disclosure"]

    op.revert(case)
    assert _count(case) == 0
    assert store.list_sets(case) == []  # the set this op created goes with it

    op.apply(case)
    again = store.list_redactions(case)
    assert [(r.id, r.item_id, r.box, r.quote) for r in again] == [
        (r.id, r.item_id, r.box, r.quote) for r in rows
    ]
    assert [a for a, _ in _actions(case, start)] == [
        "redaction.set.create",
        "redaction.add",
        "redaction.delete",
        "redaction.set.delete",
        "redaction.set.create",
        "redaction.add",
    ]
    added = _actions(case, start)[1][1]
    assert added["ids"] == [r.id for r in rows]
    assert added["items"] == [a, b]
    assert added["set"] == "defence disclosure"
    assert added["state"] == "proposed"
    # The audit log says what was redacted where, never the redacted text itself.
    assert all(PHONE not in json.dumps(p) for _, p in _actions(case, start))
    with case.read() as s:
        assert audit.verify_chain(s).ok


def test_approve_at_once_and_sets_are_separate(case: Case) -> None:
    (a,) = _items(case, 1)
    AddRedactions("defence disclosure", (_span(a),)).apply(case)
    AddRedactions("court", (_span(a, "TP"),), approve=True).apply(case)
    sets = {s.name: s.counts for s in store.list_sets(case)}
    assert sets == {"court": {"approved": 1}, "defence disclosure": {"proposed": 1}}
    court = store.list_redactions(case, set_name="court")
    assert [(r.reason, r.state, r.reviewed_by) for r in court] == [
        ("TP", RedactionState.APPROVED, case.user)
    ]
    assert court[0].reviewed_at_us is not None
    assert store.list_redactions(case, states=["approved"]) == court
    assert len(store.list_redactions(case, item_ids=[a])) == 2
    assert store.list_redactions(case, item_ids=[a + 100]) == []


def test_review_approve_reject_and_undo_restores_previous_review(case: Case) -> None:
    a, b = _items(case)
    add = AddRedactions("defence disclosure", (_span(a), _span(b)))
    add.apply(case)
    first, second = add.ids
    approve = ReviewRedactions((first,), RedactionState.APPROVED)
    approve.apply(case)
    reject = ReviewRedactions((first, second), RedactionState.REJECTED)
    reject.apply(case)
    states = {r.id: (r.state, r.reviewed_by) for r in store.list_redactions(case)}
    assert states == {
        first: (RedactionState.REJECTED, case.user),
        second: (RedactionState.REJECTED, case.user),
    }
    reject.revert(case)
    after = {r.id: r.state for r in store.list_redactions(case)}
    assert after == {first: RedactionState.APPROVED, second: RedactionState.PROPOSED}
    approve.revert(case)
    row = store.list_redactions(case)[0]
    assert (row.state, row.reviewed_by, row.reviewed_at_us) == (RedactionState.PROPOSED, "", None)
    reviews = [p for a, p in _actions(case) if a == "redaction.review"]
    assert [p.get("state") for p in reviews] == ["approved", "rejected", None, None]
    assert all(p.get("undo") for p in reviews[2:])


def test_delete_and_undo_puts_back_exactly(case: Case) -> None:
    a, b = _items(case)
    add = AddRedactions("defence disclosure", (_span(a), _box(b)), approve=True)
    add.apply(case)
    before = store.list_redactions(case)
    delete = DeleteRedactions((before[0].id,))
    delete.apply(case)
    assert [r.id for r in store.list_redactions(case)] == [before[1].id]
    delete.revert(case)
    assert store.list_redactions(case) == before
    actions = [a for a, _ in _actions(case)]
    assert actions[-2:] == ["redaction.delete", "redaction.restore"]


def test_edit_reason_and_note_and_undo(case: Case) -> None:
    (a,) = _items(case, 1)
    add = AddRedactions("defence disclosure", (_span(a),))
    add.apply(case)
    (rid,) = add.ids
    edit = EditRedaction(rid, reason="TP", note="her sister's number")
    edit.apply(case)
    row = store.list_redactions(case)[0]
    assert (row.reason, row.note) == ("TP", "her sister's number")
    edit.revert(case)
    row = store.list_redactions(case)[0]
    assert (row.reason, row.note) == ("VC", "")
    with pytest.raises(UnknownReason):
        EditRedaction(rid, reason="NOPE").apply(case)
    with pytest.raises(RedactionError, match="no redaction with id"):
        EditRedaction(rid + 50, note="x").apply(case)


def test_create_set_and_refuse_a_duplicate(case: Case) -> None:
    op = CreateSet("court", note="for the trial bundle")
    op.apply(case)
    assert [(s.name, s.note, s.counts) for s in store.list_sets(case)] == [
        ("court", "for the trial bundle", {})
    ]
    with pytest.raises(RedactionError, match="already exists"):
        CreateSet("court").apply(case)
    op.revert(case)
    assert store.list_sets(case) == []
    op.apply(case)
    assert [s.name for s in store.list_sets(case)] == ["court"]


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (RedactionDraft(1, RedactionKind.SPAN, "NOPE", target="text", start=0, end=2), "NOPE"),
        (RedactionDraft(1, RedactionKind.SPAN, "TP", target="text", start=5, end=5), "start < end"),
        (RedactionDraft(1, RedactionKind.SPAN, "TP", start=0, end=2), "needs a target"),
        (RedactionDraft(1, RedactionKind.REGION, "TP", page=1), "needs a box"),
        (RedactionDraft(1, RedactionKind.REGION, "TP", page=1, box=(5, 5, 5, 9)), "is empty"),
        (RedactionDraft(1, RedactionKind.REGION, "TP", page=0, box=(0, 0, 5, 9)), "start at 1"),
        (RedactionDraft(999, RedactionKind.ITEM, "TP"), "no item with id 999"),
        (RedactionDraft(1, RedactionKind.METADATA, "TP"), "needs a field"),
    ],
)
def test_bad_drafts_are_refused_and_nothing_is_written(
    case: Case, draft: RedactionDraft, message: str
) -> None:
    assert _items(case, 1) == [1]
    head = _head(case)
    with pytest.raises(RedactionError, match=message):
        AddRedactions("defence disclosure", (_span(1), draft)).apply(case)
    assert _count(case) == 0
    assert store.list_sets(case) == []
    assert _head(case) == head


def test_protected_terms_add_remove_undo(case: Case) -> None:
    add = AddProtectedTerm("Child's name", ("Tommy", " tommy ", "Tom  Smith", ""), "CHILD")
    assert add.label == "Add protected name"  # the operation's label, shown as "Undo …"
    add.apply(case)
    terms = store.protected_terms(case)
    assert [(t.label, t.spellings, t.reason) for t in terms] == [
        ("Child's name", ("Tommy", "Tom Smith"), "CHILD")
    ]
    remove = RemoveProtectedTerm(terms[0].id)
    remove.apply(case)
    assert store.protected_terms(case) == []
    remove.revert(case)
    assert store.protected_terms(case) == terms
    add.revert(case)
    assert store.protected_terms(case) == []
    add.apply(case)
    assert store.protected_terms(case) == terms  # same id again
    actions = _actions(case)
    assert [a for a, _ in actions if a.startswith("protected_term")] == [
        "protected_term.add",
        "protected_term.remove",
        "protected_term.add",
        "protected_term.remove",
        "protected_term.add",
    ]
    assert all("Tommy" not in json.dumps(p) for _, p in actions)
    # No label given: a neutral one, never the first spelling (labels reach the audit log).
    blank = AddProtectedTerm(term_label=" ", spellings=("Sophie Marsh",), reason="CHILD")
    blank.apply(case)
    assert [t.label for t in store.protected_terms(case)] == ["Child's name", "Protected name"]
    assert all("Sophie" not in json.dumps(p) for _, p in _actions(case))
    with pytest.raises(RedactionError, match="at least one spelling"):
        AddProtectedTerm("x", (" ",), "CHILD").apply(case)
    with pytest.raises(UnknownReason):
        AddProtectedTerm("x", ("y",), "NOPE").apply(case)
