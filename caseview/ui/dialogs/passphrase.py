"""The passphrase prompt: unlock a reviewer identity on the workspace thread, a wrong passphrase said inline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton, QWidget

from ...core.errors import CaseViewError
from ...core.identity import IdentityInfo, LoadedIdentity, check_validity, open_identity
from ...core.store import Workspace
from .. import style
from ..tasks import WorkspaceRunner
from ..widgets import button_row, card, dialog_layout, fingerprint_label, heading, label, set_role

__all__ = ["PassphraseDialog", "open_for_signing"]


def open_for_signing(info: IdentityInfo) -> Callable[[Workspace, str], LoadedIdentity]:
    """The passphrase job for signing: open the identity and refuse it if it is not valid today."""
    def job(_ws: Workspace, passphrase: str) -> LoadedIdentity:
        loaded = open_identity(info.path, passphrase)
        check_validity(loaded.info, datetime.now(UTC))
        return loaded
    return job


class PassphraseDialog(QDialog):
    """Ask for an identity's passphrase; a wrong one is said inline and the reviewer tries again.

    ``job(ws, passphrase)`` runs on the workspace thread (the key derivation takes a moment);
    its result is emitted by :attr:`succeeded` and the dialog closes. The passphrase is never kept.
    """

    succeeded = Signal(object)

    def __init__(self, runner: WorkspaceRunner, info: IdentityInfo, *, job: Callable[[Workspace, str], Any],
                 title: str = "Enter your passphrase", action: str = "Sign", purpose: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.runner, self.info, self._job = runner, info, job
        lay = dialog_layout(self, title)
        lay.addWidget(heading(self, title))
        if purpose:
            lay.addWidget(label(purpose, "muted"))
        frame, form = card()
        form.addRow("Identity:", label(", ".join(p for p in (info.name, info.organisation) if p)))
        form.addRow("Certificate:", fingerprint_label(info.fingerprint))
        lay.addWidget(frame)
        lay.addSpacing(4)
        lay.addWidget(label("Passphrase"))
        self.field = QLineEdit()
        self.field.setEchoMode(QLineEdit.Password)
        self.field.setAccessibleName("Passphrase")
        self.field.setMinimumWidth(460)
        self.field.textChanged.connect(self._edited)
        self.field.returnPressed.connect(self.submit)
        lay.addWidget(self.field)
        # One line kept in place for "Checking…" or the core's sentence, so the dialog never jumps.
        self.error = label(" ", "warning")
        self.error.setAccessibleName("Passphrase problem")
        self.error.setMinimumHeight(self.error.fontMetrics().lineSpacing() * 2)
        self.error.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        lay.addWidget(self.error)
        self._busy = False
        self._closed = False
        lay.addSpacing(style.SPACING)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button = QPushButton(action)
        self.ok_button.setDefault(True)
        self.ok_button.setEnabled(False)
        self.ok_button.clicked.connect(self.submit)
        lay.addLayout(button_row(self.cancel_button, self.ok_button))
        self.field.setFocus()

    def _edited(self, text: str) -> None:
        self.ok_button.setEnabled(bool(text) and not self._busy)

    def submit(self) -> None:
        passphrase = self.field.text()
        if not passphrase or self._busy:
            return
        self._set_busy(True)
        job = self._job
        self.runner.submit(lambda ws: job(ws, passphrase), self._done, self._failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.field.setEnabled(not busy)
        self.ok_button.setEnabled(not busy and bool(self.field.text()))
        self._say("Checking the passphrase…" if busy else "", "muted")

    def _say(self, text: str, role: str = "warning") -> None:
        self.error.setText(text or " ")
        set_role(self.error, role)

    @property
    def problem(self) -> str:
        """The sentence shown under the field ("" when none)."""
        return self.error.text().strip() if self.error.property("role") == "warning" else ""

    def _done(self, result: Any) -> None:
        if self._closed:  # cancelled while the key was being opened: drop it
            return
        self._set_busy(False)
        self.field.clear()
        self.accept()
        self.succeeded.emit(result)

    def _failed(self, error: CaseViewError) -> None:
        if self._closed:
            return
        self._set_busy(False)
        self._say(str(error))
        self.field.selectAll()
        self.field.setFocus()

    def done(self, result: int) -> None:
        self._closed = True
        self.field.clear()  # the passphrase leaves memory with the widget's text
        super().done(result)
