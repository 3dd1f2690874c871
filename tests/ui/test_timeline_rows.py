"""Timeline rows say who wrote to whom and on which platform."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

from app.case import Case
from app.ingest.job import import_paths
from ui.models.timeline import TimelineModel


def test_from_column_shows_recipients_and_source_a_platform_badge(
    qtbot: QtBot, case: Case, tmp_path: Path
) -> None:
    msg = EmailMessage()
    msg["From"] = "Daniel Hughes <dan.hughes84@example.com>"
    msg["To"] = "Sarah Mitchell <sarah.mitchell@example.org>"
    msg["Subject"] = "You know what I have"
    msg["Date"] = "Thu, 14 Mar 2024 09:41:07 +0000"
    msg.set_content("Answer me.")
    (tmp_path / "mail.eml").write_bytes(bytes(msg))
    assert import_paths(case, [tmp_path / "mail.eml"]).count("imported") == 1

    model = TimelineModel()
    model.set_case(case, "Europe/London")
    model.set_ids(case.timeline_ids())
    assert model.rowCount() == 1
    frm = model.index(0, TimelineModel.FROM)
    assert model.data(frm) == "Daniel Hughes → Sarah Mitchell"
    assert model.data(frm, Qt.ItemDataRole.ToolTipRole) == "From Daniel Hughes to Sarah Mitchell"
    src = model.index(0, TimelineModel.SOURCE)
    assert isinstance(model.data(src, Qt.ItemDataRole.DecorationRole), QIcon)
    assert model.data(src, Qt.ItemDataRole.ToolTipRole) == "Email · mail.eml"
