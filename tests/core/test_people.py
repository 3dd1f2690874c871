"""Participants across sources: first guesses at links, and linking that can be undone."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.case import Case
from app.cli import main
from app.ingest.job import import_paths
from app.ops import LinkParticipants, UnlinkParticipants
from app.people import participants, suggest_links


@pytest.fixture
def two_sources(case: Case, tmp_path: Path) -> Case:
    (tmp_path / "WhatsApp Chat with D.txt").write_text(
        "14/03/2024, 21:14 - +44 7700 900456: Answer me\n14/03/2024, 21:15 - Sarah: Stop\n",
        encoding="utf-8",
    )
    (tmp_path / "WhatsApp Chat with Dan.txt").write_text(
        "15/03/2024, 01:02 - 07700 900456: I know where you are\n"
        "15/03/2024, 01:03 - Priya: Are you ok?\n",
        encoding="utf-8",
    )
    report = import_paths(case, sorted(tmp_path.glob("*.txt")))
    assert report.count("imported") == 2
    return case


def test_same_number_in_two_sources_is_suggested(two_sources: Case) -> None:
    rows = {p.name: p for p in participants(two_sources)}
    assert rows["+44 7700 900456"].phone == rows["07700 900456"].phone == "+447700900456"
    (suggestion,) = suggest_links(two_sources)
    assert suggestion.participant_ids == (rows["+44 7700 900456"].id, rows["07700 900456"].id)
    assert suggestion.reason == "same phone number +447700900456 in 2 sources"


def test_linking_is_undoable_and_audited(two_sources: Case) -> None:
    (suggestion,) = suggest_links(two_sources)
    op = LinkParticipants(suggestion.participant_ids, person_name="Daniel Hughes")
    op.apply(two_sources)
    linked = [p for p in participants(two_sources) if p.person_id]
    assert {p.person_name for p in linked} == {"Daniel Hughes"}
    assert len(linked) == 2
    assert suggest_links(two_sources) == []  # already attributed: no longer suggested

    op.revert(two_sources)
    assert all(p.person_id is None for p in participants(two_sources))
    op.apply(two_sources)  # redo
    assert len([p for p in participants(two_sources) if p.person_id]) == 2
    actions = [r.action for r in two_sources.audit_rows()][:3]
    assert actions == ["participants.link", "participants.unlink", "participants.link"]


def test_cli_participants_and_link(two_sources: Case, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(two_sources.folder)
    two_sources.close()
    assert main(["participants", folder, "--suggest"]) == 0
    out = capsys.readouterr().out
    assert "suggest linking" in out
    assert "same phone number +447700900456 in 2 sources" in out
    ids = out.split("suggest linking ")[1].split(":")[0].split(", ")
    assert main(["link", folder, *ids, "--person", "Daniel Hughes"]) == 0
    assert main(["participants", folder]) == 0
    assert out.count("Daniel Hughes") == 0
    assert capsys.readouterr().out.count("→ Daniel Hughes") == 2


def test_unlink_keeps_the_person_and_undo_restores_the_link(two_sources: Case) -> None:
    (suggestion,) = suggest_links(two_sources)
    LinkParticipants(suggestion.participant_ids, person_name="Daniel Hughes").apply(two_sources)
    first = suggestion.participant_ids[0]
    person = next(p.person_id for p in participants(two_sources) if p.id == first)

    unlink = UnlinkParticipants((first,))
    unlink.apply(two_sources)
    rows = {p.id: p for p in participants(two_sources)}
    assert rows[first].person_id is None
    assert rows[suggestion.participant_ids[1]].person_id == person  # the other stays linked
    assert two_sources.audit_rows()[0].action == "participants.unlink"

    unlink.revert(two_sources)
    assert {p.id: p.person_id for p in participants(two_sources)}[first] == person
