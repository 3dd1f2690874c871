"""Per-user window state (geometry, docks, recent cases): the only module touching QSettings."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from app.paths import user_data_dir

ORGANISATION = "Threadline"
APPLICATION = "Threadline"
MAX_RECENT = 8


@dataclass(frozen=True, slots=True)
class UiSettings:
    """What the window remembers between sessions, with defaults for a first start."""

    geometry: bytes = b""
    window_state: bytes = b""
    recent_cases: tuple[str, ...] = ()
    last_import_dir: str = ""
    last_case_dir: str = ""
    officer_initials: str = ""  # for exhibit references (AB/1)

    def with_recent(self, path: str) -> UiSettings:
        """These settings with `path` first in the recent cases."""
        rest = tuple(p for p in self.recent_cases if p != path)
        return replace(self, recent_cases=(path, *rest)[:MAX_RECENT])

    def existing_recent(self) -> tuple[str, ...]:
        """The recent cases still on disk."""
        return tuple(p for p in self.recent_cases if Path(p).is_dir())


def _bytes(value: object) -> bytes:
    if isinstance(value, QByteArray):
        return bytes(value.data())
    if isinstance(value, bytes):
        return value
    return b""


def _strings(value: object) -> tuple[str, ...]:
    # An INI list of one element reads back as a plain string.
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if v)
    return ()


class SettingsStore:
    """Loads and saves `UiSettings` in an INI file in the user's scope.

    With `THREADLINE_HOME` set (tests, portable use) the file lives in that folder instead,
    so nothing leaks into the real profile. A store made with `persistent=False` (screenshot
    runs) starts from the defaults and never writes, so renders are reproducible.
    """

    def __init__(self, path: Path | None = None, *, persistent: bool = True) -> None:
        self.persistent = persistent
        if path is None and os.environ.get("THREADLINE_HOME"):
            path = user_data_dir() / "Threadline.ini"
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._qs = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self._qs = QSettings(
                QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
            )

    @property
    def file_name(self) -> str:
        """The INI file behind these settings."""
        return self._qs.fileName()

    def load(self) -> UiSettings:
        """The saved settings, or defaults for anything missing or unreadable."""
        if not self.persistent:
            return UiSettings()
        q = self._qs
        return UiSettings(
            geometry=_bytes(q.value("window/geometry")),
            window_state=_bytes(q.value("window/state")),
            recent_cases=_strings(q.value("cases/recent")),
            last_import_dir=str(q.value("paths/last_import_dir", "") or ""),
            last_case_dir=str(q.value("paths/last_case_dir", "") or ""),
            officer_initials=str(q.value("export/officer_initials", "") or ""),
        )

    def save(self, s: UiSettings) -> None:
        """Write the settings to disk now."""
        if not self.persistent:
            return
        q = self._qs
        q.setValue("window/geometry", QByteArray(s.geometry))
        q.setValue("window/state", QByteArray(s.window_state))
        q.setValue("cases/recent", list(s.recent_cases))
        q.setValue("paths/last_import_dir", s.last_import_dir)
        q.setValue("paths/last_case_dir", s.last_case_dir)
        q.setValue("export/officer_initials", s.officer_initials)
        q.sync()
