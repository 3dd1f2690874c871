"""PDF documents: one item per file with every page's text and word boxes, read with PyMuPDF.

Nothing is ever rendered here (a page can be a render bomb); pages without a text layer are
listed for the OCR job. What the reviewer should know about the file itself goes in `meta` and
in warnings: repairs MuPDF made, incremental updates (earlier revisions), hidden layers,
JavaScript, encryption. Embedded files are handed to the sink as child sources.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import PurePath
from typing import Any, ClassVar

import pymupdf

from app import limits
from app.errors import CorruptRecord, NeedsDecision, WrongFormat
from app.importers.base import ImportContext, Probe, Sink
from app.importers.common import file_time_events, participant
from app.model import EventDraft, ItemDraft, ItemKind, PageDraft
from app.timeline.clock import exact_event, local_event

log = logging.getLogger(__name__)
# PyMuPDF is only partly annotated (and its low-level `mupdf` bindings not at all): reach it
# untyped here rather than scatter ignores over every call.
pm: Any = pymupdf

SIGNATURE = b"%PDF-"
SIGNATURE_WINDOW = 1024
MAX_PAGES = limits.PDF_MAX_PAGES
MAX_WORDS_PER_PAGE = 200_000
MAX_TEXT_CHARS = 256 * 1024 * 1024
MAX_ANNOTATIONS = 10_000
MAX_ATTACHMENTS = 1_000
MAX_ATTACHMENT_BYTES = 512 * 1024 * 1024
MAX_OBJECTS_SCANNED = limits.PDF_MAX_OBJECTS_SCANNED
MAX_MUPDF_MESSAGES = 10
DOCUMENT_KEY = "document"

_HEADER = re.compile(rb"%PDF-[12]\.\d")
# The body of a PDF without its header still shows objects near the start.
_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\s*<<")
_JAVASCRIPT = re.compile(r"/(?:JS|JavaScript)(?![A-Za-z0-9#_.-])")
_JAVASCRIPT_BYTES = re.compile(rb"/(?:JS|JavaScript)(?=[\s/<>\[\]()%])")
_PDF_DATE = re.compile(
    r"^\s*(?:D\s*:)?\s*(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?"
    r"\s*(?:([Zz+\-])\s*(?:(\d{2})\s*'?\s*(?:(\d{2})\s*'?)?)?)?\s*$"
)
_XMP_DATES = {
    "xmp_created": "CreateDate",
    "xmp_modified": "ModifyDate",
    "xmp_metadata": "MetadataDate",
}
_WHITESPACE = frozenset(" \t\r\n\f\v\u00a0")


class PdfImporter:
    """PDF files of any version, encrypted or damaged ones included."""

    NAME: ClassVar[str] = "pdf"
    VERSION: ClassVar[str] = "1"

    @classmethod
    def score(cls, probe: Probe) -> int:
        """80 for a PDF header; less when it comes late; a little above text for a `.pdf` name."""
        head = probe.head[:SIGNATURE_WINDOW]
        if head.startswith(SIGNATURE):
            return 80
        late = _HEADER.search(head)
        if late is not None:
            # Junk before the header is tolerated (readers do), but not inside a container:
            # a zip whose first member is a stored PDF shows the header too.
            plain = probe.mime.startswith("text/") or probe.mime in (
                "application/pdf",
                "application/octet-stream",
            )
            return 70 if plain else 0
        if _OBJECT.search(head):
            return 40 if probe.suffix == ".pdf" else 0
        # Named .pdf without a PDF inside (empty, truncated, renamed): claim it only to say so
        # clearly, ahead of the plain-text (10) and opaque (1) readers.
        return 11 if probe.suffix == ".pdf" else 0

    def parse(self, probe: Probe, sink: Sink, ctx: ImportContext) -> None:
        """One document item: pages, text, word boxes, metadata, dates; attachments as children."""
        if probe.size == 0:
            raise WrongFormat(f"{probe.name}: the file is empty (0 bytes): there is no PDF to read")
        pm.TOOLS.mupdf_display_errors(False)
        pm.TOOLS.mupdf_display_warnings(False)
        pm.TOOLS.reset_mupdf_warnings()
        raw = _scan_raw(probe)
        doc = _open(probe, raw)
        try:
            _Reader(probe, sink, ctx, doc, raw).run()
        finally:
            doc.close()
            pm.TOOLS.reset_mupdf_warnings()


@dataclass(slots=True)
class _RawFacts:
    """What the bytes themselves say, before MuPDF interprets them."""

    header_offset: int = -1
    eof_markers: int = 0
    startxref: int = 0
    linearized: bool = False
    javascript_token: bool = False


def _scan_raw(probe: Probe) -> _RawFacts:
    """Count end-of-file markers and cross-reference pointers (one per saved revision)."""
    facts = _RawFacts()
    head = probe.head[:SIGNATURE_WINDOW]
    facts.header_offset = head.find(SIGNATURE)
    facts.linearized = b"/Linearized" in head
    chunk_size = 8 * 1024 * 1024
    overlap = 16
    tail = b""
    with probe.open() as fh:
        while True:
            block = fh.read(chunk_size)
            if not block:
                break
            data = tail + block
            # Markers are short, so a match can only straddle the boundary by its own length;
            # counting in `data` minus what was already counted in `tail` avoids doubles.
            facts.eof_markers += data.count(b"%%EOF") - tail.count(b"%%EOF")
            facts.startxref += data.count(b"startxref") - tail.count(b"startxref")
            if not facts.javascript_token and _JAVASCRIPT_BYTES.search(data):
                facts.javascript_token = True
            tail = data[-overlap:]
    return facts


def _open(probe: Probe, raw: _RawFacts) -> Any:
    """Open the file as a PDF, or say plainly why it cannot be read."""
    try:
        if probe.path is not None:
            doc = pm.open(str(probe.path), filetype="pdf")
        else:
            doc = pm.open(stream=probe.read(), filetype="pdf")
    except Exception as exc:  # MuPDF raises several types for unreadable input
        detail = _mupdf_summary() or str(exc)
        if raw.header_offset < 0:
            raise WrongFormat(
                f"{probe.name}: not a PDF (no %PDF- header) and nothing PDF-like in it "
                f"could be read ({detail})"
            ) from exc
        raise CorruptRecord(f"{probe.name}: the PDF is too damaged to read: {detail}") from exc
    if not doc.is_pdf:
        doc.close()
        raise WrongFormat(f"{probe.name}: not a PDF")
    return doc


def _mupdf_summary() -> str:
    """MuPDF's messages so far, on one line, for an error message."""
    lines = [ln for ln in pm.TOOLS.mupdf_warnings(reset=False).splitlines() if ln.strip()]
    return "; ".join(dict.fromkeys(lines[:5]))


@dataclass(slots=True)
class _Attachment:
    """An embedded file found in the name tree or in a file-attachment annotation.

    Its bytes are read only when it is handed over, one at a time, so that a PDF carrying
    many large files never holds them all in memory.
    """

    name: str
    stream: Any
    info: dict[str, Any]


@dataclass(slots=True)
class _Reader:
    """One parse of one PDF: fills the draft step by step, warning as it goes."""

    probe: Probe
    sink: Sink
    ctx: ImportContext
    doc: Any
    raw: _RawFacts
    meta: dict[str, Any] = field(default_factory=dict)
    pages: list[PageDraft] = field(default_factory=list)
    attachments: list[_Attachment] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    attachment_names: set[str] = field(default_factory=set)
    annotations_skipped: int = 0

    def run(self) -> None:
        """Read everything, add the document item, then hand over its attachments."""
        self._unlock()
        self._document_facts()
        self._read_pages()
        self._read_hidden_layers()
        self._read_embedded_files()
        self.meta["embedded_files"] = [a.info for a in self.attachments]
        self._scan_objects()
        events = self._events()
        self._report_repairs()
        info = self.meta["metadata"]
        author = info.get("author", "").strip("\x00 \t\r\n")
        self.sink.add_item(
            ItemDraft(
                kind=ItemKind.DOCUMENT,
                locator="",
                text="\f".join(p.text for p in self.pages),
                author=participant(author) if author else None,
                events=events,
                meta=self.meta,
                key=DOCUMENT_KEY,
                mime="application/pdf",
                pages=self.pages,
            )
        )
        for att in self.attachments:
            data = self._extract(att)
            if data is not None:
                self.sink.add_child(att.name, io.BytesIO(data), context_key=DOCUMENT_KEY)

    # -- opening ----------------------------------------------------------------------

    def _unlock(self) -> None:
        """Open an encrypted PDF with the empty user password or the one the user gave."""
        doc, name = self.doc, self.probe.name
        encryption = (doc.metadata or {}).get("encryption")
        self.meta["needs_password"] = bool(doc.needs_pass)
        if not doc.needs_pass:
            if encryption:
                self.sink.decide("password", "empty user password")
            self.meta["is_encrypted"] = bool(encryption)
            return
        self.meta["is_encrypted"] = True
        password = self.ctx.options.password
        if not password:
            raise NeedsDecision(
                f"{name}: the PDF is encrypted: pass its password (--password)",
                option="password",
                choices=(),
            )
        result = 0
        # The password is tried as typed first; AES-256 files expect it SASLprep-normalised,
        # which NFKC approximates, and some writers stored the composed form.
        for attempt in dict.fromkeys(
            (
                password,
                unicodedata.normalize("NFKC", password),
                unicodedata.normalize("NFC", password),
            )
        ):
            result = doc.authenticate(attempt)
            if result:
                break
        if not result:
            raise NeedsDecision(
                f"{name}: the PDF is encrypted and the password given does not open it: "
                "pass its password (--password)",
                option="password",
                choices=(),
            )
        self.sink.decide(
            "password", "user password given" if result & 2 else "owner password given"
        )

    def _document_facts(self) -> None:
        """Metadata, permissions, revisions, layers, XMP: the file's own account of itself."""
        doc, meta, raw = self.doc, self.meta, self.raw
        info = {k: v for k, v in (doc.metadata or {}).items() if k != "trapped"}
        meta["page_count"] = doc.page_count
        meta["metadata"] = {k: (v if v is not None else "") for k, v in info.items()}
        meta["permissions"] = _permissions(_declared_permissions(doc))
        if raw.header_offset > 0:
            self.sink.warn(f"{raw.header_offset} bytes of other data before the %PDF- header")
        elif raw.header_offset < 0:
            self.sink.warn("no %PDF- header: read as a damaged PDF")
        revisions = doc.version_count or 1
        if doc.is_repaired or raw.header_offset < 0:
            # A rebuilt cross-reference table forgets the revision history; the markers in
            # the bytes still show how many times the file was saved.
            revisions = max(1, raw.eof_markers - (1 if raw.linearized else 0))
        meta["revisions"] = revisions
        meta["eof_markers"] = raw.eof_markers
        meta["startxref_count"] = raw.startxref
        meta["linearized"] = raw.linearized
        if revisions > 1:
            self.sink.warn(
                f"the PDF was saved {revisions} times (incremental updates): "
                "an earlier revision can hide edited content"
            )
        xmp = ""
        try:
            xmp = doc.get_xml_metadata() or ""
        except Exception as exc:  # noqa: BLE001 - MuPDF raises many types on bad input
            self.sink.warn(f"XMP metadata not read: {exc}")
        meta["xmp"] = bool(xmp.strip())
        meta["xmp_dates"] = _xmp_dates(xmp)
        self._layers()

    def _layers(self) -> None:
        """Optional-content groups: layers a viewer can hide, with their default state."""
        try:
            ocgs = self.doc.get_ocgs() or {}
        except Exception as exc:  # noqa: BLE001 - MuPDF raises many types on bad input
            self.sink.warn(f"optional-content layers not read: {exc}")
            ocgs = {}
        layers = [
            {"xref": xref, "name": str(v.get("name", "")), "on": bool(v.get("on", True))}
            for xref, v in sorted(ocgs.items())
        ]
        self.meta["layers"] = layers
        hidden = [layer["name"] for layer in layers if not layer["on"]]
        if hidden:
            self.sink.warn(
                f"{len(hidden)} optional-content layer(s) hidden by default "
                f"({', '.join(repr(h) for h in hidden[:10])}): a viewer does not show them"
            )

    # -- pages ------------------------------------------------------------------------

    def _read_pages(self) -> None:
        """Text and word boxes of every page from one text page each; annotations alongside."""
        doc, sink, cancel = self.doc, self.sink, self.ctx.cancel
        count = doc.page_count
        if count == 0:
            sink.warn("no page could be read from the PDF")
        if count > MAX_PAGES:
            sink.warn(
                f"{self.probe.name}: the PDF has {count:,} pages, over the limit of "
                f"{MAX_PAGES:,} pages: only the first {MAX_PAGES:,} were read"
            )
            count = MAX_PAGES
        flags = pm.TEXTFLAGS_TEXT
        without_text: list[int] = []
        unreadable: list[int] = []
        failed: list[int] = []
        rotated: dict[str, int] = {}
        total_chars = 0
        for index in range(count):
            cancel.check()
            number = index + 1
            try:
                page = doc.load_page(index)
                width, height, rotation = _page_size(page)
            except Exception as exc:  # noqa: BLE001 - MuPDF raises many types on bad input
                sink.warn(f"page {number}: not read: {exc}")
                failed.append(number)
                self.pages.append(PageDraft(number, 0.0, 0.0, ""))
                continue
            if rotation:
                rotated[str(number)] = rotation
            try:
                textpage = page.get_textpage(flags=flags)
                text = textpage.extractText()
                raw_words = textpage.extractWORDS()
            except Exception as exc:  # noqa: BLE001 - MuPDF raises many types on bad input
                sink.warn(f"page {number}: text not read: {exc}")
                failed.append(number)
                self.pages.append(PageDraft(number, width, height, ""))
                continue
            if len(raw_words) > MAX_WORDS_PER_PAGE:
                sink.warn(
                    f"page {number}: {len(raw_words)} words: only the first "
                    f"{MAX_WORDS_PER_PAGE} keep their boxes"
                )
                raw_words = raw_words[:MAX_WORDS_PER_PAGE]
            words = _rounded_words(raw_words)
            if not words and (not text or _blank(text)):
                without_text.append(number)
            elif text.count("\ufffd") * 2 > len(text) - _count_blank(text):
                # Glyphs without a Unicode mapping: the text layer exists but says nothing.
                unreadable.append(number)
            self.pages.append(PageDraft(number, width, height, text, words))
            total_chars += len(text)
            self._read_annotations(page, number)
            if total_chars > MAX_TEXT_CHARS:
                sink.warn(
                    f"more than {MAX_TEXT_CHARS} characters of text by page {number}: "
                    "the remaining pages were not read"
                )
                break
        meta = self.meta
        # Pages whose text could not be extracted are OCR candidates too: rendering them may
        # still work where the text layer did not.
        meta["pages_without_text"] = sorted(without_text + unreadable + failed)
        if unreadable:
            sink.warn(
                f"{len(unreadable)} page(s) with text that has no Unicode mapping "
                f"(pages {_ranges(unreadable)}): listed for OCR"
            )
        if failed:
            meta["pages_failed"] = failed
        if rotated:
            meta["page_rotation"] = rotated
        if self.annotations_skipped:
            sink.warn(
                f"{self.annotations_skipped} annotations beyond the first {MAX_ANNOTATIONS} "
                "were not read"
            )
        meta["annotations"] = self.annotations
        meta["annotations_text"] = "\n".join(
            f"page {a['page']}, {a['type']}"
            + (f", {a['author']}" if a["author"] else "")
            + f": {a['content']}"
            for a in self.annotations
            if a["content"]
        )

    def _read_annotations(self, page: Any, number: int) -> None:
        """Annotations of one page (comments, highlights, stamps); attached files as children."""
        try:
            # first_annot/next also reaches annotations written inline in /Annots, which
            # page.annots() skips because they have no object number.
            annot = page.first_annot
            while annot is not None:
                current, annot = annot, annot.next
                if len(self.annotations) >= MAX_ANNOTATIONS:
                    self.annotations_skipped += 1
                    continue
                info = current.info or {}
                kind = current.type[1] if current.type else ""
                rect = current.rect
                entry: dict[str, Any] = {
                    "page": number,
                    "type": kind,
                    "content": info.get("content", ""),
                    "author": info.get("title", ""),
                    "subject": info.get("subject", ""),
                    "created": info.get("creationDate", ""),
                    "modified": info.get("modDate", ""),
                    "rect": [round(rect.x0, 2), round(rect.y0, 2), round(rect.x1, 2),
                             round(rect.y1, 2)],
                }  # fmt: skip
                self.annotations.append(entry)
                if current.type and current.type[0] == pm.PDF_ANNOT_FILE_ATTACHMENT:
                    self._annotation_file(current, number, entry)
        except Exception as exc:  # noqa: BLE001 - MuPDF raises many types on bad input
            self.sink.warn(f"page {number}: annotations not fully read: {exc}")

    def _annotation_file(self, annot: Any, number: int, entry: dict[str, Any]) -> None:
        """The file carried by a file-attachment annotation."""
        mupdf = pm.mupdf
        try:
            filespec = mupdf.pdf_dict_get(mupdf.pdf_annot_obj(annot.this), pm.PDF_NAME("FS"))
        except Exception as exc:  # noqa: BLE001 - MuPDF raises many types on bad input
            self.sink.warn(f"page {number}: attached file not read: {exc}")
            return
        att = self._filespec(filespec, f"page{number}-attachment", f"page {number}")
        if att is not None:
            entry["file"] = att.name
            self._keep(att)

    def _read_hidden_layers(self) -> None:
        """Text that only shows with the hidden layers switched on, page by page."""
        layers = self.meta.get("layers", [])
        hidden = [layer["xref"] for layer in layers if not layer["on"]]
        if not hidden:
            return
        doc = self.doc
        extra: dict[str, str] = {}
        try:
            # The viewer's layer switches change MuPDF's live state; editing the default
            # configuration (set_layer) is not re-read, so it only covers what has no switch.
            doc.set_layer(-1, on=[layer["xref"] for layer in layers], off=[])
            for config in doc.layer_ui_configs():
                if not config.get("on") and config.get("type") != "label":
                    doc.set_layer_ui_config(config["number"], pm.PDF_OC_ON)
            for page_draft in self.pages:
                self.ctx.cancel.check()
                if not page_draft.width and not page_draft.height:
                    continue
                page = doc.load_page(page_draft.number - 1)
                full = page.get_text("text", flags=pm.TEXTFLAGS_TEXT)
                if full != page_draft.text:
                    extra[str(page_draft.number)] = full
        except Exception as exc:  # noqa: BLE001 - MuPDF raises many types on bad input
            self.sink.warn(f"text of the hidden layers not read: {exc}")
        if extra:
            self.meta["hidden_layer_text"] = extra
            self.sink.warn(
                f"page(s) {', '.join(extra)}: text in hidden layers, kept apart in meta "
                "hidden_layer_text (the page text is what a viewer shows)"
            )

    # -- embedded files -----------------------------------------------------------------

    def _read_embedded_files(self) -> None:
        """The document's EmbeddedFiles name tree (with its /Kids, which PyMuPDF skips)."""
        mupdf = pm.mupdf
        try:
            pdf = pm._as_pdf_document(self.doc)
            tree = mupdf.pdf_load_name_tree(pdf, pm.PDF_NAME("EmbeddedFiles"))
            count = mupdf.pdf_dict_len(tree)
        except Exception as exc:  # noqa: BLE001 - MuPDF raises many types on bad input
            self.sink.warn(f"embedded files not read: {exc}")
            return
        for i in range(count):
            if len(self.attachments) >= MAX_ATTACHMENTS:
                self.sink.warn(f"more than {MAX_ATTACHMENTS} embedded files: the rest skipped")
                break
            try:
                key = mupdf.pdf_to_name(mupdf.pdf_dict_get_key(tree, i))
                filespec = mupdf.pdf_dict_get_val(tree, i)
            except Exception as exc:  # noqa: BLE001 - MuPDF raises many types on bad input
                self.sink.warn(f"embedded file {i + 1}: not read: {exc}")
                continue
            att = self._filespec(filespec, key or f"attachment-{i + 1}", "embedded")
            if att is not None:
                self._keep(att)

    def _filespec(self, filespec: Any, fallback: str, where: str) -> _Attachment | None:
        """Name, dates and stream of one file specification; None (with a warning) if unusable."""
        mupdf = pm.mupdf

        def text(obj: Any, key: str) -> str:
            return str(mupdf.pdf_to_text_string(mupdf.pdf_dict_get(obj, pm.PDF_NAME(key))))

        try:
            if not mupdf.pdf_is_dict(filespec):
                self.sink.warn(f"{where}: an attached file without a file specification: skipped")
                return None
            original = text(filespec, "UF") or text(filespec, "F") or fallback
            ef = mupdf.pdf_dict_get(filespec, pm.PDF_NAME("EF"))
            stream = mupdf.pdf_dict_get(ef, pm.PDF_NAME("F"))
            if not mupdf.pdf_is_stream(stream):
                stream = mupdf.pdf_dict_get(ef, pm.PDF_NAME("UF"))
            info: dict[str, Any] = {
                "name": original,
                "where": where,
                "description": text(filespec, "Desc"),
            }
            if not mupdf.pdf_is_stream(stream):
                self.sink.warn(f"{where}: {original!r} is referred to but not embedded")
                return None
            params = mupdf.pdf_dict_get(stream, pm.PDF_NAME("Params"))
            info["created"] = text(params, "CreationDate")
            info["modified"] = text(params, "ModDate")
            info["mime"] = str(
                mupdf.pdf_to_name(mupdf.pdf_dict_get(stream, pm.PDF_NAME("Subtype")))
            )
            length = mupdf.pdf_dict_get(params, pm.PDF_NAME("Size"))
            if mupdf.pdf_is_int(length):
                info["declared_size"] = int(mupdf.pdf_to_int64(length))
        except Exception as exc:  # noqa: BLE001 - MuPDF raises many types on bad input
            self.sink.warn(f"{where}: attached file {fallback!r} not read: {exc}")
            return None
        return _Attachment(self._child_name(original, fallback), stream, info)

    def _extract(self, att: _Attachment) -> bytes | None:
        """The attached file's bytes, decoded, up to MAX_ATTACHMENT_BYTES; None if unreadable."""
        mupdf = pm.mupdf
        where = att.info["where"]
        try:
            # A null filter stops decoding one byte past the limit: a compression bomb costs
            # at most that much memory, and is recognised by its length.
            reader = mupdf.fz_open_null_filter(
                mupdf.pdf_open_stream(att.stream), MAX_ATTACHMENT_BYTES + 1, 0
            )
            buffer, truncated = mupdf.fz_read_best(reader, 0, 0)
            data = bytes(buffer.fz_buffer_extract())
        except Exception as exc:  # noqa: BLE001 - MuPDF raises many types on bad input
            self.sink.warn(f"{where}: attached file {att.info['name']!r} not extracted: {exc}")
            return None
        if len(data) > MAX_ATTACHMENT_BYTES:
            self.sink.warn(
                f"{where}: attached file {att.info['name']!r} decodes to more than "
                f"{MAX_ATTACHMENT_BYTES} bytes: not extracted"
            )
            return None
        if truncated:
            self.sink.warn(
                f"{where}: attached file {att.info['name']!r} is damaged: kept what was read"
            )
        return data

    def _child_name(self, original: str, fallback: str) -> str:
        """A safe, unique file name for a child source (no folders, no control characters)."""
        base = original.replace("\\", "/").rsplit("/", 1)[-1]
        base = "".join(ch for ch in base if ch.isprintable()).strip().strip(".")
        base = (base or fallback)[:200]
        name, n = base, 1
        while name.lower() in self.attachment_names:
            n += 1
            p = PurePath(base)
            name = f"{p.stem} ({n}){p.suffix}"
        self.attachment_names.add(name.lower())
        return name

    def _keep(self, att: _Attachment) -> None:
        att.info["child_name"] = att.name
        self.attachments.append(att)

    # -- whole-file checks ---------------------------------------------------------------

    def _scan_objects(self) -> None:
        """JavaScript anywhere in the object graph (document, page or annotation actions).

        The byte scan sees every object outside compressed object streams; a hit there is
        confirmed object by object, and object streams are searched once decompressed.
        """
        found = scanned = False
        try:
            if self.raw.javascript_token:
                scanned = True
                found = self._objects_have_javascript()
            elif _has_object_streams(self.doc):
                scanned = True
                found = self._object_streams_have_javascript()
        except Exception as exc:  # noqa: BLE001 - MuPDF raises many types on bad input
            self.sink.warn(f"objects not all checked for JavaScript: {exc}")
        objects = self.doc.xref_length()
        if scanned and not found and objects > MAX_OBJECTS_SCANNED:
            self.sink.warn(
                f"{self.probe.name}: the PDF has {objects:,} objects, over the limit of "
                f"{MAX_OBJECTS_SCANNED:,} objects scanned: those beyond it were not checked "
                "for JavaScript"
            )
        self.meta["javascript"] = found
        if found:
            self.sink.warn("the PDF contains JavaScript (not run)")

    def _objects_have_javascript(self) -> bool:
        doc = self.doc
        for xref in range(1, min(doc.xref_length(), MAX_OBJECTS_SCANNED)):
            if xref % 10_000 == 0:
                self.ctx.cancel.check()
            try:
                obj = doc.xref_object(xref, compressed=True)
            except Exception:  # noqa: BLE001 - MuPDF raises many types on bad input
                continue
            if _JAVASCRIPT.search(obj):
                return True
        return False

    def _object_streams_have_javascript(self) -> bool:
        doc, mupdf = self.doc, pm.mupdf
        pdf = pm._as_pdf_document(doc)
        streams: set[int] = set()
        try:
            for xref in range(1, min(mupdf.pdf_xref_len(pdf), MAX_OBJECTS_SCANNED)):
                entry = mupdf.ll_pdf_get_xref_entry_no_null(pdf.m_internal, xref)
                if entry.type == "o":
                    streams.add(int(entry.ofs))
        except Exception:
            log.debug("xref entries not readable: scanning every object", exc_info=True)
            return self._objects_have_javascript()
        for number in sorted(streams):
            self.ctx.cancel.check()
            try:
                data = doc.xref_stream(number) or b""
            except Exception:  # noqa: BLE001 - MuPDF raises many types on bad input
                continue
            if _JAVASCRIPT_BYTES.search(data):
                return True
        return False

    def _events(self) -> list[EventDraft]:
        """Creation and modification dates from the Info dictionary, XMP where it differs."""
        events: list[EventDraft] = []
        info = self.meta["metadata"]
        for key, kind, label in (
            ("creationDate", "pdf_created", "creation date"),
            ("modDate", "pdf_modified", "modification date"),
        ):
            raw = str(info.get(key) or "")
            if not raw.strip("\x00 "):
                continue
            event = pdf_date_event(raw, kind, self.ctx.options.zone)
            if event is None:
                self.sink.warn(f"{label} {raw!r} is not a valid PDF date: not on the timeline")
            else:
                events.append(event)
        seen = {e.ts_utc_us for e in events}
        for kind, raw in self.meta["xmp_dates"].items():
            event = iso_date_event(raw, kind, self.ctx.options.zone)
            if event is None:
                self.sink.warn(f"XMP date {raw!r} is not a valid date: not on the timeline")
            elif event.ts_utc_us not in seen and kind != "xmp_metadata":
                events.append(event)
                seen.add(event.ts_utc_us)
        return events or file_time_events(self.probe)

    def _report_repairs(self) -> None:
        """MuPDF's repairs and complaints, summarised into a few warnings."""
        if self.doc.is_repaired:
            self.sink.warn("the file was damaged and repaired: what was read may be incomplete")
        messages = pm.TOOLS.mupdf_warnings(reset=True)
        lines = [ln.strip() for ln in messages.splitlines() if ln.strip()]
        distinct = list(dict.fromkeys(ln for ln in lines if not ln.startswith("...")))
        for line in distinct[:MAX_MUPDF_MESSAGES]:
            self.sink.warn(f"MuPDF: {line}")
        if len(distinct) > MAX_MUPDF_MESSAGES:
            self.sink.warn(f"MuPDF: {len(distinct) - MAX_MUPDF_MESSAGES} more distinct messages")


# -- helpers ---------------------------------------------------------------------------


def _page_size(page: Any) -> tuple[float, float, int]:
    """Width and height in points of the unrotated page, the space word boxes are in."""
    rect = page.rect
    rotation = int(page.rotation or 0) % 360
    width, height = float(rect.width), float(rect.height)
    if rotation in (90, 270):
        width, height = height, width
    return round(width, 2), round(height, 2), rotation


def _rounded_words(raw: list[Any]) -> list[tuple[float, float, float, float, str]]:
    """(x0, y0, x1, y1, word) rounded to 2 decimals, from PyMuPDF's word tuples.

    This runs for every word of every page, so it is written for speed: round(x * 100) / 100
    is twice as fast as round(x, 2), and a page repeats its coordinates (a line's words share
    top and bottom, columns and margins share their left edges), so each distinct value is
    rounded once and the same float object reused, which the sink's JSON encoder exploits.
    """
    if raw and len(raw[0]) != 8:  # not the (x0, y0, x1, y1, word, block, line, n) expected
        return [(round(w[0] * 100) / 100, round(w[1] * 100) / 100, round(w[2] * 100) / 100,
                 round(w[3] * 100) / 100, w[4]) for w in raw]  # fmt: skip
    seen: dict[float, float] = {}
    out: list[tuple[float, float, float, float, str]] = []
    add = out.append
    for x0, y0, x1, y1, word, _block, _line, _n in raw:
        try:
            a = seen[x0]
        except KeyError:
            a = seen[x0] = round(x0 * 100) / 100
        try:
            b = seen[y0]
        except KeyError:
            b = seen[y0] = round(y0 * 100) / 100
        try:
            c = seen[x1]
        except KeyError:
            c = seen[x1] = round(x1 * 100) / 100
        try:
            d = seen[y1]
        except KeyError:
            d = seen[y1] = round(y1 * 100) / 100
        add((a, b, c, d, word))
    return out


def _blank(text: str) -> bool:
    return all(ch in _WHITESPACE for ch in text)


def _count_blank(text: str) -> int:
    return sum(text.count(ch) for ch in _WHITESPACE)


def _ranges(numbers: list[int]) -> str:
    """'1-3, 7' for [1, 2, 3, 7]."""
    parts: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], 0]:
        if n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = n
    return ", ".join(parts)


def _has_object_streams(doc: Any) -> bool:
    """Whether objects may hide in compressed object streams, out of reach of a byte scan."""
    if doc.is_repaired:
        return True
    try:
        return doc.xref_get_key(-1, "Type")[1] == "/XRef" or bool(
            doc.xref_get_key(-1, "XRefStm")[1] not in ("", "null")
        )
    except Exception:  # noqa: BLE001 - MuPDF raises many types on bad input
        return True


_PERMISSIONS = (
    ("print", pm.PDF_PERM_PRINT),
    ("modify", pm.PDF_PERM_MODIFY),
    ("copy", pm.PDF_PERM_COPY),
    ("annotate", pm.PDF_PERM_ANNOTATE),
    ("fill_forms", pm.PDF_PERM_FORM),
    ("accessibility", pm.PDF_PERM_ACCESSIBILITY),
    ("assemble", pm.PDF_PERM_ASSEMBLE),
    ("print_high_quality", pm.PDF_PERM_PRINT_HQ),
)


def _declared_permissions(doc: Any) -> int:
    """The /P flags the file declares (an owner password would grant more: not what we want)."""
    try:
        kind, value = doc.xref_get_key(-1, "Encrypt/P")
        if kind == "int":
            return int(value)
    except Exception:
        log.debug("no /Encrypt /P", exc_info=True)
    return int(doc.permissions)


def _permissions(bits: int) -> dict[str, bool]:
    """The permission flags by name (all true for an unencrypted file)."""
    return {name: bool(bits & flag) for name, flag in _PERMISSIONS}


def _xmp_dates(xmp: str) -> dict[str, str]:
    """xmp:CreateDate, ModifyDate and MetadataDate as written (element or attribute form)."""
    found: dict[str, str] = {}
    if not xmp:
        return found
    text = xmp[: 4 * 1024 * 1024]
    for kind, tag in _XMP_DATES.items():
        m = re.search(
            rf"xmp:{tag}\s*(?:=\s*[\"']([^\"'<]{{1,64}})[\"']|>\s*([^<]{{1,64}}?)\s*</)", text
        )
        if m:
            found[kind] = (m.group(1) or m.group(2) or "").strip()
    return found


def pdf_date_event(raw: str, kind: str, zone: str) -> EventDraft | None:
    """An event for a PDF date string (D:YYYYMMDDHHmmSSOHH'mm'); None when it is not one.

    With an offset (Z or +hh'mm') the time is exact; without one it is a wall-clock time
    read in the case's zone. ISO 8601 strings, which some writers put there, are accepted.
    """
    text = raw.strip("\x00").strip()
    m = _PDF_DATE.match(text)
    if m is None:
        return iso_date_event(text.removeprefix("D:"), kind, zone, original=raw)
    year, month, day, hour, minute, second, sign, off_h, off_m = m.groups()
    try:
        naive = datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
        )
    except ValueError:
        return None
    if sign is None:
        return local_event(naive, zone, kind, raw)
    if sign in "Zz":
        offset = timedelta(0)
    else:
        hours, minutes = int(off_h or 0), int(off_m or 0)
        if hours > 23 or minutes > 59:
            return None
        offset = timedelta(hours=hours, minutes=minutes) * (-1 if sign == "-" else 1)
    return exact_event(naive.replace(tzinfo=timezone(offset)), kind, raw)


def iso_date_event(raw: str, kind: str, zone: str, original: str = "") -> EventDraft | None:
    """An event for an ISO 8601 date (as in XMP); exact with an offset, else in `zone`."""
    text = raw.strip()
    if not re.match(r"^\d{4}-\d{2}(?:-\d{2})?(?:[T ].*)?$", text):
        return None
    if re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    original = original or raw
    if moment.tzinfo is None:
        return local_event(moment, zone, kind, original)
    return exact_event(moment, kind, original)
