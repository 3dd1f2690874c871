"""Adding a charge: an offence from the library (or a user-defined one), the dates of the
alleged conduct, a note; where the law changed within those dates, the dialog says so."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.tagging.library import Offence, range_warnings
from ui import theme
from ui.dialogs.list_picker import choose_first_visible

log = logging.getLogger(__name__)

ID_ROLE = Qt.ItemDataRole.UserRole + 1
CUSTOM_PREFIX = "custom-"  # as app.tagging.store names user-defined offences


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(d: QDate) -> date:
    return date(d.year(), d.month(), d.day())


def _date_edit(name: str, accessible: str, day: date) -> QDateEdit:
    edit = QDateEdit(_qdate(day))
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMM yyyy")
    return edit


def offence_line(offence: Offence) -> str:
    """How an offence is listed: its name, then statute and section, and what is unverified."""
    where = " ".join(p for p in (offence.statute, _section(offence.section)) if p)
    marks = [
        m
        for m, on in (("user-defined", offence.custom), ("unverified", bool(offence.unverified)))
        if on
    ]
    second = " · ".join([where, *marks] if where else marks)
    return offence.name + (f"\n    {second}" if second else "")


def _section(section: str) -> str:
    """The section's first words (`s.2(1)`), without the long reading notes."""
    return section.split(" (", 1)[0].split(",", 1)[0].strip()


def slug(text: str) -> str:
    """A name as an id: lower-case letters and digits joined by `-`."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "offence"


def custom_offence_data(
    name: str, statute: str, elements: Sequence[str], taken: Sequence[str] = ()
) -> dict[str, object]:
    """The stored form of a user-defined offence: id from the name (unique among `taken`),
    one element per line; the identity element is added by the core."""
    base = CUSTOM_PREFIX + slug(name)
    offence_id, n = base, 2
    while offence_id in taken:
        offence_id, n = f"{base}-{n}", n + 1
    section = ""
    statute = statute.strip()
    match = re.search(r"\b(s\.?\s*\d+[A-Z]*(?:\(\d+\))?)\s*$", statute)
    if match:
        section = match.group(1)
        statute = statute[: match.start()].strip(" ,")
    return {
        "id": offence_id,
        "name": name.strip(),
        "short_name": name.strip(),
        "statute": statute,
        "section": section,
        "elements": [
            {"id": f"{offence_id}-E{n}", "text": text.strip()}
            for n, text in enumerate((t for t in elements if t.strip()), start=1)
        ],
    }


class CustomOffenceDialog(QDialog):
    """A user-defined offence: its name, statute, and elements one per line."""

    def __init__(self, taken: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("User-defined offence")
        self.setObjectName("custom-offence-dialog")
        self.taken = list(taken)
        self.name = QLineEdit()
        self.name.setObjectName("custom-name")
        self.name.setPlaceholderText("e.g. Breach of a non-molestation order")
        self.statute = QLineEdit()
        self.statute.setObjectName("custom-statute")
        self.statute.setPlaceholderText("e.g. Family Law Act 1996 s.42A")
        self.elements = QPlainTextEdit()
        self.elements.setObjectName("custom-elements")
        self.elements.setPlaceholderText(
            "One point to prove per line, e.g.\nAn order was in force\nD knew of the order\n"
            "D did something the order prohibited"
        )
        self.elements.setTabChangesFocus(True)
        hint = QLabel(
            "An identity element (the account or number was the suspect's) is added to every "
            "offence."
        )
        hint.setWordWrap(True)
        palette = hint.palette()
        palette.setColor(hint.foregroundRole(), theme.muted())
        hint.setPalette(palette)
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Statute and section", self.statute)
        form.addRow("&Elements", self.elements)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add offence")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        self.name.textChanged.connect(self._update)
        self.elements.textChanged.connect(self._update)
        self._update()
        self.resize(560, 380)

    def _lines(self) -> list[str]:
        return [t.strip() for t in self.elements.toPlainText().splitlines() if t.strip()]

    def _update(self) -> None:
        ok = bool(self.name.text().strip()) and bool(self._lines())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def data(self) -> dict[str, object]:
        """The offence as the core stores it."""
        return custom_offence_data(self.name.text(), self.statute.text(), self._lines(), self.taken)


AddCustom = Callable[[dict[str, object]], "Offence | None"]


class ChargeDialog(QDialog):
    """Pick an offence, the dates of the alleged conduct and a note; warnings update live."""

    def __init__(
        self,
        offences: Sequence[Offence],
        span: tuple[date, date],
        add_custom: AddCustom | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add charge")
        self.setObjectName("charge-dialog")
        self.offences = list(offences)
        self.add_custom = add_custom

        self.search = QLineEdit()
        self.search.setObjectName("charge-search")
        self.search.setPlaceholderText("Search by name or statute, e.g. harassment, s.66B, 1997")
        self.search.setAccessibleName("Search the offence library")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.list = QListWidget()
        self.list.setObjectName("charge-offences")
        self.list.setAccessibleName("Offences")
        self.list.setWordWrap(True)
        self.list.currentItemChanged.connect(lambda *_: self._update())
        self.list.itemActivated.connect(lambda _item: self.search.setFocus())
        self.details = QLabel()
        self.details.setObjectName("charge-offence-details")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        palette = self.details.palette()
        palette.setColor(self.details.foregroundRole(), theme.muted())
        self.details.setPalette(palette)

        start, end = span
        self.date_from = _date_edit("charge-from", "Conduct from", start)
        self.date_to = _date_edit("charge-to", "Conduct to", end)
        self.date_from.dateChanged.connect(lambda _d: self._update())
        self.date_to.dateChanged.connect(lambda _d: self._update())
        dates = QHBoxLayout()
        dates.addWidget(self.date_from)
        to_label = QLabel("to")
        dates.addWidget(to_label)
        dates.addWidget(self.date_to)
        dates.addStretch(1)
        self.note = QLineEdit()
        self.note.setObjectName("charge-note")
        self.note.setPlaceholderText("Optional, e.g. the conduct after the first report")

        self.warnings = QLabel()
        self.warnings.setObjectName("charge-warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.TextFormat.PlainText)
        wpal = self.warnings.palette()
        wpal.setColor(self.warnings.foregroundRole(), theme.amber())
        self.warnings.setPalette(wpal)

        self.custom_button = QPushButton("&User-defined offence…")
        self.custom_button.setObjectName("charge-custom")
        self.custom_button.setToolTip("Define an offence the library lacks, with its elements")
        self.custom_button.clicked.connect(self.ask_custom)
        self.custom_button.setEnabled(add_custom is not None)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Add charge")
        self.buttons.addButton(self.custom_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        dates_label = QLabel("Conduct &dates")
        dates_label.setBuddy(self.date_from)
        form.addRow(dates_label, dates)
        form.addRow("&Note", self.note)
        layout = QVBoxLayout(self)
        search_label = QLabel("&Offence")
        search_label.setBuddy(self.search)
        layout.addWidget(search_label)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.details)
        layout.addLayout(form)
        layout.addWidget(self.warnings)
        layout.addWidget(self.buttons)
        self.search.installEventFilter(self)
        self._fill()
        self._update()
        self.resize(680, 600)

    # -- contents ---------------------------------------------------------------------------

    def _fill(self, select: str = "") -> None:
        self.list.clear()
        for offence in self.offences:
            row = QListWidgetItem(offence_line(offence))
            row.setData(ID_ROLE, offence.id)
            tip = [offence.name, f"{offence.statute} {offence.section}".strip()]
            if offence.mode_of_trial:
                tip.append(f"Trial: {offence.mode_of_trial}")
            if offence.unverified:
                tip.append(f"Unverified: {offence.unverified}")
            row.setToolTip("\n".join(t for t in tip if t))
            self.list.addItem(row)
        self._filter(self.search.text())
        if select:
            self.select(select)
        elif self.list.currentItem() is None:
            self._first_visible()

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self.list.count()):
            row = self.list.item(i)
            offence = self.offence_at(row)
            hay = (
                " ".join(
                    (offence.id, offence.name, offence.short_name, offence.statute, offence.section)
                ).lower()
                if offence
                else ""
            )
            row.setHidden(not all(w in hay for w in words))
        current = self.list.currentItem()
        if current is None or current.isHidden():
            self._first_visible()

    def _first_visible(self) -> None:
        choose_first_visible(self.list)

    def offence_at(self, row: QListWidgetItem | None) -> Offence | None:
        """The offence a list row shows."""
        if row is None:
            return None
        ident = row.data(ID_ROLE)
        return next((o for o in self.offences if o.id == ident), None)

    def select(self, offence_id: str) -> bool:
        """Choose an offence by id (clearing the search if it hides it)."""
        for i in range(self.list.count()):
            row = self.list.item(i)
            if row.data(ID_ROLE) == offence_id:
                if row.isHidden():
                    self.search.clear()
                self.list.setCurrentItem(row)
                self.list.scrollToItem(row)
                return True
        return False

    # -- reading --------------------------------------------------------------------------

    def offence(self) -> Offence | None:
        """The chosen offence."""
        current = self.list.currentItem()
        return self.offence_at(current) if current is not None and not current.isHidden() else None

    def dates(self) -> tuple[date, date]:
        """The conduct dates chosen, from and to."""
        return _day(self.date_from.date()), _day(self.date_to.date())

    def note_text(self) -> str:
        """The note typed."""
        return self.note.text().strip()

    def warning_lines(self) -> list[str]:
        """The warnings shown for the chosen offence and dates."""
        offence = self.offence()
        if offence is None:
            return []
        start, end = self.dates()
        return range_warnings(offence, start, end)

    # -- behaviour --------------------------------------------------------------------------

    def _update(self) -> None:
        offence = self.offence()
        if offence is None:
            self.details.setText("No offence matches the search.")
        else:
            lines = [
                f"{offence.statute} {offence.section}".strip(),
                f"Trial: {offence.mode_of_trial}" if offence.mode_of_trial else "",
                f"Maximum: {offence.max_penalty}" if offence.max_penalty else "",
                f"{len(offence.elements)} elements to prove",
            ]
            if offence.unverified:
                lines.append(f"Unverified: {offence.unverified}")
            self.details.setText("\n".join(line for line in lines if line))
        warnings = self.warning_lines()
        self.warnings.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warnings.setVisible(bool(warnings))
        start, end = self.dates()
        self.ok_button.setEnabled(offence is not None and start <= end)
        self.ok_button.setToolTip(
            "" if start <= end else "The conduct dates are the wrong way round"
        )

    def ask_custom(self) -> CustomOffenceDialog | None:
        """Open the user-defined offence form; on Add, the offence is stored and chosen."""
        if self.add_custom is None:
            return None
        dialog = CustomOffenceDialog([o.id for o in self.offences], self)
        dialog.accepted.connect(lambda: self._custom_done(dialog))
        dialog.open()
        return dialog

    def _custom_done(self, dialog: CustomOffenceDialog) -> None:
        if self.add_custom is None:
            return
        offence = self.add_custom(dialog.data())
        if offence is None:
            return
        self.offences = [o for o in self.offences if o.id != offence.id] + [offence]
        self.search.clear()
        self._fill(select=offence.id)
        self._update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up and Down in the search box move through the offences it leaves.
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
        ):
            rows = [self.list.item(i) for i in range(self.list.count())]
            shown = [r for r in rows if not r.isHidden()]
            if shown:
                current = self.list.currentItem()
                at = shown.index(current) if current in shown else 0
                at += -1 if event.key() == Qt.Key.Key_Up else 1
                self.list.setCurrentItem(shown[max(0, min(len(shown) - 1, at))])
            return True
        return super().eventFilter(watched, event)
