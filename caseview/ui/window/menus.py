"""The review window's actions and menus: File, Edit, Review, View, Go, Help.

One QAction per command, each added to the window, so a shortcut is bound
exactly once (Qt does nothing on an ambiguous shortcut) and works wherever the
focus is in the window. The review's own actions (undo, redo, cite, finalise,
sign, new version, history) come from :class:`~caseview.ui.window.review_wiring.ReviewWiring`.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

__all__ = ["MenusMixin", "window_action"]


def window_action(w: QWidget, text: str, slot: Callable, shortcut=None, name: str | None = None) -> QAction:
    act = QAction(text, w)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
    act.triggered.connect(slot)
    if name:
        act.setObjectName(name)
    w.addAction(act)
    return act


class MenusMixin:
    """The review window's actions and menu bar, mixed into the window (so this module never imports it)."""

    def _build_actions(self) -> None:
        """The window's reading actions (the review's are made with the review dock)."""
        w = self
        a = lambda *args, **kw: window_action(w, *args, **kw)  # noqa: E731
        w.open_action = a("&Open bundle…", lambda: w.openBundleRequested.emit(None), QKeySequence.Open)
        w.demo_action = a("Open &demo case", w.openDemoRequested.emit)
        w.close_action = a("&Close case", w.closeCaseRequested.emit, QKeySequence.Close)
        w.quit_action = a("&Quit", QApplication.closeAllWindows, QKeySequence.Quit)
        # Copy is not given a window-wide Ctrl+C: the viewer's canvas and every text field handle Ctrl+C
        # themselves, and a second binding would make the shortcut ambiguous. The menu shows it all the same.
        w.copy_action = a("&Copy\tCtrl+C", w.copy)
        w.highlight_action = a("&Highlight selection…", w.highlight_selection, "Ctrl+H", "highlight")
        w.highlight_action.setToolTip("Highlight the selected text with a note (Ctrl+H)")
        w.find_case_action = a("Find in &case", w.focus_search, "Ctrl+Shift+F")
        w.goto_action = a("&Go to page…", w.ask_go_to, "Ctrl+G")
        w.reset_layout_action = a("&Reset layout", w.reset_layout)
        # Page and review side by side, or one of them, switched with F6: what a small laptop screen needs.
        group = QActionGroup(w)
        w.side_by_side_action = a("Page and review &side by side", lambda: w.set_focus_layout("both"), "Ctrl+Shift+1")
        w.page_only_action = a("&Page only", lambda: w.set_focus_layout("page"), "Ctrl+Shift+2")
        w.review_focus_action = a("Review &beside a narrow page", lambda: w.set_focus_layout("review"),
                                  "Ctrl+Shift+3")
        w.layout_actions = [w.side_by_side_action, w.page_only_action, w.review_focus_action]
        for act in w.layout_actions:
            act.setCheckable(True)
            group.addAction(act)
        w.side_by_side_action.setChecked(True)
        w.next_layout_action = a("Next layout", self._next_layout, "F6")
        w.about_action = a("&About CaseView", w.aboutRequested.emit, QKeySequence.HelpContents)

    def _next_layout(self) -> None:
        order = ["both", "page", "review"]
        nxt = order[(order.index(self.focus_layout) + 1) % len(order)]
        self.layout_actions[order.index(nxt)].setChecked(True)
        self.set_focus_layout(nxt)

    def _adopt_viewer_actions(self) -> None:
        """Use the viewer's own find and zoom actions in the menus, with window-wide shortcuts.

        Where the viewer lacks an action, a window action calls its method instead.
        """
        w = self

        def adopt(attr: str, text: str, method: str, shortcut=None) -> QAction:
            act = getattr(w.viewer, attr, None)
            if isinstance(act, QAction):
                act.setShortcutContext(Qt.WindowShortcut)
                return act
            return window_action(w, text, lambda: w._viewer_call(method), shortcut)

        w.find_doc_action = adopt("action_find", "&Find in document…", "start_find", QKeySequence.Find)
        w.find_next_action = adopt("action_find_next", "Find &next", "find_next", QKeySequence.FindNext)
        w.find_previous_action = adopt("action_find_previous", "Find pre&vious", "find_previous",
                                       QKeySequence.FindPrevious)
        w.zoom_in_action = adopt("action_zoom_in", "Zoom &in", "zoom_in", QKeySequence.ZoomIn)
        w.zoom_out_action = adopt("action_zoom_out", "Zoom &out", "zoom_out", QKeySequence.ZoomOut)
        w.actual_size_action = adopt("action_actual_size", "&Actual size", "actual_size", "Ctrl+0")
        w.fit_width_action = adopt("action_fit_width", "Fit &width", "fit_width")
        w.fit_page_action = adopt("action_fit_page", "Fit &page", "fit_page")
        w.viewer_actions = [w.find_doc_action, w.find_next_action, w.find_previous_action,
                            w.zoom_in_action, w.zoom_out_action, w.actual_size_action,
                            w.fit_width_action, w.fit_page_action]

    def _build_menus(self) -> None:
        w = self
        r = w.wiring
        bar = w.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([w.open_action, w.demo_action])
        file_menu.addSeparator()
        file_menu.addAction(r.verify_action)
        file_menu.addAction(r.collect_action)
        file_menu.addAction(r.sign_action)
        file_menu.addActions([w.moderation.moderate_action, w.moderation.countersign_action])
        file_menu.addSeparator()
        file_menu.addAction(w.close_action)
        file_menu.addSeparator()
        file_menu.addAction(w.quit_action)

        edit = bar.addMenu("&Edit")
        edit.addActions([r.undo_action, r.redo_action, w.moderation.undo_action, w.moderation.redo_action])
        edit.addSeparator()
        edit.addAction(w.copy_action)
        edit.addSeparator()
        edit.addAction(w.highlight_action)
        edit.addSeparator()
        edit.addActions([w.find_doc_action, w.find_next_action, w.find_previous_action])
        edit.addSeparator()
        edit.addAction(w.find_case_action)
        edit.addSeparator()
        edit.addAction(r.settings_action)

        review = bar.addMenu("&Review")
        review.addActions([r.cite_action, w.moderation.cite_action])
        review.addSeparator()
        review.addAction(r.finalise_action)
        review.addAction(r.new_version_action)
        review.addSeparator()
        review.addAction(r.history_action)
        w.review_menu = review

        w.view_menu = bar.addMenu("&View")
        for dock in w.docks:
            w.view_menu.addAction(dock.toggleViewAction())
        w._view_separator = w.view_menu.addSeparator()
        w.view_menu.addActions([w.zoom_in_action, w.zoom_out_action, w.actual_size_action,
                                w.fit_width_action, w.fit_page_action])
        w.view_menu.addSeparator()
        layout = w.view_menu.addMenu("&Layout")
        layout.addActions(w.layout_actions)
        layout.addSeparator()
        layout.addAction(w.next_layout_action)
        w.view_menu.addAction(w.reset_layout_action)
        go = bar.addMenu("&Go")
        go.addAction(w.goto_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(w.about_action)
