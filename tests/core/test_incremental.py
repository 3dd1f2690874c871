"""A later export of the same chat adds only the new messages and says how many matched."""

from __future__ import annotations

from pathlib import Path

from app.case import Case
from app.ingest.job import import_paths


def chat(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


EARLY = [
    "14/03/2024, 21:14 - Daniel: Why aren't you answering",
    "14/03/2024, 21:15 - Daniel: ok",
    "14/03/2024, 21:15 - Daniel: ok",
    "14/03/2024, 21:40 - Sarah: Please stop messaging me",
]
LATER = [
    *EARLY,
    "16/03/2024, 01:02 - Daniel: I know where you are",
    "16/03/2024, 01:03 - Daniel: ok",
]


def test_later_export_adds_only_new_messages(case: Case, tmp_path: Path) -> None:
    first = tmp_path / "WhatsApp Chat with Daniel.txt"
    first.write_text(chat(EARLY), encoding="utf-8")
    later = tmp_path / "later" / "WhatsApp Chat with Daniel.txt"
    later.parent.mkdir()
    later.write_text(chat(LATER), encoding="utf-8")

    one = import_paths(case, [first]).files[0]
    assert (one.importer, one.items, one.matched) == ("whatsapp", 4, 0)
    two = import_paths(case, [later]).files[0]
    assert two.status == "imported"
    assert (two.items, two.matched) == (2, 4)
    texts = [r.text for r in case.timeline_rows(case.timeline_ids())]
    # The repeated "ok" in one minute stays twice; the new "ok" of 01:03 is a new message.
    assert texts == [
        "Why aren't you answering",
        "ok",
        "ok",
        "Please stop messaging me",
        "I know where you are",
        "ok",
    ]
