"""A small generated case for search-and-redact tests: a chat, an email, a PDF, an OCR'd image."""

from __future__ import annotations

import io
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pymupdf
from PIL import Image
from sqlalchemy import select

from app.case import Case
from app.ingest.job import import_paths
from app.ocr import OcrWord, run_ocr
from app.store.schema import Item

PHONE = "07700 900123"
CHAT_LINES = [
    "14/03/2024, 19:00 - Bob: Hi Alice",
    f"14/03/2024, 19:01 - Bob: Ring me on {PHONE} tonight",
    "14/03/2024, 19:02 - Alice: John Smith knows where I live",
    "14/03/2024, 19:03 - Bob: Tell Smithson nothing",
    "14/03/2024, 19:04 - Alice: Leave me alone",
]
EMAIL_SUBJECT = "Visit to Acacia Avenue"
PDF_LINES = (
    "Statement of Alice Example",
    f"Her mobile is {PHONE} and",
    "she named John",
    "Smith as the caller. Smithson",
)
# OCR words on the image, in pixels: (x0, y0, x1, y1, word)
IMAGE_WORDS: list[tuple[float, float, float, float, str]] = [
    (10.0, 10.0, 60.0, 30.0, "Call"),
    (65.0, 10.0, 130.0, 30.0, "07700"),
    (135.0, 10.0, 210.0, 30.0, "900123"),
    (10.0, 40.0, 60.0, 60.0, "John"),
    (65.0, 40.0, 130.0, 60.0, "Smith"),
]


class WordsEngine:
    """An OCR engine that "reads" IMAGE_WORDS on any picture."""

    label = "test words"

    def read(self, image: Image.Image) -> list[OcrWord]:
        """The fixed words, with their lines."""
        return [OcrWord(*w[:4], w[4], line=int(w[1] // 30)) for w in IMAGE_WORDS]


@dataclass(frozen=True, slots=True)
class Ids:
    """Item ids of the generated case."""

    messages: dict[str, int]  # text -> id
    email: int
    pdf: int
    image: int


def pdf_bytes() -> bytes:
    """One A4 page, a line of text every 20 points from y=100."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    for n, line in enumerate(PDF_LINES):
        page.insert_text((72, 100 + 20 * n), line, fontsize=12)
    data: bytes = doc.tobytes()
    doc.close()
    return data


def email_bytes() -> bytes:
    """An email whose subject and body name the address, from a Gmail account."""
    msg = EmailMessage()
    msg["From"] = "Bob Example <bob.example@gmail.com>"
    msg["To"] = "Alice Example <alice@example.org>"
    msg["Subject"] = EMAIL_SUBJECT
    msg["Date"] = "Thu, 14 Mar 2024 09:41:07 +0000"
    msg["Message-ID"] = "<m1@example.com>"
    msg.set_content(f"Alice,\n\nI drove past Acacia Avenue. Call {PHONE}.\n\nBob\n")
    return msg.as_bytes()


def png_bytes() -> bytes:
    """A plain 240x80 picture (its words are given as OCR words, not read)."""
    out = io.BytesIO()
    Image.new("RGB", (240, 80), (250, 250, 250)).save(out, "PNG")
    return out.getvalue()


def build(case: Case, folder: Path) -> Ids:
    """Import the files into `case` and give the image OCR words; returns the item ids."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "WhatsApp Chat with Bob.txt": ("\n".join(CHAT_LINES) + "\n").encode(),
        "visit.eml": email_bytes(),
        "statement.pdf": pdf_bytes(),
        "note.png": png_bytes(),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    report = import_paths(case, [folder / n for n in files])
    failed = [(f.path, f.reason) for f in report.files if f.status != "imported"]
    assert not failed, failed
    with case.read() as s:
        image = s.scalar(select(Item.id).where(Item.kind == "image"))
    assert image is not None
    report_ocr = run_ocr(case, engine=WordsEngine(), item_ids=[image])
    assert report_ocr.items == 1, report_ocr
    with case.read() as s:
        messages = {
            t: i for i, t in s.execute(select(Item.id, Item.text).where(Item.kind == "message"))
        }
        email = s.scalar(select(Item.id).where(Item.kind == "email"))
        pdf = s.scalar(select(Item.id).where(Item.kind == "document"))
    assert email is not None
    assert pdf is not None
    return Ids(messages=messages, email=email, pdf=pdf, image=image)
