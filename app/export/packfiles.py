"""Where the files of a pack are written and read back: a folder, or memory sealed as a zip.

Every writer of a pack (bundle, natives, schedule, timeline report, manifest, certificate)
writes through a `PackPath` — or a plain `Path` when called on its own — with `put`, and
the verification reads back through `PackFiles`. A folder pack is a `FolderFiles`; an
encrypted pack is built in a `MemoryFiles` and sealed with `seal_zip` into an AES-256 zip
(WinZip AE-2, which 7-Zip, WinZip and macOS's Archive Utility open), so no plaintext file
of it is ever on disk. `ZipFiles` opens such a zip again with its password, for checking.

A zip encrypts its files' contents, not their names: a pack's file names are exhibit
aliases and fixed names (`bundle.pdf`, `natives/AB_1.txt`), checked like the contents.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any

import pyzipper

from app.errors import ExportError

ZIP_SUFFIX = ".zip"
MIN_PASSWORD = 8
"""The shortest zip password accepted (the pack holds the material of a criminal case)."""


def _clean(rel: str) -> str:
    """A relative POSIX path inside a pack; refuses absolute paths and '..'."""
    parts = PurePosixPath(rel.replace("\\", "/")).parts
    if not parts or parts[0] == "/" or ".." in parts:
        raise ValueError(f"not a path inside a pack: {rel!r}")
    return "/".join(p for p in parts if p != ".")


class PackFiles(ABC):
    """The files of one pack by relative POSIX path (`natives/AB_1.txt`)."""

    @abstractmethod
    def names(self) -> list[str]:
        """Every file, sorted."""

    @abstractmethod
    def read(self, rel: str) -> bytes:
        """A file's bytes; `KeyError` when there is no such file."""

    @abstractmethod
    def write(self, rel: str, data: bytes) -> None:
        """Write a file whole (replacing one of the same name)."""

    def exists(self, rel: str) -> bool:
        """Whether the file is there."""
        return _clean(rel) in self.names()

    def size(self, rel: str) -> int:
        """A file's size in bytes."""
        return len(self.read(rel))

    def sha256(self, rel: str) -> str:
        """A file's SHA-256."""
        return hashlib.sha256(self.read(rel)).hexdigest()

    @property
    def root(self) -> PackPath:
        """The pack's top folder, to join names to: `files.root / "bundle.pdf"`."""
        return PackPath(self, "")


@dataclass(frozen=True, slots=True)
class PackPath:
    """A file or folder inside a pack, used where the writers take a `Path`."""

    files: PackFiles
    rel: str

    def __truediv__(self, name: str) -> PackPath:
        return PackPath(self.files, _clean(f"{self.rel}/{name}" if self.rel else name))

    def __str__(self) -> str:
        # Not a usable relative path: a library handed one by mistake fails to write to it
        # rather than putting a plaintext file in the working folder.
        return f"pack:/{self.rel}"

    @property
    def name(self) -> str:
        """The last part of the path."""
        return PurePosixPath(self.rel).name

    @property
    def suffix(self) -> str:
        """The extension, with its dot."""
        return PurePosixPath(self.rel).suffix

    def mkdir(self, parents: bool = False, exist_ok: bool = False) -> None:
        """Nothing to do: a pack's folders exist through their files."""

    def is_file(self) -> bool:
        """Whether a file of this path is in the pack."""
        return bool(self.rel) and self.files.exists(self.rel)

    def read_bytes(self) -> bytes:
        """The file's bytes."""
        return self.files.read(self.rel)

    def read_text(self, encoding: str = "utf-8") -> str:
        """The file decoded."""
        return self.read_bytes().decode(encoding)

    def write_bytes(self, data: bytes) -> None:
        """Write the file whole."""
        self.files.write(self.rel, data)


Target = Path | PackPath
"""Where a pack writer puts a file or a folder of files."""


def target(where: str | Path | PackPath) -> Target:
    """A writer's destination as given: a pack path stays one, anything else is a Path."""
    return where if isinstance(where, PackPath) else Path(where)


def put(where: Target, data: bytes) -> None:
    """Write a file whole: into its pack, or to disk atomically (a temporary file renamed
    into place, so a crash never leaves half a file under the real name)."""
    if isinstance(where, PackPath):
        where.write_bytes(data)
        return
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where.parent, prefix=f".{where.name}.", suffix=".tmp")
    except OSError as exc:
        raise _named(exc, where) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, where)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _named(exc, where) from exc
        raise


def _named(exc: OSError, where: Path) -> OSError:
    """The error naming the file that could not be written (a full disk says which)."""
    return OSError(exc.errno, exc.strerror or str(exc), str(where))


class FolderFiles(PackFiles):
    """A pack as a folder on disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def names(self) -> list[str]:
        """Every file under the folder, sorted (temporary files of a writer left out)."""
        return sorted(
            p.relative_to(self.folder).as_posix()
            for p in self.folder.rglob("*")
            if p.is_file() and not (p.name.startswith(".") and p.name.endswith(".tmp"))
        )

    def exists(self, rel: str) -> bool:
        """Whether the file is there."""
        return (self.folder / _clean(rel)).is_file()

    def read(self, rel: str) -> bytes:
        """A file's bytes."""
        try:
            return (self.folder / _clean(rel)).read_bytes()
        except FileNotFoundError as exc:
            raise KeyError(rel) from exc

    def write(self, rel: str, data: bytes) -> None:
        """Write a file atomically."""
        put(self.folder / _clean(rel), data)

    def size(self, rel: str) -> int:
        """A file's size from the folder, without reading it."""
        return (self.folder / _clean(rel)).stat().st_size

    def sha256(self, rel: str) -> str:
        """A file's SHA-256, read in blocks."""
        h = hashlib.sha256()
        with (self.folder / _clean(rel)).open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()


class MemoryFiles(PackFiles):
    """A pack held in memory until it is sealed (`seal_zip`): nothing of it on disk."""

    def __init__(self) -> None:
        self._files: dict[str, bytes] = {}

    def names(self) -> list[str]:
        """Every file, sorted."""
        return sorted(self._files)

    def exists(self, rel: str) -> bool:
        """Whether the file is there."""
        return _clean(rel) in self._files

    def read(self, rel: str) -> bytes:
        """A file's bytes."""
        return self._files[_clean(rel)]

    def write(self, rel: str, data: bytes) -> None:
        """Keep a file (a copy of `data`)."""
        self._files[_clean(rel)] = bytes(data)

    @property
    def nbytes(self) -> int:
        """How many bytes the pack holds."""
        return sum(len(v) for v in self._files.values())


def check_password(password: str) -> bytes:
    """The password as the zip takes it; `ExportError` when it is too short to protect."""
    if len(password) < MIN_PASSWORD:
        raise ExportError(
            f"the zip password must be at least {MIN_PASSWORD} characters long "
            "(a passphrase of a few words is best)"
        )
    return password.encode("utf-8")


def seal_zip(files: PackFiles, dest: Path, password: str) -> Path:
    """Write the pack as an AES-256 zip at `dest` (through a temporary file beside it, made
    durable, then renamed): only ciphertext of the files' contents reaches the disk."""
    secret = check_password(password)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w+b") as fh:
            with pyzipper.AESZipFile(
                fh, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
            ) as zf:
                zf.setpassword(secret)
                zf.setencryption(pyzipper.WZ_AES, nbits=256)
                for rel in files.names():
                    zf.writestr(_entry(zf, rel), files.read(rel))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def _entry(zf: Any, rel: str) -> Any:
    """The zip entry of a pack file: no clock time given away (the manifest says when)."""
    info = zf.zipinfo_cls(filename=rel, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def is_zip_pack(path: Path) -> bool:
    """Whether `path` is a zip file (a pack sealed with `seal_zip`) rather than a folder."""
    return path.is_file() and zipfile.is_zipfile(path)


class ZipFiles(PackFiles):
    """A sealed pack opened again with its password (read-only; close it, or use `with`).

    `ExportError` when the file is not a zip, or the password does not open it.
    """

    def __init__(self, path: Path, password: str) -> None:
        self.path = Path(path)
        try:
            self._zip: Any = pyzipper.AESZipFile(self.path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise ExportError(f"{self.path.name} is not a readable zip: {exc}") from exc
        self._zip.setpassword(password.encode("utf-8"))
        self._infos = {i.filename: i for i in self._zip.infolist() if not i.is_dir()}
        first = min(self._infos.values(), key=lambda i: i.file_size, default=None)
        if first is not None:
            self.read(first.filename)  # a wrong password fails here, not halfway through

    def __enter__(self) -> ZipFiles:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the zip file."""
        self._zip.close()

    def names(self) -> list[str]:
        """Every file, sorted."""
        return sorted(self._infos)

    def exists(self, rel: str) -> bool:
        """Whether the file is there."""
        return rel in self._infos

    def read(self, rel: str) -> bytes:
        """A file's bytes, decrypted and checked (its authentication code)."""
        if rel not in self._infos:
            raise KeyError(rel)
        try:
            data: bytes = self._zip.read(rel)
        except RuntimeError as exc:  # pyzipper: "Bad password for file …"
            if "password" in str(exc).lower():
                raise ExportError(f"the password does not open {self.path.name}") from exc
            raise ExportError(f"{self.path.name}: {rel} cannot be read: {exc}") from exc
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise ExportError(f"{self.path.name}: {rel} cannot be read: {exc}") from exc
        return data

    def write(self, rel: str, data: bytes) -> None:
        """A sealed pack is never changed."""
        raise ExportError(f"{self.path.name} is sealed: it cannot be written to")

    def size(self, rel: str) -> int:
        """A file's size as the zip lists it."""
        return int(self._infos[rel].file_size)


def zip_names(path: Path) -> list[str]:
    """The file names a zip lists (readable without its password); [] when unreadable."""
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return []
