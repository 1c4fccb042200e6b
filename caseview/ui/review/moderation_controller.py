"""The moderation controller: the moderator's verdicts go out through the runner, undo is a thin adapter over inverses.

The same pattern as :class:`~caseview.ui.review.undo.ReviewController`: the
state is changed in memory at once (``apply_local``) so the form never waits;
the command goes to ``core.moderation.apply`` on the runner's thread, which
returns its inverse; a :class:`ModerationStep` (a ``QUndoCommand``) keeps the
pair and replays either side through the runner. ``saved`` is emitted only when
a write is committed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack

from ...core.errors import CaseViewError
from ...core.review import Anchor, new_id
from ...core.store import Workspace, now_utc
from ..tasks import WorkspaceRunner

# core.moderation brings the record's reportlab and pyHanko with it: imported when a moderation is opened, not
# before the first window (tests/ui/test_startup_imports.py).
if TYPE_CHECKING:
    from ...core.moderation import (
        Citation,
        ItemVerdict,
        Missing,
        ModerationContext,
        ModerationState,
    )

MERGE_WINDOW_S = 5.0
_MERGE_ID = 0x30D


def apply_local(state: ModerationState, cmd) -> ModerationState:
    """What ``cmd`` does to the state, in memory (the database does the same in ``core.moderation.apply``)."""
    from ...core.moderation import (
        AddCitation,
        RemoveCitation,
        ReplaceModeration,
        SetOverall,
        SetPayment,
        SetVerdict,
    )

    if isinstance(cmd, SetVerdict):
        v, items = cmd.verdict, dict(state.items)
        if v.verdict is None and v.judgement is None and not v.comment:
            items.pop(v.item_id, None)
        else:
            items[v.item_id] = v
        return replace(state, items=items)
    if isinstance(cmd, SetOverall):
        return replace(state, overall=cmd.overall, comment=cmd.comment)
    if isinstance(cmd, SetPayment):
        payments = dict(state.payments)
        if cmd.change is None:
            payments.pop(cmd.item_id, None)
        else:
            payments[cmd.item_id] = cmd.change
        return replace(state, payments=payments)
    if isinstance(cmd, AddCitation):
        return replace(state, evidence=state.evidence + (cmd.citation,))
    if isinstance(cmd, RemoveCitation):
        return replace(state, evidence=tuple(c for c in state.evidence if c.id != cmd.citation_id))
    if isinstance(cmd, ReplaceModeration):
        return cmd.state
    raise TypeError(f"not a moderation command: {cmd!r}")


def describe(cmd) -> str:
    """The undo menu's words for a command."""
    kind = type(cmd).__name__
    if kind == "SetVerdict":
        return f"verdict on {cmd.verdict.item_id}"
    if kind == "SetOverall":
        return "overall endorsement"
    if kind == "SetPayment":
        return f"payment for {cmd.item_id}"
    if kind == "AddCitation":
        return f"citation for {cmd.citation.item_id}"
    if kind == "RemoveCitation":
        return "removing a citation"
    return "moderation"


class _Pair:
    __slots__ = ("command", "inverse")

    def __init__(self, command, inverse):
        self.command = command
        self.inverse = inverse


class ModerationStep(QUndoCommand):
    """One undoable change to the moderation; consecutive typing in one field merges into one step."""

    def __init__(self, controller: ModerationController, command, inverse, text: str,
                 merge_key: Hashable | None = None):
        super().__init__(text)
        self._controller = controller
        self.pair = _Pair(command, inverse)
        self.merge_key = merge_key
        self.last_edit = time.monotonic()
        self._pushed = False

    def id(self) -> int:
        return _MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, ModerationStep) or other.merge_key is None or other.merge_key != self.merge_key:
            return False
        if other.last_edit - self.last_edit > MERGE_WINDOW_S:
            return False
        self.pair.command = other.pair.command
        self.last_edit = other.last_edit
        return True

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True  # push() calls redo(); the change is already in the database
            return
        self._controller._replay(self.pair, forward=True)

    def undo(self) -> None:
        self._controller._replay(self.pair, forward=False)


class ModerationController(QObject):
    """Holds one moderation's context and state, sends changes through the runner, owns the undo stack."""

    loaded = Signal()
    stateChanged = Signal()
    saved = Signal(str)
    failed = Signal(str)
    busyChanged = Signal(bool)
    flushRequested = Signal()

    def __init__(self, runner: WorkspaceRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.runner = runner
        self.undo_stack = QUndoStack(self)
        self.ctx: ModerationContext | None = None
        self.state: ModerationState | None = None
        self._in_flight = 0
        self._deferred: list[Callable[[], None]] = []
        self._generation = 0

    # -- the moderation ----------------------------------------------------------------------

    def load(self, ctx: ModerationContext | None, state: ModerationState | None = None) -> None:
        self._generation += 1
        self.ctx = ctx
        self.state = state
        self._deferred.clear()
        self.undo_stack.clear()
        self.loaded.emit()
        self.stateChanged.emit()

    @property
    def moderation_id(self) -> str | None:
        return self.ctx.moderation_id if self.ctx else None

    @property
    def read_only(self) -> bool:
        return self.ctx is None or self.ctx.status == "finished"

    def verdict(self, item_id: str) -> ItemVerdict:
        from ...core.moderation import ItemVerdict

        return (self.state.items.get(item_id) if self.state else None) or ItemVerdict(item_id, None)

    def citations(self, item_id: str) -> tuple[Citation, ...]:
        return tuple(c for c in self.state.evidence if c.item_id == item_id) if self.state else ()

    def gaps(self) -> list[Missing]:
        from ...core.moderation import missing

        return missing(self.ctx, self.state) if self.ctx and self.state else []

    def is_idle(self) -> bool:
        return self._in_flight == 0 and not self._deferred

    # -- changes --------------------------------------------------------------------------------

    def submit(self, command, *, merge_key: Hashable | None = None) -> None:
        if self.ctx is None:
            return
        if self.read_only:
            self.failed.emit("This moderation has been countersigned and is read-only.")
            return
        from ...core.moderation import apply

        mid, ctx, gen = self.ctx.moderation_id, self.ctx, self._generation
        self._set_state(apply_local(self.state, command))

        def job(ws: Workspace):
            return apply(ws, mid, command, ctx=ctx)

        def done(inverse) -> None:
            if gen == self._generation:
                self.undo_stack.push(ModerationStep(self, command, inverse, describe(command), merge_key))
            self._finished(gen, ok=True)

        self._start(job, done, gen)

    def set_verdict(self, item_id: str, *, merge_key: Hashable | None = None, **changes: Any) -> None:
        """Change some of an item's verdict, moderated judgement and comment; nothing is sent when unchanged."""
        old = self.verdict(item_id)
        new = replace(old, **changes)
        if new.verdict != "disagree" and "verdict" in changes:
            new = replace(new, judgement=None)  # agreeing keeps the reviewer's judgement
        if new != old:
            from ...core.moderation import SetVerdict

            self.submit(SetVerdict(new), merge_key=merge_key)

    def set_overall(self, overall: str | None = ..., comment: str = ..., *,  # type: ignore[assignment]
                    merge_key: Hashable | None = None) -> None:
        o = self.state.overall if overall is ... else overall
        c = self.state.comment if comment is ... else comment
        if (o, c) != (self.state.overall, self.state.comment):
            from ...core.moderation import SetOverall

            self.submit(SetOverall(o, c), merge_key=merge_key)

    def set_payment(self, item_id: str, moderated: str, comment: str, *,
                    merge_key: Hashable | None = None) -> None:
        from ...core.moderation import PaymentChange, SetPayment

        reviewer = self.ctx.reviewer_answers(item_id).get("payment") if self.ctx else None
        change = None if moderated == reviewer and not comment.strip() else PaymentChange(item_id, moderated, comment)
        if change != self.state.payments.get(item_id):
            self.submit(SetPayment(item_id, change), merge_key=merge_key)

    def cite(self, item_id: str, anchor: Anchor) -> None:
        from ...core.moderation import AddCitation, Citation

        self.submit(AddCitation(Citation(new_id("C"), item_id, anchor, now_utc())))

    def remove_citation(self, citation_id: str) -> None:
        from ...core.moderation import RemoveCitation

        self.submit(RemoveCitation(citation_id))

    # -- undo -------------------------------------------------------------------------------------

    def undo(self) -> None:
        self._after_writes(self.undo_stack.undo)

    def redo(self) -> None:
        self._after_writes(self.undo_stack.redo)

    def flush(self) -> None:
        self.flushRequested.emit()

    def make_action(self, parent: QObject, redo: bool = False) -> QAction:
        """Undo (or Redo) for the moderation: pending text first, then the step; its text follows the stack."""
        s = self.undo_stack
        base = "Redo" if redo else "Undo"
        action = QAction(base, parent)
        action.setShortcutContext(Qt.WindowShortcut)
        action.triggered.connect(self.redo if redo else self.undo)
        (s.canRedoChanged if redo else s.canUndoChanged).connect(action.setEnabled)
        text_changed = s.redoTextChanged if redo else s.undoTextChanged
        text_changed.connect(lambda t: action.setText(f"{base} {t}" if t else base))
        action.setEnabled(s.canRedo() if redo else s.canUndo())
        return action

    @staticmethod
    def shortcuts(redo: bool = False) -> list[QKeySequence]:
        if redo:
            return [QKeySequence(QKeySequence.Redo), QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
        return [QKeySequence(QKeySequence.Undo)]

    def _after_writes(self, fn: Callable[[], None]) -> None:
        self.flush()
        if self._in_flight:
            self._deferred.append(fn)
        else:
            fn()

    def _replay(self, step: _Pair, *, forward: bool) -> None:
        if self.ctx is None:
            return
        from ...core.moderation import apply

        mid, ctx, gen = self.ctx.moderation_id, self.ctx, self._generation
        self._set_state(apply_local(self.state, step.command if forward else step.inverse))

        def job(ws: Workspace):
            todo = step.command if forward else step.inverse
            inverse = apply(ws, mid, todo, ctx=ctx)
            if forward:
                step.inverse = inverse
            else:
                step.command = inverse
            return inverse

        self._start(job, lambda _inv: self._finished(gen, ok=True), gen, replay=True)

    # -- plumbing -----------------------------------------------------------------------------------

    def _start(self, job, done, gen: int, replay: bool = False) -> None:
        self._in_flight += 1
        if self._in_flight == 1:
            self.busyChanged.emit(True)

        def error(exc: CaseViewError) -> None:
            self._finished(gen, ok=False)
            if gen != self._generation:
                return
            if replay:
                self.undo_stack.clear()
            self.failed.emit(str(exc))
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

    def _set_state(self, state: ModerationState) -> None:
        self.state = state
        self.stateChanged.emit()

    def _resync(self) -> None:
        """After a failed write: show what the database holds."""
        if self.ctx is None:
            return
        from ...core.moderation import read_state

        mid, gen = self.ctx.moderation_id, self._generation

        def done(state: ModerationState) -> None:
            if gen == self._generation:
                self._set_state(state)

        self.runner.submit(lambda ws: read_state(ws, mid), done, lambda e: self.failed.emit(str(e)))


__all__ = ["ModerationController", "ModerationStep", "apply_local", "describe"]
