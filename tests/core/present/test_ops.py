"""Presentation edits: create, delete, add, remove, move, edit; undo, redo and audit."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from app.present.model import PresentError
from app.present.ops import (
    AddSteps,
    CreatePresentation,
    DeletePresentation,
    EditStep,
    MoveStep,
    RemoveSteps,
)
from app.present.store import items_for_element, items_for_filter, presentation, presentations
from app.store.schema import PresentationStep
from app.tagging.ops import AddCharge, TagItems
from app.timeline.query import TimelineFilter
from tests.core.present.conftest import Built


def _items(b: Built, name: str) -> list[int]:
    return [s.item_id for s in presentation(b.case, name).steps]


def test_create_from_items_then_undo_and_redo_keep_the_same_ids(built: Built) -> None:
    b = built
    first, second = b.message("Hi"), b.message("Ring")
    op = CreatePresentation("Court — harassment", item_ids=(second, b.ids.pdf, first))
    changes = op.apply(b.case)
    assert changes.presentations
    p = presentation(b.case, "Court — harassment")
    assert p.set_name == "court"
    assert [s.item_id for s in p.steps] == [second, b.ids.pdf, first]
    assert [s.position for s in p.steps] == [1, 2, 3]
    assert [s.item_kind for s in p.steps] == ["message", "document", "message"]
    step_ids = [s.id for s in p.steps]

    op.revert(b.case)
    assert presentations(b.case) == []
    with b.case.read() as s:
        assert s.scalar(select(func.count()).select_from(PresentationStep)) == 0
    op.apply(b.case)
    again = presentation(b.case, p.id)
    assert again == p
    assert [s.id for s in again.steps] == step_ids

    created = [json.loads(x) for x in b.audit("present.create")]
    assert created[0]["items"] == [second, b.ids.pdf, first]
    assert json.loads(b.audit("present.delete")[0])["undo"] is True


def test_names_must_be_unique_and_items_must_exist(built: Built) -> None:
    CreatePresentation("A").apply(built.case)
    with pytest.raises(PresentError, match="already exists"):
        CreatePresentation("A").apply(built.case)
    with pytest.raises(PresentError, match="no item with id 999"):
        CreatePresentation("B", item_ids=(999,)).apply(built.case)
    with pytest.raises(PresentError, match="needs a name"):
        CreatePresentation("  ").apply(built.case)
    assert [p.name for p in presentations(built.case)] == ["A"]


def test_delete_then_undo_restores_the_same_rows(built: Built) -> None:
    b = built
    op = CreatePresentation("P", item_ids=(b.ids.email, b.ids.image))
    op.apply(b.case)
    assert op.id is not None
    EditStep(presentation(b.case, "P").steps[0].id, note="start with the email").apply(b.case)
    before = presentation(b.case, "P")
    delete = DeletePresentation(before.id)
    delete.apply(b.case)
    assert presentations(b.case) == []
    delete.revert(b.case)
    assert presentation(b.case, before.id) == before
    assert json.loads(b.audit("present.delete")[-1]) == {
        "presentation_id": before.id,
        "name": "P",
        "steps": 2,
    }


def test_add_steps_at_a_position_and_at_the_end(built: Built) -> None:
    b = built
    op = CreatePresentation("P", item_ids=(b.ids.email, b.ids.pdf))
    op.apply(b.case)
    pid = presentation(b.case, "P").id
    add = AddSteps(pid, (b.ids.image,), at=2)
    add.apply(b.case)
    assert _items(b, "P") == [b.ids.email, b.ids.image, b.ids.pdf]
    (new_id,) = add.step_ids
    AddSteps(pid, (b.message("Hi"),)).apply(b.case)
    assert _items(b, "P")[-1] == b.message("Hi")
    payload = json.loads(b.audit("present.steps.add")[0])
    assert payload["at"] == 2
    assert payload["step_ids"] == [new_id]

    add.revert(b.case)  # the later add is still there; only this one goes
    assert b.ids.image not in _items(b, "P")
    add.apply(b.case)
    p = presentation(b.case, "P")
    assert p.steps[1].id == new_id
    assert p.steps[1].item_id == b.ids.image


def test_remove_move_and_edit_undo(built: Built) -> None:
    b = built
    CreatePresentation("P", item_ids=(b.ids.email, b.ids.pdf, b.ids.image)).apply(b.case)
    p = presentation(b.case, "P")
    _email, pdf, image = p.steps

    move = MoveStep(image.id, 1)
    move.apply(b.case)
    assert _items(b, "P") == [b.ids.image, b.ids.email, b.ids.pdf]
    move.revert(b.case)
    assert _items(b, "P") == [b.ids.email, b.ids.pdf, b.ids.image]

    remove = RemoveSteps((pdf.id,))
    remove.apply(b.case)
    assert [s.position for s in presentation(b.case, "P").steps] == [1, 2]
    remove.revert(b.case)
    assert presentation(b.case, "P") == p

    edit = EditStep(pdf.id, note="the report", page=1, region=(50, 80, 400, 200))
    edit.apply(b.case)
    step = presentation(b.case, "P").step(pdf.id)
    assert (step.note, step.page, step.region) == ("the report", 1, (50, 80, 400, 200))
    payload = json.loads(b.audit("present.step.edit")[0])
    assert payload["changed"] == ["note", "page", "region"]
    assert "the report" not in b.audit("present.step.edit")[0]
    edit.revert(b.case)
    assert presentation(b.case, "P").step(pdf.id) == pdf

    with pytest.raises(PresentError, match="has 1 page"):
        EditStep(pdf.id, page=3).apply(b.case)
    with pytest.raises(PresentError, match="empty"):
        EditStep(pdf.id, region=(10, 10, 5, 20)).apply(b.case)
    with pytest.raises(PresentError, match="no presentation step"):
        RemoveSteps((999,)).apply(b.case)
    EditStep(pdf.id, region=(1, 1, 9, 9)).apply(b.case)
    EditStep(pdf.id, clear_region=True).apply(b.case)
    assert presentation(b.case, "P").step(pdf.id).region is None


def test_items_from_a_filter_and_from_an_element(built: Built) -> None:
    b = built
    chat = items_for_filter(b.case, TimelineFilter(kinds=("message",)), limit=3)
    assert chat == [b.message("Hi"), b.message("Ring"), b.message("John")]
    add = AddCharge("PHA1997-s2", date(2024, 3, 1), date(2024, 3, 31))
    add.apply(b.case)
    assert add.charge_id is not None
    TagItems((b.message("Leave"), b.message("Ring")), add.charge_id, "PHA1997-s2-E1").apply(b.case)
    element = f"{add.charge_id}:PHA1997-s2-E1"
    items = items_for_element(b.case, element)
    assert items == [b.message("Ring"), b.message("Leave")]
    CreatePresentation("Course of conduct", item_ids=tuple(items)).apply(b.case)
    assert _items(b, "Course of conduct") == items
    with pytest.raises(PresentError, match="CHARGE_ID:ELEMENT_ID"):
        items_for_element(b.case, "E1")
