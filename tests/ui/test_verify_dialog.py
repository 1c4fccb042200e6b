"""File → Verify report…: the verdict in words — valid and trusted, signer not trusted, INVALID — each signature,
the embedded findings, the notes, and copying it all as text."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QFileDialog  # noqa: E402

from tests.core import pdf_fixtures as F  # noqa: E402


@pytest.fixture
def runner(workspace_dir, qtbot):
    from caseview.ui.tasks import WorkspaceRunner

    r = WorkspaceRunner(workspace_dir)
    yield r
    r.shutdown()


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "NS-2026-0147 review.pdf"
    path.write_bytes(F.signed_report_bytes())
    return path


def _verify(qtbot, dialog):
    dialog.verify()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=20_000)
    return dialog.result


def test_untrusted_signer_is_valid_but_not_trusted(qtbot, runner, report):
    from caseview.ui.dialogs.verify import VerifyDialog

    dialog = VerifyDialog(runner)
    qtbot.addWidget(dialog)
    dialog.report.setText(str(report))
    v = _verify(qtbot, dialog)
    assert v.verdict == "untrusted"
    assert "Valid, but the signer is not trusted" in dialog.view.headline.text()
    texts = [w.text() for w in dialog.view.findChildren(type(dialog.view.headline))]
    assert any("Gwen Llŷr" in t for t in texts)
    assert any("the signer's claim" in t for t in texts)
    assert any("No — the certificate is not on your trust list" in t for t in texts)
    assert any("embedded findings match" in t for t in texts)
    assert any("Revocation was not checked" in t for t in texts)
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert "untrusted" in copied and "Certificate SHA-256" in copied


def test_trusted_through_the_extra_certificate_or_the_trust_list(qtbot, runner, report):
    from caseview.ui.dialogs.verify import VerifyDialog

    ident = F.make_identity("reviewer", name="Gwen Llŷr")
    dialog = VerifyDialog(runner)
    qtbot.addWidget(dialog)
    dialog.report.setText(str(report))
    dialog.cert.setText(str(ident.p12.with_suffix(".pem")))
    assert _verify(qtbot, dialog).verdict == "valid"
    assert "Valid and trusted" in dialog.view.headline.text()

    from caseview.core.trust import add_trusted

    done = []
    runner.submit(lambda ws: add_trusted(ws, ident.p12.with_suffix(".pem"), role="reviewer"), done.append)
    qtbot.waitUntil(lambda: bool(done))
    dialog.cert.clear()
    dialog.result = None
    assert _verify(qtbot, dialog).verdict == "valid"


def test_the_reviewers_own_identity_is_trusted_as_such(qtbot, runner, report, workspace_dir):
    from caseview.core.identity import import_identity
    from caseview.ui.dialogs.verify import VerifyDialog

    ident = F.make_identity("reviewer", name="Gwen Llŷr")
    import_identity(ident.p12, ident.passphrase, workspace_dir / "identities")
    dialog = VerifyDialog(runner)
    qtbot.addWidget(dialog)
    dialog.report.setText(str(report))
    assert _verify(qtbot, dialog).verdict == "valid"
    texts = [w.text() for w in dialog.view.findChildren(type(dialog.view.headline))]
    assert any(t == "Yes, your own identity" for t in texts), texts


def test_tampered_file_is_invalid_with_the_reason(qtbot, runner, report, tmp_path, monkeypatch):
    from caseview.ui.dialogs.verify import open_verify_dialog

    bad = tmp_path / "tampered.pdf"
    bad.write_bytes(F.flip_signed_byte(report.read_bytes()))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    dialog = open_verify_dialog(None, runner)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=20_000)
    assert dialog.result.verdict == "invalid"
    assert "INVALID" in dialog.view.headline.text()
    texts = [w.text() for w in dialog.view.findChildren(type(dialog.view.headline))]
    assert any(t.startswith("•  ") and "changed" in t for t in texts)  # the reason, in words
    assert any("NO — the signed bytes changed" in t for t in texts)
    dialog.close()


def test_no_file_chosen_shows_nothing_and_a_missing_file_is_said(qtbot, runner, tmp_path, monkeypatch):
    from caseview.ui.dialogs.verify import VerifyDialog, open_verify_dialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    assert open_verify_dialog(None, runner) is None
    dialog = VerifyDialog(runner)
    qtbot.addWidget(dialog)
    dialog.report.setText(str(tmp_path / "absent.pdf"))
    dialog.verify()
    qtbot.waitUntil(lambda: dialog.error.isVisibleTo(dialog) or dialog.result is not None, timeout=10_000)
    if dialog.result is not None:  # the core may report an unreadable file as an INVALID verdict
        assert dialog.result.verdict == "invalid"
    else:
        assert "absent.pdf" in dialog.error.text()
