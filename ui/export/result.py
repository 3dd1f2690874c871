"""How an export ended, said plainly: a complete and verified pack (where, how many pages and
files), or a failed one with what leaked where, or a cancelled one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import Cancelled
from ui import display, theme
from ui.errors import message_for

HEADLESS = ("offscreen", "minimal", "vnc")  # no file manager to open a folder with


def can_open_folders() -> bool:
    """Whether a file manager can be asked to show a folder (not offscreen or headless)."""
    return QGuiApplication.platformName() not in HEADLESS


def finding_lines(findings: Sequence[object]) -> list[str]:
    """Each finding as "where: what"."""
    out = []
    for f in findings:
        where, what = getattr(f, "where", ""), getattr(f, "what", "")
        out.append(f"{where}: {what}" if where or what else str(f))
    return out


class ExportResultDialog(QDialog):
    """The end of an export: complete, failed (with findings) or cancelled."""

    def __init__(self, result: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export-result")
        self.setWindowTitle("Export disclosure pack")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.result_value = result
        status = str(getattr(result, "status", ""))
        folder = getattr(result, "folder", None)
        self.folder: Path | None = Path(folder) if folder else None
        findings = list(getattr(result, "findings", None) or [])
        if isinstance(result, Cancelled) or status == "cancelled":
            self.status = "cancelled"
        elif status == "complete" and not findings:
            self.status = "complete"
        else:
            self.status = "failed"

        self.headline = QLabel()
        self.headline.setObjectName("export-result-headline")
        self.headline.setWordWrap(True)
        font = self.headline.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.headline.setFont(font)
        self.body = QLabel()
        self.body.setObjectName("export-result-body")
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.findings = QPlainTextEdit()
        self.findings.setObjectName("export-findings")
        self.findings.setReadOnly(True)
        self.findings.setAccessibleName("What failed, and where")
        self.findings.hide()
        self.path = QLabel()
        self.path.setObjectName("export-result-path")
        self.path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path.setWordWrap(True)
        self.copy_button = QPushButton("&Copy path")
        self.copy_button.setObjectName("export-copy-path")
        self.copy_button.clicked.connect(self.copy_path)
        self.open_button = QPushButton("&Open folder")
        self.open_button.setObjectName("export-open-folder")
        self.open_button.clicked.connect(self.open_folder)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.copy_button)
        path_row.addWidget(self.open_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.body)
        layout.addWidget(self.findings, 1)
        layout.addLayout(path_row)
        layout.addWidget(buttons)
        self._fill(result, findings)
        has_folder = self.folder is not None
        self.path.setVisible(has_folder)
        self.copy_button.setVisible(has_folder)
        # Offscreen or headless there is no file manager: the path (copyable) is the answer.
        self.open_button.setVisible(has_folder and can_open_folders())
        if self.findings.isVisibleTo(self):
            self.resize(640, 420)
        else:
            layout.addStretch(1)  # the words stay together at the top
            self.resize(640, self.sizeHint().height())
        close.setFocus()

    def _fill(self, result: object, findings: list[object]) -> None:
        sealed = self.folder is not None and self.folder.suffix.lower() == ".zip"
        if self.folder is not None:
            self.path.setText(f"{'Encrypted zip' if sealed else 'Folder'}: {self.folder}")
        if self.status == "complete":
            pages = int(getattr(result, "pages", 0) or 0)
            files = getattr(result, "files", ())
            count = len(files) if isinstance(files, list | tuple) else int(files or 0)
            self.headline.setText("✓ The disclosure pack is complete and verified.")
            self.body.setText(
                f"The bundle has {display.plural(pages, 'page')}; the pack holds "
                f"{display.plural(count, 'file')}. Every file was opened again and checked: "
                "no redacted text or protected name is in any of them, no picture keeps its "
                "metadata, and the manifest's hashes match."
            )
            if sealed:
                self.body.setText(
                    self.body.text() + " It is sealed in one AES-256 encrypted zip, read back "
                    "and checked: give its password to the recipient separately."
                )
            sensitive = getattr(result, "sensitive_folder", None)
            if sensitive:
                self.body.setText(
                    self.body.text() + f"\n\nThe sensitive schedule is kept apart, outside "
                    f"the pack, in {sensitive}. Never hand it to the defence."
                )
            return
        palette = self.headline.palette()
        palette.setColor(self.headline.foregroundRole(), theme.amber())
        self.headline.setPalette(palette)
        if self.status == "cancelled":
            self.headline.setText("Export cancelled.")
            self.body.setText(
                "Nothing was declared complete. What had been written is marked CANCELLED "
                "in its folder and must not be handed over. The case is unchanged."
            )
            return
        self.headline.setText("✗ The pack failed and must not be handed over.")
        lines = finding_lines(findings)
        if not lines:
            lines = finding_lines(getattr(result, "findings", None) or [])
        if lines:
            self.body.setText(
                f"Verification found {display.plural(len(lines), 'problem')}. The output is "
                "marked FAILED in its folder; nothing in the case was changed or deleted. "
                "Fix each one (approve a redaction, add a spelling) and export again:"
            )
            self.findings.setPlainText("\n".join(f"• {line}" for line in lines))
            self.findings.show()
        elif isinstance(result, BaseException):
            self.body.setText(message_for(result))
        else:
            self.body.setText("The export did not complete. Nothing in the case was changed.")

    def finding_texts(self) -> list[str]:
        """The findings listed, one a line."""
        text = self.findings.toPlainText()
        return [line.removeprefix("• ") for line in text.splitlines() if line]

    def copy_path(self) -> None:
        """Put the pack folder's path on the clipboard."""
        if self.folder is not None:
            QGuiApplication.clipboard().setText(str(self.folder))

    def open_folder(self) -> bool:
        """Show the pack folder in the file manager; when that fails, say where it is."""
        if self.folder is None:
            return False
        shown = self.folder.parent if self.folder.is_file() else self.folder  # a zip's folder
        if can_open_folders() and QDesktopServices.openUrl(QUrl.fromLocalFile(str(shown))):
            return True
        self.open_button.hide()
        self.path.setText(f"No file manager could be opened. The pack is in: {self.folder}")
        return False
