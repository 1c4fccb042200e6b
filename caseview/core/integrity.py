"""How much the workspace database is checked as it opens: a cheap check every time, SQLite's full check when there is reason to.

The **full check** is ``PRAGMA quick_check``: it reads every page of the
database (about 65 ms at 131 MB from a warm cache, seconds from a cold disk,
growing with the workspace). It runs at an open when

- no full check is on record (a new workspace, one copied in, the record lost);
- a CaseView session did not end cleanly (killed, crashed, power cut): its
  marker in ``sessions/`` is left behind and no process holds its lock;
- a session met a damaged page while it was open;
- no CaseView session has the workspace open and the database file is not as
  the last clean close left it (size, modification time, file id), or a
  write-ahead log was left beside it: something other than CaseView wrote it;
- the last full check that passed is over a day old;
- a backup or a schema migration is about to be made (never copy or upgrade an
  unchecked database).

The **cheap check** runs at every open (about 1 ms): SQLite reads the file
header and parses the schema (not a database, a damaged header or schema, a
file shorter than its header says: SQLite 3.40 refuses that at the first read); the
root page and first entry of every table and index are read (a damaged root or
first leaf page, a b-tree pointing outside the file). What it finds is refused
at once, with the same sentence as any damaged database.

A clean open no longer reads the rest of the pages: damage deep inside a table
or index that arrived without changing the file's size, time or id (a disk's
bit rot) is found by the next daily full check, or as soon as SQLite reads that
page; a workspace used in a ``with`` block then says the same sentence as a
refused open and has its next open run the full check.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import filelock
from .atomic import replace_file
from .errors import WorkspaceError

FULL_CHECK_EVERY_SECONDS = 24 * 3600
STATE_NAME = "integrity.json"  # the last full check that passed, and the database file as the last clean close left it
SESSIONS = "sessions"  # one marker per open workspace, locked while it is open
_STATE_LOCK = "integrity.lock"
_CORRUPTION = {11, 26}  # SQLITE_CORRUPT (with its extended codes), SQLITE_NOTADB


@dataclass(frozen=True)
class Verdict:
    """What this open checked: ``full`` if PRAGMA quick_check ran, and why (in words); the cheap check always runs."""

    full: bool
    reasons: tuple[str, ...]


def damaged(db_path: Path, root: Path, detail: object) -> WorkspaceError:
    return WorkspaceError(f"The workspace database {db_path} is damaged or not a CaseView workspace "
                          f"({detail}); copies are kept in {root / 'backups'}.")


def failed(db_path: Path, root: Path, check: str) -> WorkspaceError:
    return WorkspaceError(f"The workspace database {db_path} failed its integrity check ({check}); "
                          f"copies are kept in {root / 'backups'}.")


def is_corruption(exc: BaseException | None) -> bool:
    """SQLite found a damaged page or a file that is not a database (not: locked, full disk, constraint)."""
    return (isinstance(exc, sqlite3.DatabaseError)
            and ((getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF) in _CORRUPTION)


# -- sessions ---------------------------------------------------------------------------------

class Session:
    """This process's claim on the workspace while it is open: a marker file in ``sessions/``, held locked.

    A clean close removes it. A process that dies (kill -9, a crash, a power
    cut) leaves it, and the system lets go of its lock, so the next open tells
    a dead session from a live one by trying the lock.
    """

    def __init__(self, root: Path):
        self.root = root
        self.folder = root / SESSIONS
        self._stack = ExitStack()
        self.marker = self._claim()
        self.dead: list[Path] = []
        self.live = 0
        for other in self.folder.iterdir():
            if other == self.marker or other.suffix != ".open":
                continue
            with filelock.exclusive(other, blocking=False) as free:
                if free:
                    self.dead.append(other)
                else:
                    self.live += 1
        self._ended = False

    def _claim(self) -> Path:
        for _ in range(10):
            marker = self.folder / f"{os.getpid()}-{os.urandom(6).hex()}.open"
            stack = ExitStack()
            got = stack.enter_context(filelock.exclusive(marker, blocking=False))
            # Another opener removes a marker only while holding its lock: one gone before ours was taken is stale.
            if got and marker.exists():
                self._stack = stack
                return marker
            stack.close()
        raise WorkspaceError(f"The workspace folder {self.root} cannot be used: its session marker could not be "
                             f"made in {self.folder}.")

    def remove_dead(self) -> None:
        """After a full check passed: the dead sessions it answered for are forgotten."""
        for marker in self.dead:
            _remove_marker(marker)
        self.dead = []

    def end(self, db_path: Path | None, *, damage: bool = False) -> None:
        """Let go of the workspace. With ``db_path``, a clean close: the database file as it is now is recorded."""
        if self._ended:
            return
        self._ended = True
        if db_path is not None or damage:
            with _changed_state(self.root) as state:
                if db_path is not None:
                    state["closed"] = _file_id(db_path)
                if damage:
                    state["damage_seen"] = True
        if os.name != "nt":
            self.marker.unlink(missing_ok=True)  # while still held: no other opener can mistake it for a dead one
        self._stack.close()
        if os.name == "nt":
            try:
                self.marker.unlink(missing_ok=True)
            except OSError:
                pass  # another opener is looking at it; it will find it unlocked and clear it after a full check


def _remove_marker(marker: Path) -> None:
    with filelock.exclusive(marker, blocking=False) as free:
        if not free:
            return
        if os.name != "nt":
            marker.unlink(missing_ok=True)
            return
    try:
        marker.unlink(missing_ok=True)  # Windows: an open file cannot be removed, so after the lock is let go
    except OSError:
        pass


# -- the record of checks and clean closes ------------------------------------------------------

def note_damage(root: Path) -> None:
    """SQLite met a damaged page while the workspace was open: the next open runs the full check."""
    with _changed_state(root) as state:
        state["damage_seen"] = True


@contextmanager
def _changed_state(root: Path) -> Iterator[dict]:
    """The recorded state, to change in place; written back, under the state lock, when the block ends."""
    with _state_lock(root):
        state = read_state(root) or {}
        yield state
        write_state(root, state)


def read_state(root: Path) -> dict | None:
    try:
        with open(root / STATE_NAME, encoding="utf-8") as fh:
            state = json.load(fh)
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def write_state(root: Path, state: dict) -> None:
    """Replace the record. Not fsynced: a record lost in a power cut only means the next open checks in full."""
    tmp = root / f".{STATE_NAME}.{os.getpid()}-{os.urandom(4).hex()}"
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh)
        replace_file(tmp, root / STATE_NAME)
    except (OSError, WorkspaceError):
        tmp.unlink(missing_ok=True)  # no record is safe: the next open runs the full check


def _state_lock(root: Path):
    return filelock.exclusive(root / _STATE_LOCK)


def _file_id(path: Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _side_size(db_path: Path, suffix: str) -> int:
    try:
        return os.stat(str(db_path) + suffix).st_size
    except OSError:
        return 0


# -- the checks ----------------------------------------------------------------------------------

def reasons_before_open(root: Path, db_path: Path, session: Session, now: float | None = None) -> list[str]:
    """Why this open must run the full check, read from the files before SQLite touches them."""
    state = read_state(root)
    if state is None:
        return ["no full check is on record"]
    reasons = []
    if state.get("damage_seen"):
        reasons.append("a damaged page was met while the workspace was open")
    if session.dead:
        reasons.append(f"CaseView did not close the workspace cleanly ({len(session.dead)} session"
                       f"{'s' if len(session.dead) != 1 else ''} ended without closing it)")
    if not session.live:  # with a session open, the file and its log may change under it; its own close records them
        if _file_id(db_path) != state.get("closed"):
            reasons.append("the database file changed since CaseView last closed it")
        if _side_size(db_path, "-wal"):
            reasons.append("a write-ahead log was left beside the database")
    last = state.get("full_check")
    if not isinstance(last, (int, float)) or (time.time() if now is None else now) - last > FULL_CHECK_EVERY_SECONDS:
        reasons.append("the last full check is over a day old")
    return reasons


def cheap_check(conn: sqlite3.Connection) -> set[str]:
    """The check at every open: the header, the schema, and every b-tree's root and first entry; the table names.

    Raises sqlite3.DatabaseError where SQLite finds damage: a file that is not
    a database, a damaged header or schema, a file shorter than its header says
    (SQLite 3.40 refuses it at the first read), a damaged root or first leaf page.
    """
    conn.execute("PRAGMA schema_version").fetchone()
    objects = conn.execute("SELECT type, name, tbl_name, rootpage FROM sqlite_master").fetchall()
    conn.execute("PRAGMA page_count").fetchone()
    tables = set()
    for kind, name, table, root in objects:
        if kind == "table":
            tables.add(name)
        if kind not in ("table", "index") or not root:
            continue  # views, triggers, and FTS5's virtual table (its shadow tables are read like any other)
        quoted_table = '"' + table.replace('"', '""') + '"'
        if kind == "table":
            conn.execute(f"SELECT 1 FROM {quoted_table} LIMIT 1").fetchall()
        else:
            quoted = '"' + name.replace('"', '""') + '"'
            conn.execute(f"SELECT 1 FROM {quoted_table} INDEXED BY {quoted} LIMIT 1").fetchall()
    return tables


def full_check(conn: sqlite3.Connection, db_path: Path, root: Path) -> None:
    check = conn.execute("PRAGMA quick_check").fetchone()[0]
    if check != "ok":
        raise failed(db_path, root, check)


def record_full_check(root: Path, session: Session) -> None:
    with _changed_state(root) as state:
        state["full_check"] = time.time()
        state.pop("damage_seen", None)
    session.remove_dead()
