"""The review panel's models and snapshots, without widgets: item status, progress, evidence rows, local updates."""

from __future__ import annotations

import zipfile

import pytest
from PySide6.QtCore import Qt

from caseview.core.frameworks import CASE, builtin_dir, load_framework_file
from caseview.core.manifest import parse_manifest
from caseview.core.review import (AddAnnotation, AddEvidence, Anchor, Annotation, CaseContext, EditAnnotation,
                                  Evidence, RemoveAnnotation, RemoveEvidence, ReplaceReview, ReviewState, SetAnswer,
                                  missing)
from caseview.core.snapshot import DocumentView
from caseview.core.store import DocumentRow
from caseview.ui.review.completeness import missing_entries
from caseview.ui.review.history import HistoryModel, HistoryRow, _plain
from caseview.ui.models import HtmlRole, IdRole, ObjectRole
from caseview.ui.review.models import (COMPLETE, FLAGGED, IN_PROGRESS, NOT_STARTED, EvidenceModel, ItemsModel,
                                       StatusRole, apply_local, describe, elide, evidence_note, evidence_rows,
                                       item_rows, progress)
from tests.factory import BundleFactory


@pytest.fixture(scope="module")
def ctx(tmp_path_factory) -> CaseContext:
    """The factory's case (two decisions) under case-file-audit, as the core would load it."""
    bundle = BundleFactory(tmp_path_factory.mktemp("bundles")).build()
    with zipfile.ZipFile(bundle) as z:
        manifest = parse_manifest(z.read("manifest.json"))
    fw = load_framework_file(builtin_dir() / "case-file-audit.json")
    return CaseContext("c1", manifest, fw, {"D1": 2, "D2": 2, "D3": 1}, "open", "f" * 64)


DOCS = (
    DocumentView(DocumentRow("c1", "D1", 0, "0" * 64, "application/pdf", "Referral from school", "A", None, None, 2,
                             2, 1, None), None),  # type: ignore[arg-type]
    DocumentView(DocumentRow("c1", "D2", 1, "1" * 64, "text/plain", "Case notes", "B", None, None, None, 2, 1,
                             None), None),  # type: ignore[arg-type]
)

DECISION_ANSWERS = {"timely": "Yes", "informed": "Partly", "child_voice": "No", "proportionate": "Yes",
                    "oversight": "Cannot tell from the records", "judgement": 2, "rationale": "Reasons."}


def _ev(item_id: str, doc: str = "D1", page: int = 1, exact: str | None = "bruise") -> Evidence:
    return Evidence(f"E-{item_id}-{page}", item_id, Anchor(doc, page, exact), "2026-11-01T10:00:00Z")


def _row(rows, item_id):
    return next(r for r in rows if r.item_id == item_id)


def test_status_moves_from_not_started_to_complete(ctx):
    state = ReviewState()
    rows = item_rows(ctx, state)
    assert [r.item_id for r in rows] == ["K1", "K2", CASE]  # the case comes last
    assert {r.status for r in rows} == {NOT_STARTED}
    assert progress(rows) == (0, 3)

    state = apply_local(state, SetAnswer("K1", "timely", "Yes"))
    assert _row(item_rows(ctx, state), "K1").status == IN_PROGRESS

    for qid, value in DECISION_ANSWERS.items():
        state = apply_local(state, SetAnswer("K1", qid, value))
    k1 = _row(item_rows(ctx, state), "K1")
    assert k1.status == IN_PROGRESS and not k1.complete  # the judgement still needs its citation
    assert [(g.question_id, g.reason) for g in k1.gaps] == [("judgement", "needs at least 1 evidence citation")]

    state = apply_local(state, AddEvidence(_ev("K1")))
    rows = item_rows(ctx, state)
    k1 = _row(rows, "K1")
    assert (k1.status, k1.complete, k1.status_label) == (COMPLETE, True, "Complete")
    assert progress(rows) == (1, 3)


def test_evidence_alone_starts_an_item(ctx):
    state = apply_local(ReviewState(), AddEvidence(_ev("K2")))
    assert _row(item_rows(ctx, state), "K2").status == IN_PROGRESS


def test_a_raised_flag_marks_the_item_flagged_and_needs_its_note(ctx):
    state = ReviewState(answers={("K1", q): v for q, v in DECISION_ANSWERS.items()}, evidence=(_ev("K1"),))
    state = apply_local(state, SetAnswer("K1", "escalate", {"raised": True, "note": ""}))
    k1 = _row(item_rows(ctx, state), "K1")
    assert (k1.status, k1.flagged, k1.complete) == (FLAGGED, True, False)
    assert k1.status_label == "Flagged · in progress"
    assert ("escalate", "raised without the note it requires") in [(g.question_id, g.reason) for g in k1.gaps]

    state = apply_local(state, SetAnswer("K1", "escalate", {"raised": True, "note": "Bruise unexplained, A2."}))
    k1 = _row(item_rows(ctx, state), "K1")
    assert (k1.status, k1.complete, k1.status_label) == (FLAGGED, True, "Flagged · complete")

    state = apply_local(state, SetAnswer("K1", "escalate", {"raised": False, "note": "Withdrawn."}))
    assert _row(item_rows(ctx, state), "K1").status == COMPLETE


def test_the_case_part_needs_its_own_questions(ctx):
    state = ReviewState(answers={(CASE, "overall"): 3, (CASE, "strengths"): "Quick response.",
                                 (CASE, "development"): "Seeing the child alone.",
                                 (CASE, "recommendations"): ["  ", ""]})
    case = _row(item_rows(ctx, state), CASE)
    assert case.status == IN_PROGRESS and [g.question_id for g in case.gaps] == ["recommendations"]
    state = apply_local(state, SetAnswer(CASE, "recommendations", ["See the child alone."]))
    case = _row(item_rows(ctx, state), CASE)
    assert case.complete and case.title == "The case as a whole"


def test_items_model_rows_roles_and_updates_in_place(ctx, qtbot):
    model = ItemsModel()
    resets, changes = [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda *a: changes.append(1))
    model.set_rows(item_rows(ctx, ReviewState()))
    assert model.rowCount() == 3 and len(resets) == 1
    idx = model.index(0)
    assert idx.data(IdRole) == "K1"
    assert idx.data(StatusRole) == NOT_STARTED
    assert idx.data(Qt.DisplayRole) == "K1 Strategy discussion convened (Decision, 12 Jan 2026) — Not started"
    assert "Strategy discussion convened" in idx.data(HtmlRole)
    assert "timely: not answered" in idx.data(Qt.ToolTipRole)
    assert model.index(2).data(Qt.DisplayRole) == "The case as a whole — Not started"

    model.set_rows(item_rows(ctx, ReviewState(answers={("K2", "timely"): "No"})))
    assert len(resets) == 1 and changes  # same rows: the view keeps its selection
    assert model.index(1).data(StatusRole) == IN_PROGRESS
    assert model.row_of("K2") == 1 and model.row_of("nope") == -1


def test_evidence_rows_show_the_page_reference_document_and_quote():
    long_quote = "Child A was not seen alone during the home visit. " * 6
    rows = evidence_rows([_ev("K1", "D1", 2, "bruise on the upper arm"), _ev("K1", "D2", 2, long_quote),
                          _ev("K2", "D2", 1, None), _ev("K2", "D9", 4, "gone")], DOCS)
    assert [r.ref for r in rows] == ["A2", "B2", "B1", "D9 p4"]
    assert rows[0].text == "A2 · Referral from school — “bruise on the upper arm”"
    assert rows[1].quote.endswith("…") and len(rows[1].quote) <= 140
    assert rows[2].quote is None and rows[2].text.endswith("Whole page")

    model = EvidenceModel()
    model.set_rows(rows)
    assert model.rowCount() == 4
    assert model.index(0).data(Qt.DisplayRole) == rows[0].text
    assert model.index(2).data(ObjectRole).evidence.anchor.exact is None
    assert "Whole page" in model.index(2).data(HtmlRole)
    assert model.index(1).data(Qt.ToolTipRole) == long_quote  # the full passage on hover


def test_elide_cuts_at_a_word():
    assert elide("short") == "short"
    assert elide("word " * 40, 20) == "word word word word…"


def test_min_evidence_note():
    assert evidence_note(1, 0) == ("Needs at least 1 citation", False)
    assert evidence_note(2, 1) == ("Needs at least 2 citations (1 so far)", False)
    assert evidence_note(1, 2) == ("✓ 2 citations", True)
    assert evidence_note(1, 1) == ("✓ 1 citation", True)


def test_apply_local_matches_every_command():
    ev = _ev("K1")
    note = Annotation("N1", Anchor("D1", 1, None), "note", "Note", "")
    s = apply_local(ReviewState(), SetAnswer("K1", "timely", "Yes"))
    assert s.answers == {("K1", "timely"): "Yes"}
    assert apply_local(s, SetAnswer("K1", "timely", None)).answers == {}
    s = apply_local(s, AddEvidence(ev))
    assert s.evidence == (ev,)
    assert apply_local(s, AddEvidence(ev)).evidence == (ev,)  # re-adding (redo) never duplicates
    assert apply_local(s, RemoveEvidence(ev.id)).evidence == ()
    s = apply_local(s, AddAnnotation(note))
    assert apply_local(s, EditAnnotation("N1", "changed", "Concern")).annotations[0].note == "changed"
    assert apply_local(s, RemoveAnnotation("N1")).annotations == ()
    other = ReviewState(answers={(CASE, "overall"): 4})
    assert apply_local(s, ReplaceReview(other, "import")) == other


def test_undo_texts_are_words(ctx):
    assert describe(SetAnswer("K1", "child_voice", "No"), ctx) == "answer to “Child voice” (K1)"
    assert describe(SetAnswer(CASE, "overall", 3), ctx) == "answer to “Overall” (the case)"
    assert describe(AddEvidence(_ev("K1", "D2", 2)), ctx, DOCS) == "citing B2"


def test_missing_entries_group_by_item_in_order(ctx):
    state = ReviewState(answers={("K1", q): v for q, v in DECISION_ANSWERS.items()})
    groups = missing_entries(missing(ctx, state), ctx.framework, ctx.manifest)
    assert [g[0] for g in groups] == ["K1", "K2", CASE]
    assert groups[0][1] == "K1 · Strategy discussion convened"
    assert groups[0][2][0][1] == "Judgement of practice for this decision. — needs at least 1 evidence citation"
    assert groups[2][1] == "The case as a whole"


def test_history_model_and_chain_sentence(qtbot):
    model = HistoryModel()
    model.set_rows([HistoryRow(2, "2026-11-01T10:00:00Z", "K1 · timely answered"),
                    HistoryRow(1, "2026-10-01T09:00:00Z", "case · overall answered")])
    assert model.rowCount() == 2 and model.columnCount() == 3
    assert model.index(0, 0).data() == "2" and model.index(0, 2).data() == "K1 · timely answered"
    assert model.index(1, 1).data() == "1 Oct 2026"
    assert _plain("The change history of case abc is intact (3 entries).", "abc", True, 3) == \
        "The change history is intact (3 entries)."
    assert _plain("The change history of case abc was altered at entry 2.", "abc", False, 3).startswith(
        "The change history was altered at entry 2.")
