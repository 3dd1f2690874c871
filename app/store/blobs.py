"""Originals, content-addressed by SHA-256, written once and then read-only."""

from __future__ import annotations

import ctypes
import errno
import hashlib
import logging
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from app.errors import StoreError

log = logging.getLogger(__name__)

CHUNK = 1 << 20
# A batch with more originals than this is made durable with one flush of the file system
# (syncfs) instead of an fsync (and a journal commit) per file.
SYNC_EACH_UP_TO = 4


def _linux_libc() -> Any:
    """The C library with sync_file_range and syncfs (Linux only), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.sync_file_range.argtypes = [
            ctypes.c_int,
            ctypes.c_int64,
            ctypes.c_int64,
            ctypes.c_uint,
        ]
        libc.syncfs.argtypes = [ctypes.c_int]
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _linux_libc()
_SYNC_FILE_RANGE_WRITE = 2


def start_writeback(fd: int) -> None:
    """Have the kernel start writing a file's bytes to disk now, without waiting (Linux).

    A deferred sync then finds them mostly written: the disk works while the import reads
    the next files. Durability still comes from `sync_pending`; this is only a head start.
    """
    if _LIBC is not None:
        _LIBC.sync_file_range(fd, 0, 0, _SYNC_FILE_RANGE_WRITE)


def _syncfs(folder: Path) -> bool:
    """Flush everything written to the file system holding `folder` (Linux): True when
    done, False where the call does not exist. Raises OSError when the flush fails."""
    if _LIBC is None:
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        if _LIBC.syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(folder))
    finally:
        os.close(fd)
    return True


def write_failure(exc: OSError, what: str) -> StoreError:
    """A write to the case that failed (a full disk above all) as one plain sentence."""
    reason = "the disk is full" if exc.errno in _FULL else (exc.strerror or str(exc))
    return StoreError(f"cannot write {what}: {reason} ({exc.filename or exc})")


_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


def _write_all(out: BinaryIO, data: bytes) -> None:
    """Write every byte to an unbuffered file; a failure says what could not be written."""
    view = memoryview(data)
    try:
        while view:
            n = out.write(view)
            if not n:
                raise OSError(errno.ENOSPC, "no byte could be written")
            view = view[n:]
    except OSError as exc:
        raise write_failure(exc, "an original into the case") from exc


def make_durable(fd: int, defer_sync: bool) -> None:
    """Sync a just-written original now, or with `defer_sync` only start writing it back
    (the batch's `sync_pending` makes it durable before the commit naming it)."""
    if defer_sync:
        start_writeback(fd)
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        raise write_failure(exc, "an original into the case") from exc


class BlobStore:
    """A folder of files named by the SHA-256 of their bytes: `ab/abcdef…`.

    Readers go through `open`, `read` and `size`, which give the plaintext whatever the
    store keeps on disk; `local_path` is a plaintext file a library may open by name, and is
    None for a store that keeps its blobs encrypted: then read from memory instead.
    """

    encrypted = False

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / ".incoming"
        self._unsynced: list[Path] = []

    def path(self, sha256: str) -> Path:
        """Where the blob with this hash lives on disk (whether or not it exists), as the
        store keeps it: ciphertext in an encrypted store. Copy it; never parse it."""
        return self.root / sha256[:2] / sha256

    def local_path(self, sha256: str) -> Path | None:
        """A plaintext file of the blob that may be opened by name; None when encrypted."""
        return self.path(sha256)

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored blob for reading (seekable; plaintext)."""
        return self.path(sha256).open("rb")

    def read(self, sha256: str) -> bytes:
        """A stored blob's whole plaintext, in memory."""
        with self.open(sha256) as fh:
            return fh.read()

    def size(self, sha256: str) -> int:
        """The plaintext size of a stored blob."""
        return self.path(sha256).stat().st_size

    def put_stream(self, stream: BinaryIO, *, defer_sync: bool = False) -> tuple[str, int]:
        """Copy a stream in, hashing as it goes; returns (sha256, size).

        The bytes land in a temporary file that is flushed to disk and then renamed into
        place, so a crash never leaves a half-written blob under a real hash. With
        `defer_sync` the flush to disk waits for `sync_pending()`, which the import calls
        once before it commits: an archive of 10,000 members then costs one sync, not
        10,000, and still no committed row can name a blob that is not on disk.
        """
        digest = hashlib.sha256()
        size = 0
        try:
            try:  # the folder exists but for the first original: no mkdir call per file
                fd, tmp_name = tempfile.mkstemp(dir=self._tmp)
            except FileNotFoundError:
                self._tmp.mkdir(parents=True, exist_ok=True)
                fd, tmp_name = tempfile.mkstemp(dir=self._tmp)
        except OSError as exc:
            raise write_failure(exc, "an original into the case") from exc
        try:
            with os.fdopen(fd, "wb", buffering=0) as out:  # unbuffered: no late flush error
                while chunk := stream.read(CHUNK):  # a read error stays an OSError
                    digest.update(chunk)
                    _write_all(out, chunk)
                    size += len(chunk)
                make_durable(out.fileno(), defer_sync)
            sha = digest.hexdigest()
            final = self.path(sha)
            if final.exists():
                os.unlink(tmp_name)
            else:
                try:
                    os.chmod(tmp_name, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
                    try:
                        os.replace(tmp_name, final)
                    except FileNotFoundError:  # the first blob of its `ab/` folder
                        final.parent.mkdir(exist_ok=True)
                        os.replace(tmp_name, final)
                except OSError as exc:
                    raise write_failure(exc, "an original into the case") from exc
                if defer_sync:
                    self._unsynced.append(final)
            return sha, size
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def sync_pending(self) -> None:
        """Make every blob written with `defer_sync` durable (before the commit naming it)."""
        pending, self._unsynced = self._unsynced, []
        if not pending:
            return
        if len(pending) > SYNC_EACH_UP_TO:
            if _syncfs(self.root):  # one flush of the case's file system, files and folders
                return
            if hasattr(os, "sync"):
                os.sync()
                return
        folders = set()
        for path in pending:
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
            folders.add(path.parent)
        if os.name == "posix":  # a rename is durable once its folder is synced
            for folder in folders:
                fd = os.open(folder, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)

    def put_file(self, path: Path) -> tuple[str, int]:
        """Copy a file in; returns (sha256, size)."""
        with path.open("rb") as fh:
            return self.put_stream(fh)

    def rehash(self, sha256: str) -> str | None:
        """The actual SHA-256 of a stored blob, or None when it is missing."""
        try:
            with self.open(sha256) as fh:
                digest = hashlib.sha256()
                while chunk := fh.read(CHUNK):
                    digest.update(chunk)
                return digest.hexdigest()
        except FileNotFoundError:
            return None

    def clear_incoming(self) -> None:
        """Remove temporary files a crashed import left behind."""
        shutil.rmtree(self._tmp, ignore_errors=True)
