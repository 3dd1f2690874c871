"""Every change is in the audit chain: each Operation's apply and revert add an entry, and
`verify` reports the chain head so it can be written down outside the case."""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import cli
from app.case import Case
from app.ingest.job import import_paths
from app.redaction.find import FindQuery, find_hits
from app.redaction.model import RedactionState
from app.store.schema import Participant, Redaction, Tag
from tests.reliability import gen

OP_MODULES = (
    "app.ops",
    "app.redaction.ops",
    "app.tagging.ops",
    "app.export.exhibits",
    "app.present.ops",
)


def operation_classes() -> dict[str, type]:
    """Every class with apply and revert in the modules that hold operations."""
    found: dict[str, type] = {}
    for name in OP_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            ours = cls.__module__ == name and not cls_name.startswith("_")
            undoable = callable(getattr(cls, "apply", None)) and callable(
                getattr(cls, "revert", None)
            )
            if ours and undoable and cls_name != "Operation":
                found[cls_name] = cls
    return found


def test_every_operation_writes_an_audit_entry_in_its_code() -> None:
    """A static net over operations still being written: apply and revert mention audit."""
    missing = []
    for name, cls in operation_classes().items():
        module = importlib.import_module(cls.__module__)
        for method in ("apply", "revert"):
            if not _audits(getattr(cls, method), module, depth=3):
                missing.append(f"{cls.__module__}.{name}.{method}")
    assert missing == []


def _audits(func: Any, module: Any, depth: int) -> bool:
    """Whether the function, or a function of its module or class it calls, audits."""
    source = inspect.getsource(func)
    if ".audit(" in source or "audit.append(" in source:
        return True
    if ".apply(case)" in source or ".revert(case)" in source:  # made of audited operations
        return True
    if depth == 0:
        return False
    for called in set(re.findall(r"(?:self\.)?(\w+)\(", source)):
        target = getattr(module, called, None)
        owner = getattr(func, "__qualname__", "").split(".")[0]
        method = getattr(getattr(module, owner, None), called, None)
        for candidate in (target, method):
            is_other = inspect.isfunction(candidate) and candidate is not func
            if is_other and _audits(candidate, module, depth - 1):
                return True
    return False


@pytest.fixture
def small(case: Case, tmp_path: Path) -> Case:
    import_paths(case, gen.write_mixed(tmp_path / "e", 2, chat_lines=30)[:1])
    return case


def _recipes(case: Case) -> dict[str, Callable[[], Any]]:
    from app.ops import LinkParticipants, UnlinkParticipants
    from app.redaction import ops as r
    from app.tagging import ops as t

    with case.read() as s:
        parts = tuple(s.scalars(select(Participant.id)))
    charge = t.AddCharge("PHA1997-s2", date(2024, 1, 1), date(2024, 12, 31))
    charge.apply(case)
    drafts = find_hits(case, FindQuery(text="secret"), "TP") or find_hits(
        case, FindQuery(text="you"), "TP"
    )
    r.AddRedactions("defence disclosure", tuple(drafts[:3])).apply(case)
    t.TagItems((1, 2), charge.charge_id, "PHA1997-s2-E1").apply(case)
    with case.read() as s:
        red = tuple(s.scalars(select(Redaction.id)))
        tags = tuple(s.scalars(select(Tag.id)))
    term = r.AddProtectedTerm("Bob", ("Bob",), "TP")
    return {
        "LinkParticipants": lambda: LinkParticipants(parts, person_name="Bob"),
        "UnlinkParticipants": lambda: UnlinkParticipants(parts),
        "CreateSet": lambda: r.CreateSet("court"),
        "AddRedactions": lambda: r.AddRedactions("court", tuple(drafts[:2])),
        "ReviewRedactions": lambda: r.ReviewRedactions(red[:1], RedactionState.APPROVED),
        "DeleteRedactions": lambda: r.DeleteRedactions(red[1:2]),
        "EditRedaction": lambda: r.EditRedaction(red[0], reason="VC"),
        "AddProtectedTerm": lambda: term,
        "RemoveProtectedTerm": lambda: (term.apply(case), r.RemoveProtectedTerm(term.id))[1],
        "AddCharge": lambda: t.AddCharge("PHA1997-s4", date(2024, 1, 1), date(2024, 2, 1)),
        "EditCharge": lambda: t.EditCharge(charge.charge_id, note="edited"),
        "RemoveCharge": lambda: t.RemoveCharge(charge.charge_id),
        "TagItems": lambda: t.TagItems((3,), charge.charge_id, "PHA1997-s2-E2"),
        "UntagItems": lambda: t.UntagItems(tag_ids=tags[:1]),
    }


def _entries(case: Case) -> int:
    return case.info().audit_entries


def test_apply_and_revert_of_each_core_operation_add_an_entry(small: Case) -> None:
    recipes = _recipes(small)
    done = []
    for name, make in recipes.items():
        op = make()
        before = _entries(small)
        op.apply(small)
        after = _entries(small)
        assert after > before, f"{name}.apply wrote no audit entry"
        op.revert(small)
        assert _entries(small) > after, f"{name}.revert wrote no audit entry"
        done.append(name)
    core = {n for n, c in operation_classes().items() if c.__module__ in OP_MODULES[:3]}
    assert core - set(done) <= {"AddCustomOffence", "TagParts"}, core - set(done)


def test_verify_prints_the_chain_head(small: Case, capsys: Any) -> None:
    head = small.info().audit_head
    folder = small.folder
    small.close()
    assert cli.main(["verify", str(folder)]) == cli.EXIT_OK
    assert f"head {head}" in capsys.readouterr().out
    Case.open(folder).close()  # the fixture closes it again
