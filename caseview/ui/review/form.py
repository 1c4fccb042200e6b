"""Editors for the framework's question types: choice, scale, text, list, tags and flag (date and actions: dated.py).

An editor shows a value and says when the reviewer changed it:
``edited(value, session)``, where ``session`` is None for a discrete change (a
radio button, a chip) and a number for typed text, so that the form can make a
burst of typing in one field one undo step. Typed text is held back for
``DEBOUNCE_MS`` after the last keystroke (and sent at once on focus-out or
``flush()``). Editors never save anything themselves.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QHBoxLayout, QLabel, QRadioButton, QStyle, QToolButton,
                               QVBoxLayout, QWidget)

from ...core.frameworks import Framework, Question
from .. import style
from .dated import ActionsEditor, DateEditor
from .editor_base import QuestionEditor
from .widgets import ClickLabel, Debounce, FlowLayout, GrowingTextEdit, wrap_label

# -- editors ----------------------------------------------------------------------------------------

class TextEditor(QuestionEditor):
    def __init__(self, question: Question, parent: QWidget | None = None, placeholder: str = ""):
        super().__init__(question, parent)
        self.edit = GrowingTextEdit(parent=self)
        self.edit.setAccessibleName(question.text)
        self.edit.setPlaceholderText(placeholder or "Type here; it is saved as you go.")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.edit)
        self._debounce = Debounce(self)
        self._debounce.fire.connect(lambda: self._emit(self._debounce.session))
        self.edit.textChanged.connect(self._typed)
        self.edit.focusLost.connect(self._debounce.flush)
        self.edit.focusGained.connect(self._debounce.new_session)

    def _typed(self) -> None:
        if not self._loading:
            self._debounce.poke()

    def value(self) -> Any:
        text = self.edit.toPlainText()
        return text if text.strip() else None

    def _show(self, value: Any) -> None:
        text = value if isinstance(value, str) else ""
        if self.edit.toPlainText() != text:
            self.edit.setPlainText(text)
            cursor = self.edit.textCursor()
            cursor.movePosition(cursor.MoveOperation.End)
            self.edit.setTextCursor(cursor)

    def has_pending(self) -> bool:
        return self._debounce.pending()

    def flush(self) -> None:
        self._debounce.flush()

    def focus_editor(self) -> None:
        self.edit.setFocus(Qt.OtherFocusReason)


class _ClearButton(QToolButton):
    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setText("Clear answer")
        self.setAutoRaise(True)
        self.setCursor(Qt.PointingHandCursor)
        self.setAccessibleName("Clear answer")
        self.setToolButtonStyle(Qt.ToolButtonTextOnly)


class _OneOfEditor(QuestionEditor):
    """One value of several as radio buttons in ``group`` (id = index in :meth:`_values`), with ``clear``."""

    group: QButtonGroup
    clear: _ClearButton

    def _values(self) -> list[Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _index_of(self, value: Any) -> int:  # pragma: no cover - overridden
        """The button index showing ``value``; -1 for none."""
        raise NotImplementedError

    def value(self) -> Any:
        i = self.group.checkedId()
        return self._values()[i] if i >= 0 else None

    def _show(self, value: Any) -> None:
        target = self._index_of(value)
        if self.group.checkedId() != target:
            if target < 0:
                self.group.setExclusive(False)
                for b in self.group.buttons():
                    b.setChecked(False)
                self.group.setExclusive(True)
            else:
                self.group.button(target).setChecked(True)
        self.clear.setVisible(target >= 0)

    def _clear(self) -> None:
        self._show(None)
        self._emit()

    def focus_editor(self) -> None:
        b = self.group.checkedButton() or (self.group.buttons()[0] if self.group.buttons() else None)
        (b or self).setFocus(Qt.OtherFocusReason)


class ChoiceEditor(_OneOfEditor):
    """The options as radio buttons that wrap; "Clear answer" takes the answer back."""

    LONG = 48  # an option longer than this (a declaration, a sentence) gets a line of its own that wraps

    def __init__(self, question: Question, parent: QWidget | None = None):
        super().__init__(question, parent)
        self.group = QButtonGroup(self)
        long = any(len(o) > self.LONG for o in question.options)
        if long:
            lay = QVBoxLayout()
            lay.setContentsMargins(0, 0, 0, 0)
            lay.setSpacing(8)
        else:
            lay = FlowLayout(h_spacing=18, v_spacing=6)
        for i, option in enumerate(question.options):
            b = QRadioButton("" if long else option)
            b.setAccessibleName(f"{question.text} {option}")
            self.group.addButton(b, i)
            if long:  # a radio button's own text never wraps: the option is a label beside it
                row = QHBoxLayout()
                row.setSpacing(6)
                text = ClickLabel(option)
                text.setWordWrap(True)
                text.clicked.connect(lambda b=b: b.click())
                row.addWidget(b, 0, Qt.AlignTop)
                row.addWidget(text, 1)
                lay.addLayout(row)
            else:
                lay.addWidget(b)
        self.clear = _ClearButton(self)
        self.clear.clicked.connect(self._clear)
        if long:
            lay.addWidget(self.clear, 0, Qt.AlignLeft)
        else:
            lay.addWidget(self.clear)
        self.setLayout(lay)
        self.group.idClicked.connect(lambda _i: self._emit())

    def _values(self) -> list[Any]:
        return list(self.question.options)

    def _index_of(self, value: Any) -> int:
        return self.question.options.index(value) if value in self.question.options else -1

    def button_for(self, option: str) -> QRadioButton:
        return self.group.button(self.question.options.index(option))


class ScaleEditor(_OneOfEditor):
    """Each level of the scale: its value and label as a radio button, its description beneath."""

    def __init__(self, question: Question, framework: Framework, parent: QWidget | None = None):
        super().__init__(question, parent)
        self.levels = framework.scale(question.scale or "")
        self.group = QButtonGroup(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)
        for i, lv in enumerate(self.levels):
            b = QRadioButton(f"{lv.value} · {lv.label}")
            b.setAccessibleName(f"{lv.value}, {lv.label}")
            b.setAccessibleDescription(lv.description)
            f = b.font()
            f.setWeight(f.Weight.DemiBold)
            b.setFont(f)
            self.group.addButton(b, i)
            row = QVBoxLayout()
            row.setSpacing(2)
            row.addWidget(b, 0, Qt.AlignLeft)  # as wide as its text, so a click beside it does nothing
            if lv.description:
                d = ClickLabel(lv.description)
                d.setWordWrap(True)
                d.setProperty("role", "muted")
                indent = b.style().pixelMetric(QStyle.PM_ExclusiveIndicatorWidth) + \
                    b.style().pixelMetric(QStyle.PM_RadioButtonLabelSpacing)
                d.setContentsMargins(indent, 0, 0, 0)
                d.clicked.connect(lambda b=b: b.click())
                row.addWidget(d)
            lay.addLayout(row)
        self.clear = _ClearButton(self)
        self.clear.clicked.connect(self._clear)
        lay.addWidget(self.clear, 0, Qt.AlignLeft)
        self.group.idClicked.connect(lambda _i: self._emit())

    def _values(self) -> list[Any]:
        return [lv.value for lv in self.levels]

    def _index_of(self, value: Any) -> int:
        return next((i for i, lv in enumerate(self.levels) if lv.value == value and not isinstance(value, bool)), -1)

    def button_for(self, value: int) -> QRadioButton:
        return self.group.button(next(i for i, lv in enumerate(self.levels) if lv.value == value))


class TagsEditor(QuestionEditor):
    """Several of the options, as toggle chips that wrap."""

    def __init__(self, question: Question, parent: QWidget | None = None):
        super().__init__(question, parent)
        flow = FlowLayout(h_spacing=8, v_spacing=8)
        self.chips: list[QToolButton] = []
        s = style.current_scheme()
        for option in question.options:
            chip = QToolButton()
            chip.setObjectName("chip")
            chip.setText(option)
            chip.setCheckable(True)
            chip.setCursor(Qt.PointingHandCursor)
            chip.setAccessibleName(f"{option} (tag)")
            chip.toggled.connect(self._toggled)
            self.chips.append(chip)
            flow.addWidget(chip)
        self.setLayout(flow)
        self.setStyleSheet(
            f"QToolButton#chip {{ border: 1px solid {s.border}; border-radius: 13px; padding: 4px 12px;"
            f" background: {s.base}; color: {s.text}; }}"
            f"QToolButton#chip:hover {{ border-color: {s.highlight}; }}"
            f"QToolButton#chip:checked {{ background: {s.highlight}; color: {s.highlight_text};"
            f" border-color: {s.highlight}; }}"
            f"QToolButton#chip:disabled {{ color: {s.muted}; }}"
            f"QToolButton#chip:checked:disabled {{ background: {s.border}; color: {s.text}; }}")

    def _toggled(self, checked: bool) -> None:
        chip = self.sender()
        if isinstance(chip, QToolButton):
            chip.setText(("✓ " if checked else "") + self.question.options[self.chips.index(chip)])
        self._emit()

    def value(self) -> Any:
        chosen = [o for o, c in zip(self.question.options, self.chips) if c.isChecked()]
        return chosen or None

    def _show(self, value: Any) -> None:
        chosen = set(value or ())
        for option, chip in zip(self.question.options, self.chips):
            if chip.isChecked() != (option in chosen):
                chip.setChecked(option in chosen)

    def focus_editor(self) -> None:
        if self.chips:
            self.chips[0].setFocus(Qt.OtherFocusReason)

    def chip_for(self, option: str) -> QToolButton:
        return self.chips[self.question.options.index(option)]


class _EntryEdit(GrowingTextEdit):
    """One entry of a list: wraps like a paragraph; Enter ends the entry (Shift+Enter is a new line)."""

    returnPressed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(min_lines=1, max_lines=6, parent=parent)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and not event.modifiers() & Qt.ShiftModifier:
            self.returnPressed.emit()
            return
        super().keyPressEvent(event)

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:  # noqa: N802
        self.setPlainText(text)


class _ListRow(QWidget):
    def __init__(self, editor: "ListEditor", number: int):
        super().__init__(editor)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.number = QLabel(f"{number}.")
        self.number.setProperty("role", "muted")
        self.number.setAlignment(Qt.AlignRight | Qt.AlignTop)
        self.number.setContentsMargins(0, 5, 2, 0)
        self.number.setMinimumWidth(self.number.fontMetrics().horizontalAdvance("10.") + 4)
        self.edit = _EntryEdit()
        self.edit.setPlaceholderText("Type an entry; Enter starts the next one")
        self.edit.setAccessibleName(f"Entry {number}")
        lay.addWidget(self.number, 0, Qt.AlignTop)
        lay.addWidget(self.edit, 1)
        self.buttons = []
        for name, tip, icon in (("up", "Move up", QStyle.SP_ArrowUp), ("down", "Move down", QStyle.SP_ArrowDown),
                                ("remove", "Remove this entry", QStyle.SP_DialogDiscardButton)):
            b = QToolButton()
            b.setAutoRaise(True)
            b.setIcon(self.style().standardIcon(icon))
            b.setToolTip(tip)
            b.setAccessibleName(tip)
            b.setObjectName(name)
            lay.addWidget(b, 0, Qt.AlignTop)
            self.buttons.append(b)

    def button(self, name: str) -> QToolButton:
        return next(b for b in self.buttons if b.objectName() == name)


class ListEditor(QuestionEditor):
    """An ordered list of short texts (recommendations): add, edit, remove, reorder."""

    def __init__(self, question: Question, parent: QWidget | None = None):
        super().__init__(question, parent)
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(6)
        self._rows_box = QVBoxLayout()
        self._rows_box.setSpacing(6)
        self._lay.addLayout(self._rows_box)
        self.add_button = QToolButton()
        self.add_button.setText("+ Add an entry")
        self.add_button.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.add_button.setAccessibleName("Add an entry")
        self.add_button.clicked.connect(self.add_row)
        self._lay.addWidget(self.add_button, 0, Qt.AlignLeft)
        self.rows: list[_ListRow] = []
        self._debounce = Debounce(self)
        self._debounce.fire.connect(lambda: self._emit(self._debounce.session))

    def texts(self) -> list[str]:
        return [r.edit.text() for r in self.rows]

    def value(self) -> Any:
        entries = [t.strip() for t in self.texts() if t.strip()]
        return entries or None

    def _show(self, value: Any) -> None:
        if self.value() == (value or None):
            return  # the same entries (perhaps with an empty one being typed into): leave them
        texts = list(value or [])
        while len(self.rows) > len(texts):
            self._drop(self.rows[-1])
        while len(self.rows) < len(texts):
            self._append()
        for row, text in zip(self.rows, texts):
            if row.edit.text() != text:
                row.edit.setText(text)
        self._renumber()

    def _append(self) -> _ListRow:
        row = _ListRow(self, len(self.rows) + 1)
        row.edit.textChanged.connect(self._typed)
        row.edit.focusLost.connect(self._debounce.flush)
        row.edit.returnPressed.connect(lambda r=row: self._return(r))
        row.button("up").clicked.connect(lambda _=False, r=row: self._move(r, -1))
        row.button("down").clicked.connect(lambda _=False, r=row: self._move(r, +1))
        row.button("remove").clicked.connect(lambda _=False, r=row: self._remove(r))
        row.edit.installEventFilter(self)
        self.rows.append(row)
        self._rows_box.addWidget(row)
        row.setEnabled(self.isEnabled())
        return row

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.FocusIn:
            self._debounce.new_session()
        return False

    def _drop(self, row: _ListRow) -> None:
        self.rows.remove(row)
        self._rows_box.removeWidget(row)
        row.hide()
        row.deleteLater()

    def _renumber(self) -> None:
        for i, row in enumerate(self.rows):
            row.number.setText(f"{i + 1}.")
            row.button("up").setEnabled(i > 0)
            row.button("down").setEnabled(i < len(self.rows) - 1)

    def add_row(self) -> None:
        self._debounce.flush()
        row = self._append()
        self._renumber()
        row.edit.setFocus(Qt.OtherFocusReason)

    def _return(self, row: _ListRow) -> None:
        self._debounce.flush()
        i = self.rows.index(row)
        if i + 1 < len(self.rows):
            self.rows[i + 1].edit.setFocus(Qt.OtherFocusReason)
        elif row.edit.text().strip():
            self.add_row()

    def _typed(self) -> None:
        if not self._loading:
            self._debounce.poke()

    def _move(self, row: _ListRow, delta: int) -> None:
        self._debounce.flush()
        i = self.rows.index(row)
        j = i + delta
        if not 0 <= j < len(self.rows):
            return
        texts = self.texts()
        texts[i], texts[j] = texts[j], texts[i]
        self._loading = True
        try:
            for r, t in zip(self.rows, texts):
                if r.edit.text() != t:
                    r.edit.setText(t)
        finally:
            self._loading = False
        self.rows[j].edit.setFocus(Qt.OtherFocusReason)
        self._emit()

    def _remove(self, row: _ListRow) -> None:
        self._debounce.flush()
        had_text = bool(row.edit.text().strip())
        self._drop(row)
        self._renumber()
        if had_text:
            self._emit()

    def has_pending(self) -> bool:
        return self._debounce.pending()

    def flush(self) -> None:
        self._debounce.flush()

    def focus_editor(self) -> None:
        if not self.rows:
            self.add_row()
        else:
            self.rows[0].edit.setFocus(Qt.OtherFocusReason)


class FlagEditor(QuestionEditor):
    """A yes/no flag; when raised, a note is required and the block says so until it has one."""

    def __init__(self, question: Question, parent: QWidget | None = None):
        super().__init__(question, parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.check = QCheckBox("Raise this flag")
        self.check.setAccessibleName(f"Raise: {question.text}")
        lay.addWidget(self.check, 0, Qt.AlignLeft)
        self.note_label = wrap_label("Note (required when the flag is raised): what you found, and where", "heading")
        self.note = GrowingTextEdit(min_lines=2)
        self.note.setAccessibleName("Note for the flag")
        self.note.setPlaceholderText("What you found and where (for example the page reference)")
        self.warning = wrap_label("A raised flag needs a note.", "warning")
        lay.addWidget(self.note_label)
        lay.addWidget(self.note)
        lay.addWidget(self.warning)
        self._debounce = Debounce(self)
        self._debounce.fire.connect(lambda: self._emit(self._debounce.session))
        self.check.toggled.connect(self._toggled)
        self.note.textChanged.connect(self._typed)
        self.note.focusLost.connect(self._debounce.flush)
        self.note.focusGained.connect(self._debounce.new_session)
        self._sync()

    def _typed(self) -> None:
        self._sync()
        if not self._loading:
            self._debounce.poke()

    def _toggled(self, _on: bool) -> None:
        self._sync()
        if not self._loading:
            self._debounce.timer.stop()
            self._emit()
            if self.check.isChecked():
                self.note.setFocus(Qt.OtherFocusReason)

    def _sync(self) -> None:
        raised = self.check.isChecked()
        for w in (self.note_label, self.note):
            w.setVisible(raised)
        self.warning.setVisible(raised and not self.note.toPlainText().strip())

    @property
    def needs_note(self) -> bool:
        return self.check.isChecked() and not self.note.toPlainText().strip()

    def value(self) -> Any:
        raised, note = self.check.isChecked(), self.note.toPlainText()
        if not raised and not note.strip():
            return None
        return {"raised": raised, "note": note}

    def _show(self, value: Any) -> None:
        raised = isinstance(value, dict) and bool(value.get("raised"))
        note = value.get("note", "") if isinstance(value, dict) else ""
        if self.check.isChecked() != raised:
            self.check.setChecked(raised)
        if self.note.toPlainText() != note:
            self.note.setPlainText(note)
        self._sync()

    def has_pending(self) -> bool:
        return self._debounce.pending()

    def flush(self) -> None:
        self._debounce.flush()

    def focus_editor(self) -> None:
        (self.note if self.check.isChecked() else self.check).setFocus(Qt.OtherFocusReason)


def make_editor(q: Question, fw: Framework, parent: QWidget | None = None) -> QuestionEditor:
    if q.type == "choice":
        return ChoiceEditor(q, parent)
    if q.type == "scale":
        return ScaleEditor(q, fw, parent)
    if q.type == "text":
        return TextEditor(q, parent)
    if q.type == "list":
        return ListEditor(q, parent)
    if q.type == "tags":
        return TagsEditor(q, parent)
    if q.type == "flag":
        return FlagEditor(q, parent)
    if q.type == "date":
        return DateEditor(q, parent)
    if q.type == "actions":
        return ActionsEditor(q, parent)
    raise ValueError(f"unknown question type {q.type!r}")
