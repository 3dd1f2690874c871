"""Shared by the hypothesis fuzz tests and the atheris script: seeds per importer, mutations,
and one bounded run of an importer's parser on one input.

A run passes when the parser returns or raises one of Threadline's own clear errors
(`EvidenceError` and its subclasses) within the time bound. Anything else is a bug.
"""

from __future__ import annotations

import io
import random
import signal
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from app.errors import EvidenceError
from app.importers.base import ImportContext, Importer, ImportOptions, Probe
from app.importers.memory import MemorySink
from app.importers.registry import BUILTIN_IMPORTERS
from tests.conftest import CORPUS
from tests.reliability import gen

SECONDS = 2.0
MAX_SEED_BYTES = 400_000
CHILD_BYTES = 8 * 1024 * 1024

# Corpus folders whose files each importer is meant to read (mutations of anything are fair).
CORPUS_DIRS: dict[str, tuple[str, ...]] = {
    "text": ("hostile/kuhn__UTF-8-test.txt", "whatsapp"),
    "file": ("hostile/libzip__bogus.zip",),
    "telegram": ("telegram",),
    "messenger": ("messenger",),
    "discord": ("discord",),
    "email": ("email",),
    "sms_xml": (),
    "imessage": ("imessage",),
    "whatsapp": ("whatsapp",),
    "pdf": ("pdf", "hostile/qpdf__bad1.pdf", "hostile/qpdf__damaged-stream.pdf"),
    "image": ("images_exif", "screenshots", "hostile/pillow__truncated_jpeg.jpg"),
    "zip": ("hostile/libzip__broken.zip", "hostile/tika__test-zip-of-zip.zip", "whatsapp"),
    "tar": (),
    "x-return": ("synthetic-returns/x_twitter_return",),
    "google-return": (
        "synthetic-returns/google_return/synthetic.person@example.com.123456789012.GoogleAccount"
        ".SubscriberInfo_001/Google Account/synthetic.person@example.com.123456789012"
        ".SubscriberInfo.html",
        "synthetic-returns/google_return/synthetic.person@example.com.123456789012"
        ".AccessLogActivity.Activity_001/Access Log Activity/Activities - A list of Google "
        "services accessed by your devices.csv",
    ),
    "ufdr": ("synthetic-returns/ufdr",),
    "xry": ("synthetic-returns/xry_text_export",),
    "meta-records": (
        "synthetic-returns/meta_business_record/D1_inline_style_div_table",
        "synthetic-returns/meta_business_record/D3_2026_minified_t_o_i_m",
        "synthetic-returns/whatsapp_business_record",
    ),
    "snapchat-return": ("synthetic-returns/snapchat_return",),
}

SMS_XML = (
    b"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
    b'<smses count="2">\n'
    b'  <sms protocol="0" address="+447700900123" date="1710400000000" type="1" '
    b'subject="null" body="where are you" contact_name="Bob" readable_date="14 Mar 2024" />\n'
    b'  <sms protocol="0" address="+447700900123" date="1710400060000" type="2" '
    b'subject="null" body="leave me alone" contact_name="Bob" />\n'
    b"</smses>\n"
)


class FuzzBug(Exception):
    """An importer failed in a way that is not one of its clear errors, or hung."""


class CappedSink(MemorySink):
    """A memory sink that reads embedded streams (exercising their readers) within a cap."""

    def store_blob(self, stream: BinaryIO) -> str:
        return super().store_blob(io.BytesIO(stream.read(CHILD_BYTES)))

    def add_child(self, name: str, stream: BinaryIO, context_key: str = "") -> None:
        self.children.append((name, stream.read(CHILD_BYTES)[:64], context_key))


def importers() -> dict[str, type[Importer]]:
    """Every built-in importer by name."""
    return {imp.NAME: imp for imp in BUILTIN_IMPORTERS}


def _generated(name: str) -> list[tuple[str, bytes]]:
    rng = random.Random(1)
    chat = gen.whatsapp_chat(rng, 40)
    if name == "tar":
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as t:
            for member, data in (("chat.txt", chat), ("photo.png", gen.png(rng))):
                info = tarfile.TarInfo(member)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
        return [("export.tar", buf.getvalue())]
    if name == "sms_xml":
        return [("sms-backup.xml", SMS_XML)]
    if name == "zip":
        return [("export.zip", gen.chat_zip(rng))]
    if name in {"whatsapp", "text"}:
        return [("WhatsApp Chat with Bob.txt", chat)]
    if name == "email":
        return [("mail.eml", gen.email(rng))]
    if name == "pdf":
        return [("statement.pdf", gen.pdf(rng, 1))]
    if name == "image":
        return [("photo.jpg", gen.jpeg(rng, (64, 48))), ("small.png", gen.png(rng))]
    return []


def seeds(name: str) -> list[tuple[str, bytes]]:
    """Real files (when the corpus is there) and generated ones, for one importer."""
    out = _generated(name)
    for rel in CORPUS_DIRS.get(name, ()):
        path = CORPUS / rel
        files = sorted(path.iterdir()) if path.is_dir() else [path] if path.is_file() else []
        for f in files:
            if f.is_file() and f.stat().st_size <= MAX_SEED_BYTES:
                out.append((f.name, f.read_bytes()))
    return out or [("empty", b"")]


def mutate(data: bytes, rng: random.Random, others: list[bytes], steps: int = 3) -> bytes:
    """Byte flips, truncation, insertions (junk, repeats, magic numbers) and splicing."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, steps)):
        kind = rng.randrange(6)
        pos = rng.randint(0, len(buf))
        if kind == 0 and buf:
            for _ in range(rng.randint(1, 8)):
                buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        elif kind == 1:
            del buf[pos:]
        elif kind == 2:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        elif kind == 3 and buf:
            a = rng.randrange(len(buf))
            piece = buf[a : a + rng.randint(1, 256)]
            buf[pos:pos] = piece * rng.randint(1, 50)
        elif kind == 4 and others:
            other = rng.choice(others)
            cut = rng.randint(0, len(other))
            buf = buf[:pos] + other[cut:]
        else:
            magic = rng.choice(
                (b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"9999999999", b"-1", b"{[", b"<!--")
            )
            buf[pos : pos + len(magic)] = magic
    return bytes(buf)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise `FuzzBug` in the main thread when the block runs longer than `seconds`."""

    def _alarm(_sig: int, _frame: Any) -> None:
        raise FuzzBug(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one run ended: 'ok', or the name of the clear error raised."""

    result: str
    seconds: float


def run_one(importer: type[Importer], name: str, data: bytes, folder: Path) -> Outcome:
    """Parse `data` as a file called `name` with `importer`; raise `FuzzBug` on a bug."""
    path = folder / "input.bin"
    path.write_bytes(data)
    probe = Probe.of(path, name, 1_710_400_000_000_000)
    sink = CappedSink()
    start = time.monotonic()
    try:
        with time_limit(SECONDS):
            importer().parse(probe, sink, ImportContext(ImportOptions(date_order="dmy")))
    except EvidenceError as exc:
        return Outcome(type(exc).__name__, time.monotonic() - start)
    except FuzzBug:
        raise
    except RecursionError as exc:
        raise FuzzBug(f"{importer.NAME}: RecursionError: {exc}") from exc
    except Exception as exc:
        raise FuzzBug(f"{importer.NAME} on {name}: {type(exc).__name__}: {exc}") from exc
    took = time.monotonic() - start
    if took > SECONDS:  # a C extension that held the GIL past the alarm
        raise FuzzBug(f"{importer.NAME} on {name}: took {took:.1f} s")
    return Outcome("ok", took)
