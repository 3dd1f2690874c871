"""The attribution commands, run through `app.cli.main` as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from tests.core.attribution import toy


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folder(tmp_path: Path) -> str:
    """The toy case with a harassment charge, closed so commands can open it."""
    built = toy.build(tmp_path)
    built.case.close()
    return str(tmp_path / "case")


def test_accounts_lists_each_account(capsys: pytest.CaptureFixture[str], folder: str) -> None:
    code, out, _ = run(capsys, "accounts", folder)
    assert code == EXIT_OK
    assert "instagram:1001  dan.hughes84, Daniel Hughes" in out
    assert "    2 items (1 logins) in snapchat-return.json, 2024-03-09 21:05:00 GMT" in out
    code, out, _ = run(capsys, "accounts", folder, "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["account"] for r in rows} >= {toy.SUSPECT, toy.FAKE_SNAPCHAT}


def test_attribution_shows_links_with_evidence_then_accept_reports_coverage(
    capsys: pytest.CaptureFixture[str], folder: str
) -> None:
    code, out, _ = run(capsys, "attribution", folder)
    assert code == EXIT_OK
    assert "proposed  strong  instagram:1001 ↔ snapchat:jess_r_92x" in out
    assert "Same IP address and port 203.0.113.7:40123, 1 min 50 s apart" in out
    assert (
        "2024-03-09 21:05:00 GMT (21:05:00 UTC)  snapchat:jess_r_92x  ip 203.0.113.7:40123  "
        "[snapchat-return.json, record 2 login, item" in out
    )
    assert "identity of charge 1 (Harassment s.2" in out
    assert "GAP: no evidence of identity" in out

    code, out, _ = run(capsys, "attribution", folder, "--json")
    links = [json.loads(line) for line in out.splitlines()]
    snap = next(lk for lk in links if lk["accounts"] == [toy.SUSPECT, toy.FAKE_SNAPCHAT])
    assert snap["matches"][0]["gap_seconds"] == 110
    assert {e["raw"] for e in snap["evidence"]} == {"203.0.113.7:40123"}

    code, out, _ = run(capsys, "attribute", folder, str(snap["id"]), "--accept", "--note", "ok")
    assert code == EXIT_OK
    assert f"accepted link {snap['id']}: 2 identity tags added" in out
    assert "→ 2 items" in out
    assert "gap (no evidence of identity (attribution))" in out

    code, _, err = run(capsys, "attribute", folder, str(snap["id"]), "--accept")
    assert code == EXIT_ERROR
    assert "accepted already" in err


def test_a_rejected_link_is_hidden_unless_all_is_asked(
    capsys: pytest.CaptureFixture[str], folder: str
) -> None:
    _, out, _ = run(capsys, "attribution", folder, "--json")
    first = json.loads(out.splitlines()[0])
    code, out, _ = run(capsys, "attribute", folder, str(first["id"]), "--reject")
    assert code == EXIT_OK
    assert "will not be proposed again" in out
    _, out, _ = run(capsys, "attribution", folder)
    assert f"#{first['id']}  proposed" not in out
    assert "1 rejected links not shown" in out
    _, out, _ = run(capsys, "attribution", folder, "--all")
    assert f"   #{first['id']}  rejected by" in out


def test_attribute_needs_a_decision_and_a_known_link(
    capsys: pytest.CaptureFixture[str], folder: str
) -> None:
    assert run(capsys, "attribute", folder, "1")[0] == EXIT_USAGE
    code, _, err = run(capsys, "attribute", folder, "999", "--accept")
    assert code == EXIT_ERROR
    assert "there is no link 999" in err


def test_attribute_account_to_a_new_person(capsys: pytest.CaptureFixture[str], folder: str) -> None:
    code, out, _ = run(
        capsys, "attribute-account", folder, toy.SUSPECT, "--person", "Daniel Hughes"
    )
    assert code == EXIT_OK
    assert out.startswith(f"{toy.SUSPECT} attributed to person ")
    _, out, _ = run(capsys, "accounts", folder)
    assert "instagram:1001  dan.hughes84, Daniel Hughes  → Daniel Hughes (attributed)" in out
