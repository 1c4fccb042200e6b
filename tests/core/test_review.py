"""Review commands return their inverse; completeness says what is missing; the history is a hash chain."""

from __future__ import annotations

import pytest

from caseview.core.errors import ReviewError
from caseview.core.frameworks import CASE
from caseview.core.importer import import_bundle
from caseview.core.review import (AddAnnotation, AddEvidence, Anchor, Annotation, EditAnnotation, Evidence,
                                  RemoveEvidence, SetAnswer, apply, load_context, missing, new_id, read_state,
                                  verify_history)

ALL_DECISION = {"timely": "Yes", "informed": "Partly", "child_voice": "No", "proportionate": "Yes",
                "oversight": "Cannot tell from the records", "judgement": 2, "rationale": "Late conference."}
ALL_CASE = {"overall": 2, "strengths": "Prompt referral.", "development": "Timeliness.",
            "recommendations": ["Hold conferences within 15 working days."]}


@pytest.fixture
def case_id(ws, factory):
    return import_bundle(ws, factory.build()).case_id


def cite(item_id, doc="D1", page=1, exact="bruise"):
    return AddEvidence(Evidence(new_id("E"), item_id, Anchor(doc, page, exact, "has a ", " on the"), ""))


def test_set_answer_and_its_inverse(ws, case_id):
    inverse = apply(ws, case_id, SetAnswer("K1", "timely", "Yes"))
    assert read_state(ws, case_id).answers[("K1", "timely")] == "Yes"
    assert inverse == SetAnswer("K1", "timely", None)
    again = apply(ws, case_id, inverse)
    assert ("K1", "timely") not in read_state(ws, case_id).answers
    assert again == SetAnswer("K1", "timely", "Yes")


def test_evidence_and_annotation_inverses_restore_exactly(ws, case_id):
    inv = apply(ws, case_id, cite("K1"))
    before = read_state(ws, case_id)
    undo_remove = apply(ws, case_id, inv)
    assert read_state(ws, case_id).evidence == ()
    apply(ws, case_id, undo_remove)
    assert read_state(ws, case_id).evidence == before.evidence
    an = Annotation(new_id("A"), Anchor("D2", 2, "not seen alone", "", ""), "Key gap", "concern", "")
    inv = apply(ws, case_id, AddAnnotation(an))
    edit_inv = apply(ws, case_id, EditAnnotation(an.id, "Changed", ""))
    assert read_state(ws, case_id).annotations[0].note == "Changed"
    apply(ws, case_id, edit_inv)
    assert read_state(ws, case_id).annotations[0].note == "Key gap"
    apply(ws, case_id, inv)
    assert read_state(ws, case_id).annotations == ()


@pytest.mark.parametrize("cmd, message", [
    (SetAnswer("K1", "timely", "Maybe"), "must be one of"),
    (SetAnswer("K1", "judgement", 7), "scale"),
    (SetAnswer("K1", "judgement", True), "scale"),
    (SetAnswer("K1", "escalate", {"raised": "yes", "note": ""}), "raised"),
    (SetAnswer(CASE, "themes", ["Timeliness", "Astrology"]), "Astrology"),
    (SetAnswer("K9", "timely", "Yes"), "no item"),
    (SetAnswer("K1", "payment", "Full"), "no question"),
    (AddEvidence(Evidence("E1", "K1", Anchor("D1", 3, None), "")), "has 2 pages"),
    (AddEvidence(Evidence("E1", "K1", Anchor("D9", 1, None), "")), "not in the case"),
    (RemoveEvidence("nope"), "no evidence"),
])
def test_invalid_commands_are_refused_and_change_nothing(ws, case_id, cmd, message):
    with pytest.raises(ReviewError, match=message):
        apply(ws, case_id, cmd)
    assert read_state(ws, case_id).answers == {} and ws.history_rows(case_id) == []


def test_completeness_lists_every_gap_and_closes(ws, case_id):
    ctx = load_context(ws, case_id)
    gaps = missing(ctx, read_state(ws, case_id))
    assert ("K1", "timely", "not answered") in [(m.item_id, m.question_id, m.reason) for m in gaps]
    assert any(m.question_id == "judgement" and "evidence" in m.reason for m in gaps)
    for item in ("K1", "K2"):
        for q, v in ALL_DECISION.items():
            apply(ws, case_id, SetAnswer(item, q, v))
    for q, v in ALL_CASE.items():
        apply(ws, case_id, SetAnswer(CASE, q, v))
    gaps = missing(ctx, read_state(ws, case_id))
    assert [(m.item_id, m.reason) for m in gaps] == [("K1", "needs at least 1 evidence citation"),
                                                     ("K2", "needs at least 1 evidence citation")]
    apply(ws, case_id, cite("K1"))
    apply(ws, case_id, cite("K2", "D2", 2, "not seen alone"))
    assert missing(ctx, read_state(ws, case_id)) == []
    apply(ws, case_id, SetAnswer("K1", "escalate", {"raised": True, "note": " "}))
    assert [m.reason for m in missing(ctx, read_state(ws, case_id))] == ["raised without the note it requires"]


def test_history_is_hash_chained_and_edits_are_detected(ws, case_id):
    apply(ws, case_id, SetAnswer("K1", "timely", "Yes"))
    apply(ws, case_id, SetAnswer("K1", "timely", "No"))
    apply(ws, case_id, cite("K1"))
    ok, _ = verify_history(ws, case_id)
    assert ok
    rows = ws.history_rows(case_id)
    assert rows[1]["prev_hash"] == rows[0]["hash"] and len(rows) == 3
    ws.conn.execute("UPDATE history SET summary = 'nothing happened' WHERE case_id = ? AND seq = 2", (case_id,))
    ok, sentence = verify_history(ws, case_id)
    assert not ok and "entry 2" in sentence


def test_signed_case_is_read_only(ws, case_id):
    ws.set_case_status(case_id, "signed", "2026-11-20T10:00:00Z")
    with pytest.raises(ReviewError, match="read-only"):
        apply(ws, case_id, SetAnswer("K1", "timely", "Yes"))


def test_review_keeps_its_framework_when_the_file_changes(ws, case_id, monkeypatch, tmp_path):
    import json
    from caseview.core import frameworks

    src = json.loads((frameworks.builtin_dir() / "case-file-audit.json").read_text())
    src["item_questions"]["decision"] = src["item_questions"]["decision"][:1]
    src["version"] = "2.0"
    alt = tmp_path / "fw"
    alt.mkdir()
    (alt / "case-file-audit.json").write_text(json.dumps(src))
    monkeypatch.setattr(frameworks, "builtin_dir", lambda: alt)
    ctx = load_context(ws, case_id)
    assert ctx.framework.version == "1.0" and len(ctx.framework.questions_for("decision")) == 8
