"""The review report PDF: content, fonts, metadata, draft marking, signature boxes, determinism."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from datetime import datetime, timezone

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from caseview.paths import resource
from caseview.core.report import (
    HistoryLine,
    RenderedReport,
    ReportDocument,
    ReportInput,
    render_report,
)

WELSH = "Mae Gŵen yn byw mewn tŷ ger yr ŷd"
POLISH = "Matka mówi, że łóżko jest żółte"
HOSTILE = "Contact <b>& review"

YNP = ["Yes", "Partly", "No", "Cannot tell from the records"]


def _framework(name: str) -> dict:
    # The shipped frameworks, so the report is tested against the real question set.
    return json.loads(resource("frameworks", f"{name}.json").read_text(encoding="utf-8"))


CASE_FILE_AUDIT = _framework("case-file-audit")
OUTCOME_VERIFICATION = _framework("outcome-verification")

SECTIONS = [("A", "Referrals and assessments"), ("B", "Plans and reviews"),
            ("C", "Case notes and visits")]
LONG = (
    "The record shows that the social worker visited within the timescale set by the "
    "strategy discussion and saw the child alone. The assessment draws together the school's "
    "concerns, the health visitor's observations and the police notifications, and it "
    "weighs them rather than listing them. "
)


def _documents(n: int) -> tuple[ReportDocument, ...]:
    docs, counters = [], {s: 0 for s, _ in SECTIONS}
    for i in range(n):
        sid, stitle = SECTIONS[i * len(SECTIONS) // n]
        pages = 1 + (i * 7) % 5
        first = counters[sid] + 1
        counters[sid] += pages
        docs.append(ReportDocument(
            id=f"D{i + 1}", title=["Referral from school", "Strategy discussion record",
                                   "Child and family assessment", "Child protection plan",
                                   "Case note: home visit"][i % 5] + f" ({i + 1})",
            section_id=sid, section_title=stitle, first_ref=f"{sid}{first}",
            last_ref=f"{sid}{counters[sid]}", pages=pages,
            sha256=hashlib.sha256(f"doc{i}".encode()).hexdigest(),
            date=f"2026-0{1 + i % 9}-1{i % 10}" if i % 4 else None,
            author_role=["Social worker", "Team manager", None, "Head teacher"][i % 4],
            readable=(i != 3),
        ))
    return tuple(docs)


def _history(count: int) -> tuple[HistoryLine, ...]:
    tail = []
    for seq in range(max(1, count - 9), count + 1):
        tail.append(HistoryLine(
            seq=seq, at=f"2026-11-03T{9 + seq // 6:02d}:{seq * 7 % 60:02d}:00Z",
            summary=f"Answered “judgement” for K{seq % 3 + 1}" if seq % 2 else "Cited B3 for K1",
            hash=hashlib.sha256(f"h{seq}".encode()).hexdigest()))
    return tuple(tail)


def _evidence(docs, k, whole_page=False, hostile=False):
    d = docs[k % len(docs)]
    ev = {"document_id": d.id, "page": 1, "page_ref": d.first_ref}
    if not whole_page:
        ev.update(exact=HOSTILE if hostile else "the child said she felt safe at her nan's",
                  prefix="During the visit ", suffix=" and wanted to stay")
    return ev


def make_case_file_audit(draft=False, n_items=3, n_docs=8, long=False) -> ReportInput:
    docs = _documents(n_docs)
    items, found = [], []
    for i in range(n_items):
        kid = f"K{i + 1}"
        title = HOSTILE if i == 1 else ["Strategy discussion convened",
                                        "Child protection conference outcome",
                                        "Decision to step down to early help"][i % 3]
        items.append({"id": kid, "kind": "decision", "date": f"2026-0{1 + i % 9}-15",
                      "title": title if i < 3 else f"{title} (review {i})",
                      "made_by_role": "Team manager",
                      "detail": "Strategy discussion held with police and health; "
                                "section 47 enquiries to begin." + (" " + LONG if long else "")})
        rationale = (f"{WELSH}.\n\n{POLISH}.\n\nThe decision was timely." if i == 0
                     else "The decision was proportionate.\nOversight was recorded.")
        if long:
            rationale += "\n\n" + LONG * 4 + "\n\n" + LONG * 3
            if i == 4:  # a pasted link with no break opportunity must still wrap
                rationale += "\n\nhttps://records.example/" + "x" * 300
        answers = {"timely": "Yes", "informed": "Partly", "child_voice": "Yes",
                   "proportionate": YNP[i % 4], "judgement": 3 - (i % 3 == 2),
                   "rationale": rationale,
                   "escalate": {"raised": i == 1 and not long,
                                "note": "Sibling not seen; <refer> to LADO & police."
                                if i == 1 else ""}}
        if i % 3 != 2:  # every third item leaves the optional oversight question unanswered
            answers["oversight"] = "Yes"
        evidence = [_evidence(docs, i), _evidence(docs, i + 1, whole_page=(i == 0)),
                    _evidence(docs, i + 2, hostile=(i == 1))]
        found.append({"item_id": kid, "answers": answers, "evidence": evidence})
    manifest = {
        "format": "caseview-bundle", "format_version": "1.0",
        "bundle_id": "urn:uuid:6f1c1a52-8d0e-4c55-9c8f-0c6f6ab0d3a1",
        "created": "2026-10-01T09:30:00+01:00",
        "issuer": {"organisation": "Northshire Council Children's Services",
                   "department": "Quality Assurance Unit"},
        "case": {"reference": "NS-2026-0147", "subject": "Child A",
                 "title": "Child protection: neglect"},
        "anonymisation": {"statement": "Names, addresses and dates of birth removed; people "
                                       "referred to by role."},
        "review": {"framework": "case-file-audit", "framework_version": "1.0"},
        "sections": [{"id": s, "title": t} for s, t in SECTIONS],
        "items": items,
    }
    fingerprint = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    findings = {
        "format": "caseview-findings", "format_version": "1.0",
        "bundle": {"bundle_id": manifest["bundle_id"], "fingerprint": fingerprint,
                   "case_reference": "NS-2026-0147"},
        "framework": {"id": "case-file-audit", "version": "1.0"},
        "reviewer": {"name": "Dr Eleri Pryce-Nowak", "organisation": "Severn Review Partnership",
                     "certificate_sha256": hashlib.sha256(b"cert").hexdigest()},
        "started": "2026-11-02T09:00:00Z", "completed": "2026-11-03T16:20:00Z",
        "items": found,
        "case": {"answers": {
            "overall": 3,
            "strengths": "Visits were timely and the child was seen alone.",
            "development": "Recording of management oversight.\n\nUse of chronology.",
            "themes": ["Timeliness", "Management oversight"],
            "recommendations": ["Record the reasons for each management decision.",
                                "Keep the chronology current at every review."]}},
        "annotations": [],
    }
    return ReportInput(
        findings=findings, framework=CASE_FILE_AUDIT, manifest=manifest, documents=docs,
        history_tail=_history(42), history_head=hashlib.sha256(b"head").hexdigest(),
        history_count=42, annotation_count=5,
        signed_on=None if draft else datetime(2026, 11, 4, 10, 0, tzinfo=timezone.utc),
        draft=draft,
    )


def make_outcome_verification(draft=False) -> ReportInput:
    docs = _documents(5)
    items = [
        {"id": "O1", "kind": "outcome", "date": "2026-06-30",
         "title": "School attendance above 90% for two terms", "claimed_by": "Provider",
         "measure": "Measure 2.1: sustained school attendance",
         "detail": "Attendance 94% (spring) and 92% (summer)."},
        {"id": "O2", "kind": "outcome", "date": "2026-08-31",
         "title": "Child remains safely at home", "claimed_by": "Provider",
         "measure": "Measure 1.3: no entry to care for 26 weeks"},
    ]
    found = [
        {"item_id": "O1", "answers": {"evidenced": "Evidenced", "attributable": "Partly",
                                      "sustained": "Yes", "rationale": POLISH + ".",
                                      "concern": {"raised": False, "note": ""}},
         "evidence": [_evidence(docs, 0), _evidence(docs, 1, whole_page=True)]},
        {"item_id": "O2", "answers": {"evidenced": "Partially evidenced",
                                      "sustained": "Too early to tell",
                                      "rationale": WELSH + "."},
         "evidence": [_evidence(docs, 2)]},
    ]
    manifest = {
        "bundle_id": "urn:uuid:0b7e1d3c-1111-4a2b-9c3d-5e6f7a8b9c0d",
        "issuer": {"organisation": "Westvale Borough Council"},
        "case": {"reference": "WV-2026-0031"},
        "review": {"framework": "outcome-verification"},
        "sections": [{"id": s, "title": t} for s, t in SECTIONS],
        "items": items,
    }
    findings = {
        "format": "caseview-findings", "format_version": "1.0",
        "bundle": {"bundle_id": manifest["bundle_id"],
                   "fingerprint": hashlib.sha256(b"ov-manifest").hexdigest(),
                   "case_reference": "WV-2026-0031"},
        "framework": {"id": "outcome-verification", "version": "1.0"},
        "reviewer": {"name": "Sam Ahmed", "organisation": "Independent Outcomes Review Ltd",
                     "certificate_sha256": None},
        "started": "2026-11-02T09:00:00+01:00", "completed": None,
        "items": found,
        "case": {"answers": {"payment": "Partial",
                             "payment_rationale": "O1 is evidenced; O2 is too early to tell."}},
        "annotations": [],
    }
    return ReportInput(
        findings=findings, framework=OUTCOME_VERIFICATION, manifest=manifest, documents=docs,
        history_tail=_history(3), history_head=hashlib.sha256(b"ov-head").hexdigest(),
        history_count=3, annotation_count=0,
        signed_on=None if draft else datetime(2026, 11, 5, tzinfo=timezone.utc), draft=draft,
    )


# --- helpers ---------------------------------------------------------------


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return path


def _pdftotext(pdf: bytes, tmp_path, *args: str) -> str:
    src = tmp_path / "r.pdf"
    src.write_bytes(pdf)
    out = subprocess.run([_poppler("pdftotext"), *args, str(src), "-"], check=True,
                         capture_output=True)
    return out.stdout.decode("utf-8")


def _flat(text: str) -> str:
    # Reflowed paragraphs break lines anywhere; compare words, not layout.
    return re.sub(r"\s+", " ", text)


def _page_texts(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


@pytest.fixture(scope="module")
def cfa() -> tuple[ReportInput, RenderedReport]:
    inp = make_case_file_audit()
    return inp, render_report(inp)


@pytest.fixture(scope="module")
def cfa_draft() -> RenderedReport:
    return render_report(make_case_file_audit(draft=True))


@pytest.fixture(scope="module")
def ov() -> tuple[ReportInput, RenderedReport]:
    inp = make_outcome_verification()
    return inp, render_report(inp)


# --- tests -----------------------------------------------------------------


def test_page_count_matches_the_pdf(cfa, ov):
    for _, rendered in (cfa, ov):
        doc = pdfium.PdfDocument(rendered.pdf)
        assert len(doc) == rendered.page_count
        doc.close()
        assert rendered.pdf.startswith(b"%PDF-")


def test_every_font_is_embedded(cfa, cfa_draft, tmp_path):
    tool = _poppler("pdffonts")
    for pdf in (cfa[1].pdf, cfa_draft.pdf):
        src = tmp_path / "f.pdf"
        src.write_bytes(pdf)
        lines = subprocess.run([tool, str(src)], check=True, capture_output=True,
                               text=True).stdout.splitlines()
        header = lines[0]
        emb_col = header.index("emb")
        fonts = lines[2:]
        assert fonts, "no fonts listed"
        for line in fonts:
            assert line[emb_col:emb_col + 3] == "yes", line
            assert "Helvetica" not in line and "Courier" not in line, line


def test_text_comes_back_exactly(cfa, tmp_path):
    inp, rendered = cfa
    text = _pdftotext(rendered.pdf, tmp_path)
    flat = _flat(text)
    assert WELSH in flat
    assert POLISH in flat
    assert f"Page 1 of {rendered.page_count}" in text
    assert f"Page {rendered.page_count} of {rendered.page_count}" in text
    assert inp.findings["bundle"]["fingerprint"] in text
    for item in inp.manifest["items"]:
        assert item["title"] in flat
    assert HOSTILE in flat  # escaped for markup, printed literally
    assert "Sibling not seen; <refer> to LADO & police." in flat
    assert "3 — Good" in flat
    assert "Escalations and concerns (1)" in flat
    assert "Not answered" in flat  # K3's optional oversight question
    assert "whole page" in flat
    assert "“the child said she felt safe at her nan's”" in flat
    assert "1. Record the reasons for each management decision." in flat or \
        "Record the reasons for each management decision." in flat
    assert "Draft — not signed" not in flat
    assert "4 November 2026" in flat
    for doc in inp.documents:
        assert doc.sha256[:32] in text and doc.sha256[32:] in text
    assert inp.history_head in text
    assert "Unreadable" in flat
    assert "Reviewer Moderator (countersignature)" in flat


def test_outcome_verification_report(ov, tmp_path):
    inp, rendered = ov
    flat = _flat(_pdftotext(rendered.pdf, tmp_path))
    assert "Partial" in flat and "Recommendation on the outcome payment" in flat
    assert "No escalations or concerns were raised." in flat
    assert "Measure 2.1: sustained school attendance" in flat
    assert "Too early to tell" in flat
    assert WELSH in flat and POLISH in flat
    assert "Not answered" in flat  # O2's attributable and concern


def test_document_information(cfa):
    inp, rendered = cfa
    from pyhanko.pdf_utils.reader import PdfFileReader

    import io

    info = PdfFileReader(io.BytesIO(rendered.pdf)).trailer["/Info"]
    bundle = inp.findings["bundle"]
    assert str(info["/CaseViewFingerprint"]) == bundle["fingerprint"]
    assert str(info["/CaseViewCaseReference"]) == bundle["case_reference"]
    assert str(info["/CaseViewBundleId"]) == bundle["bundle_id"]
    assert "NS-2026-0147" in str(info["/Title"])
    assert str(info["/Author"]) == "Dr Eleri Pryce-Nowak"
    assert bundle["fingerprint"] in str(info["/Subject"])
    assert str(info["/CreationDate"]).startswith("D:20261104")


def test_outline_names_every_part(cfa):
    inp, rendered = cfa
    doc = pdfium.PdfDocument(rendered.pdf)
    titles = [item.get_title() for item in doc.get_toc()]
    doc.close()
    for expected in ("Summary", "Findings by item", "Case-level findings",
                     "Appendix A — Evidence base", "Appendix B — Review record", "Signatures"):
        assert expected in titles
    for item in inp.manifest["items"]:
        assert f"{item['id']} — {item['title']}" in titles


def test_draft_is_marked_on_every_page(cfa, cfa_draft):
    pages = _page_texts(cfa_draft.pdf)
    assert len(pages) == cfa_draft.page_count
    for i, text in enumerate(pages):
        assert "DRAFT — not signed" in text, f"page {i + 1} lacks the draft mark"
    for text in _page_texts(cfa[1].pdf):
        assert "DRAFT" not in text


def _rects_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _check_boxes(rendered: RenderedReport) -> None:
    doc = pdfium.PdfDocument(rendered.pdf)
    try:
        page = doc[len(doc) - 1]
        x0, y0, x1, y1 = page.get_mediabox()
        boxes = []
        for box in (rendered.reviewer_box, rendered.moderator_box):
            assert box.page_index == -1
            assert x0 <= box.x1 < box.x2 <= x1 and y0 <= box.y1 < box.y2 <= y1
            assert 200 <= box.x2 - box.x1 <= 260 and 80 <= box.y2 - box.y1 <= 100
            boxes.append((box.x1, box.y1, box.x2, box.y2))
        assert not _rects_overlap(boxes[0], boxes[1])
        textpage = page.get_textpage()
        tops = []
        for i in range(textpage.count_chars()):
            l, b, r, t = textpage.get_charbox(i)
            if r - l <= 0:
                continue  # spaces and line breaks have no extent
            if abs(pdfium_c.FPDFText_GetCharAngle(textpage, i)) > 0.01:
                continue  # a draft's diagonal watermark crosses everything, boxes included
            for box in boxes:
                assert not _rects_overlap((l, b, r, t), box), "text inside a signature box"
            if b > boxes[0][3]:
                tops.append(b)
        # the last flowables (heading, declaration, box labels) sit above the boxes
        assert tops, "nothing above the signature boxes"
    finally:
        doc.close()


def test_signature_boxes_are_empty_space_on_the_last_page(cfa, ov, cfa_draft):
    for rendered in (cfa[1], ov[1], cfa_draft):
        _check_boxes(rendered)


def test_same_input_gives_the_same_bytes(cfa):
    inp, rendered = cfa
    assert render_report(inp).pdf == rendered.pdf


def _assert_nothing_overflows(pdf: bytes) -> None:
    doc = pdfium.PdfDocument(pdf)
    try:
        for n in range(len(doc)):
            page = doc[n]
            width = page.get_width()
            textpage = page.get_textpage()
            for i in range(textpage.count_chars()):
                left, _, right, _ = textpage.get_charbox(i)
                if right - left > 0 and abs(pdfium_c.FPDFText_GetCharAngle(textpage, i)) < 0.01:
                    assert 50 <= left and right <= width - 50, f"text outside the margins on page {n + 1}"
    finally:
        doc.close()


def test_long_review_paginates(tmp_path):
    inp = make_case_file_audit(n_items=12, n_docs=30, long=True)
    rendered = render_report(inp)
    assert rendered.page_count >= 10
    text = _pdftotext(rendered.pdf, tmp_path)
    flat = _flat(text)
    assert f"Page {rendered.page_count} of {rendered.page_count}" in text
    for item in inp.manifest["items"]:
        assert item["title"] in flat
    for doc in inp.documents:
        assert doc.title in flat
    assert "No escalations or concerns were raised." in flat
    _check_boxes(rendered)
    _assert_nothing_overflows(rendered.pdf)


def test_every_page_says_which_page_of_how_many(cfa_draft):
    # The footers are written when the document is saved, once the page count is known.
    inp = make_case_file_audit(n_items=12, n_docs=30, long=True)
    for rendered in (render_report(inp), cfa_draft):
        pages = _page_texts(rendered.pdf)
        assert len(pages) == rendered.page_count
        for n, text in enumerate(pages, 1):
            assert f"Page {n} of {rendered.page_count}" in text, f"page {n}"
            assert "Case NS-2026-0147" in text, f"page {n}"


def test_untouched_review_renders_as_a_draft(tmp_path):
    full = make_case_file_audit(draft=True)
    findings = dict(full.findings, items=[], case={}, started=None, completed=None)
    inp = ReportInput(
        findings=findings, framework=full.framework, manifest=full.manifest,
        documents=full.documents, history_tail=(), history_head="0" * 64, history_count=0,
        annotation_count=0, signed_on=None, draft=True,
    )
    rendered = render_report(inp)
    flat = _flat(_pdftotext(rendered.pdf, tmp_path))
    assert "Draft — not signed" in flat
    assert "Not recorded" in flat and "Not completed" in flat
    assert "No evidence was cited for this item." in flat
    assert flat.count("Not answered") >= 3 * 8 + 5
    for item in inp.manifest["items"]:
        assert item["title"] in flat
    _check_boxes(rendered)


def test_appendix_a_never_leaves_a_section_heading_at_the_foot_of_a_page():
    # Different numbers of documents move the section headings up and down the pages.
    stranded = []
    for n_docs in range(30, 62, 3):
        inp = make_case_file_audit(n_docs=n_docs)
        pages = _page_texts(render_report(inp).pdf)
        first = next(i for i, t in enumerate(pages) if "Appendix A" in t and "Evidence base" in t)
        appendix = pages[first:next(i for i, t in enumerate(pages) if "Appendix B" in t) + 1]
        for sid, title in SECTIONS:
            page = next(t for t in appendix if re.search(rf"\b{sid}\s+{title}", t))
            after = page[re.search(rf"\b{sid}\s+{title}", page).end():]
            if not re.search(rf"\bD\d+\b.*?\b{sid}\d+\b", after, re.S):  # a document row of that section follows
                stranded.append((n_docs, sid))
    assert stranded == []
