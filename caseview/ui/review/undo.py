"""The review controller: every change goes out through the runner, and undo is a thin adapter over the core's inverses.

``review.apply`` returns the command that undoes what it did. A
:class:`ReviewStep` (a ``QUndoCommand``) keeps that pair: its ``undo`` applies
the stored inverse, its ``redo`` applies the command again, each through the
runner, and each stores the inverse the core gives back, so the pair stays
exact however often the reviewer goes back and forth. The first ``redo`` (the
one ``QUndoStack.push`` makes) does nothing: the command was already applied.

The controller keeps the case's state in memory (``apply_local``) so the form
never waits for the database; ``saved`` is emitted only once a write is
committed, which is when the status bar may say "Saved".
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Callable, Hashable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack

from ...core.errors import CaseViewError
from ...core.review import (AddEvidence, Anchor, CaseContext, Command, Evidence, Missing, RemoveEvidence,
                           ReviewState, SetAnswer, apply, missing, new_id, read_state)
from ...core.snapshot import CaseSnapshot, case_snapshot
from ...core.store import Workspace, now_utc
from .models import apply_local, describe, touches
from ..tasks import WorkspaceRunner

#: consecutive saves of one text field closer together than this are one undo step
MERGE_WINDOW_S = 5.0
_MERGE_ID = 0x5E7  # QUndoCommand.id() of mergeable answer edits


class _Pair:
    """The command and its inverse; a plain object, so a job on the worker never touches a Qt wrapper."""

    __slots__ = ("command", "inverse")

    def __init__(self, command: Command, inverse: Command | None):
        self.command = command
        self.inverse = inverse


class ReviewStep(QUndoCommand):
    """One undoable change: the command and its inverse, each re-applied through the controller."""

    def __init__(self, controller: "ReviewController", command: Command, inverse: Command, text: str,
                 merge_key: Hashable | None = None):
        super().__init__(text)
        self._controller = controller
        self.pair = _Pair(command, inverse)
        self.merge_key = merge_key
        self.last_edit = time.monotonic()
        self._pushed = False

    def id(self) -> int:  # noqa: A003 - Qt's name
        return _MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, ReviewStep) or other.merge_key is None or other.merge_key != self.merge_key:
            return False
        if other.last_edit - self.last_edit > MERGE_WINDOW_S:
            return False
        # Keep the oldest inverse (the value before the first keystroke) and the newest command.
        self.pair.command = other.pair.command
        self.last_edit = other.last_edit
        cmd, inv = self.pair.command, self.pair.inverse
        if isinstance(cmd, SetAnswer) and isinstance(inv, SetAnswer) and cmd.value == inv.value:
            self.setObsolete(True)  # typed and deleted back to where it was: nothing to undo
        return True

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True  # push() calls redo(); the change is already in the database
            return
        self._controller._replay(self.pair, forward=True)

    def undo(self) -> None:
        self._controller._replay(self.pair, forward=False)


class _Labeller(QObject):
    """Keeps an action's text in step with the stack ("Undo answer to “Timely” (K1)"); dies with the action."""

    def __init__(self, action: QAction, base: str):
        super().__init__(action)
        self._action, self._base = action, base

    def set_text(self, text: str) -> None:
        self._action.setText(f"{self._base} {text}" if text else self._base)


class ReviewController(QObject):
    """Holds one case's review state, sends changes through the runner, owns the undo stack."""

    loaded = Signal()  # a case (or a fresh copy of it) arrived: rebuild the views
    stateChanged = Signal()  # answers, evidence or annotations changed in memory
    annotationsChanged = Signal()  # the annotations changed (the window's annotation lists refresh)
    saved = Signal(str)  # a write is committed: "Saved"
    failed = Signal(str)  # a sentence for the reviewer
    busyChanged = Signal(bool)  # writes in flight (True) or all committed (False)
    flushRequested = Signal()  # editors with a pending (debounced) edit: save it now
    revisited = Signal(str)  # an undo or redo changed this item's answers or evidence (CASE: the case)

    def __init__(self, runner: WorkspaceRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.runner = runner
        self.undo_stack = QUndoStack(self)
        self._snapshot: CaseSnapshot | None = None
        self._state = ReviewState()
        self._in_flight = 0
        self._deferred: list[Callable[[], None]] = []
        self._generation = 0  # bumps on load: results for an earlier case are dropped

    # -- the case ---------------------------------------------------------------------------

    def open_case(self, case_id: str, on_done: Callable[[CaseSnapshot], None] | None = None) -> None:
        """Read the case's snapshot through the runner and load it."""
        def done(snap: CaseSnapshot) -> None:
            self.load(snap)
            if on_done:
                on_done(snap)

        self.runner.submit(lambda ws: case_snapshot(ws, case_id), done, self._fail)

    def load(self, snapshot: CaseSnapshot) -> None:
        """Show ``snapshot`` (from ``case_snapshot``); the undo history starts afresh."""
        self._generation += 1
        self._snapshot = snapshot
        self._state = snapshot.state
        self._deferred.clear()
        self.undo_stack.clear()
        self.loaded.emit()
        self.stateChanged.emit()

    def reload(self) -> None:
        """Read the case again (after signing, a new version, or a write that failed)."""
        if self._snapshot is not None:
            self.open_case(self._snapshot.case.id)

    @property
    def snapshot(self) -> CaseSnapshot | None:
        return self._snapshot

    @property
    def case_id(self) -> str | None:
        return self._snapshot.case.id if self._snapshot else None

    @property
    def context(self) -> CaseContext | None:
        return self._snapshot.context if self._snapshot else None

    @property
    def state(self) -> ReviewState:
        return self._state

    @property
    def read_only(self) -> bool:
        return self._snapshot is None or self._snapshot.case.status == "signed"

    @property
    def signed_at(self) -> str | None:
        return self._snapshot.case.signed_at if self._snapshot else None

    def answer(self, item_id: str, question_id: str) -> Any:
        return self._state.answers.get((item_id, question_id))

    def evidence_for(self, item_id: str) -> tuple[Evidence, ...]:
        return tuple(e for e in self._state.evidence if e.item_id == item_id)

    def gaps(self) -> list[Missing]:
        return missing(self.context, self._state) if self.context else []

    def is_idle(self) -> bool:
        """Nothing in flight: everything the reviewer did is committed."""
        return self._in_flight == 0 and not self._deferred

    # -- changes -------------------------------------------------------------------------------

    def submit(self, command: Command, *, merge_key: Hashable | None = None,
               on_done: Callable[[], None] | None = None) -> None:
        """Apply ``command`` (an answer, a citation, an annotation…) and make it one undo step.

        ``merge_key``: consecutive commands with the same key (within a few seconds) become one step.
        """
        if self._snapshot is None:
            self.failed.emit("No case is open.")
            return
        if self.read_only:
            self.failed.emit(self._read_only_sentence())
            return
        case_id, ctx, gen = self._snapshot.case.id, self._snapshot.context, self._generation
        text = describe(command, ctx, self._snapshot.documents)
        self._set_state(apply_local(self._state, command), command)

        def job(ws: Workspace) -> Command:
            return apply(ws, case_id, command, ctx=_fresh(ws, ctx))

        def done(inverse: Command) -> None:
            if gen == self._generation:
                self.undo_stack.push(ReviewStep(self, command, inverse, text, merge_key))
                if on_done:
                    on_done()
            self._finished(gen, ok=True)

        self._start(job, done, gen)

    def set_answer(self, item_id: str, question_id: str, value: Any, *, merge_key: Hashable | None = None) -> None:
        """Answer a question (``None`` clears it); nothing is sent when the answer is unchanged."""
        if self._state.answers.get((item_id, question_id)) == value:
            return
        self.submit(SetAnswer(item_id, question_id, value), merge_key=merge_key)

    def cite(self, item_id: str, anchor: Anchor) -> None:
        """Cite ``anchor`` (a passage, or a whole page when ``exact`` is None) as evidence for an item."""
        self.submit(AddEvidence(Evidence(new_id("E"), item_id, anchor, now_utc())))

    def remove_evidence(self, evidence_id: str) -> None:
        self.submit(RemoveEvidence(evidence_id))

    # -- undo ----------------------------------------------------------------------------------

    def undo(self) -> None:
        self._after_writes(self.undo_stack.undo)

    def redo(self) -> None:
        self._after_writes(self.undo_stack.redo)

    def flush(self) -> None:
        """Save what editors are holding back (debounced text) now."""
        self.flushRequested.emit()

    def make_undo_action(self, parent: QObject) -> QAction:
        return self._make_action(parent, "&Undo", QKeySequence.Undo, self.undo, self.undo_stack.canUndoChanged,
                                 self.undo_stack.undoTextChanged, self.undo_stack.canUndo, self.undo_stack.undoText)

    def make_redo_action(self, parent: QObject) -> QAction:
        action = self._make_action(parent, "&Redo", QKeySequence.Redo, self.redo, self.undo_stack.canRedoChanged,
                                   self.undo_stack.redoTextChanged, self.undo_stack.canRedo,
                                   self.undo_stack.redoText)
        action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        return action

    def _make_action(self, parent, label, keys, slot, can_changed, text_changed, can, text) -> QAction:
        # Like QUndoStack.createUndoAction, but pending text is saved first (and the write lands
        # before the undo), so Ctrl+Z right after typing undoes what was typed.
        action = QAction(label.replace("&", ""), parent)
        action.setShortcut(keys)
        action.setShortcutContext(Qt.WindowShortcut)
        action.triggered.connect(slot)
        labeller = _Labeller(action, label.replace("&", ""))
        can_changed.connect(action.setEnabled)  # bound to the action: disconnected when it goes
        text_changed.connect(labeller.set_text)
        action.setEnabled(can())
        labeller.set_text(text())
        return action

    def _after_writes(self, fn: Callable[[], None]) -> None:
        self.flush()
        if self._in_flight:
            # A write is still going out (it joins the stack when it lands): undo after it.
            self._deferred.append(fn)
        else:
            fn()

    def _replay(self, step: _Pair, *, forward: bool) -> None:
        """Apply a step's command (redo) or inverse (undo) through the runner, keeping the returned inverse."""
        if self._snapshot is None:
            return
        case_id, ctx, gen = self._snapshot.case.id, self._snapshot.context, self._generation
        cmd = step.command if forward else step.inverse
        item_id = self._item_of(cmd)
        self._set_state(apply_local(self._state, cmd), cmd)
        if item_id is not None:
            self.revisited.emit(item_id)

        def job(ws: Workspace) -> Command:
            # Runs on the worker, in order: read the pair then, so a quick undo-redo-undo sees each inverse.
            todo = step.command if forward else step.inverse
            inverse = apply(ws, case_id, todo, ctx=_fresh(ws, ctx))
            if forward:
                step.inverse = inverse
            else:
                step.command = inverse
            return inverse

        self._start(job, lambda _inv: self._finished(gen, ok=True), gen, replay=True)

    # -- plumbing -----------------------------------------------------------------------------------

    def _start(self, job: Callable[[Workspace], Any], done: Callable[[Any], None], gen: int,
               replay: bool = False) -> None:
        self._in_flight += 1
        if self._in_flight == 1:
            self.busyChanged.emit(True)

        def error(exc: CaseViewError) -> None:
            self._finished(gen, ok=False)
            if gen != self._generation:
                return
            if replay:
                self.undo_stack.clear()  # the stack no longer matches the database
            self._fail(exc)
            self._resync()

        self.runner.submit(job, done, error)

    def _finished(self, gen: int, *, ok: bool) -> None:
        self._in_flight -= 1
        if ok and gen == self._generation:
            self.saved.emit("Saved")
        if self._in_flight == 0:
            self.busyChanged.emit(False)
            while self._deferred and self._in_flight == 0:
                self._deferred.pop(0)()

    def _item_of(self, cmd: Command) -> str | None:
        if isinstance(cmd, SetAnswer):
            return cmd.item_id
        if isinstance(cmd, AddEvidence):
            return cmd.evidence.item_id
        if isinstance(cmd, RemoveEvidence):
            return next((e.item_id for e in self._state.evidence if e.id == cmd.evidence_id), None)
        return None

    def _set_state(self, state: ReviewState, cmd: Command) -> None:
        self._state = state
        self.stateChanged.emit()
        if "annotations" in touches(cmd):
            self.annotationsChanged.emit()

    def _resync(self) -> None:
        """After a failed write: show what the database holds."""
        if self._snapshot is None:
            return
        case_id, gen = self._snapshot.case.id, self._generation

        def done(result: tuple[ReviewState, str, str | None]) -> None:
            if gen != self._generation:
                return
            state, status, signed_at = result
            if status != self._snapshot.case.status:
                self.reload()
                return
            self._state = state
            self.stateChanged.emit()
            self.annotationsChanged.emit()

        def job(ws: Workspace):
            case = ws.case(case_id)
            return read_state(ws, case_id), case.status, case.signed_at

        self.runner.submit(job, done, self._fail)

    def _fail(self, exc: CaseViewError | str) -> None:
        self.failed.emit(str(exc))

    def _read_only_sentence(self) -> str:
        return "This review has been signed and is read-only; start a new version to change it."


def _fresh(ws: Workspace, ctx: CaseContext) -> CaseContext:
    """The context with the case's current status, so a write never lands on a case signed meanwhile."""
    return replace(ctx, status=ws.case(ctx.case_id).status)


__all__ = ["MERGE_WINDOW_S", "ReviewController", "ReviewStep"]
