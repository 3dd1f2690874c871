"""The contract between importers and the store: a probe in, drafts out through a sink."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, ClassVar, Protocol

import magic

from app.jobs import CancelToken
from app.model import ItemDraft
from app.store.blobs import BlobStore

HEAD_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Probe:
    """What is known about a file before choosing an importer: name, MIME by content, head.

    Read the file through `open()`. `path` is a plaintext file a library may open by name,
    or None when the bytes exist only in memory (an encrypted case): then give the library
    the stream or the bytes. `origin` is where the file lay on the user's disk when it was
    imported from there (not for a member of an archive): a return that names files beside
    it (`linked_media/…`) may look for them there. `member` is the full path of a file handed
    over by its parent (an archive member's path inside the archive; `name` is its last part),
    so a reader may use the folders it lay in; "" for a file from disk.
    """

    path: Path | None
    name: str
    mime: str
    head: bytes
    size: int
    mtime_us: int | None = None
    opener: Callable[[], BinaryIO] | None = None
    origin: Path | None = None
    member: str = ""

    @classmethod
    def of(cls, path: Path, name: str | None = None, mtime_us: int | None = None) -> Probe:
        """Probe a file on disk; `name` and `mtime_us` are what it had where it came from."""
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
        mime = magic.from_buffer(head, mime=True) if head else "application/x-empty"
        return cls(path, name or path.name, mime, head, os.path.getsize(path), mtime_us)

    @classmethod
    def of_blob(
        cls,
        blobs: BlobStore,
        sha256: str,
        name: str,
        mtime_us: int | None = None,
        origin: Path | None = None,
        member: str = "",
    ) -> Probe:
        """Probe an original in the case's store (plaintext whatever the store keeps)."""
        with blobs.open(sha256) as fh:
            head = fh.read(HEAD_BYTES)
        mime = magic.from_buffer(head, mime=True) if head else "application/x-empty"
        return cls(
            blobs.local_path(sha256),
            name,
            mime,
            head,
            blobs.size(sha256),
            mtime_us,
            functools.partial(blobs.open, sha256),
            origin,
            member,
        )

    @property
    def suffix(self) -> str:
        """The lower-case extension of the original name: a hint, never the decision."""
        return Path(self.name).suffix.lower()

    def open(self) -> BinaryIO:
        """Open the file for reading (seekable)."""
        if self.opener is not None:
            return self.opener()
        if self.path is None:
            raise ValueError(f"{self.name}: a probe with neither a path nor an opener")
        return self.path.open("rb")

    def read(self) -> bytes:
        """The whole file in memory (for libraries that take bytes when there is no path)."""
        with self.open() as fh:
            return fh.read()

    def head_text(self) -> str:
        """The head decoded as UTF-8 (BOM dropped, bad bytes replaced), for sniffing."""
        return self.head.decode("utf-8", errors="replace").removeprefix("\ufeff")


@dataclass(slots=True)
class ImportOptions:
    """Choices the user makes for an import; importers read what concerns them."""

    zone: str = "Europe/London"
    date_order: str = ""  # "dmy", "mdy" or "ymd" when the user settles an ambiguous file
    password: str = ""
    signing_keys: tuple[str, ...] = ()  # public key files to check signed returns against


@dataclass(slots=True)
class ImportContext:
    """What an importer may use besides the file: options and the cancel token."""

    options: ImportOptions = field(default_factory=ImportOptions)
    cancel: CancelToken = field(default_factory=CancelToken)


class Sink(Protocol):
    """Where an importer writes; the store's sink batches, a test's sink keeps a list."""

    def add_item(self, draft: ItemDraft) -> None:
        """Add one item (with its events and participants)."""

    def warn(self, message: str) -> None:
        """Record something not read or repaired; the import goes on."""

    def decide(self, name: str, value: str) -> None:
        """Record a decision taken for the whole file (date order, zone, encoding)."""

    def store_blob(self, stream: BinaryIO) -> str:
        """Keep embedded content as an original without reading it; returns its SHA-256."""

    def add_child(self, name: str, stream: BinaryIO, context_key: str = "") -> None:
        """Hand over an embedded file (an attachment, a zip member, a chat's media) that is
        imported as a source of its own, whose parent is this file, by whichever importer
        claims it. `context_key` names the item that carried it (the message or email), which
        becomes the parent item of the child's items."""


class Importer(Protocol):
    """One evidence format. `score` says how sure it is from the probe; `parse` reads it."""

    NAME: ClassVar[str]
    VERSION: ClassVar[str]

    @classmethod
    def score(cls, probe: Probe) -> int:
        """0 for "not mine", higher for surer; the highest positive score wins."""

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """Read the file into the sink; raise `WrongFormat` only before any output."""
