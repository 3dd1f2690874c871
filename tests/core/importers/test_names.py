"""Readable importer names: one table, used by the window and by a pack's schedule."""

from __future__ import annotations

from app.importers.names import IMPORTER_NAMES, importer_name
from app.importers.registry import BUILTIN_IMPORTERS


def test_every_builtin_importer_has_a_readable_name() -> None:
    missing = [i.NAME for i in BUILTIN_IMPORTERS if i.NAME not in IMPORTER_NAMES]
    assert missing == []
    names = [IMPORTER_NAMES[i.NAME] for i in BUILTIN_IMPORTERS]
    # No name is the raw importer name capitalised ("Ufdr", "Meta-records").
    assert not [n for n in names if "-" in n or "_" in n]
    assert importer_name("ufdr") == "Cellebrite UFDR"
    assert importer_name("meta-records") == "Meta business record"
    assert importer_name("snapchat-return") == "Snapchat return"


def test_unknown_and_missing_names_read_plainly() -> None:
    assert importer_name("some_new-reader") == "Some new reader"
    assert importer_name("", "File") == "File"
    assert importer_name("") == ""
