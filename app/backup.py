"""`backup`: a consistent copy of a case while it is open and being written.

The database is copied with SQLite's online backup API, which reads one snapshot (WAL
lets the writer go on meanwhile); then every original that snapshot names is hard-linked
(or copied, across disks) into the copy — content-addressed files never change, so a
link is as good as a copy. Work happens in `NAME.threadline.partial` and is renamed only
when whole. The copy records "case.backup" in its own audit chain, and so does the case
itself when this process holds its lock.

An encrypted case's copy stays encrypted: the database is copied page by page through
SQLCipher under the same key, the sealed originals are linked or copied as they are, and the
key file goes with them, so the copy opens with the same passphrase.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.case import DB_NAME, SUFFIX, Case
from app.errors import StoreError
from app.jobs import ProgressCallback, ThrottledProgress
from app.store.blobs import write_failure
from app.store.crypto import KEYS_FILE

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BackupReport:
    """Where the copy went and what it holds."""

    folder: Path
    originals: int
    originals_bytes: int
    linked: int
    audit_head: str
    audited_in_case: bool


def _snapshot(case: Case, target: Path) -> None:
    """The database as of one moment, via the online backup API (an encrypted case's copy
    is keyed like the case: SQLCipher re-encrypts every page it writes)."""
    src = case.connect_database(readonly=True)
    dst = case.connect_database(target)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(dst)  # one step: a single read transaction, so one consistent snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _named_originals(case: Case, db: Path) -> list[str]:
    con = case.connect_database(db, readonly=True)
    try:
        rows = con.execute(
            "SELECT sha256 FROM sources UNION SELECT blob_sha256 FROM items WHERE blob_sha256 != ''"
        ).fetchall()
    finally:
        con.close()
    return sorted({r[0] for r in rows if r[0]})


def _place(src: Path, dst: Path) -> bool:
    """Hard-link `src` at `dst`, or copy it; True when linked."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
        return True
    except OSError:
        shutil.copy2(src, dst)
        return False


def backup_case(
    case: Case,
    dest: str | Path,
    *,
    derived: bool = False,
    progress: ProgressCallback | None = None,
) -> BackupReport:
    """Copy `case` into `DEST/NAME.threadline`; refuses a destination that exists."""
    tick = ThrottledProgress(progress)
    dest = Path(dest).expanduser().absolute()
    final = dest / f"{case.name}{SUFFIX}"
    if final.exists():
        raise StoreError(f"{final} already exists: choose another destination")
    if dest == case.folder or case.folder in dest.parents:
        raise StoreError("a backup cannot go inside the case it copies")
    work = dest / f"{case.name}{SUFFIX}.partial"
    shutil.rmtree(work, ignore_errors=True)
    linked = size = 0
    try:
        for sub in ("originals", "derived", "exports"):
            (work / sub).mkdir(parents=True, exist_ok=True)
        tick(0, 1, "Copying the database")
        _snapshot(case, work / DB_NAME)
        if case.encrypted:  # the same data key, wrapped under the same passphrase
            shutil.copy2(case.folder / KEYS_FILE, work / KEYS_FILE)
        shas = _named_originals(case, work / DB_NAME)
        for n, sha in enumerate(shas):
            tick(n, len(shas), "Copying the originals")
            source = case.blobs.path(sha)
            if not source.is_file():
                raise StoreError(f"original {sha} is missing from the case: run verify")
            linked += _place(source, work / "originals" / sha[:2] / sha)
            size += source.stat().st_size
        if derived and case.derived_dir().is_dir():
            shutil.copytree(case.derived_dir(), work / "derived", dirs_exist_ok=True)
        os.replace(work, final)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise write_failure(exc, f"the backup into {dest}") from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    payload = {
        "from": str(case.folder),
        "to": str(final),
        "originals": len(shas),
        "bytes": size,
        "derived": derived,
    }
    with case.reopen(final) as copy:
        with copy.write() as s:
            copy.audit(s, "case.backup", {**payload, "this_is_the_copy": True})
        head = copy.info().audit_head
    audited = False
    if not case.readonly:
        with case.write() as s:
            case.audit(s, "case.backup", {**payload, "copy_audit_head": head})
        audited = True
    tick(1, 1, "Backup finished", force=True)
    log.info("backed up %s to %s (%d originals)", case.folder, final, len(shas))
    return BackupReport(final, len(shas), size, linked, head, audited)


def cmd_backup(args: argparse.Namespace) -> int:
    """`backup CASE DEST [--derived]`: the copy, even while the case is open elsewhere."""
    from app.cli import open_case

    with open_case(args.case, or_read_only=True) as case:
        backup_case(case, args.dest, derived=args.derived)
    return 0


def add_commands(sub: Any) -> None:
    """Add `backup` to the command line."""
    p = sub.add_parser("backup", help="a consistent copy of a case, even while it is open")
    p.add_argument("case")
    p.add_argument("dest", help="the folder to put NAME.threadline in")
    p.add_argument("--derived", action="store_true", help="also copy thumbnails and caches")
    p.set_defaults(func=cmd_backup)
