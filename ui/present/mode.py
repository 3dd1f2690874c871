"""Presentation mode: one step at a time, full screen on the chosen screen, by keyboard.

The `PresentationSession` holds where the presenter is (step, blank, digits typed) and the
slides prepared off the GUI thread (the current one, then the next and the previous, so that
stepping paints at once). The `PresentationWindow` is a frameless full-screen window showing
the session's slide; the presenter window (`ui.present.presenter`) drives the same session.

Keys: Right / Space / PageDown / Down next; Left / PageUp / Up / Backspace previous;
Home / End; digits then Enter jump to that step; B (or .) blanks the screen, again restores;
Esc leaves. Content comes only from `app.present.render.render_step` (see `slides.prepare`).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QObject, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QScreen
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.case import Case
from app.jobs import CancelToken, ProgressCallback
from app.present.model import PresentationRow, StepRow
from ui.present.slides import LOADING, Shown, SlideView, prepare
from ui.workers import JobRunner

log = logging.getLogger(__name__)

CACHE = 12  # prepared slides kept in memory
DIGITS = 4  # at most this many digits typed to jump

NEXT_KEYS = {Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_PageDown, Qt.Key.Key_Down}
PREVIOUS_KEYS = {Qt.Key.Key_Left, Qt.Key.Key_PageUp, Qt.Key.Key_Up, Qt.Key.Key_Backspace}
DIGIT_KEYS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(10)}

# (step id, revealed) -> Shown
_Key = tuple[int, bool]


def choose_screen(beside: QWidget | None = None) -> QScreen | None:
    """The screen to present on: with two or more, one the main window is not on."""
    screens = QGuiApplication.screens()
    if not screens:
        return None
    here = beside.screen() if beside is not None else QGuiApplication.primaryScreen()
    others = [s for s in screens if s is not here]
    return others[0] if others else (here or screens[0])


class PresentationSession(QObject):
    """Where the presenter is in a presentation, and its prepared slides.

    `changed` is emitted whenever what should be on screen changes (step, blank, a slide
    ready, digits typed); `finished` when the presenter leaves.
    """

    changed = Signal()
    finished = Signal()

    def __init__(
        self,
        case: Case,
        presentation: PresentationRow,
        *,
        size: QSize,
        start: int = 0,
        sync: bool = False,
        reveal: Callable[[int, str, QWidget | None], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.case = case
        self.presentation = presentation
        self.size = QSize(size)
        self.sync = sync
        self.index = max(0, min(start, len(presentation.steps) - 1))
        self.blank = False
        self.digits = ""
        self.started = time.monotonic()
        self.revealed: set[int] = set()  # step ids revealed (blurred pictures) this session
        self._reveal = reveal
        self._cache: OrderedDict[_Key, Shown] = OrderedDict()
        self._pending: set[_Key] = set()
        self._runners: set[JobRunner] = set()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.last_step_ms = 0.0  # how long the last step change took to have its slide
        self._asked_at: dict[_Key, float] = {}
        self._ended = False

    # -- what to show -----------------------------------------------------------------

    @property
    def steps(self) -> tuple[StepRow, ...]:
        """The presentation's steps."""
        return self.presentation.steps

    @property
    def step(self) -> StepRow | None:
        """The current step."""
        return self.steps[self.index] if self.steps else None

    def counter(self) -> str:
        """ "3 / 12"."""
        return f"{self.index + 1} / {len(self.steps)}" if self.steps else ""

    def _key(self, step: StepRow) -> _Key:
        return (step.id, step.id in self.revealed)

    def shown(self, offset: int = 0) -> Shown | None:
        """The prepared slide of the current step (or one `offset` steps away); a loading
        placeholder while it is prepared; None past either end."""
        i = self.index + offset
        if not 0 <= i < len(self.steps):
            return None
        step = self.steps[i]
        got = self._cache.get(self._key(step))
        if got is None:
            return Shown(step.id, LOADING)
        self._cache.move_to_end(self._key(step))
        return got

    def start(self) -> None:
        """Prepare the first slide and those around it."""
        self._want_around()

    # -- moving -----------------------------------------------------------------------

    def go(self, index: int) -> bool:
        """Show step `index` (0-based); False when there is no such step."""
        if not 0 <= index < len(self.steps):
            return False
        self.index = index
        self.digits = ""
        self._want_around()
        self.changed.emit()
        return True

    def next(self) -> bool:
        """The next step."""
        return self.go(self.index + 1)

    def previous(self) -> bool:
        """The step before."""
        return self.go(self.index - 1)

    def first(self) -> bool:
        """The first step."""
        return self.go(0)

    def last(self) -> bool:
        """The last step."""
        return self.go(len(self.steps) - 1)

    def toggle_blank(self) -> None:
        """A black screen, or the slide again."""
        self.blank = not self.blank
        self.changed.emit()

    def type_digit(self, digit: int) -> None:
        """Add a digit of the step number to jump to."""
        self.digits = (self.digits + str(digit))[-DIGITS:]
        self.changed.emit()

    def enter(self) -> bool:
        """Jump to the step number typed; False when none or out of range."""
        if not self.digits:
            return False
        number = int(self.digits)
        self.digits = ""
        if not self.go(number - 1):
            self.changed.emit()
            return False
        return True

    def leave(self) -> None:
        """End the presentation."""
        if self._ended:
            return
        self._ended = True
        for runner in list(self._runners):
            runner.cancel()
        self.finished.emit()

    def handle_key(self, event: QKeyEvent) -> bool:
        """Act on a key from any of the session's windows; True when it was one of ours."""
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            return False
        if key in DIGIT_KEYS:
            self.type_digit(DIGIT_KEYS[Qt.Key(key)])
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if not self.enter():
                self.changed.emit()
        elif key == Qt.Key.Key_Escape:
            if self.digits:
                self.digits = ""
                self.changed.emit()
            else:
                self.leave()
        elif key in NEXT_KEYS:
            self.next()
        elif key in PREVIOUS_KEYS:
            self.previous()
        elif key == Qt.Key.Key_Home:
            self.first()
        elif key == Qt.Key.Key_End:
            self.last()
        elif key in (Qt.Key.Key_B, Qt.Key.Key_Period):
            self.toggle_blank()
        else:
            return False
        return True

    # -- revealing a blurred picture (from the presenter window only) ------------------

    def reveal_current(self, parent: QWidget | None = None) -> bool:
        """Show the current step's blurred picture unblurred on the court screen, once the
        presenter confirms; the reveal is written to the audit log."""
        step, shown = self.step, self.shown()
        if step is None or shown is None or not shown.blurred or self._reveal is None:
            return False
        if not self._reveal(shown.item_id or step.item_id, "presentation", parent):
            return False
        self.revealed.add(step.id)
        self._want(step)
        self.changed.emit()
        return True

    # -- preparing slides ---------------------------------------------------------------

    def _want_around(self) -> None:
        for offset in (0, 1, -1, 2):
            i = self.index + offset
            if 0 <= i < len(self.steps):
                self._want(self.steps[i])

    def _want(self, step: StepRow) -> None:
        key = self._key(step)
        if key in self._cache or key in self._pending:
            return
        reveal = step.id in self.revealed
        self._asked_at[key] = time.perf_counter()
        if self.sync:
            self._ready(key, prepare(self.case, self.presentation, step, self.size, reveal=reveal))
            return
        case, presentation, size = self.case, self.presentation, QSize(self.size)

        def job(progress: ProgressCallback, cancel: CancelToken) -> Shown:
            return prepare(case, presentation, step, size, reveal=reveal)

        runner = JobRunner(job, "slide")
        self._pending.add(key)
        self._runners.add(runner)
        runner.signals.succeeded.connect(lambda shown: self._ready(key, shown))
        runner.signals.failed.connect(lambda exc: self._failed(key, exc))
        runner.signals.finished.connect(lambda: self._finished(key, runner))
        self.pool.start(runner)

    def _ready(self, key: _Key, shown: object) -> None:
        if not isinstance(shown, Shown) or self._ended:
            return
        self._cache[key] = shown
        while len(self._cache) > CACHE:
            self._cache.popitem(last=False)
        step = self.step
        if step is not None and self._key(step) == key:
            asked = self._asked_at.get(key)
            if asked is not None:
                self.last_step_ms = (time.perf_counter() - asked) * 1000
        self.changed.emit()  # the current slide, or the next one the presenter sees

    def _failed(self, key: _Key, exc: object) -> None:
        from ui.present.slides import PROBLEM

        self._ready(key, Shown(key[0], PROBLEM, reason=f"This step cannot be shown: {exc}"))

    def _finished(self, key: _Key, runner: JobRunner) -> None:
        self._pending.discard(key)
        self._runners.discard(runner)

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Wait until the slides asked for are prepared (scripts and tests)."""
        deadline = time.monotonic() + timeout_ms / 1000
        app = QGuiApplication.instance()
        while self._pending and time.monotonic() < deadline:
            self.pool.waitForDone(20)
            if app is not None:
                app.processEvents()
        return not self._pending


class PresentationWindow(QWidget):
    """The court's screen: the session's slide, frameless, full screen on a chosen screen."""

    def __init__(self, session: PresentationSession, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("presentation-window")
        self.setWindowTitle(f"{session.presentation.name} — presentation")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.BlankCursor)  # no pointer over the evidence
        self.session = session
        self.view = SlideView(self)
        self.view.setFocusProxy(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        session.changed.connect(self.refresh)
        session.finished.connect(self.close)
        self._closing = False
        self.refresh()

    def open_on(self, screen: QScreen | None, *, full_screen: bool = True) -> None:
        """Show on `screen` (full screen unless told otherwise) and take the keyboard."""
        if screen is not None:
            self.setScreen(screen)
            self.setGeometry(screen.geometry())
        if full_screen:
            self.showFullScreen()
        else:
            self.show()
        self.raise_()
        self.activateWindow()
        self.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def refresh(self) -> None:
        """Paint what the session says is on screen now."""
        self.view.set_blank(self.session.blank)
        self.view.set_shown(self.session.shown(), self.session.counter())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.session.handle_key(event):
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing:
            self._closing = True
            QTimer.singleShot(0, self.session.leave)
        super().closeEvent(event)
