"""Plain rows of the tagger for the views: charges on a case and the tags linking items to
the elements (points to prove) of those charges. Never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.errors import EvidenceError
from app.tagging.library import Element, Offence

ElementKey = str
"""`f"{charge_id}:{element_id}"`: one element of one charge (`TimelineFilter.elements`)."""

Box = tuple[float, float, float, float]
"""A region of a page: x0, y0, x1, y1 (PDF points on a PDF page, pixels on an image)."""


def element_key(charge_id: int, element_id: str) -> ElementKey:
    """The key naming one element of one charge."""
    return f"{int(charge_id)}:{element_id}"


def parse_element_key(key: ElementKey) -> tuple[int, str]:
    """(charge id, element id) of a key made by `element_key`."""
    charge, sep, element = key.partition(":")
    if not sep or not element or not charge.strip().isdigit():
        raise EvidenceError(f"not an element key: {key!r} (expected CHARGE_ID:ELEMENT_ID)")
    return int(charge), element


@dataclass(frozen=True, slots=True)
class ChargeRow:
    """An offence considered on the case over the dates of the alleged conduct (inclusive).

    `warnings` say where the law changed within those dates (repeal, commencement).
    """

    id: int
    offence: Offence
    from_date: date
    to_date: date
    note: str
    warnings: tuple[str, ...]

    @property
    def elements(self) -> tuple[Element, ...]:
        """The points to prove of this charge's offence."""
        return self.offence.elements

    @property
    def label(self) -> str:
        """How the charge is named in lists: short name and dates."""
        name = self.offence.short_name or self.offence.name
        return f"{name} ({self.from_date:%d %b %Y} – {self.to_date:%d %b %Y})"


@dataclass(frozen=True, slots=True)
class TagRow:
    """An item (or a span of its text, or a region of a page) supporting one element.

    `page` is 1-based; `box` a region on that page; `start`/`end` characters of the item's
    text. All None: the whole item. `origin` is "manual" or "suggestion".
    """

    id: int
    charge_id: int
    element_id: str
    item_id: int
    page: int | None
    box: Box | None
    start: int | None
    end: int | None
    note: str
    origin: str
    created_by: str
    created_at_us: int

    @property
    def key(self) -> ElementKey:
        """The element key of this tag."""
        return element_key(self.charge_id, self.element_id)

    @property
    def whole_item(self) -> bool:
        """Whether the tag covers the whole item rather than a span or region."""
        return self.page is None and self.box is None and self.start is None
