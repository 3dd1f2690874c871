"""Identifiers an importer states for an account reach the `identifiers` table with their item."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.case import Case
from app.importers.base import ImportContext, Probe, Sink
from app.importers.registry import Registry
from app.ingest.job import import_paths
from app.model import Confidence, EventDraft, IdentifierDraft, IdentifierKind, ItemDraft, ItemKind
from app.store.schema import Identifier, Item


class _LoginLines:
    """A toy return: `LOGINS` then `ip,port,utc-microseconds` lines."""

    NAME = "test-logins"
    VERSION = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        return 100 if probe.head.startswith(b"LOGINS") else 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        for n, line in enumerate(probe.head.decode().splitlines()[1:], start=2):
            ip, port, ts = line.split(",")
            sink.add_item(
                ItemDraft(
                    kind=ItemKind.RECORD,
                    locator=f"line {n}",
                    text=f"login from {ip}:{port}",
                    events=[EventDraft(int(ts), "login", ts, Confidence.EXACT)],
                    meta={"record": "login"},
                    identifiers=[
                        IdentifierDraft(
                            "x:42", IdentifierKind.IP, ip, f"{ip}:{port}", int(port), int(ts)
                        )
                    ],
                )
            )


def test_each_identifier_is_stored_against_the_item_that_states_it(tmp_path: Path) -> None:
    src = tmp_path / "logins.txt"
    src.write_text(
        "LOGINS\n203.0.113.7,40123,1700000000000000\n198.51.100.2,443,1700000060000000\n"
    )
    with Case.create(tmp_path / "c") as case:
        report = import_paths(case, [src], registry=Registry([_LoginLines]))
        assert [f.status for f in report.files] == ["imported"]
        with case.read() as s:
            rows = s.execute(
                select(
                    Identifier.account,
                    Identifier.kind,
                    Identifier.value,
                    Identifier.port,
                    Identifier.ts_utc_us,
                    Identifier.raw,
                    Item.locator,
                    Item.kind,
                )
                .join(Item, Item.id == Identifier.item_id)
                .order_by(Identifier.id)
            ).all()
    assert [tuple(r) for r in rows] == [
        (
            "x:42",
            "ip",
            "203.0.113.7",
            40123,
            1700000000000000,
            "203.0.113.7:40123",
            "line 2",
            "record",
        ),
        (
            "x:42",
            "ip",
            "198.51.100.2",
            443,
            1700000060000000,
            "198.51.100.2:443",
            "line 3",
            "record",
        ),
    ]
