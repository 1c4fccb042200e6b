"""A damaged page met by a job in the app: the reviewer reads the damaged-workspace sentence, and the next open
runs the full integrity check."""

from __future__ import annotations

import sqlite3

from caseview.core import integrity
from caseview.core.store import Workspace
from caseview.ui.tasks import WorkspaceRunner


def _corrupt(ws):
    exc = sqlite3.DatabaseError("database disk image is malformed")
    exc.sqlite_errorcode = sqlite3.SQLITE_CORRUPT
    raise exc


def test_a_damaged_page_is_named_and_the_next_open_checks_in_full(qtbot, tmp_path):
    root = tmp_path / "workspace"
    runner = WorkspaceRunner(root)
    with qtbot.waitSignal(runner.workspaceOpened, timeout=10_000):
        pass
    errors = []
    runner.submit(_corrupt, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    runner.shutdown()
    assert "is damaged or not a CaseView workspace" in str(errors[0]) and "Something went wrong" not in str(errors[0])
    assert integrity.read_state(root).get("damage_seen")
    with Workspace(root, backup=False) as ws:
        assert ws.integrity.full and any("damaged" in r for r in ws.integrity.reasons)
