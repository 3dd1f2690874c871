"""Planning a pack: choosing material, grouping into entries, references, redactions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.case import Case
from app.errors import ExportError
from app.export.exhibits import AssignExhibit, MarkMaterial
from app.export.plan import PackOptions, plan_pack, reason_counts, unreviewed
from app.redaction.ops import AddProtectedTerm
from app.store.schema import Item
from app.tagging import store as tag_store
from app.timeline.query import TimelineFilter


def test_everything_groups_the_demo_into_entries(demo_case: Case) -> None:
    plan = plan_pack(demo_case, PackOptions(everything=True))
    got = [(e.exhibit_ref, e.kind, e.description, e.parent_ref) for e in plan.entries]
    ufdr, meta, snap = "Cellebrite UFDR", "Meta business record", "Snapchat return"
    assert got == [
        ("EX/1", "conversation", f"{ufdr} conversation, 1 call, 04/03/2024", ""),
        ("EX/2", "conversation", "WhatsApp conversation, 348 messages, 04/03/2024–17/03/2024", ""),
        ("EX/3", "conversation", f"{ufdr} conversation, 6 messages, 05/03/2024", ""),
        ("EX/4", "other", "1 item, 05/03/2024", ""),
        ("EX/5", "conversation", f"{ufdr} conversation, 6 messages, 05/03/2024", ""),
        ("EX/6", "other", "1 item, 05/03/2024", ""),
        ("EX/7", "other", "1 item, 08/03/2024", ""),
        ("EX/8", "other", "1 item, 08/03/2024", ""),
        ("EX/9", "other", "1 item, 08/03/2024", ""),
        ("EX/10", "other", "1 item, 09/03/2024", ""),
        ("EX/11", "other", "1 item, 09/03/2024", ""),
        ("EX/12", "conversation", f"{snap} conversation, 2 messages, 09/03/2024–11/03/2024", ""),
        ("EX/13", "other", "1 item, 09/03/2024", ""),
        ("EX/14", "conversation", f"{meta} conversation, 2 messages, 09/03/2024", ""),
        ("EX/15", "image", "Screenshot, 09/03/2024", ""),
        ("EX/16", "other", "1 item, 10/03/2024", ""),
        ("EX/17", "image", "Screenshot, 10/03/2024", ""),
        ("EX/18", "image", "Screenshot, 12/03/2024", ""),
        ("EX/19", "email", "Email, 14/03/2024", ""),
        ("EX/19/1", "image", "Image attached to an email", "EX/19"),
        ("EX/20", "image", "Screenshot, 15/03/2024", ""),
        ("EX/21", "document", "Text document, 17/03/2024", ""),
        ("EX/22", "pdf", "PDF document, 3 pages, 18/03/2024", ""),
        # Undated records (a subscriber record; the phone's device, account, contact) come last.
        ("EX/23", "other", "1 item", ""),
        ("EX/24", "other", "1 item", ""),
        ("EX/25", "other", "1 item", ""),
        ("EX/26", "other", "1 item", ""),
    ]
    # Every item of the case is in exactly one entry; nothing names an original file.
    with demo_case.read() as s:
        every_item = list(s.scalars(select(Item.id).order_by(Item.id)))
    assert sorted(plan.item_ids) == every_item
    sources = {"WhatsApp", "Image file", "Email", "Email attachment", "Text file", "PDF file",
               ufdr, meta, snap}  # fmt: skip
    for e in plan.entries:
        assert all(s in sources for s in e.source_names), e
        assert "Screenshot_" not in e.description
        assert ".png" not in e.description
    conv = plan.entry("EX/2")
    assert conv.first_us is not None
    assert conv.first_us <= (conv.last_us or 0)
    # Messages of a transcript in time order.
    assert len(conv.item_ids) == 349
    assert list(conv.item_ids) == sorted(conv.item_ids)
    # Approved redactions of the set by item; the forbidden strings are their quotes.
    assert {i: len(v) for i, v in plan.redactions.items()} == {1: 2}
    assert plan.forbidden == ("07700 900123", "14/06/1994")
    assert plan.entry("EX/22").redacted
    assert not plan.entry("EX/2").redacted
    assert reason_counts(plan) == {"PII": 1, "VC": 1}
    # The proposed ones on the material: the postcode twice and the album.
    assert sorted((r.item_id, r.reason) for r in unreviewed(demo_case, plan)) == [
        (1, "ADDR"),
        (71, "ADDR"),
        (357, "INTIMATE"),
    ]


def test_existing_exhibits_are_kept_and_new_refs_continue(demo_case: Case) -> None:
    AssignExhibit((1,), "JD/4", description="Crime report summary").apply(demo_case)
    plan = plan_pack(demo_case, PackOptions(item_ids=(1, 2, 356)))
    got = [(e.exhibit_ref, e.item_ids, e.description, e.provisional) for e in plan.entries]
    assert got == [
        ("JD/4", (1,), "Crime report summary", False),
        ("JD/5", (356,), "Email, 14/03/2024", True),  # time order: the email is older
        ("JD/5/1", (357,), "Image attached to an email", True),  # its attachment comes along
        ("JD/6", (2,), "Text document, 17/03/2024", True),
    ]
    other = plan_pack(demo_case, PackOptions(item_ids=(2,), initials="ab"))
    assert [e.exhibit_ref for e in other.entries] == ["AB/1"]


def test_choice_by_filter_element_and_exhibit(demo_case: Case) -> None:
    f = TimelineFilter(kinds=("image",))
    plan = plan_pack(demo_case, PackOptions(filter=f))
    assert [e.item_ids for e in plan.entries] == [(4,), (5,), (3,), (6,)]
    counts = tag_store.element_counts(demo_case)
    key = max(counts, key=lambda k: counts[k])
    by_element = plan_pack(demo_case, PackOptions(element_keys=(key,)))
    charge, element = key.split(":")
    assert sorted(by_element.item_ids) == sorted(
        tag_store.items_for_element(demo_case, int(charge), element)
    )
    AssignExhibit((10, 11), "AB/1").apply(demo_case)
    by_exhibit = plan_pack(demo_case, PackOptions(exhibit_refs=("ab/1",)))
    assert [(e.exhibit_ref, e.item_ids, e.kind) for e in by_exhibit.entries] == [
        ("AB/1", (10, 11), "conversation")
    ]
    with pytest.raises(ExportError, match="there is no exhibit AB/2"):
        plan_pack(demo_case, PackOptions(exhibit_refs=("AB/2",)))
    with pytest.raises(ExportError, match="choose the material"):
        plan_pack(demo_case, PackOptions())
    with pytest.raises(ExportError, match="no item with id 9999"):
        plan_pack(demo_case, PackOptions(item_ids=(9999,)))


def test_sensitive_items_are_left_out_and_protected_terms_forbidden(demo_case: Case) -> None:
    MarkMaterial((2,), True, description="Complainant's diary", reason="privacy").apply(demo_case)
    AddProtectedTerm("Child's name", ("Lily Rose", "LILY R."), "PII").apply(demo_case)
    plan = plan_pack(demo_case, PackOptions(everything=True))
    assert 2 not in plan.item_ids
    assert plan.left_out == (2,)
    assert plan.sensitive == (2,)
    assert set(plan.forbidden) == {"07700 900123", "14/06/1994", "Lily Rose", "LILY R."}
    MarkMaterial((3,), False, description="Screenshot of a social media profile").apply(demo_case)
    plan = plan_pack(demo_case, PackOptions(item_ids=(3,)))
    assert plan.entries[0].description == "Screenshot of a social media profile"
