"""Protective viewing: marks, inheritance by near-duplicates, undo, and audited reveals."""

from __future__ import annotations

import json

import pytest

from app.case import Case
from app.errors import StoreError
from app.present.ops import CreatePresentation
from app.present.render import render_step
from app.present.store import presentation
from app.protect import (
    MarkProtective,
    ProtectError,
    ProtectiveMarkRow,
    UnmarkProtective,
    protective_marks,
    record_reveal,
)
from tests.core.present.conftest import Built, import_pictures, other_picture, photo


def test_a_mark_passes_to_near_duplicates_and_undo_takes_it_back(built: Built) -> None:
    b = built
    pics = import_pictures(b, {"a.png": photo(), "b.png": photo(6), "c.png": other_picture()})
    a, near, other = pics["a.png"], pics["b.png"], pics["c.png"]
    op = MarkProtective((a,), "intimate")
    changes = op.apply(b.case)
    assert changes.protective_marks
    assert set(changes.items) == {a, near}
    marks = protective_marks(b.case, [a, near, other])
    assert marks == {
        a: ProtectiveMarkRow(a, "intimate", "marked", None),
        near: ProtectiveMarkRow(near, "intimate", "inherited", a),
    }
    assert marks[near].label == "Intimate image (inherited)"
    assert json.loads(b.audit("protect.mark")[0]) == {
        "items": [a],
        "kind": "intimate",
        "inherited": [near],
    }
    op.revert(b.case)
    assert protective_marks(b.case, [a, near]) == {}
    op.apply(b.case)
    assert set(protective_marks(b.case, [a, near])) == {a, near}


def test_a_mark_made_by_a_person_is_not_overridden_by_inheritance(built: Built) -> None:
    b = built
    pics = import_pictures(b, {"a.png": photo(), "b.png": photo(6)})
    a, near = pics["a.png"], pics["b.png"]
    MarkProtective((near,), "distressing").apply(b.case)
    MarkProtective((a,), "intimate").apply(b.case)
    assert protective_marks(b.case, [near])[near].state == "marked"
    assert protective_marks(b.case, [near])[near].kind == "distressing"


def test_unmark_removes_inherited_marks_too_and_undo_restores_them(built: Built) -> None:
    b = built
    pics = import_pictures(b, {"a.png": photo(), "b.png": photo(6)})
    a, near = pics["a.png"], pics["b.png"]
    MarkProtective((a,), "intimate").apply(b.case)
    before = protective_marks(b.case, [a, near])
    op = UnmarkProtective((a,))
    op.apply(b.case)
    assert protective_marks(b.case, [a, near]) == {}
    assert json.loads(b.audit("protect.unmark")[-1])["inherited"] == [near]
    op.revert(b.case)
    assert protective_marks(b.case, [a, near]) == before


def test_bad_kinds_and_items_are_refused(built: Built) -> None:
    with pytest.raises(ProtectError, match="intimate, distressing"):
        MarkProtective((built.ids.image,), "rude").apply(built.case)
    with pytest.raises(ProtectError, match="no item with id 999"):
        MarkProtective((999,), "intimate").apply(built.case)


def test_a_reveal_is_audited_with_who_which_and_where(built: Built) -> None:
    b = built
    MarkProtective((b.ids.image,), "intimate").apply(b.case)
    record_reveal(b.case, b.ids.image, "viewer")
    rows = [r for r in b.case.audit_rows() if r.action == "protect.reveal"]
    assert len(rows) == 1
    assert rows[0].user == b.case.user
    assert rows[0].ts_us > 0
    assert rows[0].payload == {
        "item": b.ids.image,
        "where": "viewer",
        "kind": "intimate",
        "state": "marked",
    }
    with pytest.raises(ProtectError, match="viewer"):
        record_reveal(b.case, b.ids.image, "somewhere")


def test_no_reveal_on_a_case_that_cannot_record_it(built: Built) -> None:
    MarkProtective((built.ids.image,), "intimate").apply(built.case)
    folder = built.case.folder
    built.case.close()
    with Case.open(folder, readonly=True) as ro, pytest.raises(StoreError):
        record_reveal(ro, built.ids.image, "thumbnail")


def test_a_protected_image_slide_says_to_blur_it(built: Built) -> None:
    b = built
    MarkProtective((b.ids.image,), "distressing").apply(b.case)
    op = CreatePresentation("P", item_ids=(b.ids.image,))
    op.apply(b.case)
    p = presentation(b.case, "P")
    assert render_step(b.case, p, p.steps[0]).protective == "distressing"
