"""Moderate a report… and Countersign…: start (or resume) a moderation, then sign the record and countersign.

:func:`moderate_report` asks for the signed report, finds the case it is about
(the open case, else the workspace's case with the report's bundle
fingerprint), and starts the moderation through the core; a refusal is one
sentence in a message box. :class:`CountersignFlow` reuses the signing flow's
steps: what is missing, the identity wizard, the passphrase, where to save,
progress; then both files are checked with the core verifier and the result
says where they are. All workspace work runs on the runner's thread.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QPushButton, QWidget

from ...core.errors import Cancelled, CaseViewError, ReviewError
from ...core.identity import IdentityInfo, LoadedIdentity, list_identities
from ...core.progress import CancelToken, Step
from ...core.store import Workspace
from ...core.verify import Verification
from .. import style
from ..tasks import WorkspaceRunner
from ..widgets import (
    ask_open_path,
    button_row,
    card,
    dialog_layout,
    documents_folder,
    heading,
    label,
    message_box,
)
from .identity_wizard import IdentityWizard
from .passphrase import PassphraseDialog, open_for_signing
from .sign_flow import (
    CHECK_LABEL,
    MissingDialog,
    MissingEntry,
    SigningProgressDialog,
    open_folder,
)
from .verify import VERDICT_COLOURS

__all__ = ["CountersignFlow", "CountersignedDialog", "Opened", "countersign", "moderate_report", "start_job"]


@dataclass(frozen=True)
class Opened:
    moderation_id: str
    case_id: str
    notices: tuple[str, ...]
    resumed: bool


@dataclass(frozen=True)
class CountersignResult:
    record: Path
    countersigned: Path
    reason: str
    moderator: str
    verification: Verification
    late_cancel: bool


def _trust(ws: Workspace, extra: tuple[str, ...] = ()):
    from ...core.trust import trust_roles

    own = [i.fingerprint for i in list_identities(ws.identities_dir)] + list(extra)
    return trust_roles(ws).by_role, own


def _case_for_report(ws: Workspace, path: Path, open_case_id: str | None) -> str | None:
    """The case whose bundle the report's findings name; else the open case (start then says why it is not)."""
    import io
    import json

    from pyhanko.pdf_utils.reader import PdfFileReader

    from ...core.pdf_inspect import read_findings

    try:
        found, _problem = read_findings(PdfFileReader(io.BytesIO(path.read_bytes()), strict=False))
        bundle = json.loads(found.decode("utf-8")).get("bundle") or {} if found else {}
    except Exception:  # not a PDF, no findings: the core's own check says why, in its words
        bundle = {}
    fp = bundle.get("fingerprint")
    if open_case_id is not None and ws.case(open_case_id).fingerprint == fp:
        return open_case_id
    match = next((c.id for c in ws.cases() if fp and c.fingerprint == fp), None)
    return match or open_case_id


def start_job(path: Path, open_case_id: str | None) -> Callable[[Workspace], Opened]:
    """Start a moderation of ``path``, or resume the one already started on that report."""
    def job(ws: Workspace) -> Opened:
        from ...core.moderation import list_moderations, start_moderation

        try:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise ReviewError(f"The report {path.name} cannot be read ({exc.strerror or exc}).") from None
        for row in list_moderations(ws):
            if row["report_sha256"] == sha:
                done = " It has been countersigned and is read-only." if row["status"] == "finished" else ""
                return Opened(row["moderation_id"], row["case_id"],
                              (f"Resumed the moderation of this report started on {row['created'][:10]}.{done}",),
                              True)
        case_id = _case_for_report(ws, path, open_case_id)
        if case_id is None:
            raise ReviewError(f"The report {path.name} cannot be moderated: no case in this workspace is about the "
                              "bundle it reviews. Import that bundle first, then moderate the report.")
        roles, own = _trust(ws)
        started = start_moderation(ws, case_id, path, trusted_roles=roles, own=own)
        return Opened(started.moderation_id, started.case_id, started.notices, False)
    return job


def moderate_report(parent: QWidget, runner: WorkspaceRunner, open_case_id: str | None,
                    on_opened: Callable[[Opened], None], path: Path | None = None) -> QMessageBox | None:
    """File → Moderate a report…: ask for the signed report, start or resume its moderation, hand it on."""
    if path is None:
        chosen = ask_open_path(parent, "Moderate a signed report", "Signed CaseView report (*.pdf);;All files (*)")
        if not chosen:
            return None
        path = Path(chosen)
    holder: list[QMessageBox] = []

    def failed(error: CaseViewError) -> None:
        box = message_box(parent, QMessageBox.Warning, "Report not moderated", str(error))
        box.setStandardButtons(QMessageBox.Ok)
        box.open()
        holder.append(box)
        parent.setProperty("moderateRefusal", str(error))  # for tests: the sentence shown

    runner.submit(start_job(path, open_case_id), on_opened, failed)
    return None


# ---------------------------------------------------------------- countersigning


def _numbered(folder: Path, stem: str) -> Path:
    candidate, n = folder / f"{stem}.pdf", 2
    while candidate.exists():
        candidate = folder / f"{stem} ({n}).pdf"
        n += 1
    return candidate


def output_paths(record: Path, reference: str) -> tuple[Path, Path]:
    """The record where the moderator chose; the countersigned report beside it, never over an existing file."""
    record = record if record.suffix.lower() == ".pdf" else record.with_name(record.name + ".pdf")
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", reference).strip(" .-") or "case"
    return record, _numbered(record.parent, f"{safe} review countersigned")


def _check_job(mid: str):
    def job(ws: Workspace):
        from ...core.moderation import load_context, missing, read_state

        ctx = load_context(ws, mid)
        gaps = missing(ctx, read_state(ws, mid))
        return ctx.case.case_id, ws.case(ctx.case.case_id).reference, ctx.status, tuple(
            MissingEntry(g.where, "", g.sentence()) for g in gaps)
    return job


def _finish_job(mid: str, record: Path, counter: Path, identity: LoadedIdentity):
    def job(ws: Workspace, progress, token: CancelToken) -> CountersignResult:
        from ...core.moderation import finish_moderation
        from ...core.verify import verify_with_record

        def forward(step: Step) -> None:  # finish counts four steps; the check is a fifth
            progress(Step(step.done, 5, step.label))

        done = finish_moderation(ws, mid, record, counter, identity=identity, progress=forward, cancel=token)
        late = token.cancelled
        progress(Step(4, 5, CHECK_LABEL))
        roles, own = _trust(ws, (identity.info.fingerprint,))
        v = verify_with_record(done.countersigned, done.record, trusted_roles=roles, own=own)
        progress(Step(5, 5, ""))
        return CountersignResult(done.record, done.countersigned, done.reason, done.moderator, v, late)
    return job


class CountersignedDialog(QDialog):
    """After countersigning: where both files are, the moderator's reason, and the verifier's verdict."""

    def __init__(self, result: CountersignResult, parent: QWidget | None = None):
        super().__init__(parent)
        self.result = result
        v = result.verification
        lay = dialog_layout(self, "Moderation countersigned")
        ok = v.valid
        self.headline = heading(self, "✔  Moderation countersigned and checked" if ok
                                else "✖  The countersigned files did not pass their check", 1.5)
        self.headline.setStyleSheet(f"color: {VERDICT_COLOURS[v.verdict]};")
        self.headline.setAccessibleName("Result")
        lay.addWidget(self.headline)
        lay.addWidget(label("CaseView wrote two files and checked them together: the record's signature, the "
                            "countersignature, and the link between them." if ok
                            else "Do not send these files. " + " ".join(v.reasons), "muted" if ok else "warning"))
        facts, form = card(spaced=True)
        form.addRow("Moderation record:", label(str(result.record), selectable=True))
        form.addRow("Countersigned report:", label(str(result.countersigned), selectable=True))
        form.addRow("Countersigned by:", label(result.moderator, selectable=True))
        form.addRow("Reason:", label(result.reason, selectable=True))
        verdict = ("Valid and linked both ways" if v.ok else
                   "Valid and linked; " + " ".join(r for r in v.reasons) if v.valid else "INVALID")
        self.verdict = label(verdict, selectable=True)
        self.verdict.setFont(style.scaled_font(self, 1.0, QFont.Weight.DemiBold))
        self.verdict.setStyleSheet(f"color: {VERDICT_COLOURS[v.verdict]};")
        form.addRow("Check:", self.verdict)
        lay.addWidget(facts)
        notes = ["The moderation is now read-only. Send both files: the record says what you decided, the "
                 "countersigned report carries the reviewer's signature and yours."]
        if result.late_cancel:
            notes.insert(0, "Cancel came too late: both files had already been signed.")
        for n in notes:
            lay.addWidget(label(n, "muted"))
        self.open_button = QPushButton("Open folder")
        self.open_button.clicked.connect(lambda: open_folder(result.record))
        close = QPushButton("Close")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        lay.addLayout(button_row(close, left=(self.open_button,)))
        self.setMinimumWidth(680)
        self.adjustSize()


class CountersignFlow(QObject):
    """Countersign… for one moderation, step by step; each step's dialog is an attribute while it is open."""

    goToMissing = Signal(str)  # "K3", "case" or "payment O1"
    countersigned = Signal(str)  # moderation id
    finished = Signal()

    def __init__(self, runner: WorkspaceRunner, moderation_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner, self.moderation_id, self.window = runner, moderation_id, parent
        self.reference = ""
        self.missing_dialog: MissingDialog | None = None
        self.wizard: IdentityWizard | None = None
        self.passphrase_dialog: PassphraseDialog | None = None
        self.progress_dialog: SigningProgressDialog | None = None
        self.result_dialog: CountersignedDialog | None = None
        self.message_box: QMessageBox | None = None
        self.result: CountersignResult | None = None
        self.token: CancelToken | None = None

    def start(self) -> None:
        self.runner.submit(_check_job(self.moderation_id), self._checked, self._fail)

    def _checked(self, check) -> None:
        _case_id, self.reference, status, gaps = check
        if status == "finished":
            self._message(QMessageBox.Information, "Already countersigned",
                          "This moderation has already been countersigned; it is read-only.")
            return
        if gaps:
            self.missing_dialog = MissingDialog(self.reference, gaps, self.window)
            self.missing_dialog.setWindowTitle("Not ready to countersign")
            self.missing_dialog.goTo.connect(lambda where, _q: self.goToMissing.emit(where))
            self.missing_dialog.finished.connect(self._end)
            self.missing_dialog.open()
            return
        self.wizard = IdentityWizard(self.runner, start="choose", parent=self.window,
                                     purpose=f"Choose the identity to countersign the review of case {self.reference} "
                                             "with, as its moderator. It must not be the reviewer's.")
        self.wizard.identityChosen.connect(self._identity_chosen)
        self.wizard.rejected.connect(self._end)
        self.wizard.open()

    def _identity_chosen(self, info: IdentityInfo) -> None:
        self.passphrase_dialog = PassphraseDialog(
            self.runner, info, job=open_for_signing(info), title="Countersign the report", action="Continue",
            purpose="Enter the passphrase of your identity. It unlocks your key for these two signatures only; "
                    "CaseView does not keep it.", parent=self.window)
        self.passphrase_dialog.succeeded.connect(self._unlocked)
        self.passphrase_dialog.rejected.connect(self._end)
        self.passphrase_dialog.open()

    def _unlocked(self, identity: LoadedIdentity) -> None:
        safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", self.reference).strip(" .-") or "case"
        suggested = _numbered(documents_folder(), f"{safe} moderation record")
        chosen, _ = QFileDialog.getSaveFileName(self.window, "Save the moderation record (the countersigned report "
                                                "is saved beside it)", str(suggested), "PDF (*.pdf)")
        if not chosen:
            self._end()
            return
        record, counter = output_paths(Path(chosen), self.reference)
        self.progress_dialog = SigningProgressDialog(record, self.window)
        self.progress_dialog.setWindowTitle("Countersigning")
        self.progress_dialog.cancelRequested.connect(self.cancel)
        self.progress_dialog.open()
        self.token = self.runner.submit_long(_finish_job(self.moderation_id, record, counter, identity),
                                             self._done, self._failed, self.progress_dialog.set_step)

    def cancel(self) -> None:
        if self.token is not None:
            self.token.cancel()

    def _done(self, result: CountersignResult) -> None:
        self.result = result
        if self.progress_dialog is not None:
            self.progress_dialog.finish()
        self.countersigned.emit(self.moderation_id)
        self.result_dialog = CountersignedDialog(result, self.window)
        self.result_dialog.setAttribute(Qt.WA_DeleteOnClose, False)
        self.result_dialog.finished.connect(self._end)
        self.result_dialog.open()

    def _failed(self, error: CaseViewError) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.finish()
        if isinstance(error, Cancelled):
            self._message(QMessageBox.Information, "Countersigning cancelled",
                          "Countersigning was cancelled; neither file was written.")
        else:
            self._message(QMessageBox.Warning, "Not countersigned", str(error))

    def _fail(self, error: CaseViewError) -> None:
        self._message(QMessageBox.Warning, "CaseView", str(error))

    def _message(self, icon, title: str, text: str) -> None:
        box = message_box(self.window, icon, title, text)
        box.setStandardButtons(QMessageBox.Ok)
        box.finished.connect(self._end)
        box.open()
        self.message_box = box

    def _end(self, *_args) -> None:
        self.finished.emit()


def countersign(parent: QWidget | None, runner: WorkspaceRunner, moderation_id: str) -> CountersignFlow:
    flow = CountersignFlow(runner, moderation_id, parent)
    flow.start()
    return flow
