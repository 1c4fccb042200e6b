"""The base of every question editor: show a value without reporting it, report the reviewer's edits."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from ...core.frameworks import Question


class QuestionEditor(QWidget):
    edited = Signal(object, object)  # value, session (None: a discrete change)

    def __init__(self, question: Question, parent: QWidget | None = None):
        super().__init__(parent)
        self.question = question
        self._loading = False

    def value(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Show ``value`` (from the state) without reporting an edit."""
        self._loading = True
        try:
            self._show(value)
        finally:
            self._loading = False

    def _show(self, value: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def has_pending(self) -> bool:
        return False

    def flush(self) -> None:
        pass

    def focus_editor(self) -> None:
        self.setFocus(Qt.OtherFocusReason)

    def _emit(self, session: int | None = None) -> None:
        if not self._loading:
            self.edited.emit(self.value(), session)
