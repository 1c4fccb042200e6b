"""Kill the running app with SIGKILL at random moments: every change it said was saved is in the workspace.

``crash_driver.py`` runs the real review window on a copy of the demo case and
makes changes through its widgets (radio buttons, scale levels, typed text,
citations from a selection in the viewer), printing a change only once the
controller has said "Saved" and nothing is in flight. Each round starts it on
the same workspace, kills it at a random point (sometimes while it is still
starting), then opens the workspace with the core and checks:

- every answer printed as saved is in the database, unless a later change to
  the same field was started (printed as an intent) before the kill;
- every citation printed as saved is there, with its passage;
- the change history's hash chain is intact.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from caseview.core.review import read_state, verify_history
from caseview.core.store import Workspace
from tests.factory import import_demo

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("crash_driver.py")
ROUNDS = 22


class Driver:
    """The driver process and the lines it has printed so far (read on a thread, so a kill loses nothing)."""

    def __init__(self, root: Path, case_id: str, seed: int, tmp: Path):
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CASEVIEW_WORKSPACE=str(root),
                   XDG_CONFIG_HOME=str(tmp / "config"), XDG_RUNTIME_DIR=str(tmp / "runtime"))
        (tmp / "runtime").mkdir(mode=0o700, exist_ok=True)
        self.proc = subprocess.Popen([sys.executable, str(DRIVER), str(root), case_id, str(seed)], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.events: list[dict] = []
        self.errors: list[str] = []
        self._out = threading.Thread(target=self._read, daemon=True)
        self._err = threading.Thread(target=lambda: self.errors.extend(self.proc.stderr), daemon=True)
        self._out.start()
        self._err.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            line = line.strip()
            if line.startswith("{"):
                self.events.append(json.loads(line))

    def ready(self) -> bool:
        return any(e["event"] == "ready" for e in self.events)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._out.join(5)
        self._err.join(5)


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash") / "workspace"
    return root, import_demo(root)


def check(root: Path, case_id: str, events: list[dict], answers: dict, evidence: dict) -> tuple[dict, dict]:
    """Hold the workspace to the round's saved events; return what it holds now (the next round's start)."""
    with Workspace(root, backup=False) as ws:
        state = read_state(ws, case_id)
        intact, sentence = verify_history(ws, case_id)
    assert intact, sentence
    expected = dict(answers)  # field → the values it may hold: its last saved value, or one started after it
    for e in events:
        if e["event"] == "intent" and e["kind"] == "answer":
            key = (e["item"], e["question"])
            expected[key] = set(expected.get(key, {"null"})) | {json.dumps(e["value"])}
        elif e["event"] == "saved" and e["kind"] == "answer":
            expected[(e["item"], e["question"])] = {json.dumps(e["value"])}
        elif e["event"] == "saved" and e["kind"] == "cite":
            evidence[e["id"]] = (e["item"], e["doc"], e["page"], e["exact"])
    for key, allowed in expected.items():
        have = json.dumps(state.answers.get(key))
        assert have in allowed, f"{key}: the workspace holds {have}, the app said saved {sorted(allowed)}"
    held = {e.id: (e.item_id, e.anchor.doc_id, e.anchor.page, e.anchor.exact) for e in state.evidence}
    for evidence_id, cited in evidence.items():
        assert held.get(evidence_id) == cited, f"citation {evidence_id} said saved is not in the workspace"
    return {k: {json.dumps(v)} for k, v in state.answers.items()}, held


@pytest.mark.slow
def test_every_change_shown_as_saved_survives_sigkill(demo_workspace, tmp_path):
    root = tmp_path / "workspace"
    shutil.copytree(demo_workspace[0], root)
    case_id = demo_workspace[1]
    rng = random.Random(int(os.environ.get("CASEVIEW_CRASH_SEED", "20261125")))
    answers: dict = {}
    evidence: dict = {}
    saved_total = 0
    killed_starting = 0
    started = time.monotonic()
    for round_no in range(ROUNDS):
        driver = Driver(root, case_id, rng.randrange(1 << 30), tmp_path)
        try:
            if round_no % 5 == 4:
                time.sleep(rng.uniform(0.05, 1.0))  # now and then: a kill while it is starting or loading
                killed_starting += not driver.ready()
            else:
                end = time.monotonic() + 30
                while not driver.ready():
                    assert driver.proc.poll() is None, "".join(driver.errors)[-3000:]
                    assert time.monotonic() < end, "the app did not show the case within 30 s"
                    time.sleep(0.02)
                time.sleep(rng.uniform(0.1, 1.6))
        finally:
            driver.kill()
        assert driver.proc.returncode == -signal.SIGKILL, "".join(driver.errors)[-3000:]
        assert not any("Traceback" in line for line in driver.errors), "".join(driver.errors)[-3000:]
        saved_total += sum(1 for e in driver.events if e["event"] == "saved")
        answers, evidence = check(root, case_id, driver.events, answers, evidence)
    elapsed = time.monotonic() - started
    print(f"{ROUNDS} kills in {elapsed:.1f} s: {saved_total} changes said saved, all there; "
          f"{len(evidence)} citations held; {killed_starting} kill(s) while starting")
    assert saved_total >= ROUNDS  # the rounds did real work, not only start-ups
