"""Each resource limit of app/limits.py met by a hostile generated file: a clear warning or
error naming the file or member and the limit, in bounded time."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from app import limits
from app.errors import EvidenceError
from app.importers.base import ImportContext, Probe
from tests.reliability import fuzzlib


def _parse(name: str, label: str, data: bytes, tmp_path: Path) -> tuple[list[str], str]:
    """(warnings, error message) of one importer on one input, within 10 s."""
    path = tmp_path / label
    path.write_bytes(data)
    sink = fuzzlib.CappedSink()
    error = ""
    start = time.monotonic()
    try:
        fuzzlib.importers()[name]().parse(Probe.of(path, label), sink, ImportContext())
    except EvidenceError as exc:
        error = str(exc)
    assert time.monotonic() - start < 10
    return sink.warnings, error


def test_zip_bomb_stops_at_the_ratio(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.bin", b"\0" * 300_000_000)
    warnings, _ = _parse("zip", "bomb.zip", buf.getvalue(), tmp_path)
    assert any("zeros.bin" in w and f"{limits.ARCHIVE_MAX_RATIO}:1" in w for w in warnings)


def test_deep_json_is_refused_naming_the_file(tmp_path: Path) -> None:
    data = b'{"messages":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    for name in ("telegram", "discord", "messenger"):
        _, error = _parse(name, "result.json", data, tmp_path)
        assert error.startswith("result.json: ")
        assert "nested too deeply" in error


def test_pixel_bomb_is_not_decoded(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("1", (20_000, 10_000)).save(buf, "PNG")  # 200 million pixels, 30 KB
    warnings, error = _parse("image", "bomb.png", buf.getvalue(), tmp_path)
    text = " ".join([*warnings, error])
    assert "20000×10000 pixels" in text
    assert f"limit {limits.MAX_IMAGE_PIXELS // 1_000_000} MP" in text


@pytest.mark.parametrize("depth", [limits.MAX_MIME_DEPTH + 5])
def test_email_mime_depth(depth: int, tmp_path: Path) -> None:
    parts = ["From: a@example.com\nSubject: deep\nMIME-Version: 1.0\n"]
    for n in range(depth):
        parts.append(f'Content-Type: multipart/mixed; boundary="b{n}"\n\n--b{n}\n')
    parts.append("Content-Type: text/plain\n\nbottom\n")
    for n in reversed(range(depth)):
        parts.append(f"--b{n}--\n")
    warnings, _ = _parse("email", "deep.eml", "".join(parts).encode(), tmp_path)
    assert any(f"deeper than {limits.MAX_MIME_DEPTH}" in w for w in warnings), warnings
