"""Finalise and sign: completeness, identity, passphrase, output file, progress, then the written file checked.

The :class:`SignFlow` controller walks the reviewer through the steps with window-modal
dialogs opened with ``open()`` (never a blocking ``exec()``), so tests can drive each one.
All workspace access, the key derivation, the signing and the check run on the runner's thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QFont
from PySide6.QtWidgets import (QDialog, QFileDialog, QListWidget, QListWidgetItem, QMessageBox, QProgressBar,
                               QPushButton, QWidget)

from ...core.errors import Cancelled, CaseViewError
from ...core.finalise import ReportOutcome, produce_report
from ...core.identity import IdentityInfo, LoadedIdentity
from ...core.progress import CancelToken, Step
from ...core.frameworks import CASE
from ...core.pdcheck import ensure_checked, quote_conflicts, review_anchors
from ...core.review import load_context, missing, read_state
from ...core.review import start_new_version as core_start_new_version
from ...core.store import Workspace
from ...core.verify import Verification, verify_report
from .. import style
from .identity_wizard import IdentityWizard
from .passphrase import PassphraseDialog, open_for_signing
from ..tasks import WorkspaceRunner
from .verify import VERDICT_COLOURS, verdict_words
from ..widgets import (button_row, card, dialog_layout, documents_folder, fingerprint_label, heading, human_time, label,
                      message_box)

__all__ = ["SignFlow", "MissingEntry", "MissingDialog", "SigningProgressDialog", "SignedDialog", "finalise_and_sign",
           "start_new_version", "default_report_path", "ask_report_path", "open_folder"]

ROLE_ENTRY = Qt.UserRole + 1
CHECK_LABEL = "Checking the signed report"


# ---------------------------------------------------------------- values and jobs


@dataclass(frozen=True)
class MissingEntry:
    item_id: str  # "case" for the case-level questions (core's CASE)
    question_id: str
    sentence: str


@dataclass(frozen=True)
class FinaliseCheck:
    case_id: str
    reference: str
    status: str
    signed_at: str | None
    missing: tuple[MissingEntry, ...]


@dataclass(frozen=True)
class SignResult:
    outcome: ReportOutcome
    verification: Verification
    late_cancel: bool  # Cancel was pressed after the point of no return


def _check_job(case_id: str) -> Callable[[Workspace], FinaliseCheck]:
    def job(ws: Workspace) -> FinaliseCheck:
        case = ws.case(case_id)
        state = read_state(ws, case_id)
        gaps = [MissingEntry(m.item_id, m.question_id, m.sentence()) for m in missing(load_context(ws, case_id), state)]
        # A quote over a possible identifier blocks signing like a missing answer (the check runs first if needed).
        leaks = quote_conflicts(ws, case_id, review_anchors(state), ensure_checked(ws, case_id))
        gaps[:0] = [MissingEntry(item_id or CASE, "", sentence) for item_id, sentence in leaks]  # the gravest first
        return FinaliseCheck(case_id, case.reference, case.status, case.signed_at, tuple(gaps))
    return job


def _sign_job(case_id: str, out: Path, identity: LoadedIdentity):
    def job(ws: Workspace, progress, token: CancelToken) -> SignResult:
        def forward(step: Step) -> None:  # produce_report counts four steps; the check is a fifth
            progress(Step(step.done, 5, step.label))

        outcome = produce_report(ws, case_id, out, identity=identity, progress=forward, cancel=token)
        # Past this point the report exists and the case is signed: cancelling no longer undoes anything.
        late = token.cancelled
        progress(Step(4, 5, CHECK_LABEL))
        verification = verify_report(outcome.path, trusted=[identity.certificate_der])
        progress(Step(5, 5, ""))
        return SignResult(outcome, verification, late)
    return job


def default_report_path(reference: str, folder: Path | None = None) -> Path:
    """``<case reference> review.pdf`` in the Documents folder, numbered so that an earlier report is never offered
    for overwriting."""
    folder = folder or documents_folder()
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", reference).strip(" .-") or "case"
    candidate = folder / f"{safe} review.pdf"
    n = 2
    while candidate.exists():
        candidate = folder / f"{safe} review ({n}).pdf"
        n += 1
    return candidate


def ask_report_path(parent: QWidget | None, reference: str) -> Path | None:
    chosen, _ = QFileDialog.getSaveFileName(parent, "Save the signed report", str(default_report_path(reference)),
                                            "PDF report (*.pdf)")
    if not chosen:
        return None
    out = Path(chosen)
    return out if out.suffix.lower() == ".pdf" else out.with_name(out.name + ".pdf")


def open_folder(path: Path) -> bool:
    """Show the folder holding ``path`` in the system's file manager (a local file URL, nothing else)."""
    folder = Path(path).resolve().parent
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


# ---------------------------------------------------------------- dialogs


class MissingDialog(QDialog):
    """What stops the review being signed; each entry takes the reviewer to its field."""

    goTo = Signal(str, str)  # item id, question id

    def __init__(self, reference: str, entries: tuple[MissingEntry, ...], parent: QWidget | None = None):
        super().__init__(parent)
        lay = dialog_layout(self, "Not ready to sign")
        lay.addWidget(heading(self, "The review is not complete yet"))
        n = len(entries)
        lay.addWidget(label(f"Case {reference}: {n} thing{'s' if n != 1 else ''} must be done before you can sign. "
                            "Choose one to go to it.", "muted"))
        self.list = QListWidget()
        self.list.setAccessibleName("What is missing")
        self.list.setAlternatingRowColors(True)
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListWidget.Adjust)  # long sentences (a quote to shorten) wrap, not cut off
        self.list.setUniformItemSizes(False)
        for e in entries:
            item = QListWidgetItem(e.sentence)
            item.setData(ROLE_ENTRY, e)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _i: self.go())
        self.list.itemDoubleClicked.connect(lambda _i: self.go())
        lay.addWidget(self.list, 1)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        self.go_button = QPushButton("Go to it")
        self.go_button.setDefault(True)
        self.go_button.clicked.connect(self.go)
        lay.addLayout(button_row(close, self.go_button))
        self.resize(600, 460)

    def entries(self) -> list[MissingEntry]:
        return [self.list.item(i).data(ROLE_ENTRY) for i in range(self.list.count())]

    def go(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        entry: MissingEntry = item.data(ROLE_ENTRY)
        self.accept()
        self.goTo.emit(entry.item_id, entry.question_id)


class SigningProgressDialog(QDialog):
    """Progress with Cancel; closing the window means Cancel. The dialog goes when the job ends."""

    cancelRequested = Signal()

    def __init__(self, out: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self._finished = False
        lay = dialog_layout(self, "Signing the report")
        lay.addWidget(heading(self, "Signing the report"))
        lay.addWidget(label(str(out), "muted"))
        self.bar = QProgressBar()
        self.bar.setRange(0, 5)
        self.bar.setTextVisible(False)
        self.bar.setMinimumWidth(420)
        self.bar.setAccessibleName("Signing progress")
        lay.addWidget(self.bar)
        self.step = label("Starting…")
        lay.addWidget(self.step)
        lay.addSpacing(style.SPACING)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        lay.addLayout(button_row(self.cancel_button))

    def set_step(self, step: Step) -> None:
        self.bar.setRange(0, max(1, step.total))
        self.bar.setValue(step.done)
        if step.label:
            self.step.setText(f"{step.label}…")
        if step.label == CHECK_LABEL:
            self.cancel_button.setEnabled(False)  # signed and recorded: nothing left to cancel
            self.cancel_button.setText("Cancel")

    def cancel(self) -> None:
        if not self.cancel_button.isEnabled():
            return
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancelling…")
        self.step.setText("Cancelling; no report will be written.")
        self.cancelRequested.emit()

    def finish(self) -> None:
        self._finished = True
        self.done(QDialog.Accepted)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._finished:
            self.cancel()
            event.ignore()
        else:
            super().closeEvent(event)

    def reject(self) -> None:  # Escape
        if not self._finished:
            self.cancel()
        else:
            super().reject()


class SignedDialog(QDialog):
    """After signing: the file CaseView wrote, checked — signer, fingerprint, file, verdict — with Open folder."""

    def __init__(self, result: SignResult, parent: QWidget | None = None):
        super().__init__(parent)
        self.result = result
        v, o = result.verification, result.outcome
        lay = dialog_layout(self, "Report signed")
        colour = VERDICT_COLOURS[v.verdict]
        title = "✔  Report signed and checked" if v.valid else "✖  The signed report did not pass its check"
        self.headline = heading(self, title, 1.5)
        self.headline.setStyleSheet(f"color: {colour};")
        self.headline.setAccessibleName("Result")
        lay.addWidget(self.headline)
        if v.valid:
            lay.addWidget(label("CaseView opened the file it wrote and verified it: the signature is intact, covers "
                                "the whole file, and is yours.", "muted"))
        else:
            lay.addWidget(label("Do not send this file. " + " ".join(v.reasons), "warning"))
        facts, form = card(spaced=True)
        sig = v.signatures[0] if v.signatures else None
        who = ", ".join(p for p in ((sig.signer_name, sig.signer_organisation) if sig else (o.signer or "",)) if p)
        form.addRow("Signed by:", label(who, selectable=True))
        form.addRow("Certificate fingerprint:", fingerprint_label(o.fingerprint or ""))
        if sig and sig.signing_time:
            form.addRow("Signed on:", label(human_time(sig.signing_time.isoformat())))
        form.addRow("File:", label(str(o.path), selectable=True))
        verdict = {"valid": "Valid: intact, covers the whole file, signed by you",
                   "untrusted": "Valid, but the signer is not trusted",
                   "invalid": "INVALID: " + verdict_words(v)[1]}[v.verdict]
        self.verdict = label(verdict, selectable=True)
        self.verdict.setFont(style.scaled_font(self, 1.0, QFont.Weight.DemiBold))
        self.verdict.setStyleSheet(f"color: {colour};")
        form.addRow("Check:", self.verdict)
        lay.addWidget(facts)
        notes = ["The case is now read-only. To change anything, use Review → Start a new version; this report stays "
                 "as it is."]
        if result.late_cancel:
            notes.insert(0, "Cancel came too late: the report had already been signed.")
        notes.extend(o.notices)
        for n in notes:
            lay.addWidget(label(n, "muted"))
        lay.addStretch(1)
        self.open_button = QPushButton("Open folder")
        self.open_button.clicked.connect(lambda: open_folder(o.path))
        close = QPushButton("Close")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        lay.addLayout(button_row(close, left=(self.open_button,)))
        self.setMinimumWidth(640)
        self.adjustSize()


def _message(parent: QWidget | None, icon, title: str, text: str, info: str = "") -> QMessageBox:
    box = message_box(parent, icon, title, text, info)
    box.setStandardButtons(QMessageBox.Ok)
    box.open()
    return box


# ---------------------------------------------------------------- the controller


class SignFlow(QObject):
    """File → Finalise and sign… for one case, step by step; each step's dialog is an attribute while it is open.

    Signals: ``goToMissing(item_id, question_id)`` when the reviewer picks a missing entry (the flow has stopped);
    ``signed(case_id)`` once the report is written and the case recorded as signed (the window goes read-only);
    ``reopened(case_id)`` after "Start a new version"; ``finished()`` when the flow ends, however it ends.
    """

    goToMissing = Signal(str, str)
    signed = Signal(str)
    reopened = Signal(str)
    finished = Signal()

    def __init__(self, runner: WorkspaceRunner, case_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner, self.case_id, self.window = runner, case_id, parent
        self.check: FinaliseCheck | None = None
        self.info: IdentityInfo | None = None
        self.out: Path | None = None
        self.token: CancelToken | None = None
        self.result: SignResult | None = None
        self.missing_dialog: MissingDialog | None = None
        self.wizard: IdentityWizard | None = None
        self.passphrase_dialog: PassphraseDialog | None = None
        self.progress_dialog: SigningProgressDialog | None = None
        self.result_dialog: SignedDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.message_box: QMessageBox | None = None
        self._identity: LoadedIdentity | None = None
        self._cancel_pressed = False

    # -- finalise and sign -------------------------------------------------------------

    def start(self) -> None:
        self.runner.submit(_check_job(self.case_id), self._checked, self._fail)

    def _checked(self, check: FinaliseCheck) -> None:
        self.check = check
        if check.status == "signed":
            self.message_box = _message(self.window, QMessageBox.Information, "Already signed",
                                        f"Case {check.reference} was signed on {human_time(check.signed_at)}.",
                                        "To change the review and sign again, use Review → Start a new version. "
                                        "The signed report stays as it is.")
            self.message_box.finished.connect(self._end)
            return
        if check.missing:
            self.missing_dialog = MissingDialog(check.reference, check.missing, self.window)
            self.missing_dialog.goTo.connect(self.goToMissing)
            self.missing_dialog.finished.connect(self._end)
            self.missing_dialog.open()
            return
        self.wizard = IdentityWizard(self.runner, start="choose", parent=self.window,
                                     purpose=f"Choose the identity to sign the review of case {check.reference} "
                                             "with. Your signature carries its name, organisation and fingerprint.")
        self.wizard.identityChosen.connect(self._identity_chosen)
        self.wizard.rejected.connect(self._end)
        self.wizard.open()

    def _identity_chosen(self, info: IdentityInfo) -> None:
        self.info = info
        self.passphrase_dialog = PassphraseDialog(
            self.runner, info, job=open_for_signing(info), title="Sign the report", action="Continue",
            purpose="Enter the passphrase of your identity. It unlocks your key for this signature only; "
                    "CaseView does not keep it.", parent=self.window)
        self.passphrase_dialog.succeeded.connect(self._unlocked)
        self.passphrase_dialog.rejected.connect(self._end)
        self.passphrase_dialog.open()

    def _unlocked(self, identity: LoadedIdentity) -> None:
        self._identity = identity
        assert self.check is not None
        out = ask_report_path(self.window, self.check.reference)
        if out is None:
            self._end()
            return
        self.out = out
        self.progress_dialog = SigningProgressDialog(out, self.window)
        self.progress_dialog.cancelRequested.connect(self.cancel)
        self.progress_dialog.open()
        self.token = self.runner.submit_long(_sign_job(self.case_id, out, identity), self._signed, self._sign_failed,
                                             self.progress_dialog.set_step)
        self._identity = None  # the job holds the key until it ends; the flow does not

    def cancel(self) -> None:
        self._cancel_pressed = True
        if self.token is not None:
            self.token.cancel()

    def _signed(self, result: SignResult) -> None:
        self.result = result
        if self.progress_dialog is not None:
            self.progress_dialog.finish()
        self.signed.emit(self.case_id)
        self.result_dialog = SignedDialog(result, self.window)
        self.result_dialog.finished.connect(self._end)
        self.result_dialog.open()

    def _sign_failed(self, error: CaseViewError) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.finish()
        if isinstance(error, Cancelled):
            self.message_box = _message(self.window, QMessageBox.Information, "Signing cancelled",
                                        "Signing was cancelled.",
                                        "No report was written, and the review is unchanged.")
        else:
            self.message_box = _message(self.window, QMessageBox.Warning, "Report not signed",
                                        "The report was not signed.", str(error))
        self.message_box.finished.connect(self._end)

    # -- start a new version -------------------------------------------------------------

    def start_new_version(self) -> None:
        """Review → Start a new version: confirm, then reopen the signed case; the old report is kept."""
        self.runner.submit(lambda ws: ws.case(self.case_id), self._confirm_new_version, self._fail)

    def _confirm_new_version(self, case) -> None:
        if case.status != "signed":
            self.message_box = _message(self.window, QMessageBox.Information, "Not signed",
                                        f"Case {case.reference} is not signed, so it is already open for changes.")
            self.message_box.finished.connect(self._end)
            return
        box = message_box(self.window, QMessageBox.Question, "Start a new version",
                          f"Start a new version of the review of case {case.reference}?",
                          f"The review opens for changes again. The report you signed on {human_time(case.signed_at)} "
                          "is kept as it is; when you are done you sign the new version as a new report.")
        self.new_version_button = box.addButton("Start a new version", QMessageBox.AcceptRole)
        box.addButton(QMessageBox.Cancel)
        box.setDefaultButton(QMessageBox.Cancel)
        box.finished.connect(lambda _r: self._new_version_answered(box))
        self.confirm_box = box
        box.open()

    def _new_version_answered(self, box: QMessageBox) -> None:
        if box.clickedButton() is not self.new_version_button:
            self._end()
            return
        case_id = self.case_id

        def reopened(_none) -> None:
            self.reopened.emit(case_id)
            self._end()

        self.runner.submit(lambda ws: core_start_new_version(ws, case_id), reopened, self._fail)

    # -- endings -------------------------------------------------------------------------

    def _fail(self, error: CaseViewError) -> None:
        self.message_box = _message(self.window, QMessageBox.Warning, "CaseView", str(error))
        self.message_box.finished.connect(self._end)

    def _end(self, *_args) -> None:
        self._identity = None
        self.finished.emit()


def finalise_and_sign(parent: QWidget | None, runner: WorkspaceRunner, case_id: str) -> SignFlow:
    """File → Finalise and sign…: start the flow over ``parent``; keep the returned flow to connect its signals."""
    flow = SignFlow(runner, case_id, parent)
    flow.start()
    return flow


def start_new_version(parent: QWidget | None, runner: WorkspaceRunner, case_id: str) -> SignFlow:
    """Review → Start a new version: confirm, then reopen; ``reopened(case_id)`` tells the window."""
    flow = SignFlow(runner, case_id, parent)
    flow.start_new_version()
    return flow
