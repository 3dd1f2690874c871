"""`verify`: re-hash every original and walk the audit chain."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app import audit
from app.case import Case
from app.jobs import CancelToken, ProgressCallback, ThrottledProgress
from app.store.schema import Item, Source


@dataclass(slots=True)
class VerifyReport:
    """What verification found: problems in the order met, counts, and the chain's head."""

    originals: int = 0
    problems: list[str] = field(default_factory=list)
    chain: audit.ChainReport | None = None

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
            actual = case.blobs.rehash(sha)
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
