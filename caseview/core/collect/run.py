"""A collect run: find the inputs, skip what is known, examine the rest (streamed), commit in batches, resolve."""

from __future__ import annotations

import json
import os
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Sequence

from ..errors import Cancelled
from ..progress import CancelToken, Progress, reporter
from ..trust import TrustRoles
from .base import STATUSES, CollectError, open_evidence_base
from .classify import Examined, examine, file_sha256
from .resolve import resolve
from .stats import write_agreement

BATCH = 50


@dataclass(frozen=True)
class NotCounted:
    name: str
    status: str
    reason: str


@dataclass(frozen=True)
class CollectResult:
    evidence_base: Path
    run: int
    new_files: int
    counts: dict[str, int]  # over every file in the evidence base, by status
    not_counted: tuple[NotCounted, ...]

    def to_json(self, summary: Path | None = None) -> dict:
        return {"evidence_base": str(self.evidence_base), "summary": str(summary) if summary else None,
                "new_files": self.new_files, "counts": dict(self.counts)}


def find_inputs(inputs: Sequence[Path]) -> list[Path]:
    """Files as given, folders searched recursively for ``*.pdf`` (any case), each once, in a stable order."""
    found: list[Path] = []
    seen: set[Path] = set()
    for given in inputs:
        p = Path(given)
        if p.is_dir():
            hits = sorted(q for q in p.rglob("*") if q.suffix.lower() == ".pdf" and q.is_file())
        elif p.is_file():
            hits = [p]
        else:
            raise CollectError(f"{p} does not exist (give files or folders of reports).")
        for q in hits:
            key = q.resolve()
            if key not in seen:
                seen.add(key)
                found.append(q)
    return found


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _insert(conn, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    cols = list(rows[0])
    conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                     [tuple(r[c] for c in cols) for r in rows])


def _write(conn, ex: Examined, run: int, when: str) -> None:
    """One file's rows, replacing any earlier ones for the same bytes (a --recheck)."""
    conn.execute("DELETE FROM reports WHERE sha256 = ?", (ex.sha256,))
    old = conn.execute("SELECT first_seen, run FROM files WHERE sha256 = ?", (ex.sha256,)).fetchone()
    first_seen, first_run = old if old else (when, run)
    conn.execute("INSERT OR REPLACE INTO files (sha256, name, size, status, reason, verdict, detail, first_seen, run, "
                 "checked) VALUES (?,?,?,?,?,?,?,?,?,?)",
                 (ex.sha256, ex.name, ex.size, ex.verdict, ex.reason, ex.verdict, ex.reason, first_seen, first_run,
                  when))
    rows = ex.rows
    if not rows:
        return
    _insert(conn, "reports", [rows["report"]])
    for table in ("items", "answers", "evidence", "timeliness"):
        _insert(conn, table, rows.get(table, []))
    if "moderation" in rows:
        _insert(conn, "moderations", [rows["moderation"]])
        _insert(conn, "moderation_items", rows.get("moderation_items", []))


def _examined(todo: list[tuple[Path, str, int]], trust: TrustRoles, jobs: int) -> Iterator[Examined]:
    """Results in input order; with ``jobs`` > 1, from worker processes, at most a few files ahead."""
    if jobs <= 1:
        for path, sha, size in todo:
            yield examine(path, sha, size, trust)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    window: deque = deque()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            for path, sha, size in todo:
                window.append(pool.submit(examine, path, sha, size, trust))
                if len(window) >= jobs * 4:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        finally:
            for f in window:
                f.cancel()


def counts(conn) -> dict[str, int]:
    out = {s: 0 for s in STATUSES}
    for status, n in conn.execute("SELECT status, count(*) FROM files GROUP BY status"):
        out[status] = n
    out["duplicate"] += conn.execute("SELECT count(*) FROM copies").fetchone()[0]
    return out


def not_counted(conn) -> tuple[NotCounted, ...]:
    rows = conn.execute("""
        SELECT f.name, f.status, f.reason FROM files f LEFT JOIN reports r ON r.sha256 = f.sha256
        WHERE coalesce(r.counted, 0) = 0
          AND NOT (r.kind = 'moderation-record' AND f.status = 'accepted')
        UNION ALL
        SELECT c.name, 'duplicate', 'The same bytes as ' || f.name || '.' FROM copies c JOIN files f ON f.sha256 = c.sha256
        ORDER BY 2, 1""").fetchall()
    return tuple(NotCounted(*r) for r in rows)


def collect(inputs: Sequence[Path], out: Path, *, trust: TrustRoles = TrustRoles(), include_untrusted: bool = False,
            recheck: bool = False, jobs: int = 1, batch: int = BATCH, progress: Progress | None = None,
            cancel: CancelToken | None = None) -> CollectResult:
    """Add the reports and moderation records under ``inputs`` to the evidence base ``out``.

    Each file's rows go in with its ``files`` row, committed every ``batch`` files, so a run that is
    killed or cancelled leaves whole files only; statuses that depend on the rest of the collection
    (duplicate, superseded, counted, paired) are recomputed at the end of every run.
    """
    report = reporter(progress, cancel)
    paths = find_inputs(inputs)
    db = open_evidence_base(Path(out))
    conn = db.conn
    try:
        started = _now()
        cur = conn.execute("INSERT INTO runs (started, inputs, include_untrusted, recheck) VALUES (?,?,?,?)",
                           (started, json.dumps([str(p) for p in inputs], ensure_ascii=False), int(include_untrusted),
                            int(recheck)))
        run = cur.lastrowid
        known = {r[0]: r[1] for r in conn.execute("SELECT sha256, name FROM files")}
        copies = {r[0] for r in conn.execute("SELECT name FROM copies")}
        new_files = 0
        todo: list[tuple[Path, str, int]] = []
        claimed: dict[str, str] = {}  # this run's bytes to examine -> the name they were first found under
        later_copies: list[tuple] = []  # copies of those: written once their file is
        conn.execute("BEGIN IMMEDIATE")
        for i, p in enumerate(paths):
            report(i, len(paths) * 2, f"Reading {p.name}")
            try:
                sha, size = file_sha256(p)
            except OSError as exc:
                raise CollectError(f"{p} cannot be read ({exc.strerror or exc}); nothing more was added.") from None
            name = str(p)
            if sha in claimed or (sha in known and not recheck):
                first = claimed.get(sha) or known[sha]
                if name != first and name not in copies:
                    copies.add(name)
                    new_files += 1
                    if sha in claimed:
                        later_copies.append((name, sha, started, run))
                    else:
                        conn.execute("INSERT INTO copies (name, sha256, first_seen, run) VALUES (?,?,?,?)",
                                     (name, sha, started, run))
                continue
            claimed[sha] = name
            todo.append((p, sha, size))
            new_files += sha not in known
        conn.execute("COMMIT")
        done = 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            for ex in _examined(todo, trust, jobs):
                _write(conn, ex, run, _now())
                done += 1
                if done % batch == 0:
                    conn.execute("COMMIT")
                    conn.execute("BEGIN IMMEDIATE")
                report(len(paths) + done * len(paths) // max(len(todo), 1), len(paths) * 2, Path(ex.name).name)
            conn.executemany("INSERT OR IGNORE INTO copies (name, sha256, first_seen, run) VALUES (?,?,?,?)",
                             later_copies)
            resolve(conn, include_untrusted)
            write_agreement(conn)
            c = counts(conn)
            conn.execute("""UPDATE runs SET finished = ?, new_files = ?, accepted = ?, untrusted = ?, rejected = ?,
                            superseded = ?, duplicate = ?, not_a_report = ? WHERE id = ?""",
                         (_now(), new_files, c["accepted"], c["untrusted"], c["rejected"], c["superseded"],
                          c["duplicate"], c["not-a-report"], run))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return CollectResult(Path(out), run, new_files, c, not_counted(conn))
    except Cancelled:
        raise
    finally:
        db.close() if hasattr(db, "close") else conn.close()


def cpu_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))
