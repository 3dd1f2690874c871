"""PyInstaller runtime hook: make python-magic use the libmagic and magic.mgc in the bundle."""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from pathlib import Path


def _use_bundled_libmagic() -> None:
    folder = Path(getattr(sys, "_MEIPASS", "")) / "libmagic"
    if not folder.is_dir():
        return
    mgc = folder / "magic.mgc"
    if mgc.is_file():
        os.environ["MAGIC"] = str(mgc)  # libmagic's default database, read by magic_load(NULL)
    if sys.platform == "win32":
        os.environ["PATH"] = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
        os.add_dll_directory(str(folder))
    # Load it now by full path: python-magic's later load by name finds this one.
    for lib in sorted(folder.iterdir()):
        if lib.name.startswith(("libmagic", "magic1", "libgnurx")) or lib.suffix == ".dll":
            with contextlib.suppress(OSError):
                ctypes.CDLL(str(lib))


_use_bundled_libmagic()
