"""Encrypted cases: the key file, sealed originals and sealed derived files.

A case is encrypted when `keys.json` sits in its folder. The file holds no secret: a random
32-byte data key wrapped (AES-GCM) under a key derived from the passphrase with scrypt, and
the scrypt parameters and salt. The data key never changes; a new passphrase re-wraps it, so
no original and no database page is encrypted again. Three subkeys come from the data key
through HKDF-SHA256: one for SQLCipher, one for the originals, one for derived files.

Originals ("TLB1") are sealed a chunk at a time so they can be read at any offset without
decrypting the whole file: a 16-byte header (magic, 8-byte random nonce prefix, chunk size)
then each chunk under AES-GCM with the nonce prefix and the chunk's index, bound to the
header, the blob's name (the SHA-256 of its plaintext) and whether it is the last chunk.
Truncating, reordering, editing or swapping files is then an authentication failure.
Derived files ("TLD1") are small and sealed whole, bound to their name.

Nothing decrypted is written to disk: a stream that cannot be read twice is spooled into
`.incoming` sealed under a throw-away key while its hash is computed, then sealed for good.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import logging
import os
import stat
import struct
import tempfile
import unicodedata
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from app import audit
from app.errors import StoreError, WeakPassphrase, WrongPassphrase
from app.store.blobs import CHUNK, BlobStore, _write_all, make_durable, write_failure
from app.store.derived import DerivedFiles

log = logging.getLogger(__name__)

KEYS_FILE = "keys.json"
KEYS_FORMAT = "threadline-keys/1"
SCRYPT_N = 1 << 17
"""scrypt cost for new key files (128 MiB, about half a second); the file records its own."""
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE = 8
"""The only rule a passphrase must meet: at least this many characters."""

_WRAP_AAD = b"threadline data key v1"
_KEY_BYTES = 32
_NONCE_BYTES = 12
_TAG = 16

BLOB_MAGIC = b"TLB1"
BLOB_CHUNK = 65536
_BLOB_HEAD = struct.Struct(">4s8sI")  # magic, nonce prefix, chunk size
_MAX_CHUNKS = 1 << 32
SMALL_BLOB = 8 << 20
"""A stream up to this size is hashed and sealed from memory: one read of the source."""
_PLACEHOLDER_NAME = "0" * 64

DERIVED_MAGIC = b"TLD1"


def is_encrypted(folder: Path) -> bool:
    """Whether the case in `folder` is encrypted (it has a key file)."""
    return (Path(folder) / KEYS_FILE).is_file()


def check_new_passphrase(passphrase: str) -> None:
    """Refuse a passphrase shorter than `MIN_PASSPHRASE` characters."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise WeakPassphrase(f"a passphrase needs at least {MIN_PASSPHRASE} characters")


def passphrase_strength(passphrase: str) -> tuple[int, str]:
    """A rough strength (0 too short, 1 weak, 2 fair, 3 strong) and a hint in plain words.

    Advice only: length counts most (several unrelated words beat symbols), and the only
    rule enforced is the minimum length.
    """
    if len(passphrase) < MIN_PASSPHRASE:
        left = MIN_PASSPHRASE - len(passphrase)
        return 0, f"Too short: {left} more character{'s' if left != 1 else ''} at least"
    classes = sum(
        any(test(c) for c in passphrase)
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    words = len(passphrase.split())
    distinct = len(set(passphrase))
    score = len(passphrase) + 2 * classes + 3 * max(0, words - 1)
    if distinct <= 3:
        score = min(score, 10)
    if score >= 28:
        return 3, "Strong"
    if score >= 18:
        return 2, "Fair: a longer phrase of unrelated words is stronger"
    return 1, "Weak: use a phrase of several unrelated words"


def _normalise(passphrase: str) -> bytes:
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _hkdf(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=None, info=info).derive(key)


class CaseKeys:
    """The keys of an open encrypted case, in memory only (never printed, never stored)."""

    __slots__ = ("_data", "blobs", "database", "derived")

    def __init__(self, data_key: bytes) -> None:
        if len(data_key) != _KEY_BYTES:
            raise ValueError("a data key is 32 bytes")
        self._data = data_key
        #: Raw SQLCipher key (32 bytes).
        self.database = _hkdf(data_key, b"sqlcipher")
        #: AES-256-GCM key of the originals.
        self.blobs = _hkdf(data_key, b"blobs")
        #: AES-256-GCM key of derived files.
        self.derived = _hkdf(data_key, b"derived")

    def __repr__(self) -> str:
        return "CaseKeys(<hidden>)"

    def database_pragma(self) -> str:
        """The SQLCipher statement that keys a connection with the raw database key."""
        return f"PRAGMA key = \"x'{self.database.hex()}'\""

    def wrap(self, passphrase: str) -> dict[str, Any]:
        """A new key-file document: the data key wrapped under this passphrase, fresh salt."""
        salt = os.urandom(16)
        kek = _kek(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        nonce = os.urandom(_NONCE_BYTES)
        wrapped = nonce + AESGCM(kek).encrypt(nonce, self._data, _WRAP_AAD)
        return {
            "format": KEYS_FORMAT,
            "kdf": {
                "name": "scrypt",
                "n": SCRYPT_N,
                "r": SCRYPT_R,
                "p": SCRYPT_P,
                "salt": _b64(salt),
            },
            "wrapped_key": _b64(wrapped),
            "created_at_us": audit.now_us(),
        }


def _kek(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=_KEY_BYTES, n=n, r=r, p=p).derive(_normalise(passphrase))


def new_keys() -> CaseKeys:
    """Keys of a new encrypted case: a random data key."""
    return CaseKeys(os.urandom(_KEY_BYTES))


def read_key_file(folder: Path) -> dict[str, Any]:
    """The key file's document, checked for shape (not for the passphrase)."""
    path = Path(folder) / KEYS_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise StoreError(f"the key file of the case cannot be read: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != KEYS_FORMAT:
        raise StoreError(f"{path} is not a key file this Threadline knows ({KEYS_FORMAT})")
    return doc


def unlock(folder: Path, passphrase: str, case_name: str = "") -> CaseKeys:
    """The case's keys when `passphrase` opens its key file; `WrongPassphrase` otherwise."""
    doc = read_key_file(folder)
    try:
        kdf = doc["kdf"]
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        salt = base64.b64decode(kdf["salt"], validate=True)
        wrapped = base64.b64decode(doc["wrapped_key"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise StoreError(f"the key file of the case is damaged: {exc}") from exc
    # Bounds keep a doctored file from asking for gigabytes of memory.
    if (
        kdf.get("name") != "scrypt"
        or n < 2
        or n & (n - 1)
        or n > 1 << 22
        or not 1 <= r <= 32
        or not 1 <= p <= 16
        or len(salt) < 16
        or len(wrapped) != _NONCE_BYTES + _KEY_BYTES + _TAG
    ):
        raise StoreError("the key file of the case is damaged: unexpected key parameters")
    kek = _kek(passphrase, salt, n, r, p)
    try:
        data_key = AESGCM(kek).decrypt(wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], _WRAP_AAD)
    except InvalidTag:
        name = case_name or Path(folder).name
        raise WrongPassphrase(f"the passphrase does not open case {name}") from None
    return CaseKeys(data_key)


def write_key_file(folder: Path, doc: dict[str, Any] | bytes) -> None:
    """Write the key file atomically and durably (temporary file, sync, rename, sync)."""
    folder = Path(folder)
    data = doc if isinstance(doc, bytes) else (json.dumps(doc, indent=2) + "\n").encode("utf-8")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".keys-", suffix=".tmp")
    except OSError as exc:
        raise write_failure(exc, "the key file of the case") from exc
    try:
        with os.fdopen(fd, "wb", buffering=0) as out:
            _write_all(out, data)
            os.fsync(out.fileno())
        os.replace(tmp, folder / KEYS_FILE)
        _sync_folder(folder)
    except OSError as exc:
        raise write_failure(exc, "the key file of the case") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _sync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- originals ----------------------------------------------------------------------------


def _damaged(sha256: str) -> StoreError:
    return StoreError(f"original {sha256} is damaged or not of this case")


def _aad(header: bytes, name: str, last: bool) -> bytes:
    return header + name.encode("ascii") + (b"\x01" if last else b"\x00")


class _Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


def _read_full(stream: _Readable, n: int) -> bytes:
    """Up to `n` bytes, fewer only at the end of the stream (some streams read short)."""
    parts: list[bytes] = []
    left = n
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def plain_size(file_size: int, chunk: int = BLOB_CHUNK) -> tuple[int, int]:
    """(plaintext size, chunk count) of a sealed blob of `file_size` bytes; ValueError when
    no sealed blob has that size."""
    body = file_size - _BLOB_HEAD.size
    if body < _TAG:
        raise ValueError("too short")
    full, rest = divmod(body, chunk + _TAG)
    if rest == 0:
        return full * chunk, full
    if rest < _TAG:
        raise ValueError("cut inside a chunk's tag")
    return full * chunk + rest - _TAG, full + 1


def _seal(aead: AESGCM, name: str, source: _Readable, out: BinaryIO) -> tuple[str, int]:
    """Seal `source` into `out` as a TLB1 blob named `name`; returns the plaintext's
    (sha256, size) as read, for the caller to check against the name."""
    header = _BLOB_HEAD.pack(BLOB_MAGIC, os.urandom(8), BLOB_CHUNK)
    prefix = header[4:12]
    _write_all(out, header)
    digest = hashlib.sha256()
    size = 0
    index = 0
    current = _read_full(source, BLOB_CHUNK)
    while True:
        following = _read_full(source, BLOB_CHUNK) if len(current) == BLOB_CHUNK else b""
        last = not following
        if index >= _MAX_CHUNKS:
            raise StoreError("an original too large for the case's format")
        nonce = prefix + index.to_bytes(4, "big")
        _write_all(out, aead.encrypt(nonce, current, _aad(header, name, last)))
        digest.update(current)
        size += len(current)
        if last:
            return digest.hexdigest(), size
        current = following
        index += 1


class SealedReader(io.RawIOBase):
    """A seekable plaintext view of a TLB1 blob, decrypting one chunk at a time."""

    def __init__(self, fh: BinaryIO, aead: AESGCM, name: str) -> None:
        super().__init__()
        self._fh = fh
        self._aead = aead
        self._name = name
        try:
            header = fh.read(_BLOB_HEAD.size)
            magic, _prefix, chunk = _BLOB_HEAD.unpack(header)
            if magic != BLOB_MAGIC or not 4096 <= chunk <= 1 << 24:
                raise ValueError("not a sealed original")
            self.size, self._chunks = plain_size(os.fstat(fh.fileno()).st_size, chunk)
        except (ValueError, struct.error) as exc:
            fh.close()
            raise _damaged(name) from exc
        self._header = header
        self._prefix = header[4:12]
        self._chunk = chunk
        self._pos = 0
        self._cached: tuple[int, bytes] = (-1, b"")
        if self.size == 0:  # nothing will be read: authenticate the one empty chunk now
            try:
                self._plain_chunk(0)
            except StoreError:
                fh.close()
                raise

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self.size + offset
        else:
            raise ValueError(f"invalid whence ({whence})")
        if pos < 0:
            raise ValueError(f"negative seek position {pos}")
        self._pos = pos
        return pos

    def _plain_chunk(self, index: int) -> bytes:
        if self._cached[0] == index:
            return self._cached[1]
        last = index == self._chunks - 1
        length = (self.size - index * self._chunk if last else self._chunk) + _TAG
        self._fh.seek(_BLOB_HEAD.size + index * (self._chunk + _TAG))
        sealed = _read_full(self._fh, length)
        if len(sealed) != length:
            raise _damaged(self._name)
        try:
            plain = self._aead.decrypt(
                self._prefix + index.to_bytes(4, "big"),
                sealed,
                _aad(self._header, self._name, last),
            )
        except InvalidTag:
            raise _damaged(self._name) from None
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self.size:
            index, offset = divmod(self._pos, self._chunk)
            plain = self._plain_chunk(index)
            n = min(len(view) - done, len(plain) - offset)
            view[done : done + n] = plain[offset : offset + n]
            done += n
            self._pos += n
        return done

    def readall(self) -> bytes:
        if self._pos >= self.size:
            return b""
        index, offset = divmod(self._pos, self._chunk)
        parts = [self._plain_chunk(index)[offset:]]
        parts += [self._plain_chunk(i) for i in range(index + 1, self._chunks)]
        self._pos = self.size
        return b"".join(parts)

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
            self._cached = (-1, b"")
        super().close()


class EncryptedBlobStore(BlobStore):
    """Originals sealed with AES-GCM a chunk at a time, still named by the plaintext's hash.

    `path` is where the ciphertext lives (copy it, never parse it); `local_path` is None.
    """

    encrypted = True

    def __init__(self, root: Path, key: bytes) -> None:
        super().__init__(root)
        self._aead = AESGCM(key)

    def local_path(self, sha256: str) -> Path | None:
        """None: no plaintext file of an original exists in an encrypted case."""
        return None

    def open(self, sha256: str) -> BinaryIO:
        """The plaintext of a stored blob as a seekable stream, decrypted as it is read."""
        fh = self.path(sha256).open("rb", buffering=0)
        raw = SealedReader(fh, self._aead, sha256)
        return io.BufferedReader(raw, buffer_size=BLOB_CHUNK)

    def read(self, sha256: str) -> bytes:
        """A stored blob's whole plaintext, in memory."""
        with self.open(sha256) as fh:
            return fh.read()

    def size(self, sha256: str) -> int:
        """The plaintext size, from the sealed file's size (nothing is decrypted)."""
        path = self.path(sha256)
        with path.open("rb") as fh:
            head = fh.read(_BLOB_HEAD.size)
        try:
            magic, _prefix, chunk = _BLOB_HEAD.unpack(head)
            if magic != BLOB_MAGIC or not 4096 <= chunk <= 1 << 24:
                raise ValueError("not a sealed original")
            return plain_size(path.stat().st_size, chunk)[0]
        except (ValueError, struct.error) as exc:
            raise _damaged(sha256) from exc

    def put_stream(self, stream: BinaryIO, *, defer_sync: bool = False) -> tuple[str, int]:
        """Seal a stream in; returns the plaintext's (sha256, size).

        The name (the hash) is part of what each chunk is bound to, so the hash comes
        first: a small stream is hashed in memory, a seekable one is read twice (and the
        second reading must hash the same), any other is spooled sealed under a throw-away
        key. Temporary file, sync, rename: the same rules as the plain store.
        """
        try:
            self._tmp.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_failure(exc, "an original into the case") from exc
        digest = hashlib.sha256()
        start = _position(stream)
        head = _read_full(stream, SMALL_BLOB + 1)
        digest.update(head)
        size = len(head)
        spool: Path | None = None
        check = False
        source: BinaryIO
        try:
            if size <= SMALL_BLOB:
                source = io.BytesIO(head)
            elif start is not None:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                stream.seek(start)
                source, check = stream, True
            else:
                spool, source, size = self._spool(head, stream, digest)
            del head
            sha = digest.hexdigest()
            if not self.path(sha).exists():
                self._store(sha, size, source, check, defer_sync)
            return sha, size
        finally:
            if spool is not None:
                spool.unlink(missing_ok=True)

    def _spool(self, head: bytes, stream: BinaryIO, digest: Any) -> tuple[Path, BinaryIO, int]:
        """Seal a one-pass stream under a throw-away key while hashing it; returns the
        spool file, a decrypting reader of it and the size."""
        aead = AESGCM(AESGCM.generate_key(bit_length=256))
        fd, name = tempfile.mkstemp(dir=self._tmp, prefix="spool-")
        spool = Path(name)
        try:
            tee = _HashingReader(head, stream, digest)
            with os.fdopen(fd, "wb", buffering=0) as out:
                try:
                    _seal(aead, _PLACEHOLDER_NAME, tee, out)
                except OSError as exc:
                    raise write_failure(exc, "an original into the case") from exc
            raw = SealedReader(spool.open("rb", buffering=0), aead, _PLACEHOLDER_NAME)
            reader = io.BufferedReader(raw, buffer_size=BLOB_CHUNK)
            return spool, reader, tee.size
        except BaseException:
            spool.unlink(missing_ok=True)
            raise

    def _store(self, sha: str, size: int, source: BinaryIO, check: bool, defer_sync: bool) -> None:
        try:
            fd, tmp_name = tempfile.mkstemp(dir=self._tmp)
        except OSError as exc:
            raise write_failure(exc, "an original into the case") from exc
        try:
            with os.fdopen(fd, "wb", buffering=0) as out:
                sealed_sha, sealed_size = _seal(self._aead, sha, source, out)
                if check and (sealed_sha, sealed_size) != (sha, size):
                    raise StoreError("the file changed while it was being read into the case")
                make_durable(out.fileno(), defer_sync)
            final = self.path(sha)
            if final.exists():
                os.unlink(tmp_name)
                return
            try:
                final.parent.mkdir(exist_ok=True)
                os.chmod(tmp_name, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
                os.replace(tmp_name, final)
            except OSError as exc:
                raise write_failure(exc, "an original into the case") from exc
            if defer_sync:
                self._unsynced.append(final)
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise


class _HashingReader:
    """Reads what was already read (`head`), then the rest of `stream`, hashing the rest."""

    def __init__(self, head: bytes, stream: BinaryIO, digest: Any) -> None:
        self._head = memoryview(head)
        self._stream = stream
        self._digest = digest
        self.size = len(head)

    def read(self, n: int = -1) -> bytes:
        if self._head:
            take = len(self._head) if n < 0 else min(n, len(self._head))
            out = bytes(self._head[:take])
            self._head = self._head[take:]
            return out
        chunk = self._stream.read(n if n > 0 else CHUNK)
        self._digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _position(stream: BinaryIO) -> int | None:
    """Where a seekable stream stands (to read it again from there); None if it cannot seek."""
    try:
        return stream.tell() if stream.seekable() else None
    except (OSError, AttributeError, ValueError):
        return None


# -- derived files --------------------------------------------------------------------------


class EncryptedDerivedFiles(DerivedFiles):
    """Derived files sealed whole (AES-GCM, bound to their name); `local_path` is None.

    A file that does not authenticate reads as None: it is a cache, made again on demand.
    """

    encrypted = True

    def __init__(self, root: Path, key: bytes) -> None:
        super().__init__(root)
        self._aead = AESGCM(key)

    def local_path(self, name: str) -> Path | None:
        """None: derived files of an encrypted case are never plaintext on disk."""
        return None

    def _seal(self, name: str, data: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return DERIVED_MAGIC + nonce + self._aead.encrypt(nonce, data, name.encode("utf-8"))

    def _unseal(self, name: str, stored: bytes) -> bytes | None:
        head = len(DERIVED_MAGIC) + _NONCE_BYTES
        if len(stored) < head + _TAG or not stored.startswith(DERIVED_MAGIC):
            log.info("derived file %s is not sealed: ignored", name)
            return None
        try:
            return self._aead.decrypt(
                stored[len(DERIVED_MAGIC) : head], stored[head:], name.encode("utf-8")
            )
        except InvalidTag:
            log.info("derived file %s does not authenticate: ignored", name)
            return None
