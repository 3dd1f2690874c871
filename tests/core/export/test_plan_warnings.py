"""Warnings before building a pack: redacted or protected text left unredacted elsewhere in
the chosen material (which would fail verification), the CLI's --check, and the cover title."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest
from sqlalchemy import select

from app.case import Case
from app.cli import main
from app.export.bundle import render_bundle
from app.export.plan import PackOptions, plan_pack, plan_warnings
from app.redaction.model import RedactionDraft, RedactionKind
from app.redaction.ops import AddProtectedTerm, AddRedactions
from app.redaction.store import DEFAULT_SET
from app.store.schema import Item
from tests.core.export import bundle_case

OPTIONS = PackOptions(everything=True, initials="AB")


@pytest.fixture
def built(tmp_path: Path) -> Iterator[tuple[Case, bundle_case.Built]]:
    """The small generated case: every redacted and protected string redacted everywhere."""
    case = Case.create(tmp_path / "case")
    b = bundle_case.build(case, tmp_path / "files")
    yield case, b
    case.close()


def _redact_word(case: Case, item_id: int, word: str) -> None:
    with case.read() as s:
        text = s.scalar(select(Item.text).where(Item.id == item_id)) or ""
    at = text.index(word)
    draft = RedactionDraft(
        item_id, RedactionKind.SPAN, "TP", target="text", start=at, end=at + len(word), quote=word
    )
    AddRedactions(DEFAULT_SET, (draft,), approve=True).apply(case)


def test_a_case_redacted_everywhere_has_no_warning(built: tuple[Case, bundle_case.Built]) -> None:
    # The phone number is in a message, the email body and under a box on a PDF page; the
    # street in the email's subject (a header) and body; the child's name (also protected)
    # in a message; a whole message and a whole page are withheld: all redacted.
    case, _ = built
    assert plan_warnings(case, plan_pack(case, OPTIONS)) == []


def test_a_word_redacted_once_but_left_elsewhere_is_named_masked_with_its_places(
    built: tuple[Case, bundle_case.Built],
) -> None:
    case, b = built
    # "Leave" starts two of Alice's messages; only the first is redacted.
    child = next(i for t, i in b.messages.items() if bundle_case.CHILD in t)
    _redact_word(case, child, "Leave")
    plan = plan_pack(case, OPTIONS)
    chat = next(e.exhibit_ref for e in plan.entries if e.kind == "conversation")
    warnings = plan_warnings(case, plan)
    assert warnings == [
        f"'l…e' (5 characters) is redacted in {chat} but appears unredacted in "
        f"1 other place: {chat} (1)"
    ]
    assert "leave" not in warnings[0].casefold()  # never the term itself


def test_a_protected_spelling_outside_any_redaction_is_counted_in_text_headers_and_pages(
    built: tuple[Case, bundle_case.Built],
) -> None:
    case, _ = built
    AddProtectedTerm("Victim's first name", ("ALICE",), "PII").apply(case)
    plan = plan_pack(case, OPTIONS)
    refs = {e.kind: e.exhibit_ref for e in plan.entries}
    (warning,) = plan_warnings(case, plan)
    # Case-insensitive: "Hi Alice" in the chat; the email's To header holds the name and
    # the address, its body opens "Alice,"; the PDF's first line names her.
    assert warning == (
        "protected term 'Victim's first name': 'a…e' (5 characters) appears unredacted in "
        f"5 places: {refs['email']} (3), {refs['conversation']} (1), {refs['pdf']} (1)"
    )


def test_only_chosen_material_is_read(built: tuple[Case, bundle_case.Built]) -> None:
    case, b = built
    AddProtectedTerm("Victim's first name", ("Alice",), "PII").apply(case)
    plan = plan_pack(case, PackOptions(item_ids=(b.photo,), initials="AB"))
    assert plan_warnings(case, plan) == []


def test_check_prints_the_warnings_and_builds_nothing(
    built: tuple[Case, bundle_case.Built], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case, _ = built
    folder = case.folder
    out = tmp_path / "out"
    case.close()
    assert main(["export", str(folder), str(out), "--all", "--check"]) == 0
    assert "no warnings" in capsys.readouterr().out
    with Case.open(folder) as c:
        AddProtectedTerm("Sender", ("Bob",), "TP").apply(c)
    assert main(["export", str(folder), str(out), "--all", "--check", "--initials", "AB"]) == 1
    printed = capsys.readouterr().out
    assert "warning: protected term 'Sender': 'b…b' (3 characters) appears unredacted" in printed
    assert "1 warning(s)" in printed
    assert not out.exists()  # nothing built


def test_the_cover_shows_the_title_and_masks_a_protected_name_in_it(
    built: tuple[Case, bundle_case.Built], tmp_path: Path
) -> None:
    case, _ = built
    options = PackOptions(everything=True, initials="AB", title="R v Example — defence pack")
    result = render_bundle(case, plan_pack(case, options), tmp_path / "a.pdf", certificate="ok")
    with pymupdf.open(result.path) as doc:
        assert "R v Example — defence pack" in doc[0].get_text()
    named = PackOptions(everything=True, initials="AB", title=f"Pack about {bundle_case.CHILD}")
    result = render_bundle(case, plan_pack(case, named), tmp_path / "b.pdf", certificate="ok")
    with pymupdf.open(result.path) as doc:
        first = doc[0].get_text()
    assert "Pack about" in first
    assert "Zofia" not in first
