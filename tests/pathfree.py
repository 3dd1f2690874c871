"""Cases whose originals and derived files have no plaintext file, for the readers' tests.

Two kinds, each a case holding the viewer evidence (`tests.evidence`) and a scanned PDF:
- "double": a plain case whose stores are swapped for `ScrambledBlobStore` and
  `ScrambledDerivedFiles`, which keep every file XOR-scrambled on disk and answer None to
  `local_path`: any reader that still parses a file by its path reads garbage and fails;
- "encrypted": a real encrypted case (`Case.create(passphrase=…)`, app/store/crypto.py).
A reader that passes on both reads only through `blobs.open/read` and `derived.read`.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

import pymupdf
from PIL import Image, ImageDraw

from app.case import Case
from app.ingest.job import import_paths
from app.store.blobs import BlobStore
from app.store.derived import DerivedFiles
from app.timeline.cache import KeysCache
from tests.evidence import write_viewer_evidence

KINDS = ("double", "encrypted")
PASSPHRASE = "quiet harbour lamps at noon"
SCAN_NAME = "scanned-letter.pdf"
_KEY = bytes(range(7, 256, 7))  # a repeating key: same length, nothing recognisable


def scramble(data: bytes) -> bytes:
    """XOR with a repeating key (its own inverse)."""
    key = (_KEY * (len(data) // len(_KEY) + 1))[: len(data)]
    mixed = int.from_bytes(data, "big") ^ int.from_bytes(key, "big")
    return mixed.to_bytes(len(data), "big")


class ScrambledBlobStore(BlobStore):
    """Originals kept scrambled on disk: no plaintext file to open by name."""

    encrypted = True

    def local_path(self, sha256: str) -> Path | None:
        """No plaintext file, as in an encrypted store."""
        return None

    def open(self, sha256: str) -> BinaryIO:
        """The plaintext, from memory."""
        return io.BytesIO(scramble(self.path(sha256).read_bytes()))

    def put_stream(self, stream: BinaryIO, *, defer_sync: bool = False) -> tuple[str, int]:
        """Hash the plaintext, keep it scrambled."""
        data = stream.read()
        sha = hashlib.sha256(data).hexdigest()
        final = self.path(sha)
        if not final.exists():
            final.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=final.parent)
            with os.fdopen(fd, "wb") as out:
                out.write(scramble(data))
            os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            os.replace(tmp, final)
        return sha, len(data)


class ScrambledDerivedFiles(DerivedFiles):
    """Derived files kept scrambled on disk: readable only through `read`."""

    encrypted = True

    def read(self, name: str) -> bytes | None:
        """The file's plaintext, or None."""
        data = super().read(name)
        return None if data is None else scramble(data)

    def write(self, name: str, data: bytes) -> None:
        """Keep the file scrambled."""
        super().write(name, scramble(data))

    def local_path(self, name: str) -> Path | None:
        """No plaintext file."""
        return None


def make_path_free(case: Case) -> Case:
    """Scramble every original of an open plain case in place, drop its derived files (a
    rebuildable cache) and give it the scrambled stores. Only this `Case` object reads the
    folder correctly afterwards: do not open it again."""
    for path in case.blobs.root.glob("??/*"):
        if path.is_file():
            path.chmod(stat.S_IRUSR | stat.S_IWUSR)
            path.write_bytes(scramble(path.read_bytes()))
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    shutil.rmtree(case.derived.root, ignore_errors=True)
    case.derived.root.mkdir()
    case.blobs = ScrambledBlobStore(case.blobs.root)
    case.derived = ScrambledDerivedFiles(case.derived.root)
    case._keys = KeysCache(case.derived)
    return case


def scanned_pdf() -> bytes:
    """A two-page PDF: a text page, then a page that is only a picture (for OCR)."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 72), "Covering letter", fontsize=14)
    scan = doc.new_page(width=595, height=842)
    picture = Image.new("RGB", (800, 1100), "white")
    ImageDraw.Draw(picture).rectangle((100, 100, 700, 300), fill=(30, 30, 30))
    buf = io.BytesIO()
    picture.save(buf, format="PNG")
    scan.insert_image(scan.rect, stream=buf.getvalue())
    data: bytes = doc.tobytes()
    doc.close()
    return data


def evidence(folder: Path) -> dict[str, Path]:
    """The viewer evidence and the scanned PDF, written into `folder`."""
    files = write_viewer_evidence(folder)
    scan = folder / SCAN_NAME
    scan.write_bytes(scanned_pdf())
    files[SCAN_NAME] = scan
    return files


def path_free_case(kind: str, folder: Path) -> Case:
    """An open, writable case of this kind (see the module docstring) holding `evidence`.

    For "encrypted", make the key derivation cheap first (monkeypatch
    `app.store.crypto.SCRYPT_N`): the case records the cost it was made with.
    """
    files = evidence(folder / "evidence")
    if kind == "encrypted":
        case = Case.create(folder / "Readers", passphrase=PASSPHRASE)
    elif kind == "double":
        case = Case.create(folder / "Readers")
    else:
        raise ValueError(kind)
    try:
        report = import_paths(case, list(files.values()))
        failed = [(f.path, f.reason) for f in report.files if f.status != "imported"]
        assert not failed, failed
        if kind == "double":
            make_path_free(case)
    except BaseException:
        case.close()
        raise
    return case
