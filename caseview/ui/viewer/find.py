"""Find in document: every match on every page, the current one emphasised, "3 of 12"."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit

from .render_client import BACKGROUND
from .pages import find_all
from .parts import tool_button


class FindMixin:
    """The viewer's find bar behaviour; mixed into :class:`~caseview.ui.viewer.document_viewer.DocumentViewer`.

    Page texts come from the stored text (``page_texts``) when the host gives it,
    otherwise from the render worker page by page, so the count grows as they arrive.
    """

    # -- construction ----------------------------------------------------------------------

    def _build_find_bar(self) -> QFrame:
        self.find_bar = QFrame(self)
        self.find_bar.setAccessibleName("Find bar")
        fl = QHBoxLayout(self.find_bar)
        fl.setContentsMargins(8, 4, 6, 4)
        fl.setSpacing(4)
        self.find_box = QLineEdit(self.find_bar)
        self.find_box.setAccessibleName("Find text")
        self.find_box.setPlaceholderText("Find in document")
        self.find_box.setClearButtonEnabled(True)
        self.find_box.setMaximumWidth(320)
        self._find_timer = QTimer(self, singleShot=True, interval=180)
        self._find_timer.timeout.connect(lambda: self.find(self.find_box.text()))
        self.find_box.textEdited.connect(lambda _t: self._find_timer.start())
        self.find_box.returnPressed.connect(self._find_enter)
        self.find_prev_button = tool_button(self.find_bar, "up", "Previous match (Shift+F3)", "Previous match",
                                            self.find_previous)
        self.find_next_button = tool_button(self.find_bar, "down", "Next match (F3)", "Next match", self.find_next)
        self.find_count = QLabel(self.find_bar)
        self.find_count.setAccessibleName("Matches")
        self.find_close = tool_button(self.find_bar, "close", "Close the find bar (Esc)", "Close find bar",
                                      self.end_find)
        for w in (self.find_box, self.find_prev_button, self.find_next_button, self.find_count):
            fl.addWidget(w)
        fl.addStretch(1)
        fl.addWidget(self.find_close)
        self.find_bar.hide()
        return self.find_bar

    # -- find ------------------------------------------------------------------------------

    def start_find(self) -> None:
        if not self.find_button.isEnabled():
            return
        self.find_bar.show()
        self.find_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.find_box.selectAll()

    def end_find(self) -> None:
        self.find_bar.hide()
        self._reset_find_state()
        self.canvas.viewport().update()
        self.canvas.setFocus()

    def _reset_find_state(self) -> None:
        self._query = ""
        self._hits.clear()
        self._hit_order = []
        self._hit = -1
        self._find_texts.clear()
        self._searched.clear()
        self._deco.clear()
        self.find_count.clear()
        if self.client is not None:
            self.client.cancel(f"find{id(self)}")

    def find(self, query: str) -> int:
        """Highlight every match of ``query`` and go to the first at or after the current page; the count so far."""
        keep_text = self.find_box.text()
        self._reset_find_state()
        if keep_text != query:
            self.find_box.setText(query)
        self._query = query.strip()
        if not self._query or self.model is None:
            return 0
        missing = []
        for page in range(1, self.model.page_count() + 1):
            text = self.model.page_text(page)
            if text is None:
                missing.append(page)
                continue
            self._search_page(page, text, update=False)
        if missing and self.model.kind == "pdf":
            self.client.request_text(self.doc.id, self.doc.path, missing, channel=f"find{id(self)}",
                                     priority=BACKGROUND)
        self._reorder(go=True)
        return len(self._hit_order)

    def _search_page(self, page: int, text: str, update: bool = True) -> None:
        self._searched.add(page)
        hits = find_all(text, self._query)
        if hits:
            self._hits[page] = hits
        else:
            self._hits.pop(page, None)
        self._deco.pop(page, None)
        if update:
            self._reorder(go=self._hit < 0)

    def _reorder(self, go: bool) -> None:
        current = self._hit_order[self._hit] if 0 <= self._hit < len(self._hit_order) else None
        self._hit_order = [(p, k) for p in sorted(self._hits) for k in range(len(self._hits[p]))]
        if current in self._hit_order:
            self._hit = self._hit_order.index(current)
        elif go and self._hit_order:
            here = self.current_page()
            self._hit = next((i for i, (p, _k) in enumerate(self._hit_order) if p >= here), 0)
            self._show_hit()
        self._show_count()
        self.canvas.viewport().update()

    def _show_count(self) -> None:
        n = len(self._hit_order)
        waiting = self.model is not None and len(self._searched) < self.model.page_count()
        if not self._query:
            self.find_count.clear()
        elif n == 0:
            self.find_count.setText("Searching…" if waiting else "No matches")
        else:
            self.find_count.setText(f"{self._hit + 1} of {n}" + ("…" if waiting else ""))
        self.find_prev_button.setEnabled(n > 1)
        self.find_next_button.setEnabled(n > 1)

    def find_count_text(self) -> str:
        return self.find_count.text()

    def hit_count(self) -> int:
        return len(self._hit_order)

    def _find_enter(self) -> None:
        if self._find_timer.isActive() or self.find_box.text().strip() != self._query:
            self._find_timer.stop()
            self.find(self.find_box.text())
        else:
            self.find_next()

    def find_next(self) -> None:
        self._step_hit(1)

    def find_previous(self) -> None:
        self._step_hit(-1)

    def _step_hit(self, step: int) -> None:
        if not self._hit_order:
            return
        self._hit = (self._hit + step) % len(self._hit_order)
        self._deco.clear()
        self._show_hit()
        self._show_count()

    def _show_hit(self) -> None:
        page, k = self._hit_order[self._hit]
        self._deco.clear()
        g = self.model.geometry(page)
        rect = None
        if g is not None:
            s, e = self._hits[page][k]
            rects = g.rects(s, e)
            rect = rects[0] if rects else None
        self.canvas.scroll_to(page, rect)
        self.canvas.viewport().update()
