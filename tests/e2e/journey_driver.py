"""Drive the real review window through the reviewer's journey with widget events (QTest), step by step.

Shared by ``tests/e2e/test_journey.py`` (with assertions after each step) and
``tools/screenshots.py`` (which photographs the steps). Everything goes through
the window's widgets: the items list, radio buttons, text fields, the viewer's
selection, Ctrl+E, the Finalise list, the identity wizard and the passphrase
prompt; nothing writes to the workspace behind the window's back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from caseview.core.frameworks import CASE, Question

Wait = Callable[[Callable[[], Any], float], None]

# What the reviewer answers on the demo case (outcome-verification); other frameworks get generic answers.
CHOICES = {"threshold": "Met", "evidence_quality": "Independent and sufficient", "attributable": "Yes",
           "sustained": "Yes", "payment": "Pay"}
SCALE = {"K3": 2, "K4": 3}  # judgement per decision item; the rest are Good (3)


def plain_wait(app: QApplication) -> Wait:
    """A wait for scripts: process events until ``cond()`` or fail after ``timeout`` seconds."""
    def wait(cond: Callable[[], Any], timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                raise TimeoutError(f"timed out after {timeout} s waiting for {getattr(cond, '__name__', cond)}")
            app.processEvents()
            time.sleep(0.01)
    return wait


def settle(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


@dataclass
class Journey:
    """The review window of one case, and what the driver entered (to check against the signed report)."""

    window: Any  # ReviewWindow
    wait: Wait
    entered: dict[tuple[str, str], Any] = field(default_factory=dict)
    cited: dict[str, list[str]] = field(default_factory=dict)  # item id → exact quotes

    @property
    def panel(self):
        return self.window.review_panel

    @property
    def controller(self):
        return self.window.review_controller

    @property
    def viewer(self):
        return self.window.viewer

    # -- the items list ----------------------------------------------------------------------

    def click_item(self, item_id: str) -> None:
        """Click the item's card in the items list, as the reviewer does."""
        view, model = self.panel.items_view, self.panel.items_model
        row = model.row_of(item_id)
        assert row >= 0, item_id
        index = model.index(row)
        view.scrollTo(index)
        QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, view.visualRect(index).center())
        self.wait(lambda: self.panel.form is not None and self.panel.form.item_id == item_id, 5)

    # -- answering -------------------------------------------------------------------------------

    def answer(self, item_id: str, q: Question, text: str | None = None) -> Any:
        """Answer one question through its editor; returns the value the database should then hold."""
        editor = self.panel.block(q.id).editor
        self.panel.scroll.ensureWidgetVisible(editor)
        if q.type == "choice":
            value = CHOICES.get(q.id, q.options[0])
            QTest.mouseClick(editor.button_for(value), Qt.LeftButton)
        elif q.type == "scale":
            levels = [lv.value for lv in editor.levels]
            value = SCALE.get(item_id, 3) if SCALE.get(item_id, 3) in levels else levels[len(levels) // 2]
            QTest.mouseClick(editor.button_for(value), Qt.LeftButton)
        elif q.type == "text":
            value = text or f"{item_id}: the records support this; see the citation."
            editor.edit.setFocus(Qt.OtherFocusReason)
            QTest.keyClicks(editor.edit, value)
            editor.flush()
        elif q.type == "list":
            value = [f"Recommendation {n} for {item_id}" for n in (1, 2)]
            for n, entry in enumerate(value):
                QTest.mouseClick(editor.add_button, Qt.LeftButton)
                self.wait(lambda n=n: len(editor.rows) > n, 2)
                QTest.keyClicks(editor.rows[n].edit, entry)
            editor.flush()
        elif q.type == "tags":
            QTest.mouseClick(editor.chips[0], Qt.LeftButton)
            value = [q.options[0]]
        else:  # a flag is never required; raising one needs a note
            raise AssertionError(f"no way to answer a required {q.type} question")
        self.entered[(item_id, q.id)] = value
        self.wait(lambda: self.controller.answer(item_id, q.id) == value, 5)
        return value

    def answer_required(self, item_id: str, skip: tuple[str, ...] = ()) -> None:
        for q in self.controller.context.questions(item_id):
            if q.required and q.id not in skip:
                self.answer(item_id, q)

    # -- citing ------------------------------------------------------------------------------------

    def open_linked_document(self, doc_id: str) -> None:
        """Activate the document's link in the item's header (what a click on it does)."""
        links = [lab for lab in self.panel.form.findChildren(QLabel)
                 if lab.accessibleName() == "Linked documents and events"]
        assert links, "the item shows no linked documents"
        links[0].linkActivated.emit(f"doc:{doc_id}")
        self.wait(lambda: self.window.doc_id == doc_id, 5)

    def select_passage(self, page: int = 1, min_len: int = 24) -> str:
        """Select a whole line of the page shown (a line found once on the page), through the viewer's API."""
        v = self.viewer
        v.go_to_page(page)
        self.wait(lambda: v.model is not None and v.model.geometry(page) is not None, 20)
        text = v.model.page_text(page)
        lines = [ln.strip() for ln in text.split("\n")]
        # a line from the body of the page (letterheads repeat on every page), found once on it
        candidates = [ln for ln in lines[len(lines) // 3:] if len(ln) >= min_len and text.count(ln) == 1]
        if not candidates:
            raise AssertionError(f"no line to select on page {page} of {v.document().id}")
        line = candidates[0]
        start = text.index(line)
        v.select_text(page, start, start + len(line))
        self.wait(lambda: v.selection() is not None, 5)
        return v.selection().exact

    def cite_selection(self, item_id: str, *, shortcut: bool, page: int = 1) -> str:
        """Select a passage in the item's first linked document and cite it (Ctrl+E, or the Cite button)."""
        doc_id = self.controller.snapshot.manifest.item(item_id).documents[0]
        self.open_linked_document(doc_id)
        quote = self.select_passage(page)
        before = len(self.controller.evidence_for(item_id))
        if shortcut:
            self.window.activateWindow()
            QTest.keyClick(self.viewer.canvas.viewport(), Qt.Key_E, Qt.ControlModifier)
        else:
            button = self.panel.form.cite_button
            self.panel.scroll.ensureWidgetVisible(button)
            QTest.mouseClick(button, Qt.LeftButton)
        self.wait(lambda: len(self.controller.evidence_for(item_id)) == before + 1, 5)
        self.cited.setdefault(item_id, []).append(quote)
        return quote

    # -- the whole review ---------------------------------------------------------------------------

    def review_item(self, item_id: str, *, shortcut: bool = False) -> None:
        self.click_item(item_id)
        self.answer_required(item_id)
        if item_id != CASE and any(q.min_evidence for q in self.controller.context.questions(item_id)):
            self.cite_selection(item_id, shortcut=shortcut)

    def idle(self) -> None:
        self.controller.flush()
        self.wait(self.controller.is_idle, 10)
