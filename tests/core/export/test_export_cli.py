"""The export, exhibit, exhibits and mark commands: exit codes and what they print."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.case import Case
from app.cli import main
from app.export import exhibits as ex
from app.export import pack as pack_mod
from tests.core.export.test_pack import StandIn


def test_exhibit_mark_and_list(demo_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "exhibit",
                str(demo_folder),
                "3",
                "4",
                "--ref",
                "ab / 2",
                "--description",
                "Screenshots",
            ]
        )
        == 0
    )
    assert "exhibit AB/2: 2 items" in capsys.readouterr().out
    assert main(["exhibit", str(demo_folder), "5", "--ref", "AB-3"]) == 1
    assert "not an exhibit reference" in capsys.readouterr().err
    assert main(["mark", str(demo_folder), "2", "--sensitive", "--reason", "privacy"]) == 0
    assert main(["exhibits", str(demo_folder)]) == 0
    out = capsys.readouterr().out
    assert "AB/2\tAB_2\titems 3,4\tScreenshots" in out
    with Case.open(demo_folder, readonly=True) as case:
        assert ex.sensitive_ids(case) == {2}


def test_export_refuses_then_completes(
    demo_folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pack_mod, "_bundle", StandIn().module)
    assert main(["export", str(demo_folder), "--all"]) == 1
    err = capsys.readouterr().err
    assert "refused: 3 redactions" in err
    assert "proposed #5 item 357 INTIMATE" in err
    assert main(["review", str(demo_folder), "--approve", "--all-proposed"]) == 0
    out_dir = tmp_path / "out"
    assert (
        main(
            [
                "export",
                str(demo_folder),
                str(out_dir),
                "--all",
                "--name",
                "p",
                "--sensitive-schedule",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "pack complete and verified" in out
    assert sorted(p.name for p in out_dir.iterdir()) == ["p", "p-SENSITIVE"]
    # A filter chooses material too (here: the images only).
    assert main(["export", str(demo_folder), str(out_dir), "--kind", "image", "--name", "q"]) == 0
    assert (out_dir / "q" / "natives").is_dir()


def test_export_exits_1_with_the_findings_of_a_leak(
    demo_folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        pack_mod, "_bundle", StandIn(native_name=lambda case, e: "Sarah Mitchell.png").module
    )
    assert main(["review", str(demo_folder), "--approve", "--all-proposed"]) == 0
    assert (
        main(
            [
                "redact",
                str(demo_folder),
                "--protected",
                "Sarah Mitchell",
                "--reason",
                "PII",
                "--approve",
            ]
        )
        == 0
    )
    assert (
        main(["export", str(demo_folder), str(tmp_path / "o"), "--kind", "image", "--name", "x"])
        == 1
    )
    err = capsys.readouterr().err
    assert "export failed" in err
    assert "file name natives/Sarah Mitchell.png" in err
    assert (tmp_path / "o" / "x.FAILED" / "FAILED.txt").is_file()
