"""Charges and tags of the demo case: a harassment charge and a threat to share intimate
images, both partly evidenced, so the tagger and the coverage matrix have something to show.

Left as gaps on purpose: harassment's "knew or ought to have known" (the suggestions find
Sarah's requests to stop for it) and the identity element of the s.66B threat charge.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.case import Case
from app.tagging.ops import AddCharge, TagItems

log = logging.getLogger(__name__)

HARASSMENT = "PHA1997-s2"
THREAT = "SOA2003-s66B-4"

# (element, message texts (the first message with that text), note)
_HARASSMENT_TAGS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "PHA1997-s2-E1",
        (
            "Hi Sarah. It's Dan. Don't be annoyed, Mark gave me your new number",
            "Still at Harbour Lane?",
            "Nice new place",
            "Who was that you were with at the Crown last night?",
            "ANSWER ME",
            "Pick up the phone",
        ),
        "contact on separate days after being told to stop",
    ),
    (
        "PHA1997-s2-E2",
        (
            "I am not picking up. I'm turning my phone off. Please leave me alone.",
            "It's the middle of the night. Stop messaging me.",
        ),
        "Sarah's distress at the time",
    ),
    (
        "PHA1997-s2-ID",
        ("Hi Sarah. It's Dan. Don't be annoyed, Mark gave me your new number",),
        "the sender names himself on the new number",
    ),
)
_THREAT_TAGS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "SOA2003-s66B-4-E1",
        (
            "Everyone at Harbour Lane is going to see them",
            "If you don't talk to me tomorrow I'm sending them",
        ),
        "threat to share",
    ),
    (
        "SOA2003-s66B-4-E2",
        ("I've still got all those pictures you sent me you know", "The private ones"),
        "the images are private ones Sarah sent him",
    ),
    (
        "SOA2003-s66B-4-E3",
        ("Don't say I didn't warn you", "Good. Then she'll know what's coming"),
        "intends her to fear it will happen",
    ),
)
_CALLS_NOTE = "missed calls through the night"
_EMAIL_NOTE = "the same threat by email to her work address"


def _first_item(s: Session, body: str, kind: str = "message") -> int | None:
    return s.execute(
        text(
            "SELECT i.id FROM items i LEFT JOIN events e ON e.item_id = i.id "
            "WHERE i.kind = :kind AND i.text = :body ORDER BY e.ts_utc_us, i.id LIMIT 1"
        ),
        {"kind": kind, "body": body},
    ).scalar()


def _items(s: Session, bodies: tuple[str, ...]) -> tuple[int, ...]:
    found = []
    for body in bodies:
        item = _first_item(s, body)
        if item is None:
            log.warning("demo tagging: no message %r", body)
        else:
            found.append(item)
    return tuple(found)


def add_demo_charges(case: Case) -> None:
    """Add the demo's two charges over its dates, and their tags (each an audited edit)."""
    from app.demo import CALLS_NAME, DEMO_FIRST_DAY, DEMO_LAST_DAY, WHATSAPP_THREAT

    harassment = AddCharge(
        HARASSMENT, DEMO_FIRST_DAY, DEMO_LAST_DAY, "messages, calls and visits after the break-up"
    )
    harassment.apply(case)
    threat = AddCharge(
        THREAT, DEMO_FIRST_DAY, DEMO_LAST_DAY, "threats to send her pictures to her workplace"
    )
    threat.apply(case)
    with case.read() as s:
        plan = [
            (harassment.charge_id, element, _items(s, bodies), note)
            for element, bodies, note in _HARASSMENT_TAGS
        ] + [
            (threat.charge_id, element, _items(s, bodies), note)
            for element, bodies, note in _THREAT_TAGS
        ]
        calls = s.execute(
            text(
                "SELECT i.id FROM items i JOIN sources s ON s.id = i.source_id "
                "WHERE s.name = :name AND i.kind = 'image'"
            ),
            {"name": CALLS_NAME},
        ).scalar()
        email = s.execute(
            text("SELECT id FROM items WHERE kind = 'email' AND text LIKE '%Harbour Lane%'")
        ).scalar()
        threat_message = s.execute(
            text("SELECT id, text FROM items WHERE kind = 'message' AND instr(text, :t) > 0"),
            {"t": WHATSAPP_THREAT},
        ).first()
    for charge_id, element, items, note in plan:
        if items:
            TagItems(items, charge_id, element, note=note).apply(case)
    if calls is not None:
        TagItems((calls,), harassment.charge_id, "PHA1997-s2-E1", note=_CALLS_NOTE).apply(case)
    if email is not None:
        TagItems((email,), threat.charge_id, "SOA2003-s66B-4-E1", note=_EMAIL_NOTE).apply(case)
    if threat_message is not None:
        # The threat itself, as a span of the message: the words that carry it.
        start = threat_message[1].index(WHATSAPP_THREAT)
        TagItems(
            (threat_message[0],),
            threat.charge_id,
            "SOA2003-s66B-4-E1",
            note="the threat",
            start=start,
            end=start + len(WHATSAPP_THREAT),
        ).apply(case)
    log.info("demo charges %d and %d tagged", harassment.charge_id, threat.charge_id)
