"""The manifest of a pack (manifest.json) and its human-readable verification certificate.

manifest.json lists every output file of the pack (relative path, SHA-256, size), each
exhibit with the originals it came from (SHA-256 of the source file and of the item's own
stored original, never their file names), the redaction set with its counts by reason, the
program version, who made the pack, when, and from which case. It never holds a redacted
string: only how many forbidden strings the pack was checked against.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select

import app
from app.case import Case
from app.export.packfiles import FolderFiles, PackFiles, Target, put
from app.export.plan import PackPlan, reason_counts
from app.store.schema import Item, Source

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
CERTIFICATE = "certificate.txt"
FORMAT = "threadline-pack/1"
UNLISTED = frozenset({MANIFEST, CERTIFICATE})
"""Files of a pack the manifest does not list (itself, and the certificate naming its hash)."""

CHECKS = (
    "every file of the pack was re-opened after it was written",
    "no redacted text and no spelling of a protected name or number appears in any page text, "
    "hidden text, metadata, bookmark, annotation, embedded object, image metadata, text file, "
    "CSV file, the manifest or any file name",
    "PDFs carry no annotations, forms, attachments, scripts, layers, metadata or earlier "
    "revisions, and every redaction box is opaque",
    "images are re-encoded PNG files without EXIF, GPS or other metadata",
    "the SHA-256 and size of every file match this manifest",
)


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_entries(folder: Path | PackFiles, skip: Iterable[str] = UNLISTED) -> list[dict[str, Any]]:
    """Every file of a pack (a folder, or its files) except `skip`: relative path, SHA-256
    and size, sorted."""
    files = folder if isinstance(folder, PackFiles) else FolderFiles(folder)
    skipped = set(skip)
    return [
        {"path": rel, "sha256": files.sha256(rel), "size": files.size(rel)}
        for rel in files.names()
        if rel not in skipped
    ]


def originals(case: Case, plan: PackPlan) -> dict[int, list[dict[str, Any]]]:
    """For each item of the plan: its source file's SHA-256 and its own stored original's."""
    ids = list(plan.item_ids)
    out: dict[int, list[dict[str, Any]]] = {}
    with case.read() as s:
        for i in range(0, len(ids), 500):
            q = (
                select(Item.id, Item.blob_sha256, Source.id, Source.sha256)
                .join(Source, Source.id == Item.source_id)
                .where(Item.id.in_(ids[i : i + 500]))
            )
            for item_id, blob, source_id, source_sha in s.execute(q):
                row: dict[str, Any] = {"source_id": source_id, "source_sha256": source_sha}
                if blob:
                    row["item_sha256"] = blob
                out[item_id] = [row]
    return out


def build_manifest(
    case: Case,
    plan: PackPlan,
    folder: Path | PackFiles,
    *,
    pack_name: str,
    created_at: str,
    exhibit_pages: Mapping[str, tuple[int, int]] | None = None,
    bundle_pages: int = 0,
) -> dict[str, Any]:
    """The manifest of the pack written so far in `folder` (files hashed now)."""
    per_item = originals(case, plan)
    entries = []
    for e in plan.entries:
        seen: dict[tuple[Any, ...], dict[str, Any]] = {}
        for item_id in e.item_ids:
            for row in per_item.get(item_id, []):
                seen.setdefault(tuple(sorted(row.items())), row)
        entry: dict[str, Any] = {
            "ref": e.exhibit_ref,
            "alias": e.alias,
            "description": e.description,
            "kind": e.kind,
            "items": list(e.item_ids),
            "redacted": e.redacted,
            "newly_assigned": e.provisional,
            "originals": list(seen.values()),
        }
        if exhibit_pages and e.exhibit_ref in exhibit_pages:
            first, last = exhibit_pages[e.exhibit_ref]
            entry["bundle_pages"] = [first, last]
        entries.append(entry)
    approved = sum(len(v) for v in plan.redactions.values())
    return {
        "format": FORMAT,
        "pack": pack_name,
        "case": plan.case_name or case.name,
        "title": plan.options.title,
        "program": {"name": "Threadline", "version": app.__version__},
        "created_by": case.user,
        "created_at_utc": created_at,
        "zone": plan.zone,
        "bates_prefix": plan.options.bates_prefix,
        "bundle_pages": bundle_pages,
        "redactions": {
            "set": plan.options.set_name,
            "approved_applied": approved,
            "by_reason": reason_counts(plan),
            "items_redacted": len(plan.redactions),
            "forbidden_strings_checked": len(plan.forbidden),
        },
        "material": {
            "exhibits": len(plan.entries),
            "items": len(plan.item_ids),
            "sensitive_left_out": len(plan.left_out),
        },
        "entries": entries,
        "files": file_entries(folder),
        "verification": {"checks": list(CHECKS)},
    }


def write_manifest(manifest: Mapping[str, Any], folder: Target) -> Target:
    """manifest.json into the pack folder (UTF-8, indented, keys in a stable order)."""
    path = folder / MANIFEST
    put(path, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return path


def certificate_text(plan: PackPlan, *, case_name: str, user: str, created_at: str) -> str:
    """The verification certificate: what was checked before the pack was released."""
    approved = sum(len(v) for v in plan.redactions.values())
    reasons = ", ".join(f"{code} {n}" for code, n in reason_counts(plan).items()) or "none"
    lines = [
        f"Case: {case_name}",
        f"Prepared by: {user}, {created_at} (UTC)",
        f"Program: Threadline {app.__version__}",
        f"Redaction set: {plan.options.set_name} — {approved} approved redactions applied "
        f"(by reason: {reasons}); no redaction of the chosen material was left unreviewed.",
        f"Material: {len(plan.entries)} exhibits, {len(plan.item_ids)} items.",
        "",
        "Before this pack was released:",
        *(f"- {c};" for c in CHECKS),
        f"- it was checked against {len(plan.forbidden)} redacted or protected strings.",
        "",
        "A pack failing any check is kept only as a folder marked FAILED and is never released.",
        "The SHA-256 of every file is listed in manifest.json.",
    ]
    return "\n".join(lines)


def write_certificate(text: str, folder: Target, *, manifest_sha256: str, findings: int) -> Target:
    """certificate.txt: the certificate, the verification result and the manifest's hash."""
    path = folder / CERTIFICATE
    result = "PASSED (no findings)" if findings == 0 else f"FAILED ({findings} findings)"
    body = (
        f"Verification certificate\n\n{text}\n\nResult: {result}\n"
        f"manifest.json SHA-256: {manifest_sha256}\n"
    )
    put(path, body.encode("utf-8"))
    return path
