"""Import a bundle in the background: the progress panel and dialog, the job, and the refusal message."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton, QVBoxLayout,
                               QWidget)

from ...core.errors import Cancelled, CaseViewError
from ...core.progress import CancelToken, Step
from .. import recent, style
from ..tasks import WorkspaceRunner

if TYPE_CHECKING:
    from ...core.importer import ImportResult


@dataclass(frozen=True)
class ImportOutcome:
    result: "ImportResult"
    reference: str
    path: Path


@dataclass(frozen=True)
class StepView:
    """A progress step as the reviewer reads it."""

    fraction: float
    headline: str  # "Checking documents: 4 of 15"
    current: str  # the document being worked on


def describe_step(step: Step) -> StepView:
    """The importer reports three phases over 3 × n units (check, read text, index and save)."""
    total = max(1, step.total)
    n = max(1, total // 3)
    label = (step.label or "").strip()
    current = label.removeprefix("Checking").strip()
    if step.done < n:
        headline = f"Checking documents: {step.done} of {n}"
    elif step.done < 2 * n and label not in ("Indexing", "Saving"):
        headline = f"Reading text: {step.done - n} of {n} documents"
    else:
        headline = "Indexing and saving"
        current = ""
    return StepView(min(1.0, step.done / total), headline, current)


def start_import(runner: WorkspaceRunner, path: Path, *, remember: bool,
                 on_done: Callable[[ImportOutcome], None], on_error: Callable[[CaseViewError], None],
                 on_progress: Callable[[Step], None]) -> CancelToken:
    """Import ``path`` on the runner's thread; remember it among the recent bundles when ``remember``."""
    path = Path(path)

    def job(ws, progress, token) -> ImportOutcome:
        from ...core.importer import import_bundle  # on the worker: keeps PDF and signature code off the start-up path

        result = import_bundle(ws, path, progress=progress, cancel=token)
        reference = ws.case(result.case_id).reference
        if remember:
            try:
                recent.add_recent(ws.root, path, result.case_id, reference)
            except OSError:
                pass  # the recent list is a convenience; the import itself is saved
        return ImportOutcome(result, reference, path)

    return runner.submit_long(job, on_done, on_error, on_progress)


class ImportPanel(QWidget):
    """Progress of one import: a bar, documents done, the current document, Cancel."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel()
        self.title.setProperty("role", "heading")
        self.title.setFont(style.scaled_font(self, 1.15))
        self.title.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName("Import progress")
        self.bar.setMinimumWidth(360)
        self.headline = QLabel("Starting…")
        self.current = QLabel(" ")
        self.current.setProperty("role", "muted")
        self.current.setTextFormat(Qt.PlainText)
        self.current.setWordWrap(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.setAccessibleName("Cancel the import")
        self.cancel.clicked.connect(self._cancel)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel)
        lay = QVBoxLayout(self)
        lay.setSpacing(style.SPACING)
        lay.addWidget(self.title)
        lay.addSpacing(4)
        lay.addWidget(self.bar)
        lay.addWidget(self.headline)
        lay.addWidget(self.current)
        lay.addSpacing(style.SPACING)
        lay.addLayout(row)

    def start(self, title: str, *, cancellable: bool = True, indeterminate: bool = False) -> None:
        self.title.setText(title)
        self.headline.setText("Starting…" if not indeterminate else "")
        self.current.setText(" ")
        self.bar.setRange(0, 0 if indeterminate else 1000)
        self.bar.setValue(0)
        self.cancel.setVisible(cancellable)
        self.cancel.setEnabled(True)
        self.cancel.setText("Cancel")

    def set_step(self, step: Step) -> None:
        view = describe_step(step)
        if self.bar.maximum() == 0:
            self.bar.setRange(0, 1000)
        self.bar.setValue(int(view.fraction * 1000))
        self.headline.setText(view.headline)
        self.current.setText(view.current or " ")

    def _cancel(self) -> None:
        self.cancel.setEnabled(False)
        self.cancel.setText("Cancelling…")
        self.headline.setText("Cancelling; nothing will be added to the workspace.")
        self.cancelRequested.emit()


class ImportDialog(QDialog):
    """A window-modal progress dialog for an import started from a window (Open bundle…, drag and drop)."""

    def __init__(self, path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Importing bundle")
        self.setWindowModality(Qt.WindowModal)
        self.panel = ImportPanel(self)
        self.panel.start(f"Importing {Path(path).name}")
        self.token: CancelToken | None = None
        self.panel.cancelRequested.connect(self._cancel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(style.MARGIN, style.MARGIN, style.MARGIN, style.MARGIN)
        lay.addWidget(self.panel)
        self.setMinimumWidth(460)

    def _cancel(self) -> None:
        if self.token is not None:
            self.token.cancel()

    def closeEvent(self, event: QCloseEvent) -> None:  # closing the dialog means cancel; it goes when the job ends
        if self.token is not None and not self.token.cancelled:
            self.panel._cancel()
        event.ignore()

    def reject(self) -> None:  # Escape
        if self.token is not None and not self.token.cancelled:
            self.panel._cancel()

    def finish(self) -> None:
        self.token = None
        self.done(QDialog.Accepted)


def import_with_dialog(parent: QWidget, runner: WorkspaceRunner, path: Path, *, remember: bool = True,
                       on_done: Callable[[ImportOutcome], None],
                       on_refused: Callable[[Path, str], None] | None = None) -> ImportDialog:
    """Show the progress dialog over ``parent`` and import; a refusal is explained in a message box."""
    dialog = ImportDialog(path, parent)

    def done(outcome: ImportOutcome) -> None:
        dialog.finish()
        on_done(outcome)

    def failed(error: CaseViewError) -> None:
        dialog.finish()
        if isinstance(error, Cancelled):
            return
        if on_refused is not None:
            on_refused(Path(path), str(error))
        else:
            show_refusal(parent, Path(path), str(error))

    dialog.token = start_import(runner, path, remember=remember, on_done=done, on_error=failed,
                                on_progress=dialog.panel.set_step)
    dialog.open()
    return dialog


def show_refusal(parent: QWidget | None, path: Path, sentence: str) -> QMessageBox:
    """The core's one sentence, in a non-blocking message box; no traceback, no details."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Warning)
    box.setWindowTitle("Bundle not opened")
    box.setText(f"CaseView cannot open “{Path(path).name}”.")
    box.setInformativeText(f"{sentence}\n\nNothing was added to your workspace.")
    box.setStandardButtons(QMessageBox.Ok)
    box.setAccessibleName("Bundle not opened")
    box.setAttribute(Qt.WA_DeleteOnClose)
    box.open()
    return box


def ask_bundle_path(parent: QWidget | None, start_dir: str = "") -> Path | None:
    """The standard open dialog, for bundles."""
    from PySide6.QtWidgets import QFileDialog

    name, _ = QFileDialog.getOpenFileName(parent, "Open bundle", start_dir,
                                          "CaseView bundles (*.cvb);;All files (*)")
    return Path(name) if name else None


def bundle_from_mime(mime) -> Path | None:
    """The first local ``.cvb`` file in a drag's data, or None."""
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(".cvb"):
            return Path(url.toLocalFile())
    return None
