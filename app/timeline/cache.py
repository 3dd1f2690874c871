"""Recently built timelines (ids and times), kept while the case's data has not changed.

Reading a million ids out of SQLite takes half a second however it is done; the model needs
them before its first paint. So the keys of the last few filters stay in memory, and the
whole case's keys also go to `derived/timeline-keys.bin`, which loads in milliseconds on the
next open. Both are checked against `query.data_version` before use: never a stale list.
"""

from __future__ import annotations

import logging
import os
import struct
import sys
import threading
from array import array
from collections import OrderedDict
from pathlib import Path

from app.timeline.query import EVERYTHING, TimelineFilter, TimelineKeys

log = logging.getLogger(__name__)

FILE_NAME = "timeline-keys.bin"
_MAGIC = b"TLKEYS01"
_HEADER = struct.Struct("<8sqqqq")  # magic, audit seq, max event id, event count, length
Version = tuple[int, int, int]


class KeysCache:
    """Timelines by filter for one data version; the whole case's also persisted on disk.

    Thread-safe: the UI builds id lists in worker threads while the GUI thread jumps.
    """

    def __init__(self, folder: Path | None, size: int = 4) -> None:
        self._folder = folder
        self._size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[TimelineFilter, Version], TimelineKeys] = OrderedDict()

    def get(self, f: TimelineFilter, version: Version) -> TimelineKeys | None:
        """The keys for this filter at this data version, from memory or disk; None if not kept."""
        with self._lock:
            keys = self._entries.get((f, version))
            if keys is not None:
                self._entries.move_to_end((f, version))
                return keys
        if f != EVERYTHING or self._folder is None:
            return None
        keys = self._load(version)
        if keys is not None:
            self._remember(f, version, keys)
        return keys

    def put(
        self, f: TimelineFilter, version: Version, keys: TimelineKeys, *, persist: bool
    ) -> None:
        """Keep these keys; the whole case's go to disk too when `persist`."""
        self._remember(f, version, keys)
        if persist and f == EVERYTHING and self._folder is not None:
            self._save(version, keys)

    def clear(self) -> None:
        """Forget everything kept in memory."""
        with self._lock:
            self._entries.clear()

    def _remember(self, f: TimelineFilter, version: Version, keys: TimelineKeys) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[1] != version]:
                del self._entries[key]  # an older data version is never asked for again
            self._entries[(f, version)] = keys
            self._entries.move_to_end((f, version))
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def _path(self) -> Path:
        assert self._folder is not None
        return self._folder / FILE_NAME

    def _load(self, version: Version) -> TimelineKeys | None:
        try:
            with self._path().open("rb") as fh:
                head = fh.read(_HEADER.size)
                if len(head) != _HEADER.size:
                    return None
                magic, seq, max_id, count, length = _HEADER.unpack(head)
                if magic != _MAGIC or (seq, max_id, count) != version or length != count:
                    return None
                ids: array[int] = array("q")
                ts: array[int] = array("q")
                ids.fromfile(fh, length)
                ts.fromfile(fh, length)
        except (OSError, EOFError) as exc:
            if not isinstance(exc, FileNotFoundError):
                log.info("timeline cache not read: %s", exc)
            return None
        if sys.byteorder == "big":
            ids.byteswap()
            ts.byteswap()
        return TimelineKeys(ids, ts)

    def _save(self, version: Version, keys: TimelineKeys) -> None:
        path = self._path()
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        ids, ts = keys.ids, keys.ts
        if sys.byteorder == "big":
            ids, ts = array("q", ids), array("q", ts)
            ids.byteswap()
            ts.byteswap()
        try:
            with tmp.open("wb") as fh:
                fh.write(_HEADER.pack(_MAGIC, *version, len(ids)))
                ids.tofile(fh)
                ts.tofile(fh)
            os.replace(tmp, path)
        except OSError as exc:
            log.info("timeline cache not written: %s", exc)
            tmp.unlink(missing_ok=True)
