"""A small generated case for bundle tests: a WhatsApp chat with a photo, an email, a photo
with EXIF GPS and a two-page PDF, with approved redactions of each kind."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pymupdf
from PIL import Image
from sqlalchemy import select

from app.case import Case
from app.ingest.job import import_paths
from app.redaction.model import RedactionDraft, RedactionKind
from app.redaction.ops import AddProtectedTerm, AddRedactions
from app.redaction.store import DEFAULT_SET
from app.store.schema import Item

PHONE = "07700 900123"
STREET = "Acacia Avenue"
CHILD = "Zofia Wiśniewska"
CHAT_LINES = [
    "14/03/2024, 19:00 - Bob: Hi Alice, zażółć gęślą jaźń 😀",
    f"14/03/2024, 19:01 - Bob: Ring me on {PHONE} tonight",
    f"14/03/2024, 19:02 - Alice: Leave {CHILD} out of this",
    "14/03/2024, 19:03 - Bob: 你好 — مرحبا يا علي",
    "15/03/2024, 08:10 - Bob: IMG-20240315-WA0001.jpg (file attached)",
    "15/03/2024, 08:11 - Alice: Leave me alone",
]
SECRET_LINE = "15/03/2024, 08:12 - Bob: the whole of this message is withheld"
EMAIL_SUBJECT = f"Visit to {STREET}"
PDF_LINES = ("Statement of Alice Example", f"Her mobile is {PHONE}.", "Nothing else here.")
PHOTO_BOX = (20.0, 20.0, 120.0, 60.0)


@dataclass(frozen=True, slots=True)
class Built:
    """Item ids of the generated case and the strings that must not appear anywhere."""

    messages: dict[str, int]
    email: int
    pdf: int
    photo: int
    attachment: int
    forbidden: tuple[str, ...]


def jpeg_with_gps(size: tuple[int, int] = (320, 200)) -> bytes:
    """A JPEG with EXIF: camera make, a date and a GPS position."""
    im = Image.new("RGB", size, (90, 140, 200))
    exif = Image.Exif()
    exif[0x010F] = "Phonemaker"
    exif[0x0132] = "2024:03:15 08:30:00"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 12.0)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 30.0)
    out = io.BytesIO()
    im.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def pdf_bytes() -> bytes:
    """Two A4 pages: the first names the phone number, the second is withheld whole."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    for n, line in enumerate(PDF_LINES):
        page.insert_text((72, 100 + 20 * n), line, fontsize=12)
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 100), "Medical notes: page two is private", fontsize=12)
    doc.set_metadata({"author": "Alice Example"})
    data: bytes = doc.tobytes()
    doc.close()
    return data


def email_bytes() -> bytes:
    """An email naming the street in its subject and the phone number in its body."""
    msg = EmailMessage()
    msg["From"] = "Bob Example <bob.example@gmail.com>"
    msg["To"] = "Alice Example <alice@example.org>"
    msg["Subject"] = EMAIL_SUBJECT
    msg["Date"] = "Thu, 14 Mar 2024 09:41:07 +0000"
    msg["Message-ID"] = "<m1@example.com>"
    msg.set_content(f"Alice,\n\nI drove past {STREET}. Call {PHONE}.\n\nBob\n")
    return msg.as_bytes()


def chat_zip() -> bytes:
    """A WhatsApp export (zip) with a photo attached to one message."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("WhatsApp Chat with Bob.txt", "\n".join([*CHAT_LINES, SECRET_LINE]) + "\n")
        z.writestr("IMG-20240315-WA0001.jpg", jpeg_with_gps((240, 160)))
    return out.getvalue()


def build(case: Case, folder: Path) -> Built:
    """Import the files, register a protected name and approve redactions of every kind."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "WhatsApp Chat with Bob.zip": chat_zip(),
        "visit.eml": email_bytes(),
        "statement.pdf": pdf_bytes(),
        "IMG_0001.jpg": jpeg_with_gps(),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    report = import_paths(case, [folder / n for n in files])
    failed = [(f.path, f.reason) for f in report.files if f.status != "imported"]
    assert not failed, failed
    with case.read() as s:
        messages = {
            t: i for i, t in s.execute(select(Item.id, Item.text).where(Item.kind == "message"))
        }
        email = s.scalar(select(Item.id).where(Item.kind == "email"))
        pdf = s.scalar(select(Item.id).where(Item.kind == "document"))
        photo = s.scalar(select(Item.id).where(Item.kind == "image", Item.parent_id.is_(None)))
        attachment = s.scalar(
            select(Item.id).where(Item.kind == "image", Item.parent_id.is_not(None))
        )
    assert email is not None
    assert pdf is not None
    assert photo is not None
    assert attachment is not None
    ring = next(i for t, i in messages.items() if PHONE in t)
    ring_text = next(t for t in messages if PHONE in t)
    child = next(i for t, i in messages.items() if CHILD in t)
    child_text = next(t for t in messages if CHILD in t)
    secret = next(i for t, i in messages.items() if "withheld" in t)
    at = ring_text.index(PHONE)
    cat = child_text.index(CHILD)
    drafts = (
        RedactionDraft(ring, RedactionKind.SPAN, "VC", target="text", start=at,
                       end=at + len(PHONE), quote=PHONE),
        RedactionDraft(child, RedactionKind.SPAN, "CHILD", target="text", start=cat,
                       end=cat + len(CHILD), quote=CHILD),
        RedactionDraft(secret, RedactionKind.ITEM, "SENS", quote="the whole of this message"),
        RedactionDraft(email, RedactionKind.SPAN, "ADDR", target="header:Subject",
                       start=EMAIL_SUBJECT.index(STREET), end=len(EMAIL_SUBJECT), quote=STREET),
        RedactionDraft(pdf, RedactionKind.REGION, "VC", page=1, box=(150.0, 106.0, 240.0, 124.0),
                       quote=PHONE),
        RedactionDraft(pdf, RedactionKind.ITEM, "SENS", page=2, quote="Medical notes"),
        RedactionDraft(photo, RedactionKind.REGION, "TP", page=1, box=PHOTO_BOX),
    )  # fmt: skip
    AddRedactions(DEFAULT_SET, drafts, approve=True).apply(case)
    with case.read() as s:
        body = s.scalar(select(Item.text).where(Item.id == email)) or ""
    at = body.index(STREET)
    pat = body.index(PHONE)
    AddRedactions(
        DEFAULT_SET,
        (
            RedactionDraft(
                email,
                RedactionKind.SPAN,
                "ADDR",
                target="text",
                start=at,
                end=at + len(STREET),
                quote=STREET,
            ),
            RedactionDraft(
                email,
                RedactionKind.SPAN,
                "VC",
                target="text",
                start=pat,
                end=pat + len(PHONE),
                quote=PHONE,
            ),
        ),
        approve=True,
    ).apply(case)
    AddProtectedTerm("Child's name", (CHILD,), "CHILD").apply(case)
    return Built(
        messages=messages,
        email=email,
        pdf=pdf,
        photo=photo,
        attachment=attachment,
        forbidden=(PHONE, STREET, CHILD, "the whole of this message", "Medical notes"),
    )
