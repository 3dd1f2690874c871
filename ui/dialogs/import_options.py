"""The step before choosing files to import: the time zone their clock times are read in,
and (optionally) the public keys signed returns are checked against.

One keystroke (Enter) accepts the default, which is the case's zone or the zone chosen last
in this session.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import available_timezones

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui import theme

FIRST_ZONE = "Europe/London"
CHOOSE_TEXT = {"files": "&Choose files…", "folder": "&Choose folder…"}
TITLE = {"files": "Import files", "folder": "Import folder"}
KEY_FILTER = "Public keys (*.asc *.gpg *.pgp *.key *.pub *.txt);;All files (*)"
NO_KEYS = "None: signatures will not be checked."


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone this system knows, Europe/London first, the rest in name order."""
    names = sorted(available_timezones() - {FIRST_ZONE})
    return (FIRST_ZONE, *names)


@lru_cache(maxsize=1)
def _by_folded_name() -> dict[str, str]:
    return {_fold(n): n for n in zone_names()}


def _fold(text: str) -> str:
    return text.strip().replace(" ", "_").casefold()


def known_zone(text: str) -> str:
    """The zone called `text` (case and spaces forgiven: `america/new york`), or ''."""
    return _by_folded_name().get(_fold(text), "")


class ImportOptionsDialog(QDialog):
    """Choose the time zone for the files about to be imported; `zone_name()` is the answer."""

    def __init__(
        self,
        case_zone: str,
        default_zone: str = "",
        what: str = "files",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("import-options")
        self.setWindowTitle(TITLE.get(what, "Import"))
        self.setModal(True)
        self.case_zone = case_zone

        self.zone = QComboBox()
        self.zone.setObjectName("zone")
        self.zone.setAccessibleName("Time zone for these files")
        self.zone.setEditable(True)
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone.setMaxVisibleItems(16)
        names = list(zone_names())
        if case_zone not in names:
            names.insert(1, case_zone)
        self.zone.addItems(names)
        completer = QCompleter(names, self.zone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(12)
        self.zone.setCompleter(completer)
        self.zone.setCurrentText(known_zone(default_zone) or case_zone)
        self.zone.setMinimumContentsLength(32)
        self.zone.setMinimumHeight(theme.row_height(self.zone) * 3 // 4)
        label = QLabel("&Time zone of these files:")
        label.setBuddy(self.zone)

        help_text = QLabel(
            "Clock times written without a zone (chat exports, most phones' text files) are "
            "read in this zone, with summer time applied. Times that carry their own zone or "
            f"offset are kept as they are. The case's zone is {case_zone}."
        )
        help_text.setWordWrap(True)
        palette = help_text.palette()
        palette.setColor(help_text.foregroundRole(), theme.muted())
        help_text.setPalette(palette)
        self.problem = QLabel("")
        self.problem.setObjectName("zone-problem")
        self.problem.setWordWrap(True)
        palette = self.problem.palette()
        palette.setColor(self.problem.foregroundRole(), theme.amber())
        self.problem.setPalette(palette)
        self.problem.hide()

        self._keys: tuple[str, ...] = ()
        self.keys_label = QLabel(NO_KEYS)
        self.keys_label.setObjectName("signing-keys")
        self.keys_label.setWordWrap(True)
        self.keys_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.keys_button = QPushButton("Signing &keys…")
        self.keys_button.setObjectName("choose-keys")
        self.keys_button.setAccessibleName("Choose public key files to check signed returns")
        self.keys_button.setAutoDefault(False)
        self.keys_button.clicked.connect(self._choose_keys)
        self.keys_clear = QPushButton("C&lear")
        self.keys_clear.setObjectName("clear-keys")
        self.keys_clear.setAutoDefault(False)
        self.keys_clear.clicked.connect(lambda: self.set_signing_keys(()))
        self.keys_clear.setEnabled(False)
        keys_title = QLabel("Keys to check signed returns (X/Twitter) against:")
        keys_row = QHBoxLayout()
        keys_row.setSpacing(8)
        keys_row.addWidget(self.keys_label, 1)
        keys_row.addWidget(self.keys_button)
        keys_row.addWidget(self.keys_clear)

        buttons = QDialogButtonBox()
        self.ok: QPushButton = buttons.addButton(
            CHOOSE_TEXT.get(what, "&Continue…"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok.setObjectName("choose")
        self.ok.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        line = self.zone.lineEdit()
        assert line is not None  # the combo is editable
        line.textChanged.connect(self._check)
        # An editable combo keeps Enter to itself; here Enter means "go on", as elsewhere.
        line.returnPressed.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(8)
        layout.addWidget(label)
        layout.addWidget(self.zone)
        layout.addWidget(self.problem)
        layout.addWidget(help_text)
        layout.addSpacing(10)
        layout.addWidget(keys_title)
        layout.addLayout(keys_row)
        layout.addSpacing(6)
        layout.addWidget(buttons)
        help_text.setMinimumWidth(64 * self.fontMetrics().averageCharWidth())
        self.zone.setFocus()
        line.selectAll()
        self.adjustSize()

    def _resolve(self, text: str) -> str:
        return known_zone(text) or (text if text == self.case_zone else "")

    def _check(self, text: str) -> None:
        ok = bool(self._resolve(text))
        self.ok.setEnabled(ok)
        self.problem.setText("" if ok else "Not a time zone this computer knows.")
        self.problem.setVisible(not ok)

    def accept(self) -> None:
        """Close with the chosen zone, if it is one; otherwise stay open."""
        if not self.zone_name():
            return
        super().accept()

    def zone_name(self) -> str:
        """The chosen zone's IANA name, or '' when the text is not a known zone."""
        return self._resolve(self.zone.currentText())

    def signing_keys(self) -> tuple[str, ...]:
        """The public key files chosen to check signed returns against (may be none)."""
        return self._keys

    def set_signing_keys(self, paths: tuple[str, ...]) -> None:
        """Show and keep these key files (an empty tuple clears them)."""
        self._keys = tuple(paths)
        names = ", ".join(Path(p).name for p in self._keys)
        self.keys_label.setText(names or NO_KEYS)
        self.keys_label.setToolTip("\n".join(self._keys))
        self.keys_clear.setEnabled(bool(self._keys))

    def _choose_keys(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Public keys to check signed returns", "", KEY_FILTER
        )
        if paths:
            self.set_signing_keys(tuple(paths))
