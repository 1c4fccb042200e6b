"""Composition root: the QApplication, the workspace runner, the render client, the start and review windows.

``run_app(args)`` is called by ``caseview.launch`` with ``caseview [FILE.cvb]
[--demo] [--workspace DIR]``. A window is shown first and the case is imported
or loaded behind it, so the reviewer sees CaseView at once. QSettings holds
only window geometry, dock layout and the workspace folder chosen in Settings;
everything about cases stays in the workspace.

The workspace is ``--workspace``, else ``CASEVIEW_WORKSPACE``, else the folder
chosen in Settings, else the platform's per-user data folder. After an import
that made a new version of a case already reviewed, the app offers to carry
the review forward. On quit, what the review form holds back is written and
every write committed before the worker stops.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

# The core modules the windows use come before PySide6: PySide6's __feature__ import hook reads the source of
# every module imported after it (about 150 modules here: sqlite_utils, click, the core). A start-up cost only.
from .core import findings as _findings, render as _render, search as _search  # noqa: F401  (for that only)
from .core.errors import Cancelled, CaseViewError
from .core.snapshot import case_summaries
from .paths import resource

from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from .ui import recent
from .ui.dialogs.import_bundle import ImportOutcome, ask_bundle_path, import_with_dialog, show_refusal, start_import
from .ui.window.main_window import ReviewWindow
from .ui.window.start import StartWindow
from .ui.style import apply_style
from .ui.tasks import WorkspaceRunner

if TYPE_CHECKING:  # carry forward, settings, signing: imported when first used, not before the first window
    from .ui.dialogs.carry_forward import CarryForward

APP_NAME = "CaseView"


class ReadyProbe(QObject):
    """For tests and timing: when ``CASEVIEW_TEST_READY_FILE`` is set, append one JSON line per milestone."""

    def __init__(self, path: str | None, started: float):
        super().__init__()
        self.path = Path(path) if path else None
        self.started = started

    def note(self, event: str, **fields: Any) -> None:
        if self.path is None:
            return
        line = {"event": event, "t": round(time.monotonic() - self.started, 3), "wall": time.time(), **fields}
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")

    def watch(self, window: QWidget, name: str) -> None:
        if self.path is not None:
            window.setProperty("probeName", name)
            window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(obj, QWidget) and obj.isWindow():
            self.note("shown", window=obj.property("probeName"), title=obj.windowTitle())
        return False


class AppController(QObject):
    """Moves the reviewer between the start screen and the review window; owns neither the data nor the database."""

    def __init__(self, runner: WorkspaceRunner, settings: QSettings, probe: ReadyProbe | None = None,
                 render_client_factory=None):
        super().__init__()
        self.runner = runner
        self.settings = settings
        self.probe = probe or ReadyProbe(None, time.monotonic())
        self._render_client_factory = render_client_factory
        self.render_client = None
        self.start: StartWindow | None = None
        self.review: ReviewWindow | None = None
        self.carry: CarryForward | None = None
        self.workspace_error: str | None = None
        runner.workspaceOpened.connect(self._on_workspace_opened)

    # -- windows --------------------------------------------------------------------------

    def start_window(self) -> StartWindow:
        if self.start is None:
            self.start = StartWindow()
            self.start.openCaseRequested.connect(self.open_case)
            self.start.importRequested.connect(lambda p: self.import_bundle(p, parent=self.start))
            self.start.aboutRequested.connect(lambda: self.about(self.start))
            self.start.demoRequested.connect(lambda: self.import_bundle(demo_path(), parent=self.start,
                                                                        remember=False))
            self.probe.watch(self.start, "start")
        return self.start

    def review_window(self) -> ReviewWindow:
        if self.review is None:
            if self.render_client is None and self._render_client_factory is not None:
                self.render_client = self._render_client_factory()
            self.review = ReviewWindow(self.runner, self.settings, self.render_client)
            self.review.closeCaseRequested.connect(self.close_case)
            self.review.openBundleRequested.connect(self._open_from_review)
            self.review.openDemoRequested.connect(lambda: self.import_bundle(demo_path(), parent=self.review,
                                                                             remember=False))
            self.review.aboutRequested.connect(lambda: self.about(self.review))
            self.review.caseLoaded.connect(lambda ref: self.probe.note("ready", window="review",
                                                                       title=self.review.windowTitle()))
            self.review.caseFailed.connect(self._case_failed)
            self.probe.watch(self.review, "review")
        return self.review

    def show_start(self) -> None:
        w = self.start_window()
        w.show()
        w.raise_()
        self.refresh_start()

    def refresh_start(self) -> None:
        if self.start is None:
            return

        def job(ws):
            return case_summaries(ws), recent.load_recent(ws.root), ws.root

        def done(result) -> None:
            cases, bundles, root = result
            self.start.set_cases(cases)
            self.start.set_recent(bundles)
            self.start.set_workspace(root)

        self.runner.submit(job, done, lambda e: self.start.set_workspace(None))

    # -- flows ----------------------------------------------------------------------------

    def launch(self, bundle: str | None, demo: bool) -> None:
        """What the command line asked for: the demo case, a bundle, or the start screen."""
        if demo:
            self.open_bundle_in_review(demo_path(), remember=False)
        elif bundle:
            self.open_bundle_in_review(Path(bundle), remember=True)
        else:
            self.show_start()

    def open_bundle_in_review(self, path: Path, *, remember: bool) -> None:
        """Show the review window at once with import progress; the case appears when it is ready.

        When the window was not on screen yet, the import (and the bundle and signature code it loads) starts
        once the window has been painted, so the first paint does not wait on it.
        """
        w = self.review_window()
        first_show = not w.isVisible()
        panel = w.show_import(f"Opening {path.name}")
        w.show()
        if self.start is not None:
            self.start.hide()

        def done(outcome: ImportOutcome) -> None:
            w.load_case(outcome.result.case_id, outcome.result.notices)
            self.offer_carry_forward(outcome)

        def failed(error: CaseViewError) -> None:
            self.show_start()
            w.hide()
            if not isinstance(error, Cancelled):
                self.refused(path, str(error))

        cancelled_early: list[bool] = []

        def begin() -> None:
            token = start_import(self.runner, path, remember=remember, on_done=done, on_error=failed,
                                 on_progress=panel.set_step)
            panel.cancelRequested.disconnect(note_cancel)
            panel.cancelRequested.connect(token.cancel)
            if cancelled_early:
                token.cancel()

        def note_cancel() -> None:
            cancelled_early.append(True)

        panel.cancelRequested.connect(note_cancel)
        if first_show:
            after_first_paint(w, begin)
        else:
            begin()

    def import_bundle(self, path: Path, *, parent: QWidget | None, remember: bool = True) -> None:
        """Import from a window (Open bundle…, drop, recent): a progress dialog over it, then the review window."""
        def done(outcome: ImportOutcome) -> None:
            self.open_case(outcome.result.case_id, outcome.result.notices)
            self.offer_carry_forward(outcome)

        import_with_dialog(parent, self.runner, Path(path), remember=remember, on_done=done, on_refused=self.refused)

    def offer_carry_forward(self, outcome: ImportOutcome) -> None:
        """A new case from a bundle with earlier versions: offer to carry their review forward (asks only then)."""
        result = outcome.result
        if not result.created or self.review is None:
            return
        from .ui.dialogs.carry_forward import offer_carry_forward

        flow = offer_carry_forward(self.review, self.runner, result.case_id, result.bundle.manifest.bundle_id)
        self.carry = flow
        case_id = result.case_id

        def carried(_case_id: str, _findings) -> None:
            if self.review is not None and self.review.snapshot is not None \
                    and self.review.snapshot.case.id == case_id:
                self.review.reload_case()

        def finished() -> None:
            if self.carry is flow:
                self.carry = None

        flow.carried.connect(carried)
        flow.finished.connect(finished)

    def _open_from_review(self, path: Path | None) -> None:
        if path is None:
            path = ask_bundle_path(self.review)
        if path is not None:
            self.import_bundle(path, parent=self.review)

    def open_case(self, case_id: str, notices: Sequence[str] = ()) -> None:
        w = self.review_window()
        w.load_case(case_id, notices)
        w.show()
        w.raise_()
        w.activateWindow()
        if self.start is not None:
            self.start.hide()

    def close_case(self) -> None:
        if self.review is not None:
            self.review.flush_review()
        self.show_start()
        if self.review is not None:
            self.review.close()

    def refused(self, path: Path, sentence: str) -> QMessageBox:
        parent = self.review if self.review is not None and self.review.isVisible() else self.start_window()
        self.probe.note("refused", path=str(path), message=sentence)
        return show_refusal(parent, path, sentence)

    def _case_failed(self, sentence: str) -> None:
        self.show_start()
        if self.review is not None:
            self.review.hide()
        QMessageBox.warning(self.start, "Case not opened", sentence)

    def about(self, parent: QWidget | None) -> None:
        from .ui.dialogs.about import AboutDialog

        AboutDialog(parent).exec()

    def _on_workspace_opened(self, error: CaseViewError | None) -> None:
        if error is None:
            return
        self.workspace_error = str(error)
        self.probe.note("workspace-error", message=str(error))
        w = self.start_window()
        w.show()
        QMessageBox.critical(w, "Workspace not available", f"{error}\n\nCaseView will close.")
        QApplication.quit()

    # -- shutdown -------------------------------------------------------------------------

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Let queued work finish (the last reading position, a write), then stop the worker and the renderer."""
        if self.review is not None:
            self.review.flush_review(timeout_ms)  # typed text and undo steps in flight are committed first
            if self.review.isVisible():
                self.review.save_position(force=True)
        loop = QEventLoop()
        self.runner.submit(lambda ws: None, lambda _: loop.quit(), lambda _: loop.quit())
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        self.runner.shutdown()
        if self.render_client is not None and hasattr(self.render_client, "shutdown"):
            self.render_client.shutdown()


class _AfterFirstPaint(QObject):
    """Calls ``fn`` once, on the turn of the event loop after ``window`` is first painted, or after ``fallback_ms``
    if it is not painted by then (a window that is never exposed still gets its work done)."""

    def __init__(self, window: QWidget, fn, fallback_ms: int):
        super().__init__(window)
        self._window = window
        self._fn = fn
        window.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self, self._run)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self._window and event.type() == QEvent.Type.Paint and self._fn is not None:
            QTimer.singleShot(0, self, self._run)
        return False

    def _run(self) -> None:
        fn, self._fn = self._fn, None
        if fn is None:
            return
        self._window.removeEventFilter(self)
        self.deleteLater()
        fn()


def after_first_paint(window: QWidget, fn, fallback_ms: int = 250) -> None:
    """Run ``fn`` once ``window`` is on screen: work the reviewer cannot see yet does not delay the first paint."""
    _AfterFirstPaint(window, fn, fallback_ms)


def demo_path() -> Path:
    return resource("demo", "demo-case.cvb")


def make_render_client():
    """The viewer's render client, if this build has it."""
    try:
        from .ui.viewer.render_client import RenderClient
    except ImportError:
        return None
    return RenderClient()


def create_application(argv: list[str] | None = None) -> QApplication:
    QApplication.setApplicationName(APP_NAME)
    QApplication.setOrganizationName(APP_NAME)
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setDesktopFileName("caseview")
    icon = resource("icons", "caseview.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    apply_style(app)
    return app


def choose_workspace(option: str | None) -> Path | None:
    """``--workspace``, else ``CASEVIEW_WORKSPACE``, else the folder chosen in Settings; None: the default folder."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get("CASEVIEW_WORKSPACE")
    if env:
        return Path(env).expanduser()
    from .ui.workspace_folder import saved_workspace_folder  # not dialogs.settings: that imports the identity code

    return saved_workspace_folder()


def _quit_cleanly_on_signals(app: QApplication) -> None:
    """SIGTERM (logout, shutdown, kill) and Ctrl+C end the app the normal way: typed text is saved and the
    worker processes are stopped, instead of dying mid-write or orphaning a worker that is still starting."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: app.quit())
    # Python runs signal handlers only when it gets control; a quiet timer gives it control while Qt waits.
    ticker = QTimer(app)
    ticker.timeout.connect(lambda: None)
    ticker.start(250)


def run_app(args) -> int:
    started = time.monotonic()
    app = create_application()
    _quit_cleanly_on_signals(app)
    probe = ReadyProbe(os.environ.get("CASEVIEW_TEST_READY_FILE"), started)
    runner = WorkspaceRunner(choose_workspace(getattr(args, "workspace", None)))
    controller = AppController(runner, QSettings(), probe, make_render_client)
    controller.launch(getattr(args, "bundle", None), bool(getattr(args, "demo", False)))
    code = app.exec()
    controller.shutdown()
    return code
