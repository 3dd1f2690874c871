"""Shared fixtures: a fresh case, and the public corpus read from ../shared/corpus."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.case import Case

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("THREADLINE_CORPUS", REPO.parent / "shared" / "corpus"))


def corpus_file(rel: str) -> Path:
    """A file of the shared corpus, or skip the test saying why it is not there."""
    path = CORPUS / rel
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS} (set THREADLINE_CORPUS)")
    if not path.exists():
        pytest.skip(f"corpus file {rel} is not in {CORPUS}")
    return path


@pytest.fixture(autouse=True)
def _user_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test's user data (logs, demo, settings) out of the real home folder."""
    monkeypatch.setenv("THREADLINE_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def case(tmp_path: Path) -> Iterator[Case]:
    """A fresh, empty case in a temporary folder, open for writing."""
    c = Case.create(tmp_path / "case")
    yield c
    c.close()
