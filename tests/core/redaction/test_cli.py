"""The redaction commands as a user types them: redact, redactions, review, protect."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from app.case import Case
from app.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from tests.core.redaction import gen_case
from tests.core.redaction.gen_case import PHONE, Ids


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Ids]:
    root = tmp_path_factory.mktemp("template")
    with Case.create(root / "case") as case:
        ids = gen_case.build(case, root / "evidence")
        return case.folder, ids


@pytest.fixture
def built(template: tuple[Path, Ids], tmp_path: Path) -> tuple[str, Ids]:
    """A copy of the generated case (closed), as a path for the command line."""
    folder, ids = template
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("case.lock*"))
    return str(copy), ids


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _json_rows(capsys: pytest.CaptureFixture[str], case: str, *extra: str) -> list[dict]:  # type: ignore[type-arg]
    code, out, _ = run(capsys, "redactions", case, "--json", *extra)
    assert code == EXIT_OK
    return [json.loads(line) for line in out.splitlines()]


def test_redact_pii_phone_proposes_at_every_hit_and_lists_them(
    built: tuple[str, Ids], capsys: pytest.CaptureFixture[str]
) -> None:
    case, ids = built
    code, out, err = run(capsys, "redact", case, "--pii", "phone", "--reason", "VC")
    assert (code, err) == (EXIT_OK, "")
    assert out.strip() == (
        'proposed 4 redaction(s) in set "defence disclosure": '
        "1 document, 1 email, 1 image, 1 message"
    )
    rows = _json_rows(capsys, case)
    message = ids.messages[f"Ring me on {PHONE} tonight"]
    (in_message,) = [r for r in rows if r["item_id"] == message]
    assert in_message["quote"] == PHONE
    assert (in_message["kind"], in_message["target"]) == ("span", "text")
    assert in_message["state"] == "proposed"
    assert in_message["origin"] == "pii:phone"
    # Running it again finds nothing new.
    code, out, _ = run(capsys, "redact", case, "--pii", "phone", "--reason", "VC")
    assert out.strip() == 'no new hits: nothing to redact in set "defence disclosure"'
    # The table names the item, where, the quote and the state.
    code, out, _ = run(capsys, "redactions", case)
    line = next(x for x in out.splitlines() if f"item {message} " in x)
    assert "proposed" in line
    assert "text 11-23" in line
    assert f'"{PHONE}"' in line
    assert "[defence disclosure]" in line


def test_find_with_approve_note_and_set(
    built: tuple[str, Ids], capsys: pytest.CaptureFixture[str]
) -> None:
    case, _ = built
    code, out, _ = run(
        capsys,
        "redact",
        case,
        "--find",
        "smith",
        "--whole-words",
        "--reason",
        "TP",
        "--set",
        "court",
        "--approve",
        "--note",
        "witness name",
    )
    assert code == EXIT_OK
    assert out.startswith('approved 3 redaction(s) in set "court"')
    rows = _json_rows(capsys, case, "--set", "court")
    assert len(rows) == 3
    assert {(r["state"], r["note"], r["reason"]) for r in rows} == {
        ("approved", "witness name", "TP")
    }
    assert _json_rows(capsys, case, "--set", "defence disclosure") == []


def test_regex_and_review_by_id_and_all_proposed(
    built: tuple[str, Ids], capsys: pytest.CaptureFixture[str]
) -> None:
    case, _ = built
    assert run(capsys, "redact", case, "--regex", r"\d{5} \d{6}", "--reason", "VC")[0] == EXIT_OK
    ids = [r["id"] for r in _json_rows(capsys, case)]
    assert len(ids) == 4
    code, out, _ = run(capsys, "review", case, "--approve", str(ids[0]), str(ids[1]))
    assert (code, out.strip()) == (EXIT_OK, "approved 2 redaction(s)")
    code, out, _ = run(capsys, "review", case, "--reject", "--all-proposed")
    assert (code, out.strip()) == (EXIT_OK, "rejected 2 redaction(s)")
    states = {r["id"]: r["state"] for r in _json_rows(capsys, case)}
    assert states == {
        ids[0]: "approved",
        ids[1]: "approved",
        ids[2]: "rejected",
        ids[3]: "rejected",
    }
    assert len(_json_rows(capsys, case, "--state", "approved")) == 2
    code, _, err = run(capsys, "review", case, "--approve", "999")
    assert code == EXIT_ERROR
    assert "no redaction with id 999" in err
    code, _, err = run(capsys, "review", case, "--approve")
    assert code == EXIT_ERROR
    assert "give redaction ids or --all-proposed" in err


def test_csv_log(built: tuple[str, Ids], capsys: pytest.CaptureFixture[str]) -> None:
    case, _ = built
    run(capsys, "redact", case, "--find", "acacia avenue", "--reason", "ADDR", "--approve")
    code, out, _ = run(capsys, "redactions", case, "--csv")
    assert code == EXIT_OK
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(r["where"], r["quote"], r["reason label"], r["state"]) for r in rows} == {
        ("text 21-34", "Acacia Avenue", "address / location", "approved"),
        ("header:Subject 9-22", "Acacia Avenue", "address / location", "approved"),
    }
    assert all(r["created at (UTC)"].endswith("Z") and r["reviewed by"] for r in rows)


def test_protect_and_redact_protected_names(
    built: tuple[str, Ids], capsys: pytest.CaptureFixture[str]
) -> None:
    case, ids = built
    code, out, _ = run(
        capsys, "redact", case, "--protected", "John Smith", "Smithson", "--reason", "TP"
    )
    assert code == EXIT_OK
    assert out.strip() == (
        'proposed 6 redaction(s) in set "defence disclosure": 3 document, 1 image, 2 message'
    )
    quotes = {(r["item_id"], r["quote"]) for r in _json_rows(capsys, case)}
    assert (ids.messages["Tell Smithson nothing"], "Smithson") in quotes
    assert (ids.messages["John Smith knows where I live"], "John Smith") in quotes
    code, out, _ = run(capsys, "protect", case, "Child's name", "Tommy", "Tom", "--reason", "CHILD")
    assert code == EXIT_OK
    assert out.strip() == 'protected term 2 "Child\'s name": 2 spelling(s)'
    with Case.open(case, readonly=True) as opened:
        from app.redaction.store import protected_terms

        terms = [(t.label, t.spellings, t.reason) for t in protected_terms(opened)]
    assert terms == [
        ("Protected name", ("John Smith", "Smithson"), "TP"),  # never a spelling as label
        ("Child's name", ("Tommy", "Tom"), "CHILD"),
    ]
    code, out, _ = run(capsys, "audit", case)
    assert "protected_term.add" in out
    assert "John Smith" not in out
    assert "Smithson" not in out


def test_unknown_reason_lists_the_valid_codes(
    built: tuple[str, Ids], capsys: pytest.CaptureFixture[str]
) -> None:
    case, _ = built
    code, out, err = run(capsys, "redact", case, "--find", "smith", "--reason", "XX")
    assert code == EXIT_ERROR
    assert out == ""
    assert "unknown reason code 'XX'" in err
    assert "TP (third-party personal data)" in err
    assert "CHILD (child's identity)" in err
    code, _, err = run(capsys, "protect", case, "x", "y", "--reason", "XX")
    assert code == EXIT_ERROR
    assert "valid codes" in err


def test_usage_errors(built: tuple[str, Ids], capsys: pytest.CaptureFixture[str]) -> None:
    case, _ = built
    assert run(capsys, "redact", case, "--reason", "TP")[0] == EXIT_USAGE  # nothing to find
    assert run(capsys, "redact", case, "--find", "a", "--regex", "b", "--reason", "TP")[0] == (
        EXIT_USAGE
    )
    code, _, err = run(capsys, "redact", case, "--regex", "(", "--reason", "TP")
    assert code == EXIT_ERROR
    assert "not a valid regular expression" in err
