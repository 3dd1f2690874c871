"""What is selected in the viewer shown, as exact parts of items: spans of an item's text
(or of an email header shown verbatim) and boxes of words on a PDF page.

One reading of the selection for every tool acting on part of an item (redacting, tagging):
spans come from each viewer's `SpanMap` alignment (ui/redaction/spans.py), so a span is
exact or absent; a PDF selection gives one box per line of words, in points of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.redaction.model import Box

if TYPE_CHECKING:
    from ui.viewers.stack import ViewerStack

REGION = "page"
"""The `target` of a box on a page (or on a picture, page 1)."""


@dataclass(frozen=True, slots=True)
class Selected:
    """A selected part of an item: characters start..end of `target` ("text" or
    "header:NAME"), or a `box` on `page` (target "page"). `quote` is the text covered."""

    item_id: int
    target: str
    start: int | None = None
    end: int | None = None
    page: int | None = None
    box: Box | None = None
    quote: str = ""

    @property
    def is_region(self) -> bool:
        """Whether this is a box on a page rather than a span of text."""
        return self.target == REGION


def viewer_selection(stack: ViewerStack) -> list[Selected]:
    """The selection of the viewer shown, in document order (empty when nothing is)."""
    shown = stack.currentWidget()
    if shown is stack.chat:
        return [Selected(i, "text", a, b, quote=q) for i, a, b, q in stack.chat.selected_spans()]
    if shown is stack.email:
        return [Selected(i, t, a, b, quote=q) for i, t, a, b, q in stack.email.selected_spans()]
    if shown is stack.text:
        return [Selected(i, "text", a, b, quote=q) for i, a, b, q in stack.text.selected_spans()]
    item_id = stack.pdf.item_id
    if shown is stack.pdf and item_id is not None:
        return [
            Selected(item_id, REGION, page=page, box=box, quote=quote)
            for page, box, quote in stack.pdf.selected_regions()
        ]
    return []
