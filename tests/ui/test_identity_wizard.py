"""The identity wizard: create (passphrases checked inline), choose, import a .p12, export the certificate."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QFileDialog  # noqa: E402

PASSPHRASE = "harbour lantern quietly"


@pytest.fixture
def runner(workspace_dir, qtbot):
    from caseview.ui.tasks import WorkspaceRunner

    r = WorkspaceRunner(workspace_dir)
    yield r
    r.shutdown()


def test_passphrase_hint_speaks_of_length_and_variety():
    from caseview.ui.dialogs.identity_wizard import passphrase_hint

    assert passphrase_hint("")[0] == "empty"
    assert passphrase_hint("abc")[0] == "short" and "3 of at least 8" in passphrase_hint("abc")[1]
    assert passphrase_hint("aaaaaaaaaaaa")[0] == "weak"
    assert passphrase_hint("lantern7")[0] == "weak"
    assert passphrase_hint("lantern harbour")[0] == "strong"
    assert passphrase_hint("Lantern-7x")[0] == "fair"


def test_create_refuses_short_and_mismatched_then_creates_and_exports(qtbot, runner, workspace_dir, tmp_path,
                                                                      monkeypatch):
    from caseview.core.identity import list_identities, load_certificate_pem, certificate_fingerprint
    from caseview.ui.dialogs.identity_wizard import IdentityWizard

    wizard = IdentityWizard(runner, start="choose")
    qtbot.addWidget(wizard)
    # an empty workspace goes straight to "create"
    qtbot.waitUntil(lambda: wizard.stack.currentIndex() == wizard.CREATE)
    wizard.c_name.setText("Gwen Llŷr")
    wizard.c_org.setText("Independent Reviews Cymru")
    wizard.c_email.setText("gwen@example.org")
    wizard.c_pass.setText("short")
    wizard.c_pass2.setText("short")
    wizard._create_edited()
    assert "Too short" in wizard.hint.text()
    wizard.create_button.click()
    assert "at least 8 characters" in wizard.c_error.text() and wizard.c_error.isVisibleTo(wizard)
    wizard.c_pass.setText(PASSPHRASE)
    wizard.c_pass2.setText(PASSPHRASE + "x")
    wizard._create_edited()
    assert wizard.mismatch.text() == "The two passphrases are not the same."
    wizard.create_button.click()
    assert "not the same" in wizard.c_error.text()
    assert wizard.stack.currentIndex() == wizard.CREATE
    assert list((workspace_dir / "identities").glob("*.p12")) == []

    changed = []
    wizard.identitiesChanged.connect(lambda: changed.append(True))
    wizard.c_pass2.setText(PASSPHRASE)
    wizard._create_edited()
    assert wizard.mismatch.text() == ""
    wizard.create_button.click()
    qtbot.waitUntil(lambda: wizard.stack.currentIndex() == wizard.READY, timeout=15_000)
    assert changed == [True]
    made = list_identities(workspace_dir / "identities")
    assert [(i.name, i.organisation, i.email) for i in made] == [("Gwen Llŷr", "Independent Reviews Cymru",
                                                                  "gwen@example.org")]
    assert wizard.made.fingerprint == made[0].fingerprint
    assert wizard.c_pass.text() == "" and wizard.c_pass2.text() == ""

    out = tmp_path / "Gwen certificate"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    wizard.export_button.click()
    qtbot.waitUntil(lambda: "saved" in wizard.r_status.text(), timeout=15_000)
    pem = out.with_name(out.name + ".pem")
    assert certificate_fingerprint(load_certificate_pem(pem)) == made[0].fingerprint
    assert b"PRIVATE" not in pem.read_bytes()

    chosen = []
    wizard.identityChosen.connect(chosen.append)
    wizard.finish_button.click()
    assert [c.fingerprint for c in chosen] == [made[0].fingerprint]
    assert wizard._made_passphrase == ""


def test_import_a_p12_wrong_passphrase_then_right(qtbot, runner, workspace_dir, tmp_path):
    from caseview.core.identity import list_identities
    from tests.core import pdf_fixtures as F

    from caseview.ui.dialogs.identity_wizard import IdentityWizard

    ident = F.make_identity("reviewer", name="Gwen Llŷr")
    wizard = IdentityWizard(runner, start="import")
    qtbot.addWidget(wizard)
    assert wizard.stack.currentIndex() == wizard.IMPORT and not wizard.i_back.isVisibleTo(wizard)
    wizard.i_file.setText(str(ident.p12))
    wizard.i_pass.setText("wrong passphrase")
    wizard.import_ok.click()
    qtbot.waitUntil(lambda: "not correct" in wizard.i_error.text(), timeout=10_000)
    assert wizard.stack.currentIndex() == wizard.IMPORT
    wizard.i_pass.setText(ident.passphrase)
    wizard.import_ok.click()
    qtbot.waitUntil(lambda: wizard.stack.currentIndex() == wizard.READY, timeout=10_000)
    assert [i.fingerprint for i in list_identities(workspace_dir / "identities")] == [ident.fingerprint]


def test_choose_lists_identities_and_refuses_an_expired_one(qtbot, runner):
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from caseview.core.identity import IdentityInfo
    from caseview.ui.dialogs.identity_wizard import IdentityWizard, validity_words

    now = datetime.now(UTC)
    good = IdentityInfo(Path("/x/a.p12"), "Ann Reviewer", "Org", "a@example.org", "ab" * 32,
                        now - timedelta(days=1), now + timedelta(days=30), "ec-p256")
    old = IdentityInfo(Path("/x/b.p12"), "Ann Reviewer", "Old Org", "a@example.org", "cd" * 32,
                       now - timedelta(days=900), now - timedelta(days=5), "ec-p256")
    assert validity_words(old)[1] is False and validity_words(old)[0].startswith("Expired on")
    wizard = IdentityWizard(runner, start="choose")
    qtbot.addWidget(wizard)
    qtbot.waitUntil(lambda: wizard.stack.currentIndex() == wizard.CREATE)  # the real (empty) list arrived first
    wizard.show_page(wizard.CHOOSE)
    wizard.set_identities([good, old])
    assert wizard.list.count() == 2 and wizard.selected() == good  # the usable one is preselected
    assert "abab abab" in wizard.d_fp.text()
    wizard.select_fingerprint(old.fingerprint)
    assert not wizard.use_button.isEnabled() and "cannot sign" in wizard.d_valid.text()
    chosen = []
    wizard.identityChosen.connect(chosen.append)
    wizard.select_fingerprint(good.fingerprint)
    wizard.use_button.click()
    assert chosen == [good]
