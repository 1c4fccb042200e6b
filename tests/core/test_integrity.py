"""The integrity policy at open: the cheap check every time, the full check after an unclean end, a change, or a day.

Damage is made by hand in the database file: a deep leaf page that only the
full check (or a read of that page) reaches, a table's root page that the cheap
check reads, a truncated file. Where the file's size, time and id are put back
after the damage, only the policy's other reasons can call the full check.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from caseview.core import integrity
from caseview.core.errors import WorkspaceError
from caseview.core.store import Workspace

ROOT = Path(__file__).resolve().parents[2]
#: the full check's refusals: SQLite either reports the damage (quick_check's rows) or raises on the damaged page
REFUSED = "failed its integrity check|is damaged or not a CaseView workspace"

HOLD_OPEN = """
import sys, time
from caseview.core.store import Workspace
ws = Workspace(sys.argv[1], backup=False)
print("open", flush=True)
time.sleep(120)
"""


def _make(root: Path, rows: int = 3000) -> None:
    """A workspace whose orphans table spans many leaf pages, closed cleanly (the WAL folded into the file)."""
    with Workspace(root, backup=False) as ws:
        with ws.transaction() as c:
            c.executemany("INSERT INTO orphans (case_id, kind, detail, created) VALUES (?, 'x', ?, 'now')",
                          [(f"case-{i}", "d" * 200) for i in range(rows)])


def _pages(root: Path) -> tuple[int, int, int]:
    """(page size, the orphans table's root page, its last leaf page), read through SQLite's dbstat."""
    conn = sqlite3.connect(root / "caseview.db")
    try:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        root_page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'orphans'").fetchone()[0]
        last_leaf = conn.execute("SELECT pageno FROM dbstat WHERE name = 'orphans' AND pagetype = 'leaf' "
                                 "ORDER BY path DESC LIMIT 1").fetchone()[0]
    finally:
        conn.close()
    assert not Path(str(root / "caseview.db") + "-wal").exists()
    return size, root_page, last_leaf


def _zero_page(root: Path, page: int, *, keep_identity: bool) -> None:
    """Overwrite one page with zeros; with ``keep_identity`` the file's time is put back (size and id never change)."""
    db = root / "caseview.db"
    before = os.stat(db)
    size = _pages(root)[0]
    with open(db, "r+b") as fh:
        fh.seek((page - 1) * size)
        fh.write(b"\0" * size)
    if keep_identity:
        os.utime(db, ns=(before.st_atime_ns, before.st_mtime_ns))


def _open_ok(root: Path) -> integrity.Verdict:
    with Workspace(root, backup=False) as ws:
        return ws.integrity


def _hold_open(root: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD_OPEN, str(root)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "open"
    return proc


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL) if hasattr(signal, "SIGKILL") else proc.kill()
    proc.wait()


def test_first_open_checks_in_full_then_a_clean_reopen_checks_cheaply(workspace_dir):
    _make(workspace_dir)  # the first open had no record
    verdict = _open_ok(workspace_dir)
    assert verdict == integrity.Verdict(full=False, reasons=())
    assert list((workspace_dir / "sessions").iterdir()) == []  # a clean close leaves no marker
    state = json.loads((workspace_dir / integrity.STATE_NAME).read_text())
    assert state["closed"][0] == os.path.getsize(workspace_dir / "caseview.db")


def test_deep_damage_is_not_seen_by_a_clean_open_but_by_the_daily_full_check(workspace_dir):
    """What the cheap check gives up, shown: and that the schedule catches it."""
    _make(workspace_dir)
    _zero_page(workspace_dir, _pages(workspace_dir)[2], keep_identity=True)
    assert _open_ok(workspace_dir).full is False  # the damaged page is never read by a clean open
    state_file = workspace_dir / integrity.STATE_NAME
    state = json.loads(state_file.read_text())
    state["full_check"] -= integrity.FULL_CHECK_EVERY_SECONDS + 60
    state_file.write_text(json.dumps(state))
    with pytest.raises(WorkspaceError, match=REFUSED) as refused:
        Workspace(workspace_dir, backup=False)
    assert "backups" in str(refused.value)
    with pytest.raises(WorkspaceError, match=REFUSED):  # and it stays refused
        Workspace(workspace_dir, backup=False)
    assert list((workspace_dir / "sessions").iterdir()) == []


def test_kill_9_leads_to_the_full_check_at_the_next_open(workspace_dir):
    _make(workspace_dir)
    proc = _hold_open(workspace_dir)
    assert len(list((workspace_dir / "sessions").iterdir())) == 1
    assert _open_ok(workspace_dir).full is False  # a live session is not a dead one
    _kill(proc)
    verdict = _open_ok(workspace_dir)
    assert verdict.full and any("did not close the workspace cleanly" in r for r in verdict.reasons), verdict
    assert list((workspace_dir / "sessions").iterdir()) == []  # answered for by the check that passed
    assert _open_ok(workspace_dir).full is False


def test_kill_9_then_deep_damage_is_refused(workspace_dir):
    _make(workspace_dir)
    leaf = _pages(workspace_dir)[2]
    proc = _hold_open(workspace_dir)
    _kill(proc)
    _zero_page(workspace_dir, leaf, keep_identity=True)
    with pytest.raises(WorkspaceError, match=REFUSED):
        Workspace(workspace_dir, backup=False)
    with pytest.raises(WorkspaceError, match=REFUSED):  # the dead session still counts
        Workspace(workspace_dir, backup=False)


def test_a_file_changed_outside_caseview_is_checked_in_full(workspace_dir):
    _make(workspace_dir)
    _zero_page(workspace_dir, _pages(workspace_dir)[2], keep_identity=False)
    with pytest.raises(WorkspaceError, match=REFUSED):
        Workspace(workspace_dir, backup=False)


def test_a_left_write_ahead_log_is_checked_in_full(workspace_dir):
    _make(workspace_dir)
    db = workspace_dir / "caseview.db"
    before = os.stat(db)
    other = sqlite3.connect(db)  # another program writes, and is never closed cleanly: its WAL stays
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("INSERT INTO orphans (case_id, kind, detail, created) VALUES ('x', 'x', 'x', 'x')")
    other.commit()
    wal = Path(str(db) + "-wal")
    assert wal.stat().st_size > 0 and os.stat(db).st_mtime_ns == before.st_mtime_ns
    verdict = _open_ok(workspace_dir)
    other.close()
    assert any("write-ahead log" in r for r in verdict.reasons), verdict


def test_a_damaged_root_page_is_refused_by_the_cheap_check(workspace_dir):
    _make(workspace_dir)
    _zero_page(workspace_dir, _pages(workspace_dir)[1], keep_identity=True)
    with pytest.raises(WorkspaceError, match="damaged or not a CaseView workspace") as refused:
        Workspace(workspace_dir, backup=False)
    assert "malformed" in str(refused.value) and "backups" in str(refused.value)


def test_a_truncated_file_is_refused_by_the_cheap_check(workspace_dir):
    _make(workspace_dir)
    db = workspace_dir / "caseview.db"
    before = os.stat(db)
    with open(db, "r+b") as fh:
        fh.truncate(before.st_size - 8 * _pages(workspace_dir)[0])
    state_file = workspace_dir / integrity.STATE_NAME
    state = json.loads(state_file.read_text())
    state["closed"] = integrity._file_id(db)  # as if CaseView had closed it so: only the cheap check is left
    state_file.write_text(json.dumps(state))
    with pytest.raises(WorkspaceError, match="damaged or not a CaseView workspace"):
        Workspace(workspace_dir, backup=False)


def test_damage_met_in_use_is_said_in_a_sentence_and_checked_in_full_next_time(workspace_dir):
    _make(workspace_dir)
    _zero_page(workspace_dir, _pages(workspace_dir)[2], keep_identity=True)
    with pytest.raises(WorkspaceError, match="damaged or not a CaseView workspace"):
        with Workspace(workspace_dir, backup=False) as ws:
            assert ws.integrity.full is False
            ws.conn.execute("SELECT count(*), max(length(detail)) FROM orphans").fetchone()
    with pytest.raises(WorkspaceError, match=REFUSED):
        Workspace(workspace_dir, backup=False)


def test_a_backup_is_taken_only_after_a_full_check(workspace_dir):
    _make(workspace_dir)
    with Workspace(workspace_dir) as ws:  # no backup yet: one is due at this open
        assert ws.integrity.full and "a backup is due" in ws.integrity.reasons
    assert (workspace_dir / "backups" / "caseview-1.db").exists()
    with Workspace(workspace_dir) as ws:
        assert ws.integrity.full is False


def test_a_lost_record_means_a_full_check(workspace_dir):
    _make(workspace_dir)
    (workspace_dir / integrity.STATE_NAME).write_text("{not json")
    assert _open_ok(workspace_dir).reasons == ("no full check is on record",)
    assert _open_ok(workspace_dir).full is False


def test_corruption_is_told_from_other_database_errors():
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("SELECT * FROM missing")
    except sqlite3.DatabaseError as exc:
        assert not integrity.is_corruption(exc)
    damaged = sqlite3.DatabaseError("database disk image is malformed")
    damaged.sqlite_errorcode = 11
    assert integrity.is_corruption(damaged)
    assert not integrity.is_corruption(None)
