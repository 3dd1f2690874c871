"""The importer registry: built explicitly from a tuple, choosing by content score."""

from __future__ import annotations

from collections.abc import Iterable

from app.errors import WrongFormat
from app.importers.archive import ArchiveImporter, TarImporter
from app.importers.base import Importer, Probe
from app.importers.discord import DiscordImporter
from app.importers.email import EmailImporter
from app.importers.google_return import GoogleReturnImporter
from app.importers.image import ImageImporter
from app.importers.imessage import IMessageImporter
from app.importers.messenger import MessengerImporter
from app.importers.meta_records import MetaRecordsImporter
from app.importers.opaque import OpaqueFileImporter
from app.importers.pdf import PdfImporter
from app.importers.plaintext import PlainTextImporter
from app.importers.sms_xml import SmsBackupXmlImporter
from app.importers.snapchat import SnapchatImporter
from app.importers.telegram import TelegramImporter
from app.importers.ufdr import UfdrImporter
from app.importers.whatsapp import WhatsAppImporter
from app.importers.x_return import XReturnImporter
from app.importers.xry import XryTextImporter

BUILTIN_IMPORTERS: tuple[type[Importer], ...] = (
    PlainTextImporter,
    OpaqueFileImporter,
    TelegramImporter,
    MessengerImporter,
    DiscordImporter,
    EmailImporter,
    SmsBackupXmlImporter,
    IMessageImporter,
    WhatsAppImporter,
    UfdrImporter,
    XryTextImporter,
    PdfImporter,
    ImageImporter,
    ArchiveImporter,
    TarImporter,
    GoogleReturnImporter,
    XReturnImporter,
    MetaRecordsImporter,
    SnapchatImporter,
)


class Registry:
    """Importers by name; `choose` returns the one with the highest positive score."""

    def __init__(self, importers: Iterable[type[Importer]] = ()) -> None:
        self._by_name: dict[str, type[Importer]] = {}
        for imp in importers:
            self.register(imp)

    def register(self, importer: type[Importer]) -> None:
        """Add an importer; a second one with the same name is a programming error."""
        if importer.NAME in self._by_name:
            raise KeyError(f"importer {importer.NAME!r} is registered twice")
        self._by_name[importer.NAME] = importer

    def names(self) -> list[str]:
        """Registered importer names."""
        return list(self._by_name)

    def get(self, name: str) -> type[Importer]:
        """The importer called `name`."""
        return self._by_name[name]

    def choose(self, probe: Probe) -> type[Importer]:
        """The best-scoring importer for the probe; ties go to the one registered first."""
        best: type[Importer] | None = None
        best_score = 0
        for imp in self._by_name.values():
            score = imp.score(probe)
            if score > best_score:
                best, best_score = imp, score
        if best is None:
            raise WrongFormat(f"{probe.name}: no importer recognises this file ({probe.mime})")
        return best


def default_registry() -> Registry:
    """The registry of every built-in importer."""
    return Registry(BUILTIN_IMPORTERS)
