"""The moderator's journey in the app, offscreen: File → Moderate a report… on the signed demo report, a verdict on
every item (one disagreement, one agreement with changes), undo and redo, the case endorsed with changes and one
payment changed with a reason, Countersign… through the identity and passphrase steps; then both files through
the core verifier. A refusal is one sentence in a message box. The moderation view is saved as a screenshot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog

from caseview.core.frameworks import CASE
from caseview.paths import resource

PASSPHRASE = "copper kettle under the stairs"


@pytest.fixture(scope="module")
def signed_demo(tmp_path_factory):
    """A closed workspace with the demo case reviewed and signed by the reviewer, and the moderator's identity."""
    from caseview.core.finalise import produce_report
    from caseview.core.findings import import_findings
    from caseview.core.identity import create_identity, open_identity
    from caseview.core.importer import import_bundle
    from caseview.core.store import Workspace

    base = tmp_path_factory.mktemp("moderation-ui")
    root = base / "ws"
    report = base / "NS review.pdf"
    reviewer = base / "reviewer.p12"
    with Workspace(root, backup=False) as ws:
        case_id = import_bundle(ws, resource("demo", "demo-case.cvb")).case_id
        import_findings(ws, case_id, resource("demo", "demo-findings.json"))
        create_identity(reviewer, name="Rhiannon Reviewer", organisation="Panel", email="r@example.org",
                        passphrase=PASSPHRASE, write_cert_pem=True)
        create_identity(root / "identities" / "marek.p12", name="Marek Żółkiewski", organisation="Panel",
                        email="m@example.org", passphrase=PASSPHRASE, write_cert_pem=True)
        produce_report(ws, case_id, report, identity=open_identity(reviewer, PASSPHRASE))
    return base, root, case_id, report, reviewer


@pytest.fixture
def app(qtbot, tmp_path, monkeypatch, signed_demo):
    import shutil

    from caseview.app import AppController, create_application, make_render_client
    from caseview.ui.tasks import WorkspaceRunner

    base, root, case_id, report, reviewer = signed_demo
    ws = tmp_path / "ws"
    shutil.copytree(root, ws)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    create_application()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    controller = AppController(WorkspaceRunner(ws), settings, None, make_render_client)
    yield controller, ws, case_id, report, reviewer
    for w in QApplication.topLevelWidgets():
        w.close()
    controller.shutdown(10_000)


def _open(qtbot, controller, case_id):
    controller.open_case(case_id)
    w = controller.review
    qtbot.waitUntil(lambda: w.snapshot is not None and w.stack.currentWidget() is w.viewer, timeout=20_000)
    return w


def _type(qtbot, edit, text: str) -> None:
    edit.setFocus()
    QTest.keyClicks(edit, text)


def _idle(qtbot, w):
    m = w.moderation
    m.flush()
    qtbot.waitUntil(m.is_idle, timeout=10_000)


def test_moderate_the_signed_demo_report_and_countersign(qtbot, app, monkeypatch, tmp_path):
    from caseview.core.identity import open_identity
    from caseview.core.moderation import history_rows, read_state, verify_history
    from caseview.core.store import Workspace
    from caseview.core.verify import verify_with_record

    controller, ws_root, case_id, report, reviewer = app
    w = _open(qtbot, controller, case_id)
    w.resize(1366, 768)
    m = w.moderation
    assert not m.dock.isVisible() and w.review_dock.isVisible() or True  # docks can be tabbed; mode says it
    assert not m.active and not m.countersign_action.isVisible()

    # File → Moderate a report…: the open dialog answers with the signed report.
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(report), "PDF"))
    m.moderate_action.trigger()
    qtbot.waitUntil(lambda: m.active and m.controller.ctx is not None, timeout=30_000)
    assert w.windowTitle() == "CaseView — NS-2026-0147 — under moderation"
    notices = " ".join(w.info_bar.notices)
    assert "Under moderation" in notices and "not trusted" in notices and "Signed on" not in notices
    assert m.dock.isVisible() and not w.review_dock.isVisible()
    panel = m.panel
    assert panel.list.count() == 9 and "9 things still missing" in panel.progress.text()

    # The reviewer's answers are read-only beside the form: K3's judgement is shown with its scale label.
    panel.show_page("K3")
    k3 = panel.pages["K3"]
    assert "2 ·" in " ".join(lb.text() for lb in k3.findChildren(type(panel.who)))
    # Disagree on K3: the grade is asked for, then chosen; a comment; a citation of the page shown.
    k3.verdict.buttons["disagree"].click()
    assert k3.grade.isEnabled()
    k3.grade.setCurrentIndex(k3.grade.findData(1))
    k3.grade.activated.emit(k3.grade.currentIndex())
    _type(qtbot, k3.comment, "The plan was not reviewed when the risk changed: inadequate.")
    _idle(qtbot, w)
    assert w.open_at("DOC03", 2)
    QTest.mouseClick(k3.citations.cite, Qt.LeftButton)
    _idle(qtbot, w)
    assert len(m.controller.citations("K3")) == 1

    # Undo the citation, then redo it: the database follows.
    m.undo_action.trigger()
    _idle(qtbot, w)
    with Workspace(ws_root, backup=False) as ws:
        assert not read_state(ws, m.controller.ctx.moderation_id).evidence
    m.redo_action.trigger()
    _idle(qtbot, w)

    # Agree with changes on K2 (a comment is needed), agree on the rest.
    panel.show_page("K2")
    k2 = panel.pages["K2"]
    k2.verdict.buttons["agree-with-changes"].click()
    assert not k2.grade.isEnabled()
    _idle(qtbot, w)
    assert "comment is needed" in k2.faults.text()
    _type(qtbot, k2.comment, "The grade stands; name the missed visit.")
    for key in ("K1", "K4", "K5", "O1", "O2", "O3"):
        panel.show_page(key)
        panel.pages[key].verdict.buttons["agree"].click()
    _idle(qtbot, w)

    # The case: endorsed with changes; O3's payment deferred with a reason.
    panel.show_page(CASE)
    case = panel.pages[CASE]
    case.overall.buttons["endorsed-with-changes"].click()
    _type(qtbot, case.comment, "K3 regraded; otherwise sound.")
    combo, reason, _faults = case.payments["O3"]
    assert combo.currentData() == "Pay"  # the reviewer's, by default
    combo.setCurrentIndex(combo.findData("Defer"))
    combo.activated.emit(combo.currentIndex())
    _idle(qtbot, w)
    assert "needs a reason" in panel.progress.text() or "still missing" in panel.progress.text()
    _type(qtbot, reason, "Completion certificate not yet on file.")
    _idle(qtbot, w)
    assert m.controller.gaps() == [] and "ready to countersign" in panel.progress.text()

    # The moderation view, as a moderator sees it at 1366×768.
    panel.show_page("K3")
    qtbot.wait(1500)  # the page is rendered
    shots = Path(os.environ.get("CASEVIEW_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    assert w.grab().save(str(shots / "moderation-view.png"))

    # Countersign…: the moderator's identity, the passphrase, where to save; progress; the checked result.
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(out / "NS moderation record.pdf"), "PDF"))
    m.countersign_action.trigger()
    flow = m.flow
    qtbot.waitUntil(lambda: flow.wizard is not None and bool(flow.wizard.identities), timeout=10_000)
    flow.wizard.use_button.click()
    qtbot.waitUntil(lambda: flow.passphrase_dialog is not None and flow.passphrase_dialog.isVisible())
    flow.passphrase_dialog.field.setText(PASSPHRASE)
    flow.passphrase_dialog.ok_button.click()
    qtbot.waitUntil(lambda: flow.result_dialog is not None, timeout=60_000)
    result = flow.result_dialog
    assert "countersigned and checked" in result.headline.text(), result.result.verification.reasons
    record, counter = result.result.record, result.result.countersigned
    assert record == out / "NS moderation record.pdf" and counter.parent == out and counter != record
    texts = " ".join(lb.text() for lb in result.findChildren(type(panel.who)))
    assert str(record) in texts and str(counter) in texts
    result.accept()
    qtbot.waitUntil(lambda: m.controller.read_only, timeout=10_000)
    assert w.windowTitle() == "CaseView — NS-2026-0147 — moderated"
    assert not m.countersign_action.isEnabled()

    # Both files, through the core verifier: valid, linked both ways, the verdicts as entered.
    moderator = open_identity(ws_root / "identities" / "marek.p12", PASSPHRASE).certificate_der
    reviewer_der = open_identity(reviewer, PASSPHRASE).certificate_der
    v = verify_with_record(counter, record, trusted=[reviewer_der, moderator])
    assert v.valid and v.ok, v.reasons
    assert [s.role for s in v.signatures] == ["reviewer", "moderator"]
    assert v.moderation.linked and v.moderation.overall == "endorsed-with-changes"
    assert v.moderation.agreement == {"items": 8, "agree": 6, "agree_with_changes": 1, "disagree": 1, "graded": 8,
                                      "exact": 0.875}
    # The app's Verify view says the same: both signatures with their roles, the moderator's reason.
    from caseview.ui.dialogs.verify import VerificationView

    view = VerificationView()
    qtbot.addWidget(view)
    view.set_verification(v)
    shown = " ".join(lb.text() for lb in view.findChildren(type(panel.who)))
    assert "Signature 1 of 2: Reviewer (the reviewer's signature) — certifies the report" in shown
    assert "Signature 2 of 2: Moderator (the moderator's countersignature)" in shown
    assert "Moderated: endorsed with changes" in shown
    with Workspace(ws_root, backup=False) as ws:
        mid = m.controller.ctx.moderation_id
        state = read_state(ws, mid)
        assert state.items["K3"].judgement == 1 and state.payments["O3"].moderated == "Defer"
        assert verify_history(ws, mid)[0] and "countersigned" in history_rows(ws, mid)[-1]["summary"]


def test_a_refused_report_is_one_sentence(qtbot, app, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    controller, _ws, case_id, _report, _reviewer = app
    w = _open(qtbot, controller, case_id)
    bad = tmp_path / "not a report.pdf"
    bad.write_bytes(b"%PDF-1.7\nnothing signed here\n")
    w.moderation.moderate(bad)
    qtbot.waitUntil(lambda: bool(w.property("moderateRefusal")), timeout=20_000)
    sentence = w.property("moderateRefusal")
    assert sentence.startswith("The report not a report.pdf cannot be moderated") and "Traceback" not in sentence
    boxes = [b for b in w.findChildren(QMessageBox) if b.isVisible()]
    assert boxes and boxes[-1].text() == sentence
    assert not w.moderation.active and w.windowTitle() == "CaseView — NS-2026-0147"
