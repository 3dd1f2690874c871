"""Exact character spans between an item's text and the rich-text document showing it.

Viewers render an item's text into a QTextDocument (HTML for chats, plain text for email
bodies). A selection there is in document positions (UTF-16 code units, paragraph and
line separators, carriage returns dropped); a redaction is in characters of `Item.text`.
`SpanMap` aligns the two character by character, so a span is exact or refused, never near.
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass

from PySide6.QtGui import QTextDocument

log = logging.getLogger(__name__)

_BREAKS = frozenset("\n\u2028\u2029")
_SPACES = frozenset(" \u00a0")


def _units(text: str) -> list[int]:
    """The UTF-16 offset of every code point of `text`, and of its end."""
    out = [0] * (len(text) + 1)
    n = 0
    for i, ch in enumerate(text):
        out[i] = n
        n += 2 if ord(ch) > 0xFFFF else 1
    out[len(text)] = n
    return out


def _same(a: str, b: str) -> bool:
    return a == b or (a in _BREAKS and b in _BREAKS) or (a in _SPACES and b in _SPACES)


@dataclass(frozen=True, slots=True)
class SpanMap:
    """Where each character of an item's text lies in a document (in document code points);
    `units` converts document code points to the document's UTF-16 positions."""

    positions: tuple[int, ...]  # one per character of the text, then its end
    units: tuple[int, ...]  # the document's UTF-16 offset of each code point

    @classmethod
    def align(cls, text: str, shown: str, offset: int = 0) -> SpanMap | None:
        """Align `text` with `shown[offset:]`; None when the document does not show the text
        verbatim (then no span can be exact)."""
        positions: list[int] = []
        j = offset
        for i, ch in enumerate(text):
            here = shown[j] if j < len(shown) else ""
            if ch == "\r":
                # A CR is a break of its own in HTML, and dropped before LF in plain text.
                lf_follows = text[i + 1 : i + 2] == "\n"
                after = shown[j + 1] if j + 1 < len(shown) else ""
                if here in _BREAKS and (not lf_follows or after in _BREAKS):
                    positions.append(j)
                    j += 1
                else:
                    positions.append(j)  # as wide as nothing
            elif here and _same(ch, here):
                positions.append(j)
                j += 1
            else:
                return None
        positions.append(j)
        return cls(tuple(positions), tuple(_units(shown)))

    def unit_to_point(self, unit: int) -> int:
        """The document code point at (or after) a UTF-16 position."""
        return bisect.bisect_left(self.units, unit)

    def to_text(self, unit_start: int, unit_end: int) -> tuple[int, int] | None:
        """The characters of the text a document selection covers (clipped to the text);
        None when it covers none of them."""
        a, b = self.unit_to_point(unit_start), self.unit_to_point(unit_end)
        inside = [i for i, p in enumerate(self.positions[:-1]) if a <= p < b]
        if not inside:
            return None
        return inside[0], inside[-1] + 1

    def to_document(self, start: int, end: int) -> tuple[int, int] | None:
        """The UTF-16 document positions of characters start..end of the text."""
        n = len(self.positions) - 1
        start, end = max(0, start), min(n, end)
        if start >= end:
            return None
        return self.units[self.positions[start]], self.units[self.positions[end]]


def raw_text(doc: QTextDocument) -> str:
    """The document's characters as stored (separators and no-break spaces kept)."""
    return doc.toRawText()


def anchor_position(doc: QTextDocument, name: str) -> int | None:
    """The UTF-16 position of the first character carrying anchor `name`."""
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.isValid() and name in fragment.charFormat().anchorNames():
                return fragment.position()
            it += 1
        block = block.next()
    return None


def map_anchor(doc: QTextDocument, name: str, text: str) -> SpanMap | None:
    """The map of `text` shown from the anchor `name` on; None when absent or not verbatim."""
    unit = anchor_position(doc, name)
    if unit is None:
        return None
    shown = raw_text(doc)
    point = bisect.bisect_left(_units(shown), unit)
    found = SpanMap.align(text, shown, point)
    if found is None:
        log.debug("the text under anchor %s is not shown verbatim", name)
    return found
