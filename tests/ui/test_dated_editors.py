"""Framework 1.1's editors on their own: a date with a calendar, and a table of actions."""

from __future__ import annotations

from PySide6.QtCore import QDate

from caseview.core.frameworks import Question
from caseview.ui.review.dated import NO_DATE, ActionsEditor, DateEditor
from caseview.ui.review.form import make_editor


def _q(qtype: str) -> Question:
    return Question(id="x", text="When to look again", help="", type=qtype, required=False)


def _editor(qtbot, cls, qtype):
    editor = cls(_q(qtype))
    qtbot.addWidget(editor)
    edits = []
    editor.edited.connect(lambda value, session: edits.append((value, session)))
    return editor, edits


def test_make_editor_knows_the_new_types(qtbot):
    assert isinstance(make_editor(_q("date"), None), DateEditor)
    assert isinstance(make_editor(_q("actions"), None), ActionsEditor)


def test_a_date_shows_uk_style_round_trips_and_can_be_cleared(qtbot):
    editor, edits = _editor(qtbot, DateEditor, "date")
    assert editor.value() is None and editor.field.text() == "No date"
    editor.set_value("2027-04-02")
    assert editor.value() == "2027-04-02" and editor.field.text() == "2 April 2027" and not edits
    editor.field.setDate(QDate(2027, 4, 9))
    assert editor.has_pending()
    editor.flush()
    assert edits[-1][0] == "2027-04-09"
    editor.clear.click()
    assert edits[-1][0] is None and editor.field.date() == NO_DATE
    editor.set_value("not a date")
    assert editor.value() is None


def test_actions_are_rows_of_action_owner_and_due(qtbot):
    editor, edits = _editor(qtbot, ActionsEditor, "actions")
    value = [{"action": "Record the step-down rationale", "owner_role": "Team manager", "due": "2027-01-15"},
             {"action": "Seek Father's views", "owner_role": "Social worker", "due": ""}]
    editor.set_value(value)
    assert editor.value() == value and not edits
    assert editor.table.rowCount() == 2 and editor.empty.isHidden() and not editor.table.isHidden()
    row = editor.add_row()
    editor.table.item(row, 0).setText("Convene a core group")
    editor.flush()
    assert edits[-1][0][-1] == {"action": "Convene a core group", "owner_role": "", "due": ""}
    editor.table.selectRow(0)
    editor.remove.click()
    assert [a["action"] for a in edits[-1][0]] == ["Seek Father's views", "Convene a core group"]
    editor.set_value(None)
    assert editor.value() is None and editor.table.rowCount() == 0
