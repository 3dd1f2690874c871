"""Presentation mode and protective viewing in the window: stepping by keyboard, only
redacted pixels on the court's screen, refusals, blanking and leaving, the presenter window,
the builder's edits (undoable), and blurred pictures revealed only on purpose (audited)."""

from __future__ import annotations

import io
import os
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.case import Case
from app.ingest.job import import_paths
from app.items import item_detail
from app.present.ops import CreatePresentation
from app.redaction.model import RedactionDraft, RedactionKind
from app.redaction.ops import AddRedactions
from ui.main_window import MainWindow
from ui.present.mode import PresentationSession, PresentationWindow
from ui.present.slides import REFUSED
from ui.settings import SettingsStore
from ui.viewers.image import ImageView

SHOTS = Path(os.environ["THREADLINE_SHOTS_P2"]) if os.environ.get("THREADLINE_SHOTS_P2") else None
SIZE = QSize(960, 540)
CHAT = [
    "14/03/2024, 19:00 - Bob: Hi Alice",
    "14/03/2024, 19:01 - Bob: I'm outside now",
    "14/03/2024, 19:02 - Alice: Please stop. Leave me alone.",
    "14/03/2024, 19:03 - Bob: I know which flat is yours",
]
BOX = (100, 80, 220, 160)  # the approved redaction on the photo, in its pixels
PHOTO = (320, 240)
SKY = (200, 220, 240)


def _pdf(lines: tuple[str, ...], pages: int = 1) -> bytes:
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page(width=595, height=842)
        for k, line in enumerate(lines):
            page.insert_text((72, 100 + 30 * k), f"{line} (page {n + 1})", fontsize=14)
    data: bytes = doc.tobytes()
    doc.close()
    return data


def _png() -> bytes:
    im = Image.new("RGB", PHOTO, SKY)
    draw = ImageDraw.Draw(im)
    draw.rectangle(BOX, fill=(40, 160, 40))  # what the redaction hides
    for x in range(0, PHOTO[0], 16):  # detail outside the box, so a blur shows
        draw.line((x, 0, x, PHOTO[1]), fill=(30, 30, 90), width=3)
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def _find(case: Case, kind: str, name: str = "", text: str = "") -> int:
    for r in case.timeline_iter():
        if r.item_kind == kind and name in r.source_name and text in (r.text or ""):
            return r.item_id
    raise AssertionError(f"no {kind} item {name!r} {text!r}")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A case with a chat, two PDFs and a photo; the photo has an approved redaction box in
    the "court" set, the letter a proposed one; a presentation "Court" of six steps."""
    root = tmp_path_factory.mktemp("present-ui")
    folder = root / "evidence"
    folder.mkdir()
    files = {
        "WhatsApp Chat with Bob.txt": ("\n".join(CHAT) + "\n").encode(),
        "statement.pdf": _pdf(("Statement of Alice Example", "Bob waited outside"), pages=2),
        "letter.pdf": _pdf(("Letter to Alice", "Phone 07700 900123")),
        "photo.png": _png(),
    }
    paths = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        os.utime(path, (1_710_400_000, 1_710_400_000))
        paths.append(path)
    with Case.create(root / "Present") as case:
        assert import_paths(case, paths).count("imported") == len(paths)
        photo = _find(case, "image", "photo")
        letter = _find(case, "document", "letter")
        region = RedactionKind.REGION
        AddRedactions(
            "court", (RedactionDraft(photo, region, "TP", page=1, box=BOX),), approve=True
        ).apply(case)
        AddRedactions(
            "court", (RedactionDraft(letter, region, "TP", page=1, box=(60, 150, 300, 180)),)
        ).apply(case)
        steps = (
            _find(case, "message", text="Hi Alice"),
            _find(case, "message", text="outside"),
            _find(case, "document", "statement"),
            photo,
            letter,
            _find(case, "message", text="which flat"),
        )
        CreatePresentation("Court", item_ids=steps).apply(case)
        return case.folder


@pytest.fixture
def win(qtbot: QtBot, template: Path, tmp_path: Path) -> Iterator[MainWindow]:
    """The window (reading synchronously) on a fresh copy of the case."""
    folder = tmp_path / template.name
    shutil.copytree(template, folder)
    w = MainWindow(SettingsStore(tmp_path / "settings.ini"), sync_loads=True)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    with qtbot.waitSignal(w.loaded, timeout=10_000):
        assert w.open_case(str(folder))
    yield w
    w.present.end()
    w.close()


def _case(w: MainWindow) -> Case:
    assert w.case is not None
    return w.case


def _start(qtbot: QtBot, w: MainWindow, presenter: bool = False) -> PresentationWindow:
    session = w.present.start(presenter=presenter, full_screen=False, size=SIZE)
    assert session is not None
    pw = w.present.presentation_window
    assert pw is not None
    qtbot.waitExposed(pw)
    return pw


def _grab(pw: PresentationWindow) -> QImage:
    return pw.view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def _rgb(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    c = image.pixelColor(x, y)
    return c.red(), c.green(), c.blue()


def _key(qtbot: QtBot, pw: PresentationWindow, key: Qt.Key) -> None:
    qtbot.keyClick(pw, key)


def test_every_present_action_has_its_own_shortcut(win: MainWindow) -> None:
    keys = Counter(s.toString() for a in win.actions_by_name.values() for s in a.shortcuts())
    assert [k for k, n in keys.items() if n > 1] == []
    acts = win.actions_by_name
    assert acts["start_presentation"].shortcut().toString() == "F5"
    assert "F5" in acts["start_presentation"].toolTip()
    menu = win.present.menu
    assert menu.title() == "&Present"
    assert acts["mark_protective"] in menu.actions()


def test_stepping_by_keyboard(qtbot: QtBot, win: MainWindow) -> None:
    pw = _start(qtbot, win)
    session = pw.session
    assert session.index == 0
    assert getattr(session.shown(), "kind", "") == "message"
    _key(qtbot, pw, Qt.Key.Key_Right)
    assert session.index == 1
    _key(qtbot, pw, Qt.Key.Key_Space)
    assert session.index == 2
    assert session.shown().kind == "page"  # type: ignore[union-attr]
    _key(qtbot, pw, Qt.Key.Key_Left)
    _key(qtbot, pw, Qt.Key.Key_PageUp)
    assert session.index == 0
    _key(qtbot, pw, Qt.Key.Key_Left)  # nothing before the first
    assert session.index == 0
    _key(qtbot, pw, Qt.Key.Key_End)
    assert session.index == 5
    _key(qtbot, pw, Qt.Key.Key_PageDown)  # nothing after the last
    assert session.index == 5
    _key(qtbot, pw, Qt.Key.Key_Home)
    assert session.index == 0
    qtbot.keyClicks(pw, "4")
    assert session.index == 0
    assert session.digits == "4"
    _key(qtbot, pw, Qt.Key.Key_Return)
    assert session.index == 3
    assert session.shown().kind == "image"  # type: ignore[union-attr]
    qtbot.keyClicks(pw, "99")
    _key(qtbot, pw, Qt.Key.Key_Return)  # no step 99: stays
    assert session.index == 3
    assert session.digits == ""
    # The message slide shows the message in its context, the earlier ones greyed.
    session.go(1)
    shown = session.shown()
    assert shown is not None
    assert [m.context for m in shown.messages][-1] is False
    assert any("outside" in m.text for m in shown.messages if not m.context)
    assert any("Hi Alice" in m.text for m in shown.messages if m.context)
    assert "Europe/London" in shown.footer or "GMT" in shown.footer


def test_the_redaction_box_is_black_on_the_court_screen(qtbot: QtBot, win: MainWindow) -> None:
    pw = _start(qtbot, win)
    pw.session.go(3)
    shown = pw.session.shown()
    assert shown is not None
    assert shown.kind == "image"
    assert not shown.blurred
    image = _grab(pw)
    rect = pw.view.image_rect
    assert rect.width() > 200
    sx, sy = rect.width() / PHOTO[0], rect.height() / PHOTO[1]
    dpr = pw.view.devicePixelRatioF()

    def pixel(x: float, y: float) -> tuple[int, int, int]:
        c = image.pixelColor(
            round((rect.left() + x * sx) * dpr), round((rect.top() + y * sy) * dpr)
        )
        return c.red(), c.green(), c.blue()

    x0, y0, x1, y1 = BOX
    inside = [
        pixel(x0 + (x1 - x0) * fx, y0 + (y1 - y0) * fy)
        for fx in (0.1, 0.3, 0.5, 0.7, 0.9)
        for fy in (0.1, 0.3, 0.5, 0.7, 0.9)
    ]
    assert all(max(c) < 40 for c in inside), inside  # black, not the green under it
    sky = pixel(8, 8)
    assert abs(sky[0] - SKY[0]) < 40
    assert abs(sky[2] - SKY[2]) < 40
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        image.save(str(SHOTS / "test-redacted-photo.png"))


def test_an_item_with_a_proposed_redaction_is_refused(qtbot: QtBot, win: MainWindow) -> None:
    pw = _start(qtbot, win)
    pw.session.go(4)  # the letter: a proposed redaction in "court"
    shown = pw.session.shown()
    assert shown is not None
    assert shown.kind == REFUSED
    assert shown.image is None
    assert shown.messages == ()
    assert shown.text == ""
    assert "proposed" in shown.reason
    assert "court" in shown.reason
    image = _grab(pw)
    # No page was painted: nothing as light as paper anywhere on the screen.
    whites = sum(
        1
        for y in range(0, image.height(), 4)
        for x in range(0, image.width(), 4)
        if min(_rgb(image, x, y)) > 245
    )
    assert whites == 0


def test_blank_and_leave(qtbot: QtBot, win: MainWindow) -> None:
    pw = _start(qtbot, win)
    _key(qtbot, pw, Qt.Key.Key_B)
    assert pw.session.blank
    image = _grab(pw)
    assert all(
        _rgb(image, x, y) == (0, 0, 0)
        for y in range(0, image.height(), 3)
        for x in range(0, image.width(), 3)
    )
    _key(qtbot, pw, Qt.Key.Key_B)
    assert not pw.session.blank
    image = _grab(pw)
    assert any(
        _rgb(image, x, y) != (0, 0, 0)
        for y in range(0, image.height(), 7)
        for x in range(0, image.width(), 7)
    )
    _key(qtbot, pw, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: win.present.session is None, timeout=2000)
    assert win.present.presentation_window is None
    assert not pw.isVisible()


def test_presenter_window_shows_notes_next_step_and_hash(qtbot: QtBot, win: MainWindow) -> None:
    step = win.present.current().steps[2]  # type: ignore[union-attr]
    assert win.present.edit_note(step.id, "Page 2: Bob waited outside.")
    _start(qtbot, win, presenter=True)
    presenter = win.present.presenter_window
    assert presenter is not None
    qtbot.waitExposed(presenter)
    session = presenter.session
    qtbot.keyClick(presenter, Qt.Key.Key_Right)  # its keys drive the presentation
    qtbot.keyClick(presenter, Qt.Key.Key_Right)
    assert session.index == 2
    assert presenter.notes.toPlainText() == "Page 2: Bob waited outside."
    assert presenter.position.text() == "Step 3 of 6"
    detail = item_detail(_case(win), step.item_id)
    assert presenter.sha.text() in (detail.source.sha256, detail.blob_sha)
    assert len(presenter.sha.text()) == 64
    assert presenter.next_view.shown is not None
    assert presenter.next_view.shown.step_id == session.steps[3].id
    assert presenter.clock.text().count(":") == 2
    qtbot.keyClick(presenter, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: win.present.session is None, timeout=2000)


def test_the_builder_adds_moves_and_removes_steps_undoably(qtbot: QtBot, win: MainWindow) -> None:
    c = win.present
    before = [s.item_id for s in c.current().steps]  # type: ignore[union-attr]
    steps = c.panel.steps
    steps.setFocus()
    steps.setCurrentRow(0)
    qtbot.keyClick(steps, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    after = [s.item_id for s in c.current().steps]  # type: ignore[union-attr]
    assert after == [before[1], before[0], *before[2:]]
    steps.setCurrentRow(5)
    qtbot.keyClick(steps, Qt.Key.Key_Delete)
    assert len(c.current().steps) == 5  # type: ignore[union-attr]
    win.undo_stack.undo()
    win.undo_stack.undo()
    assert [s.item_id for s in c.current().steps] == before  # type: ignore[union-attr]
    # Add the timeline's chosen row after the chosen step.
    table = win.timeline_pane.table
    table.selectRow(0)
    chosen = win.tagger.selected_item_ids()
    c.panel.steps.setCurrentRow(0)
    assert c.add_selected()
    now = [s.item_id for s in c.current().steps]  # type: ignore[union-attr]
    assert now[:2] == [before[0], chosen[0]]
    assert len(now) == 7
    actions = [r.action for r in _case(win).audit_rows(20)]
    assert "present.step.add" in actions or any(a.startswith("present.") for a in actions)


def test_reveal_in_the_viewer_is_asked_and_audited(qtbot: QtBot, win: MainWindow) -> None:
    case = _case(win)
    photo = _find(case, "image", "photo")
    assert win.present.mark([photo], "intimate")
    view = ImageView()
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.show()
    view.show_item(item_detail(case, photo))
    assert view.is_blurred
    assert view.protective_bar.isVisible()
    assert "Marked intimate — blurred" in view.protective_bar.label.text()

    def spread(img: QImage) -> float:
        values = [
            img.pixelColor(x, y).lightness()
            for y in range(0, img.height(), 4)
            for x in range(0, img.width(), 4)
        ]
        mean = sum(values) / len(values)
        return sum((v - mean) ** 2 for v in values) / len(values)

    blurred_spread = spread(view.pixmap_item.pixmap().toImage())
    shown = item_detail(case, photo).original
    assert shown is not None
    original = QImage.fromData(shown.read())
    assert blurred_spread < spread(original) / 4

    win.present.confirm_reveal = lambda _what, _parent: False  # the user says no
    assert not view.reveal()
    assert view.is_blurred
    assert not [r for r in case.audit_rows(10) if r.action == "protect.reveal"]

    win.present.confirm_reveal = lambda _what, _parent: True
    assert view.reveal()
    assert not view.is_blurred
    assert spread(view.pixmap_item.pixmap().toImage()) > blurred_spread * 4
    reveals = [r for r in case.audit_rows(10) if r.action == "protect.reveal"]
    assert len(reveals) == 1
    assert reveals[0].payload["item"] == photo
    assert reveals[0].payload["where"] == "viewer"
    # Leaving the item and coming back blurs it again.
    view.show_item(item_detail(case, photo))
    assert view.is_blurred
    # Undoing the mark shows it sharp at once.
    win.undo_stack.undo()
    assert not view.is_blurred


def test_a_marked_picture_is_blurred_in_the_presentation(qtbot: QtBot, win: MainWindow) -> None:
    case = _case(win)
    photo = _find(case, "image", "photo")
    assert win.present.mark([photo], "distressing")
    pw = _start(qtbot, win, presenter=True)
    pw.session.go(3)
    shown = pw.session.shown()
    assert shown is not None
    assert shown.blurred
    assert shown.protective == "distressing"
    presenter = win.present.presenter_window
    assert presenter is not None
    assert presenter.reveal_button.isVisibleTo(presenter)
    win.present.confirm_reveal = lambda _what, _parent: True
    assert pw.session.reveal_current(presenter)
    shown = pw.session.shown()
    assert shown is not None
    assert not shown.blurred
    assert shown.revealed
    reveals = [r for r in case.audit_rows(10) if r.action == "protect.reveal"]
    assert reveals
    assert reveals[0].payload["where"] == "presentation"


def test_a_prefetched_step_paints_quickly(qtbot: QtBot, win: MainWindow) -> None:
    """Next step paints within 100 ms for a message and 250 ms for a PDF page once
    prefetched (slides are prepared off the GUI thread)."""
    case = _case(win)
    pres = win.present.current()
    assert pres is not None
    session = PresentationSession(case, pres, size=QSize(1920, 1080), sync=False)
    pw = PresentationWindow(session)
    qtbot.addWidget(pw)
    pw.resize(SIZE)
    pw.show()
    qtbot.waitExposed(pw)
    session.start()
    figures: dict[str, float] = {}
    for index, kind in ((1, "message"), (2, "page")):
        session.go(index - 1)
        assert session.wait()
        assert getattr(session.shown(1), "kind", "") == kind
        paints = pw.view.paints
        started = time.perf_counter()
        qtbot.keyClick(pw, Qt.Key.Key_Right)
        while pw.view.paints == paints and time.perf_counter() - started < 2:
            QApplication.processEvents()
        figures[kind] = (time.perf_counter() - started) * 1000
        assert pw.view.shown is not None
        assert pw.view.shown.kind == kind
    print(f"paint after step: message {figures['message']:.1f} ms, page {figures['page']:.1f} ms")
    assert figures["message"] < 100
    assert figures["page"] < 250
    session.leave()
