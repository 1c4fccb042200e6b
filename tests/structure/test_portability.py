"""Portable by construction: no POSIX-only module at import time, the lock and atomic writes behave on Windows' terms.

These machines run Linux only, so Windows is simulated: an AST scan of every
module, an import of every module with the POSIX-only modules blocked (a
meta-path finder installed through ``sitecustomize`` in a child Python, so
spawned workers are blocked too), and monkeypatched failures for the paths
that only Windows takes.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from caseview.core import atomic, confine, filelock
from caseview.core.errors import CaseViewError, FileInUse

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "caseview"

POSIX_ONLY = {"fcntl", "resource", "termios", "pwd", "grp", "posix"}
# ``posix`` is what ``os`` itself is built on, here: it can be scanned for but not blocked in a child.
BLOCKED = sorted(POSIX_ONLY - {"posix"})
IMPORT_FUNCTIONS = {"import_module", "__import__"}


# -- (a) the AST scan ---------------------------------------------------------------------------

def _guard_catches_import_error(node: ast.Try) -> bool:
    for handler in node.handlers:
        if handler.type is None:
            return True
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(isinstance(n, ast.Name) and n.id in {"ImportError", "ModuleNotFoundError", "Exception",
                                                    "BaseException"} for n in names):
            return True
    return False


def _is_platform_test(test: ast.expr) -> bool:
    """``sys.platform …``, ``os.name …`` or ``sys.platform.startswith(…)`` anywhere in an ``if``'s test."""
    for node in ast.walk(test):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                (node.value.id, node.attr) in {("sys", "platform"), ("os", "name")}:
            return True
    return False


def posix_imports_at_import_time(source: str, filename: str = "<source>") -> list[str]:
    """Imports of a POSIX-only module that run when the module is imported, unguarded; ``file:line module``."""
    found: list[str] = []

    def top(name: str | None) -> str:
        return (name or "").split(".")[0]

    def visit(nodes: list[ast.stmt], guarded: bool) -> None:
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue  # runs when called, not when imported
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if top(alias.name) in POSIX_ONLY and not guarded:
                        found.append(f"{filename}:{node.lineno} {alias.name}")
                continue
            if isinstance(node, ast.ImportFrom):
                if node.level == 0 and top(node.module) in POSIX_ONLY and not guarded:
                    found.append(f"{filename}:{node.lineno} {node.module}")
                continue
            if isinstance(node, ast.If):
                inner = guarded or _is_platform_test(node.test)
                visit(node.body, inner)
                visit(node.orelse, inner)
                continue
            if isinstance(node, ast.Try):
                visit(node.body, guarded or _guard_catches_import_error(node))
                for handler in node.handlers:
                    visit(handler.body, guarded)
                visit(node.orelse, guarded)
                visit(node.finalbody, guarded)
                continue
            if isinstance(node, ast.ClassDef):
                visit(node.body, guarded)  # a class body runs at import
                continue
            if isinstance(node, (ast.With, ast.For, ast.While)):
                visit(node.body, guarded)
                visit(getattr(node, "orelse", []), guarded)
                continue
            # importlib.import_module("fcntl") or __import__("fcntl") in a statement that runs at import
            for call in ast.walk(node):
                if isinstance(call, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    break
                if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Constant):
                    func = call.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    if name in IMPORT_FUNCTIONS and top(str(call.args[0].value)) in POSIX_ONLY and not guarded:
                        found.append(f"{filename}:{call.lineno} {call.args[0].value}")

    visit(ast.parse(source, filename).body, False)
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("source", [
    "import fcntl\n",
    "import os, termios\n",
    "import pwd as p\n",
    "from resource import setrlimit\n",
    "from grp import getgrnam\n",
    "import posix\n",
    "class Lock:\n    import fcntl\n",
    "if True:\n    import fcntl\n",
    "try:\n    import fcntl\nexcept ValueError:\n    pass\n",
    "with open('x') as fh:\n    import resource\n",
    "import importlib\nfcntl = importlib.import_module('fcntl')\n",
    "fcntl = __import__('fcntl')\n",
    "import sys\nif sys.platform == 'win32':\n    import msvcrt\nimport fcntl\n",
])
def test_the_scanner_catches_a_planted_posix_import(source):
    assert posix_imports_at_import_time(source, "planted.py"), source


@pytest.mark.parametrize("source", [
    "import sys\nif sys.platform == 'win32':\n    import msvcrt\nelse:\n    import fcntl\n",
    "import os\nif os.name == 'posix':\n    import pwd\n",
    "import sys\nif sys.platform.startswith('linux'):\n    import resource\n",
    "try:\n    import resource\nexcept ImportError:\n    resource = None\n",
    "try:\n    import termios\nexcept (ModuleNotFoundError, OSError):\n    termios = None\n",
    "def confine():\n    import resource\n",
    "class Lock:\n    def take(self):\n        import fcntl\n",
    "import os, sys, msvcrt\n",  # Windows-only modules are another test's business
    "from .resource import thing\n",  # a sibling module of that name is not the stdlib's
])
def test_the_scanner_accepts_guarded_and_deferred_imports(source):
    assert posix_imports_at_import_time(source, "fine.py") == []


def test_no_module_imports_a_posix_only_module_at_import_time():
    modules = _modules()
    assert len(modules) > 40 and PACKAGE / "core" / "store.py" in modules  # the walk really found the package
    found = [hit for path in modules
             for hit in posix_imports_at_import_time(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert found == [], "POSIX-only modules imported at import time (guard with sys.platform or import in " \
                        "the function that needs them):\n" + "\n".join(found)


# -- (b) every module imports where the POSIX-only modules do not exist ---------------------------

BLOCKER = textwrap.dedent(f'''
    """Test harness (tests/structure/test_portability.py): these modules do not exist on this "platform"."""
    import sys

    BLOCKED = {BLOCKED!r}

    class _NoPosix:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"No module named {{name!r}} (blocked: simulating Windows)", name=name)
            return None

    for _name in BLOCKED:
        sys.modules.pop(_name, None)
    sys.meta_path.insert(0, _NoPosix())
''')

IMPORT_ALL = textwrap.dedent('''
    import importlib, json, pkgutil, sys
    import caseview

    failed, imported = {}, []
    for info in pkgutil.walk_packages(caseview.__path__, "caseview."):
        try:
            importlib.import_module(info.name)
            imported.append(info.name)
        except BaseException as exc:
            failed[info.name] = f"{type(exc).__name__}: {exc}"
    from caseview.core.confine import probe
    from caseview.core.extract import ExtractLimits
    try:
        import fcntl  # noqa: F401
        leaked = True
    except ImportError:
        leaked = False
    print(json.dumps({"imported": imported, "failed": failed, "leaked": leaked,
                      "posix_loaded": sorted(m for m in sys.modules if m in %r),
                      "worker": probe(ExtractLimits().memory_bytes)}))
''' % (BLOCKED,))


def _blocked_python(tmp_path: Path, code: str) -> subprocess.CompletedProcess:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CASEVIEW_"))}
    env.update(PYTHONPATH=os.pathsep.join([str(hook), str(ROOT)]), QT_QPA_PLATFORM="offscreen",
               HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "home" / "data"))
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)


def test_every_module_imports_without_the_posix_only_modules(tmp_path):
    import json

    run = _blocked_python(tmp_path, IMPORT_ALL)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["leaked"] is False and result["posix_loaded"] == []  # the blocker really blocked
    assert result["failed"] == {}
    imported = set(result["imported"])
    for name in ("caseview.core.store", "caseview.core.filelock", "caseview.core.extract", "caseview.core.render",
                 "caseview.core.atomic", "caseview.core.importer", "caseview.cli", "caseview.cli.cases",
                 "caseview.selftest"):
        assert name in imported
    assert len([m for m in imported if m.startswith(("caseview.core", "caseview.cli"))]) > 30
    # A spawned worker (blocked too, through sitecustomize) could not confine itself, said so, and carried on.
    assert result["worker"].startswith("none, ModuleNotFoundError") or result["worker"].startswith("none, ImportError")


def test_the_blocker_makes_a_module_level_posix_import_fail(tmp_path):
    """The import test above can fail: a module that imports fcntl at the top does not import under the blocker."""
    (tmp_path / "offender.py").write_text("import fcntl\n", encoding="utf-8")
    run = _blocked_python(tmp_path, "import sys; sys.path.insert(0, '.'); import offender")
    assert run.returncode != 0 and "blocked: simulating Windows" in run.stderr


# -- (c) the lock -------------------------------------------------------------------------------

HOLDER = textwrap.dedent('''
    import sys, time
    from pathlib import Path
    from caseview.core import filelock
    with filelock.exclusive(Path(sys.argv[1])) as got:
        print("held", got, flush=True)
        time.sleep(120)
''')


def test_a_lock_excludes_a_second_holder_in_the_same_process(tmp_path):
    lock = tmp_path / "import.lock"
    with filelock.exclusive(lock) as got:
        assert got is True
        with filelock.exclusive(lock, blocking=False) as second:
            assert second is False
        t0 = time.monotonic()
        with filelock.exclusive(lock, blocking=False, patience=0.3) as second:
            assert second is False
        assert time.monotonic() - t0 >= 0.3
    with filelock.exclusive(lock, blocking=False) as again:
        assert again is True  # let go at the end of the block
    assert oct(lock.stat().st_mode & 0o777) == oct(0o600)


def test_a_killed_holder_lets_go_and_a_live_one_does_not(tmp_path):
    lock = tmp_path / "import.lock"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout.readline().strip() == "held True"
        with filelock.exclusive(lock, blocking=False, patience=0.2) as got:
            assert got is False  # live work is not debris
    finally:
        holder.kill()
        holder.wait()
    with filelock.exclusive(lock, blocking=False, patience=2.0) as got:
        assert got is True  # the system let go when the holder died


def test_start_up_leaves_a_live_imports_staging_alone(tmp_path):
    from caseview.core.store import Workspace

    root = tmp_path / "ws"
    Workspace(root, backup=False).close()
    live = root / "staging" / "import-live"
    live.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(root / "import.lock")], stdout=subprocess.PIPE,
                              text=True, env=env)
    try:
        assert holder.stdout.readline().strip() == "held True"
        Workspace(root, backup=False).close()
        assert live.exists()
    finally:
        holder.kill()
        holder.wait()
    Workspace(root, backup=False).close()
    assert not live.exists()


def test_the_windows_lock_is_written_against_msvcrt_semantics():
    """Read, not run: the Windows branch locks byte 0 from the start and treats EACCES/EDEADLOCK as busy."""
    source = (PACKAGE / "core" / "filelock.py").read_text(encoding="utf-8")
    windows = source[source.index('if sys.platform == "win32":'):source.index("\nelse:")]
    assert "msvcrt.LK_NBLCK, 1" in windows and "msvcrt.LK_UNLCK, 1" in windows
    assert windows.count("os.lseek(fd, 0, os.SEEK_SET)") == 2
    assert "errno.EACCES" in windows


# -- (c) atomic writes against a held file ------------------------------------------------------

@pytest.fixture
def windows_replace(monkeypatch):
    """Take atomic's Windows path, with no real sleeping; returns the list of delays slept."""
    slept: list[float] = []
    monkeypatch.setattr(atomic, "_WINDOWS", True)
    monkeypatch.setattr(atomic.time, "sleep", slept.append)
    return slept


def _held(times: int):
    """An os.replace that fails as Windows does ``times`` times (another program has the target open)."""
    real = os.replace
    calls = {"n": 0}

    def replace(src, dst):
        calls["n"] += 1
        if calls["n"] <= times:
            raise PermissionError(13, "The process cannot access the file because it is being used by another "
                                      "process", str(dst))
        return real(src, dst)

    replace.calls = calls
    return replace


def test_a_briefly_held_file_is_replaced_after_a_retry(tmp_path, monkeypatch, windows_replace):
    out = tmp_path / "report.pdf"
    out.write_bytes(b"old")
    replace = _held(2)
    monkeypatch.setattr(atomic.os, "replace", replace)
    atomic.write_atomically(out, b"new")
    assert out.read_bytes() == b"new"
    assert replace.calls["n"] == 3 and windows_replace == list(atomic.RETRY_DELAYS[:2])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_a_file_held_open_gives_one_sentence_and_leaves_no_temporary_file(tmp_path, monkeypatch, windows_replace):
    out = tmp_path / "Siân's reviews" / "report 1.pdf"
    out.parent.mkdir()
    out.write_bytes(b"old")
    replace = _held(1000)
    monkeypatch.setattr(atomic.os, "replace", replace)
    with pytest.raises(FileInUse) as caught:
        atomic.write_atomically(out, b"new")
    message = str(caught.value)
    assert isinstance(caught.value, CaseViewError) and not isinstance(caught.value, OSError)
    assert message.startswith(f"{out} could not be saved") and message.endswith(".") and message.count(". ") == 0
    assert "another program" in message and "Traceback" not in message
    assert replace.calls["n"] == len(atomic.RETRY_DELAYS) + 1 and windows_replace == list(atomic.RETRY_DELAYS)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in out.parent.iterdir()) == ["report 1.pdf"]


def test_on_posix_a_permission_error_is_not_retried(tmp_path, monkeypatch):
    """Here PermissionError means the folder's permissions: callers word it; no waiting, no FileInUse."""
    monkeypatch.setattr(atomic, "_WINDOWS", False)
    replace = _held(1000)
    monkeypatch.setattr(atomic.os, "replace", replace)
    with pytest.raises(PermissionError):
        atomic.write_atomically(tmp_path / "out.json", b"{}")
    assert replace.calls["n"] == 1 and list(tmp_path.iterdir()) == []


def test_a_signed_report_over_a_held_file_is_refused_in_words(tmp_path, monkeypatch, windows_replace):
    """Through a real caller: the sentence reaches the user unchanged (callers re-word only OSError)."""
    from caseview.core.findings import write_findings

    out = tmp_path / "findings.json"
    out.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(atomic.os, "replace", _held(1000))
    with pytest.raises(FileInUse, match="findings.json could not be saved"):
        write_findings({"a": 1}, out)


# -- worker confinement -------------------------------------------------------------------------

def test_the_job_object_limit_structure_has_windows_layout():
    import ctypes

    info = confine.job_limits(2 << 30)
    expected = 144 if ctypes.sizeof(ctypes.c_void_p) == 8 else 112
    assert ctypes.sizeof(info) == expected
    assert type(info).ProcessMemoryLimit.offset == (112 if expected == 144 else 96)
    assert info.ProcessMemoryLimit == 2 << 30
    assert info.BasicLimitInformation.LimitFlags == 0x0100 | 0x0400 | 0x2000


def test_confinement_that_fails_says_so_and_never_raises(monkeypatch):
    def broken(memory_bytes):
        raise OSError(1, "Access is denied")

    monkeypatch.setattr(confine.os, "dup2", lambda *a: None)  # keep this process's output
    monkeypatch.setattr(confine, "_confine_posix", broken)
    monkeypatch.setattr(confine, "_confine_windows", broken)
    said = confine.confine_worker(1 << 30)
    assert said.startswith("none, PermissionError") and "timeouts" in said


def test_a_posix_worker_is_confined_and_says_how():
    said = confine.probe(1 << 30)
    assert said == "setrlimit RLIMIT_AS: address space capped at 1024 MB"
