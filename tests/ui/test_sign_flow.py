"""Finalise and sign on the demo case: complete → identity → passphrase → file → progress → checked result;
a wrong passphrase, an incomplete case, a cancel, starting a new version, and carrying a review forward."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QFileDialog  # noqa: E402

from caseview.core.verify import verify_report  # noqa: E402
from caseview.paths import resource  # noqa: E402

PASSPHRASE = "correct horse battery"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    """A closed workspace holding the demo case, its finished review and one identity (built once: ~2 s)."""
    from caseview.core.findings import import_findings
    from caseview.core.identity import create_identity
    from caseview.core.importer import import_bundle
    from caseview.core.store import Workspace

    root = tmp_path_factory.mktemp("template") / "ws"
    with Workspace(root, backup=False) as ws:
        case_id = import_bundle(ws, resource("demo", "demo-case.cvb")).case_id
        import_findings(ws, case_id, resource("demo", "demo-findings.json"))
        create_identity(root / "identities" / "gwen.p12", name="Gwen Llŷr", organisation="Independent Reviews Cymru",
                        email="gwen@example.org", passphrase=PASSPHRASE, write_cert_pem=True)
    return root, case_id


@pytest.fixture
def demo(demo_template, workspace_dir):
    """The demo case id, in this test's copy of the template workspace."""
    root, case_id = demo_template
    shutil.copytree(root, workspace_dir)
    return case_id


@pytest.fixture
def runner(request, workspace_dir, qtbot):
    from caseview.ui.tasks import WorkspaceRunner

    if "demo" in request.fixturenames:
        request.getfixturevalue("demo")  # the workspace is copied in before the runner opens it
    r = WorkspaceRunner(workspace_dir)
    yield r
    r.shutdown()


@pytest.fixture
def save_to(monkeypatch):
    """Patch the save dialog: it answers with whatever path the test puts in the list."""
    answer: list[Path] = []
    asked: list[str] = []

    def fake(parent, caption="", directory="", filter="", *a, **k):
        asked.append(directory)
        return (str(answer[0]) if answer else "", "")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake)
    return answer, asked


def _to_passphrase(qtbot, flow):
    qtbot.waitUntil(lambda: flow.wizard is not None and bool(flow.wizard.identities), timeout=10_000)
    assert flow.wizard.use_button.isEnabled()
    flow.wizard.use_button.click()
    qtbot.waitUntil(lambda: flow.passphrase_dialog is not None and flow.passphrase_dialog.isVisible())
    return flow.passphrase_dialog


def test_sign_the_demo_case_and_the_result_says_valid(qtbot, runner, demo, tmp_path, save_to, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    from caseview.ui.dialogs.sign_flow import SignFlow

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    out = tmp_path / "out" / "NS review.pdf"
    out.parent.mkdir()
    save_to[0].append(out)
    flow = SignFlow(runner, demo)
    signed = []
    flow.signed.connect(signed.append)
    flow.start()
    dialog = _to_passphrase(qtbot, flow)
    assert "Gwen Llŷr" in flow.info.name
    dialog.field.setText(PASSPHRASE)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: flow.result_dialog is not None, timeout=30_000)
    assert signed == [demo]
    # the default offered was "<reference> review.pdf" in Documents, not anything from the case content
    assert save_to[1][0].endswith("NS-2026-0147 review.pdf")
    result = flow.result_dialog
    assert result.result.verification.ok
    assert "Valid" in result.verdict.text()
    assert "Report signed and checked" in result.headline.text()
    assert out.exists() and sorted(p.name for p in out.parent.iterdir()) == ["NS review.pdf"]
    assert verify_report(out, trusted=[]).valid  # valid for anyone; trusted only with the certificate
    result.open_button.click()
    assert opened and opened[0].isLocalFile() and Path(opened[0].toLocalFile()) == out.parent.resolve()
    result.accept()

    # The case is signed now: finalising again says so; "Start a new version" reopens it and keeps the report.
    again = SignFlow(runner, demo)
    again.start()
    qtbot.waitUntil(lambda: again.message_box is not None)
    assert "was signed on" in again.message_box.text()
    again.message_box.done(0)

    reopen = SignFlow(runner, demo)
    reopened = []
    reopen.reopened.connect(reopened.append)
    reopen.start_new_version()
    qtbot.waitUntil(lambda: reopen.confirm_box is not None)
    assert "kept as it is" in reopen.confirm_box.informativeText()
    reopen.new_version_button.click()
    qtbot.waitUntil(lambda: reopened == [demo], timeout=10_000)
    assert out.exists()
    status = []
    runner.submit(lambda ws: ws.case(demo).status, status.append)
    qtbot.waitUntil(lambda: status == ["open"])


def test_wrong_passphrase_is_said_inline_and_the_reviewer_retries(qtbot, runner, demo, save_to):
    from caseview.ui.dialogs.sign_flow import SignFlow

    flow = SignFlow(runner, demo)
    flow.start()
    dialog = _to_passphrase(qtbot, flow)
    dialog.field.setText("not the passphrase")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: bool(dialog.problem), timeout=10_000)
    assert "passphrase" in dialog.problem and "not correct" in dialog.problem
    assert dialog.isVisible() and flow.progress_dialog is None
    # the second try opens the key; the reviewer then declines the save dialog, so nothing is written
    ended = []
    flow.finished.connect(lambda: ended.append(True))
    dialog.field.setText(PASSPHRASE)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: ended == [True], timeout=10_000)
    assert not dialog.isVisible() and dialog.field.text() == ""
    assert flow.progress_dialog is None and flow.result is None


def test_incomplete_case_stops_with_the_list(qtbot, runner, demo):
    from caseview.core.frameworks import CASE
    from caseview.core.review import SetAnswer, apply
    from caseview.ui.dialogs.sign_flow import SignFlow

    done = []
    runner.submit(lambda ws: apply(ws, demo, SetAnswer(CASE, "payment_summary", None)), done.append, done.append)
    qtbot.waitUntil(lambda: len(done) == 1)
    flow = SignFlow(runner, demo)
    go = []
    flow.goToMissing.connect(lambda item, q: go.append((item, q)))
    flow.start()
    qtbot.waitUntil(lambda: flow.missing_dialog is not None)
    entries = flow.missing_dialog.entries()
    assert [(e.item_id, e.question_id) for e in entries] == [(CASE, "payment_summary")]
    assert "not answered" in entries[0].sentence
    assert flow.wizard is None  # stopped before choosing an identity
    flow.missing_dialog.go_button.click()
    assert go == [(CASE, "payment_summary")]


def test_cancel_leaves_no_file(qtbot, runner, demo, tmp_path, save_to):
    from caseview.ui.dialogs.sign_flow import SignFlow

    out = tmp_path / "cancelled" / "report.pdf"
    out.parent.mkdir()
    save_to[0].append(out)
    flow = SignFlow(runner, demo)
    signed = []
    flow.signed.connect(signed.append)
    flow.start()
    dialog = _to_passphrase(qtbot, flow)
    dialog.field.setText(PASSPHRASE)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: flow.progress_dialog is not None, timeout=10_000)
    flow.progress_dialog.cancel_button.click()  # rendering takes a second or more: this lands before signing
    qtbot.waitUntil(lambda: flow.message_box is not None, timeout=30_000)
    assert flow.message_box.text() == "Signing was cancelled."
    assert signed == [] and flow.result_dialog is None
    assert list(out.parent.iterdir()) == []  # no report, no temporary file
    status = []
    runner.submit(lambda ws: ws.case(demo).status, status.append)
    qtbot.waitUntil(lambda: status == ["open"])


def test_carry_forward_shows_every_orphan(qtbot, runner, workspace_dir, factory):
    from caseview.core.importer import import_bundle
    from caseview.core.review import AddAnnotation, AddEvidence, Anchor, Annotation, Evidence, SetAnswer, apply, \
        new_id
    from caseview.ui.dialogs.carry_forward import offer_carry_forward

    files = factory.default_files()
    changed = dict(files)
    changed["documents/notes.txt"] = "A corrected note.\n".encode()

    def setup(ws):
        old = import_bundle(ws, factory.build(factory.default_manifest(), files, name="v1.cvb")).case_id
        apply(ws, old, SetAnswer("K1", "timely", "Yes"))
        apply(ws, old, AddEvidence(Evidence(new_id("E"), "K1", Anchor("D2", 1, None), "")))
        apply(ws, old, AddAnnotation(Annotation("A1", Anchor("D2", 1, None), "Check this", "Concern", "")))
        apply(ws, old, AddEvidence(Evidence(new_id("E"), "K1", Anchor("D1", 1, None), "")))
        new = import_bundle(ws, factory.build(factory.default_manifest(), changed, name="v2.cvb")).case_id
        return old, new, ws.case(new).bundle_id

    got = []
    runner.submit(setup, got.append, lambda e: got.append(e))
    qtbot.waitUntil(lambda: bool(got), timeout=20_000)
    old, new, bundle_id = got[0]
    flow = offer_carry_forward(None, runner, new, bundle_id)
    carried = []
    flow.carried.connect(lambda case_id, result: carried.append((case_id, result)))
    qtbot.waitUntil(lambda: flow.question is not None)
    assert "Carry your review of version 1 forward" in flow.question.text()
    flow.carry_button.click()
    qtbot.waitUntil(lambda: flow.result_dialog is not None, timeout=10_000)
    dialog = flow.result_dialog
    assert carried and carried[0][0] == new
    shown = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert shown == list(carried[0][1].orphans) and len(shown) == 2
    assert all("D2 page 1: the document changed" in s for s in shown)
    assert "2 items could not be carried forward" in dialog.summary.text()
    assert dialog.list.isVisibleTo(dialog)


def test_default_report_path_never_offers_an_existing_report(tmp_path):
    from caseview.ui.dialogs.sign_flow import default_report_path

    assert default_report_path("NS/2026:0147", tmp_path).name == "NS-2026-0147 review.pdf"
    (tmp_path / "NS-1 review.pdf").write_bytes(b"%PDF")
    assert default_report_path("NS-1", tmp_path).name == "NS-1 review (2).pdf"
