"""The reason picker: which reason code a redaction carries, chosen by typing.

Type to filter (code, label or description), Up/Down to move, Enter accepts, Esc cancels.
The last reason used is chosen first next time; an optional note goes with the redaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from app.redaction.model import Reason
from app.redaction.store import reasons as configured_reasons
from ui.dialogs.list_picker import Choice, ListPicker

_remembered: dict[str, str] = {}  # one choice, remembered for the whole session


def last_reason() -> str:
    """The code chosen last in this session ('' before the first choice)."""
    return _remembered.get("reason", "")


def remember_reason(code: str) -> None:
    """Make `code` the reason chosen first next time."""
    _remembered["reason"] = code


class ReasonPicker(ListPicker):
    """Choose a reason code (and a note) for what is about to be redacted."""

    def __init__(
        self,
        what: str,
        parent: QWidget | None = None,
        reasons: Sequence[Reason] | None = None,
        *,
        with_note: bool = True,
    ) -> None:
        found = list(reasons if reasons is not None else configured_reasons())
        self._codes = {r.code for r in found}
        super().__init__(
            what,
            [Choice(r.code, f"{r.code}  —  {r.label}", r.description) for r in found],
            parent,
            title="Reason for redaction",
            ok_text="Redact",
            filter_hint="Type to filter: code or words of the reason",
            chosen=last_reason(),
            with_note=with_note,
        )
        self.setObjectName("reason-picker")
        self.filter.setObjectName("reason-filter")
        self.filter.setAccessibleName("Filter the reasons")
        self.list.setObjectName("reason-list")
        self.list.setAccessibleName("Reasons")
        self.description.setObjectName("reason-description")
        self.note.setObjectName("reason-note")

    def exact(self, text: str) -> str | None:
        """A code typed in full wins."""
        code = text.upper()
        return code if code in self._codes else None

    @property
    def code(self) -> str | None:
        """The reason chosen (None when the filter left none)."""
        return self.value

    def accept(self) -> None:
        code = self.code
        if code is None:
            return
        remember_reason(code)
        super().accept()

    @classmethod
    def ask(cls, what: str, parent: QWidget | None = None) -> tuple[str, str] | None:
        """Ask; (code, note) or None when cancelled."""
        return cls(what, parent).answer()
