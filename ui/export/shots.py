"""Screenshots of exhibits and export: the export dialog with its preview (and the warning
when proposed redactions wait for review), and the Exhibits dock (registered in
ui/screenshots.py). Nothing is written to the case."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from ui.export.dialog import ExportDialog

if TYPE_CHECKING:
    from ui.main_window import MainWindow

Prepare = Callable[["MainWindow"], QWidget | None]


def export_dialog(window: MainWindow) -> QWidget | None:
    """The export dialog on the case: its exhibits (or everything) chosen, the preview shown."""
    if window.case is None:
        return None
    window.hide_progress()  # the progress shots leave made-up jobs showing
    dialog = window.export.open_dialog()
    if dialog is None:
        return None
    refs = [r.ref for r in window.export.rows]
    if refs:
        dialog.check_exhibits(refs)
    else:
        dialog.set_material("everything")
    dialog.preview_now()  # not after the debounce
    dialog.resize(1180, 720)
    return dialog


def export_dialog_zip(window: MainWindow) -> QWidget | None:
    """The export dialog with the encrypted zip chosen, its password typed twice (masked)."""
    dialog = export_dialog(window)
    if not isinstance(dialog, ExportDialog):
        return None
    dialog.zip.setChecked(True)
    dialog.password.setText("copper kites at dawn")
    dialog.password_again.setText("copper kites at dawn")
    return dialog


def exhibits_dock(window: MainWindow) -> QWidget | None:
    """The Exhibits dock listing the case's exhibits (skipped when it has none)."""
    if window.case is None or not window.export.rows:
        return None
    window.export.show_exhibits()
    return window.export.dock


EXPORT_SHOTS: list[tuple[str, Prepare]] = [
    ("export-dialog.png", export_dialog),
    ("export-dialog-zip.png", export_dialog_zip),
    ("exhibits-dock.png", exhibits_dock),
]
"""(file name, prepare) pairs for the screenshot registry."""
