"""Suggested tags: the rules file, off by default, accept and reject with undo."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from app.tagging import store
from app.tagging.library import load_library
from app.tagging.ops import AddCharge, TagItems
from app.tagging.suggest import (
    AcceptSuggestions,
    RejectSuggestions,
    RulesError,
    load_rules,
    set_suggestions_enabled,
    suggestions,
    suggestions_enabled,
)
from tests.core.tagging.conftest import Small, build_small

SPRING = (date(2024, 3, 1), date(2024, 4, 30))


def add(small: Small, offence: str, dates: tuple[date, date] = SPRING) -> int:
    op = AddCharge(offence, *dates)
    op.apply(small.case)
    return op.charge_id


def test_every_rule_names_library_elements() -> None:
    rules = load_rules()
    assert {r.id for r in rules} >= {
        "threat-to-kill",
        "intimate-image-threat",
        "repeated-contact",
        "request-to-stop",
    }
    library = load_library()
    for rule in rules:
        for element in rule.elements:
            library.find_element(element)  # raises naming an unknown id


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"id": "x", "label": "x", "kind": "text", "elements": ["A"]}, r"rules\[0\].patterns"),
        ({"id": "x", "label": "x", "kind": "guess", "elements": ["A"]}, r"rules\[0\].kind"),
        (
            {"id": "x", "label": "x", "kind": "text", "patterns": ["("], "elements": ["A"]},
            r"rules\[0\].patterns\[0\]: not a valid",
        ),
        ({"id": "x", "label": "x", "kind": "burst", "elements": []}, r"rules\[0\].elements"),
    ],
)
def test_malformed_rules_name_file_and_field(tmp_path: Path, rule: object, problem: str) -> None:
    path = tmp_path / "bad-rules.json"
    path.write_text(json.dumps({"rules": [rule]}), encoding="utf-8")
    with pytest.raises(RulesError, match=f"bad-rules.json: {problem}"):
        load_rules(path)


def test_suggestions_are_off_by_default_and_audited_when_switched(small: Small) -> None:
    assert not suggestions_enabled(small.case)
    set_suggestions_enabled(small.case, True)
    assert suggestions_enabled(small.case)
    assert small.case.audit_rows(limit=1)[0].payload == {
        "key": "suggestions",
        "value": "on",
        "previous": None,
    }


def test_text_rules_propose_elements_of_the_case_charges(small: Small) -> None:
    assert suggestions(small.case) == []  # no charges, nothing to propose
    h = add(small, "PHA1997-s2")
    k = add(small, "OAPA1861-s16")
    t = add(small, "SOA2003-s66B-4")
    got = {(s.item_id, s.charge_id, s.element_id, s.rule) for s in suggestions(small.case)}
    kill = small.item["Answer the phone or I'll kill you"]
    pics = small.item["I will send your pics to everyone at work"]
    stop = small.item["Please leave me alone"]
    assert got == {
        (stop, h, "PHA1997-s2-E3", "request-to-stop"),
        (kill, k, "OAPA1861-s16-E1", "threat-to-kill"),
        (kill, k, "OAPA1861-s16-E2", "threat-to-kill"),
        (pics, t, "SOA2003-s66B-4-E1", "intimate-image-threat"),
        (pics, t, "SOA2003-s66B-4-E3", "intimate-image-threat"),
    }
    (one,) = [s for s in suggestions(small.case, [k]) if s.element_id == "OAPA1861-s16-E2"]
    assert one.excerpt == "Answer the phone or I'll kill you"
    assert one.rule_label == "threat to kill"


def test_items_outside_the_charge_dates_or_tagged_are_not_proposed(small: Small) -> None:
    k = add(small, "OAPA1861-s16", (date(2024, 3, 1), date(2024, 3, 31)))
    assert suggestions(small.case) == []  # the threat was sent on 1 April
    h = add(small, "PHA1997-s2")
    TagItems((small.item["Please leave me alone"],), h, "PHA1997-s2-E3").apply(small.case)
    assert [s.charge_id for s in suggestions(small.case)] == []
    assert k


def test_accept_and_reject_with_undo(small: Small) -> None:
    add(small, "OAPA1861-s16")
    found = suggestions(small.case)
    assert len(found) == 2
    accept = AcceptSuggestions((found[0],))
    changes = accept.apply(small.case)
    assert changes.tags
    (tag,) = store.tags(small.case)
    assert (tag.item_id, tag.element_id, tag.origin) == (
        found[0].item_id,
        found[0].element_id,
        "suggestion",
    )
    assert tag.note == "suggested: threat to kill"
    assert small.case.audit_rows(limit=1)[0].action == "tag.add"
    assert suggestions(small.case) == [found[1]]

    reject = RejectSuggestions((found[1],))
    reject.apply(small.case)
    assert suggestions(small.case) == []
    assert small.case.audit_rows(limit=1)[0].action == "suggestion.reject"

    reject.revert(small.case)
    assert suggestions(small.case) == [found[1]]
    accept.revert(small.case)
    assert store.tags(small.case) == []
    assert suggestions(small.case) == found
    accept.apply(small.case)  # redo: the same tag again
    assert [t.id for t in store.tags(small.case)] == [tag.id]


def test_repeated_contact_proposes_the_first_message_of_each_burst(tmp_path: Path) -> None:
    lines = [f"10/03/2024, 21:{m:02d} - Daniel: message {m}" for m in range(0, 10, 2)]  # 5
    lines.append("10/03/2024, 21:30 - Sarah: stop")
    lines += [f"10/03/2024, 22:{m:02d} - Daniel: again {m}" for m in range(4)]  # only 4
    lines += [f"13/03/2024, 01:{m:02d} - Daniel: night {m}" for m in range(0, 60, 5)]  # 12
    evidence = tmp_path / "ev"
    evidence.mkdir()
    (evidence / "WhatsApp Chat with Daniel.txt").write_text("\n".join(lines) + "\n", "utf-8")
    from app.case import Case
    from app.ingest.job import import_paths

    with Case.create(tmp_path / "burst") as case:
        import_paths(case, [evidence])
        op = AddCharge("PHA1997-s2", *SPRING)
        op.apply(case)
        found = [s for s in suggestions(case) if s.rule == "repeated-contact"]
        rows = {r.item_id: r.text for r in case.timeline_iter()}
        assert [rows[s.item_id] for s in found] == ["message 0", "night 0"]
        assert found[0].excerpt == "5 messages from Daniel in 8 minutes, no reply between"
        assert found[1].excerpt == "12 messages from Daniel in 55 minutes, no reply between"
        assert {s.element_id for s in found} == {"PHA1997-s2-E1"}


def test_small_fixture_has_no_bursts(tmp_path: Path) -> None:
    small = build_small(tmp_path)
    try:
        add(small, "PHA1997-s2")
        assert [s.rule for s in suggestions(small.case)] == ["request-to-stop"]
    finally:
        small.case.close()
