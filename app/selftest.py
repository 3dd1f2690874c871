"""`--self-test`: every main feature once, on a temporary case, one line of result per step.

Used by the packaging build to check a bundle and by IT staff to check an installation. It
works in a temporary folder only (the caller picks it; `main.py` makes one and removes it):
a case is created, a WhatsApp export, a photo with EXIF and a PDF are generated in code and
imported, the photo is read by OCR, a redaction is proposed and approved, a disclosure pack is
built and verified, the window is rendered offscreen (through a hook given by the caller, so
this module never imports Qt) and the case is verified. Each step prints
`ok   <step> (<seconds>s)` or `FAIL <step>: <reason>`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from app.case import Case
from app.errors import EvidenceError, WrongPassphrase
from app.export.pack import build_pack, verify_pack
from app.export.plan import PackOptions
from app.ingest.job import import_paths
from app.ocr import run_ocr
from app.redaction.find import FindQuery, find_hits
from app.redaction.model import RedactionState
from app.redaction.ops import AddRedactions, ReviewRedactions
from app.redaction.store import DEFAULT_SET
from app.store.schema import Event, Item, Page, Redaction, Source
from app.verify import record_verification, verify_case

log = logging.getLogger(__name__)

CASE_NAME = "Self-test.threadline"
PHOTO_NAME = "IMG_0001.jpg"
PHOTO_TAKEN = datetime(2024, 3, 9, 18, 30, 5)
PHOTO_WORDS = ("PARK", "GATES")
"""Printed large on the photo, for OCR to find."""
REDACTED = "NB4 7QT"
"""The victim's postcode in the generated police report: redacted, then searched for."""
ENCRYPTED_NAME = "Self-test encrypted.threadline"
ENCRYPTED_PASSPHRASE = "self-test passphrase"

WindowHook = Callable[[Path, Path], Path]
"""Opens the case folder (1st argument) in the main window offscreen and saves a screenshot
into the folder (2nd argument); returns the screenshot's path."""


class SelfTestFailure(EvidenceError):
    """A self-test step found something wrong."""


@dataclass(frozen=True, slots=True)
class StepResult:
    """One step's outcome: its name, whether it passed, the time it took, why it failed."""

    name: str
    ok: bool
    seconds: float
    reason: str = ""
    skipped: bool = False

    @property
    def line(self) -> str:
        """The line printed for this step."""
        if self.skipped:
            return f"skip {self.name}: {self.reason}"
        if self.ok:
            return f"ok   {self.name} ({self.seconds:.2f}s)"
        return f"FAIL {self.name}: {self.reason}"


@dataclass(slots=True)
class _State:
    folder: Path
    case: Case | None = None
    photo_id: int | None = None
    results: list[StepResult] = field(default_factory=list)

    def open_case(self) -> Case:
        if self.case is None:
            raise SelfTestFailure("the case was not created")
        return self.case


def photo_with_exif() -> bytes:
    """A JPEG "photo" of a sign with camera EXIF (make, model, time taken)."""
    image = Image.new("RGB", (900, 600), (92, 120, 84))
    draw = ImageDraw.Draw(image)
    draw.rectangle((120, 170, 780, 430), fill=(250, 250, 245))
    font = ImageFont.load_default(size=96)
    draw.text((170, 220), " ".join(PHOTO_WORDS), fill=(10, 10, 10), font=font)
    exif = Image.Exif()
    exif[0x010F] = "Threadline"  # Make
    exif[0x0110] = "Self-test camera"  # Model
    stamp = PHOTO_TAKEN.strftime("%Y:%m:%d %H:%M:%S")
    exif[0x0132] = stamp  # DateTime
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = stamp  # DateTimeOriginal
    sub[0x9011] = "+00:00"  # OffsetTimeOriginal
    out = BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def _import_one(state: _State, name: str, data: bytes) -> list[int]:
    case = state.open_case()
    evidence = state.folder / "evidence"
    evidence.mkdir(exist_ok=True)
    path = evidence / name
    path.write_bytes(data)
    report = import_paths(case, [path])
    results = [r for r in report.files if r.status != "imported"]
    if results:
        raise SelfTestFailure(f"{name}: {results[0].status} {results[0].reason}".strip())
    with case.read() as s:
        ids = list(
            s.scalars(
                select(Item.id)
                .join(Source, Source.id == Item.source_id)
                .where(Source.name == name)
                .order_by(Item.id)
            )
        )
    if not ids:
        raise SelfTestFailure(f"{name}: imported but no items were read")
    return ids


def _step_create(state: _State) -> None:
    state.case = Case.create(state.folder / CASE_NAME, zone_name="Europe/London")


def _step_import_chat(state: _State) -> None:
    from app import demo

    ids = _import_one(state, demo.WHATSAPP_NAME, demo.whatsapp_export())
    with state.open_case().read() as s:
        messages = s.scalar(select(Item.id).where(Item.id.in_(ids), Item.kind == "message"))
    if messages is None:
        raise SelfTestFailure("the WhatsApp export gave no messages")


def _step_import_photo(state: _State) -> None:
    ids = _import_one(state, PHOTO_NAME, photo_with_exif())
    with state.open_case().read() as s:
        item = s.get(Item, ids[0])
        assert item is not None
        meta = dict(item.meta or {})
        taken = s.scalar(select(Event.kind).where(Event.item_id == item.id))
    if "Self-test camera" not in str(meta):
        raise SelfTestFailure("the photo's EXIF (camera model) was not read")
    if taken is None:
        raise SelfTestFailure("the photo's EXIF time taken gave no timeline event")
    state.photo_id = item.id


def _step_import_pdf(state: _State) -> None:
    from app import demo

    ids = _import_one(state, demo.POLICE_REPORT_NAME, demo.police_report_pdf())
    with state.open_case().read() as s:
        pages = s.scalar(select(Page.number).where(Page.item_id.in_(ids), Page.text != "").limit(1))
    if pages is None:
        raise SelfTestFailure("the PDF's pages have no text")


def _step_ocr(state: _State) -> None:
    case = state.open_case()
    if state.photo_id is None:
        raise SelfTestFailure("no photo was imported")
    report = run_ocr(case, item_ids=[state.photo_id])
    if report.failures:
        raise SelfTestFailure(report.failures[0].reason)
    with case.read() as s:
        text = s.scalar(select(Item.ocr_text).where(Item.id == state.photo_id)) or ""
    missing = [w for w in PHOTO_WORDS if w not in text.upper()]
    if missing:
        raise SelfTestFailure(f"OCR did not read {', '.join(missing)} (read {text[:60]!r})")


def _step_redact(state: _State) -> None:
    case = state.open_case()
    drafts = find_hits(case, FindQuery(text=REDACTED, whole_words=True), "ADDR")
    if not drafts:
        raise SelfTestFailure(f"search found no {REDACTED!r} to redact")
    proposed = AddRedactions(DEFAULT_SET, tuple(drafts))
    proposed.apply(case)
    ReviewRedactions(proposed.ids, RedactionState.APPROVED).apply(case)
    with case.read() as s:
        states = set(s.scalars(select(Redaction.state).where(Redaction.id.in_(proposed.ids))))
    if states != {RedactionState.APPROVED.value}:
        raise SelfTestFailure(f"redactions not approved: {sorted(states)}")


def _step_export(state: _State) -> None:
    case = state.open_case()
    result = build_pack(
        case, PackOptions(everything=True, name="self-test-pack"), state.folder / "exports"
    )
    if not result.ok:
        found = result.findings[0] if result.findings else result.status
        raise SelfTestFailure(f"the pack was {result.status}: {found}")
    findings = verify_pack(result.folder, [REDACTED])
    if findings:
        raise SelfTestFailure(f"the pack failed verification: {findings[0]}")


def _step_encrypted(state: _State) -> None:
    """An encrypted case: the photo in, nothing of it readable on disk, the passphrase
    needed (a wrong one refused), the original read back whole."""
    folder = state.folder / ENCRYPTED_NAME
    evidence = state.folder / "evidence-encrypted"
    evidence.mkdir(exist_ok=True)
    photo = photo_with_exif()
    (evidence / PHOTO_NAME).write_bytes(photo)
    with Case.create(folder, passphrase=ENCRYPTED_PASSPHRASE) as case:
        report = import_paths(case, [evidence / PHOTO_NAME])
        if report.count("imported") != 1:
            raise SelfTestFailure(f"the photo was not imported: {report.files[0].reason}")
    marker = b"Self-test camera"
    for path in folder.rglob("*"):
        if path.is_file() and marker in path.read_bytes():
            raise SelfTestFailure(f"plaintext of the photo's EXIF in {path.name}")
    try:
        Case.open(folder, readonly=True, passphrase="not the passphrase").close()
    except WrongPassphrase:
        pass
    else:
        raise SelfTestFailure("a wrong passphrase opened the encrypted case")
    with Case.open(folder, passphrase=ENCRYPTED_PASSPHRASE) as case:
        sha = case.sources()[0].sha256
        if not case.encrypted or case.blobs.read(sha) != photo:
            raise SelfTestFailure("the encrypted original did not read back whole")
        if not verify_case(case).ok:
            raise SelfTestFailure("the encrypted case does not verify")


def _step_verify(state: _State) -> None:
    case = state.case if state.case is not None else Case.open(state.folder / CASE_NAME)
    state.case = case
    report = verify_case(case)
    if not report.ok:
        raise SelfTestFailure(report.problems[0])
    if report.originals < 3:
        raise SelfTestFailure(f"only {report.originals} originals checked")
    record_verification(case, report)


def _run(state: _State, name: str, step: Callable[[_State], None]) -> StepResult:
    started = time.perf_counter()
    try:
        step(state)
    except Exception as exc:  # a self-test reports every failure as a line, whatever it is
        log.exception("self-test step %r failed", name)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return StepResult(name, False, time.perf_counter() - started, reason)
    return StepResult(name, True, time.perf_counter() - started)


def run_self_test(
    folder: Path,
    *,
    window: WindowHook | None = None,
    window_unavailable: str = "",
    report: Callable[[str], None] | None = None,
) -> list[StepResult]:
    """Run every step in `folder` (an empty temporary folder); `report` gets each line.

    With `window` None the window step is skipped, saying `window_unavailable` as its reason;
    skipping is not failing.
    """
    state = _State(folder)

    def window_step(st: _State) -> None:
        assert window is not None
        if st.case is not None:  # the window takes the case's lock
            st.case.close()
            st.case = None
        shot = window(folder / CASE_NAME, folder / "screenshots")
        if not shot.is_file() or shot.stat().st_size == 0:
            raise SelfTestFailure(f"no screenshot was saved at {shot}")

    steps: list[tuple[str, Callable[[_State], None] | None]] = [
        ("create case", _step_create),
        ("import chat export", _step_import_chat),
        ("import photo with EXIF", _step_import_photo),
        ("import PDF", _step_import_pdf),
        ("OCR one image", _step_ocr),
        ("propose and approve a redaction", _step_redact),
        ("build and verify an export pack", _step_export),
        ("encrypted case", _step_encrypted),
        ("render the window offscreen", window_step if window is not None else None),
        ("verify the case", _step_verify),
    ]
    try:
        for name, step in steps:
            if step is None:
                result = StepResult(name, True, 0.0, window_unavailable, skipped=True)
            else:
                result = _run(state, name, step)
            state.results.append(result)
            if report is not None:
                report(result.line)
    finally:
        if state.case is not None:
            state.case.close()
    return state.results


def passed(results: list[StepResult]) -> bool:
    """Whether every step passed (a skipped step is not a failure)."""
    return all(r.ok for r in results)
