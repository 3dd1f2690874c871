"""Building packs: refusal, output, manifest, an independent leak scan, planted leaks, cancel.

Most tests use a small stand-in renderer (this file's `StandIn`) so they test the builder
itself; `test_pack_with_the_real_bundle` runs the whole pack through app.export.bundle.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pymupdf
import pytest
from PIL import Image
from sqlalchemy import select

from app.case import Case
from app.export import exhibits as ex
from app.export import pack as pack_mod
from app.export.exhibits import ExhibitError, MarkMaterial, RenameExhibit
from app.export.pack import ExportRefused, build_pack, verify_pack
from app.export.packfiles import Target, put
from app.export.plan import PackOptions, PackPlan
from app.jobs import CancelToken
from app.redaction import store
from app.redaction.apply import Mark, SpanMark, redact_image, redact_text
from app.redaction.find import FindQuery, find_hits
from app.redaction.model import RedactionState
from app.redaction.ops import AddProtectedTerm, AddRedactions, ReviewRedactions
from app.store.schema import AuditEntry, ExportRecord, Item

PROTECTED = ("Sarah Mitchell", "sarah.mitchell@example.org")


class StandIn:
    """A minimal renderer: one page per exhibit with a bookmark; natives of images and chats."""

    def __init__(self, *, native_name: Any = None, cancel_after_bundle: bool = False) -> None:
        self.native_name = native_name
        self.cancel_after_bundle = cancel_after_bundle

    def module(self) -> SimpleNamespace:
        return SimpleNamespace(
            render_bundle=self.render_bundle,
            write_natives=self.write_natives,
            render_timeline_report=self.render_timeline_report,
        )

    def render_bundle(self, case: Case, plan: PackPlan, out_path: Target, **kw: Any) -> Any:
        doc = pymupdf.open()
        toc = []
        for n, e in enumerate(plan.entries, start=1):
            page = doc.new_page()
            page.insert_text((72, 72), f"{e.exhibit_ref} {e.description}", fontsize=10)
            page.insert_text((72, 800), f"Page {n} of {len(plan.entries)}", fontsize=8)
            toc.append([1, e.exhibit_ref, n])
        doc.set_toc(toc)
        put(out_path, doc.tobytes(garbage=3, deflate=True, no_new_id=True))
        doc.close()
        if self.cancel_after_bundle:
            kw["cancel"].cancel()
        return SimpleNamespace(pages=len(plan.entries), exhibit_pages={})

    def write_natives(self, case: Case, plan: PackPlan, folder: Target, **kw: Any) -> list[Target]:
        out = []
        for e in plan.entries:
            marks = {i: plan.redactions.get(i, []) for i in e.item_ids}
            if e.kind == "image":
                item = e.item_ids[0]
                sha = case.item_blob_sha(item)
                assert sha is not None
                boxes = [Mark(r.page or 1, r.box, r.reason) for r in marks[item] if r.box]
                name = self.native_name(case, e) if self.native_name else f"{e.alias}.png"
                target = folder / name
                put(target, redact_image(case.blobs.read(sha), boxes))
                out.append(target)
            elif e.kind == "conversation":
                with case.read() as s:
                    q = select(Item.id, Item.text).where(Item.id.in_(e.item_ids))
                    texts = {int(i): str(t) for i, t in s.execute(q)}
                lines = []
                for i in e.item_ids:
                    spans = [
                        SpanMark(r.start, r.end, r.reason)
                        for r in marks[i]
                        if r.start is not None and r.end is not None
                    ]
                    lines.append(redact_text(texts[i], spans))
                target = folder / f"{e.alias}.txt"
                put(target, "\n".join(lines).encode("utf-8"))
                out.append(target)
        return out

    def render_timeline_report(self, case: Case, plan: PackPlan, out_path: Target) -> Target:
        doc = pymupdf.open()
        doc.new_page().insert_text((72, 72), "Timeline", fontsize=10)
        put(out_path, doc.tobytes())
        doc.close()
        return out_path


def _approve_all(case: Case) -> None:
    pending = store.list_redactions(case, store.DEFAULT_SET, states=["proposed"])
    ReviewRedactions(tuple(r.id for r in pending), RedactionState.APPROVED).apply(case)


def _prepare(case: Case) -> None:
    _approve_all(case)
    AddProtectedTerm("Complainant", PROTECTED, "PII").apply(case)


def _records(case: Case) -> list[tuple[str, str]]:
    with case.read() as s:
        return [
            (r.status, r.folder) for r in s.scalars(select(ExportRecord).order_by(ExportRecord.id))
        ]


def _actions(case: Case) -> list[str]:
    with case.read() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def independent_scan(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    """Every place a forbidden string shows: raw bytes of every file (UTF-8 and UTF-16),
    file names, and for PDFs the extracted text, bookmarks and metadata of every page."""
    hits = []
    needles = [_norm(f) for f in forbidden]
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        texts = {"name": rel}
        if path.is_file():
            data = path.read_bytes()
            texts["bytes"] = data.decode("latin-1")
            texts["utf-8"] = data.decode("utf-8", errors="ignore")
            texts["utf-16"] = data.decode("utf-16-le", errors="ignore")
            if path.suffix == ".pdf":
                with pymupdf.open(path) as doc:
                    texts["pdf text"] = "\n".join(p.get_text() for p in doc)
                    texts["bookmarks"] = "\n".join(t[1] for t in doc.get_toc())
                    texts["metadata"] = json.dumps(doc.metadata)
        for where, text in texts.items():
            flat = _norm(text)
            hits += [f"{rel} ({where}): {n}" for n in needles if n in flat]
    return hits


def _png_has_metadata(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as im:
        if len(im.getexif()) or im.info.get("exif") or im.info.get("xmp"):
            return True
    return any(c in data for c in (b"eXIf", b"tEXt", b"iTXt", b"zTXt", b"tIME"))


def test_refused_while_redactions_are_proposed(
    demo_case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pack_mod, "_bundle", StandIn().module)
    with pytest.raises(ExportRefused, match=r"3 redactions .* are still proposed") as info:
        build_pack(demo_case, PackOptions(everything=True))
    assert sorted(r.item_id for r in info.value.pending) == [1, 71, 357]
    assert "NB4 7QT" not in str(info.value)  # the message never repeats the redacted text
    assert _records(demo_case) == []
    assert list(demo_case.export_dir().iterdir()) == []
    # Choosing material without proposed redactions is fine.
    result = build_pack(demo_case, PackOptions(item_ids=(3, 4)))
    assert result.ok


def test_pack_from_the_demo(demo_case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pack_mod, "_bundle", StandIn().module)
    case = demo_case
    _prepare(case)
    MarkMaterial((2,), True, description="Complainant's diary", reason="privacy").apply(case)
    result = build_pack(
        case,
        PackOptions(
            everything=True,
            include_sensitive_schedule=True,
            timeline_report=True,
            initials="ab",
            name="pack1",
        ),
    )
    assert result.status == "complete", result.findings
    assert result.folder == case.export_dir() / "pack1"
    assert sorted(p.name for p in case.export_dir().iterdir()) == ["pack1", "pack1-SENSITIVE"]
    assert set(result.files) >= {
        "bundle.pdf",
        "schedule.csv",
        "schedule.pdf",
        "manifest.json",
        "certificate.txt",
        "timeline.pdf",
        "natives/AB_1.txt",
        "natives/AB_2.txt",
        "natives/AB_19_1.png",
    }
    # The schedule: one row per exhibit, neutral descriptions, Y where redacted.
    with open(result.folder / "schedule.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["No.", "Description", "Date", "Location / source", "Exhibit ref", "Edited"]
    ufdr, meta, snap = "Cellebrite UFDR", "Meta business record", "Snapchat return"
    assert rows[1:] == [
        ["1", f"{ufdr} conversation, 1 call, 04/03/2024", "04/03/2024", ufdr, "AB/1", "N"],
        [
            "2",
            "WhatsApp conversation, 348 messages, 04/03/2024–17/03/2024",
            "04/03/2024–17/03/2024",
            "WhatsApp",
            "AB/2",
            "Y",
        ],
        ["3", f"{ufdr} conversation, 6 messages, 05/03/2024", "05/03/2024", ufdr, "AB/3", "N"],
        ["4", "1 item, 05/03/2024", "05/03/2024", ufdr, "AB/4", "N"],
        ["5", f"{ufdr} conversation, 6 messages, 05/03/2024", "05/03/2024", ufdr, "AB/5", "N"],
        ["6", "1 item, 05/03/2024", "05/03/2024", ufdr, "AB/6", "N"],
        ["7", "1 item, 08/03/2024", "08/03/2024", meta, "AB/7", "N"],
        ["8", "1 item, 08/03/2024", "08/03/2024", snap, "AB/8", "N"],
        ["9", "1 item, 08/03/2024", "08/03/2024", ufdr, "AB/9", "N"],
        ["10", "1 item, 09/03/2024", "09/03/2024", meta, "AB/10", "N"],
        ["11", "1 item, 09/03/2024", "09/03/2024", meta, "AB/11", "N"],
        [
            "12",
            f"{snap} conversation, 2 messages, 09/03/2024–11/03/2024",
            "09/03/2024–11/03/2024",
            snap,
            "AB/12",
            "N",
        ],
        ["13", "1 item, 09/03/2024", "09/03/2024", meta, "AB/13", "N"],
        ["14", f"{meta} conversation, 2 messages, 09/03/2024", "09/03/2024", meta, "AB/14", "N"],
        ["15", "Screenshot, 09/03/2024", "09/03/2024", "Image file", "AB/15", "N"],
        ["16", "1 item, 10/03/2024", "10/03/2024", meta, "AB/16", "N"],
        ["17", "Screenshot, 10/03/2024", "10/03/2024", "Image file", "AB/17", "N"],
        ["18", "Screenshot, 12/03/2024", "12/03/2024", "Image file", "AB/18", "N"],
        ["19", "Email, 14/03/2024", "14/03/2024", "Email", "AB/19", "N"],
        ["20", "Image attached to an email", "no date", "Email attachment", "AB/19/1", "Y"],
        ["21", "Screenshot, 15/03/2024", "15/03/2024", "Image file", "AB/20", "N"],
        ["22", "PDF document, 3 pages, 18/03/2024", "18/03/2024", "PDF file", "AB/21", "Y"],
        ["23", "1 item", "no date", meta, "AB/22", "N"],
        ["24", "1 item", "no date", ufdr, "AB/23", "N"],
        ["25", "1 item", "no date", ufdr, "AB/24", "N"],
        ["26", "1 item", "no date", ufdr, "AB/25", "N"],
    ]
    # The sensitive schedule lists the diary, beside the pack and never inside it.
    with open(
        result.folder.parent / "pack1-SENSITIVE" / "sensitive-schedule.csv", encoding="utf-8-sig"
    ) as fh:
        sens = list(csv.reader(fh))
    assert [r[1] for r in sens[1:]] == ["Complainant's diary"]
    assert not any("sensitive" in f for f in result.files)
    # The manifest: every file with its hash and size, recomputed here.
    manifest = json.loads((result.folder / "manifest.json").read_text("utf-8"))
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {
        p.relative_to(result.folder).as_posix() for p in result.folder.rglob("*") if p.is_file()
    }
    assert set(listed) == on_disk - {"manifest.json", "certificate.txt"}
    for rel, f in listed.items():
        data = (result.folder / rel).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (f["sha256"], f["size"]), rel
    assert manifest["redactions"]["by_reason"] == {"ADDR": 2, "INTIMATE": 1, "PII": 1, "VC": 1}
    assert manifest["case"] == case.name
    assert manifest["program"]["name"] == "Threadline"
    pdf_entry = next(e for e in manifest["entries"] if e["ref"] == "AB/21")
    with case.read() as s:
        from app.store.schema import Source

        report_sha = s.scalar(select(Source.sha256).where(Source.id == 1))
    assert pdf_entry["originals"] == [{"source_id": 1, "source_sha256": report_sha}]
    assert "Sarah" not in json.dumps(manifest)
    cert = (result.folder / "certificate.txt").read_text("utf-8")
    manifest_sha = hashlib.sha256((result.folder / "manifest.json").read_bytes()).hexdigest()
    assert "PASSED" in cert
    assert manifest_sha in cert
    # Nothing redacted or protected anywhere: an independent scan of every byte.
    forbidden = result.plan.forbidden if result.plan else ()
    assert set(PROTECTED) | {"NB4 7QT", "07700 900123", "14/06/1994"} <= set(forbidden)
    assert independent_scan(result.folder, forbidden) == []
    # The scan does find what it looks for (it is not vacuous).
    assert independent_scan(result.folder, ("WhatsApp conversation",)) != []
    # Images carry no EXIF or other metadata.
    pngs = list(result.folder.glob("natives/*.png"))
    assert len(pngs) == 5
    assert not any(_png_has_metadata(p.read_bytes()) for p in pngs)
    # Recorded complete with the manifest's hash; exhibits recorded and locked.
    with case.read() as s:
        rec = s.scalars(select(ExportRecord)).one()
    assert (rec.status, rec.folder, rec.manifest_sha256) == ("complete", "pack1", manifest_sha)
    assert _actions(case)[-2:] == ["export.start", "export.complete"]
    rows_ex = ex.exhibits(case)
    assert [r.ref for r in rows_ex] == (
        [f"AB/{n}" for n in range(1, 20)] + ["AB/19/1"] + [f"AB/{n}" for n in range(20, 26)]
    )
    assert all(r.locked for r in rows_ex)
    with pytest.raises(ExhibitError, match="used in a completed export"):
        RenameExhibit("AB/1", "AB/99").apply(case)
    # The verifier agrees, and a second pack of the same material keeps the references.
    assert verify_pack(result.folder, forbidden) == []
    again = build_pack(case, PackOptions(everything=True, name="pack1"))
    assert again.ok
    assert again.folder.name == "pack1-2"
    assert [e.exhibit_ref for e in again.plan.entries][:2] == ["AB/1", "AB/2"]  # type: ignore[union-attr]


def test_planted_leak_in_a_native_file_name_is_caught(
    demo_case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = demo_case
    _prepare(case)
    # A protected file name: the attachment's own name, which a careless renderer reuses.
    AddProtectedTerm("Attachment name", ("IMG_2231",), "PII").apply(case)

    def original_name(case: Case, entry: Any) -> str:
        with case.read() as s:
            meta = s.scalar(select(Item.meta).where(Item.id == entry.item_ids[0]))
        return str(meta.get("file_name") or f"{entry.alias}.png")

    monkeypatch.setattr(pack_mod, "_bundle", StandIn(native_name=original_name).module)
    with case.read() as s:
        before = list(s.scalars(select(Item.id).order_by(Item.id)))
    assert before
    result = build_pack(case, PackOptions(everything=True, name="leaky"))
    assert result.status == "failed"
    assert result.folder == case.export_dir() / "leaky.FAILED"
    assert any(f.where == "file name natives/IMG_2231.png" for f in result.findings)
    failed = (result.folder / "FAILED.txt").read_text("utf-8")
    assert "natives/IMG_2231.png" in failed
    assert "NOT a disclosure pack" in failed
    assert not (case.export_dir() / "leaky").exists()
    assert _records(case) == [("failed", "leaky.FAILED")]
    assert "export.complete" not in _actions(case)
    assert ex.exhibits(case) == []  # no reference recorded, nothing locked
    # The case still has every item (failure deletes nothing).
    with case.read() as s:
        assert list(s.scalars(select(Item.id).order_by(Item.id))) == before


def test_planted_leak_in_text_and_tampered_manifest_are_caught(
    demo_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pack_mod, "_bundle", StandIn().module)
    case = demo_case
    _prepare(case)
    result = build_pack(case, PackOptions(item_ids=(3, 4)), out_dir=tmp_path / "out")
    assert result.ok
    assert result.folder.parent == tmp_path / "out"
    forbidden = result.plan.forbidden if result.plan else ()
    (result.folder / "schedule.csv").write_text("1,Photo of SARAH  mitchell\n", encoding="utf-8")
    found = verify_pack(result.folder, forbidden)
    assert ("schedule.csv: text", 'redacted term 1 ("s…l", 14 characters) is still there') in [
        (f.where, f.what) for f in found
    ] or any(f.where == "schedule.csv: text" for f in found)
    assert any(f.where == "schedule.csv" and "SHA-256" in f.what for f in found)
    (result.folder / "extra.txt").write_text("hello", encoding="utf-8")
    assert any(
        f.where == "extra.txt" and "not listed" in f.what
        for f in verify_pack(result.folder, forbidden)
    )


def test_cancel_leaves_a_cancelled_folder_and_no_complete_record(
    demo_case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pack_mod, "_bundle", StandIn(cancel_after_bundle=True).module)
    case = demo_case
    _prepare(case)
    result = build_pack(case, PackOptions(everything=True, name="stop"), cancel=CancelToken())
    assert result.status == "cancelled"
    assert sorted(p.name for p in case.export_dir().iterdir()) == ["stop.CANCELLED"]
    assert (result.folder / "CANCELLED.txt").is_file()
    assert not (result.folder / "manifest.json").exists()
    assert _records(case) == [("cancelled", "stop.CANCELLED")]
    assert _actions(case)[-2:] == ["export.start", "export.cancel"]
    assert ex.exhibits(case) == []


def test_pack_with_the_real_bundle(demo_case: Case) -> None:
    case = demo_case
    _approve_all(case)
    # The user protects the complainant's name and address and redacts every hit of them.
    term = AddProtectedTerm("Complainant", PROTECTED, "PII")
    term.apply(case)
    assert term.id is not None
    drafts = find_hits(case, FindQuery(protected=True, protected_ids=(term.id,)), "PII")
    assert len(drafts) >= 3
    AddRedactions(store.DEFAULT_SET, tuple(drafts), approve=True).apply(case)
    result = build_pack(
        case, PackOptions(everything=True, initials="AB", bates_prefix="NB", name="real")
    )
    assert result.status == "complete", result.findings
    forbidden = result.plan.forbidden if result.plan else ()
    assert independent_scan(result.folder, forbidden) == []
    with pymupdf.open(result.folder / "bundle.pdf") as doc:
        assert doc.page_count == result.pages
        titles = [t[1] for t in doc.get_toc()]
        assert any(t.startswith("AB/1") for t in titles)
        assert "Program: Threadline" in doc[-1].get_text()  # the certificate page
    pngs = list(result.folder.glob("natives/*.png"))
    assert pngs
    assert not any(_png_has_metadata(p.read_bytes()) for p in pngs)
    assert not any("IMG_2231" in f or "Screenshot" in f for f in result.files)
