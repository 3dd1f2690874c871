"""Seeded evidence for the reliability tests: chats, photos, PDFs, emails, notes and a zip.

Every file's bytes depend on the seed, so each crash cycle imports new content (not
duplicates) and a failing cycle can be replayed from its seed.
"""

from __future__ import annotations

import io
import random
import zipfile
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pymupdf
from PIL import Image, ImageDraw

WORDS = [
    "where",
    "are",
    "you",
    "I",
    "saw",
    "you",
    "today",
    "answer",
    "me",
    "secret",
    "meet",
    "tonight",
    "stop",
    "please",
    "leave",
    "me",
    "alone",
    "phone",
    "07700",
    "900123",
    "address",
    "12",
    "Example",
    "Road",
    "you",
    "know",
    "what",
    "happens",
    "photo",
    "send",
    "now",
]
MARKER = "secret"


def _sentence(rng: random.Random, n: int = 8) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, n)))


def whatsapp_chat(rng: random.Random, lines: int = 1500) -> bytes:
    """A WhatsApp export (dd/mm/yyyy) between two people, `lines` messages long."""
    t = datetime(2024, rng.randint(1, 11), 13, 8, 0)  # day 13 first: day/month order is clear
    out = []
    for _ in range(lines):
        t += timedelta(seconds=rng.randint(5, 4000))
        who = rng.choice(("Bob", "Alice"))
        out.append(f"{t:%d/%m/%Y, %H:%M} - {who}: {_sentence(rng)}")
    return ("\n".join(out) + "\n").encode()


def jpeg(rng: random.Random, size: tuple[int, int] = (480, 360)) -> bytes:
    """A photo-like JPEG with an EXIF capture time."""
    im = Image.new("RGB", size, tuple(rng.randint(0, 255) for _ in range(3)))
    draw = ImageDraw.Draw(im)
    for _ in range(12):
        x, y = rng.randint(0, size[0]), rng.randint(0, size[1])
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        draw.ellipse((x, y, x + rng.randint(10, 120), y + rng.randint(10, 120)), fill=colour)
    exif = Image.Exif()
    exif[0x0132] = f"2024:{rng.randint(1, 12):02}:{rng.randint(1, 28):02} 12:00:00"
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80, exif=exif.tobytes())
    return buf.getvalue()


def png(rng: random.Random, size: tuple[int, int] = (120, 90)) -> bytes:
    """A small PNG."""
    im = Image.new("RGB", size, tuple(rng.randint(0, 255) for _ in range(3)))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def pdf(rng: random.Random, pages: int = 3) -> bytes:
    """A text PDF of a few pages."""
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 90), f"Statement page {n + 1}", fontsize=14)
        for line in range(20):
            page.insert_text((72, 120 + line * 16), _sentence(rng, 10), fontsize=11)
    data: bytes = doc.tobytes()
    doc.close()
    return data


def email(rng: random.Random) -> bytes:
    """An email with a PNG attached."""
    msg = EmailMessage()
    msg["From"] = "Bob Example <bob@example.com>"
    msg["To"] = "Alice Example <alice@example.org>"
    msg["Subject"] = _sentence(rng, 5)
    day = rng.randint(1, 28)
    msg["Date"] = f"Thu, {day:02} Mar 2024 09:{rng.randint(10, 59)}:07 +0000"
    msg["Message-ID"] = f"<m{rng.getrandbits(64)}@example.com>"
    msg.set_content("\n".join(_sentence(rng, 12) for _ in range(30)))
    msg.add_attachment(png(rng), maintype="image", subtype="png", filename="photo.png")
    return msg.as_bytes()


def chat_zip(rng: random.Random) -> bytes:
    """A WhatsApp export with media, zipped."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("WhatsApp Chat with Carol.txt", whatsapp_chat(rng, 300))
        z.writestr("IMG-20240314-WA0001.jpg", jpeg(rng, (200, 150)))
    return out.getvalue()


def write_mixed(folder: Path, seed: int, *, chat_lines: int = 1500) -> list[Path]:
    """One of each kind of file in `folder` (made if needed), named after the seed."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    contents = {
        f"WhatsApp Chat with Bob {seed}.txt": whatsapp_chat(rng, chat_lines),
        f"photo-{seed}.jpg": jpeg(rng),
        f"statement-{seed}.pdf": pdf(rng),
        f"mail-{seed}.eml": email(rng),
        f"export-{seed}.zip": chat_zip(rng),
        f"notes-{seed}.txt": f"Notes {seed}: {_sentence(rng, 40)}\n".encode(),
    }
    paths = []
    for name, data in contents.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths
