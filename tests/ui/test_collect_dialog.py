"""File → Collect reports…: the dialog runs collect in the background and says what was and was not counted."""

from __future__ import annotations

import pytest

from caseview.ui.dialogs.collect import CollectDialog
from caseview.ui.tasks import WorkspaceRunner
from tests.core import collect_fixtures as C


@pytest.fixture
def runner(qtbot, tmp_path):
    r = WorkspaceRunner(tmp_path / "workspace")
    with qtbot.waitSignal(r.workspaceOpened, timeout=10_000):
        pass
    yield r
    r.shutdown()


def test_collect_dialog_counts_lists_the_rest_and_writes_the_summary(qtbot, runner, tmp_path):
    files = C.write_collection(tmp_path / "reports")
    dialog = CollectDialog(runner)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.folder.setText(str(tmp_path / "reports"))
    dialog.base.setText(str(tmp_path / "evidence.sqlite"))
    dialog.go.click()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=120_000)
    result = dialog.outcome.result
    assert result.new_files == len(files) and sum(result.counts.values()) == len(files)
    text = dialog.status.text()
    assert text.startswith(f"{len(files)} files in the evidence base, {len(files)} new in this run:")
    # no certificate is trusted in a fresh workspace: nothing is dropped silently, each file has its reason
    assert dialog.not_counted.count() == len(result.not_counted) > 0
    assert all(": " in dialog.not_counted.item(i).text() for i in range(dialog.not_counted.count()))
    assert dialog.outcome.summary.exists() and dialog.outcome.summary.read_bytes().startswith(b"%PDF")
    assert dialog.open_summary.isVisible() and dialog.go.isEnabled()
    dialog.outcome = None
    dialog.go.click()  # again: nothing new
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=60_000)
    assert dialog.outcome.result.new_files == 0


def test_collect_dialog_asks_for_what_is_missing(qtbot, runner, tmp_path):
    dialog = CollectDialog(runner)
    qtbot.addWidget(dialog)
    dialog.go.click()
    assert "Choose the folder" in dialog.status.text()
    dialog.folder.setText(str(tmp_path))
    dialog.go.click()
    assert "Choose where the evidence base is kept" in dialog.status.text()
    not_a_base = tmp_path / "notes.sqlite"
    not_a_base.write_bytes(b"my own notes, not an evidence base")
    dialog.base.setText(str(not_a_base))
    dialog.go.click()
    qtbot.waitUntil(lambda: dialog.go.isEnabled(), timeout=30_000)
    assert "evidence base" in dialog.status.text()
    assert not_a_base.read_bytes() == b"my own notes, not an evidence base"
