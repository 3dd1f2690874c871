"""A sink that keeps everything in lists: for tests, previews and dry runs."""

from __future__ import annotations

import hashlib
from typing import BinaryIO

from app.model import ItemDraft


class MemorySink:
    """Collects drafts, warnings, decisions and blobs without touching a case."""

    def __init__(self) -> None:
        self.items: list[ItemDraft] = []
        self.warnings: list[str] = []
        self.decisions: dict[str, str] = {}
        self.blobs: dict[str, bytes] = {}
        self.children: list[tuple[str, bytes, str]] = []

    def add_item(self, draft: ItemDraft) -> None:
        """Keep the draft."""
        self.items.append(draft)

    def warn(self, message: str) -> None:
        """Keep the warning."""
        self.warnings.append(message)

    def decide(self, name: str, value: str) -> None:
        """Keep the decision."""
        self.decisions[name] = value

    def store_blob(self, stream: BinaryIO) -> str:
        """Keep the bytes under their SHA-256."""
        data = stream.read()
        digest = hashlib.sha256(data).hexdigest()
        self.blobs[digest] = data
        return digest

    def add_child(self, name: str, stream: BinaryIO, context_key: str = "") -> None:
        """Keep the embedded file's name, bytes and context."""
        self.children.append((name, stream.read(), context_key))
