"""Redactions of the demo case: a few proposed and approved ones in "defence disclosure"."""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy import select

from app.case import Case
from app.redaction.find import FindQuery, find_hits, page_text, regions
from app.redaction.model import RedactionDraft, RedactionKind
from app.redaction.ops import AddRedactions
from app.redaction.store import DEFAULT_SET
from app.store.schema import Item, Page

log = logging.getLogger(__name__)

# The email attachment (a 360x480 gallery screenshot): the album's tiles of hidden photos.
_ALBUM_BOX = (18.0, 80.0, 346.0, 416.0)


def add_demo_redactions(case: Case) -> None:
    """Add the demo's redactions: the victim's postcode found by search (proposed), her phone
    number found by the PII finder (approved), her date of birth boxed on the police report
    (approved) and the photo album attached to the threat email boxed (proposed)."""
    from app import demo

    # Search and redact: the victim's postcode, in messages, the diary and the report.
    postcode = find_hits(case, FindQuery(text=demo.DEMO_POSTCODE, whole_words=True), "ADDR")
    if postcode:
        AddRedactions(DEFAULT_SET, tuple(postcode)).apply(case)

    # PII finder: the victim's phone number wherever it appears (not the suspect's).
    victim = demo.SARAH.phone.replace(" ", "")[-6:]
    phones = [
        replace(d, note="victim's phone number")
        for d in find_hits(case, FindQuery(pii=("phone",)), "VC")
        if d.quote.replace(" ", "").endswith(victim)
    ]
    if phones:
        AddRedactions(DEFAULT_SET, tuple(phones), approve=True).apply(case)

    boxes = _date_of_birth_box(case, "14/06/1994")
    if boxes:
        AddRedactions(DEFAULT_SET, boxes, approve=True).apply(case)

    album = _attachment(case, demo.EMAIL_ATTACHMENT)
    if album is not None:
        draft = RedactionDraft(
            item_id=album,
            kind=RedactionKind.REGION,
            reason="INTIMATE",
            page=1,
            box=_ALBUM_BOX,
            note="album of private photographs",
        )
        AddRedactions(DEFAULT_SET, (draft,)).apply(case)
    log.info(
        "demo redactions: %d postcode, %d phone, %d date of birth, %d picture",
        len(postcode),
        len(phones),
        len(boxes),
        album is not None,
    )


def _date_of_birth_box(case: Case, dob: str) -> tuple[RedactionDraft, ...]:
    """A box drawn by hand over the victim's date of birth on the report's first page."""
    with case.read() as s:
        rows = s.execute(
            select(Page.item_id, Page.number, Page.words)
            .join(Item, Item.id == Page.item_id)
            .where(Item.kind == "document", Page.number == 1)
            .order_by(Page.item_id)
        ).all()
    for item_id, number, words in rows:
        page = page_text(words)
        at = page.text.find(dob)
        if at >= 0:
            box, quote = regions(page, at, at + len(dob))[0]
            return (
                RedactionDraft(
                    item_id=item_id,
                    kind=RedactionKind.REGION,
                    reason="PII",
                    page=number,
                    box=box,
                    quote=quote,
                    note="victim's date of birth",
                ),
            )
    return ()


def _attachment(case: Case, name: str) -> int | None:
    """The image item of an email attachment with this name."""
    with case.read() as s:
        for item_id, locator, meta in s.execute(
            select(Item.id, Item.locator, Item.meta).where(Item.kind == "image")
        ):
            names = (locator, str(meta.get("name", "")), str(meta.get("file_name", "")))
            if any(n.endswith(name) for n in names):
                return int(item_id)
    return None
