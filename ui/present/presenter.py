"""The presenter's window: the current and next step, the notes, the elements the item
proves, the exhibit's hash, a clock and the time elapsed. Its keys drive the presentation.

It shows the same prepared slides as the court's screen (so the presenter sees exactly what
the court sees), never the item's own text or pictures.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QColor, QFont, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.case import Case
from app.errors import EvidenceError
from app.items import item_detail
from app.present.model import StepRow
from app.tagging import store as tag_store
from ui.present.mode import PresentationSession
from ui.present.slides import CARD, MUTED, TEXT, SlideView

log = logging.getLogger(__name__)

PRESENTER_BACKGROUND = QColor("#2a2c30")  # a shade lighter than the slides shown on it


def proves(case: Case, item_id: int) -> list[str]:
    """The elements an item is tagged for: "Harassment (PHA 1997 s.2): a course of
    conduct…"."""
    try:
        tags = tag_store.tags_for_items(case, [item_id]).get(item_id, [])
        if not tags:
            return []
        charges = {c.id: c for c in tag_store.charges(case)}
    except EvidenceError as exc:
        log.warning("tags of item %d not read: %s", item_id, exc)
        return []
    out: list[str] = []
    for t in tags:
        charge = charges.get(t.charge_id)
        if charge is None:
            continue
        element = next((e for e in charge.elements if e.id == t.element_id), None)
        name = charge.offence.short_name or charge.offence.name
        line = f"{name}: {element.text if element else t.element_id}"
        if line not in out:
            out.append(line)
    return out


def exhibit_hash(case: Case, item_id: int) -> str:
    """The SHA-256 of the item's original (its own file, else the source file it came in)."""
    try:
        detail = item_detail(case, item_id)
    except EvidenceError:
        return ""
    return detail.blob_sha or detail.source.sha256


def _label(text: str = "", *, size: float = 1.0, muted: bool = False, bold: bool = False) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * size)
    font.setBold(bold)
    label.setFont(font)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, MUTED if muted else TEXT)
    label.setPalette(palette)
    return label


class PresenterWindow(QWidget):
    """A separate, ordinary window for the presenter (on the other screen or this one)."""

    def __init__(self, session: PresentationSession, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("presenter-window")
        self.setWindowTitle(f"Presenter — {session.presentation.name}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.session = session
        self._info: dict[int, tuple[list[str], str]] = {}
        self._closing = False

        palette = self.palette()
        for role, colour in (
            (QPalette.ColorRole.Window, PRESENTER_BACKGROUND),
            (QPalette.ColorRole.Base, CARD),
            (QPalette.ColorRole.WindowText, TEXT),
            (QPalette.ColorRole.Text, TEXT),
            (QPalette.ColorRole.Button, CARD),
            (QPalette.ColorRole.ButtonText, TEXT),
            (QPalette.ColorRole.PlaceholderText, MUTED),
        ):
            palette.setColor(role, colour)
        self.setPalette(palette)
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            "QPushButton { padding: 7px 16px; border: 1px solid #4a4d54; border-radius: 4px;"
            " background: #33363b; color: #ececec; }"
            "QPushButton:checked { background: #2f6cad; border-color: #2f6cad; }"
            "QPushButton:hover { border-color: #8d9198; }"
            "QTextBrowser { background: #33363b; color: #ececec; border: none;"
            " border-radius: 4px; padding: 6px; }"
        )

        self.title = _label(session.presentation.name, size=1.3, bold=True)
        self.position = _label(size=1.3, muted=True)
        self.position.setObjectName("presenter-position")
        self.clock = _label(size=1.6, bold=True)
        self.clock.setObjectName("presenter-clock")
        self.elapsed = _label(size=1.3, muted=True)
        self.elapsed.setObjectName("presenter-elapsed")
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addSpacing(16)
        top.addWidget(self.position)
        top.addStretch(1)
        top.addWidget(self.elapsed)
        top.addSpacing(24)
        top.addWidget(self.clock)

        self.current = SlideView(compact=False)
        self.current.setObjectName("presenter-current")
        self.current.setMinimumSize(480, 270)
        ratio = session.size.width() / max(1, session.size.height())
        self.current.aspect = ratio  # exactly what the court's screen shows, scaled
        self.current.surround = PRESENTER_BACKGROUND
        self.next_view = SlideView(compact=True)
        self.next_view.setObjectName("presenter-next")
        self.next_view.setMinimumSize(240, 135)
        self.next_view.aspect = ratio
        self.next_view.surround = PRESENTER_BACKGROUND
        self.next_label = _label("Next", muted=True, bold=True)
        self.notes = QTextBrowser()
        self.notes.setObjectName("presenter-notes")
        self.notes.setFrameShape(QFrame.Shape.NoFrame)
        self.notes.setOpenLinks(False)
        font = QFont(self.notes.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.notes.setFont(font)
        self.proves = _label()
        self.proves.setObjectName("presenter-proves")
        self.proves.setWordWrap(True)
        self.proves.setTextFormat(Qt.TextFormat.PlainText)
        self.sha = _label(muted=True)
        self.sha.setObjectName("presenter-sha")
        self.sha.setWordWrap(True)
        self.sha.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(self.sha.font().pointSizeF())
        self.sha.setFont(mono)
        self.typed = _label(size=1.2, bold=True)
        self.typed.setObjectName("presenter-typed")

        side = QVBoxLayout()
        side.setSpacing(6)
        side.addWidget(self.next_label)
        side.addWidget(self.next_view, 2)
        side.addSpacing(10)
        side.addWidget(_label("Notes", muted=True, bold=True))
        side.addWidget(self.notes, 3)
        side.addSpacing(6)
        side.addWidget(_label("Proves", muted=True, bold=True))
        side.addWidget(self.proves)
        side.addSpacing(6)
        side.addWidget(_label("Exhibit SHA-256", muted=True, bold=True))
        side.addWidget(self.sha)

        self.previous_button = QPushButton("◀  Previous")
        self.next_button = QPushButton("Next  ▶")
        self.blank_button = QPushButton("Blank screen (B)")
        self.blank_button.setCheckable(True)
        self.reveal_button = QPushButton("Reveal blurred picture…")
        self.reveal_button.setObjectName("presenter-reveal")
        self.reveal_button.setToolTip(
            "Show the blurred picture unblurred on the court's screen (asked first; recorded "
            "in the audit log)"
        )
        self.end_button = QPushButton("End (Esc)")
        for b in (
            self.previous_button,
            self.next_button,
            self.blank_button,
            self.reveal_button,
            self.end_button,
        ):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the presentation
        self.previous_button.clicked.connect(session.previous)
        self.next_button.clicked.connect(session.next)
        self.blank_button.clicked.connect(lambda: session.toggle_blank())
        self.reveal_button.clicked.connect(lambda: session.reveal_current(self))
        self.end_button.clicked.connect(session.leave)
        buttons = QHBoxLayout()
        for b in (self.previous_button, self.next_button, self.blank_button):
            buttons.addWidget(b)
        buttons.addSpacing(12)
        buttons.addWidget(self.typed)
        buttons.addStretch(1)
        buttons.addWidget(self.reveal_button)
        buttons.addWidget(self.end_button)

        grid = QGridLayout()
        grid.setHorizontalSpacing(20)
        grid.addWidget(self.current, 0, 0)
        grid.addLayout(side, 0, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(14)
        layout.addLayout(top)
        layout.addLayout(grid, 1)
        layout.addLayout(buttons)

        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.timer.start(1000)
        session.changed.connect(self.refresh)
        session.finished.connect(self.close)
        self._tick()
        self.refresh()

    def refresh(self) -> None:
        """Show the session's current and next step and the current one's notes."""
        s = self.session
        step = s.step
        self.position.setText(f"Step {s.index + 1} of {len(s.steps)}" if step else "No steps")
        self.current.set_blank(s.blank)
        self.current.set_shown(s.shown(), s.counter())
        following = s.shown(1)
        self.next_view.set_shown(following)
        self.next_label.setText("Next" if following is not None else "Next: the end")
        self.blank_button.setChecked(s.blank)
        self.typed.setText(f"Go to step {s.digits}…  (Enter)" if s.digits else "")
        shown = s.shown()
        self.reveal_button.setVisible(bool(shown is not None and shown.blurred))
        if step is None:
            self.notes.setPlainText("")
            self.proves.setText("")
            self.sha.setText("")
            return
        self.notes.setPlainText(step.note or "")
        self.notes.setPlaceholderText("No notes for this step.")
        elements, sha = self._step_info(step, shown.sha256 if shown is not None else "")
        self.proves.setText("\n".join(f"• {e}" for e in elements) or "Not tagged.")
        self.sha.setText(sha or "unknown")

    def _step_info(self, step: StepRow, sha: str) -> tuple[list[str], str]:
        info = self._info.get(step.id)
        if info is None or (sha and not info[1]):
            case = self.session.case
            info = (proves(case, step.item_id), sha or exhibit_hash(case, step.item_id))
            self._info[step.id] = info
        return info

    def _tick(self) -> None:
        now = datetime.now().astimezone()
        self.clock.setText(f"{now:%H:%M:%S}")
        self.clock.setToolTip(f"{now:%A %d %B %Y, %H:%M:%S} {now.tzname() or ''}")
        seconds = int(time.monotonic() - self.session.started)
        h, rest = divmod(seconds, 3600)
        m, sec = divmod(rest, 60)
        self.elapsed.setText(f"Elapsed {h:d}:{m:02d}:{sec:02d}")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.session.handle_key(event):
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing:
            self._closing = True
            self.timer.stop()
            QTimer.singleShot(0, self.session.leave)
        super().closeEvent(event)
