"""Full-text search: words, phrases and prefixes, in time order, safe against FTS syntax."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.case import Case
from app.cli import main
from app.errors import EvidenceError
from app.ingest.job import import_paths
from app.search import to_fts


@pytest.fixture
def chat(case: Case, tmp_path: Path) -> Case:
    (tmp_path / "WhatsApp Chat with Daniel.txt").write_text(
        "14/03/2024, 21:14 - Daniel: I know where you live now\n"
        "14/03/2024, 21:20 - Sarah: Please leave me alone\n"
        "15/03/2024, 01:02 - Daniel: Living without you is impossible\n"
        "15/03/2024, 01:05 - Daniel: Answer me AND stop ignoring (me)\n",
        encoding="utf-8",
    )
    assert import_paths(case, [tmp_path]).count("imported") == 1
    return case


def texts(case: Case, q: str) -> list[str]:
    return [h.row.text for h in case.search(q)]


def test_words_phrases_and_prefixes(chat: Case) -> None:
    assert texts(chat, "live") == ["I know where you live now"]
    assert texts(chat, "liv*") == ["I know where you live now", "Living without you is impossible"]
    assert texts(chat, '"where you live"') == ["I know where you live now"]
    assert texts(chat, '"you where"') == []
    assert texts(chat, "you now") == ["I know where you live now"]  # every word must match


def test_fts_syntax_in_a_query_is_just_text(chat: Case) -> None:
    assert texts(chat, "AND") == ["Answer me AND stop ignoring (me)"]
    # Punctuation is not syntax: "(me)" is the word "me".
    assert texts(chat, "(me)") == ["Please leave me alone", "Answer me AND stop ignoring (me)"]
    assert texts(chat, "NEAR(x y)") == []
    with pytest.raises(EvidenceError, match="search is empty"):
        to_fts('  "" * ')


def test_hits_carry_a_marked_snippet(chat: Case) -> None:
    (hit,) = chat.search("alone")
    assert hit.snippet == "Please leave me [alone]"
    assert not hit.in_ocr
    assert hit.row.author == "Sarah"


def test_cli_search(chat: Case, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(chat.folder)
    assert main(["search", folder, "liv*", "--json"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [h["time_utc"] for h in hits] == ["2024-03-14T21:14:00Z", "2024-03-15T01:02:00Z"]
    assert hits[1]["snippet"] == "[Living] without you is impossible"
    assert main(["search", folder, "alone"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "1 hits"
    assert out[0].startswith("2024-03-14 21:20:00 GMT  WhatsApp Chat with Daniel.txt  Sarah: ")
