"""The workspace: private permissions, durable settings, rolling backups, debris clean-up, purge leaves no trace."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from caseview.core.errors import WorkspaceError
from caseview.core.importer import import_bundle
from caseview.core.store import Workspace
from tests.factory import NOTE_LINES

SECRET = "Zebrafinch"  # a word that exists only in the purged case


def test_folders_private_and_database_durable(ws):
    for p in [ws.root, *[q for q in ws.root.iterdir() if q.is_dir()]]:
        assert stat.S_IMODE(p.stat().st_mode) == 0o700, p
    for p in ws.root.glob("caseview.db*"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    pragma = lambda name: ws.conn.execute(f"PRAGMA {name}").fetchone()[0]
    assert pragma("journal_mode") == "wal" and pragma("synchronous") == 2 and pragma("secure_delete") == 1
    applied = [r[0] for r in ws.conn.execute("SELECT name FROM _sqlite_migrations")]
    assert applied == ["0001_initial", "0002_case_page_rows", "0003_moderation", "0004_personal_data"]


def test_backups_roll_and_are_atomic(ws):
    for _ in range(5):
        ws.backup()
    names = sorted(p.name for p in (ws.root / "backups").iterdir())
    assert names == ["caseview-1.db", "caseview-2.db", "caseview-3.db"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in (ws.root / "backups").iterdir())


def test_debris_of_a_killed_import_is_removed_at_start(workspace_dir):
    with Workspace(workspace_dir):
        pass
    (workspace_dir / "staging" / "import-dead").mkdir()
    (workspace_dir / "staging" / "import-dead" / "00001").write_bytes(b"half")
    (workspace_dir / "blobs" / ("ab" * 32)).write_bytes(b"orphan")
    with Workspace(workspace_dir) as w:
        assert list((w.root / "staging").iterdir()) == []
        assert list((w.root / "blobs").iterdir()) == []


def test_damaged_database_is_refused_with_a_sentence(workspace_dir):
    with Workspace(workspace_dir):
        pass
    for side in workspace_dir.glob("caseview.db-*"):
        side.unlink()
    (workspace_dir / "caseview.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(WorkspaceError, match="damaged|integrity"):
        Workspace(workspace_dir)


def _bytes_anywhere(root, needle: bytes) -> list[str]:
    hits = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                if needle in fh.read():
                    hits.append(p)
    return hits


def _secret_bundle(factory, reference: str):
    """The default bundle, but its case notes mention SECRET and the case has its own reference."""
    files = factory.default_files()
    lines = list(NOTE_LINES)
    lines[3] = f"The {SECRET} report was discussed."
    files["documents/notes.txt"] = ("\n".join(lines) + "\n").encode()
    m = factory.default_manifest()
    m["case"]["reference"] = reference
    return factory.build(m, files)


def test_purge_removes_every_trace(ws, factory):
    purged = import_bundle(ws, _secret_bundle(factory, "PURGE-ME-0001")).case_id
    kept = import_bundle(ws, factory.build()).case_id  # shares the referral PDF and the drawing
    assert _bytes_anywhere(ws.root, SECRET.encode())
    ws.purge_case(purged)
    assert [c.id for c in ws.cases()] == [kept]
    assert _bytes_anywhere(ws.root, SECRET.encode()) == []
    assert _bytes_anywhere(ws.root, b"PURGE-ME-0001") == []
    assert {p.name for p in (ws.root / "blobs").iterdir()} == {d.sha256 for d in ws.documents(kept)}


def test_migration_0002_backfills_page_rows_of_existing_cases(workspace_dir, factory):
    """A workspace written before 0002 (no page-row range on cases) is upgraded on open, and search stays per case."""
    from caseview.core.search import search

    with Workspace(workspace_dir, backup=False) as ws:
        first = import_bundle(ws, _secret_bundle(factory, "OLD-0001")).case_id
        second = import_bundle(ws, factory.build()).case_id
        expected = {c: ws._page_rows(c) for c in (first, second)}
        # back to the 0001 schema: the columns and the record of 0002 go
        ws.conn.execute("ALTER TABLE cases DROP COLUMN first_page_row")
        ws.conn.execute("ALTER TABLE cases DROP COLUMN last_page_row")
        ws.conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0002_case_page_rows'")
    with Workspace(workspace_dir, backup=True) as ws:
        assert {c: ws._page_rows(c) for c in (first, second)} == expected
        assert expected[first][1] < expected[second][0]
        assert [h.doc_id for h in search(ws, first, SECRET).hits] == ["D2"]
        assert search(ws, second, SECRET).total == 0  # the other case's pages are never searched
        assert search(ws, second, "bruise").total == 1
    schemas = []
    for backup in (workspace_dir / "backups").iterdir():
        conn = sqlite3.connect(backup)
        schemas.append(conn.execute("SELECT sql FROM sqlite_master WHERE name = 'cases'").fetchone()[0])
        conn.close()
    assert any("first_page_row" not in s for s in schemas), "a backup of the old schema is taken before migrating"
