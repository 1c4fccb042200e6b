"""The Personal data dock: what the check found after import, masked until revealed, each resolved by the reviewer.

The check runs in the background once a case is open (it never delays the first page) and can be cancelled.
A finding is resolved as "not personal data" (with a reason) or "report to issuer"; both are review commands,
so Edit → Undo takes them back and the change history records them, masked. Revealing shows the text on this
screen only: it is read from the page when asked for and kept nowhere.
"""

from __future__ import annotations

import html
from typing import Any, Sequence

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QInputDialog, QLabel, QLineEdit, QProgressBar, QPushButton, QVBoxLayout,
                               QWidget)

from ...core.errors import CaseViewError
from ...core.pdcheck import NOT_PERSONAL, REPORTED, CheckState, StoredFinding, check_state, run_check
from ...core.progress import Step
from ...core.review import ResolveFinding
from ...core.store import Workspace
from ..cards import card_list
from ..models import DocIdRole, HtmlRole, IdRole, ObjectRole, PageRole, _RowsModel
from ..tasks import WorkspaceRunner
from .undo import ReviewController

_SAID = {None: "To resolve", NOT_PERSONAL: "Not personal data", REPORTED: "Reported to the issuer"}


def _e(text: Any) -> str:
    return html.escape(str(text), quote=False)


class FindingsModel(_RowsModel):
    columns = ("Page", "Kind", "Text", "Resolution")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.revealed: dict[str, str] = {}  # finding id → its text, while the reviewer has it revealed

    def set_findings(self, findings: Sequence[StoredFinding]) -> None:
        self._reset(findings)

    def value(self, f: StoredFinding, column: int, role: int) -> Any:
        if role == IdRole:
            return f.id
        if role == DocIdRole:
            return f.doc_id
        if role == PageRole:
            return f.page
        text = self.revealed.get(f.id, f.masked)
        said = _SAID.get(f.resolution, f.resolution)
        if role == Qt.DisplayRole:
            return (f.page_ref, f.label, text, said)[column]
        if role == Qt.AccessibleTextRole:
            return f"{f.page_ref}: possible {f.label}, {'shown' if f.id in self.revealed else 'masked'}. {said}."
        if role == Qt.ToolTipRole:
            return f"{f.reason} ({f.confidence} confidence)" + (f"\nReason given: {f.note}" if f.note else "")
        if role == HtmlRole:
            head = f"<b>{_e(f.page_ref)}</b> · {_e(f.label)}"
            if f.confidence == "low":
                head += ' <span class="muted">· low confidence</span>'
            status = (f'<span class="warn"><b>{_e(said)}</b></span>' if f.resolution is None
                      else f'<span class="muted">{_e(said)}</span>')
            note = f'<br><span class="muted">{_e(f.note)}</span>' if f.note else ""
            return f"{head}<br><tt>{_e(text)}</tt><br>{status}{note}"
        return None


class PersonalDataPanel(QWidget):
    """Status of the check, the findings as cards, and the reviewer's three actions on the selected one."""

    openRequested = Signal(str, int, object)

    def __init__(self, runner: WorkspaceRunner, controller: ReviewController, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner, self.controller = runner, controller
        self.case_id: str | None = None
        self.state: CheckState | None = None
        self._token = None
        self._generation = 0
        self.model = FindingsModel(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Personal data check")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Personal data check progress")
        self.progress.setMaximumHeight(10)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Stop the check")
        self.cancel_button.clicked.connect(self.cancel)
        self.view = card_list("Possible personal data")
        self.view.setModel(self.model)
        self.view.activated.connect(self._open)
        self.view.doubleClicked.connect(self._open)
        self.view.selectionModel().currentChanged.connect(lambda *_: self._sync_buttons())
        self.reveal_button = QPushButton("Reveal")
        self.reveal_button.setCheckable(True)
        self.reveal_button.setToolTip("Show the text on screen (it is not kept or logged)")
        self.reveal_button.toggled.connect(self._reveal)
        self.not_personal_button = QPushButton("Not personal data…")
        self.not_personal_button.clicked.connect(self._not_personal)
        self.report_button = QPushButton("Report to issuer")
        self.report_button.clicked.connect(lambda: self._resolve(REPORTED, ""))
        self.not_checked = QLabel()
        self.not_checked.setWordWrap(True)
        self.not_checked.setProperty("role", "muted")
        top = QHBoxLayout()
        top.addWidget(self.progress, 1)
        top.addWidget(self.cancel_button)
        buttons = QHBoxLayout()
        for b in (self.reveal_button, self.not_personal_button, self.report_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.summary)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.not_checked)
        controller.saved.connect(lambda _text: self.refresh())  # after the write (and an undo) is committed
        self._show(None)

    # -- the check ------------------------------------------------------------------------------

    def start(self, case_id: str) -> None:
        """Show what is known for ``case_id``, and run the check if it has not finished before."""
        self.cancel()
        self.case_id = case_id
        self._generation += 1
        gen = self._generation
        self.model.revealed.clear()

        def known(state: CheckState) -> None:
            if gen != self._generation:
                return
            self._show(state)
            if state.finished is None:
                self._run(case_id, gen)
        self.runner.submit(lambda ws: check_state(ws, case_id), known, self._failed)

    def _run(self, case_id: str, gen: int) -> None:
        self.progress.show()
        self.cancel_button.show()
        self.progress.setRange(0, 0)
        self.summary.setText("Checking the pages for personal data the anonymisation may have missed…")

        def step(s: Step) -> None:
            if gen == self._generation and s.total:
                self.progress.setRange(0, s.total)
                self.progress.setValue(s.done)

        def done(state: CheckState) -> None:
            self._token = None
            if gen == self._generation:
                self._show(state)

        def failed(error: CaseViewError) -> None:
            self._token = None
            if gen == self._generation:
                self._show(None, stopped=str(error))
        self._token = self.runner.submit_long(lambda ws, progress, token: run_check(ws, case_id, progress=progress,
                                                                                  cancel=token),
                                              done, failed, step)

    def cancel(self) -> None:
        if self._token is not None:
            self._token.cancel()
            self._token = None

    def refresh(self) -> None:
        """After a resolution (or its undo): read the findings again."""
        if self.case_id is None or self._token is not None:
            return
        gen, case_id = self._generation, self.case_id
        self.runner.submit(lambda ws: check_state(ws, case_id),
                           lambda state: gen == self._generation and self._show(state), self._failed)

    def _failed(self, error: CaseViewError) -> None:
        self._show(None, stopped=str(error))

    def _show(self, state: CheckState | None, *, stopped: str = "") -> None:
        self.state = state
        self.progress.hide()
        self.cancel_button.hide()
        current = self.view.currentIndex().data(IdRole)
        self.model.set_findings(state.findings if state else ())
        if current:
            for r in range(self.model.rowCount()):
                if self.model.index(r, 0).data(IdRole) == current:
                    self.view.setCurrentIndex(self.model.index(r, 0))
        if stopped:
            self.summary.setText(f"The check stopped: {stopped} It runs again when the case is next opened.")
        elif state is None or state.finished is None:
            self.summary.setText("Not checked yet.")
        elif not state.findings:
            self.summary.setText(f"Nothing the detectors recognise was found on the {state.pages} pages searched. "
                                 "They know only some kinds of identifier, so this does not show that none remains.")
        else:
            n, todo = len(state.findings), state.unresolved
            self.summary.setText(f"{n} possible identifier{'s' if n != 1 else ''} found on the {state.pages} pages "
                                 f"searched; {todo} to resolve. A quote that carries one cannot be signed.")
        snap = self.controller.snapshot
        names = {d.id: f"{d.row.range_label} {d.row.title}" for d in snap.documents} if snap else {}
        self.not_checked.setText("Not checked, no text to read: " + "; ".join(names.get(d, d) for d in state.not_checked)
                                 + "." if state and state.not_checked else "")
        self._sync_buttons()

    # -- the reviewer's actions --------------------------------------------------------------------

    def selected(self) -> StoredFinding | None:
        index = self.view.currentIndex()
        return index.data(ObjectRole) if index.isValid() else None

    def _sync_buttons(self) -> None:
        f = self.selected()
        editable = f is not None and not self.controller.read_only
        self.not_personal_button.setEnabled(editable and f.resolution != NOT_PERSONAL)
        self.report_button.setEnabled(editable and f.resolution != REPORTED)
        self.reveal_button.setEnabled(f is not None)
        self.reveal_button.blockSignals(True)
        self.reveal_button.setChecked(f is not None and f.id in self.model.revealed)
        self.reveal_button.blockSignals(False)

    def _reveal(self, on: bool) -> None:
        f, case_id = self.selected(), self.case_id
        if f is None or case_id is None:
            return
        if not on:
            self.model.revealed.pop(f.id, None)
            self._show(self.state)
            return

        def shown(text: str) -> None:
            self.model.revealed[f.id] = text
            self._show(self.state)

        self.runner.submit(lambda ws: _clear_text(ws, case_id, f), shown, self._failed)

    def _not_personal(self) -> None:
        f = self.selected()
        if f is None:
            return
        reason, ok = QInputDialog.getText(self, "Not personal data",
                                          f"Why is the possible {f.label} on {f.page_ref} not personal data?",
                                          QLineEdit.Normal, f.note)
        if ok:
            self._resolve(NOT_PERSONAL, reason)

    def _resolve(self, resolution: str, note: str) -> None:
        f = self.selected()
        if f is not None:
            self.controller.submit(ResolveFinding(f.id, resolution, note.strip()), on_done=self.refresh)

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.openRequested.emit(index.data(DocIdRole), index.data(PageRole), None)


def _clear_text(ws: Workspace, case_id: str, f: StoredFinding) -> str:
    return (ws.page_text(case_id, f.doc_id, f.page) or "")[f.start:f.end]
