"""The reviewer's whole journey through the real app, offscreen, on the demo case in a fresh workspace.

Open the demo case from the app (``--demo``'s path), answer every required
question of every item and of the case through the review panel's widgets,
cite passages selected in the viewer (Ctrl+E and the Cite button), highlight a
passage with a note, undo and redo (checked in the database), Finalise with
nothing missing, create an identity in the wizard, sign with its passphrase,
see the checked result, verify the report from File → Verify report… — then
check the signed PDF with the core verifier and its embedded findings against
what was entered.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel

from caseview.core.frameworks import CASE
from caseview.core.identity import open_identity
from caseview.core.review import read_state, verify_history
from caseview.core.store import Workspace
from caseview.core.verify import verify_report
from caseview.ui.review.completeness import MissingDialog
from caseview.ui.window.docks import HighlightDialog
from tests.e2e.journey_driver import Journey

PASSPHRASE = "copper kettle under the stairs"
NAME, ORG, EMAIL = "Rhiannon Ellis", "Independent Review Partnership", "rhiannon@example.org.uk"


def stored(root: Path, case_id: str):
    """The review as the database holds it, through a connection of our own."""
    with Workspace(root, backup=False) as ws:
        return read_state(ws, case_id)


def visible(kind):
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


@pytest.fixture
def app_controller(qtbot, tmp_path, monkeypatch):
    from caseview.app import AppController, create_application, make_render_client
    from caseview.ui.tasks import WorkspaceRunner

    root = tmp_path / "workspace"
    monkeypatch.setenv("CASEVIEW_WORKSPACE", str(root))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    create_application()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    runner = WorkspaceRunner(root)
    controller = AppController(runner, settings, None, make_render_client)
    yield controller, root
    for w in QApplication.topLevelWidgets():
        w.close()
    controller.shutdown(10_000)


def test_the_reviewer_journey_from_demo_case_to_verified_report(qtbot, tmp_path, monkeypatch, app_controller):
    controller, root = app_controller
    out = tmp_path / "reports" / "NS-2026-0147 review.pdf"
    out.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "PDF report (*.pdf)"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(out), "PDF report (*.pdf)"))

    # 1. Open the demo case as `caseview --demo` does: the window first, the case behind it.
    controller.launch(None, True)
    qtbot.waitUntil(lambda: controller.review is not None and controller.review.snapshot is not None,
                    timeout=60_000)
    w = controller.review
    w.resize(1366, 768)
    w.activateWindow()
    qtbot.waitExposed(w)
    j = Journey(w, lambda cond, timeout=20: qtbot.waitUntil(cond, timeout=int(timeout * 1000)))
    snap = j.controller.snapshot
    case_id = snap.case.id
    assert w.windowTitle() == "CaseView — NS-2026-0147"
    assert w.review_dock.isVisible() and w.review_panel.isVisible()
    items = [i.id for i in snap.items]
    assert j.panel.completeness.total == len(items) + 1

    # 2. Every item: answers through the form, evidence cited from a selection in the viewer.
    for n, item_id in enumerate(items):
        j.review_item(item_id, shortcut=(n % 2 == 0))  # Ctrl+E for half of them, the Cite button for the rest
    j.idle()
    db = stored(root, case_id)
    for (item_id, qid), value in j.entered.items():
        assert db.answers[(item_id, qid)] == value, (item_id, qid)
    for item_id, quotes in j.cited.items():
        assert [e.anchor.exact for e in db.evidence if e.item_id == item_id] == quotes
        assert all(e.anchor.doc_id == snap.manifest.item(item_id).documents[0] for e in db.evidence
                   if e.item_id == item_id)

    # 3. The case questions, the last answer typed just before the undo steps.
    j.click_item(CASE)
    j.answer_required(CASE, skip=("payment_summary",))
    rationale = next(q for q in j.controller.context.questions(CASE) if q.id == "payment_summary")
    j.answer(CASE, rationale, "Two of three outcomes are met and independently evidenced; the third is deferred.")
    j.idle()
    assert j.panel.completeness.done == j.panel.completeness.total

    # 4. A further citation, then a highlight with a note (Ctrl+H), both through the real widgets.
    j.click_item("K2")
    extra_quote = j.cite_selection("K2", shortcut=True, page=2)
    quote = j.select_passage(page=3)
    QTest.keyClick(j.viewer.canvas.viewport(), Qt.Key_H, Qt.ControlModifier)
    qtbot.waitUntil(lambda: bool(visible(HighlightDialog)), timeout=5000)
    dialog = visible(HighlightDialog)[0]
    QTest.keyClicks(dialog.note, "Check the timescale against the procedures")
    dialog.accept()
    qtbot.waitUntil(lambda: len(j.controller.state.annotations) == 1, timeout=5000)
    j.idle()
    qtbot.waitUntil(lambda: w.annotations_panel.model.rowCount() == 1 and w.saved_label.text() == "Saved",
                    timeout=5000)
    db = stored(root, case_id)
    assert [(a.anchor.exact, a.note) for a in db.annotations] == [(quote, "Check the timescale against the "
                                                                           "procedures")]
    k2_evidence = len([e for e in db.evidence if e.item_id == "K2"])
    assert k2_evidence == 2 and extra_quote in [e.anchor.exact for e in db.evidence]

    # 5. Undo three steps with Ctrl+Z (annotation, citation, the typed rationale), checked in the database;
    #    then redo them with Ctrl+Shift+Z.
    def key(k, mods):
        w.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)
        QTest.keyClick(w.viewer.canvas.viewport(), k, mods)
        j.idle()

    key(Qt.Key_Z, Qt.ControlModifier)
    db = stored(root, case_id)
    assert db.annotations == ()
    key(Qt.Key_Z, Qt.ControlModifier)
    db = stored(root, case_id)
    assert len([e for e in db.evidence if e.item_id == "K2"]) == 1 and extra_quote not in [e.anchor.exact
                                                                                         for e in db.evidence]
    key(Qt.Key_Z, Qt.ControlModifier)
    db = stored(root, case_id)
    assert (CASE, "payment_summary") not in db.answers
    assert w.annotations_panel.model.rowCount() == 0
    assert j.panel.completeness.done == j.panel.completeness.total - 1
    for _ in range(3):
        key(Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    db = stored(root, case_id)
    assert db.answers[(CASE, "payment_summary")] == j.entered[(CASE, "payment_summary")]
    assert len([e for e in db.evidence if e.item_id == "K2"]) == 2
    assert [(a.anchor.exact, a.note) for a in db.annotations] == [(quote, "Check the timescale against the "
                                                                           "procedures")]
    qtbot.waitUntil(lambda: w.annotations_panel.model.rowCount() == 1, timeout=5000)
    assert w.saved_label.text() == "Saved"

    # 6. Finalise…: nothing is missing; Sign… starts the signing flow.
    QTest.mouseClick(j.panel.completeness.button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(visible(MissingDialog)), timeout=5000)
    finalise = visible(MissingDialog)[0]
    assert finalise.entries() == [] and finalise.sign_button.isEnabled()
    QTest.mouseClick(finalise.sign_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: w.wiring.flow is not None and w.wiring.flow.wizard is not None, timeout=10_000)
    flow = w.wiring.flow

    # 7. No identity yet: create one in the wizard (name, organisation, email, passphrase twice).
    wizard = flow.wizard
    qtbot.waitUntil(lambda: wizard.isVisible(), timeout=5000)
    QTest.mouseClick(wizard.new_button, Qt.LeftButton)
    for field, text in ((wizard.c_name, NAME), (wizard.c_org, ORG), (wizard.c_email, EMAIL),
                        (wizard.c_pass, PASSPHRASE), (wizard.c_pass2, PASSPHRASE)):
        QTest.keyClicks(field, text)
    assert wizard.create_button.isEnabled(), wizard.create_problems()
    QTest.mouseClick(wizard.create_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: wizard.made is not None, timeout=30_000)
    QTest.mouseClick(wizard.finish_button, Qt.LeftButton)

    # 8. The passphrase, then the output path (the save dialog answers `out`), progress, the checked result.
    qtbot.waitUntil(lambda: flow.passphrase_dialog is not None and flow.passphrase_dialog.isVisible(),
                    timeout=5000)
    prompt = flow.passphrase_dialog
    QTest.keyClicks(prompt.field, PASSPHRASE)
    QTest.mouseClick(prompt.ok_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: flow.result_dialog is not None and flow.result_dialog.isVisible(), timeout=60_000)
    result = flow.result_dialog
    assert "Report signed and checked" in result.headline.text()
    assert "Valid" in result.verdict.text()
    assert result.result.outcome.path == out and out.exists()

    # The case is signed: read-only in the window, "Start a new version" offered.
    qtbot.waitUntil(lambda: j.controller.read_only and "read-only" in j.panel.completeness.label.text(), timeout=10_000)
    assert j.panel.completeness.label.text().startswith("Signed on ")
    qtbot.waitUntil(lambda: "Start a new version" in w.info_bar.text.text(), timeout=10_000)
    signed_notices = [label.text() for label in w.findChildren(QLabel) if label.isVisible()
                      and "This case is read-only" in label.text()]
    assert len(signed_notices) == 1, signed_notices  # said once, in the window's information bar
    assert w.wiring.new_version_action.isEnabled() or w.wiring.flow is not None
    result.accept()
    qtbot.waitUntil(lambda: w.wiring.flow is None, timeout=5000)
    assert w.wiring.new_version_action.isEnabled() and not w.wiring.sign_action.isEnabled()
    assert not w.highlight_action.isEnabled() and not w.wiring.cite_action.isEnabled()

    # 9. File → Verify report… (the open dialog answers `out`): the verdict in words.
    w.wiring.verify_action.trigger()
    verify = w.wiring.last_dialog()
    qtbot.waitUntil(lambda: getattr(verify, "result", None) is not None, timeout=30_000)
    assert verify.result.verdict == "valid"  # signed with the reviewer's own identity: trusted as such
    assert verify.result.signatures[0].trust == "your own identity"

    # 10. The signed PDF, checked by the core verifier with the new identity's certificate as trusted.
    der = open_identity(wizard.made.path, PASSPHRASE).certificate_der
    v = verify_report(out, trusted=[der])
    assert v.ok, v.reasons
    assert v.signatures[0].signer_name == NAME
    assert v.findings_match is not False
    findings = v.findings
    by_item = {i["item_id"]: i for i in findings["items"]}
    for (item_id, qid), value in j.entered.items():
        got = findings["case"]["answers"][qid] if item_id == CASE else by_item[item_id]["answers"][qid]
        assert got == value, (item_id, qid)
    for item_id, quotes in j.cited.items():
        assert sorted(e.get("exact") for e in by_item[item_id]["evidence"]) == sorted(quotes)
    assert [a["note"] for a in findings["annotations"]] == ["Check the timescale against the procedures"]
    with Workspace(root, backup=False) as ws:
        assert ws.case(case_id).status == "signed"
        assert verify_history(ws, case_id)[0]
