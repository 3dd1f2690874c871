"""The item models pass Qt's model checks and show what the core holds."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from app.case import Case
from app.model import AuditRow, SourceRow, TimelineRow
from ui.models import AuditModel, SourcesModel, TimelineModel
from ui.models import timeline as timeline_module


def test_timeline_model_checks_and_pages(qtmodeltester: ModelTester, case_path: Path) -> None:
    with Case.open(case_path) as case:
        model = TimelineModel()
        model.set_case(case, case.zone)
        qtmodeltester.check(model)
        model.set_ids(case.timeline_ids())
        qtmodeltester.check(model)
        assert model.rowCount() == 3
        assert model.columnCount() == 6  # time, source, from → to, text, tags, exhibit
        first = model.index(0, TimelineModel.TIME)
        # File times are not exact: marked, coloured, explained.
        assert str(first.data()).startswith("≈ 2024-03-04 ")
        assert str(first.data()).endswith(" GMT")
        assert "modification date" in str(first.data(Qt.ItemDataRole.ToolTipRole))
        assert first.data(TimelineModel.ExactRole) is False
        assert model.index(0, TimelineModel.SOURCE).data() == "note-000.txt"
        assert model.index(2, TimelineModel.TEXT).data() == (
            "note number 2 Seen near the flat at 02:15."
        )
        row = model.row_at(1)
        assert row is not None
        assert model.index(1, 0).data(TimelineModel.EventIdRole) == row.event_id
        assert model.row_of_event(row.event_id) == 1
        model.invalidate()
        assert model.row_at(1) == row


def test_timeline_model_fetches_pages_lazily(case_path: Path) -> None:
    with Case.open(case_path) as case:
        calls: list[int] = []
        real = case.timeline_rows

        def counting(ids: Sequence[int]) -> list[TimelineRow]:
            calls.append(len(ids))
            return real(ids)

        case.timeline_rows = counting  # type: ignore[method-assign]
        model = TimelineModel()
        model.set_case(case, case.zone)
        ids = case.timeline_ids()
        model.set_ids(ids)
        assert calls == []  # nothing read until a cell is asked for
        for r in range(3):
            model.index(r, 0).data()
        assert calls == [3]  # one page, one query
        assert timeline_module.PAGE_SIZE == 256


def _source(n: int, **kw: object) -> SourceRow:
    base: dict[str, object] = {
        "id": n,
        "name": f"file-{n}.txt",
        "path": f"/evidence/file-{n}.txt",
        "sha256": f"{n:064x}",
        "size": 10,
        "mime": "text/plain",
        "importer": "text",
        "status": "imported",
        "item_count": 2,
        "imported_at_us": 0,
        "imported_by": "tester",
        "parent_id": None,
        "duplicate_of": None,
        "warnings": (),
    }
    base.update(kw)
    return SourceRow(**base)  # type: ignore[arg-type]


def test_sources_model(qtmodeltester: ModelTester) -> None:
    model = SourcesModel()
    qtmodeltester.check(model)
    model.set_rows(
        [
            _source(1, warnings=("line 3: not a date", "line 9: cut short")),
            _source(2, status="duplicate", duplicate_of=1, item_count=0),
            _source(3, importer="email"),
            _source(4, parent_id=3, name="photo.jpg", importer="file"),
        ]
    )
    qtmodeltester.check(model)
    assert model.rowCount() == 4
    # The embedded file follows its container, marked as such.
    assert model.index(3, SourcesModel.NAME).data() == "↳ photo.jpg"
    assert model.index(3, SourcesModel.STATUS).data() == "Embedded"
    assert model.index(1, SourcesModel.STATUS).data() == "Duplicate"
    assert "source #1 (file-1.txt)" in model.index(1, SourcesModel.STATUS).data(
        Qt.ItemDataRole.ToolTipRole
    )
    warnings = model.index(0, SourcesModel.WARNINGS)
    assert warnings.data() == "⚠ 2"
    assert "line 9: cut short" in warnings.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(2, SourcesModel.WARNINGS).data() == "–"
    assert model.source(3) is not None


def test_audit_model(qtmodeltester: ModelTester, case_path: Path) -> None:
    model = AuditModel()
    qtmodeltester.check(model)
    with Case.open(case_path, readonly=True) as case:
        rows = case.audit_rows()
        model.set_rows(rows, case.zone)
    qtmodeltester.check(model)
    assert model.rowCount() == 4  # created, then three imports
    assert model.index(0, AuditModel.ACTION).data() == "Imported"
    assert model.index(0, AuditModel.SUMMARY).data() == "note-002.txt — 1 item, read as text"
    assert model.index(3, AuditModel.ACTION).data() == "Case created"
    odd = AuditRow(9, 0, "tester", "future.thing", {"item": 4}, "0" * 64)
    model.set_rows([odd])
    assert model.index(0, AuditModel.ACTION).data() == "Future thing"
    assert model.index(0, AuditModel.SUMMARY).data() == "item: 4"
