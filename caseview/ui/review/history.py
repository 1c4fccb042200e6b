"""The change history of a case: every committed change (seq, time, summary) and whether the hash chain is intact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableView,
                               QVBoxLayout, QWidget)

from ...core.review import verify_history
from ...core.store import Workspace
from ..models import nice_time
from ..tasks import WorkspaceRunner

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class HistoryRow:
    seq: int
    at: str  # UTC, ISO
    summary: str


@dataclass(frozen=True)
class HistorySnapshot:
    rows: tuple[HistoryRow, ...]
    intact: bool
    sentence: str


def read_history(ws: Workspace, case_id: str) -> HistorySnapshot:
    """Runs on the runner's thread: the rows, newest first, and the chain check in words."""
    rows = tuple(HistoryRow(r["seq"], r["at"], r["summary"]) for r in ws.history_rows(case_id))
    intact, sentence = verify_history(ws, case_id)
    return HistorySnapshot(tuple(reversed(rows)), intact, _plain(sentence, case_id, intact, len(rows)))


def _plain(sentence: str, case_id: str, intact: bool, n: int) -> str:
    if intact:
        return f"The change history is intact ({n} entr{'y' if n == 1 else 'ies'})."
    # The core names the case by its internal id, which means nothing to a reviewer.
    return sentence.replace(f" of case {case_id}", "") + " Do not sign from this workspace; ask for support."


class HistoryModel(QAbstractTableModel):
    columns = ("#", "When", "Change")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: tuple[HistoryRow, ...] = ()

    def set_rows(self, rows: Sequence[HistoryRow]) -> None:
        self.beginResetModel()
        self._rows = tuple(rows)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802
        return len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.columns[section]
        return None

    def data(self, index: _Index, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role in (Qt.DisplayRole, Qt.AccessibleTextRole):
            return (str(r.seq), nice_time(r.at), r.summary)[col]
        if role == Qt.ToolTipRole and col == 1:
            return f"{r.at} (UTC)"
        if role == Qt.TextAlignmentRole and col == 0:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None


class HistoryDialog(QDialog):
    """Reads the history through the runner when shown; the window never waits for it."""

    def __init__(self, runner: WorkspaceRunner, case_id: str, reference: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Change history — {reference}" if reference else "Change history")
        self.resize(720, 480)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(18, 16, 18, 14)
        lay.setSpacing(10)
        self.check = QLabel("Checking the change history…")
        self.check.setWordWrap(True)
        self.check.setAccessibleName("History check")
        lay.addWidget(self.check)
        self.model = HistoryModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName("Change history")
        self.view.verticalHeader().hide()
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.setWordWrap(True)
        self.view.setAlternatingRowColors(True)
        h = self.view.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        h.setSectionResizeMode(2, QHeaderView.Stretch)
        lay.addWidget(self.view, 1)
        note = QLabel("Every change is recorded, each entry sealed with the one before it, so that a change "
                      "made outside CaseView shows here.")
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        lay.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.snapshot: HistorySnapshot | None = None
        runner.submit(lambda ws: read_history(ws, case_id), self._arrived, self._failed)

    def _arrived(self, snap: HistorySnapshot) -> None:
        if shiboken6.isValid(self):  # the reviewer may have closed the dialog already
            self.set_snapshot(snap)

    def _failed(self, exc: Exception) -> None:
        if shiboken6.isValid(self):
            self.check.setText(str(exc))

    def set_snapshot(self, snap: HistorySnapshot) -> None:
        self.snapshot = snap
        self.model.set_rows(snap.rows)
        self.check.setText(("✓ " if snap.intact else "⚠ ") + snap.sentence)
        self.check.setProperty("role", "heading" if snap.intact else "warning")
        self.check.style().unpolish(self.check)
        self.check.style().polish(self.check)
        self.view.resizeRowsToContents()
