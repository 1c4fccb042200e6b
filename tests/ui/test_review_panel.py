"""The review panel with qtbot on real workspaces: forms for every question type, saving, undo, evidence, finalising."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from caseview.core.frameworks import CASE
from caseview.core.review import Anchor
from caseview.core.store import Workspace
from caseview.ui.review.form import (ChoiceEditor, FlagEditor, ListEditor, ScaleEditor, TagsEditor, TextEditor)
from caseview.ui.review.dated import ActionsEditor, DateEditor
from caseview.ui.review.models import COMPLETE, FLAGGED, StatusRole
from caseview.ui.review.panel import ANCHOR_MIME, ReviewPanel, anchor_from_mime, anchor_to_mime
from tests.ui.test_undo import Session, copy_workspace, templates  # noqa: F401 - the session fixture

EDITORS = {"choice": ChoiceEditor, "scale": ScaleEditor, "text": TextEditor, "list": ListEditor,
           "tags": TagsEditor, "flag": FlagEditor, "date": DateEditor, "actions": ActionsEditor}


def _panel(qtbot, session: Session) -> ReviewPanel:
    panel = ReviewPanel(session.controller)
    qtbot.addWidget(panel)
    panel.resize(520, 740)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def demo(qtbot, templates, tmp_path):  # noqa: F811
    s = Session(qtbot, *copy_workspace(templates, "demo", tmp_path))
    s.panel = _panel(qtbot, s)
    yield s
    s.close()


@pytest.fixture
def audit(qtbot, templates, tmp_path):  # noqa: F811
    s = Session(qtbot, *copy_workspace(templates, "audit", tmp_path))
    s.panel = _panel(qtbot, s)
    yield s
    s.close()


@pytest.mark.parametrize("name", ["demo", "audit"])
def test_every_question_of_both_frameworks_gets_its_editor(name, request):
    s = request.getfixturevalue(name)
    panel, snap = s.panel, s.controller.snapshot
    kinds = set()
    for item_id in [i.id for i in snap.items] + [CASE]:
        assert panel.select_item(item_id)
        assert panel.form.item_id == item_id
        questions = snap.context.questions(item_id)
        assert list(panel.form.blocks) == [q.id for q in questions]
        for q in questions:
            block = panel.block(q.id)
            assert isinstance(block.editor, EDITORS[q.type])
            assert block.title.text().endswith(q.text)
            if q.help:
                assert block.help.text() == q.help and block.help.isVisible()
            if q.required:
                assert block.status.text() == "Required"
            elif q.required_when:
                assert block.status.text() == "Not needed now"
                assert block.condition.text().startswith("Needed only when ")
            kinds.add(q.type)
    expected = {"choice", "scale", "text", "flag"} | ({"list", "tags"} if name == "audit" else {"date"})
    assert kinds == expected
    assert snap.framework.id == {"demo": "outcome-verification", "audit": "case-file-audit"}[name]


def test_scale_shows_value_label_and_description(demo):
    demo.panel.select_item("K1")
    scale = demo.panel.block("judgement").editor
    texts = [b.text() for b in scale.group.buttons()]
    assert texts == ["4 · Outstanding", "3 · Good", "2 · Requires improvement to be good", "1 · Inadequate"]
    descriptions = [lab.text() for lab in scale.findChildren(type(demo.panel.block("judgement").title))
                    if lab.property("role") == "muted"]
    assert any(d.startswith("Serious or widespread failures") for d in descriptions)


def test_choosing_a_radio_persists_and_clearing_takes_it_back(demo, qtbot):
    demo.panel.select_item("O1")
    editor = demo.panel.block("threshold").editor
    qtbot.mouseClick(editor.button_for("Not yet due"), Qt.LeftButton)
    assert demo.read().answers[("O1", "threshold")] == "Not yet due"
    assert demo.saves[-1] == "Saved"
    assert demo.panel.block("threshold").status.text() == "✓ Answered"
    assert editor.clear.isVisible()
    qtbot.mouseClick(editor.clear, Qt.LeftButton)
    assert ("O1", "threshold") not in demo.read().answers
    assert editor.group.checkedId() == -1


def test_text_is_saved_within_a_second_of_the_last_keystroke(demo, qtbot):
    demo.panel.select_item("O2")
    edit = demo.panel.block("rationale").editor.edit
    edit.setFocus()
    qtbot.keyClicks(edit, "No re-referral")
    typed = time.monotonic()
    qtbot.waitUntil(lambda: bool(demo.saves), timeout=1000)
    assert time.monotonic() - typed < 1.0
    assert demo.read().answers[("O2", "rationale")] == "No re-referral"
    qtbot.keyClicks(edit, " is recorded")
    demo.panel.block("sustained").editor.button_for("Yes").setFocus()  # focus-out saves at once
    qtbot.waitUntil(lambda: demo.controller.answer("O2", "rationale") == "No re-referral is recorded", timeout=300)
    assert demo.read().answers[("O2", "rationale")] == "No re-referral is recorded"
    assert demo.controller.undo_stack.count() == 1  # one field, one burst of typing: one undo step


def test_undo_redo_restores_answers_and_evidence_in_the_form(demo, qtbot):
    panel, c = demo.panel, demo.controller
    undo, redo = c.make_undo_action(panel), c.make_redo_action(panel)
    panel.addAction(undo)
    panel.addAction(redo)
    panel.select_item("K2")
    scale = panel.block("judgement").editor
    qtbot.mouseClick(scale.button_for(3), Qt.LeftButton)
    qtbot.mouseClick(scale.button_for(1), Qt.LeftButton)
    panel.cite_anchor(Anchor("DOC04", 2, "not seen alone"))
    demo.settle()
    assert panel.form.evidence_model.rowCount() == 1
    assert panel.block("judgement").evidence_note.text() == "✓ 1 citation"

    edit = panel.block("rationale").editor.edit
    edit.setFocus()
    qtbot.keyClicks(edit, "Typed just now")
    qtbot.keyClick(edit, Qt.Key_Z, Qt.ControlModifier)  # goes to the review's undo, after the text is saved
    demo.settle()
    assert ("K2", "rationale") not in demo.read().answers and edit.toPlainText() == ""

    undo.trigger()  # the citation
    demo.settle()
    assert panel.form.evidence_model.rowCount() == 0
    assert panel.block("judgement").evidence_note.text() == "Needs at least 1 citation"
    undo.trigger()  # 1 → 3
    demo.settle()
    assert scale.value() == 3 and demo.read().answers[("K2", "judgement")] == 3
    redo.trigger()
    redo.trigger()
    demo.settle()
    assert scale.value() == 1 and panel.form.evidence_model.rowCount() == 1
    assert len(demo.read().evidence) == 1


def test_a_raised_flag_requires_its_note(demo, qtbot):
    panel = demo.panel
    panel.select_item("O3")
    block = panel.block("concern")
    flag = block.editor
    assert not flag.note.isVisible() and not flag.warning.isVisible()
    qtbot.mouseClick(flag.check, Qt.LeftButton)
    assert flag.note.isVisible() and flag.warning.isVisible() and block.property("flagged")
    assert demo.read().answers[("O3", "concern")] == {"raised": True, "note": ""}
    row = panel.items_model.row_of("O3")
    assert panel.items_model.index(row).data(StatusRole) == FLAGGED
    assert any(g.question_id == "concern" for g in demo.controller.gaps())
    qtbot.keyClicks(flag.note, "Certificate date differs from C3")
    assert not flag.warning.isVisible()
    demo.controller.flush()
    assert demo.read().answers[("O3", "concern")]["note"] == "Certificate date differs from C3"
    assert not any(g.question_id == "concern" for g in demo.controller.gaps())


def test_min_evidence_indicator_and_evidence_list(demo, qtbot):
    panel = demo.panel
    panel.select_item("O1")
    note = panel.block("threshold").evidence_note
    assert note.text() == "Needs at least 1 citation" and note.property("role") == "warning"
    assert panel.form.evidence_empty.isVisible()

    asked = []
    panel.citeRequested.connect(asked.append)
    qtbot.mouseClick(panel.form.cite_button, Qt.LeftButton)
    panel.cite_action.trigger()
    assert asked == ["O1", "O1"]

    panel.cite_anchor(Anchor("DOC12", 2, "93.3%", "attendance ", " in the summer"))
    panel.cite_anchor(Anchor("DOC15", 1, None))
    demo.settle()
    assert note.text() == "✓ 2 citations" and note.property("role") == "muted"
    view = panel.form.evidence_view
    texts = [panel.form.evidence_model.index(i).data() for i in range(2)]
    assert texts[0].startswith("C7 · School attendance record, 2025/26 — “93.3%”")
    assert texts[1] == "C8 · Provider's outcome payment claim — Whole page"

    shown = []
    panel.showEvidence.connect(shown.append)
    rect = view.visualRect(panel.form.evidence_model.index(1))
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=rect.center())
    assert shown[0].anchor == Anchor("DOC15", 1, None)
    qtbot.keyClick(view, Qt.Key_Delete)  # remove is one action
    demo.settle()
    assert [e.anchor.doc_id for e in demo.read().evidence] == ["DOC12"]


def test_links_open_documents_and_events(demo, qtbot):
    panel = demo.panel
    panel.select_item("K1")
    opened, events = [], []
    panel.openDocument.connect(lambda d, p: opened.append((d, p)))
    panel.openEvent.connect(events.append)
    panel.open_link("doc:DOC02")
    panel.open_link("event:E01")
    assert opened == [("DOC02", 1), ("DOC01", 1)] and events == ["E01"]


def test_dropping_an_anchor_from_the_viewer_cites_it(demo, qtbot):
    panel = demo.panel
    panel.select_item("K3")
    anchor = Anchor("DOC06", 2, "17 working days", "held ", " after")
    assert anchor_from_mime(anchor_to_mime(anchor)) == anchor
    assert anchor_from_mime(b"not json") is None and anchor_from_mime(b'{"doc_id": 1, "page": 2}') is None
    mime = QMimeData()
    mime.setData(ANCHOR_MIME, anchor_to_mime(anchor))
    target = panel.form.evidence_box
    pos = target.mapTo(panel, target.rect().center())
    drop = QDropEvent(pos.toPointF(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    panel.dropEvent(drop)
    demo.settle()
    assert [e.anchor for e in demo.read().evidence] == [anchor]
    assert demo.read().evidence[0].item_id == "K3"


def test_lists_and_tags_persist(audit, qtbot):
    panel = audit.panel
    panel.select_item(CASE)
    tags = panel.block("themes").editor
    qtbot.mouseClick(tags.chip_for("Timeliness"), Qt.LeftButton)
    qtbot.mouseClick(tags.chip_for("Child's voice"), Qt.LeftButton)
    assert audit.read().answers[(CASE, "themes")] == ["Child's voice", "Timeliness"]  # framework order

    lst = panel.block("recommendations").editor
    qtbot.mouseClick(lst.add_button, Qt.LeftButton)
    qtbot.keyClicks(lst.rows[0].edit, "See the child alone")
    qtbot.keyClick(lst.rows[0].edit, Qt.Key_Return)  # Enter starts the next entry
    qtbot.keyClicks(lst.rows[1].edit, "Record management oversight")
    lst.flush()
    assert audit.read().answers[(CASE, "recommendations")] == ["See the child alone", "Record management oversight"]
    qtbot.mouseClick(lst.rows[1].button("up"), Qt.LeftButton)
    assert audit.read().answers[(CASE, "recommendations")] == ["Record management oversight", "See the child alone"]
    qtbot.mouseClick(lst.rows[0].button("remove"), Qt.LeftButton)
    assert audit.read().answers[(CASE, "recommendations")] == ["See the child alone"]
    assert [r.edit.text() for r in lst.rows] == ["See the child alone"]


def test_item_status_follows_the_form(audit, qtbot):
    panel = audit.panel
    panel.select_item("K2")
    answers = {"timely": "Yes", "informed": "Partly", "child_voice": "No", "proportionate": "Yes",
               "oversight": "No"}
    for qid, option in answers.items():
        qtbot.mouseClick(panel.block(qid).editor.button_for(option), Qt.LeftButton)
    qtbot.mouseClick(panel.block("judgement").editor.button_for(2), Qt.LeftButton)
    panel.block("rationale").editor.edit.setPlainText("Reasons given.")
    panel.cite_anchor(Anchor("D2", 2, "not seen alone"))
    panel.flush()
    audit.settle()
    row = panel.items_model.row_of("K2")
    assert panel.items_model.index(row).data(StatusRole) == COMPLETE
    assert panel.completeness.label.text() == "1 of 3 parts complete"


def test_read_only_when_signed(templates, tmp_path, qtbot):  # noqa: F811
    root, case_id = copy_workspace(templates, "demo", tmp_path)
    with Workspace(root, backup=False) as ws:
        ws.set_case_status(case_id, "signed", "2026-11-20T10:00:00Z")
    s = Session(qtbot, root, case_id)
    try:
        panel = _panel(qtbot, s)
        assert panel.completeness.label.text() == "Signed on 20 Nov 2026 — read-only"
        assert "Start a new version" in panel.completeness.label.toolTip()
        for item_id in ("K1", "O1", CASE):
            panel.select_item(item_id)
            assert all(not b.editor.isEnabled() for b in panel.form.blocks.values())
            assert not panel.form.cite_button.isEnabled() and not panel.form.remove_button.isEnabled()
        assert not panel.cite_action.isEnabled()
    finally:
        s.close()


def test_finalise_lists_the_gaps_and_goes_to_the_field(demo, qtbot):
    panel = demo.panel
    panel.select_item("O1")
    qtbot.mouseClick(panel.block("threshold").editor.button_for("Met"), Qt.LeftButton)
    dialog = panel.finalise()
    qtbot.waitExposed(dialog)
    entries = dialog.entries()
    assert len(entries) == len(demo.controller.gaps())
    assert entries[0][:2] == ("K1", "timely")
    assert ("O1", "threshold") in [e[:2] for e in entries]  # answered, but not yet cited
    assert not dialog.sign_button.isEnabled()
    target = next(i for i in range(dialog.tree.topLevelItemCount())
                  if dialog.tree.topLevelItem(i).data(0, Qt.UserRole + 60) == CASE)
    entry = dialog.tree.topLevelItem(target).child(0)  # the case's payment_summary
    dialog._activated(entry)
    assert panel.current_item() == CASE
    editor = panel.block("payment_summary").editor.edit
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editor, timeout=2000)
    assert panel.completeness.label.text() == "0 of 9 parts complete"


def test_history_dialog_reads_through_the_runner(demo, qtbot):
    from caseview.ui.review.history import HistoryDialog

    demo.controller.set_answer("O1", "sustained", "Yes")
    demo.settle()
    dialog = HistoryDialog(demo.runner, demo.case_id, "NS-2026-0147")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.snapshot is not None, timeout=5000)
    assert dialog.check.text() == "✓ The change history is intact (1 entry)."
    assert dialog.model.index(0, 2).data() == "O1 · sustained answered"


def test_no_horizontal_scrolling_at_a_narrow_width(demo, qtbot):
    panel = demo.panel
    panel.resize(380, 700)
    for item_id in ("K1", "O1", CASE):
        panel.select_item(item_id)
        qtbot.wait(10)
        wide = {q: b.minimumSizeHint().width() for q, b in panel.form.blocks.items()
                if b.minimumSizeHint().width() > panel.scroll.viewport().width()}
        assert panel.form.width() <= panel.scroll.viewport().width(), (item_id, wide)
        assert panel.form.minimumSizeHint().width() <= panel.scroll.viewport().width()


def test_undo_shows_the_item_it_changed(demo, qtbot):
    panel = demo.panel
    panel.select_item("O1")
    qtbot.mouseClick(panel.block("sustained").editor.button_for("No"), Qt.LeftButton)
    panel.select_item("K4")
    demo.settle()
    demo.controller.undo()
    assert panel.current_item() == "O1"
    assert panel.block("sustained").editor.value() is None
    demo.settle()
    assert demo.read().answers == {}


def test_a_finished_review_offers_to_sign(demo, qtbot):
    from caseview.core.findings import import_findings
    from caseview.core.review import read_state
    from caseview.paths import resource

    with Workspace(demo.root, backup=False) as ws:  # the demo's finished review, as a findings import
        import_findings(ws, demo.case_id, resource("demo", "demo-findings.json"))
        assert read_state(ws, demo.case_id).answers
    demo.controller.reload()
    qtbot.waitUntil(lambda: demo.controller.state.answers != {}, timeout=5000)
    assert demo.controller.gaps() == []
    assert demo.panel.completeness.label.text() == "All 9 parts complete — ready to sign"
    signs = []
    demo.panel.readyToSign.connect(lambda: signs.append(1))
    dialog = demo.panel.finalise()
    assert dialog.entries() == [] and dialog.sign_button.isEnabled()
    qtbot.mouseClick(dialog.sign_button, Qt.LeftButton)
    assert signs == [1]
