"""The demo case's police material: the suspect's phone extraction (a small UFDR) and the
platforms' returns for his own Instagram account and two fake accounts, written by the
generators of `app.demo_returns` and read by the real importers.

The story they tell: on 9 March 2024 at 23:03 UTC the suspect's own Instagram account
(`dan.hughes84`, in his name) logged in from 203.0.113.45 port 50112; 1 min 50 s later the
Snapchat account `jess_r92x` sent Sarah a message from that same address and port, and 3 min
30 s after him the fake Instagram account `jess.r_92` logged in from it too. The fakes share
an e-mail address and a registration address; his phone holds his Instagram and the Snapchat
account. The links are proposed, not accepted: the identity element of the threat charge
stays a gap until a user accepts them.
"""

from __future__ import annotations

import io
import logging
import tempfile
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from app.case import Case
from app.errors import EvidenceError

log = logging.getLogger(__name__)

# Named as the files arrive (lower case, so they sort after the victim's own files and the
# items of those keep their ids in the demo case).
UFDR_NAME = "ufed_extraction_DH-phone_2024-03-21.ufdr"
META_FAKE_NAME = "instagram_17841400000000092_records.html"
META_OWN_NAME = "instagram_17841400000000456_records.html"
SNAP_SUBSCRIBER_NAME = "snapchat_jess_r92x_subscriber_info.csv"
SNAP_CHAT_NAME = "snapchat_jess_r92x_conversations.csv"
DEMO_RETURN_FILES = (UFDR_NAME, META_FAKE_NAME, META_OWN_NAME, SNAP_SUBSCRIBER_NAME, SNAP_CHAT_NAME)

SHARED_IP = "203.0.113.45"
SHARED_PORT = 50112
OWN_ACCOUNT = "instagram:17841400000000456"
FAKE_INSTAGRAM = "instagram:17841400000000092"
FAKE_SNAPCHAT = "snapchat:jess_r92x"
FAKE_EMAIL = "jess.r.92@example.net"
FAKE_REGISTRATION_IP = "198.51.100.77"
SUSPECT_NAME = "Daniel Hughes"

DEMO_RETURN_MTIMES: dict[str, datetime] = {
    UFDR_NAME: datetime(2024, 3, 21, 15, 2, 40),
    META_FAKE_NAME: datetime(2024, 3, 27, 10, 14, 0),
    META_OWN_NAME: datetime(2024, 3, 27, 10, 16, 30),
    SNAP_SUBSCRIBER_NAME: datetime(2024, 3, 26, 17, 40, 0),
    SNAP_CHAT_NAME: datetime(2024, 3, 26, 17, 40, 0),
}
"""When each file was last modified (UTC; before the clocks changed on 31 March)."""


def _utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def ufdr_bytes() -> bytes:
    """The suspect's phone: WhatsApp chats with Sarah and Priya, his Instagram account and
    the Snapchat account `jess_r92x` signed in on it."""
    from app.demo_returns import UfdrAccount, UfdrParty, write_ufdr

    with tempfile.TemporaryDirectory(prefix="threadline-demo-") as tmp:
        path = Path(tmp) / "phone.ufdr"
        write_ufdr(
            path,
            messages=12,
            chats=2,
            attachments=0,
            owner=UfdrParty(SUSPECT_NAME, "+447700900456"),
            # Sarah under the number she had before she changed it (07700 900111).
            contacts=(UfdrParty("Sarah", "+447700900111"), UfdrParty("Priya", "+447700900789")),
            accounts=(
                UfdrAccount(
                    "Instagram",
                    "dan.hughes84",
                    SUSPECT_NAME,
                    "17841400000000456",
                    "dan.hughes84@example.com",
                    "+447700900456",
                ),
                UfdrAccount("Snapchat", "jess_r92x", "Jess", created=_utc(2024, 3, 8, 22, 50, 0)),
            ),
        )
        return _fixed_times(path)


_ZIP_TIME = (2024, 3, 21, 15, 2, 40)


def _fixed_times(path: Path) -> bytes:
    """The zip again with every member dated `_ZIP_TIME` (zipfile dates members "now"), so
    two runs write the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, _ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


def _meta(**kwargs: object) -> bytes:
    from app.demo_returns import write_meta_return

    with tempfile.TemporaryDirectory(prefix="threadline-demo-") as tmp:
        written = write_meta_return(Path(tmp), **kwargs)  # type: ignore[arg-type]
        return written.records.read_bytes()


def meta_fake_bytes() -> bytes:
    """Meta's return for the fake Instagram account `jess.r_92` (the 2026 layout)."""
    from app.demo_returns import MetaLogin, MetaMessage

    return _meta(
        service="Instagram",
        account_id="17841400000000092",
        username="jess.r_92",
        name="Jess R",
        emails=[FAKE_EMAIL],
        registered=_utc(2024, 3, 8, 22, 41, 5),
        registration_ip=FAKE_REGISTRATION_IP,
        logins=[
            MetaLogin(SHARED_IP, SHARED_PORT, _utc(2024, 3, 9, 23, 6, 40)),
            MetaLogin(FAKE_REGISTRATION_IP, 61002, _utc(2024, 3, 10, 8, 20, 0)),
        ],
        messages=[
            MetaMessage(
                "Jess R",
                "17841400000000092",
                _utc(2024, 3, 9, 23, 9, 12),
                "Saw you moved. Nice new place",
            ),
            MetaMessage(
                "Jess R",
                "17841400000000092",
                _utc(2024, 3, 9, 23, 11, 48),
                "Don't bother blocking me. I have other accounts",
            ),
        ],
        other=("Sarah Mitchell", "17841400000000123"),
        dialect="2026",
    )


def meta_own_bytes() -> bytes:
    """Meta's return for the suspect's own Instagram account (the inline-styled layout)."""
    from app.demo_returns import MetaLogin

    return _meta(
        service="Instagram",
        account_id="17841400000000456",
        username="dan.hughes84",
        name=SUSPECT_NAME,
        emails=["dan.hughes84@example.com"],
        phones=["+447700900456"],
        registration_ip="192.0.2.84",
        logins=[
            MetaLogin("192.0.2.84", 40222, _utc(2024, 3, 9, 19, 15, 0)),
            MetaLogin(SHARED_IP, SHARED_PORT, _utc(2024, 3, 9, 23, 3, 10)),
        ],
        dialect="inline",
    )


def _legend(*lines: str) -> str:
    text = "\n".join(
        ("Target username: jess_r92x", "Invented return written by Threadline's demo.", *lines)
    )
    return f'"{text}"\n' + "=" * 51 + "\n"


def snap_subscriber_bytes() -> bytes:
    """Snapchat's subscriber details of `jess_r92x`: the fake Instagram's e-mail address."""
    return (
        _legend("created: account creation time (UTC)")
        + "username,user_id,email_address,email_status,created,creation_ip,display_name,status\n"
        + f"jess_r92x,00000000-0000-4000-8000-00000000092a,{FAKE_EMAIL},verified,"
        + f"2024-03-08 22:50:00 UTC,{FAKE_REGISTRATION_IP},Jess,active\n"
    ).encode()


def snap_conversations_bytes() -> bytes:
    """Snapchat's messages of `jess_r92x` to Sarah, each with its upload address and port."""
    columns = (
        "content_type,message_type,conversation_id,message_id,sender_username,sender_user_id,"
        "recipient_username,recipient_user_id,text,is_one_on_one,timestamp,upload_ip,"
        "source_port_number"
    )
    rows = [
        (
            "msg-0001",
            "You can block me on Instagram. I'll just find you here",
            "2024-03-09 23:05:00 UTC",
            SHARED_IP,
            SHARED_PORT,
        ),
        (
            "msg-0002",
            "Say hi to your friends at Harbour Lane for me",
            "2024-03-11 07:58:21 UTC",
            FAKE_REGISTRATION_IP,
            61544,
        ),
    ]
    lines = [
        f"CHAT,TEXT,conv-0001,{mid},jess_r92x,uid-92x,sarah.m.nb,uid-sm,{text},true,{when},"
        f"{ip},{port}"
        for mid, text, when, ip, port in rows
    ]
    return (_legend() + columns + "\n" + "\n".join(lines) + "\n").encode()


def demo_return_makers() -> dict[str, Callable[[], bytes]]:
    """Each demo return's file name and the function writing its bytes."""
    return {
        UFDR_NAME: ufdr_bytes,
        META_FAKE_NAME: meta_fake_bytes,
        META_OWN_NAME: meta_own_bytes,
        SNAP_SUBSCRIBER_NAME: snap_subscriber_bytes,
        SNAP_CHAT_NAME: snap_conversations_bytes,
    }


def add_demo_attribution(case: Case) -> None:
    """Attribute the suspect's own Instagram account to him (without tagging: nothing about
    the fakes is decided), then let the links be proposed and stored (each audited)."""
    from app.attribution.ops import AttributeAccount
    from app.attribution.propose import propose

    try:
        AttributeAccount(
            OWN_ACCOUNT,
            person_name=SUSPECT_NAME,
            note="his own account: his name, e-mail address and phone number",
            tag=False,
        ).apply(case)
    except EvidenceError:
        # Without the returns (an importer refused them) the demo opens without attribution.
        log.warning("demo attribution: the suspect's account was not found", exc_info=True)
        return
    links = propose(case)
    log.info("demo attribution: %d links proposed", len(links))
