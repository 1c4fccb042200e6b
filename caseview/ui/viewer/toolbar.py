"""The viewer's toolbar: page strip, previous and next, the page box, zoom and Find, and what its controls do."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from .parts import ZOOM_CHOICES, tool_button


class ToolbarMixin:
    """The toolbar of :class:`~caseview.ui.viewer.document_viewer.DocumentViewer`, mixed into it; the viewer lays it out."""

    # -- construction ----------------------------------------------------------------------

    def _build_toolbar(self) -> QWidget:
        bar = QWidget(self)
        bar.setAccessibleName("Viewer toolbar")
        bl = QHBoxLayout(bar)
        bl.setContentsMargins(6, 3, 6, 3)
        bl.setSpacing(2)
        self.strip_button = tool_button(bar, "sidebar", "Show or hide the page strip", "Page strip",
                                        self._toggle_strip, checkable=True)
        self.strip_button.setChecked(True)
        self.prev_button = tool_button(bar, "up", "Previous page (Page Up)", "Previous page",
                                       lambda: self.go_to_page(self.current_page() - 1))
        self.next_button = tool_button(bar, "down", "Next page (Page Down)", "Next page",
                                       lambda: self.go_to_page(self.current_page() + 1))
        self.page_box = QLineEdit(bar)
        self.page_box.setAccessibleName("Go to page")
        self.page_box.setToolTip("Type a page number or a bundle reference such as C23, then press Enter (Ctrl+L)")
        self.page_box.setPlaceholderText("Page")
        self.page_box.setFixedWidth(self.fontMetrics().horizontalAdvance("MMMM999") + 12)
        self.page_box.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page_box.returnPressed.connect(self._go_typed)
        self.page_label = QLabel(bar)
        self.page_label.setAccessibleName("Page position")
        self.page_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("page 999 of 999"))
        self.zoom_out_button = tool_button(bar, "zoom-out", "Zoom out (Ctrl+−)", "Zoom out", lambda: self.zoom_by(-1))
        self.zoom_box = QComboBox(bar)
        self.zoom_box.setAccessibleName("Zoom")
        self.zoom_box.setToolTip("Zoom (Ctrl+wheel)")
        self.zoom_box.setEditable(True)
        self.zoom_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for label, _value in ZOOM_CHOICES:
            self.zoom_box.addItem(label)
        self.zoom_box.setMinimumContentsLength(8)
        self.zoom_box.activated.connect(lambda i: self._apply_zoom_choice(ZOOM_CHOICES[i][1]))
        self.zoom_box.lineEdit().returnPressed.connect(self._zoom_typed)
        self.zoom_box.lineEdit().setAccessibleName("Zoom percentage")
        self.zoom_in_button = tool_button(bar, "zoom-in", "Zoom in (Ctrl++)", "Zoom in", lambda: self.zoom_by(1))
        self.fit_width_button = tool_button(bar, "fit-width", "Fit width", "Fit width", self.fit_width)
        self.fit_page_button = tool_button(bar, "fit-page", "Fit page", "Fit page", self.fit_page)
        self.find_button = tool_button(bar, "find", "Find in document (Ctrl+F)", "Find in document", self.start_find)
        for w in (self.strip_button, self.prev_button, self.next_button, self.page_box, self.page_label):
            bl.addWidget(w)
        bl.addStretch(1)
        for w in (self.zoom_out_button, self.zoom_box, self.zoom_in_button, self.fit_width_button,
                  self.fit_page_button):
            bl.addWidget(w)
        bl.addSpacing(10)
        bl.addWidget(self.find_button)
        self.toolbar = bar
        return bar

    # -- what the controls do --------------------------------------------------------------

    def _focus_page_box(self) -> None:
        self.page_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.page_box.selectAll()

    def _go_typed(self) -> None:
        text = self.page_box.text().strip()
        ok = self.go_to_reference(text)
        self.canvas.setFocus()
        if not ok and self.model is not None:
            self.page_box.setText(self.model.ref(self.current_page()))

    def _apply_zoom_choice(self, value) -> None:
        if value == "fit-width":
            self.fit_width()
        elif value == "fit-page":
            self.fit_page()
        else:
            self.set_zoom(value)
        self.canvas.setFocus()

    def _zoom_typed(self) -> None:
        text = self.zoom_box.currentText().strip().rstrip("%").strip()
        for label, value in ZOOM_CHOICES:
            if label.lower() == self.zoom_box.currentText().strip().lower():
                return self._apply_zoom_choice(value)
        try:
            self.set_zoom(float(text) / 100)
        except ValueError:
            self._show_zoom()
        self.canvas.setFocus()

    def _show_zoom(self) -> None:
        mode = self.canvas.mode
        label = {"fit-width": "Fit width", "fit-page": "Fit page"}.get(mode, f"{round(self.canvas.zoom * 100)}%")
        self.zoom_box.setEditText(label)
        self.zoom_box.setToolTip(f"Zoom: {round(self.canvas.zoom * 100)}% (Ctrl+wheel)")

    def set_strip_wanted(self, wanted: bool) -> None:
        """Show the page strip or not (a small screen starts without it: the page needs the width)."""
        self.strip_button.setChecked(wanted)
        self._toggle_strip()

    def _toggle_strip(self) -> None:
        self._strip_wanted = self.strip_button.isChecked()
        self.strip.setVisible(self._strip_wanted and self.model is not None and self.model.kind != "image")
