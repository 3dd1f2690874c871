"""The viewer stack: picks the viewer for an item's kind and shows what a provider loads.

The providers are plain callables (item id in, frozen records out), so the window can
later run them on a worker and hand the result to `show_data` on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from app import items
from app.case import Case
from app.errors import EvidenceError
from app.items import MessageRow, ViewerData
from ui.viewers.chat import ChatThreadView
from ui.viewers.common import muted
from ui.viewers.email import EmailView
from ui.viewers.image import ImageView
from ui.viewers.pdf import PdfView
from ui.viewers.text import TextView

log = logging.getLogger(__name__)

Load = Callable[[int], ViewerData]
LoadConversation = Callable[[int], Sequence[MessageRow]]

VIEWER_FOR_KIND = {
    "message": "chat",
    "system": "chat",
    "call": "chat",
    "image": "image",
    "document": "pdf",
    "email": "email",
}
"""Which viewer shows which item kind; every other kind gets the plain text viewer."""


def case_loaders(case: Case) -> tuple[Load, LoadConversation]:
    """Providers reading `case` in the caller's thread."""

    def load(item_id: int) -> ViewerData:
        return items.viewer_data(case, item_id)

    def whole(item_id: int) -> Sequence[MessageRow]:
        return items.conversation_all(case, item_id)

    return load, whole


class ViewerStack(QStackedWidget):
    """The detail viewers in one place; `item_activated` asks to open another item
    (an attachment, a near-duplicate)."""

    item_activated = Signal(int)

    def __init__(
        self,
        load: Load | None = None,
        load_conversation: LoadConversation | None = None,
        zone_name: str = "Europe/London",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("viewer-stack")
        self._load = load
        self._load_conversation = load_conversation
        self._zone = zone_name
        self._data: ViewerData | None = None

        self.placeholder = muted(QLabel("Choose an item to see it here."))
        self.placeholder.setObjectName("viewer-placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.chat = ChatThreadView()
        self.image = ImageView()
        self.pdf = PdfView()
        self.email = EmailView()
        self.text = TextView()
        for w in (self.placeholder, self.chat, self.image, self.pdf, self.email, self.text):
            self.addWidget(w)
        for viewer in (self.chat, self.image, self.email, self.text):
            viewer.item_activated.connect(self.item_activated)
        self.chat.whole_requested.connect(self.show_whole_conversation)
        self.currentChanged.connect(lambda _index: self.updateGeometry())

    def minimumSizeHint(self) -> QSize:
        """The shown viewer's minimum, not the largest of them all: a chat beside the
        timeline needs less room than the PDF viewer's toolbar."""
        current = self.currentWidget()
        return current.minimumSizeHint() if current is not None else super().minimumSizeHint()

    @classmethod
    def for_case(cls, case: Case, zone_name: str | None = None) -> ViewerStack:
        """A stack reading `case` directly (on the GUI thread)."""
        load, whole = case_loaders(case)
        return cls(load, whole, zone_name or case.zone)

    # -- showing ----------------------------------------------------------------------

    def show(self, item_id: int | None = None) -> None:
        """Show the item `item_id` (loaded through the provider); without an id, show the
        widget itself, as QWidget.show does."""
        if item_id is None:
            super().show()
        else:
            self.show_item(item_id)

    def show_item(self, item_id: int) -> None:
        """Load the item through the provider and show it."""
        if self._load is None:
            raise RuntimeError("the viewer stack has no provider to load items with")
        try:
            data = self._load(item_id)
        except EvidenceError as exc:
            self.show_message(f"This item cannot be shown: {exc}")
            return
        self.show_data(data)

    def show_data(self, data: ViewerData, image: QImage | None = None) -> None:
        """Show what a provider loaded, in the viewer for its kind.

        For a picture, `image` is its decoded pixels when the caller read them off the GUI
        thread (`app.items.original_pixels`); without it the viewer reads the original itself.
        """
        self._data = data
        d = data.detail
        which = VIEWER_FOR_KIND.get(d.kind, "text")
        if which == "chat":
            self.chat.show_item(d, data.messages, self._zone, data.conversation_size)
            self.setCurrentWidget(self.chat)
        elif which == "image":
            self.image.show_item(d, image, data.duplicates, self._zone, pages=data.pages)
            self.setCurrentWidget(self.image)
        elif which == "pdf" and "application/pdf" in (d.mime, d.source.mime):
            self.pdf.show_item(d, data.pages)
            self.setCurrentWidget(self.pdf)
        elif which == "email":
            self.email.show_item(d, self._zone)
            self.setCurrentWidget(self.email)
        else:
            self.text.show_item(d, self._zone)
            self.setCurrentWidget(self.text)

    def show_message(self, message: str) -> None:
        """Show a sentence instead of a viewer (nothing chosen, or a failure)."""
        self._data = None
        self.placeholder.setText(message)
        self.setCurrentWidget(self.placeholder)

    def clear(self) -> None:
        """Show no item."""
        self.show_message("Choose an item to see it here.")

    def show_whole_conversation(self, item_id: int) -> None:
        """Replace the chat's window of messages with the whole conversation."""
        if self._load_conversation is None:
            return
        try:
            messages = self._load_conversation(item_id)
        except EvidenceError as exc:
            log.info("whole conversation of %d not loaded: %s", item_id, exc)
            return
        self.chat.show_messages(messages)

    # -- state ------------------------------------------------------------------------

    @property
    def data(self) -> ViewerData | None:
        """What is shown, None when nothing is."""
        return self._data

    @property
    def zone_name(self) -> str:
        """The zone times are shown in."""
        return self._zone

    def set_zone(self, zone_name: str) -> None:
        """Show times in another zone (the item shown is drawn again)."""
        self._zone = zone_name
        if self._data is not None:
            self.show_data(self._data)
