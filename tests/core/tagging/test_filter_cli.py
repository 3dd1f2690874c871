"""`--element`, `--tagged` and `--untagged` on timeline, search and activity (via `main`)."""

from __future__ import annotations

from datetime import date

import pytest

from app.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from app.tagging.ops import AddCharge, TagItems
from tests.core.tagging.conftest import Small


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def texts(out: str) -> list[str]:
    """The message text of each timeline line ("… Daniel: TEXT")."""
    return [line.split(": ", 1)[1] for line in out.splitlines()]


@pytest.fixture
def tagged(small: Small) -> tuple[str, dict[str, int]]:
    """Harassment (charge 1) and threats to kill (charge 2), a few items tagged, case closed."""
    case, item = small.case, small.item
    h = AddCharge("PHA1997-s2", date(2024, 3, 1), date(2024, 4, 30))
    h.apply(case)
    k = AddCharge("OAPA1861-s16", date(2024, 3, 1), date(2024, 4, 30))
    k.apply(case)
    TagItems((item["Answer me"], item["Still awake?"]), h.charge_id, "PHA1997-s2-E1").apply(case)
    TagItems((item["I know where you live"],), h.charge_id, "PHA1997-s2-E2").apply(case)
    TagItems((item["Answer the phone or I'll kill you"],), k.charge_id, "OAPA1861-s16-E1").apply(
        case
    )
    small.case.close()
    return str(small.case.folder), item


def test_element_by_key_or_by_id(
    tagged: tuple[str, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    case, _ = tagged
    code, out, _ = run(capsys, "timeline", case, "--element", "1:PHA1997-s2-E1")
    assert code == EXIT_OK
    assert texts(out) == ["Answer me", "Still awake?"]
    # An element id alone: only charge 1 has it. Repeated options are OR'ed.
    code, out, _ = run(
        capsys, "timeline", case, "--element", "PHA1997-s2-E2", "--element", "OAPA1861-s16-E1"
    )
    assert texts(out) == ["I know where you live", "Answer the phone or I'll kill you"]
    code, out, _ = run(capsys, "search", case, "answer", "--element", "PHA1997-s2-E1")
    assert out.splitlines()[-1] == "1 hits"
    assert "Daniel: [Answer] me" in out.splitlines()[0]
    code, out, _ = run(capsys, "activity", case, "--element", "PHA1997-s2-E1")
    assert out.splitlines()[0] == "Events per day in Europe/London: 2 events on 2 days"


def test_tagged_and_untagged(
    tagged: tuple[str, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    case, _ = tagged
    code, out, _ = run(capsys, "timeline", case, "--tagged")
    assert code == EXIT_OK
    assert len(texts(out)) == 4
    code, out, _ = run(capsys, "timeline", case, "--untagged")
    assert texts(out) == [
        "Answer me now",
        "Please leave me alone",
        "I will send your pics to everyone at work",
        "You'll regret this",
    ]
    code, out, _ = run(capsys, "search", case, "answer", "--untagged")
    assert out.splitlines()[-1] == "1 hits"
    code, _, err = run(capsys, "timeline", case, "--tagged", "--untagged")
    assert code == EXIT_USAGE
    assert "not allowed with argument" in err


def test_unknown_or_ambiguous_elements_are_one_line(
    tagged: tuple[str, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    case, _ = tagged
    code, out, err = run(capsys, "timeline", case, "--element", "SOA2003-s66B-4-E1")
    assert (code, out) == (EXIT_ERROR, "")
    assert err == (
        "threadline: no charge on this case has element 'SOA2003-s66B-4-E1' (see `charges`)\n"
    )
    code, _, err = run(capsys, "timeline", case, "--element", "9:PHA1997-s2-E1")
    assert err == "threadline: there is no charge 9 on this case\n"
    code, _, err = run(capsys, "timeline", case, "--element", "1:OAPA1861-s16-E1")
    assert err == "threadline: Harassment s.2 has no element 'OAPA1861-s16-E1'\n"
    # Two charges of the same offence: the bare id is ambiguous, the key is not.
    code, _, _ = run(
        capsys, "charge", case, "PHA1997-s2", "--from", "2024-01-01", "--to", "2024-02-01"
    )
    code, _, err = run(capsys, "timeline", case, "--element", "PHA1997-s2-E1")
    assert err == (
        "threadline: element 'PHA1997-s2-E1' belongs to several charges: "
        "name one (1:PHA1997-s2-E1 or 3:PHA1997-s2-E1)\n"
    )
    code, out, _ = run(capsys, "timeline", case, "--element", "3:PHA1997-s2-E1")
    assert (code, out) == (EXIT_OK, "")
