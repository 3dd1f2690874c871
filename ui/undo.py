"""Undo and redo for the core's edits: one QUndoCommand runs any `app.ops.Operation`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from app.case import Case
from app.errors import EvidenceError
from app.ops import Changes, Operation
from ui.errors import show_error

log = logging.getLogger(__name__)

ChangesCallback = Callable[[Changes], None]


class CoreCommand(QUndoCommand):
    """redo() applies the operation, undo() reverts it; the Changes go to `on_changes`.

    An operation the core refuses (EvidenceError) on its first apply marks the command
    obsolete, so the undo stack drops it; the message is kept in `error`.
    """

    def __init__(
        self, case: Case, op: Operation, on_changes: ChangesCallback | None = None
    ) -> None:
        super().__init__(op.label)
        self.case = case
        self.op = op
        self.on_changes = on_changes
        self.error = ""

    def redo(self) -> None:
        try:
            changes = self.op.apply(self.case)
        except EvidenceError as exc:
            log.warning("%s failed: %s", self.op.label, exc)
            self.error = str(exc)
            self.setObsolete(True)
            return
        self._emit(changes)

    def undo(self) -> None:
        self._emit(self.op.revert(self.case))

    def _emit(self, changes: Changes) -> None:
        if self.on_changes is not None:
            self.on_changes(changes)


def push_edit(
    window: QWidget,
    stack: QUndoStack,
    case: Case,
    op: Operation,
    on_changes: ChangesCallback,
    *,
    quiet: bool = False,
) -> str:
    """Run an edit as an undoable command on `stack`; the core's refusal is shown over
    `window` (unless `quiet`) and returned ("" when the edit was made)."""
    command = CoreCommand(case, op, on_changes)
    stack.push(command)
    if command.error and not quiet:
        show_error(window, EvidenceError(command.error), op.label)
    return command.error
