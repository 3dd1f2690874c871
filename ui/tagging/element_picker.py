"""The element picker: which element (point to prove) a selected span or a drawn region is
evidence of, chosen by typing as in the tagger's type-ahead (number, id, words, charge)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from ui.dialogs.list_picker import Choice, ListPicker
from ui.tagging.elements import ElementEntry, charge_name


class ElementPicker(ListPicker):
    """Choose an element key ("charge:element") and a note for a tag about to be made."""

    def __init__(
        self,
        what: str,
        entries: Sequence[ElementEntry],
        parent: QWidget | None = None,
        chosen: str = "",
    ) -> None:
        self._numbers = {str(e.number): e.key for e in entries}
        super().__init__(
            what,
            [
                Choice(
                    e.key,
                    f"{e.number} · {e.label}",
                    e.element.text,
                    f"{e.element.id} {charge_name(e.charge)}",
                )
                for e in entries
            ],
            parent,
            title="Tag with element",
            ok_text="Tag",
            filter_hint="Type an element's number or words, Enter",
            chosen=chosen,
            note_hint="Note kept with the tag (optional)",
        )
        self.setObjectName("element-picker")
        self.filter.setObjectName("element-filter")
        self.list.setObjectName("element-list")
        self.list.setAccessibleName("The charges' elements")

    def exact(self, text: str) -> str | None:
        """An element's number typed in full chooses it."""
        return self._numbers.get(text)

    @property
    def key(self) -> str | None:
        """The element key chosen (None when the filter left none)."""
        return self.value

    @classmethod
    def ask(
        cls,
        what: str,
        entries: Sequence[ElementEntry],
        parent: QWidget | None = None,
        chosen: str = "",
    ) -> tuple[str, str] | None:
        """Ask; (element key, note) or None when cancelled."""
        return cls(what, entries, parent, chosen).answer()
