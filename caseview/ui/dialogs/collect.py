"""File → Collect reports…: many signed reports and moderation records become one evidence base (collect.md).

The commissioner chooses a folder of reports and an evidence base (a new file, or one collected into before);
the run goes in the background with progress and Cancel (a cancelled run keeps whole reports only), then the
dialog says how many files were counted, lists every file not counted with its reason, and opens the summary.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QDialog, QFileDialog, QFormLayout, QLineEdit, QListWidget, QProgressBar,
                               QPushButton, QWidget)

from ...core.errors import Cancelled, CaseViewError
from ...core.progress import CancelToken, Step
from ...core.store import Workspace
from ..tasks import WorkspaceRunner
from ..widgets import button_row, chooser_row, dialog_layout, documents_folder, heading, label

STATUS_WORDS = (("accepted", "counted"), ("untrusted", "signer not trusted"), ("rejected", "rejected"),
                ("superseded", "superseded by a later review"), ("duplicate", "duplicates"),
                ("not-a-report", "not a CaseView report"))


@dataclass(frozen=True)
class CollectOutcome:
    result: object  # core.collect.run.CollectResult
    summary: Path | None


def collect_job(folder: Path, out: Path, *, include_untrusted: bool, summary: Path | None):
    """The run, on the workspace's worker: the workspace's trust list decides whose signatures count."""
    def job(ws: Workspace, progress, token: CancelToken) -> CollectOutcome:
        from ...core.collect import collect
        from ...core.collect.summary import write_summary
        from ...core.trust import trust_roles

        result = collect([folder], out, trust=trust_roles(ws), include_untrusted=include_untrusted,
                         progress=progress, cancel=token)
        written = write_summary(out, summary, run=result.run) if summary else None
        return CollectOutcome(result, written)
    return job


class CollectDialog(QDialog):
    def __init__(self, runner: WorkspaceRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.token: CancelToken | None = None
        self.outcome: CollectOutcome | None = None
        lay = dialog_layout(self, "Collect reports")
        lay.addWidget(heading(self, "Collect signed reports into an evidence base"))
        lay.addWidget(label("Every PDF in the folder (and its subfolders) is verified as Verify report does. "
                            "Reports and moderation records are counted; anything else is listed with the "
                            "reason. Collecting into the same evidence base again adds only new files.", "muted"))
        self.folder = QLineEdit()
        self.folder.setAccessibleName("Folder of reports")
        self.base = QLineEdit()
        self.base.setAccessibleName("Evidence base file")
        self.untrusted = QCheckBox("Also count reports whose signer is not on my trust list")
        self.with_summary = QCheckBox("Write a summary PDF beside the evidence base")
        self.with_summary.setChecked(True)
        form = QFormLayout()
        form.addRow("Reports:", chooser_row(self.folder, self._choose_folder))
        form.addRow("Evidence base:", chooser_row(self.base, self._choose_base))
        lay.addLayout(form)
        lay.addWidget(self.untrusted)
        lay.addWidget(self.with_summary)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Collect progress")
        self.bar.hide()
        self.status = label("")
        self.status.setAccessibleName("Collect result")
        self.not_counted = QListWidget()
        self.not_counted.setAccessibleName("Files not counted")
        self.not_counted.setWordWrap(True)
        self.not_counted.hide()
        lay.addWidget(self.bar)
        lay.addWidget(self.status)
        lay.addWidget(self.not_counted, 1)
        self.go = QPushButton("Collect")
        self.go.setDefault(True)
        self.go.clicked.connect(self.start)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self._cancel_or_close)
        self.open_summary = QPushButton("Open the summary")
        self.open_summary.hide()
        self.open_summary.clicked.connect(self._open_summary)
        lay.addLayout(button_row(self.go, self.cancel_button, left=(self.open_summary,)))
        self.resize(760, 560)

    # -- choosing ---------------------------------------------------------------------------------

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Folder of signed reports", str(documents_folder()))
        if chosen:
            self.folder.setText(chosen)
            if not self.base.text():
                self.base.setText(str(Path(chosen) / "evidence.sqlite"))

    def _choose_base(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Evidence base", self.base.text() or str(documents_folder()),
                                                "Evidence base (*.sqlite)", options=QFileDialog.DontConfirmOverwrite)
        if chosen:
            self.base.setText(chosen)

    # -- the run ------------------------------------------------------------------------------------

    def start(self) -> None:
        folder, base = Path(self.folder.text().strip()), self.base.text().strip()
        if not self.folder.text().strip() or not folder.is_dir():
            self.status.setText("Choose the folder that holds the signed reports.")
            return
        if not base:
            self.status.setText("Choose where the evidence base is kept (a new file, or one collected into before).")
            return
        out = Path(base)
        summary = out.with_name(out.stem + "-summary.pdf") if self.with_summary.isChecked() else None
        self.go.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.open_summary.hide()
        self.not_counted.hide()
        self.bar.setRange(0, 0)
        self.bar.show()
        self.status.setText("Verifying the reports…")
        self.token = self.runner.submit_long(
            collect_job(folder, out, include_untrusted=self.untrusted.isChecked(), summary=summary),
            self._done, self._failed, self._step)

    def _step(self, step: Step) -> None:
        if step.total:
            self.bar.setRange(0, step.total)
            self.bar.setValue(step.done)
        if step.label:
            self.status.setText(step.label)

    def _finish(self) -> None:
        self.token = None
        self.bar.hide()
        self.go.setEnabled(True)
        self.cancel_button.setText("Close")

    def _done(self, outcome: CollectOutcome) -> None:
        self._finish()
        self.outcome = outcome
        r = outcome.result
        total = sum(r.counts.values())
        parts = [f"{r.counts.get(key, 0)} {words}" for key, words in STATUS_WORDS if r.counts.get(key)]
        self.status.setText(f"{total} file{'s' if total != 1 else ''} in the evidence base, {r.new_files} new in this "
                            f"run: {'; '.join(parts) or 'none'}." + ("" if r.not_counted else " Every file counted."))
        self.not_counted.clear()
        folder = self.folder.text().strip().rstrip("/\\") + os.sep
        for nc in r.not_counted:  # names within the chosen folder, as the commissioner sees them there
            self.not_counted.addItem(f"{nc.name.replace(folder, '')}: {nc.status}. {nc.reason.replace(folder, '')}")
        self.not_counted.setVisible(bool(r.not_counted))
        self.open_summary.setVisible(outcome.summary is not None)

    def _failed(self, error: CaseViewError) -> None:
        self._finish()
        if isinstance(error, Cancelled):
            self.status.setText("Stopped. The evidence base holds whole reports only: collect again to go on.")
        else:
            self.status.setText(str(error))

    def _cancel_or_close(self) -> None:
        if self.token is not None:
            self.token.cancel()
            self.status.setText("Stopping after the report in hand…")
        else:
            self.close()

    def _open_summary(self) -> None:
        if self.outcome and self.outcome.summary:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.outcome.summary)))

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.token is not None:  # closing the window means Cancel; the run stops between reports
            self.token.cancel()
        super().closeEvent(event)
