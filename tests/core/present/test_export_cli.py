"""Exporting a presentation as a PDF, and the present / protect-image commands."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pymupdf
import pytest

from app.cli import main
from app.present.ops import CreatePresentation, EditStep
from app.present.render import Refused, export_presentation_pdf
from app.present.store import presentation, presentations
from app.protect import MarkProtective, protective_marks
from tests.core.present.conftest import Built, region, span
from tests.core.redaction.gen_case import PHONE


def _text(path: Path) -> list[str]:
    with pymupdf.open(path) as doc:
        return [page.get_text() for page in doc]


def test_one_page_per_step_with_notes_and_redactions(built: Built, tmp_path: Path) -> None:
    b = built
    ring = b.message("Ring")
    b.approve(span(ring, 11, 11 + len(PHONE)), region(b.ids.pdf, (70, 85, 400, 125)))
    op = CreatePresentation("Court", item_ids=(ring, b.ids.pdf, b.ids.image, b.ids.email))
    op.apply(b.case)
    p = presentation(b.case, "Court")
    EditStep(p.steps[0].id, note="Point out the number is hidden").apply(b.case)
    with b.case.read() as s:
        from app.store.schema import Item

        body = s.get(Item, b.ids.email).text  # type: ignore[union-attr]
    at = body.index(PHONE)
    b.approve(span(b.ids.email, at, at + len(PHONE)))
    out = export_presentation_pdf(b.case, p.id, tmp_path / "court.pdf", notes=True)
    pages = _text(out)
    assert len(pages) == 4
    assert "Ring me on [REDACTED — VC] tonight" in pages[0]
    assert "Point out the number is hidden" in pages[0]
    assert all(PHONE not in t for t in pages)
    assert "step 2 of 4" in pages[1]
    audit = json.loads(b.audit("present.export")[0])
    assert audit["steps"] == 4
    assert audit["notes"] is True
    assert audit["file"] == "court.pdf"
    assert audit["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()

    plain = export_presentation_pdf(b.case, "Court", tmp_path / "plain.pdf")
    assert "Point out" not in "".join(_text(plain))


def test_a_refused_step_writes_nothing(built: Built, tmp_path: Path) -> None:
    b = built
    b.propose(span(b.ids.email, 0, 5))
    CreatePresentation("Court", item_ids=(b.ids.image, b.ids.email)).apply(b.case)
    with pytest.raises(Refused, match="step 2"):
        export_presentation_pdf(b.case, "Court", tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
    assert b.audit("present.export") == []


def test_protected_pictures_are_blurred_unless_revealed(built: Built, tmp_path: Path) -> None:
    b = built
    MarkProtective((b.ids.image,), "intimate").apply(b.case)
    CreatePresentation("Court", item_ids=(b.ids.image,)).apply(b.case)
    out = export_presentation_pdf(b.case, "Court", tmp_path / "a.pdf")
    assert "Intimate image: blurred in this copy" in _text(out)[0]
    assert b.audit("protect.reveal") == []
    shown = export_presentation_pdf(b.case, "Court", tmp_path / "b.pdf", reveal_protective=True)
    assert "blurred" not in _text(shown)[0]
    assert json.loads(b.audit("protect.reveal")[0])["where"] == "export"


def test_cli_present_and_protect_image(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = built
    folder = str(b.case.folder)
    b.case.close()
    assert main(["present", folder, "--new", "Court", "--item", str(b.ids.image)]) == 0
    assert 'created presentation "Court"' in capsys.readouterr().out
    assert main(["present", folder, "Court", "--add", str(b.ids.pdf), str(b.ids.email)]) == 0
    assert main(["present", folder, "--list"]) == 0
    assert 'Court\tset "court"\t3 step(s)' in capsys.readouterr().out
    assert main(["present", folder, "Court"]) == 0
    listing = capsys.readouterr().out
    assert f"2\titem {b.ids.pdf} (document)" in listing
    pdf = tmp_path / "court.pdf"
    assert main(["present", folder, "Court", "--pdf", str(pdf), "--notes"]) == 0
    assert len(_text(pdf)) == 3
    assert main(["present", folder, "--new", "Court"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["present", folder]) == 2

    assert main(["protect-image", folder, str(b.ids.image), "--kind", "intimate"]) == 0
    assert "marked 1 image(s) intimate" in capsys.readouterr().out
    assert main(["protect-image", folder, str(b.ids.image)]) == 1
    from app.case import Case

    with Case.open(folder) as case:
        assert protective_marks(case, [b.ids.image])[b.ids.image].kind == "intimate"
        assert [p.name for p in presentations(case)] == ["Court"]
    assert main(["protect-image", folder, str(b.ids.image), "--remove"]) == 0
    with Case.open(folder) as case:
        assert protective_marks(case, [b.ids.image]) == {}
