"""Redacted native files of a pack, named by exhibit alias, never by original file name.

- a conversation: `AB_1.txt`, the transcript as plain UTF-8 text (sender, time in the
  plan's zone, redacted text, attachments by alias);
- an email: `AB_2.txt`, a redacted plain-text rendering (From/To/Cc/Date/Subject and the
  body). Chosen over a redacted `.eml`: an .eml carries many more headers (Received hosts,
  Message-ID, originating IP), an HTML alternative of the body and attachment file names,
  each of which would need redacting; the text holds only what was reviewed;
- a picture: `AB_3.png` rebuilt from its pixels by `redact_image` (no EXIF, GPS or XMP);
- a PDF: `AB_4.pdf` burnt in and sanitised by `redact_pdf`;
- a text document: `AB_5.txt`.
An entry of several pictures or PDFs numbers them: `AB_3-001.png`. A withheld item gets no
native file (the bundle says it is withheld); nor does a file of a kind that cannot be
redacted safely.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from app.case import Case
from app.export.packfiles import PackPath, Target, put, target
from app.export.render_items import (
    ItemData,
    email_lines,
    item_redactions,
    load_items,
    local,
    redacted_picture,
    redacted_text,
    scrubber,
    zone_label,
)
from app.jobs import CancelToken, Progress, ProgressCallback
from app.redaction.apply import Mark, redact_pdf

if TYPE_CHECKING:
    from app.export.plan import PackPlan

log = logging.getLogger(__name__)


def write_natives(
    case: Case,
    plan: PackPlan,
    folder: str | Path | PackPath,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> list[Target]:
    """Write the redacted native files of every entry into `folder` (on disk, or a folder of
    a pack); returns their paths."""
    out_dir = target(folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    cancel = cancel or CancelToken()
    zone_name = plan.zone or case.zone
    ids = [i for e in plan.entries for i in e.item_ids]
    items = load_items(case, ids)
    entry_of = {i: e for e in plan.entries for i in e.item_ids}
    reds = {i: item_redactions(rows) for i, rows in plan.redactions.items()}
    scrub = scrubber(case, plan.redactions, plan.forbidden)
    written: list[Target] = []
    for n, entry in enumerate(plan.entries):
        cancel.check()
        if progress is not None:
            progress(Progress(n, len(plan.entries), f"Native files: {entry.alias}"))
        its = [items[i] for i in entry.item_ids if i in items]
        files = [it for it in its if it.kind in ("image", "document")]
        texts = [it for it in its if it.kind not in ("image", "document", "file")]
        if texts:
            lines = [f"Exhibit {entry.exhibit_ref}", f"Times in {zone_label(zone_name)}", ""]
            for k, it in enumerate(texts):
                if k and k % 500 == 0:
                    cancel.check()
                red = reds.get(it.id)
                lines.extend(_text_lines(it, red, zone_name, scrub, entry_of, items))
            path = out_dir / f"{entry.alias}.txt"
            put(path, ("\n".join(lines) + "\n").encode("utf-8"))
            written.append(path)
        for k, it in enumerate(files, start=1):
            red = reds.get(it.id)
            if red is not None and red.whole:
                continue
            sha = case.item_blob_sha(it.id)
            if sha is None:
                log.info("native of item %s: no original in the case", it.id)
                continue
            src = case.blobs.read(sha)  # through the store: never a plaintext copy on disk
            suffix = f"-{k:03d}" if len(files) > 1 else ""
            if it.kind == "image":
                path = out_dir / f"{entry.alias}{suffix}.png"
                put(path, redacted_picture(src, red))
            elif it.mime == "application/pdf" or src[:5] == b"%PDF-":
                marks = red.marks() if red is not None else []
                whole = sorted(red.whole_pages) if red is not None else []
                if red is not None:
                    marks += [Mark(p, (0.0, 0.0, 1.0, 1.0), c) for p, c in red.whole_pages.items()]
                path = out_dir / f"{entry.alias}{suffix}.pdf"
                put(path, redact_pdf(src, marks, whole))
            else:
                log.info("native of item %s: %s cannot be redacted, left out", it.id, it.mime)
                continue
            written.append(path)
    if progress is not None:
        progress(Progress(len(plan.entries), len(plan.entries), f"{len(written)} native files"))
    return written


def _text_lines(
    it: ItemData,
    red: object,
    zone_name: str,
    scrub: object,
    entry_of: Mapping[int, object],
    items: dict[int, ItemData],
) -> list[str]:
    from app.export.render_items import ItemRedactions, Scrubber

    assert red is None or isinstance(red, ItemRedactions)
    assert isinstance(scrub, Scrubber)
    when = local(it.ts_us, zone_name, "%Y-%m-%d %H:%M:%S %Z")
    if it.kind == "email":
        return [*email_lines(it, red), ""]
    text = redacted_text(it, red)
    if it.kind in ("message", "system", "call"):
        who = scrub(it.author) or ("notice" if it.kind == "system" else "(unknown sender)")
        lines = [f"[{when}] {who}: {text}"]
        for child in it.children:
            other = entry_of.get(child)
            kind = items[child].kind if child in items else "file"
            alias = getattr(other, "alias", "")
            lines.append(
                f"    attachment: {alias} ({kind})"
                if alias
                else f"    attachment ({kind}) not in this pack"
            )
        return lines
    return [f"[{when}]" if when else "", text, ""]
