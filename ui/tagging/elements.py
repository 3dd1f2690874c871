"""The case's charge elements as the tagger numbers them: 1, 2, 3 … across every charge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from app.tagging.library import Element
from app.tagging.model import ChargeRow, element_key
from ui.models.timeline import TagChip

# One colour per charge (Okabe-Ito, colour-blind safe), always beside the element's number.
CHARGE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7a7a7a")
KEYED = 9  # elements 1–9 have a number key; the rest are reached by the type-ahead
SHORT = 70  # characters of an element's text shown in lists


def short_text(text: str, limit: int = SHORT) -> str:
    """An element's text cut at a clause boundary or word near `limit` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    for mark in ("; ", " (", ", "):
        at = cut.rfind(mark)
        if at >= limit // 2:
            return cut[:at].rstrip(" ,;") + "…"
    at = cut.rfind(" ")
    return (cut[:at] if at > limit // 2 else cut).rstrip(" ,;") + "…"


def day_range(start: date, end: date) -> str:
    """`1 Feb – 30 Apr 2024` (the year once when both days share it)."""
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"


def charge_name(charge: ChargeRow) -> str:
    """A charge's short name (the offence's short name, else its name)."""
    return charge.offence.short_name or charge.offence.name


@dataclass(frozen=True, slots=True)
class ElementEntry:
    """One element of one charge, numbered for the keyboard."""

    number: int
    charge: ChargeRow
    element: Element
    colour: str

    @property
    def key(self) -> str:
        """The `charge:element` key (TimelineFilter.elements, the timeline's chips)."""
        return element_key(self.charge.id, self.element.id)

    @property
    def unverified(self) -> str:
        """What is unverified about this element or its offence, or ""."""
        return self.element.unverified or self.charge.offence.unverified

    @property
    def short(self) -> str:
        """The element's text, shortened for a list."""
        return short_text(self.element.text)

    @property
    def label(self) -> str:
        """`Harassment · D pursued a course of conduct…`, for menus and tooltips."""
        return f"{charge_name(self.charge)} · {self.short}"

    def matches(self, words: str) -> bool:
        """Whether every word typed occurs in the element's number, id, text or charge."""
        hay = " ".join(
            (str(self.number), self.element.id, self.element.text, charge_name(self.charge))
        ).lower()
        return all(w in hay for w in words.lower().split())


def number_elements(charges: Sequence[ChargeRow]) -> list[ElementEntry]:
    """Every element of every charge, numbered from 1 in charge order, coloured per charge."""
    entries: list[ElementEntry] = []
    for n, charge in enumerate(charges):
        colour = CHARGE_COLOURS[n % len(CHARGE_COLOURS)]
        for element in charge.elements:
            entries.append(ElementEntry(len(entries) + 1, charge, element, colour))
    return entries


def chips(entries: Sequence[ElementEntry]) -> dict[str, TagChip]:
    """The timeline's chip for each element key."""
    return {e.key: TagChip(e.number, e.colour, e.label) for e in entries}


def top_items(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    """The top-level rows of a tree (the charges)."""
    found = (tree.topLevelItem(i) for i in range(tree.topLevelItemCount()))
    return [t for t in found if t is not None]


def child_items(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    """The rows under a row (a charge's elements)."""
    found = (item.child(j) for j in range(item.childCount()))
    return [c for c in found if c is not None]
