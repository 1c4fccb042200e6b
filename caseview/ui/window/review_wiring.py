"""The review side of the review window: the controller and its Review dock, citing, finalising, signing, history.

The window reads the case; this object judges it. It owns the
:class:`ReviewController` (every answer, citation and annotation goes through
it, so they share one undo stack and one "Saved"), the :class:`ReviewPanel` in
a dock, and the flows that finish a review: Finalise…, Finalise and sign…,
Start a new version, Change history…, Verify report… and Settings….
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStatusBar, QWidget

from ...core.frameworks import CASE
from ...core.review import Anchor, Evidence
from ...core.snapshot import CaseSnapshot
from ..review.panel import ReviewPanel
from ..review.personal_data import PersonalDataPanel
from ..review.undo import ReviewController
from ..tasks import WorkspaceRunner
from .docks import make_dock

# The signing, verification, settings and history dialogs (and through them reportlab, the report modules,
# cryptography and pyHanko) are imported when the reviewer first asks for them, not before the first window:
# tests/ui/test_startup_imports.py keeps it so.
if TYPE_CHECKING:
    from ..dialogs.sign_flow import SignFlow

__all__ = ["ReviewHost", "ReviewWiring"]


class ReviewHost(Protocol):
    """What the review side needs of the window that reads the case (the review window), and nothing more.

    The window is also the parent of the Review dock, the actions and the dialogs, so it is a QWidget.
    """

    runner: WorkspaceRunner
    viewer: QWidget  # the document viewer, or a placeholder before a case opens
    snapshot: CaseSnapshot | None
    doc_id: str | None  # the document shown
    page: int  # its page shown

    def open_at(self, doc_id: str, page: int = 1, anchor: Anchor | None = None) -> bool: ...

    def reload_case(self) -> None: ...

    def show_saved(self, text: str = "Saved") -> None: ...

    def show_not_saved(self, sentence: str) -> None: ...

    def show_saving(self) -> None: ...

    def refresh_annotations(self) -> None: ...

    def statusBar(self) -> QStatusBar: ...

    def addAction(self, action: QAction) -> None: ...


class ReviewWiring(QObject):
    """Builds the Review dock and the review's actions on ``window`` and connects them to the viewer."""

    def __init__(self, window: ReviewHost):
        super().__init__(window)
        self.window = window
        self.runner = window.runner
        self.controller = ReviewController(window.runner, self)
        self.panel = ReviewPanel(self.controller)
        self.panel.setObjectName("reviewPanel")
        self.dock = make_dock("Review", "dock.review", self.panel, window)
        self.personal_data = PersonalDataPanel(window.runner, self.controller)
        self.personal_data.openRequested.connect(lambda doc_id, page, _: window.open_at(doc_id, page))
        self.personal_data_dock = make_dock("Personal data", "dock.personal_data", self.personal_data, window)
        self.flow: SignFlow | None = None
        self.dialogs: list[QObject] = []  # the last history / settings / verify dialog, for tests and screenshots
        self._enabled = False
        self._build_actions()
        self._connect()
        self.sync_actions()

    # -- construction ---------------------------------------------------------------------------

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        act = QAction(text, self.window)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.WindowShortcut)
        if tip:
            act.setToolTip(tip)
            act.setStatusTip(tip)
        act.triggered.connect(slot)
        self.window.addAction(act)
        return act

    def _build_actions(self) -> None:
        w, c = self.window, self.controller
        # Both are the window's own actions: Ctrl+Z works wherever the focus is (text fields hand it over).
        self.undo_action = c.make_undo_action(w)
        self.redo_action = c.make_redo_action(w)
        w.addAction(self.undo_action)
        w.addAction(self.redo_action)
        self.cite_action = self.panel.cite_action  # the one Ctrl+E
        self.cite_action.setText("&Cite selection")
        w.addAction(self.cite_action)
        if hasattr(w.viewer, "add_selection_action"):
            w.viewer.add_selection_action(self.cite_action)
        self.finalise_action = self._action("&Finalise…", self.finalise,
                                            tip="See what is still missing before the review can be signed")
        self.sign_action = self._action("&Finalise and sign…", self.sign,
                                        tip="Check the review is complete, then sign the report")
        self.new_version_action = self._action("Start a &new version", self.new_version,
                                               tip="Open a signed review for changes again; the signed report is "
                                                   "kept")
        self.history_action = self._action("Change &history…", self.show_history,
                                           tip="Every change to this review, and whether the record is intact")
        self.collect_action = self._action("C&ollect reports…", self.collect,
                                           tip="Verify a folder of signed reports into an evidence base, with a "
                                               "summary")
        self.verify_action = self._action("&Verify report…", self.verify,
                                          tip="Check a signed CaseView report: who signed it and whether it changed")
        self.settings_action = self._action("&Settings…", self.settings, QKeySequence.Preferences)
        self.settings_action.setMenuRole(QAction.PreferencesRole)

    def _connect(self) -> None:
        w, c, p = self.window, self.controller, self.panel
        p.citeRequested.connect(self.cite)
        p.openDocument.connect(lambda doc_id, page: w.open_at(doc_id, page))
        p.showEvidence.connect(self.show_evidence)
        p.readyToSign.connect(self.sign)
        c.saved.connect(w.show_saved)
        c.failed.connect(w.show_not_saved)
        c.busyChanged.connect(lambda busy: busy and w.show_saving())
        c.annotationsChanged.connect(w.refresh_annotations)
        c.loaded.connect(self.sync_actions)

    # -- the case ---------------------------------------------------------------------------------

    def load(self, snapshot: CaseSnapshot) -> None:
        """A case (or a fresh copy after signing or a new version) is shown: the review starts from it."""
        self.controller.load(snapshot)
        # After the window's own jobs for the first page (the runner takes jobs in order): never before them.
        QTimer.singleShot(0, lambda case_id=snapshot.case.id: self.personal_data.start(case_id))

    def set_enabled(self, enabled: bool) -> None:
        self._enabled = enabled
        self.panel.setEnabled(enabled)
        self.sync_actions()

    def sync_actions(self) -> None:
        c = self.controller
        has_case = self._enabled and c.snapshot is not None
        editable = has_case and not c.read_only
        self.cite_action.setEnabled(editable)
        self.finalise_action.setEnabled(editable)
        self.sign_action.setEnabled(editable and self.flow is None)
        self.new_version_action.setEnabled(has_case and c.read_only and self.flow is None)
        self.history_action.setEnabled(has_case)

    def flush(self) -> None:
        """Send what the form is holding back (text typed in the last moment)."""
        self.controller.flush()

    def is_idle(self) -> bool:
        return self.controller.is_idle()

    # -- evidence ---------------------------------------------------------------------------------

    def current_anchor(self) -> Anchor | None:
        """The viewer's selection, else the page shown (a whole-page citation), else None."""
        w = self.window
        anchor = w.viewer.selection()
        if anchor is not None:
            return anchor
        if w.doc_id is None:
            return None
        page = w.viewer.current_page() if hasattr(w.viewer, "current_page") else w.page
        return Anchor(w.doc_id, page or w.page, None)

    def cite(self, item_id: str) -> None:
        w = self.window
        anchor = self.current_anchor()
        if anchor is None:
            w.statusBar().showMessage("Open a document and select the passage to cite, then press Ctrl+E.", 6000)
            return
        self.controller.cite(item_id, anchor)
        ref = anchor.page
        try:
            ref = w.snapshot.document(anchor.doc_id).row.ref(anchor.page)
        except (KeyError, AttributeError):
            pass
        what = "the passage on" if anchor.exact else "page"
        target = "the case" if item_id == CASE else item_id
        w.statusBar().showMessage(f"Cited {what} {ref} for {target}.", 4000)

    def show_evidence(self, evidence: Evidence) -> None:
        a = evidence.anchor
        self.window.open_at(a.doc_id, a.page, a if a.exact else None)

    def go_to_question(self, item_id: str, question_id: str) -> None:
        self.dock.show()
        self.dock.raise_()
        self.panel.focus_question(item_id, question_id)

    # -- finishing a review -----------------------------------------------------------------------

    def finalise(self) -> None:
        """Review → Finalise…: what is missing, each entry a way there; with nothing missing, Sign…."""
        if self.controller.snapshot is None or self.controller.read_only:
            return
        self.dock.show()
        self.dock.raise_()
        dialog = self.panel.finalise()
        dialog.goTo.connect(self.go_to_question)
        self.dialogs = [dialog]

    def sign(self) -> None:
        """File → Finalise and sign…: completeness, identity, passphrase, output path, the written file checked."""
        c = self.controller
        if self.flow is not None or c.case_id is None or c.read_only:
            return
        c.flush()  # the runner is serial: what the form held back is written before the flow's check
        from ..dialogs.sign_flow import finalise_and_sign

        self.flow = finalise_and_sign(self.window, self.runner, c.case_id)
        self.flow.goToMissing.connect(self.go_to_question)
        self.flow.signed.connect(lambda _case_id: self.window.reload_case())
        self.flow.finished.connect(self._flow_ended)
        self.sync_actions()

    def new_version(self) -> None:
        c = self.controller
        if self.flow is not None or c.case_id is None:
            return
        from ..dialogs.sign_flow import start_new_version

        self.flow = start_new_version(self.window, self.runner, c.case_id)
        self.flow.reopened.connect(lambda _case_id: self.window.reload_case())
        self.flow.finished.connect(self._flow_ended)
        self.sync_actions()

    def _flow_ended(self) -> None:
        flow, self.flow = self.flow, None
        if flow is not None:
            flow.deleteLater()
        self.sync_actions()

    def show_history(self) -> None:
        snap = self.controller.snapshot
        if snap is None:
            return
        from ..review.history import HistoryDialog

        dialog = HistoryDialog(self.runner, snap.case.id, snap.case.reference, self.window)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.open()
        self.dialogs = [dialog]

    def verify(self) -> None:
        from ..dialogs.verify import open_verify_dialog

        dialog = open_verify_dialog(self.window, self.runner)
        self.dialogs = [dialog] if dialog is not None else []

    def collect(self) -> None:
        from ..dialogs.collect import CollectDialog

        dialog = CollectDialog(self.runner, self.window)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.open()
        self.dialogs = [dialog]

    def settings(self) -> None:
        from ..dialogs.settings import open_settings

        self.dialogs = [open_settings(self.window, self.runner)]

    def last_dialog(self):
        d = self.dialogs[-1] if self.dialogs else None
        return d if d is not None and shiboken6.isValid(d) else None
