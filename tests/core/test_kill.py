"""kill -9 at random points: an import leaves no partial case; a review writer loses no acknowledged write."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from caseview.core.importer import import_bundle
from caseview.core.review import read_state, verify_history
from caseview.core.store import Workspace

IMPORT_ROUNDS = 50
WRITER_ROUNDS = 24


def _spawn(args, **kw):
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, **kw)


def _kill_tree(proc):
    # The import's PDF workers are children of the killed process; they die with their session.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    # Orphaned workers may still be exiting (and holding inherited descriptors): wait them out.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)


@pytest.mark.slow
def test_import_killed_at_random_points_leaves_workspace_consistent(tmp_path, factory):
    template = tmp_path / "template"
    with Workspace(template) as ws:
        import_bundle(ws, factory.build())
    m = factory.default_manifest()
    m["bundle_id"] = "urn:uuid:00000000-0000-4000-8000-00000000kill"
    target = factory.build(m)
    t0 = time.monotonic()
    probe = subprocess.run([sys.executable, "-m", "caseview", "import", str(target), "--workspace",
                            str(tmp_path / "probe")], capture_output=True)
    assert probe.returncode == 0
    full = time.monotonic() - t0
    rng = random.Random(20261125)
    outcomes = {"complete": 0, "absent": 0}
    for round_no in range(IMPORT_ROUNDS):
        root = tmp_path / f"round{round_no}"
        shutil.copytree(template, root)
        proc = _spawn(["-m", "caseview", "import", str(target), "--workspace", str(root)], start_new_session=True)
        time.sleep(rng.uniform(0, full * 1.5))  # past the probe's time too: a busy machine runs a round slower
        _kill_tree(proc)
        with Workspace(root, backup=False) as ws:  # opening runs quick_check and clears debris
            assert ws.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            cases = ws.cases()
            assert len(cases) in (1, 2)
            for case in cases:
                docs = ws.documents(case.id)
                assert len(docs) == 3
                pages = ws.conn.execute("SELECT count(*) FROM pages WHERE case_id = ?", (case.id,)).fetchone()[0]
                assert pages == sum(d.pages for d in docs if d.readable)
                assert ws.review_row(case.id)
                assert all(ws.blob_path(d.sha256).exists() for d in docs)
            assert list((root / "staging").iterdir()) == []
            used = {d.sha256 for c in cases for d in ws.documents(c.id)}
            assert {p.name for p in (root / "blobs").iterdir()} == used
            outcomes["complete" if len(cases) == 2 else "absent"] += 1
        shutil.rmtree(root)
    # The random points must have hit both sides of the commit, or the test proved little.
    assert outcomes["complete"] > 0 and outcomes["absent"] > 0, outcomes


@pytest.mark.slow
def test_review_writer_killed_at_random_points_loses_no_acknowledged_write(tmp_path, factory):
    root = tmp_path / "ws"
    with Workspace(root) as ws:
        case_id = import_bundle(ws, factory.build()).case_id
    rng = random.Random(7)
    acked_total = 0
    start = 0
    for _ in range(WRITER_ROUNDS):
        proc = _spawn(["-m", "tests.core.kill_writer", str(root), case_id, str(start)])
        time.sleep(rng.uniform(0.3, 0.9))
        proc.kill()
        out, _ = proc.communicate()
        acks = [int(line.split()[1]) for line in out.decode().splitlines() if line.startswith("ack ")]
        with Workspace(root, backup=False) as ws:
            state = read_state(ws, case_id)
            ids = {a.id for a in state.annotations}
            if acks:
                last = acks[-1]
                assert all(f"A{n}" in ids for n in range(1, last + 1))
                version = int(state.answers[("K1", "rationale")].split()[1])
                assert version >= last
                acked_total += len(acks)
            ok, sentence = verify_history(ws, case_id)
            assert ok, sentence
            start = max((int(i[1:]) for i in ids), default=0)
    assert acked_total > WRITER_ROUNDS  # the writer really wrote between kills
