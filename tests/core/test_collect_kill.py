"""A collect run killed (kill -9) or cancelled halfway leaves whole reports only; the next run finishes the job."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from caseview.core.collect import collect
from caseview.core.errors import Cancelled
from tests.core import collect_fixtures as C

ROOT = Path(__file__).resolve().parents[2]


def _whole(db: Path) -> tuple[int, int]:
    """(files, reports); asserts every report has all its rows: 4 items (reports) or 2 (records)."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for sha, kind in conn.execute("SELECT sha256, kind FROM reports"):
            if kind == "report":
                assert conn.execute("SELECT count(*) FROM items WHERE report = ?", (sha,)).fetchone()[0] == 4
                assert conn.execute("SELECT count(*) FROM timeliness WHERE report = ?", (sha,)).fetchone()[0] == 2
            else:
                assert conn.execute("SELECT count(*) FROM moderation_items WHERE record = ?", (sha,)).fetchone()[0] == 2
        valid = conn.execute("SELECT count(*) FROM files WHERE verdict IN ('accepted', 'untrusted')").fetchone()[0]
        reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        assert valid == reports  # no file row without its report, no report without its file row
        return conn.execute("SELECT count(*) FROM files").fetchone()[0], reports
    finally:
        conn.close()


def test_kill_9_halfway_leaves_whole_reports_only(tmp_path: Path):
    C.write_collection(tmp_path / "in")
    db = tmp_path / "evidence.sqlite"
    # The child process must trust the same certificates (the fixtures' identities are made per process).
    certs = [tmp_path / "reviewer.der", tmp_path / "moderator.der"]
    for path, der in zip(certs, C.trust().any_role):
        path.write_bytes(der)
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from caseview.core.collect import run
        from caseview.core.trust import TrustRoles
        trust = TrustRoles(any_role=tuple(Path(p).read_bytes() for p in {[str(c) for c in certs]!r}))
        real, n = run._write, [0]
        def write(conn, ex, *a):
            n[0] += 1
            if n[0] == 6:  # halfway through the third batch of two: one file of it written, not committed
                os.kill(os.getpid(), signal.SIGKILL)
            real(conn, ex, *a)
        run._write = write
        run.collect([Path({str(tmp_path / 'in')!r})], Path({str(db)!r}), trust=trust, batch=2)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    files, _ = _whole(db)
    assert files == 4  # two whole batches committed; the batch being written when killed is gone
    result = collect([tmp_path / "in"], db, trust=C.trust())
    assert result.new_files == 9  # 13 less the 4 the killed run committed
    assert _whole(db)[0] == 12 and result.counts["accepted"] == 5


def test_cancel_halfway_leaves_whole_reports_only(tmp_path: Path):
    C.write_collection(tmp_path / "in")
    db = tmp_path / "evidence.sqlite"
    seen = []

    def progress(step):
        seen.append(step)
        if step.label.endswith(".pdf") and len(seen) > 20:
            raise Cancelled()

    with pytest.raises(Cancelled):
        collect([tmp_path / "in"], db, trust=C.trust(), batch=3, progress=progress)
    files, _ = _whole(db)
    assert files % 3 == 0 and 0 < files < 12
    result = collect([tmp_path / "in"], db, trust=C.trust())
    assert result.counts["accepted"] == 5 and _whole(db)[0] == 12
