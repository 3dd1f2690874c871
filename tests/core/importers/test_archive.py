"""The zip importer: members as child sources, names made safe, bombs and damage stopped."""

from __future__ import annotations

import gzip
import hashlib
import io
import lzma
import random
import struct
import tarfile
import warnings
import zipfile
from pathlib import Path
from typing import IO, Any, cast

import pytest

from app.case import Case
from app.errors import Cancelled, CorruptRecord
from app.importers import archive
from app.importers.archive import ArchiveImporter, TarImporter
from app.importers.base import ImportContext, ImportOptions, Probe
from app.importers.memory import MemorySink
from app.importers.registry import default_registry
from app.ingest.job import FileResult, import_paths
from app.jobs import CancelToken
from app.model import ItemKind, SourceRow
from app.verify import verify_case
from tests.conftest import corpus_file

# -- helpers ---------------------------------------------------------------------------


def make_zip(
    path: Path,
    members: list[tuple[str | bytes, bytes]],
    method: int = zipfile.ZIP_DEFLATED,
    comment: bytes = b"",
) -> Path:
    """A zip whose member names are written byte for byte, with no UTF-8 flag for bytes.

    zipfile sets the UTF-8 flag on any non-ASCII str name, so a `bytes` name is written
    under an ASCII placeholder of the same length and swapped in afterwards.
    """
    swaps: list[tuple[bytes, bytes]] = []
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # duplicate names are wanted here
        with zipfile.ZipFile(buf, "w", method) as zf:
            for i, (name, data) in enumerate(members):
                if isinstance(name, bytes):
                    holder = f"#{i}#".ljust(len(name), "_").encode()
                    assert len(holder) == len(name)
                    swaps.append((holder, name))
                    name = holder.decode()
                zf.writestr(name, data)
            zf.comment = comment
    data = buf.getvalue()
    for holder, raw in swaps:
        assert data.count(holder) == 2  # the local header and the central directory
        data = data.replace(holder, raw)
    path.write_bytes(data)
    return path


def parse(path: Path, password: str = "", cancel: CancelToken | None = None) -> MemorySink:
    """The archive read into a MemorySink."""
    sink = MemorySink()
    ctx = ImportContext(ImportOptions(password=password), cancel or CancelToken())
    ArchiveImporter().parse(Probe.of(path), sink, ctx)
    return sink


def children(sink: MemorySink) -> dict[str, bytes]:
    return {name: data for name, data, _ in sink.children}


def the_item_meta(sink: MemorySink) -> dict[str, object]:
    (item,) = sink.items
    assert item.kind == ItemKind.FILE
    assert item.key == "archive"
    return item.meta


def imported(tmp_path: Path, path: Path, password: str = "") -> tuple[list[SourceRow], FileResult]:
    """Run the real pipeline; the case's sources and the file's result."""
    case = Case.create(tmp_path / "case")
    try:
        options = ImportOptions(zone=case.zone, password=password)
        report = import_paths(case, [path], options=options)
        assert verify_case(case).ok
        return case.sources(), report.files[0]
    finally:
        case.close()


def label_of(row: SourceRow) -> str:
    """The member's full label inside its parent, as the pipeline records it in the path."""
    return row.path.rsplit("!/", 1)[-1]


# -- detection -------------------------------------------------------------------------


def test_score_by_content_not_name(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "photos.dat", [("a.txt", b"hello")])
    assert ArchiveImporter.score(Probe.of(z)) == 40
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w"):
        pass
    assert ArchiveImporter.score(Probe.of(empty)) == 40
    sfx = tmp_path / "setup.exe"
    sfx.write_bytes(b"MZ" + bytes(5000) + z.read_bytes())
    assert ArchiveImporter.score(Probe.of(sfx)) == 35
    text = tmp_path / "fake.zip"
    text.write_text("not a zip at all")
    assert ArchiveImporter.score(Probe.of(text)) == 0


def test_a_self_extractor_is_read_past_its_stub(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "a.zip", [("inside.txt", b"payload")])
    sfx = tmp_path / "setup.exe"
    sfx.write_bytes(b"MZ" + bytes(5000) + z.read_bytes())
    sink = parse(sfx)
    assert children(sink) == {"inside.txt": b"payload"}
    assert any("5002 bytes of other data before the first member" in w for w in sink.warnings)


def test_whatsapp_zip_goes_to_whatsapp_not_to_the_archive_reader() -> None:
    path = corpus_file("whatsapp/pustur__whatsapp-chat-parser-example.zip")
    assert ArchiveImporter.score(Probe.of(path)) == 40
    assert default_registry().choose(Probe.of(path)).NAME == "whatsapp"


# -- members and names -----------------------------------------------------------------


def test_members_become_children_and_the_archive_one_item(tmp_path: Path) -> None:
    z = make_zip(
        tmp_path / "a.zip",
        [("photos/", b""), ("photos/IMG_0001.jpg", b"\xff\xd8jpeg"), ("notes.txt", b"hi")],
        comment=b"made for the test",
    )
    sink = parse(z)
    assert [(n, d) for n, d, _ in sink.children] == [
        ("photos/IMG_0001.jpg", b"\xff\xd8jpeg"),
        ("notes.txt", b"hi"),
    ]
    assert all(ctx == "" for _, _, ctx in sink.children)  # members are not attachments
    meta = the_item_meta(sink)
    assert meta["members"] == 2
    assert meta["directories"] == 1
    assert meta["total_size"] == 8
    assert meta["comment"] == "made for the test"
    assert sink.items[0].text == "made for the test"
    assert sink.warnings == []


def test_names_utf8_flagged_unflagged_cp437_shift_jis(tmp_path: Path) -> None:
    z = make_zip(
        tmp_path / "names.zip",
        [
            ("flagged-café.txt", b"1"),  # zipfile sets the UTF-8 flag for this one
            ("Grüße/Ünterlagen.txt".encode(), b"2"),  # UTF-8 bytes without the flag
            ("o\u0308.txt".encode(), b"3"),  # NFD, as macOS writes it
        ],
    )
    assert children(parse(z)).keys() == {"flagged-café.txt", "Grüße/Ünterlagen.txt", "ö.txt"}
    legacy = make_zip(tmp_path / "dos.zip", [("Müller.txt".encode("cp437"), b"x")])
    sink = parse(legacy)
    assert children(sink).keys() == {"Müller.txt"}
    assert sink.decisions == {"name_encoding": "cp437"}
    sjis = make_zip(
        tmp_path / "sjis.zip",
        [("写真/旅行.jpg".encode("cp932"), b"x"), ("メモ.txt".encode("cp932"), b"y")],
    )
    sink = parse(sjis)
    assert children(sink).keys() == {"写真/旅行.jpg", "メモ.txt"}
    assert sink.decisions == {"name_encoding": "shift_jis"}
    gbk = make_zip(tmp_path / "gbk.zip", [("审计报告.doc".encode("gbk"), b"x")])
    assert children(parse(gbk)).keys() == {"审计报告.doc"}


def test_zip_slip_names_are_normalised_and_warned(tmp_path: Path) -> None:
    z = make_zip(
        tmp_path / "slip.zip",
        [
            ("../../evil.txt", b"e"),
            ("..\\..\\win\\evil.ini", b"w"),
            ("C:/Windows/system.ini", b"c"),
            ("/etc/passwd", b"p"),
            ("ok/./sub/../fine.txt", b"f"),
        ],
    )
    sink = parse(z)
    assert list(children(sink)) == [
        "evil.txt",
        "win/evil.ini",
        "Windows/system.ini",
        "etc/passwd",
        "ok/fine.txt",
    ]
    assert "zip-slip attempt: '../../evil.txt' kept as 'evil.txt'" in sink.warnings
    assert "zip-slip attempt: '..\\..\\win\\evil.ini' kept as 'win/evil.ini'" in sink.warnings
    assert "absolute path 'C:/Windows/system.ini' kept as 'Windows/system.ini'" in sink.warnings
    assert "absolute path '/etc/passwd' kept as 'etc/passwd'" in sink.warnings
    assert len(sink.warnings) == 4  # resolving inside the archive is not an attack
    renamed = the_item_meta(sink)["renamed"]
    assert {"name": "evil.txt", "stored_as": "../../evil.txt"} in renamed  # type: ignore[operator]


def test_zip_slip_through_the_pipeline(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "slip.zip", [("../../evil.txt", b"evil"), ("good.txt", b"good")])
    sources, _ = imported(tmp_path, z)
    top, *kids = sources
    assert [label_of(k) for k in kids] == ["evil.txt", "good.txt"]
    assert all(k.parent_id == top.id for k in kids)
    assert "zip-slip attempt: '../../evil.txt' kept as 'evil.txt'" in top.warnings
    # Nothing was written outside the case: members only ever went into the blob store.
    assert not (tmp_path.parent / "evil.txt").exists()
    assert len(list(tmp_path.iterdir())) == 2  # the zip and the case folder


def test_control_and_bidi_characters_in_names_are_made_visible(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "c.zip", [(b"a\nb\x00c.txt", b"1"), ("invoice\u202egpj.exe", b"2")])
    sink = parse(z)
    assert list(children(sink)) == ["a\\x0ab\\x00c.txt", "invoice\\u202egpj.exe"]
    assert sum("control characters" in w for w in sink.warnings) == 2


def test_duplicate_names_are_both_kept(tmp_path: Path) -> None:
    z = make_zip(
        tmp_path / "dup.zip",
        [("foo.txt", b"one"), ("foo.txt", b"two"), ("x/../foo.txt", b"three")],
    )
    sink = parse(z)
    assert children(sink) == {"foo.txt": b"one", "foo (2).txt": b"two", "foo (3).txt": b"three"}
    assert "duplicate member name 'foo.txt': this copy is kept as 'foo (2).txt'" in sink.warnings


def test_macos_metadata_and_directories_are_skipped(tmp_path: Path) -> None:
    z = make_zip(
        tmp_path / "mac.zip",
        [
            ("chat/", b""),
            ("chat/_chat.txt", b"text"),
            ("__MACOSX/chat/._chat.txt", b"fork"),
            ("chat/._photo.jpg", b"fork"),
        ],
    )
    sink = parse(z)
    assert list(children(sink)) == ["chat/_chat.txt"]
    assert sink.warnings == ["skipped 2 macOS metadata files (__MACOSX/, ._*)"]


def test_a_directory_entry_holding_data_is_read_as_a_file(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "d.zip", [("hidden/", b"secret")])
    sink = parse(z)
    assert children(sink) == {"hidden": b"secret"}
    assert "directory entry 'hidden' holds 6 bytes: read as a file" in sink.warnings


def test_bzip2_lzma_and_stored_members(tmp_path: Path) -> None:
    text = b"the same line again\n" * 500
    for method in (zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        z = make_zip(tmp_path / f"m{method}.zip", [("t.txt", text)], method=method)
        sink = parse(z)
        assert children(sink) == {"t.txt": text}
        assert sink.warnings == []


# -- nesting and recursion -------------------------------------------------------------


def test_nested_zip_three_deep_through_the_pipeline(tmp_path: Path) -> None:
    deepest = make_zip(tmp_path / "3.zip", [("deep.txt", b"at the bottom")])
    middle = make_zip(tmp_path / "2.zip", [("inner/3.zip", deepest.read_bytes())])
    outer = make_zip(tmp_path / "1.zip", [("level1/2.zip", middle.read_bytes())])
    for p in (deepest, middle):
        p.unlink()
    sources, result = imported(tmp_path, outer)
    assert result.status == "imported"
    assert result.importer == "zip"
    one, two, three, text = sources
    assert [s.name for s in sources] == ["1.zip", "2.zip", "3.zip", "deep.txt"]
    assert [s.importer for s in sources] == ["zip", "zip", "zip", "text"]
    assert (one.parent_id, two.parent_id, three.parent_id, text.parent_id) == (
        None,
        one.id,
        two.id,
        three.id,
    )
    assert text.path.endswith("1.zip!/level1/2.zip!/inner/3.zip!/deep.txt")
    assert text.sha256 == hashlib.sha256(b"at the bottom").hexdigest()
    assert all(s.item_count == 1 for s in sources)


def test_a_member_that_is_a_copy_of_the_archive_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A true zip quine is hard to build here (the corpus has one, tika__droste.zip), so
    # the archive's own hash is made to equal the member's: the member's declared size is
    # tuned to equal the archive's size, and the hash of the archive is taken as the
    # member's.
    head = random.Random(4).randbytes(1024)  # incompressible, so the size is steerable
    z = tmp_path / "self.zip"
    pad = 0
    for _ in range(50):
        member = head + bytes(pad)
        make_zip(z, [("self.zip", member), ("other.txt", b"kept")])
        if z.stat().st_size == len(member):
            break
        pad += max(1, z.stat().st_size - len(member)) if z.stat().st_size > len(member) else -1
    assert z.stat().st_size == len(member)
    real_sha256 = archive._file_sha256
    monkeypatch.setattr(archive, "_file_sha256", lambda fh: hashlib.sha256(member).hexdigest())
    sink = parse(z)
    assert list(children(sink)) == ["other.txt"]
    assert sink.warnings == [
        "member 'self.zip' not read: it is a copy of the archive itself (a recursive archive)"
    ]
    monkeypatch.setattr(archive, "_file_sha256", real_sha256)
    assert list(children(parse(z))) == ["self.zip", "other.txt"]  # same size, other bytes


def test_droste_zip_that_contains_itself(tmp_path: Path) -> None:
    path = corpus_file("hostile/tika__droste.zip")
    sources, result = imported(tmp_path, path)
    assert result.status == "imported"
    assert not any(s.name == "droste.zip" for s in sources)
    assert any("copy of the archive itself" in w for w in sources[0].warnings)


# -- bombs and limits ------------------------------------------------------------------

ZEROS = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def zeros_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """50 MB of zeros deflated to about 50 KB."""
    path = tmp_path_factory.mktemp("bomb") / "zeros.zip"
    block = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("zeros.bin", "w") as out:
        for _ in range(ZEROS // len(block)):
            out.write(block)
    assert path.stat().st_size < 100_000
    return path


@pytest.fixture
def low_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MIN_RATIO_BYTES", 1024 * 1024)
    monkeypatch.setattr(archive, "MAX_RATIO", 100)


def patch_sizes(src: Path, dst: Path, *, size: int | None = None, csize: int | None = None) -> Path:
    """A copy of a one-member zip whose headers declare other sizes."""
    data = bytearray(src.read_bytes())
    for sig, at in ((b"PK\x03\x04", 18), (b"PK\x01\x02", 20)):
        pos = data.find(sig)
        if csize is not None:
            data[pos + at : pos + at + 4] = struct.pack("<L", csize)
        if size is not None:
            data[pos + at + 4 : pos + at + 8] = struct.pack("<L", size)
    dst.write_bytes(bytes(data))
    return dst


def test_bomb_is_refused_by_its_declared_ratio(zeros_zip: Path, low_limits: None) -> None:
    sink = parse(zeros_zip)
    assert sink.children == []
    (warning,) = sink.warnings
    assert warning.startswith(
        f"compression bomb: member 'zeros.bin' not read: it declares {ZEROS} bytes"
    )
    assert "more than 100:1" in warning
    assert the_item_meta(sink)["skipped"][0]["name"] == "zeros.bin"  # type: ignore[index]


def test_bomb_lying_about_its_size_is_stopped_while_streaming(
    zeros_zip: Path, tmp_path: Path, low_limits: None
) -> None:
    liar = patch_sizes(zeros_zip, tmp_path / "liar.zip", size=1000)
    sink = parse(liar)
    assert sink.children == []
    assert sink.warnings == [
        "compression bomb: member 'zeros.bin' stopped at 1001 bytes: it holds more than "
        "the 1000 bytes its header declares"
    ]


def test_bomb_lying_about_its_compressed_size_is_stopped_by_the_ratio(
    zeros_zip: Path, tmp_path: Path, low_limits: None
) -> None:
    liar = patch_sizes(zeros_zip, tmp_path / "liar.zip", csize=10 * ZEROS)
    sink = parse(liar)
    assert sink.children == []
    (warning,) = sink.warnings
    assert warning.startswith("compression bomb: member 'zeros.bin' stopped at ")
    stopped = int(warning.split("stopped at ")[1].split()[0])
    assert stopped <= 100 * zeros_zip.stat().st_size + 1


def test_total_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 2500)
    z = make_zip(tmp_path / "t.zip", [(f"{i}.bin", bytes([i]) * 1000) for i in range(4)])
    sink = parse(z)
    assert list(children(sink)) == ["0.bin", "1.bin"]
    assert "2 members not read: together they would pass the limit of 2500 bytes" in " ".join(
        sink.warnings
    )


def test_bomb_under_the_default_limits_stays_small_and_fast(
    zeros_zip: Path, tmp_path: Path
) -> None:
    """50 MB of zeros (about 1000:1) is past the default ratio once above 16 MiB."""
    sources, result = imported(tmp_path, zeros_zip)
    assert result.status == "imported"
    assert len(sources) == 1
    assert any(w.startswith("compression bomb: member 'zeros.bin'") for w in sources[0].warnings)


def test_overlapping_members_are_refused(tmp_path: Path) -> None:
    """Two directory entries sharing one member's bytes: the overlapping-file bomb."""
    z = make_zip(tmp_path / "one.zip", [("a.txt", b"A" * 100)])
    data = z.read_bytes()
    cd = data.find(b"PK\x01\x02")
    end = data.find(b"PK\x05\x06")
    entry = data[cd:end]
    second = entry.replace(b"a.txt", b"b.txt")
    eocd = bytearray(data[end:])
    struct.pack_into("<HHL", eocd, 8, 2, 2, len(entry) * 2)
    overlap = tmp_path / "overlap.zip"
    overlap.write_bytes(data[:end] + second + bytes(eocd))
    sink = parse(overlap)
    assert list(children(sink)) == ["a.txt"]
    assert (
        "compression bomb: member 'b.txt' not read: its data overlaps member 'a.txt' "
        "(a zip-bomb construction)" in sink.warnings
    )


def test_cancel_stops_the_archive(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "a.zip", [("a.txt", b"x")])
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        parse(z, cancel=token)


# -- damage ----------------------------------------------------------------------------


def streamed_zip(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip written to a pipe: sizes and CRCs come after the data (data descriptors)."""

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: Any) -> int:
            chunk = bytes(b)
            self.data += chunk
            return len(chunk)

    pipe = Pipe()
    with zipfile.ZipFile(pipe, "w", method) as zf:
        for name, data in members:
            with zf.open(name, "w") as out:
                out.write(data)
    return bytes(pipe.data)


def test_lost_directory_is_recovered_from_local_headers(tmp_path: Path) -> None:
    first, second = b"first member " * 300, b"second member " * 300
    data = streamed_zip([("one.txt", first), ("two.txt", second)])
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits & 0x08
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: data.find(b"PK\x01\x02")])
    sink = parse(cut)
    assert children(sink) == {"one.txt": first, "two.txt": second}
    (warning,) = sink.warnings
    assert warning.startswith("the archive's directory cannot be read (file is not a zip file)")
    assert the_item_meta(sink)["recovered_by_scan"] is True


def test_lost_directory_stored_members_and_their_descriptor_crcs(tmp_path: Path) -> None:
    data = streamed_zip([("a.txt", b"stored text"), ("b.txt", b"more")], zipfile.ZIP_STORED)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: data.find(b"PK\x01\x02")].replace(b"stored text", b"Stored text"))
    sink = parse(cut)
    assert children(sink) == {"a.txt": b"Stored text", "b.txt": b"more"}
    assert sink.warnings[1:] == ["member 'a.txt' fails its CRC check (damaged): kept as read"]


def test_truncated_member_is_kept_as_far_as_it_goes(tmp_path: Path) -> None:
    body = random.Random(2).randbytes(100_000)
    data = make_zip(tmp_path / "full.zip", [("a.bin", b"a"), ("b.bin", body)]).read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: data.find(b"PK\x01\x02") - 40_000])
    sink = parse(cut)
    got = children(sink)
    assert got["a.bin"] == b"a"
    assert body.startswith(got["b.bin"])
    assert 0 < len(got["b.bin"]) < len(body)
    assert any(w.startswith("member 'b.bin' is damaged (") for w in sink.warnings)


def test_crc_error_is_kept_and_warned(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "a.zip", [("a.txt", b"original text")], method=zipfile.ZIP_STORED)
    data = z.read_bytes().replace(b"original text", b"tampered text")
    bad = tmp_path / "bad.zip"
    bad.write_bytes(data)
    sink = parse(bad)
    assert children(sink) == {"a.txt": b"tampered text"}
    assert sink.warnings == ["member 'a.txt' fails its CRC check (damaged): kept as read"]


def test_not_a_zip_at_all_fails_clearly(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04" + bytes(10))
    with pytest.raises(CorruptRecord, match=r"junk\.zip: not a readable zip archive"):
        parse(junk)


# -- the corpus ------------------------------------------------------------------------


def test_corpus_broken_zip_crc_zlib_and_encryption(tmp_path: Path) -> None:
    path = corpus_file("hostile/libzip__broken.zip")
    sink = parse(path)
    assert list(children(sink)) == ["storedok", "storedcrcerror", "deflateok", "deflatecrcerror"]
    assert sink.warnings == [
        "member 'storedcrcerror' fails its CRC check (damaged): kept as read",
        "member 'deflatecrcerror' fails its CRC check (damaged): kept as read",
        "member 'deflatezliberror' not read: damaged compressed data: Error -3 while "
        "decompressing data: invalid bit length repeat",
        "encrypted member 'cryptok' not read (no password)",
    ]
    meta = the_item_meta(sink)
    assert meta["encrypted"] == ["cryptok"]
    # libzip's regression test opens it with the password "crypt".
    sink = parse(path, password="crypt")
    assert len(children(sink)["cryptok"]) == 43133
    assert "encrypted member 'cryptok' not read (wrong password)" in parse(path, "nope").warnings


def test_corpus_aes_encrypted_member(tmp_path: Path) -> None:
    path = corpus_file("hostile/tika__testZipEncrypted.zip")
    assert parse(path).warnings == ["encrypted member 'encrypted.txt' not read (no password)"]
    sink = parse(path, password="anything")
    assert children(sink) == {"unencrypted.txt": b"hello world\r\n"}
    assert sink.warnings == [
        "encrypted member 'encrypted.txt' not read (AES or strong encryption is not supported)"
    ]


def test_corpus_shift_jis_names(tmp_path: Path) -> None:
    path = corpus_file("hostile/tika__testZipEntryNameCharsetShiftSJIS.zip")
    sources, _ = imported(tmp_path, path)
    top, *kids = sources
    assert [label_of(k) for k in kids] == ["文章1.txt", "文章2.txt"]
    assert all(k.parent_id == top.id for k in kids)


def test_corpus_nfd_umlaut_names_read_as_utf8(tmp_path: Path) -> None:
    (path,) = corpus_file("hostile").glob("ztzip__umlauts-*.zip")
    sink = parse(path)
    assert list(children(sink)) == [
        "umlauts-öäš/Raudjärv.txt",
        "umlauts-öäš/Römer.txt",
        "umlauts-öäš/Šelajev.txt",
    ]
    assert sink.decisions == {"name_encoding": "utf-8"}


def test_corpus_cp437_names_with_control_characters(tmp_path: Path) -> None:
    sink = parse(corpus_file("hostile/libzip__test-cp437.zip"))
    names = list(children(sink))
    assert len(names) == 16
    assert names[0] == "".join(f"\\x{i:02x}" for i in range(1, 17))
    assert "üéâäàåçêëèïîìÄÅÉ" in names
    assert "ßΓπΣσµτΦΘΩδ∞φε∩≡" in names
    assert sink.decisions == {"name_encoding": "cp437"}
    assert sum("control characters" in w for w in sink.warnings) == 3


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("ztzip__zip-malicious-traversal.zip", "home/evil.txt"),
        ("ztzip__zip-malicious-traversal-root.zip", "home/evil.txt"),
        ("ztzip__zip-malicious-traversal-backslashes.zip", "home/evil.txt"),
    ],
)
def test_corpus_traversal(tmp_path: Path, name: str, label: str) -> None:
    sources, _ = imported(tmp_path, corpus_file(f"hostile/{name}"))
    top, *kids = sources
    assert label in [label_of(k) for k in kids]
    assert all(k.parent_id == top.id and ".." not in k.path for k in kids)
    (warning,) = top.warnings
    assert warning.startswith("zip-slip attempt: ")
    assert warning.endswith(f" kept as '{label}'")


def test_corpus_duplicate(tmp_path: Path) -> None:
    sink = parse(corpus_file("hostile/ztzip__duplicate.zip"))
    assert list(children(sink)) == ["foo.txt", "foo (2).txt"]
    assert sink.warnings == ["duplicate member name 'foo.txt': this copy is kept as 'foo (2).txt'"]


def test_corpus_bigzero_bomb_is_stopped_at_the_second_level(tmp_path: Path) -> None:
    sources, result = imported(tmp_path, corpus_file("hostile/libzip__bigzero-zip.zip"))
    assert result.status == "imported"
    top, inner = sources
    assert (inner.name, inner.parent_id) == ("bigzero.zip", top.id)
    assert inner.warnings == (
        "compression bomb: member 'bigzero' not read: it declares 4294967296 bytes from "
        "4168157 compressed bytes (more than 200:1)",
    )


def test_corpus_zip_of_zip(tmp_path: Path) -> None:
    sources, _ = imported(tmp_path, corpus_file("hostile/tika__test-zip-of-zip.zip"))
    top, inner, html = sources
    assert (inner.name, inner.parent_id, inner.importer) == ("html-within-zip.zip", top.id, "zip")
    assert (html.name, html.parent_id) == ("text.html", inner.id)


def test_corpus_truncated_is_recovered_from_its_local_header(tmp_path: Path) -> None:
    sources, _ = imported(tmp_path, corpus_file("hostile/libzip__testfile-truncated.zip"))
    top, member = sources
    assert (member.name, member.size, member.parent_id) == ("testfile.txt", 0, top.id)
    assert top.warnings == (
        "the archive's directory cannot be read (file is not a zip file): members were "
        "recovered by scanning their local headers",
    )


def test_corpus_corrupted_directory_is_recovered(tmp_path: Path) -> None:
    sink = parse(corpus_file("hostile/tika__testZIP_corrupted_oom.zip"))
    assert children(sink) == {"hello.txt": b"Hello World\n"}
    assert sink.warnings[0].startswith(
        "the archive's directory cannot be read (bad magic number for central directory)"
    )


def test_corpus_multidisk_fails_clearly(tmp_path: Path) -> None:
    sources, result = imported(tmp_path, corpus_file("hostile/libzip__multidisk.zip"))
    assert result.status == "failed"
    assert result.reason == (
        "libzip__multidisk.zip: split (multi-disk) archives are not supported: join the parts first"
    )
    assert sources == []


def test_corpus_junk_at_start_and_file_counts() -> None:
    sink = parse(corpus_file("hostile/libzip__junk-at-start.zip"))
    assert list(children(sink)) == ["test", "testdir/test2"]
    assert sink.warnings == [
        "4 bytes of other data before the first member (a self-extracting archive or a "
        "damaged start)"
    ]
    sink = parse(corpus_file("hostile/libzip__incons-file-count-high.zip"))
    assert list(children(sink)) == ["a"]
    assert sink.warnings == [
        "the archive's end record counts 32 members but its directory lists 1: the "
        "directory was followed"
    ]


def test_corpus_bogus_zip_is_left_to_other_readers() -> None:
    probe = Probe.of(corpus_file("hostile/libzip__bogus.zip"))
    assert ArchiveImporter.score(probe) == 0
    assert default_registry().choose(probe).NAME == "text"


# -- tar and compressed files ----------------------------------------------------------


class Zeros(io.RawIOBase):
    """`n` zero bytes, made as they are read."""

    def __init__(self, n: int) -> None:
        self.left = n

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def make_tar(path: Path, mode: str, members: list[tuple[str, bytes | int, str]]) -> Path:
    """A tar of files (bytes, or a count of zeros), directories and symbolic links."""
    with tarfile.open(path, mode, format=tarfile.PAX_FORMAT) as tf:  # type: ignore[call-overload]
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                tf.addfile(info)
            elif kind == "link":
                info.type = tarfile.SYMTYPE
                info.linkname = data.decode() if isinstance(data, bytes) else str(data)
                tf.addfile(info)
            elif isinstance(data, int):
                info.size = data
                tf.addfile(info, cast(IO[bytes], Zeros(data)))
            else:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    return path


def parse_tar(path: Path) -> MemorySink:
    sink = MemorySink()
    TarImporter().parse(Probe.of(path), sink, ImportContext())
    return sink


TAR_MEMBERS: list[tuple[str, bytes | int, str]] = [
    ("photos/", b"", "dir"),
    ("photos/IMG_0001.jpg", b"\xff\xd8jpeg", "file"),
    ("../../evil.txt", b"evil", "file"),
    ("/etc/passwd", b"root", "file"),
    ("shadow", b"/etc/shadow", "link"),
    ("notes/Grüße.txt", "héllo".encode(), "file"),
]


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"])
def test_tar_plain_and_compressed(tmp_path: Path, mode: str) -> None:
    path = make_tar(tmp_path / "a.tar", mode, TAR_MEMBERS)
    assert TarImporter.score(Probe.of(path)) == (40 if mode == "w" else 30)
    assert ArchiveImporter.score(Probe.of(path)) == 0
    sink = parse_tar(path)
    assert children(sink) == {
        "photos/IMG_0001.jpg": b"\xff\xd8jpeg",
        "evil.txt": b"evil",
        "etc/passwd": b"root",
        "notes/Grüße.txt": "héllo".encode(),
    }
    assert sink.warnings == [
        "zip-slip attempt: '../../evil.txt' kept as 'evil.txt'",
        "absolute path '/etc/passwd' kept as 'etc/passwd'",
    ]
    meta = the_item_meta(sink)
    assert meta["skipped"] == [
        {"name": "shadow", "reason": "symbolic link to '/etc/shadow': not a file"}
    ]
    assert meta["directories"] == 1


def test_tar_gz_through_the_pipeline(tmp_path: Path) -> None:
    inner = make_zip(tmp_path / "inner.zip", [("deep.txt", b"deep")])
    path = make_tar(
        tmp_path / "export.tgz",
        "w:gz",
        [("chat/_chat.txt", b"hello\n", "file"), ("chat/inner.zip", inner.read_bytes(), "file")],
    )
    inner.unlink()
    sources, result = imported(tmp_path, path)
    assert result.importer == "tar"
    top, chat, zipped, deep = sources
    assert [label_of(s) for s in (chat, zipped, deep)] == [
        "chat/_chat.txt",
        "chat/inner.zip",
        "deep.txt",
    ]
    assert (chat.parent_id, zipped.parent_id, deep.parent_id) == (top.id, top.id, zipped.id)


def test_single_compressed_files(tmp_path: Path) -> None:
    plain = tmp_path / "note.txt.gz"
    plain.write_bytes(gzip.compress(b"text\n"))
    assert children(parse_tar(plain)) == {"note.txt": b"text\n"}
    named = tmp_path / "x.gz"
    with named.open("wb") as f, gzip.GzipFile("report.log", "wb", fileobj=f) as gz:
        gz.write(b"log\n")
    assert children(parse_tar(named)) == {"report.log": b"log\n"}
    xz = tmp_path / "dump.sql.xz"
    xz.write_bytes(lzma.compress(b"select 1;\n"))
    assert children(parse_tar(xz)) == {"dump.sql": b"select 1;\n"}


def test_tar_bomb_stops_the_stream(tmp_path: Path, low_limits: None) -> None:
    path = make_tar(
        tmp_path / "bomb.tar.gz", "w:gz", [("a.txt", b"first", "file"), ("zeros", 20 << 20, "file")]
    )
    sink = parse_tar(path)
    assert children(sink) == {"a.txt": b"first"}
    (warning,) = sink.warnings
    assert warning.startswith("compression bomb: the archive stopped at ")
    assert "(more than 100:1)" in warning
    single = tmp_path / "zeros.gz"
    single.write_bytes(gzip.compress(bytes(20 << 20)))
    sink = parse_tar(single)
    assert sink.children == []
    assert sink.warnings[0].startswith("compression bomb: the archive stopped at ")


def test_tar_total_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 8000)
    files: list[tuple[str, bytes | int, str]] = [
        (f"{i}.bin", bytes([65 + i]) * 1000, "file") for i in range(10)
    ]
    path = make_tar(tmp_path / "t.tar", "w", files)
    sink = parse_tar(path)
    assert 0 < len(sink.children) < 10
    assert any(w.startswith("size limit: ") for w in sink.warnings)


def test_truncated_tar_gz_keeps_what_was_read(tmp_path: Path) -> None:
    body = random.Random(3).randbytes(200_000)
    path = make_tar(
        tmp_path / "a.tar.gz", "w:gz", [("a.txt", b"whole", "file"), ("b.bin", body, "file")]
    )
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(path.read_bytes()[:120_000])
    sink = parse_tar(cut)
    got = children(sink)
    assert got["a.txt"] == b"whole"
    assert body.startswith(got["b.bin"])
    assert len(got["b.bin"]) < len(body)
    assert any(w.startswith("member 'b.bin' is damaged or cut short") for w in sink.warnings)


def test_forged_tar_header_fails_clearly(tmp_path: Path) -> None:
    block = bytearray(512)
    block[0:13] = b"././@PaxHeader"[:13]
    block[100:108] = b"0000644\0"
    block[124:136] = b"%011o\0" % 10**9  # a PAX header "of a gigabyte"
    block[156:157] = b"x"
    block[257:265] = b"ustar\x0000"
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    path = tmp_path / "forged.tar"
    path.write_bytes(bytes(block) + bytes(2048))
    with pytest.raises(CorruptRecord, match=r"forged\.tar: a tar header claims 1000000000 bytes"):
        parse_tar(path)
