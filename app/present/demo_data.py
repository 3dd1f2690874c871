"""The demo's presentation: "Court — harassment", shown through the "court" redaction set.

The court set gets approved copies of the disclosure set's redactions of every item shown
(and of the messages shown before them as context), so nothing in the demo presentation is
refused; the photo album attached to the threat email is marked intimate (and boxed).
"""

from __future__ import annotations

import logging

from sqlalchemy import text

from app.case import Case
from app.items import CHAT_KINDS, conversation_context, item_detail
from app.present.model import DEFAULT_SET
from app.present.ops import CreatePresentation, EditStep
from app.present.render import CONTEXT_MESSAGES
from app.present.store import presentation
from app.protect import MarkProtective
from app.redaction.model import RedactionDraft
from app.redaction.ops import AddRedactions
from app.redaction.store import DEFAULT_SET as DISCLOSURE_SET
from app.redaction.store import list_redactions

log = logging.getLogger(__name__)

NAME = "Court — harassment"

# (message text (its first occurrence), presenter's note)
_MESSAGES = (
    (
        "Hi Sarah. It's Dan. Don't be annoyed, Mark gave me your new number",
        "He names himself on the new number, after being told to stop.",
    ),
    ("Still at Harbour Lane?", "He knows where she works."),
    (
        "Keep ignoring me and I'll send those pictures to everyone at your work",
        "The threat to share the private pictures.",
    ),
)
_EMAIL_NOTE = "The same threat by email to her work address, with the album attached."
_ALBUM_NOTE = "The attachment: the album's photographs are redacted; blurred on screen."
_REPORT_NOTE = "The crime report: her date of birth is redacted."


def _first(case: Case, sql: str, params: dict[str, object]) -> int | None:
    with case.read() as s:
        value = s.execute(text(sql), params).scalar()
    return int(value) if value is not None else None


def _message(case: Case, body: str) -> int | None:
    return _first(
        case,
        "SELECT i.id FROM items i LEFT JOIN events e ON e.item_id = i.id "
        "WHERE i.kind = 'message' AND i.text = :b ORDER BY e.ts_utc_us, i.id LIMIT 1",
        {"b": body},
    )


def add_demo_presentation(case: Case) -> None:
    """Add the demo's court presentation, its court redactions and the intimate mark."""
    from app import demo
    from app.redaction.demo_data import _attachment

    steps: list[tuple[int, str]] = []
    for body, note in _MESSAGES:
        item = _message(case, body)
        if item is not None:
            steps.append((item, note))
    email = _first(
        case,
        "SELECT id FROM items WHERE kind = 'email' AND text != '' AND "
        "json_extract(meta, '$.headers.Subject') = :s ORDER BY id LIMIT 1",
        {"s": demo.EMAIL_SUBJECT},
    )
    if email is not None:
        steps.append((email, _EMAIL_NOTE))
    album = _attachment(case, demo.EMAIL_ATTACHMENT)
    if album is not None:
        steps.append((album, _ALBUM_NOTE))
    report = _first(
        case,
        "SELECT i.id FROM items i JOIN sources s ON s.id = i.source_id "
        "WHERE i.kind = 'document' AND s.name = :n ORDER BY i.id LIMIT 1",
        {"n": demo.POLICE_REPORT_NAME},
    )
    if report is not None:
        steps.append((report, _REPORT_NOTE))
    if not steps:
        log.warning("demo presentation: none of its items are in the case")
        return

    shown = {item for item, _ in steps}
    for item, _ in steps:
        if item_detail(case, item).kind in CHAT_KINDS:
            shown.update(
                m.item_id
                for m in conversation_context(case, item, CONTEXT_MESSAGES, 0, thumbnails=False)
            )
    drafts = tuple(
        RedactionDraft(
            item_id=r.item_id,
            kind=r.kind,
            reason=r.reason,
            target=r.target,
            page=r.page,
            box=r.box,
            start=r.start,
            end=r.end,
            quote=r.quote,
            note=r.note,
            origin=r.origin,
        )
        for r in list_redactions(case, DISCLOSURE_SET, sorted(shown))
        if r.state != "rejected"
    )
    if drafts:
        AddRedactions(DEFAULT_SET, drafts, approve=True).apply(case)

    op = CreatePresentation(NAME, DEFAULT_SET, tuple(item for item, _ in steps))
    op.apply(case)
    assert op.id is not None
    pres = presentation(case, op.id)
    for step, (_, note) in zip(pres.steps, steps, strict=True):
        EditStep(step.id, note=note).apply(case)
    if report is not None:
        dob = [r for r in drafts if r.item_id == report and r.box is not None]
        if dob and dob[0].box is not None:
            _, y0, _, y1 = dob[0].box
            step = next(s for s in pres.steps if s.item_id == report)
            EditStep(
                step.id, page=dob[0].page or 1, region=(36.0, max(0.0, y0 - 150), 559.0, y1 + 150)
            ).apply(case)
    if album is not None:
        MarkProtective((album,), "intimate").apply(case)
    log.info("demo presentation: %d steps, %d court redactions", len(steps), len(drafts))
