"""``caseview --self-test`` from source: every step passes, nothing touches the network, failures are sentences."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from caseview import selftest

ROOT = Path(__file__).resolve().parents[2]

# Installed in every Python process of the run (the self-test and its spawned extraction workers)
# through PYTHONPATH: a name lookup or a connection to anything but a local (AF_UNIX) socket is
# written to a log and refused.
SITECUSTOMIZE = textwrap.dedent('''
    """Test harness: fail and record any network use (see tests/core/test_selftest.py)."""
    import os
    import socket
    import sys

    _LOG = os.environ["CASEVIEW_NET_LOG"]
    _LOOKUPS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                "socket.gethostbyaddr", "socket.getnameinfo"}
    _SOCKET_USE = {"socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind"}

    def _hook(event, args):
        if event in _SOCKET_USE:
            if getattr(args[0], "family", None) == getattr(socket, "AF_UNIX", None):
                return  # local inter-process plumbing, not the network
        elif event not in _LOOKUPS:
            return
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {event} {args[1:]!r}\\n")
        raise OSError(f"network use blocked by the test's audit hook: {event}")

    sys.addaudithook(_hook)
''')


def _guarded_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    hook_dir = tmp_path / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "network.log"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CASEVIEW_", "QT_"))}
    env.update(PYTHONPATH=os.pathsep.join([str(hook_dir), str(ROOT)]), CASEVIEW_NET_LOG=str(log),
               TMPDIR=str(scratch), HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "home" / "data"))
    return env, log


def test_the_audit_hook_really_blocks_the_network(tmp_path):
    """Without this, the no-network test below could pass because the hook never ran."""
    env, log = _guarded_env(tmp_path)
    probe = ("import socket\n"
             "try:\n"
             "    socket.getaddrinfo('example.org', 443)\n"
             "except OSError as exc:\n"
             "    print('blocked:', exc)\n")
    run = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert "blocked: network use blocked by the test's audit hook: socket.getaddrinfo" in run.stdout, run.stderr
    assert "socket.getaddrinfo" in log.read_text(encoding="utf-8")


def test_self_test_passes_from_source_without_the_network(tmp_path):
    env, log = _guarded_env(tmp_path)
    run = subprocess.run([sys.executable, "-m", "caseview", "--self-test"], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    lines = run.stdout.splitlines()
    assert run.returncode == 0, run.stdout + run.stderr
    assert lines[0].startswith("CaseView ") and "from source" in lines[0]
    steps = [line for line in lines[1:-1]]
    assert [s.split()[0] for s in steps if s.split()[0] not in ("ok", "skip")] == []
    labels = " | ".join(steps)
    for label in ("import demo bundle (21 documents", "search demo bundle ('bruise'", "A1 among them",
                  "load demo review", "render and sign report", "verify signed report (valid",
                  "start Qt offscreen"):
        assert label in labels
    assert lines[-1].startswith("self-test passed in ")
    assert "Traceback" not in run.stdout + run.stderr
    assert not log.exists() or log.read_text(encoding="utf-8") == "", log.read_text(encoding="utf-8")
    # The temporary workspace is gone, and nothing was written to the user's folders.
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not (tmp_path / "home").exists()


def test_a_failing_step_is_one_sentence_and_the_run_fails(monkeypatch):
    def good(j):
        return "fine"

    def broken(j):
        raise RuntimeError("the engine\nfell over")

    def refused(j):
        raise selftest.StepFailed("the demo case should hold 15 documents, but 3 were imported.")

    def not_here(j):
        raise selftest.Skipped("the desktop app (caseview.app) is not in this build")

    monkeypatch.setattr(selftest, "STEPS", (("first", good), ("second", broken), ("third", refused),
                                            ("fourth", not_here), ("fifth", good)))
    lines: list[str] = []
    assert selftest.run_steps(lines.append) is False
    assert lines[0].startswith("ok   first (fine, ")
    assert lines[1] == "FAIL second: unexpected RuntimeError (the engine fell over)."
    assert lines[2] == "FAIL third: the demo case should hold 15 documents, but 3 were imported."
    assert lines[3] == "skip fourth: the desktop app (caseview.app) is not in this build."
    assert lines[4].startswith("ok   fifth")  # a failure does not stop the later steps
    assert lines[5].startswith("self-test FAILED in ")


def test_the_environment_is_restored_afterwards(monkeypatch):
    monkeypatch.setattr(selftest, "STEPS", (("only", lambda j: os.environ["CASEVIEW_WORKSPACE"]),))
    monkeypatch.delenv("CASEVIEW_WORKSPACE", raising=False)
    before = dict(os.environ)
    lines: list[str] = []
    assert selftest.run_steps(lines.append) is True
    assert "caseview-self-test-" in lines[0]
    assert dict(os.environ) == before


@pytest.mark.parametrize("exc, sentence", [
    (selftest.StepFailed("no frameworks were found"), "no frameworks were found."),
    (ValueError(""), "unexpected ValueError (no detail)."),
    (KeyError("K9"), "unexpected KeyError ('K9')."),
])
def test_sentences(exc, sentence):
    assert selftest._sentence(exc) == sentence
