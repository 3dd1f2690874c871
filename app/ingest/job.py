"""The import job: each file hashed into the blob store, then read in a savepoint of its own."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy.orm import Session

from app import audit, limits
from app.audit import now_us
from app.case import SUFFIX, Case, disk_trouble
from app.errors import Cancelled, EvidenceError, NeedsDecision
from app.importers.base import ImportContext, Importer, ImportOptions, Probe
from app.importers.registry import Registry, default_registry
from app.jobs import CancelToken, ProgressCallback, ThrottledProgress
from app.store.sink import Cursor, StoreSink

log = logging.getLogger(__name__)

# The statements a file costs, written for the DB-API cursor of the batch's transaction: a
# thousand photos would otherwise spend more time in SQLAlchemy's statement machinery
# (about 2 ms a file) than in reading them.
_FIND_ORIGINAL = (
    "SELECT id, name, size, importer, importer_version, zone FROM sources "
    "WHERE sha256 = ? AND duplicate_of IS NULL ORDER BY id LIMIT 1"
)
_FIND_SAME_PATH = "SELECT id FROM sources WHERE sha256 = ? AND path = ? ORDER BY id LIMIT 1"
_INSERT_SOURCE = (
    "INSERT INTO sources (sha256, size, mime, name, path, parent_id, duplicate_of, importer, "
    "importer_version, status, zone, item_count, warnings, decisions, imported_at_us, "
    "imported_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_FINISH_SOURCE = "UPDATE sources SET item_count = ?, warnings = ?, decisions = ? WHERE id = ?"
_AUDIT_HEAD = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
_INSERT_AUDIT = (
    "INSERT INTO audit_log (seq, ts_us, user, action, payload, prev_hash, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(slots=True)
class FileResult:
    """What became of one file: imported, duplicate, failed or cancelled, and why."""

    path: str
    status: str
    importer: str = ""
    source_id: int | None = None
    items: int = 0
    matched: int = 0
    participants: int = 0
    first_us: int | None = None
    last_us: int | None = None
    warnings: list[str] = field(default_factory=list)
    decisions: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    # When the file could not be read without a choice from the user: the ImportOptions
    # field that settles it and the values it may take (e.g. ("date_order", ("dmy", "mdy"))).
    needs: tuple[str, tuple[str, ...]] | None = None


@dataclass(slots=True)
class ImportReport:
    """Every file's result, in the order they were met."""

    files: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many files ended with `status`."""
        return sum(1 for f in self.files if f.status == status)

    @property
    def cancelled(self) -> bool:
        """Whether the user stopped the import before the end."""
        return any(f.status == "cancelled" for f in self.files)


def walk(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Every file named, folders expanded recursively in a stable order.

    Case folders (`*.threadline`) met inside a folder are not evidence: they are skipped, so
    importing the folder that holds the case never imports the case into itself.
    """
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.endswith(SUFFIX))
                for name in sorted(files):
                    yield Path(root) / name
        else:
            yield p


def import_paths(
    case: Case,
    paths: Iterable[str | Path],
    *,
    options: ImportOptions | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    registry: Registry | None = None,
) -> ImportReport:
    """Import files and folders; a failing file is reported and the rest go on."""
    options = options or ImportOptions(zone=case.zone)
    cancel = cancel or CancelToken()
    registry = registry or default_registry()
    report_progress = ThrottledProgress(progress)
    files = list(walk(paths))
    report = ImportReport()
    batch = _Batch(case)
    try:
        for n, path in enumerate(files):
            report_progress(n, len(files), f"Importing {path.name}")
            if cancel.cancelled:
                report.files.append(FileResult(str(path), "cancelled"))
                continue
            report.files.append(_import_one(case, batch, path, options, cancel, registry))
            if batch.due():
                batch.commit()
        batch.commit()
    finally:
        batch.abandon()
    report_progress(len(files), len(files), "Import finished", force=True)
    return report


# Small files share a transaction (one sync of their originals and one commit) instead of
# paying a durable commit each: a batch commits after this many files or this many seconds.
BATCH_FILES = 64
BATCH_SECONDS = 0.5


class _Batch:
    """The write transaction several files share, each file inside a savepoint of its own.

    A file that fails rolls back its savepoint only, so its neighbours keep their rows. A
    file's result says "imported" (or "duplicate") only once the batch has committed: a crash
    before that loses the batch, which was never reported as imported. The originals written
    for the batch are synced to disk before the commit that names them.
    """

    def __init__(self, case: Case) -> None:
        self._case = case
        self._stack: ExitStack | None = None
        self._session: Session | None = None
        self._cursor: Cursor | None = None
        self._started = 0.0
        # Each file written in the open transaction, with the status it gets on commit.
        self._pending: list[tuple[FileResult, str]] = []

    def session(self) -> Session:
        """The open transaction's session, beginning one when none is open."""
        if self._session is None:
            stack = ExitStack()
            self._session = stack.enter_context(self._case.write())
            self._stack = stack
            self._started = time.monotonic()
        return self._session

    def cursor(self) -> Cursor:
        """A DB-API cursor inside the open transaction (beginning one when none is open)."""
        session = self.session()
        if self._cursor is None:
            raw = session.connection().connection.dbapi_connection
            self._cursor = cast(Cursor, cast(Any, raw).cursor())
        return self._cursor

    def add(self, result: FileResult, status: str) -> None:
        """A file written in the open transaction: `status` becomes its status on commit."""
        self._pending.append((result, status))

    def due(self) -> bool:
        """Whether the open transaction has enough files or time to be committed now."""
        return self._session is not None and (
            len(self._pending) >= BATCH_FILES or time.monotonic() - self._started >= BATCH_SECONDS
        )

    def alive(self) -> bool:
        """Whether the transaction is still open in SQLite (some errors end it whole)."""
        if self._session is None:
            return True
        return _in_transaction(self.cursor())

    def commit(self) -> None:
        """Sync the batch's originals, commit, and only then report its files as done."""
        stack, self._stack, self._session = self._stack, None, None
        self._cursor = None
        pending, self._pending = self._pending, []
        if stack is None:
            return
        try:
            self._case.blobs.sync_pending()
            stack.close()  # commits
        except Exception as exc:  # a full disk, an I/O error: nothing of the batch is kept
            stack.__exit__(type(exc), exc, exc.__traceback__)
            log.exception("an import batch of %d file(s) could not be committed", len(pending))
            for result, _status in pending:
                result.status = "failed"
                result.source_id = None
                result.reason = f"not saved: the case could not commit the import ({exc})"
            return
        for result, status in pending:
            result.status = status

    def lost(self, reason: str) -> None:
        """The transaction ended under us: every file written in it is reported failed."""
        stack, self._stack, self._session = self._stack, None, None
        self._cursor = None
        pending, self._pending = self._pending, []
        if stack is not None:
            try:
                stack.close()
            except Exception:  # the transaction is gone already; nothing to keep
                log.debug("closing a lost batch", exc_info=True)
        for result, _status in pending:
            result.status = "failed"
            result.source_id = None
            result.reason = f"not saved: {reason}"

    def abandon(self) -> None:
        """Roll back whatever was not committed (an exception is leaving the job)."""
        stack, self._stack, self._session = self._stack, None, None
        self._cursor = None
        if stack is not None:
            err = RuntimeError("import interrupted")
            stack.__exit__(RuntimeError, err, None)
        self._pending = []


def _import_one(
    case: Case,
    batch: _Batch,
    path: Path,
    options: ImportOptions,
    cancel: CancelToken,
    registry: Registry,
) -> FileResult:
    result = FileResult(str(path), "pending")
    try:
        stat = path.stat()
        # The original is synced with the rest of its batch, before the commit naming it.
        with path.open("rb") as fh:
            sha, size = case.blobs.put_stream(fh, defer_sync=True)
        probe = Probe.of_blob(case.blobs, sha, path.name, stat.st_mtime_ns // 1000, path)
        cur = batch.cursor()
        with _savepoint(cur):
            same = cur.execute(_FIND_ORIGINAL, (sha,)).fetchone()
            if same is not None:
                _duplicate(case, cur, same, sha, path, probe, result)
                batch.add(result, "duplicate")
                result.status = "pending"
                return result
            importer = registry.choose(probe)
            result.importer = importer.NAME
            resolved = str(path.resolve())
            source_id, sink = _read_source(
                case,
                cur,
                probe,
                importer,
                sha,
                resolved,
                None,
                None,
                options,
                cancel,
                registry,
                0,
            )
            result.source_id = source_id
            result.items = sink.items
            result.matched = sink.matched
            result.warnings = sink.warnings
            result.decisions = sink.decisions
            result.first_us, result.last_us = sink.first_us, sink.last_us
            result.participants = sink.participants
            _audit(
                cur,
                case.user,
                "import",
                {
                    "source_id": source_id,
                    "name": path.name,
                    "path": resolved,
                    "sha256": sha,
                    "size": size,
                    "importer": f"{importer.NAME}/{importer.VERSION}",
                    "children": len(sink.children),
                    "items": sink.items,
                    "matched_earlier": sink.matched,
                    "warnings": len(sink.warnings),
                },
            )
        batch.add(result, "imported")
        return result
    except Cancelled:
        result.status = "cancelled"
        return result
    except NeedsDecision as exc:
        result.reason = str(exc)
        result.needs = (exc.option, exc.choices)
    except EvidenceError as exc:
        result.reason = str(exc)
    except OSError as exc:
        result.reason = f"cannot read the file: {exc.strerror or exc}"
    except Exception as exc:  # an importer bug must not stop the other files
        if (full := disk_trouble(exc)) is not None:  # the database could not grow
            result.reason = f"cannot write to the case: {full} (is the disk full?)"
        else:
            log.exception("importer failed on %s", path)
            result.reason = (
                f"the {result.importer or 'import'} reader failed: {type(exc).__name__}: {exc}"
            )
    result.status = "failed"
    result.source_id = None
    if not batch.alive():
        batch.lost(f"the case database ended the transaction while reading {path.name}")
    _record_failure(case, batch, path, result)
    return result


@contextmanager
def _savepoint(cur: Cursor, name: str = "import_file") -> Iterator[None]:
    """A savepoint around one file: rolled back (and only it) when the file fails."""
    cur.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        try:
            cur.execute(f"ROLLBACK TO {name}")
            cur.execute(f"RELEASE {name}")
        except Exception:  # the whole transaction is gone already (a full disk)
            log.debug("rolling back savepoint %s", name, exc_info=True)
        raise
    cur.execute(f"RELEASE {name}")


def _in_transaction(cur: Cursor) -> bool:
    """Whether SQLite still holds the transaction open (a full disk may have ended it)."""
    return bool(getattr(cur.connection, "in_transaction", True))


def _audit(cur: Cursor, user: str, action: str, payload: dict[str, Any]) -> None:
    """`app.audit.append` on the batch's cursor: the same chained entry, without an ORM."""
    last = cur.execute(_AUDIT_HEAD).fetchone()
    cur.execute(_INSERT_AUDIT, audit.next_entry(last, user, action, payload))


MAX_DEPTH = limits.MAX_NESTING_DEPTH


def _read_source(
    case: Case,
    cur: Cursor,
    probe: Probe,
    importer: type[Importer],
    sha: str,
    path: str,
    parent_id: int | None,
    context_item_id: int | None,
    options: ImportOptions,
    cancel: CancelToken,
    registry: Registry,
    depth: int,
) -> tuple[int, StoreSink]:
    """Read one file into a new source row, then its embedded files as child sources."""
    cur.execute(
        _INSERT_SOURCE,
        (
            sha,
            probe.size,
            probe.mime,
            probe.name,
            path,
            parent_id,
            None,
            importer.NAME,
            importer.VERSION,
            "imported",
            options.zone,
            0,
            "[]",
            "{}",
            now_us(),
            case.user,
        ),
    )
    source_id = int(cur.lastrowid or 0)
    sink = StoreSink(cur, source_id, case.blobs, cancel, context_item_id)
    importer().parse(probe, sink, ImportContext(options, cancel))
    sink.finish()
    for name, child_sha, context in sink.children:
        child_path = f"{path}!/{name}"
        if depth + 1 > MAX_DEPTH:
            sink.warn(f"{name}: not read, files nested deeper than {MAX_DEPTH} levels")
            continue
        try:
            with _savepoint(cur, f"import_child_{depth + 1}"):
                child = Probe.of_blob(case.blobs, child_sha, name.rsplit("/", 1)[-1], member=name)
                _read_source(
                    case,
                    cur,
                    child,
                    registry.choose(child),
                    child_sha,
                    child_path,
                    source_id,
                    context,
                    options,
                    cancel,
                    registry,
                    depth + 1,
                )
        except Cancelled:
            raise
        except Exception as exc:  # a reader's bug on one member must not lose the parent
            if not _in_transaction(cur):  # ...unless the case's transaction ended with it
                raise
            if isinstance(exc, EvidenceError):
                sink.warn(f"{name}: {exc}")
            else:
                log.exception("reading %s failed", child_path)
                sink.warn(f"{name}: the reader failed: {type(exc).__name__}: {exc}")
    cur.execute(
        _FINISH_SOURCE,
        (sink.items, json.dumps(sink.warnings), json.dumps(sink.decisions), source_id),
    )
    return source_id, sink


def _duplicate(
    case: Case,
    cur: Cursor,
    same: tuple[Any, ...],
    sha: str,
    path: Path,
    probe: Probe,
    result: FileResult,
) -> FileResult:
    same_id, same_name, same_size, same_importer, same_version, same_zone = same
    result.status = "duplicate"
    result.importer = same_importer
    resolved = str(path.resolve())
    result.reason = f"same content as source {same_id} ({same_name})"
    already = cur.execute(_FIND_SAME_PATH, (sha, resolved)).fetchone()
    if already is not None:
        result.source_id = already[0]
        return result
    cur.execute(
        _INSERT_SOURCE,
        (
            sha,
            same_size,
            probe.mime,
            path.name,
            resolved,
            None,
            same_id,
            same_importer,
            same_version,
            "duplicate",
            same_zone,
            0,
            "[]",
            "{}",
            now_us(),
            case.user,
        ),
    )
    result.source_id = int(cur.lastrowid or 0)
    _audit(
        cur,
        case.user,
        "import.duplicate",
        {
            "source_id": result.source_id,
            "duplicate_of": same_id,
            "name": path.name,
            "path": resolved,
            "sha256": sha,
        },
    )
    return result


def _record_failure(case: Case, batch: _Batch, path: Path, result: FileResult) -> None:
    """Write the failure to the audit trail, in the batch's transaction (it holds the lock)."""
    log.warning("import of %s failed: %s", path, result.reason)
    try:
        cur = batch.cursor()
        with _savepoint(cur, "import_failed"):
            _audit(cur, case.user, "import.failed", {"path": str(path), "reason": result.reason})
    except Exception:  # the failure stays in the report even when it cannot be recorded
        log.exception("could not record the failed import of %s", path)
