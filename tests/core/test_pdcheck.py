"""The reviewer's personal-data check: findings kept masked, resolutions as review data (undo, history),
and a report that never carries a flagged identifier (issue 16, items 3 and 4)."""

from __future__ import annotations

import re
import sqlite3

import pypdfium2 as pdfium
import pytest

from caseview.core.errors import ReviewError
from caseview.core.finalise import produce_report
from caseview.core.importer import import_bundle
from caseview.core.pdcheck import NOT_PERSONAL, REPORTED, check_state, ensure_checked, run_check
from caseview.core.progress import CancelToken
from caseview.core.errors import Cancelled
from caseview.core.review import AddAnnotation, AddEvidence, Anchor, Annotation, Evidence, ResolveFinding, apply
from tests.factory import NOTE_LINES

NHS = "943 476 5919"  # a valid modulus-11 number, grouped 3-3-4
LINE = f"Mother gave the baby's NHS number {NHS} to the duty worker on the phone."


@pytest.fixture
def leaky(ws, factory):
    lines = list(NOTE_LINES)
    lines[9] = LINE  # page 1 of the note
    files = factory.default_files()
    files["documents/notes.txt"] = ("\n".join(lines) + "\n").encode("utf-8")
    case_id = import_bundle(ws, factory.build(files=files)).case_id
    return case_id


def _all_text(ws) -> str:
    """Every text value in the workspace database, for a search for the clear identifier."""
    out = []
    for (table,) in ws.conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'pages%'"):
        try:
            rows = ws.conn.execute(f"SELECT * FROM {table}").fetchall()
        except sqlite3.Error:
            continue
        out += [str(v) for r in rows for v in r if isinstance(v, str)]
    return "\n".join(out)


def test_the_check_runs_at_import_and_finds_what_a_later_check_finds(ws, leaky):
    at_import = check_state(ws, leaky)  # the import's workers ran the detectors over each page as they read it
    assert at_import.finished is not None
    again = run_check(ws, leaky)  # over the stored text
    assert at_import.findings == again.findings and at_import.findings
    assert (at_import.pages, at_import.not_checked) == (again.pages, again.not_checked) == (5, ("D3",))


def test_the_check_finds_stores_masked_and_keeps_resolutions(ws, leaky):
    state = run_check(ws, leaky)
    nhs = [f for f in state.findings if f.kind == "nhs-number"]
    assert len(nhs) == 1 and nhs[0].masked == "9** *** ****" and nhs[0].doc_id == "D2" and nhs[0].page == 1
    assert state.not_checked == ("D3",)  # the drawing has no text: listed, never passed silently
    assert NHS not in _all_text(ws) and NHS.replace(" ", "") not in _all_text(ws)
    inverse = apply(ws, leaky, ResolveFinding(nhs[0].id, REPORTED))
    again = run_check(ws, leaky)  # a second run keeps what the reviewer decided
    assert [f.resolution for f in again.findings if f.kind == "nhs-number"] == [REPORTED]
    history = ws.history_rows(leaky)[-1]["summary"]
    assert history.startswith("personal data ·") and "9** *** ****" in history and NHS not in history
    apply(ws, leaky, inverse)  # undo
    assert check_state(ws, leaky).findings[0].resolution is None


def test_not_personal_data_needs_a_reason(ws, leaky):
    fid = run_check(ws, leaky).findings[0].id
    with pytest.raises(ReviewError, match="Say why"):
        apply(ws, leaky, ResolveFinding(fid, NOT_PERSONAL, "  "))
    with pytest.raises(ReviewError, match="not-personal-data or report-to-issuer"):
        apply(ws, leaky, ResolveFinding(fid, "ignore"))


def test_a_cancelled_check_stores_nothing(ws, leaky):
    token = CancelToken()
    token.cancel()
    before = check_state(ws, leaky)
    ws.conn.execute("DELETE FROM pd_findings")  # as if the import had found nothing
    with pytest.raises(Cancelled):
        run_check(ws, leaky, cancel=token)
    assert check_state(ws, leaky).findings == () and check_state(ws, leaky).finished == before.finished


def _pages(pdf) -> list[str]:
    doc = pdfium.PdfDocument(pdf.read_bytes())
    try:
        return [re.sub(r"\s+", " ", doc[i].get_textpage().get_text_range()) for i in range(len(doc))]
    finally:
        doc.close()


def test_a_quote_over_a_flagged_identifier_blocks_the_report(ws, leaky, tmp_path):
    ensure_checked(ws, leaky)
    apply(ws, leaky, AddEvidence(Evidence("EV1", "K1", Anchor("D2", 1, f"NHS number {NHS} to the duty"), "")))
    out = tmp_path / "draft.pdf"
    with pytest.raises(ReviewError, match=r"quotes a possible NHS number \(9\*\* \*\*\* \*\*\*\*, not yet resolved\)"):
        produce_report(ws, leaky, out, identity=None)
    assert not out.exists()
    fid = next(f.id for f in check_state(ws, leaky).findings if f.kind == "nhs-number")
    apply(ws, leaky, ResolveFinding(fid, REPORTED))
    with pytest.raises(ReviewError, match="reported to the issuer"):
        produce_report(ws, leaky, out, identity=None)


def test_a_shortened_quote_passes_and_its_context_and_limitations_stay_masked(ws, leaky, tmp_path):
    fid = next(f.id for f in ensure_checked(ws, leaky).findings if f.kind == "nhs-number")
    apply(ws, leaky, ResolveFinding(fid, REPORTED))
    # the quote stops short of the number, but its stored context would show it
    anchor = Anchor("D2", 1, "Mother gave the baby's NHS number", "", f" {NHS} to the")
    apply(ws, leaky, AddEvidence(Evidence("EV1", "K1", anchor, "")))
    apply(ws, leaky, AddAnnotation(Annotation("AN1", Anchor("D2", 1, "to the duty worker", f"{NHS} ", " on the"),
                                              "Said on the phone", "", "")))
    out = tmp_path / "draft.pdf"
    produce_report(ws, leaky, out, identity=None)
    raw = out.read_bytes()
    text = " ".join(_pages(out))
    for form in (NHS, NHS.replace(" ", "")):
        assert form not in text and form.encode() not in raw
    assert "Mother gave the baby's NHS number" in text
    assert re.search(r"1 possible identifier left in the bundle was reported to the issuer \(NHS number: [A-Z]\d+ "
                     r"9\*\* \*\*\* \*\*\*\*\); none is quoted in this report\.", text)
    assert "could not be checked for personal data because it has no text layer" in text


def test_resolved_as_not_personal_data_the_quote_may_stand(ws, leaky, tmp_path):
    fid = next(f.id for f in ensure_checked(ws, leaky).findings if f.kind == "nhs-number")
    apply(ws, leaky, ResolveFinding(fid, NOT_PERSONAL, "A test number from the NHS's published examples"))
    apply(ws, leaky, AddEvidence(Evidence("EV1", "K1", Anchor("D2", 1, f"NHS number {NHS}"), "")))
    produce_report(ws, leaky, tmp_path / "draft.pdf", identity=None)


def test_an_import_without_the_check_leaves_it_to_the_first_open(ws, factory):
    lines = list(NOTE_LINES)
    lines[9] = LINE
    files = factory.default_files()
    files["documents/notes.txt"] = ("\n".join(lines) + "\n").encode("utf-8")
    case_id = import_bundle(ws, factory.build(files=files), personal_data_check=False).case_id
    assert check_state(ws, case_id).finished is None
    assert [f.kind for f in ensure_checked(ws, case_id).findings] == ["nhs-number"]
