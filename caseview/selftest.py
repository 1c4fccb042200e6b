"""``caseview --self-test``: the reviewer's journey on the demo case, offscreen, in a throwaway workspace.

One line per step (``ok   …`` or ``FAIL …: sentence``), exit 0 only if every
step passes. It is what an administrator runs on a freshly installed laptop and
what CI runs on the frozen build under ``env -i``: the shipped resources are
found, PDF text extraction works in its worker processes, search finds a known
passage, the demo's finished review loads, a report is rendered and signed with
a throwaway identity and verifies, and Qt starts without a display. Nothing
outside a temporary folder is read or written (it is deleted afterwards), and
nothing touches the network. A failure is one sentence, never a traceback.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import secrets
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

# A passage the demo case is known to hold, on a page of a PDF (so extraction ran in the workers).
KNOWN_QUERY = "bruise"
KNOWN_HIT = ("DOC01", 1, "A1")  # document, page, bundle page reference
DEMO_DOCUMENTS = 21


class StepFailed(Exception):
    """A step's failure, already said as a sentence for the person running the self-test."""


class Skipped(Exception):
    """A step that does not apply to this build (said as a sentence)."""


@dataclass
class Journey:
    """What the steps hand on to each other."""

    tmp: Path
    workspace: Any = None
    case_id: str = ""
    identity: Any = None
    report: Path | None = None
    qt_app: Any = None
    keep: list[Any] = field(default_factory=list)
    cleanups: list[Callable[[], Any]] = field(default_factory=list)
    qt_messages: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ the steps


def step_resources(j: Journey) -> str:
    from .core.frameworks import load_registry
    from .paths import resource, resources_dir

    root = resources_dir()
    needed = [resource("demo", "demo-case.cvb"), resource("demo", "demo-findings.json"),
              resource("fonts", "DejaVuSans.ttf"), resource("fonts", "LICENSE-DejaVu.txt"),
              resource("schemas", "manifest-1.schema.json"), resource("icons", "caseview.png")]
    missing = [str(p.relative_to(root)) for p in needed if not p.is_file()]
    if missing:
        raise StepFailed(f"the shipped resources under {root} lack {', '.join(missing)}.")
    ids = load_registry([]).ids()
    if not ids:
        raise StepFailed(f"no review framework was found under {resource('frameworks')}.")
    return f"{len(ids)} frameworks, fonts, schemas, demo case"


def step_import(j: Journey) -> str:
    from .core.importer import import_bundle
    from .core.store import Workspace
    from .paths import resource

    j.workspace = Workspace(j.tmp / "workspace", backup=False)
    result = import_bundle(j.workspace, resource("demo", "demo-case.cvb"))
    j.case_id = result.case_id
    docs = j.workspace.documents(j.case_id)
    unreadable = [d for d in docs if not d.readable]
    if unreadable:
        why = next((n for n in result.notices if unreadable[0].doc_id in n), "")
        raise StepFailed(f"{len(unreadable)} of {len(docs)} documents could not be read"
                         + (f" ({why.rstrip('.')})." if why else "."))
    if len(docs) != DEMO_DOCUMENTS:
        raise StepFailed(f"the demo case should hold {DEMO_DOCUMENTS} documents, but {len(docs)} were imported.")
    return f"{len(docs)} documents"


def step_confine(j: Journey) -> str:
    from .core.confine import probe
    from .core.extract import ExtractLimits

    used = probe(ExtractLimits().memory_bytes)
    if used.startswith("none"):
        raise StepFailed(f"PDF worker processes would run without a memory cap: {used}.")
    return used


def step_search(j: Journey) -> str:
    from .core.search import search

    result = search(j.workspace, j.case_id, KNOWN_QUERY, limit=50)
    doc_id, page, ref = KNOWN_HIT
    for hit in result.hits:
        if (hit.doc_id, hit.page) == (doc_id, page):
            if hit.ref != ref:
                raise StepFailed(f"the hit on {doc_id} page {page} has the page reference {hit.ref}, not {ref}.")
            return f"{KNOWN_QUERY!r}: {result.total} pages, {ref} among them"
    raise StepFailed(f"searching for {KNOWN_QUERY!r} did not find page {ref} ({doc_id} page {page}); "
                     f"{result.total} pages matched.")


def step_findings(j: Journey) -> str:
    from .core.findings import import_findings
    from .core.finalise import missing_sentences
    from .paths import resource

    imported = import_findings(j.workspace, j.case_id, resource("demo", "demo-findings.json"))
    gaps = missing_sentences(j.workspace, j.case_id)
    if gaps:
        raise StepFailed(f"the demo review is not complete after loading it ({gaps[0].rstrip('.')}).")
    return f"{imported.answers} answers, {imported.evidence} citations, {imported.annotations} annotations"


def step_sign(j: Journey) -> str:
    from .core.finalise import produce_report
    from .core.identity import create_identity, open_identity

    p12 = j.tmp / "self-test-reviewer.p12"
    passphrase = secrets.token_urlsafe(24)
    create_identity(p12, name="Self-test Reviewer", organisation="CaseView self-test",
                    email="self-test@example.invalid", passphrase=passphrase, valid_days=1)
    j.identity = open_identity(p12, passphrase)
    j.report = j.tmp / "self-test-report.pdf"
    outcome = produce_report(j.workspace, j.case_id, j.report, identity=j.identity)
    if not outcome.signed or not j.report.is_file():
        raise StepFailed("the report was written but not signed.")
    return f"{j.report.stat().st_size // 1024} KB, signed as {outcome.signer}"


def step_verify(j: Journey) -> str:
    from .core.verify import verify_report

    if j.report is None or j.identity is None:
        raise StepFailed("there is no signed report to verify, because signing failed.")
    trusted = verify_report(j.report, trusted=[j.identity.certificate_der])
    if not trusted.ok:
        reason = "; ".join(trusted.reasons) or trusted.verdict
        raise StepFailed(f"the signed report is {trusted.verdict}: {reason.rstrip('.')}.")
    if trusted.findings_match is False:
        raise StepFailed("the findings embedded in the report do not match the signed report.")
    stranger = verify_report(j.report, trusted=[])
    if stranger.verdict != "untrusted":
        raise StepFailed(f"without the certificate trusted the report should be untrusted, but it is {stranger.verdict}.")
    return f"valid with the certificate trusted, untrusted without it; {len(trusted.signatures)} signature"


def step_qt(j: Journey) -> str:
    try:
        from PySide6 import QtCore, QtGui, QtSvg, QtWidgets  # noqa: F401 (the app's modules must load)
    except ImportError as exc:
        raise StepFailed(f"Qt (PySide6) cannot be loaded ({exc}).") from None
    from .paths import resource

    # Qt's notes on stderr ("This plugin does not support propagateSizeHints()") are not results.
    previous = QtCore.qInstallMessageHandler(lambda mode, context, message: j.qt_messages.append(message))
    j.cleanups.append(lambda: QtCore.qInstallMessageHandler(previous))
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["caseview", "-platform", "offscreen"])
    j.qt_app = app
    platform = QtGui.QGuiApplication.platformName()
    renderer = QtSvg.QSvgRenderer(str(resource("icons", "caseview.svg")))
    if not renderer.isValid():
        raise StepFailed("Qt could not draw the application icon (SVG support is missing).")
    icon = QtGui.QIcon(str(resource("icons", "caseview.png")))
    if icon.isNull():
        raise StepFailed("Qt could not load the application icon (PNG support is missing).")
    widget = QtWidgets.QLabel("CaseView self-test")
    widget.show()
    app.processEvents()
    if widget.grab().isNull():
        raise StepFailed(f"Qt could not draw a widget on the {platform!r} platform.")
    widget.close()
    return f"Qt {QtCore.qVersion()}, {platform!r} platform"


# The app may expose one of these to let the self-test build its main window (given the workspace folder).
WINDOW_FACTORIES = ("create_main_window", "MainWindow")


def step_window(j: Journey) -> str:
    import importlib.util

    if j.qt_app is None:
        raise StepFailed("Qt did not start, so the main window cannot be built.")
    if importlib.util.find_spec("caseview.app") is None:
        raise Skipped("the desktop app (caseview.app) is not in this build")
    try:
        import caseview.app as app_module
    except ImportError as exc:
        raise StepFailed(f"the desktop app cannot be loaded ({exc}).") from None
    factory = next((getattr(app_module, n) for n in WINDOW_FACTORIES if hasattr(app_module, n)), None)
    if factory is not None:
        windows = [_call_with_workspace(factory, j.tmp / "workspace")]
    elif hasattr(app_module, "AppController"):
        windows = _controller_windows(j, app_module)
    else:
        raise Skipped(f"caseview.app exposes none of {', '.join(WINDOW_FACTORIES)}")
    names = []
    for window in windows:
        j.keep.append(window)
        window.show()
        j.qt_app.processEvents()
        if window.grab().isNull():
            raise StepFailed(f"the {type(window).__name__} could not be drawn offscreen.")
        names.append(type(window).__name__)
        window.close()
        j.qt_app.processEvents()
    return ", ".join(names)


def _controller_windows(j: Journey, app_module: Any) -> list[Any]:
    """The start and review windows as ``run_app`` makes them, on the self-test's workspace and settings."""
    from PySide6.QtCore import QSettings

    from .ui.tasks import WorkspaceRunner

    if hasattr(app_module, "create_application"):
        app_module.create_application([sys.argv[0]])  # the app's style and icon, on the QApplication already made
    settings = QSettings(str(j.tmp / "settings.ini"), QSettings.Format.IniFormat)  # never the user's settings
    try:
        runner = WorkspaceRunner(j.tmp / "workspace")
        controller = app_module.AppController(runner, settings)
    except TypeError as exc:
        raise Skipped(f"caseview.app's AppController is built differently now ({exc}); "
                      f"expose create_main_window(workspace) for the self-test") from None
    j.keep.append(controller)
    windows = [controller.start_window(), controller.review_window()]
    j.cleanups.append(lambda: controller.shutdown(5000))
    return windows


def _call_with_workspace(factory: Callable[..., Any], workspace: Path) -> Any:
    import inspect

    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        params = {}
    if "workspace" in params:
        return factory(workspace=workspace)
    required = [p for p in params.values() if p.default is inspect.Parameter.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return factory(workspace) if required else factory()


STEPS: tuple[tuple[str, Callable[[Journey], str]], ...] = (
    ("find shipped resources", step_resources),
    ("import demo bundle", step_import),
    ("confine PDF workers", step_confine),
    ("search demo bundle", step_search),
    ("load demo review", step_findings),
    ("render and sign report", step_sign),
    ("verify signed report", step_verify),
    ("start Qt offscreen", step_qt),
    ("build main window", step_window),
)


# ------------------------------------------------------------------ running them


def _sentence(exc: BaseException) -> str:
    """One line for any exception: the project's errors already are sentences."""
    from .core.errors import CaseViewError

    if isinstance(exc, (StepFailed, Skipped, CaseViewError)):
        text = str(exc)
    else:
        detail = " ".join(str(exc).split()) or "no detail"
        text = f"unexpected {type(exc).__name__} ({detail})"
    text = " ".join(text.split())
    if len(text) > 300:
        text = text[:297] + "…"
    return text if text.endswith((".", "…", "?", "!")) else text + "."


def _prepare_environment(tmp: Path) -> None:
    """No display, no user folders: everything the steps might touch lives under ``tmp``."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["CASEVIEW_WORKSPACE"] = str(tmp / "workspace")
    runtime = tmp / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)  # Qt warns on stderr without one (env -i)
    os.environ.setdefault("HOME", str(tmp))
    if sys.platform.startswith("linux") and not _utf8_locale():
        # What Python's own launcher does in the C locale (PEP 538); a frozen build does not, and Qt
        # would switch to C.UTF-8 itself, with a four-line warning.
        os.environ["LC_ALL"] = "C.UTF-8"


def _utf8_locale() -> bool:
    import locale

    try:
        return locale.nl_langinfo(locale.CODESET).replace("-", "").upper() == "UTF8"
    except (AttributeError, ValueError):
        return True
    # Qt's own chatter (font database, offscreen plugin notes) is not a step's result.
    os.environ.setdefault("QT_LOGGING_RULES", "*.debug=false;qt.qpa.*=false;qt.text.font.db=false")


def run_steps(out: Callable[[str], None] = print) -> bool:
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="caseview-self-test-"))
    saved_env = dict(os.environ)
    all_ok = True
    journey = Journey(tmp=tmp)
    try:
        _prepare_environment(tmp)
        for label, step in STEPS:
            t0 = time.monotonic()
            try:
                with _quiet():
                    detail = step(journey)
            except Skipped as exc:
                out(f"skip {label}: {_sentence(exc)}")
                continue
            except KeyboardInterrupt:
                out(f"FAIL {label}: interrupted.")
                return False
            except BaseException as exc:  # noqa: BLE001 — any failure becomes a sentence, never a traceback
                all_ok = False
                out(f"FAIL {label}: {_sentence(exc)}")
                continue
            out(f"ok   {label} ({detail}, {time.monotonic() - t0:.1f} s)")
    finally:
        for cleanup in reversed(journey.cleanups):
            with contextlib.suppress(Exception):
                cleanup()
        journey.keep.clear()
        if journey.workspace is not None:
            with contextlib.suppress(Exception):
                journey.workspace.close()
        shutil.rmtree(tmp, ignore_errors=True)
        os.environ.clear()
        os.environ.update(saved_env)
    verdict = "passed" if all_ok else "FAILED"
    out(f"self-test {verdict} in {time.monotonic() - started:.1f} s")
    return all_ok


@contextlib.contextmanager
def _quiet():
    """Library warnings and log records would interleave with the step lines: keep them out of sight."""
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.CRITICAL + 1)
    sink = io.StringIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.redirect_stderr(sink):
                yield
    finally:
        root.setLevel(previous)


def main() -> int:
    from . import __version__

    print(f"CaseView {__version__} self-test ({'frozen build' if getattr(sys, 'frozen', False) else 'from source'}, "
          f"Python {sys.version.split()[0]}, {sys.platform})", flush=True)

    def out(line: str) -> None:
        print(line, flush=True)

    try:
        ok = run_steps(out)
    except BaseException as exc:  # noqa: BLE001 — the promise is one sentence, never a traceback
        out(f"FAIL self-test: {_sentence(exc)}")
        return 1
    return 0 if ok else 1
