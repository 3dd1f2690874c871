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


@dataclass(frozen=True, slots=True)
class PackResult:
    """What a build produced: the folder, its record, status and any findings."""

    folder: Path
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


def _rel(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def verify_pack(
    folder: Path, forbidden: Sequence[str], *, check_manifest: bool = True
) -> list[Finding]:
    """Re-open every file of a pack: forbidden strings anywhere, metadata, manifest hashes.

    PDFs through `verify_pdf` (bookmarks allowed, their titles checked), images through
    `verify_image` (a PNG with no metadata chunk), text files scanned for every forbidden
    string (case-insensitive), other files scanned as text too, and every file name checked.
    """
    out: list[Finding] = []
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:
        rel = _rel(path, folder)
        for f in verify_text(rel, forbidden):
            out.append(Finding(f"file name {rel}", f.what))
        try:
            data = path.read_bytes()
        except OSError as exc:
            out.append(Finding(rel, f"cannot be read: {exc}"))
            continue
        suffix = path.suffix.lower()
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
        out.extend(_check_manifest(folder, files))
    return out


def _check_manifest(folder: Path, files: Sequence[Path]) -> list[Finding]:
    import json

    path = folder / mf.MANIFEST
    if not path.is_file():
        return [Finding(mf.MANIFEST, "is missing")]
    try:
        listed = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError) as exc:
        return [Finding(mf.MANIFEST, f"cannot be read: {exc}")]
    out: list[Finding] = []
    present = {_rel(p, folder) for p in files} - mf.UNLISTED - {FAILED_MARK, CANCELLED_MARK}
    named = set()
    for entry in listed:
        rel = str(entry.get("path", ""))
        named.add(rel)
        target = folder / rel
        if not target.is_file():
            out.append(Finding(rel, "is listed in the manifest but missing"))
            continue
        if mf.sha256_file(target) != entry.get("sha256"):
            out.append(Finding(rel, "SHA-256 does not match the manifest"))
        if target.stat().st_size != entry.get("size"):
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


def _free_name(out_dir: Path, wanted: str) -> str:
    name, n = wanted, 1
    suffixes = ("", ".partial", ".FAILED", ".CANCELLED", "-SENSITIVE")
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


def _mark(partial: Path, suffix: str, marker: str, text: str) -> Path:
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
            manifest = partial / mf.MANIFEST
            if manifest.is_file() and mf.sha256_file(manifest) == manifest_sha:
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


def build_pack(
    case: Case,
    options: PackOptions,
    out_dir: Path | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    plan: PackPlan | None = None,
) -> PackResult:
    """Build, verify and record a disclosure pack (see the module docstring).

    `plan` is `plan_pack(case, options)` when the caller has just made it (it is made here
    otherwise). Raises `ExportRefused` before writing anything when redactions are
    unreviewed or nothing is chosen. A cancelled build returns a result with status
    "cancelled".
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
    target_dir = Path(out_dir) if out_dir is not None else case.export_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    stamp = started.strftime("%Y-%m-%dT%H:%M:%SZ")
    name = _free_name(
        target_dir, options.name or f"{started:%Y%m%d-%H%M%S}-{_slug(options.set_name)}"
    )
    partial = target_dir / f"{name}.partial"
    final = target_dir / name
    with case.write() as s:
        rec = ExportRecord(
            kind="pack",
            folder=_record_folder(case, partial),
            set_name=options.set_name,
            status="building",
            detail={"exhibits": len(plan.entries), "items": len(plan.item_ids)},
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
            },
        )
    partial.mkdir(parents=True)
    try:
        files, pages, findings = _write_and_verify(case, plan, partial, name, stamp, report, cancel)
    except Cancelled:
        folder = _mark(
            partial,
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
        folder = _mark(
            partial,
            ".FAILED",
            FAILED_MARK,
            _findings_text(problem, "This export could not be built."),
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
        folder = _mark(partial, ".FAILED", FAILED_MARK, _findings_text(findings, headline))
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
        return PackResult(folder, record_id, "failed", tuple(findings), pages, files, plan=plan)
    # The record says "complete" before the folder takes its final name: a crash in between
    # leaves a ".partial" folder that `recover_exports` finishes, never a final-named folder
    # without a complete record.
    manifest_sha = mf.sha256_file(partial / mf.MANIFEST)
    try:
        _complete(case, plan, record_id, _record_folder(case, final), manifest_sha)
        os.replace(partial, final)
    except Exception as exc:
        problem = [Finding("record", f"the export could not be recorded: {exc}")]
        folder = _mark(
            partial,
            ".FAILED",
            FAILED_MARK,
            _findings_text(problem, "This export could not be recorded."),
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
        return PackResult(folder, record_id, "failed", tuple(problem), pages, files, plan=plan)
    sensitive: Path | None = None
    if options.include_sensitive_schedule:
        sensitive = target_dir / f"{name}-SENSITIVE"
        write_sensitive_schedule(case, plan, sensitive, when=stamp)
    report(1, 1, "Pack complete", force=True)
    log.info("export %d complete: %s (%d pages)", record_id, final, pages)
    return PackResult(final, record_id, "complete", (), pages, files, sensitive, plan)


def _write_and_verify(
    case: Case,
    plan: PackPlan,
    folder: Path,
    name: str,
    stamp: str,
    report: ThrottledProgress,
    cancel: CancelToken | None,
) -> tuple[tuple[str, ...], int, list[Finding]]:
    def check() -> None:
        if cancel is not None:
            cancel.check()

    options = plan.options
    steps = 5 + int(options.include_natives) + int(options.timeline_report)
    done = 0

    def step(message: str) -> None:
        nonlocal done
        check()
        report(done, steps, message, force=True)
        done += 1

    bundle = _bundle()
    certificate = mf.certificate_text(plan, case_name=case.name, user=case.user, created_at=stamp)
    step("Rendering the bundle")
    kwargs: dict[str, Any] = {"progress": None, "cancel": cancel}
    if "certificate" in inspect.signature(bundle.render_bundle).parameters:
        kwargs["certificate"] = certificate
    result = bundle.render_bundle(case, plan, folder / BUNDLE, **kwargs)
    pages = int(getattr(result, "pages", 0))
    exhibit_pages = dict(getattr(result, "exhibit_pages", {}) or {})
    if options.include_natives:
        step("Writing the redacted native files")
        (folder / NATIVES).mkdir(exist_ok=True)
        bundle.write_natives(case, plan, folder / NATIVES, progress=None, cancel=cancel)
    if options.timeline_report:
        step("Writing the timeline report")
        bundle.render_timeline_report(case, plan, folder / TIMELINE)
    step("Writing the schedule")
    write_schedule(case, plan, folder, when=stamp)
    step("Writing the manifest")
    manifest = mf.build_manifest(
        case,
        plan,
        folder,
        pack_name=name,
        created_at=stamp,
        exhibit_pages=exhibit_pages,
        bundle_pages=pages,
    )
    mf.write_manifest(manifest, folder)
    step("Verifying every file of the pack")
    findings = verify_pack(folder, plan.forbidden)
    check()
    mf.write_certificate(
        certificate,
        folder,
        manifest_sha256=mf.sha256_file(folder / mf.MANIFEST),
        findings=len(findings),
    )
    findings += [
        Finding(f"{mf.CERTIFICATE}: {f.where}", f.what)
        for f in verify_text((folder / mf.CERTIFICATE).read_text("utf-8"), plan.forbidden)
    ]
    step("Verified")
    files = tuple(_rel(p, folder) for p in sorted(folder.rglob("*")) if p.is_file())
    return files, pages, findings


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
