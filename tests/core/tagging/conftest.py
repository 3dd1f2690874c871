"""Fixtures of the tagger tests: a small case of chat messages, found by their text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from app.case import Case
from app.ingest.job import import_paths
from app.store.schema import Item

# Local London times. 31 March 2024 is the day the clocks went forward: the last two
# messages are on two local days but one UTC day (00:30 BST on 1 April is 23:30 UTC).
CHAT = """\
01/03/2024, 09:00 - Daniel: Answer me
01/03/2024, 23:30 - Daniel: Answer me now
02/03/2024, 10:00 - Daniel: I know where you live
03/03/2024, 08:00 - Sarah: Please leave me alone
05/03/2024, 12:00 - Daniel: I will send your pics to everyone at work
20/03/2024, 12:00 - Daniel: You'll regret this
31/03/2024, 22:00 - Daniel: Still awake?
01/04/2024, 00:30 - Daniel: Answer the phone or I'll kill you
"""


@dataclass
class Small:
    """The small case and its items by the text of their message."""

    case: Case
    item: dict[str, int]


def build_small(folder: Path) -> Small:
    """A fresh case holding the chat above."""
    evidence = folder / "evidence"
    evidence.mkdir(parents=True)
    (evidence / "WhatsApp Chat with Daniel.txt").write_text(CHAT, encoding="utf-8")
    case = Case.create(folder / "small")
    report = import_paths(case, [evidence])
    assert report.count("imported") == 1
    with case.read() as s:
        items = {text: item_id for item_id, text in s.execute(select(Item.id, Item.text))}
    return Small(case, items)


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Small]:
    """The small chat case, fresh for each test."""
    built = build_small(tmp_path)
    yield built
    built.case.close()
