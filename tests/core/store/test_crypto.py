"""The encryption of a case's files: the key file, sealed originals and sealed derived files."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.errors import StoreError, WeakPassphrase, WrongPassphrase
from app.store import crypto
from app.store.crypto import (
    BLOB_CHUNK,
    KEYS_FILE,
    EncryptedBlobStore,
    EncryptedDerivedFiles,
    is_encrypted,
    new_keys,
    passphrase_strength,
    plain_size,
    read_key_file,
    unlock,
    write_key_file,
)

MARKER = b"QUOKKA-PLAINTEXT-MARKER"
HEAD = 16  # magic, nonce prefix, chunk size
TAG = 16


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cheaper scrypt for these tests (the key file records the cost it was made with)."""
    monkeypatch.setattr(crypto, "SCRYPT_N", 1 << 12)


@pytest.fixture
def store(tmp_path: Path) -> EncryptedBlobStore:
    return EncryptedBlobStore(tmp_path / "originals", new_keys().blobs)


def payload(size: int, seed: int = 1) -> bytes:
    """`size` bytes of noise with the marker every 50 kB, so a plaintext leak is findable."""
    rnd = random.Random(seed)
    data = bytearray(rnd.randbytes(size))
    for at in range(0, max(0, size - len(MARKER)), 50_000):
        data[at : at + len(MARKER)] = MARKER
    return bytes(data)


class OnePass(io.RawIOBase):
    """A stream that can be read once, in short reads, and cannot seek (a pipe, a socket)."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = memoryview(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), len(self._data), 7_777)
        buffer[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


def every_file(root: Path) -> Iterator[Path]:
    return (p for p in root.rglob("*") if p.is_file())


# -- the key file ---------------------------------------------------------------------------


def test_key_file_has_the_contract_fields_and_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crypto, "SCRYPT_N", 1 << 17)  # the real cost, once
    keys = new_keys()
    write_key_file(tmp_path, keys.wrap("correct horse battery"))
    doc = read_key_file(tmp_path)
    assert doc["format"] == "threadline-keys/1"
    kdf = doc["kdf"]
    assert (kdf["name"], kdf["n"], kdf["r"], kdf["p"]) == ("scrypt", 131072, 8, 1)
    assert len(base64.b64decode(kdf["salt"])) == 16
    assert len(base64.b64decode(doc["wrapped_key"])) == 12 + 32 + 16
    raw = (tmp_path / KEYS_FILE).read_bytes()
    for secret in (keys.database, keys.blobs, keys.derived, keys._data):
        assert secret not in raw
        assert secret.hex().encode() not in raw
    assert b"correct horse" not in raw
    assert unlock(tmp_path, "correct horse battery").database == keys.database
    assert is_encrypted(tmp_path)


def test_wrong_passphrase_is_refused_with_the_case_name(tmp_path: Path) -> None:
    write_key_file(tmp_path, new_keys().wrap("correct horse battery"))
    with pytest.raises(WrongPassphrase, match="the passphrase does not open case Smith"):
        unlock(tmp_path, "correct horse battery!", "Smith")
    with pytest.raises(WrongPassphrase):
        unlock(tmp_path, "")


def test_passphrase_is_normalised_so_the_same_letters_open_it(tmp_path: Path) -> None:
    keys = new_keys()
    write_key_file(tmp_path, keys.wrap("caf\u00e9 au lait s'il vous pla\u00eet"))  # é composed
    decomposed = "cafe\u0301 au lait s'il vous plai\u0302t"
    assert unlock(tmp_path, decomposed).blobs == keys.blobs


def test_rewrap_changes_salt_and_keeps_the_data_key(tmp_path: Path) -> None:
    keys = new_keys()
    write_key_file(tmp_path, keys.wrap("first passphrase"))
    first = read_key_file(tmp_path)
    write_key_file(tmp_path, keys.wrap("second passphrase"))
    second = read_key_file(tmp_path)
    assert first["kdf"]["salt"] != second["kdf"]["salt"]
    assert first["wrapped_key"] != second["wrapped_key"]
    assert unlock(tmp_path, "second passphrase").blobs == keys.blobs
    with pytest.raises(WrongPassphrase):
        unlock(tmp_path, "first passphrase")
    assert [p.name for p in tmp_path.iterdir()] == [KEYS_FILE]  # no temporary file left


def test_a_doctored_key_file_is_refused_not_obeyed(tmp_path: Path) -> None:
    write_key_file(tmp_path, new_keys().wrap("correct horse battery"))
    doc = read_key_file(tmp_path)
    doc["kdf"]["n"] = 1 << 30  # would ask for a terabyte of memory
    write_key_file(tmp_path, doc)
    with pytest.raises(StoreError, match="damaged"):
        unlock(tmp_path, "correct horse battery")
    (tmp_path / KEYS_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError, match="cannot be read"):
        unlock(tmp_path, "correct horse battery")


def test_short_passphrases_are_refused_and_strength_is_advice() -> None:
    with pytest.raises(WeakPassphrase, match="at least 8 characters"):
        crypto.check_new_passphrase("seven77")
    crypto.check_new_passphrase("eight888")
    assert passphrase_strength("short")[0] == 0
    assert passphrase_strength("aaaaaaaaaaaa")[0] == 1
    assert passphrase_strength("Tr0ub4dor&3")[0] == 2
    assert passphrase_strength("violet kettle marching under rain")[0] == 3


# -- originals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [0, 1, BLOB_CHUNK - 1, BLOB_CHUNK, BLOB_CHUNK + 1, 3 * BLOB_CHUNK, 200_000],
)
def test_round_trip_and_sizes(store: EncryptedBlobStore, size: int) -> None:
    data = payload(size)
    sha, n = store.put_stream(io.BytesIO(data))
    assert (sha, n) == (hashlib.sha256(data).hexdigest(), size)
    assert store.read(sha) == data
    assert store.size(sha) == size
    assert store.rehash(sha) == sha
    assert store.local_path(sha) is None
    sealed = store.path(sha).read_bytes()
    assert sealed[:4] == b"TLB1"
    chunks = max(1, -(-size // BLOB_CHUNK))
    assert len(sealed) == HEAD + size + chunks * TAG
    assert plain_size(len(sealed)) == (size, chunks)
    if size > len(MARKER):
        assert MARKER not in sealed


def test_seek_reads_any_range(store: EncryptedBlobStore) -> None:
    data = payload(5 * BLOB_CHUNK + 123)
    sha, _ = store.put_stream(io.BytesIO(data))
    rnd = random.Random(7)
    with store.open(sha) as fh:
        assert fh.seekable()
        for _ in range(200):
            at = rnd.randrange(len(data) + 10)
            n = rnd.randrange(1, 3 * BLOB_CHUNK)
            fh.seek(at)
            assert fh.read(n) == data[at : at + n]
            assert fh.tell() == min(len(data), at + n) if at < len(data) else at
        fh.seek(-10, io.SEEK_END)
        assert fh.read() == data[-10:]
        fh.seek(BLOB_CHUNK - 3)
        assert fh.read(6) == data[BLOB_CHUNK - 3 : BLOB_CHUNK + 3]  # across a chunk boundary


def test_large_seekable_stream_is_read_twice_and_one_pass_stream_spooled_sealed(
    store: EncryptedBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crypto, "SMALL_BLOB", 100_000)
    data = payload(400_000, seed=3)
    sha_a, n_a = store.put_stream(io.BytesIO(data))
    other = payload(400_000, seed=4)
    spooled: list[bytearray] = []
    real_seal = crypto._seal

    class Recorder:
        def __init__(self, out: io.RawIOBase) -> None:
            self.out = out
            self.data = bytearray()
            spooled.append(self.data)

        def write(self, b: bytes) -> int:
            n = self.out.write(b) or 0
            self.data += bytes(b[:n])
            return n

    def watch(aead: object, name: str, source: object, out: io.RawIOBase) -> tuple[str, int]:
        if name != "0" * 64:  # the throw-away spool is sealed under a placeholder name
            return real_seal(aead, name, source, out)  # type: ignore[arg-type]
        return real_seal(aead, name, source, Recorder(out))  # type: ignore[arg-type]

    monkeypatch.setattr(crypto, "_seal", watch)
    sha_b, n_b = store.put_stream(OnePass(other))  # type: ignore[arg-type]
    assert (n_a, n_b) == (400_000, 400_000)
    assert store.read(sha_a) == data
    assert store.read(sha_b) == other
    assert len(spooled) == 1
    assert len(spooled[0]) > 400_000
    assert MARKER not in spooled[0]  # …sealed
    assert list((store.root / ".incoming").iterdir()) == []


def test_a_file_changing_between_the_two_readings_is_refused(
    store: EncryptedBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crypto, "SMALL_BLOB", 10_000)

    class Changing(io.BytesIO):
        def seek(self, pos: int, whence: int = 0) -> int:
            self.write(b"X")  # the file grows by a byte before it is read again
            return super().seek(pos, whence)

    with pytest.raises(StoreError, match="changed while it was being read"):
        store.put_stream(Changing(payload(50_000)))
    assert list(every_file(store.root)) == []


def test_duplicates_are_not_sealed_twice(store: EncryptedBlobStore) -> None:
    data = payload(70_000)
    sha, _ = store.put_stream(io.BytesIO(data))
    before = store.path(sha).read_bytes()
    assert store.put_stream(io.BytesIO(data))[0] == sha
    assert store.path(sha).read_bytes() == before  # same nonce: the first file kept


def test_deferred_sync_names_the_blob_for_later(store: EncryptedBlobStore) -> None:
    sha, _ = store.put_stream(io.BytesIO(b"later"), defer_sync=True)
    assert store._unsynced == [store.path(sha)]
    store.sync_pending()
    assert store._unsynced == []


def test_a_changed_byte_fails_authentication(store: EncryptedBlobStore) -> None:
    data = payload(3 * BLOB_CHUNK)
    sha, _ = store.put_stream(io.BytesIO(data))
    path = store.path(sha)
    sealed = bytearray(path.read_bytes())
    sealed[HEAD + BLOB_CHUNK + TAG + 100] ^= 1  # inside the second chunk
    path.chmod(0o644)
    path.write_bytes(bytes(sealed))
    with store.open(sha) as fh:
        assert fh.read(1000) == data[:1000]  # the first chunk is still good
        with pytest.raises(StoreError, match=f"original {sha} is damaged or not of this case"):
            fh.read()
    with pytest.raises(StoreError, match="damaged"):
        store.rehash(sha)


def test_truncation_fails_at_a_chunk_boundary_and_inside_a_chunk(
    store: EncryptedBlobStore,
) -> None:
    data = payload(3 * BLOB_CHUNK + 10)
    sha, _ = store.put_stream(io.BytesIO(data))
    path = store.path(sha)
    sealed = path.read_bytes()
    path.chmod(0o644)
    cuts = (
        HEAD + 3 * (BLOB_CHUNK + TAG),  # the last chunk gone: the one before is not "last"
        HEAD + 2 * (BLOB_CHUNK + TAG) + 500,  # inside a chunk
        HEAD + TAG,  # the size of an empty blob
        HEAD + 5,  # inside the first tag
    )
    for cut in cuts:
        path.write_bytes(sealed[:cut])
        with pytest.raises(StoreError, match="damaged"):
            store.read(sha)


def test_reordered_chunks_fail(store: EncryptedBlobStore) -> None:
    data = payload(3 * BLOB_CHUNK)
    sha, _ = store.put_stream(io.BytesIO(data))
    path = store.path(sha)
    sealed = path.read_bytes()
    size = BLOB_CHUNK + TAG
    first, second = sealed[HEAD : HEAD + size], sealed[HEAD + size : HEAD + 2 * size]
    path.chmod(0o644)
    path.write_bytes(sealed[:HEAD] + second + first + sealed[HEAD + 2 * size :])
    with pytest.raises(StoreError, match="damaged"):
        store.read(sha)


def test_a_file_swapped_for_another_blob_or_another_case_fails(
    store: EncryptedBlobStore, tmp_path: Path
) -> None:
    a, _ = store.put_stream(io.BytesIO(b"first original " * 10))
    b, _ = store.put_stream(io.BytesIO(b"second original " * 10))
    store.path(b).chmod(0o644)
    store.path(b).write_bytes(store.path(a).read_bytes())
    with pytest.raises(StoreError, match=f"original {b} is damaged"):
        store.read(b)
    other = EncryptedBlobStore(tmp_path / "other", new_keys().blobs)
    other.root.joinpath(a[:2]).mkdir(parents=True)
    other.path(a).write_bytes(store.path(a).read_bytes())
    with pytest.raises(StoreError, match=f"original {a} is damaged or not of this case"):
        other.read(a)


def test_a_missing_blob_is_missing_not_damaged(store: EncryptedBlobStore) -> None:
    assert store.rehash("ab" * 32) is None
    with pytest.raises(FileNotFoundError):
        store.open("ab" * 32)


# -- derived files --------------------------------------------------------------------------


def test_derived_files_are_sealed_bound_to_their_name(tmp_path: Path) -> None:
    key = new_keys().derived
    derived = EncryptedDerivedFiles(tmp_path / "derived", key)
    derived.write("thumbnails/a_256.jpg", MARKER * 3)
    assert derived.read("thumbnails/a_256.jpg") == MARKER * 3
    assert derived.local_path("thumbnails/a_256.jpg") is None
    raw = (tmp_path / "derived" / "thumbnails" / "a_256.jpg").read_bytes()
    assert raw.startswith(b"TLD1")
    assert MARKER not in raw
    # Moved under another name, tampered with, or read with another case's key: not trusted.
    (tmp_path / "derived" / "thumbnails" / "b_256.jpg").write_bytes(raw)
    assert derived.read("thumbnails/b_256.jpg") is None
    bad = bytearray(raw)
    bad[-1] ^= 1
    (tmp_path / "derived" / "thumbnails" / "a_256.jpg").write_bytes(bytes(bad))
    assert derived.read("thumbnails/a_256.jpg") is None
    derived.write("cache.bin", b"x")
    assert EncryptedDerivedFiles(tmp_path / "derived", new_keys().derived).read("cache.bin") is None
    assert derived.read("never-made.bin") is None
    assert sorted(os.listdir(tmp_path / "derived")) == ["cache.bin", "thumbnails"]


def test_key_file_is_json_with_base64_fields(tmp_path: Path) -> None:
    write_key_file(tmp_path, new_keys().wrap("correct horse battery"))
    doc = json.loads((tmp_path / KEYS_FILE).read_text(encoding="utf-8"))
    assert isinstance(doc["created_at_us"], int)
    assert doc["created_at_us"] > 0
