"""Rebuildable files of a case under `derived/`: thumbnails, the timeline's key cache.

Derived files are read and written whole, through this class, so an encrypted case can keep
them sealed like its originals; nothing outside this class opens a file under `derived/`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app.store.blobs import write_failure


class DerivedFiles:
    """Named byte files under a case's `derived/` folder, written atomically."""

    encrypted = False

    def __init__(self, root: Path) -> None:
        self.root = root

    def _file(self, name: str) -> Path:
        if not name or name.startswith(("/", "\\")) or ".." in Path(name).parts:
            raise ValueError(f"not a derived file name: {name!r}")
        return self.root / name

    def exists(self, name: str) -> bool:
        """Whether the derived file is there."""
        return self._file(name).is_file()

    def read(self, name: str) -> bytes | None:
        """The file's bytes, or None when it was never made (or cannot be read back)."""
        try:
            stored = self._file(name).read_bytes()
        except OSError:
            return None
        return self._unseal(name, stored)

    def write(self, name: str, data: bytes) -> None:
        """Write the file whole: a temporary file renamed into place, never half a file."""
        final = self._file(name)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-")
        except OSError as exc:
            raise write_failure(exc, f"derived file {name}") from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(self._seal(name, data))
            os.replace(tmp, final)
        except OSError as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise write_failure(exc, f"derived file {name}") from exc

    def local_path(self, name: str) -> Path | None:
        """A plaintext file of it a library may open by name; None when encrypted."""
        return self._file(name)

    def _seal(self, name: str, data: bytes) -> bytes:
        """What goes to disk for these bytes (the encrypted store seals them)."""
        return data

    def _unseal(self, name: str, stored: bytes) -> bytes | None:
        """The bytes of what is on disk; None when it cannot be trusted (a cache, rebuilt)."""
        return stored
