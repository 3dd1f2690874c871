"""Readable names of the importers, by `Importer.NAME`: one table for the window and the packs.

A name says where material came from (a platform, a kind of file or return), never a file
name, so it can go on screen, in a pack's schedule and in a timeline report alike.
"""

from __future__ import annotations

IMPORTER_NAMES = {
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "messenger": "Messenger / Instagram",
    "discord": "Discord",
    "email": "Email",
    "imessage": "iMessage",
    "sms_xml": "SMS backup",
    "pdf": "PDF file",
    "image": "Image file",
    "text": "Text file",
    "file": "File",
    "zip": "Zip archive",
    "tar": "Tar archive",
    "ufdr": "Cellebrite UFDR",
    "xry": "MSAB XRY",
    "meta-records": "Meta business record",
    "snapchat-return": "Snapchat return",
    "google-return": "Google return",
    "x-return": "X return",
}
"""Readable name by importer name; every built-in importer has one (tests check)."""


def importer_name(name: str, fallback: str = "") -> str:
    """`WhatsApp` for `whatsapp`; an unknown name made readable; `fallback` for no name."""
    if not name:
        return fallback
    return IMPORTER_NAMES.get(name) or name.replace("_", " ").replace("-", " ").capitalize()
