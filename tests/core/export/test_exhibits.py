"""Exhibit references: parsing, aliases, next numbers, undoable edits, locks and marks."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.case import Case
from app.export import exhibits as ex
from app.export.exhibits import (
    AssignExhibit,
    ExhibitError,
    MarkMaterial,
    RemoveExhibit,
    RenameExhibit,
    alias_of,
    next_ref,
    parse_ref,
)
from app.store.schema import AuditEntry


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("AB/1", "AB/1"),
        (" ab / 01 ", "AB/1"),
        ("jd/12/3", "JD/12/3"),
        ("Ab/1/ 003", "AB/1/3"),
    ],
)
def test_parse_ref_normalises(text: str, ref: str) -> None:
    assert parse_ref(text) == ref


@pytest.mark.parametrize("bad", ["", "AB", "AB/", "1/AB", "AB/0", "AB/1/0", "A1/2", "AB-1",
                                 "AB/1/2/3", "AB/x", "ÉB/1"])  # fmt: skip
def test_parse_ref_rejects_bad_forms_with_a_clear_message(bad: str) -> None:
    with pytest.raises(ExhibitError, match="expected the officer's initials and a number"):
        parse_ref(bad)


def test_alias_is_file_safe() -> None:
    assert alias_of("ab/1/3") == "AB_1_3"
    assert alias_of("AB/12") == "AB_12"


def _audit(case: Case) -> list[tuple[str, dict[str, object]]]:
    with case.read() as s:
        return [
            (a.action, json.loads(a.payload))
            for a in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]


def test_assign_next_ref_undo_redo_and_audit(demo_case: Case) -> None:
    case = demo_case
    assert next_ref(case, "ab") == "AB/1"
    op = AssignExhibit((1,), "ab/1", description="Crime report")
    op.apply(case)
    rows = ex.exhibits(case)
    assert [(r.ref, r.alias, r.item_ids, r.description, r.locked) for r in rows] == [
        ("AB/1", "AB_1", (1,), "Crime report", False)
    ]
    assert next_ref(case, "AB") == "AB/2"
    assert next_ref(case, "CD") == "CD/1"
    first_id = rows[0].id
    assert _audit(case)[-1][0] == "exhibit.assign"
    op.revert(case)
    assert ex.exhibits(case) == []
    assert _audit(case)[-1][0] == "exhibit.unassign"
    op.apply(case)  # redo: same id, same items
    again = ex.exhibits(case)
    assert [(r.id, r.ref, r.item_ids) for r in again] == [(first_id, "AB/1", (1,))]


def test_sub_exhibit_belongs_to_its_parent_and_items_are_in_one_exhibit(demo_case: Case) -> None:
    case = demo_case
    AssignExhibit((356,), "AB/3").apply(case)
    AssignExhibit((357,), "AB/3/1").apply(case)
    by_ref = {r.ref: r for r in ex.exhibits(case)}
    assert by_ref["AB/3/1"].parent_id == by_ref["AB/3"].id
    assert [r.ref for r in ex.exhibits(case)] == ["AB/3", "AB/3/1"]
    assert next_ref(case, "AB") == "AB/4"
    with pytest.raises(ExhibitError, match="item 357 is already exhibit AB/3/1"):
        AssignExhibit((357,), "AB/4").apply(case)
    with pytest.raises(ExhibitError, match="holds sub-exhibit AB/3/1"):
        RemoveExhibit("AB/3").apply(case)
    found = ex.exhibits_for_items(case, [356, 357, 1])
    assert {k: [r.ref for r in v] for k, v in found.items()} == {356: ["AB/3"], 357: ["AB/3/1"]}
    # More items for an existing exhibit keep their order.
    AssignExhibit((8, 9), "AB/10").apply(case)
    AssignExhibit((10,), "AB/10").apply(case)
    assert ex.exhibit(case, "ab/10").item_ids == (8, 9, 10)  # type: ignore[union-attr]
    assert [r.ref for r in ex.exhibits(case)] == ["AB/3", "AB/3/1", "AB/10"]


def test_rename_and_remove_undo(demo_case: Case) -> None:
    case = demo_case
    AssignExhibit((2,), "AB/1").apply(case)
    rename = RenameExhibit("AB/1", "AB/7")
    rename.apply(case)
    assert [(r.ref, r.alias) for r in ex.exhibits(case)] == [("AB/7", "AB_7")]
    rename.revert(case)
    assert [r.ref for r in ex.exhibits(case)] == ["AB/1"]
    AssignExhibit((3,), "AB/2").apply(case)
    with pytest.raises(ExhibitError, match="AB/2 is already used"):
        RenameExhibit("AB/1", "ab/2").apply(case)
    remove = RemoveExhibit("AB/1")
    remove.apply(case)
    assert [r.ref for r in ex.exhibits(case)] == ["AB/2"]
    remove.revert(case)
    assert [(r.ref, r.item_ids) for r in ex.exhibits(case)] == [("AB/1", (2,)), ("AB/2", (3,))]
    with pytest.raises(ExhibitError, match="there is no exhibit AB/9"):
        RemoveExhibit("AB/9").apply(case)


def test_a_locked_exhibit_is_never_rewritten_or_removed(demo_case: Case) -> None:
    case = demo_case
    AssignExhibit((2,), "AB/1").apply(case)
    with case.write() as s:
        ex.lock_exhibits(s, [ex.exhibits(case)[0].id], 123)
        case.audit(s, "test.lock", {})
    assert ex.exhibits(case)[0].locked
    for op in (RenameExhibit("AB/1", "AB/2"), RemoveExhibit("AB/1"), AssignExhibit((3,), "AB/1")):
        with pytest.raises(ExhibitError, match="used in a completed export"):
            op.apply(case)
    assert [(r.ref, r.item_ids) for r in ex.exhibits(case)] == [("AB/1", (2,))]


def test_mark_material_sensitive_and_back(demo_case: Case) -> None:
    case = demo_case
    op = MarkMaterial((2, 3), True, description="Diary of the complainant", reason="PII")
    op.apply(case)
    marks = ex.marks(case)
    assert {i: (m.sensitive, m.description, m.reason) for i, m in marks.items()} == {
        2: (True, "Diary of the complainant", "PII"),
        3: (True, "Diary of the complainant", "PII"),
    }
    assert ex.sensitive_ids(case) == {2, 3}
    second = MarkMaterial((3,), False)
    second.apply(case)
    assert ex.marks(case)[3].sensitive is False
    assert ex.marks(case)[3].description == "Diary of the complainant"  # kept when not given
    second.revert(case)
    assert ex.marks(case)[3].sensitive is True
    op.revert(case)
    assert ex.marks(case) == {}
    assert [a for a, _ in _audit(case)[-4:]] == [
        "material.mark",
        "material.mark",
        "material.unmark",
        "material.unmark",
    ]
    with pytest.raises(ExhibitError, match="no item with id 99999"):
        MarkMaterial((99999,), True).apply(case)
