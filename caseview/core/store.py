"""The workspace: one SQLite database plus content-addressed documents. The only module that writes SQL.

Layout (folders 0700, files 0600)::

    workspace/
      caseview.db        cases, documents, page text (FTS5), reviews, history, trust list
      blobs/<sha256>     document bytes, named by their hash, never by archive names
      backups/           rolling copies of caseview.db, each written to a temporary name and renamed
      staging/           private scratch space of imports in progress (cleared at start)
      frameworks/        an organisation's own review frameworks
      identities/        reviewer identities (PKCS#12) and their certificates
      sessions/          one locked marker per open of the workspace; one left unlocked means it was not closed
      integrity.json     the last full check that passed, and the database file as the last clean close left it
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from . import filelock, integrity, page_search, schema, winpath
from .atomic import fsync_dir, replace_file
from .errors import NotFound, WorkspaceError

DB_NAME = "caseview.db"
BACKUPS_KEPT = 3
BACKUP_EVERY_SECONDS = 24 * 3600
#: the longest path made inside a workspace: an identity's temporary name while it is written
LONGEST_INSIDE = len("identities/." + "0" * 64 + ".p12.abcdefgh.part")

def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


@dataclass(frozen=True)
class CaseRow:
    id: str
    bundle_id: str
    fingerprint: str
    version: int
    reference: str
    title: str | None
    issuer: str
    framework_id: str
    due: str | None
    issuer_status: str
    issuer_signer: str | None
    imported_at: str
    opened_at: str | None
    status: str
    signed_at: str | None


@dataclass(frozen=True)
class DocumentRow:
    case_id: str
    doc_id: str
    position: int
    sha256: str
    media_type: str
    title: str
    section: str
    date: str | None
    author_role: str | None
    issuer_pages: int | None
    pages: int
    first_page: int
    problem: str | None

    @property
    def readable(self) -> bool:
        return self.problem is None

    def ref(self, page: int) -> str:
        return f"{self.section}{self.first_page + page - 1}"

    @property
    def range_label(self) -> str:
        return self.ref(1) if self.pages <= 1 else f"{self.ref(1)}–{self.ref(self.pages)}"


class Workspace:
    """An open workspace. Not thread-safe: use it from one thread at a time."""

    def __init__(self, root: Path, *, backup: bool = True):
        self.root = Path(root)
        if winpath.too_deep(str(self.root.absolute()), LONGEST_INSIDE):
            raise WorkspaceError(f"The workspace folder {self.root} is too deep for Windows here (paths must stay under "
                                 f"{winpath.MAX_PATH} characters while long paths are not enabled): choose a folder of "
                                 f"at most {winpath.MAX_PATH - 2 - LONGEST_INSIDE} characters.")
        try:
            _private_dir(self.root)
            for sub in ("blobs", "backups", "staging", "frameworks", "identities", integrity.SESSIONS):
                _private_dir(self.root / sub)
        except OSError as exc:
            raise WorkspaceError(f"The workspace folder {self.root} cannot be created or used ({exc.strerror}).") from None
        self.db_path = self.root / DB_NAME
        if not self.db_path.exists():
            os.close(os.open(self.db_path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(self.db_path, 0o600)
        self._session = integrity.Session(self.root)
        conn = None
        try:
            # What the files say before SQLite touches them decides whether the full check runs (integrity.py).
            reasons = integrity.reasons_before_open(self.root, self.db_path, self._session)
            conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute("PRAGMA foreign_keys=ON")
            tables = integrity.cheap_check(conn)
            pending = schema.pending(conn, tables)
            if pending:
                reasons.append("a schema migration is due")
            elif backup and self._backup_is_stale():
                reasons.append("a backup is due")
            if reasons:
                integrity.full_check(conn, self.db_path, self.root)
                integrity.record_full_check(self.root, self._session)
        except sqlite3.DatabaseError as exc:
            self._abandon(conn)
            raise integrity.damaged(self.db_path, self.root, exc) from None
        except BaseException:
            self._abandon(conn)
            raise
        self.integrity = integrity.Verdict(full=bool(reasons), reasons=tuple(reasons))
        self.conn = conn
        for suffix in ("-wal", "-shm"):
            side = Path(str(self.db_path) + suffix)
            if side.exists():
                os.chmod(side, 0o600)
        try:
            if pending:
                if backup and "cases" in tables:
                    self.backup()
                schema.apply(self.conn)
            self.clean_debris()
            if backup and self._backup_is_stale():
                self.backup()
        except BaseException:
            self._abandon(conn)
            raise

    def _abandon(self, conn: sqlite3.Connection | None) -> None:
        """An open that failed: let go without recording the file as cleanly closed (the next open checks it)."""
        if conn is not None:
            conn.close()
        self._session.end(None)

    def close(self) -> None:
        """Close the database, then record the file as this clean close left it (integrity.py)."""
        self.conn.close()
        self._session.end(self.db_path)

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if integrity.is_corruption(exc):
            # SQLite met a damaged page in use: the same sentence as a refused open, and the next open checks in full.
            self.conn.close()
            self._session.end(self.db_path, damage=True)
            raise integrity.damaged(self.db_path, self.root, exc) from None
        self.close()

    # -- transactions ----------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic, durable write (BEGIN IMMEDIATE … COMMIT with synchronous=FULL)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # -- start-up hygiene ------------------------------------------------

    def clean_debris(self) -> None:
        """Remove what a killed import left: its staging folder and blobs no case refers to."""
        with self.import_lock(blocking=False, patience=1.0) as got:
            if not got:
                return  # another process is importing right now; its files are not debris
            for child in (self.root / "staging").iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
            used = {r[0] for r in self.conn.execute("SELECT DISTINCT sha256 FROM documents")}
            blobs = self.root / "blobs"
            for name in os.listdir(blobs):  # names, not Path objects: thousands of blobs at every open
                if name not in used:
                    (blobs / name).unlink(missing_ok=True)

    @contextmanager
    def import_lock(self, *, blocking: bool = True, patience: float = 0.0) -> Iterator[bool]:
        """Serialises imports between processes, so start-up clean-up never removes live work.

        Non-blocking callers wait up to ``patience`` seconds: a process killed a moment ago
        (and its half-started children) may still be letting go of the lock.
        """
        with filelock.exclusive(self.root / "import.lock", blocking=blocking, patience=patience) as got:
            yield got

    def staging_dir(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="import-", dir=self.root / "staging"))

    # -- backups ---------------------------------------------------------

    def _backups(self) -> list[Path]:
        return [self.root / "backups" / f"caseview-{i}.db" for i in range(1, BACKUPS_KEPT + 1)]

    def _backup_is_stale(self) -> bool:
        newest = self._backups()[0]
        return not newest.exists() or time.time() - newest.stat().st_mtime > BACKUP_EVERY_SECONDS

    def backup(self) -> Path:
        """Copy the database to backups/caseview-1.db (older copies roll to -2, -3), atomically."""
        folder = self.root / "backups"
        fd, tmp_name = tempfile.mkstemp(prefix=".backup-", suffix=".db", dir=folder)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            dst = sqlite3.connect(tmp)
            try:
                self.conn.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
            os.chmod(tmp, 0o600)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            kept = self._backups()
            for older, newer in zip(reversed(kept[1:]), reversed(kept[:-1])):
                if newer.exists():
                    replace_file(newer, older)
            replace_file(tmp, kept[0])
            fsync_dir(folder)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return kept[0]

    def drop_backups_and_rewrite(self) -> None:
        """After a purge: no old copy may still hold the purged case."""
        for b in self._backups():
            b.unlink(missing_ok=True)
        for stray in (self.root / "backups").glob(".backup-*"):
            stray.unlink(missing_ok=True)
        self.backup()

    # -- cases -----------------------------------------------------------

    def cases(self) -> list[CaseRow]:
        rows = self.conn.execute(f"SELECT {_CASE_COLS} FROM cases ORDER BY imported_at, id").fetchall()
        return [CaseRow(*r) for r in rows]

    def case(self, case_id: str) -> CaseRow:
        row = self.conn.execute(f"SELECT {_CASE_COLS} FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            raise NotFound(f"There is no case {case_id!r} in the workspace {self.root}.")
        return CaseRow(*row)

    def resolve_case(self, key: str) -> CaseRow:
        """A case by id, unique id prefix, or case reference (the newest version)."""
        rows = self.cases()
        exact = [c for c in rows if c.id == key]
        if exact:
            return exact[0]
        by_prefix = [c for c in rows if len(key) >= 4 and c.id.startswith(key.lower())]
        if len(by_prefix) == 1:
            return by_prefix[0]
        by_ref = [c for c in rows if c.reference == key]
        if by_ref:
            return max(by_ref, key=lambda c: (c.version, c.imported_at))
        raise NotFound(f"There is no case {key!r} in the workspace {self.root}; "
                       f"'caseview cases' lists the cases there.")

    def case_by_fingerprint(self, fingerprint: str) -> CaseRow | None:
        row = self.conn.execute(f"SELECT {_CASE_COLS} FROM cases WHERE fingerprint = ?", (fingerprint,)).fetchone()
        return CaseRow(*row) if row else None

    def versions_of(self, bundle_id: str) -> list[CaseRow]:
        rows = self.conn.execute(f"SELECT {_CASE_COLS} FROM cases WHERE bundle_id = ? ORDER BY version",
                                 (bundle_id,)).fetchall()
        return [CaseRow(*r) for r in rows]

    def manifest_bytes(self, case_id: str) -> bytes:
        row = self.conn.execute("SELECT manifest FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            raise NotFound(f"There is no case {case_id!r} in the workspace {self.root}.")
        return bytes(row[0])

    def mark_opened(self, case_id: str) -> None:
        with self.transaction() as c:
            c.execute("UPDATE cases SET opened_at = ? WHERE id = ?", (now_utc(), case_id))

    def set_case_status(self, case_id: str, status: str, signed_at: str | None = None) -> None:
        with self.transaction() as c:
            c.execute("UPDATE cases SET status = ?, signed_at = ? WHERE id = ?", (status, signed_at, case_id))

    def purge_case(self, case_id: str) -> None:
        """Delete a case and every trace: rows, page index, blobs no other case uses, backups, freed pages."""
        self.case(case_id)
        with self.import_lock():
            with self.transaction() as c:
                shas = [r[0] for r in c.execute("SELECT sha256 FROM documents WHERE case_id = ?", (case_id,))]
                for table in ("pages", "documents", "answers", "evidence", "annotations", "history", "orphans",
                              "pd_findings", "pd_scans", "reviews", "cases"):
                    column = "id" if table == "cases" else "case_id"
                    c.execute(f"DELETE FROM {table} WHERE {column} = ?", (case_id,))
                still = {r[0] for r in c.execute("SELECT DISTINCT sha256 FROM documents")}
                c.execute("INSERT INTO pages_fts(pages_fts) VALUES ('optimize')")
            for sha in set(shas) - still:
                (self.root / "blobs" / sha).unlink(missing_ok=True)
            self.conn.execute("VACUUM")
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.drop_backups_and_rewrite()

    # -- documents and pages ----------------------------------------------

    def documents(self, case_id: str) -> list[DocumentRow]:
        rows = self.conn.execute(f"SELECT {_DOC_COLS} FROM documents WHERE case_id = ? ORDER BY position",
                                 (case_id,)).fetchall()
        return [DocumentRow(*r) for r in rows]

    def document(self, case_id: str, doc_id: str) -> DocumentRow:
        row = self.conn.execute(f"SELECT {_DOC_COLS} FROM documents WHERE case_id = ? AND doc_id = ?",
                                (case_id, doc_id)).fetchone()
        if row is None:
            raise NotFound(f"Case {case_id} has no document {doc_id!r}.")
        return DocumentRow(*row)

    @property
    def identities_dir(self) -> Path:
        """The reviewer's own identities (PKCS#12) and their certificates."""
        return self.root / "identities"

    def blob_path(self, sha256: str) -> Path:
        return self.root / "blobs" / sha256

    def page_text(self, case_id: str, doc_id: str, page: int) -> str | None:
        row = self.conn.execute("SELECT text FROM pages WHERE case_id = ? AND doc_id = ? AND page = ?",
                                (case_id, doc_id, page)).fetchone()
        return row[0] if row else None

    def _page_rows(self, case_id: str) -> tuple[int, int] | None:
        return page_search.page_rows(self.conn, case_id)

    def search_pages(self, case_id: str, fts_query: str, limit: int, *, offset: int = 0,
                     relevance: bool = False, matches: int | None = None) -> list[tuple]:
        """Hits ``offset`` to ``offset + limit``: (doc_id, page, ref, title, snippet with \\x02…\\x03 marks, bm25).

        Case order costs the same however many pages match; relevance order scores every
        match with bm25 first (caseview.core.page_search); ``matches``, the count if known, helps it.
        """
        return page_search.search_pages(self.conn, case_id, fts_query, limit, offset=offset, relevance=relevance,
                                        matches=matches)

    def count_matches(self, case_id: str, fts_query: str) -> int:
        return page_search.count_matches(self.conn, case_id, fts_query)

    # -- trust list ------------------------------------------------------

    def trust_add(self, fingerprint: str, role: str, subject: str, der: bytes) -> None:
        with self.transaction() as c:
            c.execute("INSERT OR REPLACE INTO trust (fingerprint, role, subject, certificate, added) "
                      "VALUES (?, ?, ?, ?, ?)", (fingerprint, role, subject, der, now_utc()))

    def trust_list(self) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT fingerprint, role, subject, added FROM trust ORDER BY added").fetchall()
        return [dict(zip(("fingerprint", "role", "subject", "added"), r)) for r in rows]

    def trust_remove(self, fingerprint: str) -> bool:
        with self.transaction() as c:
            cur = c.execute("DELETE FROM trust WHERE fingerprint = ?", (fingerprint.lower(),))
        return cur.rowcount > 0

    def trusted_certificates(self) -> list[bytes]:
        return [bytes(r[0]) for r in self.conn.execute("SELECT certificate FROM trust")]

    # -- review rows (review.py decides what they mean) -----------------------

    def review_row(self, case_id: str) -> dict[str, Any]:
        cur = self.conn.execute("SELECT * FROM reviews WHERE case_id = ?", (case_id,))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"Case {case_id} has no review.")
        return dict(zip([d[0] for d in cur.description], row))

    def answers(self, case_id: str) -> dict[tuple[str, str], Any]:
        rows = self.conn.execute("SELECT item_id, question_id, value FROM answers WHERE case_id = ?", (case_id,))
        return {(i, q): json.loads(v) for i, q, v in rows}

    def evidence_rows(self, case_id: str) -> list[dict[str, Any]]:
        return self._dict_rows("SELECT id, item_id, doc_id, page, exact, prefix, suffix, created FROM evidence "
                               "WHERE case_id = ? ORDER BY seq", case_id)

    def annotation_rows(self, case_id: str) -> list[dict[str, Any]]:
        return self._dict_rows("SELECT id, doc_id, page, exact, prefix, suffix, note, tag, created FROM annotations "
                               "WHERE case_id = ? ORDER BY seq", case_id)

    def history_rows(self, case_id: str, limit: int | None = None) -> list[dict[str, Any]]:
        if limit is None:
            return self._dict_rows("SELECT seq, at, summary, command, prev_hash, hash FROM history "
                                   "WHERE case_id = ? ORDER BY seq", case_id)
        rows = self._dict_rows("SELECT seq, at, summary, command, prev_hash, hash FROM history "
                               "WHERE case_id = ? ORDER BY seq DESC LIMIT ?", case_id, limit)
        return rows[::-1]

    def history_head(self, case_id: str) -> tuple[int, str] | None:
        row = self.conn.execute("SELECT seq, hash FROM history WHERE case_id = ? ORDER BY seq DESC LIMIT 1",
                                (case_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def orphan_rows(self, case_id: str) -> list[dict[str, Any]]:
        rows = self._dict_rows("SELECT kind, detail, created FROM orphans WHERE case_id = ? ORDER BY rowid", case_id)
        for r in rows:
            r["detail"] = json.loads(r["detail"])
        return rows

    def record_orphans(self, case_id: str, sentences: list[str]) -> None:
        with self.transaction() as c:
            c.executemany("INSERT INTO orphans (case_id, kind, detail, created) VALUES (?, 'carry-forward', ?, ?)",
                          [(case_id, json.dumps(s, ensure_ascii=False), now_utc()) for s in sentences])

    def _dict_rows(self, sql: str, *args) -> list[dict[str, Any]]:
        cur = self.conn.execute(sql, args)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def next_seq(self, c: sqlite3.Connection, table: str, case_id: str) -> int:
        return c.execute(f"SELECT coalesce(max(seq), 0) + 1 FROM {table} WHERE case_id = ?", (case_id,)).fetchone()[0]


_CASE_COLS = ("id, bundle_id, fingerprint, version, reference, title, issuer, framework_id, due, issuer_status, "
              "issuer_signer, imported_at, opened_at, status, signed_at")
_DOC_COLS = ("case_id, doc_id, position, sha256, media_type, title, section, date, author_role, issuer_pages, pages, "
             "first_page, problem")


def open_workspace(root: Path | None = None, *, backup: bool = True) -> Workspace:
    from ..paths import default_workspace

    return Workspace(root if root is not None else default_workspace(), backup=backup)
