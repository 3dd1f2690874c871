"""Charges, tags and user-defined offences: undoable, audited edits on a small chat case."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import event, func, select

from app.errors import EvidenceError
from app.store.schema import Charge, Tag
from app.tagging import store
from app.tagging.model import element_key, parse_element_key
from app.tagging.ops import (
    AddCharge,
    AddCustomOffence,
    EditCharge,
    RemoveCharge,
    TagItems,
    UntagItems,
)
from tests.core.tagging.conftest import Small

MARCH = (date(2024, 3, 1), date(2024, 3, 31))


def actions(small: Small) -> list[str]:
    return [r.action for r in reversed(small.case.audit_rows(limit=50))]


def charge(small: Small, offence: str = "PHA1997-s2", dates: tuple[date, date] = MARCH) -> int:
    op = AddCharge(offence, *dates)
    op.apply(small.case)
    return op.charge_id


# -- charges ------------------------------------------------------------------------------


def test_add_charge_lists_it_with_its_offence(small: Small) -> None:
    op = AddCharge("PHA1997-s2", date(2024, 3, 1), date(2024, 3, 15), note="ex-partner")
    changes = op.apply(small.case)
    assert changes.charges
    (row,) = store.charges(small.case)
    assert (row.id, row.offence.id, row.from_date, row.to_date, row.note) == (
        op.charge_id,
        "PHA1997-s2",
        date(2024, 3, 1),
        date(2024, 3, 15),
        "ex-partner",
    )
    assert [e.id for e in row.elements][-1] == "PHA1997-s2-ID"
    assert row.warnings == ()
    assert actions(small)[-1] == "charge.add"
    op.revert(small.case)
    assert store.charges(small.case) == []
    assert actions(small)[-1] == "charge.remove"


def test_unknown_offence_is_refused_by_name(small: Small) -> None:
    with pytest.raises(EvidenceError, match="NOT-AN-OFFENCE"):
        AddCharge("NOT-AN-OFFENCE", *MARCH).apply(small.case)
    with pytest.raises(EvidenceError, match="wrong way round"):
        AddCharge("PHA1997-s2", date(2024, 3, 2), date(2024, 3, 1)).apply(small.case)
    assert store.charges(small.case) == []


def test_warning_when_range_crosses_31_january_2024(small: Small) -> None:
    old = charge(small, "CJCA2015-s33", (date(2024, 1, 10), date(2024, 2, 20)))
    new = charge(small, "SOA2003-s66B-4", (date(2024, 1, 10), date(2024, 2, 20)))
    before = charge(small, "CJCA2015-s33", (date(2023, 11, 1), date(2024, 1, 30)))
    rows = {c.id: c for c in store.charges(small.case)}
    (w,) = rows[old].warnings
    assert "repealed" in w
    assert "31 January 2024" in w
    assert "s.66B" in w
    (w,) = rows[new].warnings
    assert "came into force on 31 January 2024" in w
    assert "s.33" in w
    assert rows[before].warnings == ()


def test_warning_when_range_crosses_5_april_2023(small: Small) -> None:
    across = charge(small, "SCA2015-s76", (date(2023, 1, 1), date(2023, 6, 30)))
    after = charge(small, "SCA2015-s76", (date(2023, 4, 5), date(2023, 6, 30)))
    rows = {c.id: c for c in store.charges(small.case)}
    (w,) = rows[across].warnings
    assert "5 April 2023" in w
    assert "living together" in w.replace("-", " ")
    assert rows[after].warnings == ()


def test_edit_charge_and_undo(small: Small) -> None:
    cid = charge(small)
    op = EditCharge(cid, to_date=date(2024, 3, 10), note="narrowed")
    op.apply(small.case)
    row = store.charge(small.case, cid)
    assert (row.from_date, row.to_date, row.note) == (
        date(2024, 3, 1),
        date(2024, 3, 10),
        "narrowed",
    )
    op.revert(small.case)
    row = store.charge(small.case, cid)
    assert (row.to_date, row.note) == (date(2024, 3, 31), "")
    assert actions(small)[-2:] == ["charge.edit", "charge.edit"]
    with pytest.raises(EvidenceError, match="wrong way round"):
        EditCharge(cid, from_date=date(2024, 4, 1)).apply(small.case)


def test_remove_charge_takes_its_tags_and_undo_restores_them(small: Small) -> None:
    cid = charge(small)
    tagged = TagItems(tuple(small.item.values())[:3], cid, "PHA1997-s2-E1", note="n")
    tagged.apply(small.case)
    before = store.tags(small.case)
    op = RemoveCharge(cid)
    changes = op.apply(small.case)
    assert changes.charges
    assert changes.tags
    assert set(changes.items) == set(tagged.added)
    assert store.charges(small.case) == []
    assert store.tags(small.case) == []
    op.revert(small.case)
    assert store.tags(small.case) == before  # same ids, notes, authors and times
    assert [c.id for c in store.charges(small.case)] == [cid]
    assert actions(small)[-2:] == ["charge.remove", "charge.restore"]


def test_undo_of_add_charge_keeps_its_tags_for_redo(small: Small) -> None:
    op = AddCharge("PHA1997-s2", *MARCH)
    op.apply(small.case)
    TagItems((small.item["Answer me"],), op.charge_id, "PHA1997-s2-E1").apply(small.case)
    tags = store.tags(small.case)
    op.revert(small.case)
    assert store.tags(small.case) == []
    op.apply(small.case)
    assert store.tags(small.case) == tags


# -- tags ---------------------------------------------------------------------------------


def test_tag_untag_with_undo_and_audit(small: Small) -> None:
    cid = charge(small)
    a, b, c = (
        small.item["Answer me"],
        small.item["Answer me now"],
        small.item["I know where you live"],
    )
    op = TagItems((a, b), cid, "PHA1997-s2-E1", note="first night")
    changes = op.apply(small.case)
    assert changes.tags
    assert changes.items == (a, b)
    got = store.tags_for_items(small.case, [a, b, c])
    assert set(got) == {a, b}
    (tag,) = got[a]
    assert (tag.charge_id, tag.element_id, tag.note, tag.origin, tag.whole_item) == (
        cid,
        "PHA1997-s2-E1",
        "first night",
        "manual",
        True,
    )
    assert tag.created_by == small.case.user
    assert tag.key == f"{cid}:PHA1997-s2-E1"
    assert actions(small)[-1] == "tag.add"
    payload = small.case.audit_rows(limit=1)[0].payload
    assert payload["items"] == [a, b]
    assert payload["element_id"] == "PHA1997-s2-E1"

    ids = op.tag_ids
    op.revert(small.case)
    assert store.tags_for_items(small.case, [a, b]) == {}
    assert actions(small)[-1] == "tag.remove"
    op.apply(small.case)  # redo: the same tags come back under the same ids
    assert op.tag_ids == ids
    assert [t.id for t in store.tags(small.case)] == list(ids)

    un = UntagItems((a,), cid, "PHA1997-s2-E1")
    un.apply(small.case)
    assert set(store.tags_for_items(small.case, [a, b])) == {b}
    un.revert(small.case)
    assert [t.id for t in store.tags(small.case)] == list(ids)
    assert actions(small)[-2:] == ["tag.remove", "tag.add"]


def test_tagging_twice_skips_tagged_items_and_undo_removes_only_its_own(small: Small) -> None:
    cid = charge(small)
    a, b = small.item["Answer me"], small.item["Answer me now"]
    first = TagItems((a,), cid, "PHA1997-s2-E1")
    first.apply(small.case)
    second = TagItems((a, b, b), cid, "PHA1997-s2-E1")
    second.apply(small.case)
    assert second.added == (b,)
    assert small.case.audit_rows(limit=1)[0].payload["skipped"] == 1
    assert len(store.tags(small.case)) == 2
    second.revert(small.case)
    assert [t.item_id for t in store.tags(small.case)] == [a]


def test_span_and_region_tags(small: Small) -> None:
    cid = charge(small)
    a = small.item["I know where you live"]
    span = TagItems((a,), cid, "PHA1997-s2-E2", start=2, end=6)
    span.apply(small.case)
    (t,) = store.tags_for_items(small.case, [a])[a]
    assert (t.start, t.end, t.whole_item) == (2, 6, False)
    # Another span of the same item is another tag; the same span again is skipped.
    TagItems((a,), cid, "PHA1997-s2-E2", start=7, end=12).apply(small.case)
    again = TagItems((a,), cid, "PHA1997-s2-E2", start=2, end=6)
    again.apply(small.case)
    assert again.added == ()
    region = TagItems((a,), cid, "PHA1997-s2-E3", page=1, box=(1.0, 2.0, 30.0, 40.0))
    region.apply(small.case)
    boxes = [t.box for t in store.tags_for_items(small.case, [a])[a] if t.box]
    assert boxes == [(1.0, 2.0, 30.0, 40.0)]
    with pytest.raises(EvidenceError, match="one item at a time"):
        TagItems((a, small.item["Answer me"]), cid, "PHA1997-s2-E2", start=0, end=2).apply(
            small.case
        )
    with pytest.raises(EvidenceError, match="start < end"):
        TagItems((a,), cid, "PHA1997-s2-E2", start=5, end=5).apply(small.case)


def test_tagging_refuses_unknown_things(small: Small) -> None:
    cid = charge(small)
    a = small.item["Answer me"]
    with pytest.raises(EvidenceError, match="no element 'SOA2003-s66B-4-E1'"):
        TagItems((a,), cid, "SOA2003-s66B-4-E1").apply(small.case)
    with pytest.raises(EvidenceError, match="no charge 99"):
        TagItems((a,), 99, "PHA1997-s2-E1").apply(small.case)
    with pytest.raises(EvidenceError, match="no item 999"):
        TagItems((a, 999), cid, "PHA1997-s2-E1").apply(small.case)
    assert store.tags(small.case) == []


def test_tags_for_a_page_of_500_ids_is_one_query(small: Small) -> None:
    cid = charge(small)
    ids = tuple(small.item.values())
    TagItems(ids, cid, "PHA1997-s2-E1").apply(small.case)
    TagItems(ids[:2], cid, "PHA1997-s2-E2").apply(small.case)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    page = list(range(1, 501))
    event.listen(small.case.engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        got = store.tags_for_items(small.case, page)
        took = time.perf_counter() - started
    finally:
        event.remove(small.case.engine, "before_cursor_execute", count)
    assert {k: len(v) for k, v in got.items()} == {i: 2 if i in ids[:2] else 1 for i in ids}
    assert len([s for s in statements if "tags" in s]) <= 1
    assert took < 0.05


def test_items_for_element_in_time_order(small: Small) -> None:
    cid = charge(small)
    later, earlier = small.item["I know where you live"], small.item["Answer me"]
    TagItems((later, earlier), cid, "PHA1997-s2-E1").apply(small.case)
    assert store.items_for_element(small.case, cid, "PHA1997-s2-E1") == [earlier, later]
    assert store.items_for_element(small.case, cid, "PHA1997-s2-E2") == []
    assert store.element_counts(small.case) == {f"{cid}:PHA1997-s2-E1": 2}


def test_element_keys() -> None:
    assert element_key(3, "PHA1997-s2-E1") == "3:PHA1997-s2-E1"
    assert parse_element_key("3:PHA1997-s2-E1") == (3, "PHA1997-s2-E1")
    with pytest.raises(EvidenceError):
        parse_element_key("PHA1997-s2-E1")


# -- user-defined offences -----------------------------------------------------------------


def test_custom_offence_is_stored_validated_and_chargeable(small: Small) -> None:
    op = AddCustomOffence(
        {
            "id": "doxxing",
            "name": "Publishing the victim's address (local policy)",
            "elements": [
                {"id": "doxxing-E1", "text": "The suspect published the address."},
                {"text": "The victim did not consent.", "course_of_conduct": False},
            ],
        }
    )
    op.apply(small.case)
    assert op.offence_id == "custom-doxxing"
    (custom,) = [o for o in store.offences(small.case) if o.custom]
    assert [e.id for e in custom.elements] == [
        "custom-doxxing-E1",
        "custom-doxxing-E2",
        "custom-doxxing-ID",
    ]
    assert custom.identity_element.identity
    assert len(store.offences(small.case)) == 30
    cid = charge(small, "custom-doxxing")
    TagItems((small.item["I know where you live"],), cid, "custom-doxxing-E1").apply(small.case)
    assert store.charge(small.case, cid).offence.custom
    with pytest.raises(EvidenceError, match="charged on this case"):
        op.revert(small.case)
    with pytest.raises(EvidenceError, match="already has an offence"):
        AddCustomOffence({"id": "custom-doxxing", "name": "x", "elements": []}).apply(small.case)
    assert actions(small).count("offence.add") == 1


def test_malformed_custom_offence_names_the_field(small: Small) -> None:
    with pytest.raises(EvidenceError, match=r"elements\[0\].course_of_conduct"):
        AddCustomOffence(
            {"name": "Bad", "elements": [{"text": "x", "course_of_conduct": "yes"}]}
        ).apply(small.case)
    with small.case.read() as s:
        assert s.scalar(select(func.count(Charge.id))) == 0
        assert s.scalar(select(func.count(Tag.id))) == 0
