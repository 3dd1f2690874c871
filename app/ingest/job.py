"""The import job: each file hashed into the blob store, then read in a savepoint of its own."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from app import limits
from app.audit import now_us
from app.case import SUFFIX, Case, disk_trouble
from app.errors import Cancelled, EvidenceError, NeedsDecision
from app.importers.base import ImportContext, Importer, ImportOptions, Probe
from app.importers.registry import Registry, default_registry
from app.jobs import CancelToken, ProgressCallback, ThrottledProgress
from app.store.schema import Source
from app.store.sink import StoreSink

log = logging.getLogger(__name__)
_SOURCES = cast(Table, Source.__table__)


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
        raw = self._session.connection().connection.dbapi_connection
        return bool(getattr(raw, "in_transaction", True))

    def commit(self) -> None:
        """Sync the batch's originals, commit, and only then report its files as done."""
        stack, self._stack, self._session = self._stack, None, None
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
        s = batch.session()
        with s.begin_nested():
            same = (
                s.execute(select(Source).where(Source.sha256 == sha, Source.duplicate_of.is_(None)))
                .scalars()
                .first()
            )
            if same is not None:
                _duplicate(case, s, same, path, probe, result)
                batch.add(result, "duplicate")
                result.status = "pending"
                return result
            importer = registry.choose(probe)
            result.importer = importer.NAME
            resolved = str(path.resolve())
            source_id, sink = _read_source(
                case, s, probe, importer, sha, resolved, None, None, options, cancel, registry, 0
            )
            result.source_id = source_id
            result.items = sink.items
            result.matched = sink.matched
            result.warnings = sink.warnings
            result.decisions = sink.decisions
            result.first_us, result.last_us = sink.first_us, sink.last_us
            result.participants = sink.participants
            case.audit(
                s,
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


MAX_DEPTH = limits.MAX_NESTING_DEPTH


def _read_source(
    case: Case,
    s: Session,
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
    source_id = s.execute(
        insert(_SOURCES).returning(_SOURCES.c.id),
        {
            "sha256": sha,
            "size": probe.size,
            "mime": probe.mime,
            "name": probe.name,
            "path": path,
            "parent_id": parent_id,
            "importer": importer.NAME,
            "importer_version": importer.VERSION,
            "status": "imported",
            "zone": options.zone,
            "item_count": 0,
            "warnings": [],
            "decisions": {},
            "imported_at_us": now_us(),
            "imported_by": case.user,
        },
    ).scalar_one()
    sink = StoreSink(s, source_id, case.blobs, cancel, context_item_id)
    importer().parse(probe, sink, ImportContext(options, cancel))
    sink.finish()
    for name, child_sha, context in sink.children:
        child_path = f"{path}!/{name}"
        if depth + 1 > MAX_DEPTH:
            sink.warn(f"{name}: not read, files nested deeper than {MAX_DEPTH} levels")
            continue
        try:
            with s.begin_nested():
                child = Probe.of_blob(case.blobs, child_sha, name.rsplit("/", 1)[-1])
                _read_source(
                    case,
                    s,
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
        except EvidenceError as exc:
            sink.warn(f"{name}: {exc}")
        except Exception as exc:  # a reader's bug on one member must not lose the parent
            log.exception("reading %s failed", child_path)
            sink.warn(f"{name}: the reader failed: {type(exc).__name__}: {exc}")
    s.execute(
        update(Source)
        .where(Source.id == source_id)
        .values(item_count=sink.items, warnings=sink.warnings, decisions=sink.decisions)
    )
    return source_id, sink


def _duplicate(
    case: Case, s: Session, same: Source, path: Path, probe: Probe, result: FileResult
) -> FileResult:
    result.status = "duplicate"
    result.importer = same.importer
    resolved = str(path.resolve())
    result.reason = f"same content as source {same.id} ({same.name})"
    already = s.execute(
        select(Source.id).where(Source.sha256 == same.sha256, Source.path == resolved)
    ).first()
    if already is not None:
        result.source_id = already[0]
        return result
    dup = Source(
        sha256=same.sha256,
        size=same.size,
        mime=probe.mime,
        name=path.name,
        path=resolved,
        duplicate_of=same.id,
        importer=same.importer,
        importer_version=same.importer_version,
        status="duplicate",
        zone=same.zone,
        item_count=0,
        warnings=[],
        decisions={},
        imported_at_us=now_us(),
        imported_by=case.user,
    )
    s.add(dup)
    s.flush()
    result.source_id = dup.id
    case.audit(
        s,
        "import.duplicate",
        {
            "source_id": dup.id,
            "duplicate_of": same.id,
            "name": path.name,
            "path": resolved,
            "sha256": same.sha256,
        },
    )
    return result


def _record_failure(case: Case, batch: _Batch, path: Path, result: FileResult) -> None:
    """Write the failure to the audit trail, in the batch's transaction (it holds the lock)."""
    log.warning("import of %s failed: %s", path, result.reason)
    try:
        s = batch.session()
        with s.begin_nested():
            case.audit(s, "import.failed", {"path": str(path), "reason": result.reason})
    except Exception:  # the failure stays in the report even when it cannot be recorded
        log.exception("could not record the failed import of %s", path)
