"""Edit → Settings…: bundle limits round-trip and are validated; trust list add/remove; identities; workspace key."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings  # noqa: E402


@pytest.fixture
def runner(workspace_dir, qtbot):
    from caseview.ui.tasks import WorkspaceRunner

    r = WorkspaceRunner(workspace_dir)
    yield r
    r.shutdown()


@pytest.fixture
def qsettings(tmp_path, monkeypatch):
    from caseview.ui.dialogs import settings as settings_dialog

    path = str(tmp_path / "caseview.ini")
    monkeypatch.setattr(settings_dialog, "_qsettings", lambda: QSettings(path, QSettings.IniFormat))
    return path


def _dialog(qtbot, runner):
    from caseview.ui.dialogs.settings import SettingsDialog

    dialog = SettingsDialog(runner)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.settings is not None)
    return dialog


def test_limits_round_trip_and_are_validated(qtbot, runner, workspace_dir, qsettings):
    from caseview.core.bundle import Limits
    from caseview.core.settings import load_settings
    from caseview.ui.dialogs.settings import GIB, MIB

    dialog = _dialog(qtbot, runner)
    assert dialog.max_documents.value() == Limits().max_documents
    assert dialog.max_document.value() == Limits().max_document_bytes // MIB
    assert dialog.max_total.value() == Limits().max_total_bytes // GIB
    dialog.max_document.setValue(40 * 1024)  # 40 GiB per document, more than the 16 GiB bundle
    assert "cannot be larger" in dialog.limits_error.text() and not dialog.save_limits_button.isEnabled()
    dialog.max_documents.setValue(250)
    dialog.max_document.setValue(200)
    dialog.max_total.setValue(3)
    dialog.max_ratio.setValue(40)
    assert dialog.save_limits_button.isEnabled()
    dialog.save_limits_button.click()
    qtbot.waitUntil(lambda: "Saved" in dialog.limits_error.text())
    saved = load_settings(workspace_dir).limits
    assert (saved.max_documents, saved.max_document_bytes, saved.max_total_bytes, saved.max_ratio) == \
        (250, 200 * MIB, 3 * GIB, 40)
    assert saved.ratio_min_bytes == Limits().ratio_min_bytes  # the ones not shown are kept

    again = _dialog(qtbot, runner)
    assert (again.max_documents.value(), again.max_document.value(), again.max_total.value(),
            again.max_ratio.value()) == (250, 200, 3, 40)


def test_trust_list_add_and_remove_with_confirmation(qtbot, runner, qsettings):
    from tests.core import pdf_fixtures as F

    ident = F.make_identity("moderator", name="Marek Żółkiewski", organisation="Quality Assurance Panel")
    dialog = _dialog(qtbot, runner)
    dialog.role.setCurrentIndex(2)  # moderator
    dialog.add_certificate(ident.p12.with_suffix(".pem"))
    qtbot.waitUntil(lambda: len(dialog.trust) == 1)
    assert dialog.trust[0]["role"] == "moderator" and dialog.trust[0]["fingerprint"] == ident.fingerprint
    assert dialog.trust_table.item(0, 0).text().startswith("Marek Żółkiewski")
    dialog.trust_table.selectRow(0)
    dialog.remove_trust_button.click()
    box = dialog.confirm_box
    remove = [b for b in box.buttons() if b.text() == "Remove"][0]
    remove.click()
    qtbot.waitUntil(lambda: dialog.trust == [])
    dialog.add_certificate(ident.p12)  # not a certificate: the sentence is shown, nothing added
    qtbot.waitUntil(lambda: "not an X.509 certificate" in dialog.trust_status.text())


def test_identities_listed_and_removed_from_the_workspace(qtbot, runner, workspace_dir, qsettings):
    import shutil

    from tests.core import pdf_fixtures as F

    ident = F.make_identity("reviewer", name="Gwen Llŷr")
    folder = workspace_dir / "identities"
    qtbot.waitUntil(lambda: folder.is_dir())
    shutil.copy(ident.p12, folder / "gwen.p12")
    shutil.copy(ident.p12.with_suffix(".pem"), folder / "gwen.pem")
    dialog = _dialog(qtbot, runner)
    qtbot.waitUntil(lambda: len(dialog.identities) == 1)
    dialog.id_table.selectRow(0)
    assert ident.fingerprint[:4] in dialog.id_fp.text()
    dialog.remove_id_button.click()
    cancel = [b for b in dialog.confirm_box.buttons() if b.text() != "Remove"][0]
    cancel.click()
    assert (folder / "gwen.p12").exists()
    dialog.remove_id_button.click()
    [b for b in dialog.confirm_box.buttons() if b.text() == "Remove"][0].click()
    qtbot.waitUntil(lambda: dialog.identities == [])
    assert sorted(p.name for p in folder.iterdir()) == []


def test_workspace_folder_is_the_only_qsetting(qtbot, runner, workspace_dir, qsettings, tmp_path, monkeypatch):
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QFileDialog

    from caseview.ui.dialogs.settings import WORKSPACE_KEY, saved_workspace_folder

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    dialog = _dialog(qtbot, runner)
    assert dialog.ws_path.isReadOnly() and dialog.ws_path.text() == str(workspace_dir)
    assert dialog.open_workspace_folder() and opened[0].isLocalFile()
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(other))
    dialog.choose_workspace_folder()
    assert saved_workspace_folder() == other
    assert "Restart CaseView" in dialog.ws_next.text()
    assert QSettings(qsettings, QSettings.IniFormat).allKeys() == [WORKSPACE_KEY]
