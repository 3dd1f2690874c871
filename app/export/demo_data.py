"""The demo's exhibits: the references the officer's statement gives (LB/1 to LB/7).

The statement in the demo names each exhibit by the file it came from; here each such file's
items get that reference, so the timeline, the export and the presentation show real
exhibit references instead of provisional ones. The email's attachment is LB/6/1.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.case import Case
from app.export.exhibits import AssignExhibit
from app.store.schema import Item, Source

log = logging.getLogger(__name__)


def add_demo_exhibits(case: Case, exhibits: tuple[tuple[str, str, str], ...]) -> None:
    """Give the items of each named source file its exhibit: (ref, file name, description)."""
    for ref, file_name, description in exhibits:
        with case.read() as s:
            own = tuple(
                s.scalars(
                    select(Item.id)
                    .join(Source, Source.id == Item.source_id)
                    .where(Source.name == file_name, Item.parent_id.is_(None))
                    .order_by(Item.id)
                )
            )
            # Attachments are items of their own (often of a child source) under the item.
            children = tuple(
                s.scalars(select(Item.id).where(Item.parent_id.in_(own)).order_by(Item.id))
            )
        if not own:
            log.warning("demo exhibit %s: no items from %s", ref, file_name)
            continue
        AssignExhibit(own, ref, description).apply(case)
        for n, child in enumerate(children, start=1):
            AssignExhibit((child,), f"{ref}/{n}", f"Attachment to {ref}", ref).apply(case)
