"""Report contents 1.1: marking, terms of reference, limitations, annotations, declaration, quotes, pagination."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from caseview.core.report import render_report
from caseview.core.report.blocks import word_bounded

from .test_report import make_case_file_audit, make_outcome_verification

FRAMEWORKS = Path(__file__).resolve().parents[2] / "resources" / "frameworks"


def _pages(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _with_case(inp, **case):
    manifest = json.loads(json.dumps(inp.manifest))
    manifest["case"].update(case)
    return dataclasses.replace(inp, manifest=manifest)


def test_the_protective_marking_is_at_the_top_and_bottom_of_every_page():
    pages = _pages(render_report(make_case_file_audit()).pdf)
    assert all(t.count("OFFICIAL-SENSITIVE") >= 2 for t in pages), "default marking missing on a page"
    pages = _pages(render_report(_with_case(make_case_file_audit(), protective_marking="OFFICIAL")).pdf)
    assert all(t.count("OFFICIAL") >= 2 and "OFFICIAL-SENSITIVE" not in t for t in pages)


def test_terms_of_reference_come_after_the_cover():
    inp = make_case_file_audit()
    manifest = json.loads(json.dumps(inp.manifest))
    manifest["review"].update(terms_of_reference="Audit the five key decisions for the QA board.", due="2026-11-30",
                              instructions="Use the 1.0 instructions only when there are no terms.")
    pages = _pages(render_report(dataclasses.replace(inp, manifest=manifest)).pdf)
    assert "Terms of reference" in pages[1]
    text = _flat(pages[1])
    assert "Audit the five key decisions for the QA board." in text and "30 November 2026" in text
    assert "1.0 instructions" not in text
    del manifest["review"]["terms_of_reference"]
    pages = _pages(render_report(dataclasses.replace(inp, manifest=manifest)).pdf)
    assert "Use the 1.0 instructions only when there are no terms." in _flat(pages[1])


def test_claims_are_listed_by_bundle_id_and_title_with_exact_money():
    inp = make_outcome_verification()
    manifest = json.loads(json.dumps(inp.manifest))
    manifest["items"][0]["claim"] = {"reference": "OC-2026-117/1", "provider": "Family Futures CIC",
                                     "contract": "NCC/FS/2025/03", "amount": "1500.00", "currency": "GBP",
                                     "window": {"start": "2026-01-05", "end": "2026-07-22"}}
    text = _flat(_pages(render_report(dataclasses.replace(inp, manifest=manifest)).pdf)[1])
    assert "OC-2026-117/1" in text and "£1,500.00" in text and "NCC/FS/2025/03" in text
    assert "O1 School attendance above 90% for two terms" in text
    assert "5 January 2026 to 22 July 2026" in text


def test_annotations_appear_with_their_text_and_page_reference():
    inp = make_case_file_audit()
    doc = inp.documents[2]
    findings = json.loads(json.dumps(inp.findings))
    findings["annotations"] = [
        {"id": "a1", "document_id": doc.id, "page": 1, "exact": "Mother declined\nthe referral", "note":
         "Declined twice; no one asked why.", "created": "2026-11-02T10:00:00Z"}]
    pages = _pages(render_report(dataclasses.replace(inp, findings=findings)).pdf)
    where = next(t for t in pages if "Appendix C" in t)
    assert doc.ref(1) in where and "Declined twice; no one asked why." in _flat(where)
    assert "Mother declined\r\nthe referral" in where or "Mother declined\nthe referral" in where  # the break kept


def test_quotes_keep_line_breaks_and_context_starts_on_a_word():
    assert word_bounded("ther said that ", " and then the doct") == ("said that ", " and then the")
    assert word_bounded("abc", "xyz") == ("", "")
    inp = make_case_file_audit()
    findings = json.loads(json.dumps(inp.findings))
    ev = findings["items"][0]["evidence"][0]
    ev.update(exact="Attendance | 86.4%\nPunctuality | 71%", prefix="ring term figures: ", suffix=" for the summ")
    text = "\n".join(_pages(render_report(dataclasses.replace(inp, findings=findings)).pdf))
    assert re.search(r"Attendance \| 86\.4%\r?\nPunctuality \| 71%", text)
    assert "…term figures:" in _flat(text) and "ring term" not in text and "summ…" not in text


def test_limitations_list_what_caseview_knows_and_the_declaration_sits_with_the_signatures():
    inp = make_outcome_verification()
    framework = json.loads((FRAMEWORKS / "outcome-verification.json").read_text(encoding="utf-8"))
    framework["case_questions"] += [
        {"id": "limitations", "text": "What could the review not see or check?", "type": "text", "required": True},
        {"id": "declaration", "text": "Declaration", "type": "choice", "required": True,
         "options": ["I am independent of the provider and the council's decisions on this case and have no "
                     "conflict of interest", "I have a conflict of interest, declared below"]},
        {"id": "declaration_note", "text": "Conflict of interest", "type": "text", "required": False}]
    findings = json.loads(json.dumps(inp.findings))
    findings["case"]["answers"].update(
        limitations="The provider's session registers were not in the bundle.",
        declaration=framework["case_questions"][-2]["options"][0])
    docs = inp.documents
    unreadable = dataclasses.replace(docs[1], readable=False, problem="the PDF is password-protected")
    inp = dataclasses.replace(inp, framework=framework, findings=findings,
                              documents=(docs[0], unreadable, *docs[2:]),
                              known_limitations=("12 pages have no text layer and were not checked for "
                                                 "personal data.",))
    pages = _pages(render_report(inp).pdf)
    lim = _flat(next(t for t in pages if "Limitations" in t and "CaseView recorded" in t))
    assert "The provider's session registers were not in the bundle." in lim
    assert "password-protected" in lim and unreadable.title in lim
    assert "not checked for personal data" in lim
    last = _flat(pages[-1])
    assert "Declaration" in last and "have no conflict of interest" in last and "Signatures" in last
    case_part = _flat(next(t for t in pages if "Case-level findings" in t))
    assert "What could the review not see" not in case_part  # shown once, in its own part


def test_appendix_b_follows_appendix_a_on_its_last_page():
    pages = _pages(render_report(make_case_file_audit(n_docs=40)).pdf)
    last_a = max(i for i, t in enumerate(pages) if "Appendix A" in t or re.search(r"\bD40\b", t))
    assert "Appendix B" in pages[last_a] or "Appendix B" in pages[last_a + 1]
    assert "D40" in "".join(pages[last_a - 1:last_a + 1])


def test_the_cover_does_not_repeat_the_subject_named_in_the_title():
    inp = _with_case(make_case_file_audit(), title="Child A: neglect, January to October 2026", subject="Child A")
    cover = _flat(_pages(render_report(inp).pdf)[0])
    assert cover.count("Child A") == 1
    inp = _with_case(make_case_file_audit(), title="Neglect, January to October 2026", subject="Child A")
    assert "Neglect, January to October 2026 · Child A" in _flat(_pages(render_report(inp).pdf)[0])


@pytest.mark.parametrize("maker", [make_case_file_audit, make_outcome_verification])
def test_times_are_london_times(maker):
    text = _flat("\n".join(_pages(render_report(maker()).pdf)))
    assert " UTC" not in text
    assert re.search(r"\d{1,2}:\d\d (GMT|BST)", text)


def test_a_long_appendix_a_lists_every_document_once_with_one_header_per_page():
    inp = make_case_file_audit(n_docs=400)
    pages = _pages(render_report(inp).pdf)
    first = next(i for i, t in enumerate(pages) if "Appendix A" in t and "Evidence base" in t)
    last = next(i for i, t in enumerate(pages) if "Appendix B" in t)
    appendix = pages[first:last + 1]
    text = "\n".join(appendix)
    for doc in inp.documents:  # every row, once, in bundle order
        assert len(re.findall(rf"^{re.escape(doc.id)}\b", text, re.M)) == 1, doc.id
        assert doc.sha256[:32] in text and doc.sha256[32:] in text
    order = [int(m) for m in re.findall(r"^D(\d+)\b", text, re.M)]
    assert order == sorted(order)
    assert all(t.count("SHA-256") <= 2 for t in appendix)  # the header once (and the intro sentence on the first)
