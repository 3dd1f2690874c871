"""Each resource limit of app/limits.py met by a hostile generated file: a clear warning or
error naming the file or member and the limit, in bounded time."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pymupdf
import pytest
from PIL import Image

from app import limits
from app.errors import EvidenceError
from app.importers import pdf as pdf_importer
from app.importers.base import ImportContext, Probe
from app.importers.common import clip_long_lines
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


# -- line length ----------------------------------------------------------------------------


def test_clip_long_lines_cuts_only_lines_over_the_limit() -> None:
    text = "ok\n" + "a" * 10 + "\n" + "b" * 11 + "\nend\n" + "c" * 25
    clipped, cut = clip_long_lines(text, 10)
    assert clipped == "ok\n" + "a" * 10 + "\n" + "b" * 10 + "\nend\n" + "c" * 10
    assert cut == [(3, 11), (5, 25)]
    normal = "\n".join(f"line {n}" for n in range(1000))
    assert clip_long_lines(normal, 10) == (normal, [])


def _whatsapp_with(line: str) -> bytes:
    return (
        "14/03/2024, 21:04 - Bob: where are you\n"
        f"14/03/2024, 21:05 - Bob: {line}\n"
        "14/03/2024, 21:06 - Ann: leave me alone\n"
    ).encode()


@pytest.mark.parametrize("name", ["text", "whatsapp"])
def test_a_hostile_long_line_is_cut_at_the_limit_naming_the_file(name: str, tmp_path: Path) -> None:
    long_line = "x" * (limits.MAX_LINE_CHARS + 5000)
    data = _whatsapp_with(long_line)
    path = tmp_path / "chat.txt"
    path.write_bytes(data)
    sink = fuzzlib.CappedSink()
    start = time.monotonic()
    fuzzlib.importers()[name]().parse(Probe.of(path, "chat.txt"), sink, ImportContext())
    assert time.monotonic() - start < 10
    said = [w for w in sink.warnings if "line 2 " in w]
    assert len(said) == 1, sink.warnings
    assert said[0].startswith("chat.txt: line 2 is ")
    assert f"limit of {limits.MAX_LINE_CHARS:,} characters a line" in said[0]
    texts = [item.text for item in sink.items]
    assert max(len(t) for t in texts) <= limits.MAX_LINE_CHARS + 200
    # The line is cut at the limit, its header included, and the rest of it dropped.
    assert any("x" * (limits.MAX_LINE_CHARS - 100) in t for t in texts)
    assert not any("x" * limits.MAX_LINE_CHARS in t for t in texts)
    assert any("leave me alone" in t for t in texts)  # the lines after it are read


def test_a_normal_chat_has_no_line_warning(tmp_path: Path) -> None:
    warnings, error = _parse("whatsapp", "chat.txt", _whatsapp_with("x" * 5000), tmp_path)
    assert not error
    assert not any("line-length" in w or "characters a line" in w for w in warnings)


# -- PDF ------------------------------------------------------------------------------------


def _pdf(pages: int, javascript: bool = False) -> bytes:
    doc = pymupdf.open()
    for n in range(pages):
        doc.new_page().insert_text((72, 72), f"page {n + 1}")
    if javascript:  # an OpenAction in the last object, beyond a low scan limit
        xref = doc.get_new_xref()
        doc.update_object(xref, "<</S/JavaScript/JS(app.alert(1))>>")
        doc.xref_set_key(doc.pdf_catalog(), "OpenAction", f"{xref} 0 R")
    data: bytes = doc.tobytes()
    doc.close()
    return data


def test_pdf_over_the_page_limit_names_the_file_and_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_importer, "MAX_PAGES", 3)
    path = tmp_path / "many.pdf"
    path.write_bytes(_pdf(5))
    sink = fuzzlib.CappedSink()
    pdf_importer.PdfImporter().parse(Probe.of(path, "many.pdf"), sink, ImportContext())
    said = [w for w in sink.warnings if "pages" in w]
    assert said == [
        "many.pdf: the PDF has 5 pages, over the limit of 3 pages: only the first 3 were read"
    ]
    text = " ".join(item.text for item in sink.items)
    assert "page 3" in text
    assert "page 4" not in text


def test_pdf_over_the_object_limit_says_what_was_not_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _pdf(5, javascript=True)
    path = tmp_path / "objects.pdf"
    path.write_bytes(data)
    sink = fuzzlib.CappedSink()
    pdf_importer.PdfImporter().parse(Probe.of(path, "objects.pdf"), sink, ImportContext())
    assert "the PDF contains JavaScript (not run)" in sink.warnings  # found within the limit

    monkeypatch.setattr(pdf_importer, "MAX_OBJECTS_SCANNED", 3)
    sink = fuzzlib.CappedSink()
    pdf_importer.PdfImporter().parse(Probe.of(path, "objects.pdf"), sink, ImportContext())
    said = [w for w in sink.warnings if "objects scanned" in w]
    assert len(said) == 1, sink.warnings
    assert said[0].startswith("objects.pdf: the PDF has ")
    assert "over the limit of 3 objects scanned" in said[0]
