"""Start the real app in a subprocess, offscreen: `caseview --demo`, `caseview FILE.cvb`, and a hostile bundle.

The app appends JSON lines to ``CASEVIEW_TEST_READY_FILE`` when a window is
shown, when a case is ready and when a bundle is refused; the tests read them.
Time to the first window is printed (run with ``-s``) and held only to a
generous bound: timing belongs in the bench, not in assertions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class App:
    def __init__(self, args: list[str], tmp: Path):
        self.ready = tmp / "ready.jsonl"
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CASEVIEW_TEST_READY_FILE=str(self.ready),
                   XDG_CONFIG_HOME=str(tmp / "config"), CASEVIEW_WORKSPACE=str(tmp / "workspace"))
        self.started = time.time()
        self.proc = subprocess.Popen([sys.executable, "-m", "caseview", *args], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def events(self) -> list[dict]:
        if not self.ready.exists():
            return []
        lines = self.ready.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def wait_for(self, event: str, timeout: float = 30.0, **match) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for e in self.events():
                if e["event"] == event and all(e.get(k) == v for k, v in match.items()):
                    return e
            if self.proc.poll() is not None:
                out, err = self.proc.communicate()
                pytest.fail(f"the app exited ({self.proc.returncode}) before {event!r}: {err[-2000:]}")
            time.sleep(0.05)
        pytest.fail(f"no {event!r} {match} within {timeout} s; events: {self.events()}")

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        _out, err = self.proc.communicate()
        return err


@pytest.fixture
def run_app(tmp_path):
    apps: list[App] = []

    def start(*args: str) -> App:
        app = App(list(args), tmp_path)
        apps.append(app)
        return app

    yield start
    for app in apps:
        err = app.stop()
        assert "Traceback" not in err, err


def test_demo_shows_a_window_at_once_then_the_case(run_app):
    app = run_app("--demo")
    shown = app.wait_for("shown", window="review")
    to_window = shown["wall"] - app.started
    ready = app.wait_for("ready")
    to_case = ready["wall"] - app.started
    print(f"\ncaseview --demo (first run, imports the demo): window shown after {to_window:.2f} s, "
          f"case ready after {to_case:.2f} s")
    assert ready["title"] == "CaseView — NS-2026-0147"
    assert to_window < 15  # generous: the bound the issue sets is 3 s on this machine, measured above
    assert app.proc.poll() is None


def test_demo_again_opens_the_imported_case(run_app, tmp_path):
    first = run_app("--demo")
    first.wait_for("ready")
    first.stop()
    first.ready.unlink()
    again = run_app("--demo")
    shown = again.wait_for("shown", window="review")
    ready = again.wait_for("ready")
    print(f"\ncaseview --demo (already imported): window {shown['wall'] - again.started:.2f} s, "
          f"case {ready['wall'] - again.started:.2f} s")
    assert ready["title"] == "CaseView — NS-2026-0147"


def test_a_bundle_on_the_command_line_opens_its_case(run_app, factory):
    bundle = factory.build()
    app = run_app(str(bundle))
    ready = app.wait_for("ready")
    assert ready["title"] == "CaseView — TS-2026-0001"


def test_a_hostile_bundle_is_explained_and_the_app_stays_up(run_app, tmp_path):
    hostile = tmp_path / "hostile.cvb"
    hostile.write_bytes(b"PK\x05\x06" + b"\xff" * 18 + b"not a bundle")
    app = run_app(str(hostile))
    refused = app.wait_for("refused")
    assert refused["message"] and refused["message"].endswith(".")
    assert "Traceback" not in refused["message"]
    app.wait_for("shown", window="start", title="CaseView")
    time.sleep(1.0)
    assert app.proc.poll() is None, "the app went down after refusing a bundle"


def test_no_arguments_opens_the_start_screen(run_app):
    app = run_app()
    shown = app.wait_for("shown", window="start")
    assert shown["title"] == "CaseView"
