"""The moderation side of the review window: File → Moderate a report…, the Moderation dock, undo, Countersign….

While a case is under moderation the window shows the case as usual, the
Review dock gives way to the Moderation dock (the reviewer's answers are read
there, from the signed report, beside the moderator's form), Edit → Undo and
Ctrl+E act on the moderation, and the title and information bar say so.
Opening any other case ends moderation mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from ...core.frameworks import CASE
from ...core.review import Anchor
from ..review.moderation_controller import ModerationController
from .docks import make_dock

if TYPE_CHECKING:  # the panel and the flows bring core.moderation (reportlab, pyHanko): made when first used
    from ..dialogs.moderate_flow import CountersignFlow, Opened
    from ..review.moderation_panel import ModerationPanel

__all__ = ["ModerationWiring"]


class ModerationWiring(QObject):
    """Builds the Moderation dock and its actions on ``window`` (the review window)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.runner = window.runner
        self.controller = ModerationController(window.runner, self)
        self.panel: ModerationPanel | None = None
        self.dock = make_dock("Moderation", "dock.moderation", QWidget(), window)
        self.flow: CountersignFlow | None = None
        self.pending: Opened | None = None  # opened, waiting for its case to be shown
        self.case_id: str | None = None  # the case under moderation, while in moderation mode
        self.notices: tuple[str, ...] = ()
        self.finished_flow: CountersignFlow | None = None  # the last flow, for tests and screenshots
        self._saved_keys: dict[int, list] = {}
        w, c = window, self.controller
        self.moderate_action = self._action("&Moderate a report…", lambda: self.moderate(),
                                            "Check a reviewer's signed report item by item, then countersign it")
        self.countersign_action = self._action("C&ountersign…", self.countersign,
                                               "Sign the moderation record and countersign the report")
        self.undo_action = c.make_action(w)
        self.redo_action = c.make_action(w, redo=True)
        self.cite_action = self._action("&Cite selection for the moderation", self.cite_current)
        for act in (self.undo_action, self.redo_action):
            w.addAction(act)
        self._set_mode(False)
        c.saved.connect(w.show_saved)
        c.failed.connect(w.show_not_saved)
        c.busyChanged.connect(lambda busy: busy and w.show_saving())
        w.caseLoaded.connect(self._case_shown)
        self.sync_actions()

    def _action(self, text: str, slot, tip: str = "") -> QAction:
        act = QAction(text, self.window)
        act.setToolTip(tip)
        act.setStatusTip(tip)
        act.triggered.connect(slot)
        self.window.addAction(act)
        return act

    # -- starting ---------------------------------------------------------------------------------

    def moderate(self, path=None) -> None:
        """File → Moderate a report…: the report for the open case, or for the workspace's case it is about."""
        from ..dialogs.moderate_flow import moderate_report

        self.flush()
        snap = self.window.snapshot
        moderate_report(self.window, self.runner, snap.case.id if snap is not None else None, self.open, path)

    def open(self, opened: Opened) -> None:
        """Show the moderation's case, then the moderation beside it."""
        self.pending = opened
        snap = self.window.snapshot
        if snap is not None and snap.case.id == opened.case_id and self.window.stack.currentWidget() is \
                self.window.viewer:
            self._case_shown(snap.case.reference)
        else:
            self.window.load_case(opened.case_id)
            self.window.show()

    def _case_shown(self, _reference: str) -> None:
        snap = self.window.snapshot
        case_id = snap.case.id if snap is not None else None
        if self.pending is not None and self.pending.case_id == case_id:
            opened, self.pending = self.pending, None
            self.notices = opened.notices
            self._load(opened.moderation_id)
        elif self.case_id is not None and self.case_id == case_id and self.controller.ctx is not None:
            self._enter()  # the same case read again (after a write failed, a new version…): still moderating
        else:
            self._leave()

    def _make_panel(self) -> None:
        from ..review.moderation_panel import ModerationPanel

        w = self.window
        self.panel = ModerationPanel(self.controller, self.describe_anchor)
        self.panel.citeRequested.connect(self.cite)
        self.panel.openAnchor.connect(lambda a: w.open_at(a.doc_id, a.page, a if a.exact else None))
        self.panel.countersignRequested.connect(self.countersign)
        self.dock.setWidget(self.panel)

    def _load(self, moderation_id: str) -> None:
        from ...core.moderation import load_context, read_state

        if self.panel is None:
            self._make_panel()

        def done(result) -> None:
            ctx, state = result
            self.controller.load(ctx, state)
            self._enter()

        self.runner.submit(lambda ws: (load_context(ws, moderation_id), read_state(ws, moderation_id)), done,
                           lambda e: self.window.show_not_saved(str(e)))

    # -- the mode ---------------------------------------------------------------------------------

    def _enter(self) -> None:
        w, ctx = self.window, self.controller.ctx
        self.case_id = ctx.case.case_id
        self._set_mode(True)
        w.review_dock.hide()
        self.dock.show()
        self.dock.raise_()
        self.dock.widget().setEnabled(True)
        # The verdict form wants width, but not the bundle index's: squeezed under ~200 pixels its cards wrap a
        # letter a line. The page between them gives way instead.
        w.resizeDocks([w.index_dock, self.dock], [max(w.index_dock.width(), 220), max(self.dock.width(), 460)],
                      Qt.Horizontal)
        ref = w.snapshot.case.reference if w.snapshot is not None else ""
        done = self.controller.read_only
        w.setWindowTitle(f"CaseView — {ref} — {'moderated' if done else 'under moderation'}")
        signer = ctx.reviewer.get("signer") or "the reviewer"
        lead = (f"Moderated: this moderation of the report signed by {signer} has been countersigned and is read-only."
                if done else
                f"Under moderation: the report signed by {signer}. Your verdicts are saved as you go; "
                "Countersign… when every item has one.")
        notices = [lead, *self.notices]
        if not ctx.reviewer.get("trusted") and not any("not trusted" in n for n in notices):
            notices.append(f"The reviewer's signature ({signer}) is not trusted here; the moderation may go ahead, "
                           "and the moderation record will say so.")
        keep = [n for n in w.info_bar.notices if not n.startswith("Signed on") and n not in notices
                and not n.startswith("Under moderation") and not n.startswith("Moderated:")]
        w.info_bar.set_notices(notices + keep)
        self.sync_actions()

    def _leave(self) -> None:
        if self.case_id is None and self.controller.ctx is None:
            self.dock.hide()
            self.sync_actions()
            return
        self.case_id = None
        self.notices = ()
        self.controller.load(None)
        self._set_mode(False)
        self.dock.hide()
        self.window.review_dock.show()
        self.sync_actions()

    @property
    def active(self) -> bool:
        return self.case_id is not None

    def _set_mode(self, on: bool) -> None:
        """Undo, redo and Ctrl+E belong to the moderation while it is shown, else to the review."""
        r = getattr(self.window, "wiring", None)
        pairs = ((self.undo_action, ModerationController.shortcuts(), getattr(r, "undo_action", None)),
                 (self.redo_action, ModerationController.shortcuts(redo=True), getattr(r, "redo_action", None)),
                 (self.cite_action, [QKeySequence("Ctrl+E")], getattr(r, "cite_action", None)))
        for mine, keys, theirs in pairs:
            mine.setShortcuts(keys if on else [])
            mine.setShortcutContext(Qt.WindowShortcut)
            mine.setVisible(on)
            if theirs is not None:
                if on:
                    self._saved_keys.setdefault(id(theirs), theirs.shortcuts())
                    theirs.setShortcuts([])
                elif id(theirs) in self._saved_keys:
                    theirs.setShortcuts(self._saved_keys.pop(id(theirs)))
                theirs.setVisible(not on)
        if r is not None and on:
            r.set_enabled(False)  # the review form and its actions rest while the case is moderated

    def sync_actions(self) -> None:
        on = self.active
        self.countersign_action.setEnabled(on and not self.controller.read_only and self.flow is None)
        self.countersign_action.setVisible(on)
        self.cite_action.setEnabled(on and not self.controller.read_only)

    def flush(self) -> None:
        self.controller.flush()

    def is_idle(self) -> bool:
        return self.controller.is_idle()

    # -- citing -----------------------------------------------------------------------------------

    def describe_anchor(self, anchor: Anchor) -> str:
        snap = self.window.snapshot
        where = f"{anchor.doc_id} page {anchor.page}"
        try:
            row = snap.document(anchor.doc_id).row
            where = f"{row.ref(anchor.page)} ({row.title})"
        except (KeyError, AttributeError):
            pass
        return f"{where}: “{anchor.exact}”" if anchor.exact else f"{where}, whole page"

    def cite_current(self) -> None:
        key = self.panel.current_key() if self.panel is not None else None
        if key is not None and key != CASE:
            self.cite(key)

    def cite(self, item_id: str) -> None:
        anchor = self.window.wiring.current_anchor()
        if anchor is None:
            self.window.statusBar().showMessage("Open a document and select the passage to cite, then press Ctrl+E.",
                                                6000)
            return
        self.controller.cite(item_id, anchor)
        self.window.statusBar().showMessage(f"Cited {self.describe_anchor(anchor)} for {item_id}.", 4000)

    # -- countersigning -----------------------------------------------------------------------------

    def countersign(self) -> None:
        c = self.controller
        if self.flow is not None or c.ctx is None or c.read_only:
            return
        self.flush()
        from ..dialogs.moderate_flow import countersign

        self.flow = countersign(self.window, self.runner, c.ctx.moderation_id)
        self.flow.goToMissing.connect(self._go_to_missing)
        self.flow.countersigned.connect(lambda mid: self._load(mid))
        self.flow.finished.connect(self._flow_ended)
        self.sync_actions()

    def _go_to_missing(self, where: str) -> None:
        self.dock.show()
        self.dock.raise_()
        if self.panel is not None:
            self.panel.focus_gap(where)

    def _flow_ended(self) -> None:
        self.finished_flow, self.flow = self.flow, None
        self.sync_actions()
