"""Small dialogs for exhibits and disclosure marks: give an exhibit reference (the next free
one for the officer's initials, or a sub-exhibit of another), rename one, and mark material
sensitive or not sensitive for the schedules."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import EvidenceError
from app.export.exhibits import ExhibitRow
from ui import display, theme

NextRef = Callable[[str], str]  # initials -> the next free "AB/n"
CheckRef = Callable[[str], str]  # text -> the normalised ref; raises EvidenceError
INITIALS = re.compile(r"^[A-Za-z]{1,6}$")


def _muted(label: QLabel) -> QLabel:
    palette = label.palette()
    palette.setColor(label.foregroundRole(), theme.muted())
    label.setPalette(palette)
    label.setWordWrap(True)
    return label


def next_sub_ref(parent_ref: str, exhibits: Sequence[ExhibitRow]) -> str:
    """The next free sub-exhibit of `parent_ref`: `AB/1/3` after `AB/1/1` and `AB/1/2`."""
    prefix = parent_ref + "/"
    numbers = [
        int(tail)
        for e in exhibits
        if e.ref.startswith(prefix) and (tail := e.ref[len(prefix) :]).isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1}"


class ExhibitDialog(QDialog):
    """Give the chosen items an exhibit reference: initials, reference, description, and
    optionally a sub-exhibit of an existing exhibit."""

    def __init__(
        self,
        item_count: int,
        initials: str,
        exhibits: Sequence[ExhibitRow],
        next_ref: NextRef,
        check_ref: CheckRef,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exhibit-dialog")
        self.setWindowTitle("Give exhibit reference")
        self.exhibits = list(exhibits)
        self._next_ref = next_ref
        self._check_ref = check_ref
        self._typed = False  # the user wrote a reference: stop proposing one

        what = display.plural(item_count, "item")
        intro = _muted(QLabel(f"The {what} chosen in the timeline become one exhibit."))
        intro.setObjectName("exhibit-intro")
        self.intro = intro
        self.initials = QLineEdit(initials)
        self.initials.setObjectName("exhibit-initials")
        self.initials.setAccessibleName("Officer initials")
        self.initials.setPlaceholderText("e.g. AB")
        self.initials.setMaxLength(6)
        self.initials.setToolTip("Your initials: references are numbered per officer (AB/1…)")
        self.sub = QCheckBox("&Sub-exhibit of")
        self.sub.setObjectName("exhibit-sub")
        self.parent_box = QComboBox()
        self.parent_box.setObjectName("exhibit-parent")
        self.parent_box.setAccessibleName("Parent exhibit")
        for e in self.exhibits:
            if e.parent_id is None:
                label = (
                    f"{e.ref} — {display.one_line(e.description, 40)}" if e.description else e.ref
                )
                self.parent_box.addItem(label, e.ref)
        self.sub.setEnabled(self.parent_box.count() > 0)
        self.parent_box.setEnabled(False)
        self.ref = QLineEdit()
        self.ref.setObjectName("exhibit-ref")
        self.ref.setAccessibleName("Exhibit reference")
        self.ref.setToolTip("Initials / number, e.g. AB/1; a sub-exhibit AB/1/3")
        self.description = QLineEdit()
        self.description.setObjectName("exhibit-description")
        self.description.setAccessibleName("Description")
        self.description.setPlaceholderText("e.g. WhatsApp messages between A and D, March 2024")
        self.problem = QLabel()
        self.problem.setObjectName("exhibit-problem")
        palette = self.problem.palette()
        palette.setColor(self.problem.foregroundRole(), theme.amber())
        self.problem.setPalette(palette)
        self.problem.setWordWrap(True)

        form = QFormLayout()
        form.addRow("&Initials", self.initials)
        form.addRow(self.sub, self.parent_box)
        form.addRow("&Reference", self.ref)
        form.addRow("&Description", self.description)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Give reference")
        ok.setObjectName("exhibit-ok")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        self.initials.textEdited.connect(lambda _t: self._propose())
        self.sub.toggled.connect(self._sub_toggled)
        self.parent_box.currentIndexChanged.connect(lambda _i: self._propose())
        self.ref.textEdited.connect(self._ref_edited)
        self._propose()
        self.resize(max(self.sizeHint().width(), 460), self.sizeHint().height())
        (self.description if self.initials.text() else self.initials).setFocus()

    def _sub_toggled(self, on: bool) -> None:
        self.parent_box.setEnabled(on)
        self.initials.setEnabled(not on)
        self._typed = False
        self._propose()

    def _ref_edited(self, _text: str) -> None:
        self._typed = True
        self._validate()

    def _propose(self) -> None:
        """Fill in the next free reference (unless the user wrote their own)."""
        if self._typed:
            self._validate()
            return
        proposed = ""
        if self.sub.isChecked() and self.parent_box.currentData():
            proposed = next_sub_ref(str(self.parent_box.currentData()), self.exhibits)
        else:
            initials = self.initials.text().strip().upper()
            if INITIALS.match(initials):
                try:
                    proposed = self._next_ref(initials)
                except EvidenceError:
                    proposed = ""
        self.ref.setText(proposed)
        self._validate()

    def _validate(self) -> bool:
        text = self.ref.text().strip()
        problem = note = ""
        if not text:
            problem = "Write your initials (letters only) or a reference such as AB/1."
        else:
            try:
                ref = self._check_ref(text)
            except EvidenceError as exc:
                problem = str(exc)
            else:
                same = next((e for e in self.exhibits if e.ref == ref), None)
                if same is not None and same.locked:
                    problem = f"{ref} was used in an export: it cannot be given other items."
                elif same is not None:
                    note = f"{ref} exists: the items are added to it."
        self.problem.setText(problem or note)
        self.problem.setVisible(bool(problem or note))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
        return not problem

    def chosen_ref(self) -> str:
        """The reference to give, normalised."""
        return self._check_ref(self.ref.text().strip())

    def parent_ref(self) -> str | None:
        """The parent exhibit when this is a sub-exhibit."""
        data = self.parent_box.currentData()
        return str(data) if self.sub.isChecked() and data else None

    def initials_text(self) -> str:
        """The initials written (upper case)."""
        return self.initials.text().strip().upper()

    def description_text(self) -> str:
        """The description written."""
        return self.description.text().strip()

    def accept(self) -> None:
        if self._validate():
            super().accept()


class RenameDialog(QDialog):
    """Change an exhibit's reference (refused by the core once an export has used it)."""

    def __init__(self, ref: str, check_ref: CheckRef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exhibit-rename-dialog")
        self.setWindowTitle(f"Rename exhibit {ref}")
        self._check_ref = check_ref
        self.ref = QLineEdit(ref)
        self.ref.setObjectName("exhibit-new-ref")
        self.ref.setAccessibleName("New reference")
        self.ref.selectAll()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&New reference", self.ref)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Rename")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.ref.textEdited.connect(lambda _t: self._validate())
        self._validate()

    def _validate(self) -> bool:
        try:
            self._check_ref(self.ref.text().strip())
        except EvidenceError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            return False
        self.problem.hide()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        return True

    def new_ref(self) -> str:
        """The new reference, normalised."""
        return self._check_ref(self.ref.text().strip())

    def accept(self) -> None:
        if self._validate():
            super().accept()


class MarkDialog(QDialog):
    """Mark the chosen items sensitive (MG6D) or not sensitive (MG6C), with a description."""

    def __init__(self, item_count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mark-material-dialog")
        self.setWindowTitle("Mark for disclosure")
        intro = _muted(
            QLabel(
                f"How the {display.plural(item_count, 'item')} chosen stand for disclosure. "
                "Sensitive material goes on the sensitive schedule only and is never put in "
                "a defence pack."
            )
        )
        self.not_sensitive = QRadioButton("&Not sensitive (unused material schedule)")
        self.not_sensitive.setObjectName("mark-not-sensitive")
        self.sensitive = QRadioButton("&Sensitive (sensitive schedule, kept out of the pack)")
        self.sensitive.setObjectName("mark-sensitive")
        group = QButtonGroup(self)
        group.addButton(self.not_sensitive)
        group.addButton(self.sensitive)
        self.not_sensitive.setChecked(True)
        self.description = QLineEdit()
        self.description.setObjectName("mark-description")
        self.description.setAccessibleName("Description for the schedule")
        self.description.setPlaceholderText("How the schedule describes it")
        self.reason = QLineEdit()
        self.reason.setObjectName("mark-reason")
        self.reason.setAccessibleName("Why it is sensitive")
        self.reason.setPlaceholderText("Why it is sensitive (sensitive material only)")
        self.reason.setEnabled(False)
        self.sensitive.toggled.connect(self.reason.setEnabled)
        form = QFormLayout()
        form.addRow("&Description", self.description)
        form.addRow("&Reason", self.reason)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Mark")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.not_sensitive)
        layout.addWidget(self.sensitive)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self.not_sensitive.setFocus(Qt.FocusReason.OtherFocusReason)

    def values(self) -> tuple[bool, str, str]:
        """(sensitive, description, reason)."""
        sensitive = self.sensitive.isChecked()
        reason = self.reason.text().strip() if sensitive else ""
        return sensitive, self.description.text().strip(), reason
