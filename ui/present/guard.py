"""Protective viewing: which pictures are marked intimate or distressing, blurring them, and
the calm bar that says so with its deliberate "Reveal…".

Every view that shows a picture asks the one `GUARD` whether the item is marked and, if so,
keeps only a blurred copy (the sharp pixels are dropped, not hidden under an effect). The
window's present controller tells the guard how to read the marks of the open case and how to
reveal one (ask, then write the reveal to the audit log); with no case open nothing is marked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ui import theme

log = logging.getLogger(__name__)

BLUR_SIDE = 14  # the picture is shrunk to this many pixels on its long side, then enlarged
BLUR_MAX_SIDE = 1600  # a blurred picture needs no more pixels than this

LABELS = {
    "intimate": "Marked intimate — blurred",
    "distressing": "Marked distressing — blurred",
}
SUGGESTED_LABEL = "Flagged as possibly intimate on import — blurred until reviewed"

# item ids -> {item id: (kind, state)} for the marked ones among them.
MarkLookup = Callable[[Sequence[int]], Mapping[int, tuple[str, str]]]
# (item id, where, parent widget) -> True when the user chose to reveal (and it was recorded).
RevealHandler = Callable[[int, str, QWidget | None], bool]


def blurred(image: QImage) -> QImage:
    """A heavily blurred copy of `image` (shrunk to a few pixels, then smoothly enlarged to
    the same size); nothing of the detail survives, so it is safe to keep."""
    if image.isNull():
        return QImage()
    w, h = image.width(), image.height()
    scale = BLUR_SIDE / max(w, h)
    sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
    smooth = Qt.TransformationMode.SmoothTransformation
    ignore = Qt.AspectRatioMode.IgnoreAspectRatio
    small = image.convertToFormat(QImage.Format.Format_RGB32).scaled(sw, sh, ignore, smooth)
    # Enlarged in two steps, so the bilinear ramps are smooth rather than blocky.
    middle = small.scaled(sw * 6, sh * 6, ignore, smooth)
    if max(w, h) > BLUR_MAX_SIDE:
        fit = BLUR_MAX_SIDE / max(w, h)
        w, h = max(1, round(w * fit)), max(1, round(h * fit))
    return middle.scaled(w, h, ignore, smooth)


def label_for(kind: str, state: str = "marked") -> str:
    """What the bar over a blurred picture says."""
    if state == "suggested":
        return SUGGESTED_LABEL
    return LABELS.get(kind, "Marked — blurred")


class Guard(QObject):
    """The marks of the open case (read lazily, cached) and the reveal handler."""

    changed = Signal()  # marks were added or removed: views showing pictures look again

    def __init__(self) -> None:
        super().__init__()
        self._lookup: MarkLookup | None = None
        self._reveal: RevealHandler | None = None
        self._cache: dict[int, tuple[str, str] | None] = {}

    def install(self, lookup: MarkLookup | None, reveal: RevealHandler | None) -> None:
        """Read marks with `lookup` and reveal with `reveal` (None, None: no case open)."""
        self._lookup = lookup
        self._reveal = reveal
        self._cache.clear()
        self.changed.emit()

    def forget(self) -> None:
        """Marks changed: read them again when next asked."""
        self._cache.clear()
        self.changed.emit()

    def marks(self, item_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        """(kind, state) of the marked items among `item_ids`."""
        ids = list(dict.fromkeys(item_ids))
        wanted = [i for i in ids if i not in self._cache]
        if wanted and self._lookup is not None:
            try:
                found = self._lookup(wanted)
            except Exception:  # a view must still show something: blur nothing new
                log.exception("protective marks not read")
                found = {}
            for i in wanted:
                self._cache[i] = found.get(i)
        out: dict[int, tuple[str, str]] = {}
        for i in ids:
            mark = self._cache.get(i)
            if mark is not None:
                out[i] = mark
        return out

    def mark(self, item_id: int) -> tuple[str, str] | None:
        """(kind, state) of one item, None when it is not marked."""
        return self.marks([item_id]).get(item_id)

    def kind(self, item_id: int) -> str:
        """The kind of mark of one item ("intimate", "distressing"), "" when unmarked."""
        mark = self.mark(item_id)
        return mark[0] if mark else ""

    def cover(self, item_id: int, image: QImage) -> QImage:
        """`image` as it may be shown: blurred when the item is marked."""
        return blurred(image) if self.mark(item_id) is not None else image

    def ask_reveal(self, item_id: int, where: str, parent: QWidget | None = None) -> bool:
        """Ask to reveal a marked picture; True once the reveal is recorded."""
        if self._reveal is None:
            return False
        return self._reveal(item_id, where, parent)


GUARD = Guard()
"""The guard every view asks."""


class ProtectiveBar(QFrame):
    """The line over a blurred picture ("Marked intimate — blurred", Reveal…); else hidden."""

    reveal_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("protective-bar")
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, theme.ocr_background())
        self.setPalette(palette)
        self.label = QLabel()
        self.label.setObjectName("protective-label")
        self.label.setWordWrap(True)
        self.button = QPushButton("Reveal…")
        self.button.setObjectName("protective-reveal")
        self.button.setToolTip(
            "Show this picture unblurred (you are asked first; the reveal is recorded in the "
            "audit log)"
        )
        self.button.clicked.connect(self.reveal_clicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.hide()

    def show_mark(self, mark: tuple[str, str] | None, revealed: bool = False) -> None:
        """Say how the picture is shown (None: unmarked, the bar hides)."""
        if mark is None:
            self.hide()
            return
        kind, state = mark
        if revealed:
            what = "intimate" if kind == "intimate" else "distressing"
            self.label.setText(f"Marked {what} — revealed (recorded). Leaving it blurs it again.")
            self.button.hide()
        else:
            self.label.setText(label_for(kind, state))
            self.button.show()
        self.show()
