"""The program's own folder is read-only to it: nothing is written beside the code.

Threadline runs from a read-only folder (a USB stick, a locked Program Files): it writes only
into the user's data folder, the case folders the user picks and the system's temp folder.
The code reaches its own folder through `__file__`, `sys.executable`, PyInstaller's
`sys._MEIPASS` or Qt's `applicationDirPath`; only the modules below may, to read.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRAM_FOLDER_NAMES = {"__file__", "executable", "_MEIPASS", "applicationDirPath"}
READERS = {
    # resources_dir(): the offence library, reasons and rules, opened for reading only.
    "app/resources.py",
    # MIGRATIONS: alembic reads the migration scripts.
    "app/store/engine.py",
}
WRITE_CALLS = {"write_text", "write_bytes", "mkdir", "touch", "mkstemp", "mkdtemp", "copy"}


def _sources() -> list[Path]:
    files = [ROOT / "main.py"]
    for package in ("app", "ui"):
        files += sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)
    return files


def _names(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in PROGRAM_FOLDER_NAMES:
            found.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in PROGRAM_FOLDER_NAMES:
            found.add(node.attr)
        elif isinstance(node, ast.Constant) and node.value in PROGRAM_FOLDER_NAMES:
            found.add(str(node.value))  # getattr(sys, "_MEIPASS")
    return found


def _called(node: ast.Call) -> str:
    if isinstance(node.func, ast.Name):
        return node.func.id
    return node.func.attr if isinstance(node.func, ast.Attribute) else ""


def test_only_known_readers_look_at_the_program_folder() -> None:
    users = {
        p.relative_to(ROOT).as_posix()
        for p in _sources()
        if _names(ast.parse(p.read_text(encoding="utf-8")))
    }
    assert users == READERS


def test_the_readers_never_write() -> None:
    for rel in sorted(READERS):
        tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
        writes = [
            f"{rel}:{node.lineno} {node.func.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in WRITE_CALLS
        ]
        opened_for_writing = [
            f"{rel}:{node.lineno} open(..., {node.args[1].value!r})"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and _called(node) == "open"
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and any(c in node.args[1].value for c in "wax+")
        ]
        assert writes + opened_for_writing == []


def test_the_scan_sees_a_write_beside_the_code() -> None:
    sample = "from pathlib import Path\nPath(__file__).with_name('x.log').write_text('')\n"
    assert _names(ast.parse(sample)) == {"__file__"}
    sample = "import sys\nopen(sys.executable + '.cfg', 'w')\n"
    assert _names(ast.parse(sample)) == {"executable"}
