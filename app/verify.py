"""`verify`: re-hash every original and walk the audit chain, and record that it was done."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from app import audit
from app.case import Case
from app.errors import CaseLocked, StoreError
from app.jobs import CancelToken, ProgressCallback, ThrottledProgress
from app.store.schema import Item, Source

log = logging.getLogger(__name__)


@dataclass(slots=True)
class VerifyReport:
    """What verification found: problems in the order met, counts, and the chain's head."""

    originals: int = 0
    problems: list[str] = field(default_factory=list)
    chain: audit.ChainReport | None = None
    #: How the verification was recorded in the audit chain ("" until `record_verification`).
    recorded: str = ""

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return not self.problems


def verify_case(
    case: Case, progress: ProgressCallback | None = None, cancel: CancelToken | None = None
) -> VerifyReport:
    """Check every original against its recorded SHA-256, then the audit chain."""
    report = VerifyReport()
    tick = ThrottledProgress(progress)
    with case.read() as s:
        names: dict[str, str] = {}
        for sha, name in s.execute(select(Source.sha256, Source.name).order_by(Source.id)):
            names.setdefault(sha, name)
        for (sha,) in s.execute(select(Item.blob_sha256).where(Item.blob_sha256 != "").distinct()):
            names.setdefault(sha, f"embedded content {sha[:12]}")
        for n, (sha, name) in enumerate(names.items()):
            if cancel is not None:
                cancel.check()
            tick(n, len(names), f"Checking {name}")
            try:
                actual = case.blobs.rehash(sha)
            except StoreError:  # a sealed original that fails authentication
                report.problems.append(
                    f"original of {name} is damaged or not of this case: it does not "
                    f"authenticate ({sha})"
                )
                continue
            if actual is None:
                report.problems.append(f"original of {name} is missing ({sha})")
            elif actual != sha:
                report.problems.append(
                    f"original of {name} was modified: recorded {sha}, now {actual}"
                )
        report.originals = len(names)
        report.chain = audit.verify_chain(s)
        if not report.chain.ok:
            report.problems.append(f"audit log broken: {report.chain.reason}")
    tick(report.originals, report.originals, "Verification finished", force=True)
    return report


#: Audit action of a verification.
VERIFY_ACTION = "case.verify"
RECORDED = "recorded in the audit log"
NOT_RECORDED_ELSEWHERE = "not recorded: case open elsewhere"


def verification_payload(report: VerifyReport) -> dict[str, object]:
    """The audit payload of a verification: its result and the chain head it checked."""
    chain = report.chain
    return {
        "result": "intact" if report.ok else "problems",
        "originals": report.originals,
        "problems": report.problems[:20],
        "problem_count": len(report.problems),
        "chain_entries": chain.entries if chain is not None else 0,
        "chain_head": chain.head if chain is not None else "",
    }


def record_verification(case: Case, report: VerifyReport) -> str:
    """Append a `case.verify` entry for `report`; returns (and stores) what happened.

    A case open for writing records it at once. A read-only case takes the write lock
    briefly to record it, and when another process holds the case, it is not recorded.
    """
    payload = verification_payload(report)
    if case.readonly:
        try:
            writer = case.reopen()
        except CaseLocked:
            report.recorded = NOT_RECORDED_ELSEWHERE
            return report.recorded
        with writer, writer.write() as s:
            writer.audit(s, VERIFY_ACTION, payload)
    else:
        with case.write() as s:
            case.audit(s, VERIFY_ACTION, payload)
    log.info("verification of %s recorded (head %s)", case.name, payload["chain_head"])
    report.recorded = RECORDED
    return report.recorded
