"""A toy platform return for the attribution tests, read by a test importer, and the case the
tests share: a suspect's Instagram account and two fake accounts sharing an IP address and
port within minutes in two returns (a Meta-like one and a Snapchat-like one)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

from app.case import Case
from app.importers.base import ImportContext, Probe, Sink
from app.importers.registry import Registry
from app.ingest.job import import_paths
from app.model import Confidence, EventDraft, IdentifierDraft, IdentifierKind, ItemDraft, ItemKind
from app.tagging.ops import AddCharge
from app.timeline.clock import aware_to_us

MAGIC = '{"toy-return"'


class ToyReturn:
    """`{"toy-return": NAME, "records": [{"record", "text", "time", "ids": [[account, kind,
    value, raw, port, time]]}]}`: one RECORD item per record, its identifiers on it."""

    NAME: ClassVar[str] = "toy-return"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        return 100 if probe.head.startswith(MAGIC.encode()) else 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        with probe.open() as f:
            data = json.load(f)
        for n, rec in enumerate(data["records"], start=1):
            events = []
            if rec.get("time"):
                events.append(
                    EventDraft(_us(rec["time"]), rec["record"], rec["time"], Confidence.EXACT)
                )
            sink.add_item(
                ItemDraft(
                    kind=ItemKind.RECORD,
                    locator=f"record {n}",
                    text=rec["text"],
                    events=events,
                    meta={"record": rec["record"]},
                    identifiers=[
                        IdentifierDraft(
                            account,
                            IdentifierKind(kind),
                            value,
                            raw,
                            port,
                            _us(when) if when else None,
                        )
                        for account, kind, value, raw, port, when in rec["ids"]
                    ],
                )
            )


def _us(iso: str) -> int:
    return aware_to_us(datetime.fromisoformat(iso).astimezone(UTC))


REGISTRY = Registry([ToyReturn])

SUSPECT = "instagram:1001"  # the suspect's own account, in his own name
FAKE_INSTAGRAM = "instagram:2002"  # jess.r_92, in the same Meta return
FAKE_SNAPCHAT = "snapchat:jess_r_92x"  # in the Snapchat return
OTHER = "instagram:3003"  # the same address and port two hours later: not linked
ODD_PORT = "snapchat:night_owl"  # the same address as OTHER's at once, another port

IP = "203.0.113.7"
PORT = 40123


def login(account: str, ip: str, port: int | None, when: str) -> dict[str, Any]:
    """A login record of one account."""
    raw = f"{ip}:{port}" if port is not None else ip
    return {
        "record": "login",
        "text": f"login {account} from {raw}",
        "time": when,
        "ids": [[account, "ip", ip, raw, port, when]],
    }


def subscriber(account: str, **fields: str) -> dict[str, Any]:
    """A subscriber record: name, username, email, phone as given."""
    return {
        "record": "subscriber",
        "text": f"subscriber {account}: " + ", ".join(fields.values()),
        "time": "",
        "ids": [[account, kind, value, value, None, None] for kind, value in fields.items()],
    }


META = [
    subscriber(SUSPECT, name="Daniel Hughes", username="dan.hughes84"),
    subscriber(FAKE_INSTAGRAM, name="Jess R", username="jess.r_92"),
    login(SUSPECT, IP, PORT, "2024-03-09T21:03:10+00:00"),
    login(FAKE_INSTAGRAM, IP, PORT, "2024-03-09T21:06:40+00:00"),
    login(OTHER, IP, PORT, "2024-03-09T23:10:00+00:00"),
    login(OTHER, "198.51.100.20", 1111, "2024-03-10T08:00:00+00:00"),
]
SNAPCHAT = [
    subscriber(FAKE_SNAPCHAT, username="jess_r_92x", email="jess.r.92@example.net"),
    login(FAKE_SNAPCHAT, IP, PORT, "2024-03-09T21:05:00+00:00"),
    login(ODD_PORT, "198.51.100.20", 2222, "2024-03-10T08:01:00+00:00"),
]


def write_return(folder: Path, name: str, records: list[dict[str, Any]]) -> Path:
    """Write a toy return file."""
    path = folder / name
    path.write_text(json.dumps({"toy-return": name, "records": records}))
    return path


@dataclass(frozen=True, slots=True)
class Built:
    """The test case and its harassment charge."""

    case: Case
    charge_id: int


def build(folder: Path, *, charge: bool = True) -> Built:
    """A case holding the two toy returns (and a harassment charge over March 2024)."""
    files = folder / "files"
    files.mkdir(parents=True, exist_ok=True)
    paths = [
        write_return(files, "meta-return.json", META),
        write_return(files, "snapchat-return.json", SNAPCHAT),
    ]
    case = Case.create(folder / "case", zone_name="Europe/London")
    report = import_paths(case, paths, registry=REGISTRY)
    assert [f.status for f in report.files] == ["imported", "imported"], report.files
    charge_id = 0
    if charge:
        op = AddCharge("PHA1997-s2", date(2024, 3, 1), date(2024, 3, 31))
        op.apply(case)
        charge_id = op.charge_id
    return Built(case, charge_id)
