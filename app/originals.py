"""An item's stored original as its readers get it, whatever the case keeps on disk.

A plain case keeps each original as a plaintext file; an encrypted case keeps it sealed,
with no plaintext file anywhere. Readers therefore take an `Original`: its SHA-256, a
plaintext file when the store has one (`path`, which a library such as PyMuPDF opens faster
than bytes) and a way to read its bytes that always works (`open`, `read`). One code path:
the path when there is one, else the bytes — never a decrypted copy on disk.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from app.store.blobs import BlobStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Original:
    """One stored original: its SHA-256, whether the store holds it, and how to read it.

    `path` is a plaintext file of it that may be opened by name, None when the case keeps
    its originals encrypted (or the original is missing): read it with `open` or `read`.
    """

    sha256: str
    present: bool
    path: Path | None
    opener: Callable[[], BinaryIO] = field(compare=False, repr=False)

    def open(self) -> BinaryIO:
        """The original's plaintext as a seekable stream (close it)."""
        return self.opener()

    def read(self) -> bytes:
        """The original's whole plaintext, in memory."""
        with self.opener() as fh:
            return fh.read()

    def head(self, n: int = 8) -> bytes:
        """The first `n` bytes (to recognise a format)."""
        with self.opener() as fh:
            return fh.read(n)


def original(blobs: BlobStore, sha256: str) -> Original:
    """The original with this hash in a case's store (see `Original`)."""
    present = blobs.exists(sha256)
    return Original(
        sha256=sha256,
        present=present,
        path=blobs.local_path(sha256) if present else None,
        opener=functools.partial(blobs.open, sha256),
    )


def open_pdf(source: Original) -> Any:
    """The original opened as a PDF by PyMuPDF (a `pymupdf.Document`; close it).

    By name when the store keeps a plaintext file (a scan of hundreds of MB is then read
    page by page), else from its bytes in memory. PyMuPDF's own errors pass through.
    """
    import pymupdf

    pm: Any = pymupdf  # its API is untyped: use it as Any
    if source.path is not None:
        return pm.open(str(source.path), filetype="pdf")
    return pm.open(stream=source.read(), filetype="pdf")
