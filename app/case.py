"""The `Case` facade: one open case folder, its database, originals, lock and audit."""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app import audit
from app import search as fulltext
from app.errors import CaseNotFound, PassphraseRequired, StoreError
from app.model import AuditRow, CaseInfo, SourceRow, TimelineRow
from app.search import Hit
from app.store.blobs import BlobStore
from app.store.crypto import (
    KEYS_FILE,
    CaseKeys,
    EncryptedBlobStore,
    EncryptedDerivedFiles,
    check_new_passphrase,
    is_encrypted,
    new_keys,
    unlock,
    write_key_file,
)
from app.store.crypto import MIN_PASSPHRASE as MIN_PASSPHRASE  # for the window
from app.store.crypto import passphrase_strength as passphrase_strength
from app.store.derived import DerivedFiles
from app.store.engine import BEGIN_OPTION, connect, current_revision, make_engine, migrate
from app.store.lock import CaseLock, current_user
from app.store.schema import Event, Item, Participant, Setting, Source
from app.timeline import query
from app.timeline.cache import KeysCache
from app.timeline.clock import zone
from app.timeline.query import EVERYTHING, TimelineFilter, TimelineKeys

SUFFIX = ".threadline"
DB_NAME = "case.sqlite"
DEFAULT_ZONE = "Europe/London"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def case_folder(path: str | Path) -> Path:
    """The folder of a case named by `path`, adding `.threadline` when it is missing."""
    p = Path(path).expanduser().absolute()
    return p if p.name.endswith(SUFFIX) else p.with_name(p.name + SUFFIX)


class Case:
    """An open case. Create with `Case.create`, open with `Case.open`, close with `close()`.

    Every change goes through `write()`: one immediate transaction in which the change and
    its audit entry commit together or not at all.

    An encrypted case (made with a passphrase) keeps its database in SQLCipher and its
    originals and derived files sealed; `blobs` and `derived` give plaintext to readers in
    memory only, and `encrypted` says which kind of case this is.
    """

    def __init__(self, folder: Path, *, readonly: bool, keys: CaseKeys | None = None) -> None:
        self.folder = folder
        self.readonly = readonly
        self.user = current_user()
        self._secrets = keys
        self.blobs: BlobStore
        self.derived: DerivedFiles
        if keys is None:
            self.blobs = BlobStore(folder / "originals")
            self.derived = DerivedFiles(folder / "derived")
        else:
            self.blobs = EncryptedBlobStore(folder / "originals", keys.blobs)
            self.derived = EncryptedDerivedFiles(folder / "derived", keys.derived)
        self._lock = CaseLock(folder)
        if not readonly:
            self._lock.acquire()
        try:
            self.engine = make_engine(folder / DB_NAME, keys.database if keys else None)
            if readonly:
                if current_revision(self.engine) is None:
                    raise StoreError(f"{folder} holds no case database")
            else:
                migrate(self.engine)
                self.blobs.clear_incoming()
        except BaseException:
            self._lock.release()
            raise
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._keys = KeysCache(self.derived if (folder / "derived").is_dir() else None)
        self._writer = sessionmaker(
            self.engine.execution_options(**{BEGIN_OPTION: "BEGIN IMMEDIATE"}),
            expire_on_commit=False,
        )

    # -- life cycle -------------------------------------------------------------------

    @classmethod
    def create(
        cls, path: str | Path, *, zone_name: str = DEFAULT_ZONE, passphrase: str | None = None
    ) -> Case:
        """Make a new case folder and open it for writing; encrypted with a passphrase."""
        zone(zone_name)
        folder = case_folder(path)
        if folder.exists() and any(folder.iterdir()):
            raise StoreError(f"{folder} already exists")
        keys = None
        if passphrase is not None:
            check_new_passphrase(passphrase)
            keys = new_keys()
            key_file = keys.wrap(passphrase)
        for sub in ("originals", "derived", "exports"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        if keys is not None:
            write_key_file(folder, key_file)
        case = cls(folder, readonly=False, keys=keys)
        with case.write() as s:
            for key, value in (
                ("name", folder.name.removesuffix(SUFFIX)),
                ("zone", zone_name),
                ("created_at_us", str(audit.now_us())),
                ("created_by", case.user),
            ):
                s.add(Setting(key=key, value=value))
            case.audit(
                s,
                "case.create",
                {"name": folder.name, "zone": zone_name, "encrypted": keys is not None},
            )
        return case

    @classmethod
    def open(
        cls, path: str | Path, *, readonly: bool = False, passphrase: str | None = None
    ) -> Case:
        """Open an existing case; `readonly` takes no lock and never writes.

        An encrypted case needs its passphrase: `PassphraseRequired` without one,
        `WrongPassphrase` when it does not open the case. A plain case ignores it.
        """
        folder = find_case(path)
        keys = None
        if is_encrypted(folder):
            name = folder.name.removesuffix(SUFFIX)
            if passphrase is None:
                raise PassphraseRequired(f"case {name} is encrypted: a passphrase is needed")
            keys = unlock(folder, passphrase, name)
        else:
            _check_plain_database(folder)
        return cls(folder, readonly=readonly, keys=keys)

    def reopen(self, folder: Path | None = None, *, readonly: bool = False) -> Case:
        """Open this case again (or its copy in `folder`, a backup) with the key in hand,
        so no passphrase is asked twice: e.g. to take the write lock briefly."""
        target = self.folder if folder is None else Path(folder)
        if self._secrets is not None and not is_encrypted(target):
            raise StoreError(f"{target} is not an encrypted copy of case {self.name}")
        return type(self)(target, readonly=readonly, keys=self._secrets)

    def connect_database(self, db_path: Path | None = None, *, readonly: bool = False) -> Any:
        """A bare DB-API connection to this case's database, or to a copy of it keyed alike
        (`db_path`), for what the engine does not offer: SQLite's online backup API."""
        key = self._secrets.database if self._secrets is not None else None
        return connect(
            self.folder / DB_NAME if db_path is None else db_path, key, readonly=readonly
        )

    @property
    def encrypted(self) -> bool:
        """Whether this case is encrypted (its data is sealed under a passphrase)."""
        return self._secrets is not None

    def change_passphrase(self, old: str, new: str) -> None:
        """Give the case a new passphrase (audited "case.rekey").

        Only the data key is wrapped again, under the new passphrase with a fresh salt; no
        original and no database page is encrypted again. The old passphrase must open it.
        """
        if self._secrets is None:
            raise StoreError(f"case {self.name} is not encrypted: it has no passphrase")
        if self.readonly:
            raise StoreError(f"case {self.name} is open read-only")
        check_new_passphrase(new)
        if unlock(self.folder, old, self.name).database != self._secrets.database:
            raise StoreError(f"the key file of case {self.name} is not the one it was opened with")
        key_file = self._secrets.wrap(new)
        previous = (self.folder / KEYS_FILE).read_bytes()
        replaced = False
        try:
            with self.write() as s:
                kdf = key_file["kdf"]
                self.audit(
                    s,
                    "case.rekey",
                    {"kdf": kdf["name"], "n": kdf["n"], "r": kdf["r"], "p": kdf["p"]},
                )
                write_key_file(self.folder, key_file)  # before the commit: both or neither
                replaced = True
        except BaseException:
            if replaced:
                write_key_file(self.folder, previous)
            raise

    def close(self) -> None:
        """Release the database and the lock."""
        self.engine.dispose()
        self._lock.release()

    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sessions ---------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading, in the caller's thread."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any error."""
        if self.readonly:
            raise StoreError(f"case {self.name} is open read-only")
        try:
            with self._writer() as session, session.begin():
                yield session
        except OperationalError as exc:
            if (cause := disk_trouble(exc)) is not None:
                raise StoreError(
                    f"cannot write to case {self.name}: {cause} (is the disk full?)"
                ) from exc
            raise

    def audit(self, session: Session, action: str, payload: dict[str, Any]) -> None:
        """Record a change in the audit log, in the same transaction as the change."""
        audit.append(session, self.user, action, payload)

    # -- settings and summaries -------------------------------------------------------

    def setting(self, key: str, default: str = "") -> str:
        """A case setting."""
        with self.read() as s:
            value = s.get(Setting, key)
            return value.value if value else default

    @property
    def name(self) -> str:
        """The case's name."""
        return self.folder.name.removesuffix(SUFFIX)

    @property
    def zone(self) -> str:
        """The case's default time zone."""
        return self.setting("zone", DEFAULT_ZONE)

    def info(self) -> CaseInfo:
        """Counts and integrity anchor of the case."""
        with self.read() as s:

            def count(col: Any) -> int:
                return int(s.scalar(select(func.count(col))) or 0)

            chain = audit.verify_chain(s)
            size = s.scalar(select(func.sum(Source.size)).where(Source.status == "imported"))
            return CaseInfo(
                name=self.name,
                path=str(self.folder),
                zone=self.zone,
                created_at_us=int(self.setting("created_at_us", "0")),
                created_by=self.setting("created_by"),
                schema=current_revision(self.engine) or "",
                sources=count(Source.id),
                items=count(Item.id),
                events=count(Event.id),
                participants=count(Participant.id),
                originals_bytes=int(size or 0),
                audit_entries=chain.entries,
                audit_head=chain.head,
            )

    def sources(self) -> list[SourceRow]:
        """Every source, oldest import first."""
        with self.read() as s:
            return [
                SourceRow(
                    id=r.id,
                    name=r.name,
                    path=r.path,
                    sha256=r.sha256,
                    size=r.size,
                    mime=r.mime,
                    importer=r.importer,
                    status=r.status,
                    item_count=r.item_count,
                    imported_at_us=r.imported_at_us,
                    imported_by=r.imported_by,
                    parent_id=r.parent_id,
                    duplicate_of=r.duplicate_of,
                    warnings=tuple(r.warnings),
                )
                for r in s.execute(select(Source).order_by(Source.id)).scalars()
            ]

    def audit_rows(self, limit: int = 500) -> list[AuditRow]:
        """The newest audit entries."""
        with self.read() as s:
            return list(audit.rows(s, limit=limit))

    # -- the timeline -----------------------------------------------------------------
    # How a view uses these: build `timeline_ids(f)` in a worker (milliseconds when kept,
    # about half a second per million events otherwise), fetch `timeline_rows` a page of ids
    # at a time, jump with `timeline_position` (a binary search once the ids were built).
    # For a new filter over a large case, paint `timeline_page(f)` at once (well under
    # 300 ms) and install `timeline_ids(f)` when the worker hands it over.

    def timeline_keys(self, f: TimelineFilter = EVERYTHING) -> TimelineKeys:
        """Matching event ids and their times, in time order (kept while the data holds).

        The arrays are shared with the cache: read them, never change them.
        """
        with self.read() as s:
            version = query.data_version(s)
            keys = self._keys.get(f, version)
            if keys is None:
                keys = query.event_keys(s, f)
                self._keys.put(f, version, keys, persist=not self.readonly)
            return keys

    def timeline_ids(self, f: TimelineFilter = EVERYTHING) -> array[int]:
        """Every matching event id in time order: the timeline model's list (a copy)."""
        return self.timeline_keys(f).ids[:]

    def timeline_rows(self, ids: Sequence[int]) -> list[TimelineRow]:
        """Rows for these event ids, in the order given."""
        with self.read() as s:
            return query.rows(s, ids)

    def timeline_page(
        self,
        f: TimelineFilter = EVERYTHING,
        after: tuple[int, int] | None = None,
        limit: int = query.PAGE,
    ) -> list[TimelineRow]:
        """One keyset page of rows after the (ts, event id) key: a filter's first paint."""
        with self.read() as s:
            return query.page(s, f, after, limit)

    def timeline_iter(self, f: TimelineFilter = EVERYTHING) -> Iterator[TimelineRow]:
        """Every matching row in time order, fetched a keyset page at a time."""
        with self.read() as s:
            yield from query.iterate(s, f)

    def timeline_count(self, f: TimelineFilter = EVERYTHING) -> int:
        """How many events match."""
        with self.read() as s:
            version = query.data_version(s)
            keys = self._keys.get(f, version)
            return len(keys) if keys is not None else query.count(s, f)

    def timeline_position(self, f: TimelineFilter, ts_utc_us: int) -> int:
        """The row index where `ts_utc_us` falls under the filter (jump to a date).

        A binary search when the filter's keys were built; a count in SQL otherwise.
        """
        with self.read() as s:
            keys = self._keys.get(f, query.data_version(s))
            if keys is not None:
                return keys.position(ts_utc_us)
            return query.position_of(s, f, ts_utc_us)

    def search(self, user_query: str, f: TimelineFilter = EVERYTHING, limit: int = 0) -> list[Hit]:
        """Full-text hits (evidence text and OCR text) in time order, with snippets."""
        with self.read() as s:
            return fulltext.search(s, user_query, f, limit)

    def search_iter(self, user_query: str, f: TimelineFilter = EVERYTHING) -> Iterator[Hit]:
        """Every full-text hit in time order, with snippets, a keyset page at a time."""
        with self.read() as s:
            yield from fulltext.iter_hits(s, user_query, f)

    def search_snippets(
        self, user_query: str, item_ids: Sequence[int]
    ) -> dict[int, tuple[str, bool]]:
        """Snippets of these items for the query: (text with [match], is OCR text)."""
        with self.read() as s:
            return fulltext.snippets(s, user_query, item_ids)

    # -- one item -----------------------------------------------------------------------

    def item_ocr_text(self, item_id: int) -> str:
        """The text OCR read in an item (derived, not evidence); empty when none or no item."""
        with self.read() as s:
            return s.scalar(select(Item.ocr_text).where(Item.id == item_id)) or ""

    def item_blob_sha(self, item_id: int) -> str | None:
        """The SHA-256 of an item's stored original: its own blob, else its source file's
        copy when the source is that one item (a photo, a PDF), not a chat or mailbox
        holding it. Read it with `self.blobs.open/read`.

        None when there is no such item or the original is not in the case's store.
        """
        with self.read() as s:
            row = s.execute(
                select(Item.blob_sha256, Source.sha256, Source.item_count)
                .join(Source, Source.id == Item.source_id)
                .where(Item.id == item_id)
            ).one_or_none()
        if row is None:
            return None
        blob, source_sha, source_items = row
        sha = blob or (source_sha if source_items == 1 else "")
        if not sha or not self.blobs.exists(sha):
            return None
        return str(sha)

    def export_dir(self) -> Path:
        """Where export packs go."""
        return self.folder / "exports"

    def derived_dir(self) -> Path:
        """Where rebuildable caches go."""
        return self.folder / "derived"


def disk_trouble(exc: BaseException) -> BaseException | None:
    """The SQLite error behind `exc` when it failed for want of disk (SQLITE_FULL) or
    could not write (SQLITE_IOERR), looking down the chain: a full disk inside a savepoint
    rolls the transaction back, and the savepoint's release then fails on its own."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return None
        orig = getattr(seen, "orig", seen)
        code = getattr(orig, "sqlite_errorcode", None)
        if code is not None and (code & 0xFF) in (13, 10):  # SQLITE_FULL, SQLITE_IOERR
            return orig
        seen = seen.__cause__ or seen.__context__
    return None


def dumps(value: Any) -> str:
    """Compact JSON for payloads and CLI output."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def find_case(path: str | Path) -> Path:
    """The folder of the existing case named by `path` (with or without `.threadline`)."""
    folder = Path(path).expanduser().absolute()
    if not (folder / DB_NAME).is_file():
        alt = case_folder(path)
        if not (alt / DB_NAME).is_file():
            raise CaseNotFound(f"no case at {path}")
        folder = alt
    return folder


def needs_passphrase(path: str | Path) -> bool:
    """Whether the case at `path` is encrypted, so opening it needs a passphrase."""
    return is_encrypted(find_case(path))


def _check_plain_database(folder: Path) -> None:
    """Refuse clearly an encrypted database whose key file has gone."""
    try:
        with (folder / DB_NAME).open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError:
        return
    if head and head != _SQLITE_MAGIC:
        raise StoreError(
            f"the database of case {folder.name.removesuffix(SUFFIX)} is encrypted but its "
            f"key file ({KEYS_FILE}) is missing: restore it from a backup"
        )


def is_case(path: str | Path) -> bool:
    """Whether a path names an existing case folder."""
    return os.path.isfile(case_folder(path) / DB_NAME) or os.path.isfile(Path(path) / DB_NAME)
