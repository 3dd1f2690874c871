"""The audit log view in words for redaction and tagging: every new action gets a readable
line, undo says so, and no line repeats what a redaction covers or a protected spelling."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.case import Case
from app.export.exhibits import AssignExhibit, MarkMaterial, RemoveExhibit, RenameExhibit
from app.model import AuditRow
from app.present.ops import (
    AddSteps,
    CreatePresentation,
    DeletePresentation,
    EditStep,
    MoveStep,
    RemoveSteps,
)
from app.protect import MarkProtective, UnmarkProtective, record_reveal
from app.redaction.model import RedactionDraft, RedactionKind, RedactionState
from app.redaction.ops import (
    AddProtectedTerm,
    AddRedactions,
    CreateSet,
    DeleteRedactions,
    EditRedaction,
    RemoveProtectedTerm,
    ReviewRedactions,
)
from app.tagging.ops import (
    AddCharge,
    AddCustomOffence,
    EditCharge,
    RemoveCharge,
    TagItems,
    UntagItems,
)
from app.tagging.suggest import AcceptSuggestions, RejectSuggestions, Suggestion
from tests.core.tagging.conftest import build_small
from ui.models.audit import AuditModel, summary

SECRET = "I know where you live"


def _new_rows(case: Case, since: int) -> list[AuditRow]:
    return [r for r in reversed(case.audit_rows(limit=1000)) if r.seq > since]


def _head(case: Case) -> int:
    rows = case.audit_rows(limit=1)
    return rows[0].seq if rows else 0


def _lines(case: Case, since: int) -> list[tuple[str, str]]:
    return [(r.action, summary(r)) for r in _new_rows(case, since)]


def test_redaction_actions_in_words(tmp_path: Path) -> None:
    small = build_small(tmp_path)
    case, item = small.case, small.item
    start = _head(case)
    target = item[SECRET]
    drafts = tuple(
        RedactionDraft(target, RedactionKind.SPAN, reason, "text", start=a, end=b, quote=q)
        for reason, a, b, q in (("ADDR", 7, 21, "where you live"), ("TP", 0, 1, "I"))
    )
    other = RedactionDraft(item["Answer me"], RedactionKind.ITEM, "IRR")
    add = AddRedactions("defence disclosure", (*drafts, other))
    add.apply(case)
    ids = tuple(sorted(r["id"] for r in add._rows))
    ReviewRedactions(ids, RedactionState.APPROVED).apply(case)
    back = ReviewRedactions(ids[:1], RedactionState.PROPOSED)
    back.apply(case)
    back.revert(case)
    EditRedaction(ids[0], reason="TP", note="see statement").apply(case)
    delete = DeleteRedactions(ids[2:])
    delete.apply(case)
    delete.revert(case)
    CreateSet("court").apply(case)
    term = AddProtectedTerm("Child's name", ("Lily Hart", "Lil"), "CHILD")
    term.apply(case)
    assert term.id is not None
    RemoveProtectedTerm(term.id).apply(case)
    lines = _lines(case, start)
    assert lines == [
        ("redaction.set.create", "Created redaction set “defence disclosure”"),
        (
            "redaction.add",
            "Proposed 3 redactions on 2 items (set defence disclosure): ADDR, IRR, TP",
        ),
        (
            "redaction.review",
            "Approved 3 redactions on 2 items (set defence disclosure): ADDR, IRR, TP",
        ),
        (
            "redaction.review",
            "Sent 1 redaction on 1 item back to proposed (set defence disclosure)",
        ),
        ("redaction.review", "Put 1 redaction back to their previous review (undo)"),
        ("redaction.edit", "Redaction #1: reason ADDR → TP; note changed"),
        ("redaction.delete", "Deleted 1 redaction on 1 item (set defence disclosure): IRR"),
        (
            "redaction.restore",
            "Restored 1 redaction on 1 item (set defence disclosure): IRR (undo)",
        ),
        ("redaction.set.create", "Created redaction set “court”"),
        ("protected_term.add", "Added protected name #1: 2 spellings, reason CHILD"),
        ("protected_term.remove", "Removed protected name #1"),
    ]
    said = " ".join(text for _, text in lines)
    for secret in ("where you live", "Lily", "Lil", "Child's name", "see statement"):
        assert secret not in said
    case.close()


def test_tagging_actions_in_words(tmp_path: Path) -> None:
    small = build_small(tmp_path)
    case, item = small.case, small.item
    start = _head(case)
    charge = AddCharge("PHA1997-s2", date(2024, 3, 1), date(2024, 3, 31), note="ex-partner")
    charge.apply(case)
    cid = charge.charge_id
    EditCharge(cid, to_date=date(2024, 4, 30)).apply(case)
    TagItems((item["Answer me"], item["Answer me now"]), cid, "PHA1997-s2-E1").apply(case)
    TagItems((item["Answer me"],), cid, "PHA1997-s2-E1", start=0, end=6).apply(case)
    TagItems((item["Answer me"], item[SECRET]), cid, "PHA1997-s2-ID").apply(case)
    untag = UntagItems((item["Answer me now"],), cid, "PHA1997-s2-E1")
    untag.apply(case)
    untag.revert(case)
    hint = Suggestion(item["Still awake?"], cid, "PHA1997-s2-E1", "burst", "…")
    accept = AcceptSuggestions((hint,))
    accept.apply(case)
    accept.revert(case)
    RejectSuggestions((hint,)).apply(case)
    custom = AddCustomOffence({"name": "Breach of a restraining order", "elements": []})
    custom.apply(case)
    remove = RemoveCharge(cid)
    remove.apply(case)
    remove.revert(case)
    lines = _lines(case, start)
    assert lines == [
        ("charge.add", "Charge 1: Harassment s.2, 2024-03-01 to 2024-03-31"),
        ("charge.edit", "Charge 1: dates 2024-03-01 – 2024-03-31 → 2024-03-01 – 2024-04-30"),
        ("tag.add", "Tagged 2 items: Harassment s.2 · element 1"),
        ("tag.add", "Tagged 1 item: Harassment s.2 · element 1 (a span of the text)"),
        ("tag.add", "Tagged 2 items: Harassment s.2 · identity"),
        ("tag.remove", "Untagged 1 item: Harassment s.2 · element 1 (1 tag)"),
        ("tag.add", "Restored 1 tag on 1 item (undo)"),
        ("tag.add", "Accepted 1 suggested tag on 1 item"),
        ("tag.remove", "Removed 1 suggested tag (undo)"),
        ("suggestion.reject", "Rejected 1 suggestion"),
        ("offence.add", lines[10][1]),
        ("charge.remove", "Removed charge 1 (Harassment s.2) and its 5 tags"),
        ("charge.restore", "Restored charge 1 with its 5 tags (undo)"),
    ]
    assert lines[10][1].startswith("custom-breach-of-a-restraining-order: Breach of a")
    # The Action column names the new actions too.
    model = AuditModel()
    model.set_rows(list(reversed(_new_rows(case, start))))
    actions = {model.data(model.index(r, model.ACTION)) for r in range(model.rowCount())}
    assert {"Charge added", "Tagged", "Untagged", "Suggestions rejected"} <= actions
    case.close()


def test_an_unexpected_payload_falls_back_to_its_values() -> None:
    row = AuditRow(seq=1, ts_us=0, user="u", action="tag.add", payload={"suggestions": 5}, hash="")
    assert summary(row) == "suggestions: 5"


def test_protective_marks_exhibits_and_presentations_in_words(tmp_path: Path) -> None:
    small = build_small(tmp_path)
    case, item = small.case, small.item
    start = _head(case)
    a, b = item["Answer me"], item[SECRET]
    mark = MarkProtective((a,), "intimate")
    mark.apply(case)
    mark.revert(case)
    MarkProtective((a, b), "distressing").apply(case)
    record_reveal(case, a, "viewer")
    UnmarkProtective((a, b)).apply(case)
    assign = AssignExhibit((a, b), "LB/1")
    assign.apply(case)
    AssignExhibit((item["Answer me now"],), "LB/1").apply(case)
    RenameExhibit("LB/1", "LB/2").apply(case)
    remove = RemoveExhibit("LB/2")
    remove.apply(case)
    remove.revert(case)
    material = MarkMaterial((a,), sensitive=True, description="A message", reason=SECRET)
    material.apply(case)
    material.revert(case)
    create = CreatePresentation("Opening", "court", (a, b))
    create.apply(case)
    pid = create.id
    assert pid is not None
    add = AddSteps(pid, (item["Answer me now"],), at=1)
    add.apply(case)
    add.revert(case)
    step = create._steps[0]["id"]
    EditStep(step, note=SECRET, page=1).apply(case)
    MoveStep(step, 2).apply(case)
    RemoveSteps((step,)).apply(case)
    DeletePresentation(pid).apply(case)
    lines = _lines(case, start)
    assert lines == [
        ("protect.mark", "Marked 1 image intimate"),
        ("protect.unmark", "Took the intimate mark off 1 image (undo)"),
        ("protect.mark", "Marked 2 images distressing"),
        ("protect.reveal", f"Revealed a blurred distressing image, item #{a}, in the viewer"),
        ("protect.unmark", "Took the protective mark off 2 images"),
        ("exhibit.assign", "Created exhibit LB/1 for 2 items"),
        ("exhibit.assign", "Gave exhibit LB/1 to 1 item"),
        ("exhibit.rename", "Renamed exhibit LB/1 → LB/2"),
        ("exhibit.remove", "Removed exhibit reference LB/2 from 3 items (they stay in the case)"),
        ("exhibit.restore", "Restored exhibit LB/2 (undo)"),
        ("material.mark", "Marked 1 item sensitive (MG6D), with a reason"),
        ("material.unmark", "Put back the previous sensitivity marks of 1 item (undo)"),
        ("present.create", "Created presentation “Opening” with 2 steps (set court)"),
        ("present.steps.add", f"Added 1 step to presentation #{pid} at position 1"),
        (
            "present.steps.add",
            f"Put the steps of presentation #{pid} back as they were (undo)",
        ),
        ("present.step.edit", f"Changed the note and page of step #{step} of presentation #{pid}"),
        ("present.step.move", f"Moved a step of presentation #{pid} from 1 to 2"),
        ("present.steps.remove", f"Removed 1 step from presentation #{pid}"),
        ("present.delete", "Deleted presentation “Opening” and its 1 step"),
    ]
    said = " ".join(text for _, text in lines)
    assert SECRET not in said
    assert "A message" not in said
    case.close()


def _row(action: str, **payload: object) -> AuditRow:
    return AuditRow(seq=1, ts_us=0, user="u", action=action, payload=payload, hash="")


def test_exports_backups_and_verification_in_words() -> None:
    sha = "ab12cd34ef56" + "0" * 52
    leaked = "Lily Hart"
    rows = [
        _row(
            "export.start",
            export_id=3,
            folder="exports/pack.partial",
            set="defence disclosure",
            exhibits=["LB/1", "LB/2", "LB/3", "LB/4", "LB/5"],
            items=29,
        ),
        _row(
            "export.complete",
            export_id=3,
            folder="exports/20260301-pack",
            manifest_sha256=sha,
            exhibits_created=["LB/5"],
            exhibits_locked=5,
        ),
        _row("export.failed", export_id=4, folder="x.FAILED", interrupted=True),
        _row(
            "export.failed",
            export_id=5,
            folder="x.FAILED",
            findings=[["LB/1/page 2", f"protected name “{leaked}” found"]],
            finding_count=7,
        ),
        _row("export.failed", export_id=6, folder="x", findings=[["build", "OSError: disk"]]),
        _row("export.cancel", export_id=7, folder="x.CANCELLED"),
        _row(
            "present.export",
            presentation_id=1,
            name="Opening",
            set="court",
            steps=5,
            notes=True,
            file="Opening.pdf",
            sha256=sha,
            protective_revealed=[12],
        ),
        _row(
            "case.backup",
            to="/media/usb/Demo.threadline",
            originals=8,
            bytes=12_345_678,
            derived=False,
            copy_audit_head=sha,
        ),
        _row(
            "case.verify",
            result="intact",
            originals=8,
            problems=[],
            problem_count=0,
            chain_entries=357,
            chain_head=sha,
        ),
        _row("case.verify", result="problems", originals=8, problem_count=2, chain_head=""),
    ]
    assert [summary(r) for r in rows] == [
        "Export 3 started: 5 exhibits (LB/1, LB/2, LB/3, LB/4, …), 29 items "
        "(set defence disclosure)",
        "Export 3 complete: 5 exhibits locked, 1 new (LB/5); manifest ab12cd34ef56…; "
        "folder 20260301-pack",
        "Export 4 failed: interrupted before it was complete",
        "Export 5 failed verification: 7 problems; nothing to release",
        "Export 6 failed: it could not be built",
        "Export 7 cancelled before it was complete",
        "Exported presentation “Opening” as Opening.pdf: 5 pages, with notes, "
        "1 protected image shown unblurred; SHA-256 ab12cd34ef56…",
        "Backed up to /media/usb/Demo.threadline (8 originals, 12.3 MB)",
        "Intact: 8 originals and 357 audit entries checked; chain head ab12cd34ef56…",
        "2 problems found in 8 originals",
    ]
    assert not any(leaked in summary(r) for r in rows)
    model = AuditModel()
    model.set_rows(rows)
    actions = [model.data(model.index(r, model.ACTION)) for r in range(model.rowCount())]
    assert actions[:2] == ["Export started", "Export complete"]
    assert "Case backed up" in actions
    assert "Case verified" in actions
