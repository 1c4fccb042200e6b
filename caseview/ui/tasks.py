"""Run core work off the GUI thread: one worker owns the workspace, so database access is serialised.

Widgets never touch the database. They ask a :class:`WorkspaceRunner` to run a
function ``fn(workspace) -> result`` on its thread; the result (or the
:class:`CaseViewError` it raised) comes back on the GUI thread through a
callback. Long work passes a progress callback and a cancel token to the core.
"""

from __future__ import annotations

import itertools
import os
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..core import integrity
from ..core.errors import CaseViewError
from ..core.progress import CancelToken, Step
from ..core.store import Workspace

Job = Callable[..., Any]


@dataclass
class _Pending:
    on_done: Callable[[Any], None] | None
    on_error: Callable[[CaseViewError], None] | None
    on_progress: Callable[[Step], None] | None


class _Worker(QObject):
    finished = Signal(int, object)
    failed = Signal(int, object)
    progressed = Signal(int, object)
    opened = Signal(object)

    def __init__(self, root: Path | None):
        super().__init__()
        self._root = root
        self.ws: Workspace | None = None

    @Slot()
    def open(self) -> None:
        from ..core.store import open_workspace

        try:
            self.ws = open_workspace(self._root)
            self.opened.emit(None)
        except CaseViewError as exc:
            self.opened.emit(exc)

    @Slot(int, object, object)
    def run(self, job_id: int, fn: Job, token: object) -> None:
        if self.ws is None:
            self.failed.emit(job_id, CaseViewError("The workspace is not open."))
            return
        try:
            if token is not None:
                result = fn(self.ws, lambda step: self.progressed.emit(job_id, step), token)
            else:
                result = fn(self.ws)
        except CaseViewError as exc:
            self.failed.emit(job_id, exc)
        except Exception as exc:  # never let a bug escape as a traceback in the reviewer's face
            if integrity.is_corruption(exc):  # a damaged page: say so, and the next open checks in full
                integrity.note_damage(self.ws.root)
                self.failed.emit(job_id, integrity.damaged(self.ws.db_path, self.ws.root, exc))
                return
            if os.environ.get("CASEVIEW_DEBUG"):
                traceback.print_exc()
            self.failed.emit(job_id, CaseViewError(
                f"Something went wrong ({type(exc).__name__}); your saved work is safe. Please report this."))
        else:
            self.finished.emit(job_id, result)

    @Slot()
    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None


class WorkspaceRunner(QObject):
    """Owns the worker thread and the workspace; submit jobs from the GUI thread."""

    _submit = Signal(int, object, object)
    _close = Signal()
    workspaceOpened = Signal(object)  # None, or the CaseViewError that stopped it

    def __init__(self, root: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._thread = QThread(self)
        self._thread.setObjectName("caseview-workspace")
        self._worker = _Worker(root)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._close.connect(self._worker.close)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._worker.progressed.connect(self._on_progress)
        self._worker.opened.connect(self.workspaceOpened)
        self._thread.started.connect(self._worker.open)
        self._thread.start()

    @property
    def root(self) -> Path | None:
        ws = self._worker.ws
        return ws.root if ws is not None else None

    def submit(self, fn: Callable[[Workspace], Any], on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[CaseViewError], None] | None = None) -> int:
        job_id = next(self._ids)
        self._pending[job_id] = _Pending(on_done, on_error, None)
        self._submit.emit(job_id, fn, None)
        return job_id

    def submit_long(self, fn: Callable[[Workspace, Callable[[Step], None], CancelToken], Any],
                    on_done: Callable[[Any], None] | None = None,
                    on_error: Callable[[CaseViewError], None] | None = None,
                    on_progress: Callable[[Step], None] | None = None) -> CancelToken:
        """Long work: ``fn(ws, progress, token)``; returns the token that cancels it."""
        job_id = next(self._ids)
        token = CancelToken()
        self._pending[job_id] = _Pending(on_done, on_error, on_progress)
        self._submit.emit(job_id, fn, token)
        return token

    def _on_finished(self, job_id: int, result: Any) -> None:
        p = self._pending.pop(job_id, None)
        if p and p.on_done:
            p.on_done(result)

    def _on_failed(self, job_id: int, error: CaseViewError) -> None:
        p = self._pending.pop(job_id, None)
        if p and p.on_error:
            p.on_error(error)

    def _on_progress(self, job_id: int, step: Step) -> None:
        p = self._pending.get(job_id)
        if p and p.on_progress:
            p.on_progress(step)

    def shutdown(self) -> None:
        """Finish the running job, close the workspace, stop the thread."""
        self._close.emit()
        self._thread.quit()
        self._thread.wait()
