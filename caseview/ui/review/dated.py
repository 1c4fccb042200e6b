"""Editors for framework 1.1's dated answers: a date (with a calendar) and a table of actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QAbstractItemView, QDateEdit, QHBoxLayout, QHeaderView, QPushButton, QTableWidget,
                               QTableWidgetItem, QToolButton, QVBoxLayout, QWidget)

from ...core.frameworks import Question
from .editor_base import QuestionEditor
from .widgets import Debounce, wrap_label

UK_FORMAT = "d MMMM yyyy"  # "2 April 2027", as every date a reviewer reads
NO_DATE = QDate(1900, 1, 1)  # the editor's floor stands for "no date": Qt's date field cannot be empty


def _iso(d: QDate) -> str | None:
    return None if not d.isValid() or d == NO_DATE else d.toString("yyyy-MM-dd")


def _qdate(value: Any) -> QDate:
    try:
        d = date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return NO_DATE
    return QDate(d.year, d.month, d.day)


class _DateField(QDateEdit):
    """A UK-format date field with a calendar, that can be empty ("No date")."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat(UK_FORMAT)
        self.setMinimumDate(NO_DATE)
        self.setSpecialValueText("No date")
        self.setDate(NO_DATE)
        self.calendarWidget().setFirstDayOfWeek(Qt.Monday)
        self.calendarWidget().setGridVisible(True)

    def showPopup(self) -> None:  # noqa: N802 - Qt's name
        if self.date() == NO_DATE:  # open on this month, not on 1900
            self.calendarWidget().setSelectedDate(QDate.currentDate())
        super().showPopup()


class DateEditor(QuestionEditor):
    """One date. Typing is held back like text (one undo step per burst); a calendar pick is one step."""

    def __init__(self, question: Question, parent: QWidget | None = None):
        super().__init__(question, parent)
        self.field = _DateField(self)
        self.field.setAccessibleName(question.text)
        self.clear = QToolButton(self)
        self.clear.setText("Clear date")
        self.clear.setAutoRaise(True)
        self.clear.setCursor(Qt.PointingHandCursor)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.field)
        lay.addWidget(self.clear)
        lay.addStretch(1)
        self._debounce = Debounce(self)
        self._debounce.fire.connect(lambda: self._emit(self._debounce.session))
        self.field.dateChanged.connect(self._changed)
        self.field.editingFinished.connect(self._debounce.flush)
        self.clear.clicked.connect(self._clear)

    def _changed(self, _d: QDate) -> None:
        self.clear.setVisible(self.value() is not None)
        if not self._loading:
            self._debounce.poke()

    def _clear(self) -> None:
        self._debounce.new_session()
        self.field.setDate(NO_DATE)
        self._debounce.flush()

    def value(self) -> Any:
        return _iso(self.field.date())

    def _show(self, value: Any) -> None:
        if self.value() != (value or None):
            self.field.setDate(_qdate(value))
        self.clear.setVisible(self.value() is not None)

    def has_pending(self) -> bool:
        return self._debounce.pending()

    def flush(self) -> None:
        self._debounce.flush()

    def focus_editor(self) -> None:
        self.field.setFocus(Qt.OtherFocusReason)


ACTION, OWNER, DUE = range(3)
HEADERS = ("Action", "Owner (role)", "Due")


class ActionsEditor(QuestionEditor):
    """What must happen next, by whom and by when: a small table, one action a row.

    The value is a list of ``{action, owner_role, due}`` (due an ISO date or ""); rows with no action text are
    not part of it. Typing in a cell is held back like text; adding or removing a row is one step.
    """

    def __init__(self, question: Question, parent: QWidget | None = None):
        super().__init__(question, parent)
        self.table = QTableWidget(0, 3, self)
        self.table.setAccessibleName(question.text)
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(ACTION, QHeaderView.Stretch)
        head.setSectionResizeMode(OWNER, QHeaderView.ResizeToContents)
        head.setSectionResizeMode(DUE, QHeaderView.ResizeToContents)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setWordWrap(True)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.add = QPushButton("Add an action")
        self.remove = QPushButton("Remove")
        self.remove.setToolTip("Remove the selected action")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add)
        buttons.addStretch(1)
        buttons.addWidget(self.remove)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.empty = wrap_label("No actions yet.", "muted")
        lay.addWidget(self.empty)
        lay.addWidget(self.table)
        lay.addLayout(buttons)
        self._debounce = Debounce(self)
        self._debounce.fire.connect(lambda: self._emit(self._debounce.session))
        self.table.itemChanged.connect(self._typed)
        self.add.clicked.connect(self.add_row)
        self.remove.clicked.connect(self._remove_selected)
        self.table.itemSelectionChanged.connect(self._sync)
        self._sync()

    # rows ------------------------------------------------------------------------------------------

    def add_row(self, action: str = "", owner: str = "", due: str = "") -> int:
        loading, self._loading = self._loading, True
        try:
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, ACTION, QTableWidgetItem(action))
            self.table.setItem(row, OWNER, QTableWidgetItem(owner))
            field = _DateField(self.table)
            field.setDate(_qdate(due))
            field.dateChanged.connect(self._typed)
            field.editingFinished.connect(self._debounce.flush)
            self.table.setCellWidget(row, DUE, field)
        finally:
            self._loading = loading
        self._sync()
        if not self._loading and not action:
            self.table.setCurrentCell(row, ACTION)
            self.table.editItem(self.table.item(row, ACTION))
        return row

    def _remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        if not rows:
            return
        for r in rows:
            self.table.removeRow(r)
        self._sync()
        self._debounce.new_session()
        self._emit()

    def _typed(self, *_args) -> None:
        if not self._loading:
            self._debounce.poke()

    def _sync(self) -> None:
        n = self.table.rowCount()
        self.empty.setVisible(n == 0)
        self.table.setVisible(n > 0)
        self.remove.setEnabled(bool(self.table.selectedIndexes()))
        height = self.table.horizontalHeader().height() + sum(self.table.rowHeight(r) for r in range(n)) + 4
        self.table.setFixedHeight(height)

    # value -----------------------------------------------------------------------------------------

    def value(self) -> Any:
        out = []
        for r in range(self.table.rowCount()):
            action = (self.table.item(r, ACTION).text() if self.table.item(r, ACTION) else "").strip()
            if not action:
                continue
            owner = (self.table.item(r, OWNER).text() if self.table.item(r, OWNER) else "").strip()
            field = self.table.cellWidget(r, DUE)
            out.append({"action": action, "owner_role": owner, "due": _iso(field.date()) or "" if field else ""})
        return out or None

    def _show(self, value: Any) -> None:
        if self.value() == (value or None):
            return
        self.table.setRowCount(0)
        for a in value or []:
            self.add_row(str(a.get("action", "")), str(a.get("owner_role", "")), str(a.get("due", "")))
        self._sync()

    def has_pending(self) -> bool:
        return self._debounce.pending()

    def flush(self) -> None:
        self._debounce.flush()

    def focus_editor(self) -> None:
        (self.table if self.table.rowCount() else self.add).setFocus(Qt.OtherFocusReason)
