"""Screenshots of the pattern-of-contact charts and the participants panel, each drawn on
its own in a small window (a dialog, which the screenshot run closes after the picture)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from app.people import participants
from app.timeline.activity import activity_per_day, heat_map
from ui.main_window import MainWindow
from ui.views.activity import ActivityStrip, HeatMapView, senders_of
from ui.views.participants import ParticipantsPanel

HEAT_SENDER = "Daniel"  # the demo's suspect, whose messages cluster in the small hours


def _dialog(window: MainWindow, title: str, widget: QWidget, size: tuple[int, int]) -> QDialog:
    dialog = QDialog(window)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    layout.addWidget(widget)
    dialog.resize(*size)
    dialog.show()
    return dialog


def activity(window: MainWindow) -> QWidget | None:
    """The activity strip over the whole period of the case, in the case's zone."""
    case = window.case
    if case is None:
        return None
    strip = ActivityStrip()
    strip.set_data(activity_per_day(case, zone=case.zone, fill=True), case.zone, case.zone)
    return _dialog(window, "Activity", strip, (900, 110))


def heatmap(window: MainWindow) -> QWidget | None:
    """The weekday x hour map for Daniel (else the busiest sender), in the case's zone."""
    case = window.case
    if case is None:
        return None
    senders = senders_of(participants(case))
    if not senders:
        return None
    view = HeatMapView()
    view.sender_chosen.connect(
        lambda s: view.set_data(
            heat_map(case, zone=case.zone, participant_id=s.participant_id, person_id=s.person_id),
            case.zone,
        )
    )
    view.set_senders(senders)
    if not view.select_sender(HEAT_SENDER):
        view.select_sender(senders[0].label)
    return _dialog(window, "Hours of contact", view, (820, 340))


def participants_panel(window: MainWindow) -> QWidget | None:
    """The participants panel: persons, accounts, suggested links."""
    case = window.case
    if case is None:
        return None
    return _dialog(window, "Participants", ParticipantsPanel(case), (640, 480))


VIEW_SHOTS: list[tuple[str, Callable[[MainWindow], QWidget | None]]] = [
    ("activity.png", activity),
    ("heatmap.png", heatmap),
    ("participants.png", participants_panel),
]
"""(file name, prepare) pairs for the screenshot registry."""
