"""Findings JSON: export in any state, round trip into a fresh workspace, refusals, carrying forward."""

from __future__ import annotations

import json

import pytest

from caseview.core.errors import ReviewError
from caseview.core.findings import export_findings, import_findings, resolve_quote, write_findings
from caseview.core.frameworks import CASE
from caseview.core.importer import import_bundle
from caseview.core.review import AddAnnotation, Anchor, Annotation, SetAnswer, apply, read_state
from caseview.core.store import Workspace
from tests.core.test_review import ALL_CASE, ALL_DECISION, cite


def comparable(data: dict) -> dict:
    return {k: data[k] for k in ("bundle", "framework", "items", "case", "annotations")}


@pytest.fixture
def reviewed(ws, factory):
    bundle = factory.build()
    case_id = import_bundle(ws, bundle).case_id
    for q, v in ALL_DECISION.items():
        apply(ws, case_id, SetAnswer("K1", q, v))
    apply(ws, case_id, SetAnswer("K1", "escalate", {"raised": True, "note": "Bruising unexplained — gŵr, żółw"}))
    apply(ws, case_id, SetAnswer(CASE, "themes", ["Timeliness", "Child's voice"]))
    for q, v in ALL_CASE.items():
        apply(ws, case_id, SetAnswer(CASE, q, v))
    apply(ws, case_id, cite("K1"))
    apply(ws, case_id, cite("K2", "D2", 2, "not seen alone"))
    from caseview.core.review import AddEvidence, Evidence, new_id
    apply(ws, case_id, AddEvidence(Evidence(new_id("E"), "K2", Anchor("D3", 1, None), "")))
    apply(ws, case_id, AddAnnotation(Annotation("A1", Anchor("D1", 2, "78 per cent", "is ", ""), "Low", "concern",
                                                "2026-11-02T10:00:00Z")))
    return bundle, case_id


def test_export_shape_follows_the_spec(ws, reviewed):
    _, case_id = reviewed
    data = export_findings(ws, case_id)
    assert data["format"] == "caseview-findings" and data["format_version"] == "1.0"
    assert data["framework"] == {"id": "case-file-audit", "version": "1.0"}
    assert [i["item_id"] for i in data["items"]] == ["K1", "K2"]
    k1 = data["items"][0]
    assert k1["answers"]["judgement"] == 2 and k1["answers"]["escalate"]["raised"] is True
    assert k1["evidence"][0] == {"document_id": "D1", "page": 1, "page_ref": "A1", "exact": "bruise",
                                 "prefix": "has a ", "suffix": " on the"}
    whole_page = data["items"][1]["evidence"][1]
    assert whole_page == {"document_id": "D3", "page": 1, "page_ref": "B4"}
    assert data["case"]["answers"]["recommendations"] == ALL_CASE["recommendations"]
    assert data["started"] is not None


def test_untouched_review_exports(ws, factory):
    case_id = import_bundle(ws, factory.build()).case_id
    data = export_findings(ws, case_id)
    assert data["started"] is None and data["items"][0] == {"item_id": "K1", "answers": {}, "evidence": []}


def test_round_trip_into_a_fresh_workspace(ws, reviewed, tmp_path):
    bundle, case_id = reviewed
    first = export_findings(ws, case_id)
    path = tmp_path / "findings.json"
    write_findings(first, path)
    with Workspace(tmp_path / "other") as fresh:
        other = import_bundle(fresh, bundle).case_id
        result = import_findings(fresh, other, path)
        assert (result.answers, result.evidence, result.annotations) == (13, 3, 1)
        second = export_findings(fresh, other)
        assert comparable(second) == comparable(first)
        assert fresh.history_rows(other)[-1]["summary"] == "findings imported"


def test_step_by_step_import_enters_the_same_review_change_by_change(ws, reviewed, tmp_path):
    bundle, case_id = reviewed
    first = export_findings(ws, case_id)
    path = tmp_path / "findings.json"
    write_findings(first, path)
    with Workspace(tmp_path / "other") as fresh:
        other = import_bundle(fresh, bundle).case_id
        apply(fresh, other, SetAnswer("K1", "timely", "No"))  # whatever was there first is cleared
        result = import_findings(fresh, other, path, step_by_step=True)
        def without_times(d):
            d = comparable(d)
            d["annotations"] = [{k: v for k, v in a.items() if k != "created"} for a in d["annotations"]]
            return d
        assert without_times(export_findings(fresh, other)) == without_times(first)  # created: now, as typed
        rows = fresh.history_rows(other)
        steps = rows[2:]  # after the earlier answer and the clearing entry
        assert rows[1]["summary"] == "cleared for a step-by-step import"
        assert len(steps) == result.answers + result.evidence + result.annotations == 13 + 3 + 1
        assert steps[0]["summary"].startswith("annotation")  # reading comes before judging
        assert steps[-1]["summary"].startswith("case ·")
        assert export_findings(fresh, other)["completed"] is None  # completed by its last step, when signed


def _mutations():
    def item(d): d["items"][0]["item_id"] = "K9"
    def question(d): d["items"][0]["answers"]["payment"] = "Full"
    def value(d): d["items"][0]["answers"]["timely"] = "Perhaps"
    def doc(d): d["items"][0]["evidence"][0]["document_id"] = "D7"
    def page(d): d["items"][0]["evidence"][0]["page"] = 99
    def fingerprint(d): d["bundle"]["fingerprint"] = "0" * 64
    def framework(d): d["framework"]["id"] = "outcome-verification"
    def fmt(d): d["format"] = "something-else"
    def version(d): d["format_version"] = "2.0"
    def case_q(d): d["case"]["answers"]["overall"] = 9
    return [item, question, value, doc, page, fingerprint, framework, fmt, version, case_q]


@pytest.mark.parametrize("mutate", _mutations(), ids=lambda f: f.__name__)
def test_import_refuses_whole_file_naming_the_fault(ws, reviewed, tmp_path, mutate):
    _, case_id = reviewed
    data = export_findings(ws, case_id)
    before = read_state(ws, case_id)
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ReviewError):
        import_findings(ws, case_id, path)
    assert read_state(ws, case_id) == before


def test_not_json_is_refused(ws, reviewed, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReviewError, match="not valid JSON"):
        import_findings(ws, reviewed[1], path)


def test_carry_forward_to_a_new_version_lists_orphans(ws, reviewed, factory, tmp_path):
    _, old_case = reviewed
    path = tmp_path / "old.json"
    write_findings(export_findings(ws, old_case), path)
    files = factory.default_files()
    # The notes change (so citations on them are orphaned); the referral PDF is the same bytes.
    files["documents/notes.txt"] = "A corrected note.\n".encode()
    m = factory.default_manifest()
    new_case = import_bundle(ws, factory.build(m, files)).case_id
    with pytest.raises(ReviewError, match="fingerprint"):
        import_findings(ws, new_case, path)
    result = import_findings(ws, new_case, path, from_previous_version=True)
    state = read_state(ws, new_case)
    assert state.answers == read_state(ws, old_case).answers
    assert [(e.item_id, e.anchor.doc_id) for e in state.evidence] == [("K1", "D1"), ("K2", "D3")]
    assert any("D2 page 2: the document changed" in o for o in result.orphans)
    assert [o["detail"] for o in ws.orphan_rows(new_case)] == list(result.orphans)


def test_resolve_quote_uses_context_to_choose():
    text = "the child was seen. Later the child was seen alone."
    a = Anchor("D", 1, "the child was seen", "Later ", " alone")
    assert resolve_quote(text, a) == text.index("Later") + len("Later ")
    assert resolve_quote("the  child\nwas seen", Anchor("D", 1, "child was", "", "")) is not None
    assert resolve_quote(text, Anchor("D", 1, "absent", "", "")) is None


def test_carry_forward_from_case_and_reopen_signed(ws, reviewed, factory):
    from caseview.core.findings import carry_forward_from_case
    from caseview.core.review import start_new_version

    _, old_case = reviewed
    m = factory.default_manifest()
    m["case"]["title"] = "Corrected"
    new_case = import_bundle(ws, factory.build(m)).case_id
    result = carry_forward_from_case(ws, old_case, new_case)
    assert result.orphans == () and read_state(ws, new_case).answers == read_state(ws, old_case).answers
    ws.set_case_status(new_case, "signed", "2026-11-20T10:00:00Z")
    with pytest.raises(ReviewError, match="read-only"):
        apply(ws, new_case, SetAnswer("K1", "timely", "No"))
    start_new_version(ws, new_case)
    apply(ws, new_case, SetAnswer("K1", "timely", "No"))
    assert "new version started" in ws.history_rows(new_case)[-2]["summary"]
