"""The tagger's commands, run through `app.cli.main` as a user would."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pymupdf
import pytest

from app.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from app.tagging import store
from tests.core.tagging.conftest import Small


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def folder(small: Small) -> str:
    return str(small.case.folder)


@pytest.fixture
def closed(small: Small) -> Small:
    """The small case, closed so the commands can open it for writing."""
    small.case.close()
    return small


def test_offences_lists_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "offences")
    assert code == EXIT_OK
    assert out.splitlines()[0].startswith("PHA1997-s2  Harassment s.2  (")
    assert "    PHA1997-s2-E1  Course of conduct" in out
    assert "[course of conduct]" in out
    assert "SOA2003-s66B-4  Threat to share intimate image" in out
    assert "[UNVERIFIED]" in out  # the Crime and Policing Act 2026 entry at least
    code, out, _ = run(capsys, "offences", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 29
    cpa = next(r for r in rows if r["id"] == "CPA2026-IIA-taking")
    assert cpa["unverified"]
    assert rows[0]["elements"][-1]["identity"] is True


def test_charge_tag_coverage_untag_uncharge(
    closed: Small, capsys: pytest.CaptureFixture[str]
) -> None:
    case, item = folder(closed), closed.item
    code, out, _ = run(
        capsys, "charge", case, "CJCA2015-s33", "--from", "2024-01-01", "--to", "2024-03-15"
    )
    assert code == EXIT_OK
    lines = out.splitlines()
    assert lines[0] == "charge 1: Disclosing private sexual images s.33, 2024-01-01 to 2024-03-15"
    assert lines[1].startswith("warning: ")
    assert "31 January 2024" in lines[1]

    code, out, _ = run(
        capsys,
        "charge",
        case,
        "PHA1997-s2",
        "--from",
        "2024-03-01",
        "--to",
        "2024-03-15",
        "--note",
        "ex-partner",
    )
    assert (code, out) == (EXIT_OK, "charge 2: Harassment s.2, 2024-03-01 to 2024-03-15\n")
    code, out, _ = run(capsys, "charges", case)
    assert "   2  PHA1997-s2  Harassment s.2  2024-03-01 to 2024-03-15  (ex-partner)" in out
    code, out, _ = run(capsys, "charges", case, "--json")
    assert [json.loads(line)["offence_id"] for line in out.splitlines()] == [
        "CJCA2015-s33",
        "PHA1997-s2",
    ]

    a, b = item["Answer me"], item["I know where you live"]
    code, out, _ = run(capsys, "tag", case, str(a), str(b), "PHA1997-s2-E1", "--note", "contact")
    assert (code, out) == (EXIT_OK, "tagged 2 items for PHA1997-s2-E1 of charge 2\n")
    code, out, _ = run(capsys, "tag", case, str(a), "2:PHA1997-s2-E1")
    assert out == "tagged 0 items for PHA1997-s2-E1 of charge 2 (1 already tagged)\n"

    code, out, _ = run(capsys, "coverage", case)
    assert code == EXIT_OK
    assert "charge 2: Harassment s.2, 2024-03-01 to 2024-03-15" in out
    assert "  PHA1997-s2-E1          items 2  occasions 2  2024-03-01 09:00 GMT – " in out
    assert "  PHA1997-s2-ID          items 0  GAP: no evidence of identity (attribution)" in out
    code, out, _ = run(capsys, "coverage", case, "--csv")
    matrix = list(csv.DictReader(io.StringIO(out)))
    assert [(r["charge"], r["element_id"], r["items"]) for r in matrix][6:8] == [
        ("2", "PHA1997-s2-E1", "2"),
        ("2", "PHA1997-s2-E2", "0"),
    ]
    code, out, _ = run(capsys, "coverage", case, "--csv", "--evidence")
    assert [r["item_id"] for r in csv.DictReader(io.StringIO(out))] == [str(a), str(b)]
    pdf = Path(case).parent / "matrix.pdf"
    code, out, _err = run(capsys, "coverage", case, "--pdf", str(pdf))
    assert (code, out) == (EXIT_OK, "")
    with pymupdf.open(pdf) as doc:
        assert "Evidence matrix" in doc[0].get_text()

    code, out, _ = run(capsys, "untag", case, str(a), "PHA1997-s2-E1")
    assert (code, out) == (EXIT_OK, "removed 1 tags for PHA1997-s2-E1 of charge 2\n")
    code, out, _ = run(capsys, "uncharge", case, "2")
    assert (code, out) == (EXIT_OK, "removed charge 2 and its 1 tags\n")
    code, out, _ = run(capsys, "audit", case)
    for action in ("charge.add", "tag.add", "tag.remove", "charge.remove"):
        assert action in out


def test_tag_needs_the_charge_when_several_fit(
    closed: Small, capsys: pytest.CaptureFixture[str]
) -> None:
    case, a = folder(closed), str(closed.item["Answer me"])
    for dates in (("2024-03-01", "2024-03-10"), ("2024-03-11", "2024-03-31")):
        run(capsys, "charge", case, "PHA1997-s2", "--from", dates[0], "--to", dates[1])
    code, _, err = run(capsys, "tag", case, a, "PHA1997-s2-E1")
    assert code == EXIT_ERROR
    assert err == (
        "threadline: element 'PHA1997-s2-E1' belongs to several charges: "
        "name one (1:PHA1997-s2-E1 or 2:PHA1997-s2-E1)\n"
    )
    code, out, _ = run(capsys, "tag", case, a, "PHA1997-s2-E1", "--charge", "2")
    assert out == "tagged 1 items for PHA1997-s2-E1 of charge 2\n"
    code, _, err = run(capsys, "tag", case, a, "OAPA1861-s16-E1")
    assert "no charge on this case has element 'OAPA1861-s16-E1'" in err
    code, _, err = run(capsys, "tag", case, "PHA1997-s2-E1")
    assert (code, err) == (
        EXIT_ERROR,
        "threadline: name at least one item id and then an element id\n",
    )


def test_errors_are_one_line(closed: Small, capsys: pytest.CaptureFixture[str]) -> None:
    case = folder(closed)
    code, _, err = run(capsys, "charge", case, "NOPE", "--from", "2024-01-01", "--to", "2024-01-02")
    assert (code, err) == (EXIT_ERROR, "threadline: no offence 'NOPE' in the offence library\n")
    code, _, err = run(
        capsys, "charge", case, "PHA1997-s2", "--from", "1 March", "--to", "2024-01-02"
    )
    assert (code, err) == (EXIT_ERROR, "threadline: not a date: '1 March' (use YYYY-MM-DD)\n")
    code, _, _ = run(capsys, "charge", case, "PHA1997-s2", "--from", "2024-01-01")
    assert code == EXIT_USAGE
    code, _, err = run(capsys, "uncharge", case, "7")
    assert (code, err) == (EXIT_ERROR, "threadline: there is no charge 7 on this case\n")
    code, _, err = run(capsys, "coverage", case, "--redaction-set", "court")
    assert err == "threadline: there is no redaction set 'court' on this case\n"


def test_suggest_is_off_until_turned_on(closed: Small, capsys: pytest.CaptureFixture[str]) -> None:
    case = folder(closed)
    run(capsys, "charge", case, "OAPA1861-s16", "--from", "2024-03-01", "--to", "2024-04-30")
    code, out, err = run(capsys, "suggest", case)
    assert code == EXIT_ERROR
    assert out == ""
    assert "suggestions are off for this case" in err
    assert run(capsys, "suggest", case, "--on")[1] == "suggestions are on for this case\n"
    code, out, _ = run(capsys, "suggest", case)
    kill = closed.item["Answer the phone or I'll kill you"]
    assert out.splitlines() == [
        f"suggest item {kill} for OAPA1861-s16-E1 of charge 1 (threat to kill): "
        "Answer the phone or I'll kill you",
        f"suggest item {kill} for OAPA1861-s16-E2 of charge 1 (threat to kill): "
        "Answer the phone or I'll kill you",
    ]
    code, out, err = run(capsys, "suggest", case, "--accept-all", "--json")
    assert len(out.splitlines()) == 2
    assert "accepted 2 suggestions" in err
    from app.case import Case

    with Case.open(case, readonly=True) as c:
        assert [(t.element_id, t.origin) for t in store.tags(c)] == [
            ("OAPA1861-s16-E1", "suggestion"),
            ("OAPA1861-s16-E2", "suggestion"),
        ]
    code, out, err = run(capsys, "suggest", case)
    assert (out, err) == ("", "no suggestions\n")
