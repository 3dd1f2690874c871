"""Building a disclosure pack, and proving it holds nothing that was redacted.

`build_pack` plans the pack, refuses it while any redaction of the chosen material is still
proposed, records the export as "building" (audited "export.start"), writes everything into
"<name>.partial" (the bundle, the natives, the schedule, the timeline report when asked,
the manifest), then re-opens every file with `verify_pack`. Only a clean pack is renamed to
its final name, its new exhibit references recorded and every exhibit it used locked, and
the export recorded "complete" with the manifest's SHA-256 (audited "export.complete").

A pack that fails verification or cannot be built is renamed "<name>.FAILED" with FAILED.txt
saying what leaked where; a cancelled one "<name>.CANCELLED" with CANCELLED.txt. Neither is
ever recorded complete, and nothing of the case is deleted. The sensitive schedule, when
asked, goes into "<name>-SENSITIVE" beside the pack, never inside it.

With a zip password the pack is built in memory, verified there, and sealed as the AES-256
zip "<name>.zip" (see `app.export.packfiles`): no plaintext file of it is ever on disk. Its
sealed bytes are read back with the password and checked against the verified files before
it is recorded complete. A failed or cancelled one is sealed as "<name>.FAILED.zip" or
"<name>.CANCELLED.zip" with its marker inside; the sensitive schedule goes into its own
"<name>-SENSITIVE.zip" with the same password.

An encrypted case refuses a plain pack inside its own folder (the default, exports/): that
would put plaintext beside the sealed evidence. The user names a folder outside the case,
or takes the encrypted zip.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import select

from app import audit
from app.case import Case
from app.errors import Cancelled, EvidenceError, ExportError
from app.export import manifest as mf
from app.export.exhibits import lock_exhibits, parent_of
from app.export.packfiles import (
    ZIP_SUFFIX,
    FolderFiles,
    MemoryFiles,
    PackFiles,
    ZipFiles,
    check_password,
    is_zip_pack,
    seal_zip,
    zip_names,
)
from app.export.plan import PackOptions, PackPlan, plan_pack, unreviewed
from app.export.schedule import write_schedule, write_sensitive_schedule
from app.jobs import CancelToken, ProgressCallback, ThrottledProgress
from app.redaction.model import RedactionRow
from app.redaction.verify import Finding, verify_image, verify_pdf, verify_text
from app.store.schema import Exhibit, ExhibitItem, ExportRecord

log = logging.getLogger(__name__)

BUNDLE = "bundle.pdf"
NATIVES = "natives"
TIMELINE = "timeline.pdf"
FAILED_MARK = "FAILED.txt"
CANCELLED_MARK = "CANCELLED.txt"
TEXT_SUFFIXES = frozenset({".txt", ".csv", ".json", ".eml", ".html", ".htm", ".md", ".xml"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".webp", ".bmp"})
_SLUG = re.compile(r"[^A-Za-z0-9]+")


class ExportRefused(ExportError):
    """The pack cannot be built as chosen (unreviewed redactions, no material)."""

    def __init__(
        self, message: str, pending: Sequence[RedactionRow] = (), headline: str = ""
    ) -> None:
        super().__init__(message)
        self.pending = tuple(pending)
        self.headline = headline or message


class PlaintextRefused(ExportRefused):
    """A plain pack of an encrypted case would go inside the case's folder."""


@dataclass(frozen=True, slots=True)
class PackResult:
    """What a build produced: the folder, its record, status and any findings."""

    folder: Path  # the pack's folder, or its zip file
    record_id: int
    status: str  # complete | failed | cancelled
    findings: tuple[Finding, ...]
    pages: int
    files: tuple[str, ...]  # relative paths of the pack's files
    sensitive_folder: Path | None = None
    plan: PackPlan | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        """Whether the pack is complete and verified."""
        return self.status == "complete"


# -- verification ---------------------------------------------------------------------------


def open_pack(pack: Path, password: str | None = None) -> PackFiles:
    """The files of a pack on disk: its folder, or its sealed zip opened with `password`
    (`ExportError` when none is given or it does not open the zip)."""
    if is_zip_pack(pack):
        if password is None:
            raise ExportError(f"{pack.name} is an encrypted zip: its password is needed")
        return ZipFiles(pack, password)
    return FolderFiles(pack)


def verify_pack(
    pack: Path | PackFiles,
    forbidden: Sequence[str],
    *,
    check_manifest: bool = True,
    password: str | None = None,
) -> list[Finding]:
    """Re-open every file of a pack: forbidden strings anywhere, metadata, manifest hashes.

    `pack` is a folder, a sealed zip (opened with `password`) or the files of one being
    built. PDFs through `verify_pdf` (bookmarks allowed, their titles checked), images
    through `verify_image` (a PNG with no metadata chunk), text files scanned for every
    forbidden string (case-insensitive), other files scanned as text too, and every file
    name checked.
    """
    files = open_pack(pack, password) if isinstance(pack, Path) else pack
    try:
        return _verify_files(files, forbidden, check_manifest)
    finally:
        if isinstance(files, ZipFiles) and files is not pack:
            files.close()


def _verify_files(
    files: PackFiles, forbidden: Sequence[str], check_manifest: bool
) -> list[Finding]:
    out: list[Finding] = []
    names = files.names()
    for rel in names:
        for f in verify_text(rel, forbidden):
            out.append(Finding(f"file name {rel}", f.what))
        try:
            data = files.read(rel)
        except (OSError, KeyError) as exc:
            out.append(Finding(rel, f"cannot be read: {exc}"))
            continue
        suffix = Path(rel).suffix.lower()
        if suffix == ".pdf":
            found = verify_pdf(data, forbidden, allow_outline=True)
        elif suffix in IMAGE_SUFFIXES:
            found = verify_image(data, ())
        else:
            text = data.decode("utf-8", errors="replace")
            found = verify_text(text, forbidden)
            if suffix not in TEXT_SUFFIXES:
                found += verify_text(data.decode("utf-16", errors="ignore"), forbidden)
        out.extend(Finding(f"{rel}: {f.where}", f.what) for f in found)
    if check_manifest:
        out.extend(_check_manifest(files, names))
    return out


def _check_manifest(files: PackFiles, names: Sequence[str]) -> list[Finding]:
    import json

    if mf.MANIFEST not in names:
        return [Finding(mf.MANIFEST, "is missing")]
    try:
        listed = json.loads(files.read(mf.MANIFEST).decode("utf-8"))["files"]
    except (ValueError, KeyError, TypeError) as exc:
        return [Finding(mf.MANIFEST, f"cannot be read: {exc}")]
    out: list[Finding] = []
    present = set(names) - mf.UNLISTED - {FAILED_MARK, CANCELLED_MARK}
    named = set()
    for entry in listed:
        rel = str(entry.get("path", ""))
        named.add(rel)
        if rel not in names:
            out.append(Finding(rel, "is listed in the manifest but missing"))
            continue
        if files.sha256(rel) != entry.get("sha256"):
            out.append(Finding(rel, "SHA-256 does not match the manifest"))
        if files.size(rel) != entry.get("size"):
            out.append(Finding(rel, "size does not match the manifest"))
    for rel in sorted(present - named):
        out.append(Finding(rel, "is not listed in the manifest"))
    return out


# -- building -------------------------------------------------------------------------------


def _bundle() -> ModuleType:
    """The bundle renderer (app.export.bundle)."""
    return importlib.import_module("app.export.bundle")


def _slug(text: str) -> str:
    return _SLUG.sub("-", text).strip("-").lower() or "pack"


_TAKEN = ("", ".partial", ".FAILED", ".CANCELLED", "-SENSITIVE")


def _free_name(out_dir: Path, wanted: str) -> str:
    name, n = wanted, 1
    suffixes = (
        *_TAKEN,
        *(f"{s}{ZIP_SUFFIX}" for s in _TAKEN),
        f"{ZIP_SUFFIX}.partial",
        ".FAILED.txt",
        ".CANCELLED.txt",
    )
    while any((out_dir / f"{name}{s}").exists() for s in suffixes):
        n += 1
        name = f"{wanted}-{n}"
    return name


def _describe_pending(rows: Sequence[RedactionRow]) -> str:
    shown = "; ".join(f"#{r.id} on item {r.item_id} ({r.reason}, {r.where})" for r in rows[:10])
    more = f"; and {len(rows) - 10} more" if len(rows) > 10 else ""
    return shown + more


def _record_folder(case: Case, folder: Path) -> str:
    try:
        return folder.relative_to(case.export_dir()).as_posix()
    except ValueError:
        return str(folder)


def _finish(
    case: Case,
    record_id: int,
    status: str,
    detail: dict[str, Any],
    folder: str,
    action: str,
    manifest_sha256: str = "",
) -> None:
    with case.write() as s:
        rec = s.get(ExportRecord, record_id)
        assert rec is not None
        rec.status = status
        rec.folder = folder
        rec.detail = {**(rec.detail or {}), **detail}
        rec.finished_at_us = audit.now_us()
        rec.manifest_sha256 = manifest_sha256
        case.audit(s, action, {"export_id": record_id, "folder": folder, **detail})


_ZIP_PARTIAL = f"{ZIP_SUFFIX}.partial"


def _mark(
    partial: Path,
    suffix: str,
    marker: str,
    text: str,
    files: PackFiles | None = None,
    password: str | None = None,
) -> Path:
    """Give an unfinished pack its FAILED or CANCELLED name, with the marker saying why.

    A zip pack whose files are still in memory is sealed under that name with the marker
    inside; after a crash (nothing in memory, no password) an unfinished zip is renamed and
    the marker written beside it: the marker holds no material of the case.
    """
    if partial.name.endswith(_ZIP_PARTIAL):
        base = partial.name.removesuffix(_ZIP_PARTIAL)
        target = partial.with_name(f"{base}{suffix}{ZIP_SUFFIX}")
        if files is not None and password is not None:
            files.write(marker, text.encode("utf-8"))
            seal_zip(files, target, password)
            partial.unlink(missing_ok=True)
            return target
        note = partial.with_name(f"{base}{suffix}.txt")
        if partial.exists():
            os.replace(partial, target)
        note.write_text(text, encoding="utf-8")
        return target if target.exists() else note
    target = partial.with_name(partial.name.removesuffix(".partial") + suffix)
    if partial.exists():
        os.replace(partial, target)
    else:
        target.mkdir(parents=True, exist_ok=True)
    (target / marker).write_text(text, encoding="utf-8")
    return target


def _findings_text(findings: Sequence[Finding], headline: str) -> str:
    lines = [headline, "", "This folder is NOT a disclosure pack and must not be released.", ""]
    lines += [f"- {f.where}: {f.what}" for f in findings]
    return "\n".join(lines) + "\n"


def recover_exports(case: Case) -> list[str]:
    """Settle exports a crash interrupted; returns what was done, one line each.

    Only the holder of the case's write lock builds exports, so a record still "building"
    belongs to a process that died: its ".partial" folder becomes ".FAILED". A "complete"
    record whose folder still has its ".partial" name died just before the rename, after
    verification and the commit: the rename is finished when the manifest's hash matches.
    """
    done: list[str] = []
    with case.read() as s:
        open_records = s.execute(
            select(
                ExportRecord.id,
                ExportRecord.status,
                ExportRecord.folder,
                ExportRecord.manifest_sha256,
            ).where(ExportRecord.kind == "pack", ExportRecord.status.in_(("building", "complete")))
        ).all()
    for record_id, status, folder_text, manifest_sha in open_records:
        folder = Path(folder_text)
        if not folder.is_absolute():
            folder = case.export_dir() / folder
        partial = (
            folder
            if folder.name.endswith(".partial")
            else folder.with_name(folder.name + ".partial")
        )
        if status == "complete":
            if folder.exists() or not partial.exists():
                continue
            # A zip was checked with its password before the record said "complete"; its
            # manifest cannot be read without it, but its listing can.
            sealed = partial.name.endswith(_ZIP_PARTIAL) and mf.MANIFEST in zip_names(partial)
            manifest = partial / mf.MANIFEST
            if sealed or (manifest.is_file() and mf.sha256_file(manifest) == manifest_sha):
                os.replace(partial, folder)
                done.append(f"export {record_id}: finished naming {folder.name}")
                continue
        headline = "This export was interrupted (the program stopped before it completed)."
        marked = _mark(partial, ".FAILED", FAILED_MARK, _findings_text([], headline))
        _finish(
            case,
            record_id,
            "failed",
            {"interrupted": True},
            _record_folder(case, marked),
            "export.failed",
        )
        done.append(f"export {record_id}: interrupted, kept as {marked.name}")
    return done


def _inside(folder: Path, parent: Path) -> bool:
    """Whether `folder` is `parent` or somewhere under it (links followed)."""
    return folder.resolve().is_relative_to(parent.resolve())


def _refuse_plaintext(case: Case, target_dir: Path, sealed: bool) -> None:
    """An encrypted case never gets a plain pack inside its own folder."""
    if sealed or not case.encrypted or not _inside(target_dir, case.folder):
        return
    raise PlaintextRefused(
        "this case is encrypted: a plain pack inside the case folder would put unencrypted "
        "copies of its material there; choose an output folder outside the case, or make the "
        "pack an encrypted zip"
    )


def build_pack(
    case: Case,
    options: PackOptions,
    out_dir: Path | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    plan: PackPlan | None = None,
    zip_password: str | None = None,
) -> PackResult:
    """Build, verify and record a disclosure pack (see the module docstring).

    `plan` is `plan_pack(case, options)` when the caller has just made it (it is made here
    otherwise). With `zip_password` the pack is the AES-256 zip "<name>.zip", built in
    memory. Raises `ExportRefused` before writing anything when redactions are unreviewed,
    nothing is chosen, the zip password is too short, or a plain pack of an encrypted case
    would go inside its folder. A cancelled build returns a result with status "cancelled".
    """
    report = ThrottledProgress(progress)
    for line in recover_exports(case):
        log.warning("%s", line)
    if plan is None:
        plan = plan_pack(case, options)
    elif plan.options != options:
        raise ValueError("the plan was made for other options")
    if not plan.entries:
        raise ExportRefused("nothing to export: the chosen material is empty")
    pending = unreviewed(case, plan)
    if pending:
        headline = (
            f"{len(pending)} redactions of the set “{options.set_name}” on the chosen material "
            "are still proposed; approve or reject them first"
        )
        raise ExportRefused(f"{headline}: {_describe_pending(pending)}", pending, headline)
    sealed = zip_password is not None
    if zip_password is not None:
        try:
            check_password(zip_password)
        except ExportError as exc:
            raise ExportRefused(str(exc)) from exc
    target_dir = Path(out_dir) if out_dir is not None else case.export_dir()
    _refuse_plaintext(case, target_dir, sealed)
    target_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    stamp = started.strftime("%Y-%m-%dT%H:%M:%SZ")
    name = _free_name(
        target_dir, options.name or f"{started:%Y%m%d-%H%M%S}-{_slug(options.set_name)}"
    )
    files: PackFiles
    if sealed:
        partial = target_dir / f"{name}{_ZIP_PARTIAL}"
        final = target_dir / f"{name}{ZIP_SUFFIX}"
        files = MemoryFiles()
    else:
        partial = target_dir / f"{name}.partial"
        final = target_dir / name
        files = FolderFiles(partial)
    with case.write() as s:
        rec = ExportRecord(
            kind="pack",
            folder=_record_folder(case, partial),
            set_name=options.set_name,
            status="building",
            detail={
                "exhibits": len(plan.entries),
                "items": len(plan.item_ids),
                **({"encrypted_zip": True} if sealed else {}),
            },
            manifest_sha256="",
            started_at_us=audit.now_us(),
            finished_at_us=None,
            created_by=case.user,
        )
        s.add(rec)
        s.flush()
        record_id = rec.id
        case.audit(
            s,
            "export.start",
            {
                "export_id": record_id,
                "folder": rec.folder,
                "set": options.set_name,
                "exhibits": [e.exhibit_ref for e in plan.entries],
                "items": len(plan.item_ids),
                **({"encrypted_zip": True} if sealed else {}),
            },
        )
    if not sealed:
        partial.mkdir(parents=True)

    def mark(suffix: str, marker: str, text: str) -> Path:
        return _mark(partial, suffix, marker, text, files, zip_password)

    try:
        names, pages, findings = _write_and_verify(
            case, plan, files, name, stamp, report, cancel, sealed=sealed
        )
        if zip_password is not None and not findings:
            report(1, 1, "Sealing the encrypted zip", force=True)
            seal_zip(files, partial, zip_password)
            findings = _check_sealed(partial, files, zip_password)
    except Cancelled:
        folder = mark(
            ".CANCELLED",
            CANCELLED_MARK,
            "This export was cancelled before it was complete.\n"
            "This folder is NOT a disclosure pack and must not be released.\n",
        )
        _finish(case, record_id, "cancelled", {}, _record_folder(case, folder), "export.cancel")
        log.info("export %d cancelled; partial output kept in %s", record_id, folder)
        return PackResult(folder, record_id, "cancelled", (), 0, (), plan=plan)
    except Exception as exc:
        problem = [Finding("build", f"{type(exc).__name__}: {exc}")]
        folder = mark(
            ".FAILED", FAILED_MARK, _findings_text(problem, "This export could not be built.")
        )
        _finish(
            case,
            record_id,
            "failed",
            {"findings": [[f.where, f.what] for f in problem]},
            _record_folder(case, folder),
            "export.failed",
        )
        if isinstance(exc, EvidenceError):
            log.warning("export %d failed: %s", record_id, exc)
            return PackResult(folder, record_id, "failed", tuple(problem), 0, (), plan=plan)
        raise
    if findings:
        headline = f"Verification found {len(findings)} problems: what leaked where."
        folder = mark(".FAILED", FAILED_MARK, _findings_text(findings, headline))
        _finish(
            case,
            record_id,
            "failed",
            {
                "findings": [[f.where, f.what] for f in findings[:200]],
                "finding_count": len(findings),
            },
            _record_folder(case, folder),
            "export.failed",
        )
        log.warning("export %d failed verification with %d findings", record_id, len(findings))
        return PackResult(folder, record_id, "failed", tuple(findings), pages, names, plan=plan)
    # The record says "complete" before the pack takes its final name: a crash in between
    # leaves a ".partial" folder (or zip) that `recover_exports` finishes, never a
    # final-named pack without a complete record.
    manifest_sha = files.sha256(mf.MANIFEST)
    try:
        _complete(case, plan, record_id, _record_folder(case, final), manifest_sha)
        os.replace(partial, final)
    except Exception as exc:
        problem = [Finding("record", f"the export could not be recorded: {exc}")]
        folder = mark(
            ".FAILED", FAILED_MARK, _findings_text(problem, "This export could not be recorded.")
        )
        _finish(
            case,
            record_id,
            "failed",
            {"findings": [[f.where, f.what] for f in problem]},
            _record_folder(case, folder),
            "export.failed",
        )
        if not isinstance(exc, EvidenceError):
            raise
        return PackResult(folder, record_id, "failed", tuple(problem), pages, names, plan=plan)
    sensitive: Path | None = None
    if options.include_sensitive_schedule:
        if zip_password is not None:
            kept = MemoryFiles()
            write_sensitive_schedule(case, plan, kept.root, when=stamp)
            sensitive = seal_zip(kept, target_dir / f"{name}-SENSITIVE{ZIP_SUFFIX}", zip_password)
        else:
            sensitive = target_dir / f"{name}-SENSITIVE"
            write_sensitive_schedule(case, plan, sensitive, when=stamp)
    report(1, 1, "Pack complete", force=True)
    log.info("export %d complete: %s (%d pages)", record_id, final, pages)
    return PackResult(final, record_id, "complete", (), pages, names, sensitive, plan)


def _check_sealed(path: Path, files: PackFiles, password: str) -> list[Finding]:
    """The sealed zip read back with its password: the very files that were verified."""
    with ZipFiles(path, password) as sealed:
        if sealed.names() != files.names():
            return [Finding(path.name, "does not hold the files that were verified")]
        return [
            Finding(rel, "differs in the sealed zip from the file verified")
            for rel in files.names()
            if sealed.sha256(rel) != files.sha256(rel)
        ]


def _write_and_verify(
    case: Case,
    plan: PackPlan,
    files: PackFiles,
    name: str,
    stamp: str,
    report: ThrottledProgress,
    cancel: CancelToken | None,
    *,
    sealed: bool = False,
) -> tuple[tuple[str, ...], int, list[Finding]]:
    def check() -> None:
        if cancel is not None:
            cancel.check()

    options = plan.options
    steps = 5 + int(options.include_natives) + int(options.timeline_report) + int(sealed)
    done = 0

    def step(message: str) -> None:
        nonlocal done
        check()
        report(done, steps, message, force=True)
        done += 1

    root = files.root
    bundle = _bundle()
    certificate = mf.certificate_text(plan, case_name=case.name, user=case.user, created_at=stamp)
    step("Rendering the bundle")
    kwargs: dict[str, Any] = {"progress": None, "cancel": cancel}
    if "certificate" in inspect.signature(bundle.render_bundle).parameters:
        kwargs["certificate"] = certificate
    result = bundle.render_bundle(case, plan, root / BUNDLE, **kwargs)
    pages = int(getattr(result, "pages", 0))
    exhibit_pages = dict(getattr(result, "exhibit_pages", {}) or {})
    if options.include_natives:
        step("Writing the redacted native files")
        bundle.write_natives(case, plan, root / NATIVES, progress=None, cancel=cancel)
    if options.timeline_report:
        step("Writing the timeline report")
        bundle.render_timeline_report(case, plan, root / TIMELINE)
    step("Writing the schedule")
    write_schedule(case, plan, root, when=stamp)
    step("Writing the manifest")
    manifest = mf.build_manifest(
        case,
        plan,
        files,
        pack_name=name,
        created_at=stamp,
        exhibit_pages=exhibit_pages,
        bundle_pages=pages,
    )
    mf.write_manifest(manifest, root)
    step("Verifying every file of the pack")
    findings = verify_pack(files, plan.forbidden)
    check()
    mf.write_certificate(
        certificate,
        root,
        manifest_sha256=files.sha256(mf.MANIFEST),
        findings=len(findings),
    )
    findings += [
        Finding(f"{mf.CERTIFICATE}: {f.where}", f.what)
        for f in verify_text(files.read(mf.CERTIFICATE).decode("utf-8"), plan.forbidden)
    ]
    step("Verified")
    return tuple(files.names()), pages, findings


def _complete(
    case: Case, plan: PackPlan, record_id: int, folder: str, manifest_sha256: str
) -> None:
    """Record new exhibits, lock every exhibit used, mark the export complete: one write."""
    now = audit.now_us()
    with case.write() as s:
        created: dict[str, int] = {}
        used: list[int] = []
        for e in plan.entries:  # reference order: a parent is created before its sub-exhibits
            if e.exhibit_id is not None:
                used.append(e.exhibit_id)
                continue
            if s.scalar(select(Exhibit.id).where(Exhibit.ref == e.exhibit_ref)) is not None:
                raise ExportError(f"exhibit {e.exhibit_ref} was assigned during the export")
            parent = parent_of(e.exhibit_ref)
            parent_id = None
            if parent is not None:
                parent_id = created.get(parent) or s.scalar(
                    select(Exhibit.id).where(Exhibit.ref == parent)
                )
            ex = Exhibit(
                ref=e.exhibit_ref,
                alias=e.alias,
                parent_id=parent_id,
                description=e.description,
                locked_at_us=None,
                created_at_us=now,
                created_by=case.user,
            )
            s.add(ex)
            s.flush()
            created[e.exhibit_ref] = ex.id
            used.append(ex.id)
            for position, item_id in enumerate(e.item_ids):
                s.add(ExhibitItem(exhibit_id=ex.id, item_id=item_id, position=position))
        lock_exhibits(s, used, now)
        rec = s.get(ExportRecord, record_id)
        assert rec is not None
        rec.status = "complete"
        rec.folder = folder
        rec.manifest_sha256 = manifest_sha256
        rec.finished_at_us = now
        case.audit(
            s,
            "export.complete",
            {
                "export_id": record_id,
                "folder": folder,
                "manifest_sha256": manifest_sha256,
                "exhibits_created": sorted(created),
                "exhibits_locked": len(used),
            },
        )
