"""`--self-test`: the core steps on a real temporary case, one line of result per step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app import selftest
from app.case import Case
from app.selftest import SelfTestFailure, passed, run_self_test
from app.store.schema import AuditEntry

CORE_STEPS = (
    "create case",
    "import chat export",
    "import photo with EXIF",
    "import PDF",
    "OCR one image",
    "propose and approve a redaction",
    "build and verify an export pack",
    "encrypted case",
)
OK_LINE = re.compile(r"ok   (?P<name>.+) \((?P<seconds>\d+\.\d\d)s\)")


def test_every_core_step_passes_and_prints_one_ok_line(tmp_path: Path) -> None:
    lines: list[str] = []
    results = run_self_test(tmp_path, window_unavailable="not asked", report=lines.append)

    assert passed(results)
    assert len(lines) == len(CORE_STEPS) + 2  # the window step (skipped) and verification
    core = len(CORE_STEPS)
    for name, line in zip(CORE_STEPS, lines[:core], strict=True):
        m = OK_LINE.fullmatch(line)
        assert m is not None, line
        assert m["name"] == name
    assert lines[core] == "skip render the window offscreen: not asked"
    assert OK_LINE.fullmatch(lines[core + 1]) is not None
    assert lines[core + 1].startswith("ok   verify the case ")
    # The work happened in the folder given, and the case records its verification.
    case_folder = tmp_path / selftest.CASE_NAME
    assert (tmp_path / "exports" / "self-test-pack" / "bundle.pdf").is_file()
    with Case.open(case_folder, readonly=True) as case, case.read() as s:
        actions = list(s.scalars(select(AuditEntry.action)))
    assert "case.verify" in actions
    assert "export.complete" in actions


def test_a_failing_step_prints_fail_with_its_reason_and_the_rest_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_ocr(state: object) -> None:
        raise SelfTestFailure("the OCR engine failed to start: no models")

    def broken_window(case_folder: Path, out_dir: Path) -> Path:
        return out_dir / "never-written.png"

    monkeypatch.setattr(selftest, "_step_ocr", broken_ocr)
    lines: list[str] = []
    results = run_self_test(tmp_path, window=broken_window, report=lines.append)

    assert not passed(results)
    assert "FAIL OCR one image: the OCR engine failed to start: no models" in lines
    assert any(line.startswith("FAIL render the window offscreen: no screenshot") for line in lines)
    assert lines[-1].startswith("ok   verify the case ")  # later steps still ran
    assert [r.name for r in results if not r.ok] == ["OCR one image", "render the window offscreen"]


def test_the_photo_carries_the_exif_the_import_step_checks() -> None:
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(selftest.photo_with_exif())) as im:
        exif = im.getexif()
        assert exif[0x0110] == "Self-test camera"
        assert exif.get_ifd(0x8769)[0x9003] == "2024:03:09 18:30:05"
