"""The review window's layout: docks at sizes that suit the screen, saved and restored, and switched on a laptop.

Mixed into :class:`~caseview.ui.window.main_window.ReviewWindow` (so it never imports it): it expects the
window's docks (``index_dock``, ``chronology_dock``, ``search_dock``, ``review_dock``, ``docks``), its
``viewer``, ``settings`` and ``_default_state``.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDockWidget, QTabBar

STATE_VERSION = 3  # 2: the Review dock; 3: the Timeliness dock
DOCK_LEFT, DOCK_RIGHT = 280, 440  # default dock widths on a desktop monitor
# A laptop panel in logical pixels: 1366×768 at 100%, or 1920×1080 at 125-150% (1536 or 1280 wide). There the
# index narrows, the page strip starts hidden, and the layout can switch between page and review (View → Layout).
COMPACT_WIDTH = 1440
COMPACT_LEFT, COMPACT_RIGHT = 220, 420


def available_width() -> int:
    screen = QApplication.primaryScreen()
    return screen.availableGeometry().width() if screen is not None else 1920


def dock_widths() -> tuple[int, int]:
    return (COMPACT_LEFT, COMPACT_RIGHT) if available_width() < COMPACT_WIDTH else (DOCK_LEFT, DOCK_RIGHT)


class LayoutMixin:
    def restore_layout(self) -> None:
        geometry = self.settings.value("review/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            screen = QApplication.primaryScreen()
            avail = screen.availableGeometry() if screen else None
            if avail is not None:
                self.resize(min(1440, avail.width()), min(900, avail.height()))
        state = self.settings.value("review/state")
        self._layout_restored = isinstance(state, QByteArray) and not state.isEmpty() \
            and self.restoreState(state, STATE_VERSION)

    def save_layout(self) -> None:
        self.settings.setValue("review/geometry", self.saveGeometry())
        self.settings.setValue("review/state", self.saveState(STATE_VERSION))
        self.settings.sync()

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, STATE_VERSION)
        for dock in self.docks:
            dock.setFloating(False)
        self.resizeDocks([self.index_dock, self.search_dock], list(dock_widths()), Qt.Horizontal)
        self.side_by_side_action.setChecked(True)
        QTimer.singleShot(0, self.tidy_tab_bars)

    def set_focus_layout(self, focus: str) -> None:
        """"both": page and review side by side; "page": the page alone; "review": the review beside a narrow page.

        On a small screen the reviewer switches between reading and judging instead of squeezing both.
        """
        left = [self.index_dock, self.chronology_dock]
        right = [d for d in self.docks if d not in left]
        if focus == "page":
            for d in self.docks:
                d.hide()
        else:
            for d in left:
                d.setVisible(focus == "both")
            for d in right:
                d.show()
            self.review_dock.raise_()
            self.index_dock.raise_()
            width = self.width()
            review = max(COMPACT_RIGHT, width - 420) if focus == "review" else dock_widths()[1]
            QTimer.singleShot(0, lambda: self.resizeDocks([self.review_dock], [review], Qt.Horizontal))
        self.focus_layout = focus
        QTimer.singleShot(0, self.tidy_tab_bars)

    def first_show_layout(self) -> None:
        if not self._layout_restored:
            self._layout_restored = True
            # dock sizes only take once the window has its real size
            QTimer.singleShot(0, lambda: self.resizeDocks([self.index_dock, self.search_dock],
                                                          list(dock_widths()), Qt.Horizontal))
            if available_width() < COMPACT_WIDTH and hasattr(self.viewer, "set_strip_wanted"):
                self.viewer.set_strip_wanted(False)
        QTimer.singleShot(0, self.tidy_tab_bars)

    def tidy_tab_bars(self) -> int:
        """Hide dock tab bars Qt left behind (6.12: tabifying or restoring before the first show leaves a
        stray, visible bar over the centre of the window). A live bar sits right under its docks."""
        docks = [d for d in self.findChildren(QDockWidget) if d.isVisible() and not d.isFloating()]
        hidden = 0
        for bar in self.findChildren(QTabBar):
            if bar.parent() is not self or not bar.isVisible():
                continue
            g = bar.geometry()
            titles = {bar.tabText(i) for i in range(bar.count())}
            # A live bar spans its dock area: same left edge and width as the dock shown above it.
            live = any(abs(d.geometry().bottom() + 1 - g.top()) <= 3 and abs(d.geometry().left() - g.left()) <= 3
                       and abs(d.geometry().width() - g.width()) <= 3 and d.windowTitle() in titles for d in docks)
            if live:  # whole titles, scrolled when they do not fit: "Annotat…" beside "Re…" helps nobody
                bar.setElideMode(Qt.ElideNone)
                bar.setUsesScrollButtons(True)
            if not live:
                bar.hide()
                hidden += 1
        return hidden
