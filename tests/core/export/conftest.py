"""Fixtures of the export tests: the demo case, built once per session and copied per test.

The demo gives its evidence the officer's exhibits (LB/1 to LB/7); most tests here start
from a copy without them, so they see how a case with no exhibits yet is planned and
numbered. `test_demo_exhibits.py` works on the demo as built.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import demo
from app.case import Case
from app.export.exhibits import RemoveExhibit, exhibits


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo case folder, built once into a session folder (never the user's home)."""
    home = tmp_path_factory.mktemp("x1-demo-home")
    before = os.environ.get("THREADLINE_HOME")
    os.environ["THREADLINE_HOME"] = str(home)
    try:
        return demo.ensure_demo_case()
    finally:
        if before is None:
            os.environ.pop("THREADLINE_HOME", None)
        else:
            os.environ["THREADLINE_HOME"] = before


@pytest.fixture(scope="session")
def unexhibited_demo(built_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo case with its exhibit references removed (sub-exhibits first)."""
    folder = copy_case(built_demo, tmp_path_factory.mktemp("x1-unexhibited") / built_demo.name)
    with Case.open(folder) as case:
        for row in sorted(exhibits(case), key=lambda e: e.parent_id is None):
            RemoveExhibit(row.ref).apply(case)
    return folder


def copy_case(source: Path, target: Path) -> Path:
    """A writable copy of a case folder (originals are read-only in the store)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.lock", "lock"))
    for top, dirs, files in os.walk(target):
        for name in dirs + files:
            p = os.path.join(top, name)
            os.chmod(p, os.stat(p).st_mode | stat.S_IWUSR)
    return target


@pytest.fixture
def demo_case(unexhibited_demo: Path, tmp_path: Path) -> Iterator[Case]:
    """A fresh writable copy of the demo case without exhibits, open for writing."""
    folder = copy_case(unexhibited_demo, tmp_path / unexhibited_demo.name)
    case = Case.open(folder)
    yield case
    case.close()


@pytest.fixture
def demo_folder(unexhibited_demo: Path, tmp_path: Path) -> Path:
    """A fresh writable copy of the demo case's folder without exhibits (not opened)."""
    return copy_case(unexhibited_demo, tmp_path / unexhibited_demo.name)
