"""kill -9 at random points while a moderator works: no acknowledged verdict is lost, the history stays chained."""

from __future__ import annotations

import random
import subprocess
import sys
import time

import pytest

from caseview.core.moderation import read_state, start_moderation, verify_history
from caseview.core.store import Workspace
from tests.core.moderation_fixtures import signed_case

ROUNDS = 16


@pytest.mark.slow
def test_moderation_writer_killed_at_random_points_loses_no_acknowledged_write(tmp_path):
    signed = signed_case(tmp_path)
    with Workspace(signed.root) as ws:
        mid = start_moderation(ws, signed.case_id, signed.report).moderation_id
    rng = random.Random(14)
    acked_total, start = 0, 0
    for _ in range(ROUNDS):
        proc = subprocess.Popen([sys.executable, "-m", "tests.core.moderation_kill_writer", str(signed.root), mid,
                                 str(start)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        # Wait for the writer's first durable write, so a slow start on a busy machine still tests something.
        first = proc.stdout.readline().decode()
        time.sleep(rng.uniform(0.05, 0.6))
        proc.kill()
        out, _ = proc.communicate()
        acks = [int(line.split()[1]) for line in (first + out.decode()).splitlines() if line.startswith("ack ")]
        with Workspace(signed.root, backup=False) as ws:
            assert ws.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            state = read_state(ws, mid)
            ids = {c.id for c in state.evidence}
            if acks:
                last = acks[-1]
                assert all(f"C{n}" in ids for n in range(start + 1, last + 1))
                assert int(state.items["K1"].comment.split()[1]) >= last
                acked_total += len(acks)
            ok, sentence = verify_history(ws, mid)
            assert ok, sentence
            start = max((int(i[1:]) for i in ids), default=start)
    assert acked_total > ROUNDS  # the writer really wrote between kills
