"""The frozen build in dist/caseview/ (``make dist``): self-test under ``env -i`` and without a network, CLI, size.

Skipped, with the reason, when dist/caseview/caseview has not been built; CI
builds it before running these. Networking is blocked with ``unshare -rn`` (a
new user and network namespace: only a loopback device, which is down). An
audit hook cannot be used here, since a frozen build does not read
sitecustomize; tests/core/test_selftest.py does that check from source.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist" / "caseview"
FROZEN = DIST / ("caseview.exe" if sys.platform == "win32" else "caseview")
DEMO = ROOT / "resources" / "demo" / "demo-case.cvb"
SIZE_BUDGET_MIB = 200

pytestmark = [
    pytest.mark.skipif(not FROZEN.is_file(), reason=f"{FROZEN.relative_to(ROOT)} is not built; run `make dist` "
                       "(CI does, before these tests)"),
    pytest.mark.skipif(shutil.which("env") is None, reason="needs `env -i` to start the build with a clean environment"),
]


def _clean_run(args: list[str], *, cwd: Path, prefix: tuple[str, ...] = (), timeout: int = 120):
    """Run the frozen executable with nothing inherited: no PATH, no venv, no HOME, locale C."""
    return subprocess.run([*prefix, "env", "-i", str(FROZEN), *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=timeout)


def _assert_self_test_passed(run) -> None:
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    lines = run.stdout.splitlines()
    assert lines[0].startswith("CaseView ") and "frozen build" in lines[0], out
    steps = lines[1:-1]
    assert [s for s in steps if not s.startswith(("ok   ", "skip "))] == [], out
    for label in ("import demo bundle (21 documents", "A1 among them", "render and sign report",
                  "verify signed report (valid", "start Qt offscreen"):
        assert label in run.stdout, out
    assert lines[-1].startswith("self-test passed in "), out
    assert "Traceback" not in out


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    try:
        return subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def test_self_test_with_a_clean_environment(tmp_path):
    _assert_self_test_passed(_clean_run(["--self-test"], cwd=tmp_path))


@pytest.mark.skipif(not _unshare_works(), reason="`unshare -rn` is not available here (no user namespaces); "
                    "the source self-test still runs under an audit hook that blocks sockets")
def test_self_test_without_a_network(tmp_path):
    # First prove the namespace really has no network, so that a pass below means something.
    probe = ("import socket, sys\n"
             "try:\n"
             "    socket.create_connection(('192.0.2.1', 80), timeout=3)\n"
             "except OSError as exc:\n"
             "    sys.exit(f'unreachable: {exc.strerror or exc}')\n"
             "sys.exit('connected')\n")
    check = subprocess.run(["unshare", "-rn", sys.executable, "-c", probe], capture_output=True, text=True, timeout=30)
    assert check.stderr.startswith("unreachable"), check.stderr
    _assert_self_test_passed(_clean_run(["--self-test"], cwd=tmp_path, prefix=("unshare", "-rn")))


def test_bundle_check_on_the_demo_bundle(tmp_path):
    run = _clean_run(["bundle", "check", str(DEMO)], cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith(f"valid: {DEMO}")
    assert re.search(r"^fingerprint: [0-9a-f]{64}$", run.stdout, re.MULTILINE)
    assert "21 documents" in run.stdout


def test_bundle_check_refuses_a_broken_bundle_in_one_line(tmp_path):
    bad = tmp_path / "truncated.cvb"
    bad.write_bytes(DEMO.read_bytes()[:4096])
    run = _clean_run(["bundle", "check", str(bad)], cwd=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "truncated.cvb" in errors[0], run.stderr
    assert "Traceback" not in run.stderr


def test_version_is_the_one_in_pyproject(tmp_path):
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    run = _clean_run(["--version"], cwd=tmp_path)
    assert run.returncode == 0 and run.stdout.strip() == f"CaseView {version}", run.stdout + run.stderr


def test_size_is_within_budget():
    total = sum(os.lstat(os.path.join(folder, f)).st_size for folder, _, files in os.walk(DIST) for f in files)
    assert total <= SIZE_BUDGET_MIB * 1024 * 1024, f"dist/caseview is {total / 2**20:.0f} MiB"


def test_resources_are_shipped_where_the_resolver_looks():
    internal = DIST / "_internal" / "resources"
    for part in ("frameworks/outcome-verification.json", "fonts/DejaVuSans.ttf", "fonts/LICENSE-DejaVu.txt",
                 "schemas/manifest-1.schema.json", "demo/demo-case.cvb", "demo/demo-findings.json",
                 "icons/caseview.png", "icons/caseview.svg"):
        assert (internal / part).is_file(), part
    assert not (internal / "demo" / "source").exists()  # the demo's sources are not shipped
