"""The PDF bundle, native files and timeline report, on a generated case and the demo case."""

from __future__ import annotations

import io
import itertools
import re
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from PIL import Image

from app import demo
from app.case import Case
from app.errors import Cancelled
from app.export.bundle import BundleResult, render_bundle, render_timeline_report, write_natives
from app.export.plan import PackOptions, PackPlan, plan_pack
from app.jobs import CancelToken
from app.redaction.verify import verify_pdf
from app.timeline.query import TimelineFilter
from tests.core.export import bundle_case

pm: Any = pymupdf
PREFIX = "TV"
# Embedded font programs (their glyph outlines and name tables are not document text).
_FONT_PROGRAM = re.compile(r"/Length[123]\b|/Subtype\s*/(?:Type1C|CIDFontType0C|OpenType)\b")


def _norm(text: str) -> str:
    """Text as a reader would search it: compatibility forms folded, case and spaces ignored."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def leaks(data: bytes, forbidden: tuple[str, ...]) -> list[str]:
    """An independent scan of a PDF: page text, bookmarks, metadata and every raw and
    decompressed stream or object, for each forbidden string."""
    doc = pm.open("pdf", data)
    try:
        haystacks = [p.get_text() for p in doc]
        haystacks += [t[1] for t in doc.get_toc()]
        haystacks += [str(v) for v in (doc.metadata or {}).values()]
        for xref in range(1, doc.xref_length()):
            try:
                source = doc.xref_object(xref)
                haystacks.append(source)
                if doc.xref_is_stream(xref) and not _FONT_PROGRAM.search(source):
                    haystacks.append((doc.xref_stream(xref) or b"").decode("latin-1"))
                    haystacks.append((doc.xref_stream_raw(xref) or b"").decode("latin-1"))
            except Exception:  # noqa: BLE001 - a free slot
                continue
    finally:
        doc.close()
    joined = _norm("\n".join(haystacks))
    return [f for f in forbidden if _norm(f) in joined]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Case, bundle_case.Built]]:
    root = tmp_path_factory.mktemp("bundle")
    case = Case.create(root / "case")
    b = bundle_case.build(case, root / "files")
    yield case, b
    case.close()


@pytest.fixture(scope="module")
def plan(built: tuple[Case, bundle_case.Built]) -> PackPlan:
    case, _ = built
    return plan_pack(case, PackOptions(everything=True, bates_prefix=PREFIX, initials="AB"))


@pytest.fixture(scope="module")
def bundle(
    built: tuple[Case, bundle_case.Built], plan: PackPlan, tmp_path_factory: pytest.TempPathFactory
) -> BundleResult:
    case, _ = built
    out = tmp_path_factory.mktemp("out") / "bundle.pdf"
    return render_bundle(case, plan, out, certificate="Checked: nothing redacted remains.")


def _texts(path: Path) -> list[str]:
    with pm.open(path) as doc:
        return [p.get_text() for p in doc]


def test_every_page_has_its_bates_number_page_number_and_exhibit(bundle: BundleResult) -> None:
    texts = _texts(bundle.path)
    assert len(texts) == bundle.pages
    owner = {p: ref for ref, (a, b) in bundle.exhibit_pages.items() for p in range(a, b + 1)}
    for n, text in enumerate(texts, start=1):
        footer = text.splitlines()[-3:]  # the stamp is written last
        assert footer[1:] == [f"Page {n} of {bundle.pages}", f"{PREFIX}-{n:06d}"], (n, footer)
        if n in owner:
            assert footer[0] == f"Exhibit {owner[n]}", n
    assert "Cover" in texts[0]
    assert "Index" in texts[1]
    assert "Certificate" in texts[-1]
    # Every exhibit of the plan has pages, in reference order, without gaps or overlaps.
    spans = list(bundle.exhibit_pages.values())
    assert spans[0][0] == bundle.index_pages[1] + 1
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(spans))


def test_index_page_ranges_match_the_bookmarks(bundle: BundleResult, plan: PackPlan) -> None:
    with pm.open(bundle.path) as doc:
        toc = doc.get_toc()
        index = "\n".join(doc[p - 1].get_text() for p in range(2, bundle.index_pages[1] + 1))
    marks = {t[1].split(" — ")[0]: t[2] for t in toc}
    for entry in plan.entries:
        first, last = bundle.exhibit_pages[entry.exhibit_ref]
        assert marks[entry.exhibit_ref] == first
        shown = str(first) if first == last else f"{first}–{last}"
        # The index row: the reference, ..., the page range at the end of the row.
        row = re.search(
            rf"^\W*{re.escape(entry.exhibit_ref)}\n(?:.*\n)*?{re.escape(shown)}$", index, re.M
        )
        assert row is not None, (entry.exhibit_ref, shown)
    assert marks["Verification certificate"] == bundle.certificate_pages[0]  # type: ignore[index]
    assert [t[1].split(" — ")[0] for t in toc[2:-1]] == [e.exhibit_ref for e in plan.entries]


def test_nothing_redacted_is_left_anywhere_in_the_bundle(
    bundle: BundleResult, built: tuple[Case, bundle_case.Built], plan: PackPlan
) -> None:
    _, b = built
    data = bundle.path.read_bytes()
    assert leaks(data, b.forbidden) == []
    assert set(b.forbidden) <= {" ".join(f.split()) for f in plan.forbidden} | set(b.forbidden)
    # The redaction verifier agrees on everything but the bookmarks a bundle must have.
    findings = [f for f in verify_pdf(data, plan.forbidden) if f.where != "bookmarks"]
    assert findings == []
    # The markers carry the reason codes, the withheld page and message say so.
    text = "\n".join(_texts(bundle.path))
    for code in ("VC", "CHILD", "ADDR", "SENS"):
        assert f"[REDACTED — {code}]" in text or f"[REDACTED - {code}]" in text


def test_a_scan_of_the_bundle_would_find_a_leak(bundle: BundleResult) -> None:
    # The scan above is not vacuous: strings that are in the bundle are found.
    assert leaks(bundle.path.read_bytes(), ("Leave me alone", "Statement of Alice")) == [
        "Leave me alone",
        "Statement of Alice",
    ]


def test_transcript_names_the_zone_and_shows_non_latin_text(bundle: BundleResult) -> None:
    first, last = bundle.exhibit_pages["AB/2"]
    text = "\n".join(_texts(bundle.path)[first - 1 : last])
    assert "timesinEurope/London(GMT/BST)" in "".join(text.split())
    assert "Thursday 14 March 2024" in text
    assert "19:01 GMT" in text
    assert "zażółć gęślą jaźń" in text
    assert "你好" in text
    assert "Attachment: AB_2_1 (image)" in text
    with pm.open(bundle.path) as doc:
        images = [i for p in range(first - 1, last) for i in doc[p].get_images()]
    assert images, "the attached photo is shown in the transcript"


def test_email_headers_are_redacted_and_no_unredacted_copy_is_printed(
    bundle: BundleResult,
) -> None:
    first, _ = bundle.exhibit_pages["AB/1"]
    text = _texts(bundle.path)[first - 1]
    assert "Subject\nVisit to [REDACTED — ADDR]" in text
    assert text.count("Visit to") == 1


def test_pages_and_pictures_keep_their_boxes(bundle: BundleResult) -> None:
    with pm.open(bundle.path) as doc:
        a, b = bundle.exhibit_pages["AB/4"]
        assert b - a == 1  # two document pages
        assert "[REDACTED - SENS]" in doc[b - 1].get_text()
        assert "Medical" not in doc[b - 1].get_text()
        a, _ = bundle.exhibit_pages["AB/3"]
        assert len(doc[a - 1].get_images()) == 1


def test_natives_are_named_by_alias_redacted_and_without_exif(
    built: tuple[Case, bundle_case.Built], plan: PackPlan, tmp_path: Path
) -> None:
    case, b = built
    paths = write_natives(case, plan, tmp_path / "natives")
    names = sorted(p.name for p in paths)
    assert names == ["AB_1.txt", "AB_2.txt", "AB_2_1.png", "AB_3.png", "AB_4.pdf"]
    for p in paths:
        data = p.read_bytes()
        if p.suffix == ".png":
            with Image.open(io.BytesIO(data)) as im:
                assert not im.getexif()
                assert "exif" not in im.info
            assert b"GPS" not in data
            assert b"Phonemaker" not in data
        elif p.suffix == ".pdf":
            assert leaks(data, b.forbidden) == []
        else:
            text = data.decode("utf-8")
            assert not [f for f in b.forbidden if _norm(f) in _norm(text)]
    transcript = (tmp_path / "natives" / "AB_2.txt").read_text(encoding="utf-8")
    assert "Europe/London" in transcript
    assert "[REDACTED — VC]" in transcript


def test_timeline_report_from_a_plan_and_from_a_filter(
    built: tuple[Case, bundle_case.Built], plan: PackPlan, tmp_path: Path
) -> None:
    case, b = built
    for source in (plan, TimelineFilter(kinds=("message", "email"))):
        out = render_timeline_report(case, source, tmp_path / "timeline.pdf")
        data = out.read_bytes()
        assert leaks(data, b.forbidden) == []
        text = "\n".join(_texts(out))
        assert "Europe/London (GMT/BST)" in text
        assert "19:01 GMT" in text
        assert "Bob → Alice" in text or "Bob Example → Alice Example" in text
        assert "[REDACTED — VC]" in text


def test_a_cancelled_bundle_leaves_no_file(
    built: tuple[Case, bundle_case.Built], plan: PackPlan, tmp_path: Path
) -> None:
    case, _ = built
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        render_bundle(case, plan, tmp_path / "bundle.pdf", cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_demo_case_bundle(tmp_path: Path) -> None:
    src = demo.ensure_demo_case()
    shutil.copytree(src, tmp_path / src.name)
    with Case.open(tmp_path / src.name) as case:
        plan = plan_pack(case, PackOptions(everything=True, bates_prefix="DEMO"))
        result = render_bundle(case, plan, tmp_path / "bundle.pdf")
        texts = _texts(result.path)
    assert [t.splitlines()[-1] for t in texts] == [
        f"DEMO-{n:06d}" for n in range(1, result.pages + 1)
    ]
    assert leaks(result.path.read_bytes(), plan.forbidden) == []
    assert plan.forbidden, "the demo has approved redactions"
    conversation = next(e for e in plan.entries if e.kind == "conversation")
    first, _ = result.exhibit_pages[conversation.exhibit_ref]
    assert "Europe/London" in texts[first - 1]
