"""Recently built timelines (ids and times), kept while the case's data has not changed.

Reading a million ids out of SQLite takes half a second however it is done; the model needs
them before its first paint. So the keys of the last few filters stay in memory, and the
whole case's keys also go to `derived/timeline-keys.bin` (through the case's derived files,
sealed in an encrypted case), which loads in milliseconds on the next open. Both are checked
against `query.data_version` before use: never a stale list.
"""

from __future__ import annotations

import logging
import struct
import sys
import threading
from array import array
from collections import OrderedDict

from app.errors import EvidenceError
from app.store.derived import DerivedFiles
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

    def __init__(self, derived: DerivedFiles | None, size: int = 4) -> None:
        self._derived = derived
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
        if f != EVERYTHING or self._derived is None:
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
        if persist and f == EVERYTHING and self._derived is not None:
            self._save(self._derived, version, keys)

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

    def _load(self, version: Version) -> TimelineKeys | None:
        assert self._derived is not None
        data = self._derived.read(FILE_NAME)
        if data is None or len(data) < _HEADER.size:
            return None
        magic, seq, max_id, count, length = _HEADER.unpack_from(data)
        if magic != _MAGIC or (seq, max_id, count) != version or length != count:
            return None
        body = memoryview(data)[_HEADER.size :]
        width = array("q").itemsize
        if len(body) != 2 * length * width:
            log.info("timeline cache not read: %d bytes for %d events", len(body), length)
            return None
        ids: array[int] = array("q")
        ts: array[int] = array("q")
        ids.frombytes(body[: length * width])
        ts.frombytes(body[length * width :])
        if sys.byteorder == "big":
            ids.byteswap()
            ts.byteswap()
        return TimelineKeys(ids, ts)

    def _save(self, derived: DerivedFiles, version: Version, keys: TimelineKeys) -> None:
        ids, ts = keys.ids, keys.ts
        if sys.byteorder == "big":
            ids, ts = array("q", ids), array("q", ts)
            ids.byteswap()
            ts.byteswap()
        data = b"".join((_HEADER.pack(_MAGIC, *version, len(ids)), ids.tobytes(), ts.tobytes()))
        try:
            derived.write(FILE_NAME, data)
        except (EvidenceError, OSError) as exc:  # a cache: the next open rebuilds it
            log.info("timeline cache not written: %s", exc)
