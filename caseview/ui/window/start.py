"""The start screen: the workspace's cases, Open bundle…, Open demo case, drag and drop, recent bundles."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QFont, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QHBoxLayout, QHeaderView, QLabel, QListWidget,
                               QListWidgetItem, QMainWindow, QPushButton, QSizePolicy, QStackedWidget, QTableView,
                               QVBoxLayout, QWidget)

from ...core.snapshot import CaseSummary
from .. import style
from ..dialogs.import_bundle import ask_bundle_path, bundle_from_mime
from ..cards import CardDelegate
from ..models import CasesModel, HtmlRole, IdRole, cases_proxy
from ..recent import RecentBundle
from ..widgets import app_logo


def _label(text: str, role: str | None = None, *, wrap: bool = False) -> QLabel:
    label = QLabel(text)
    if role:
        label.setProperty("role", role)
    label.setWordWrap(wrap)
    return label


class DropZone(QFrame):
    """A visible target for dropping a bundle (the whole window accepts drops; this says so)."""

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAccessibleName("Drop a bundle here to import it")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(style.MARGIN, style.MARGIN, style.MARGIN, style.MARGIN)
        self.label = _label(text, "muted", wrap=True)
        self.label.setAlignment(Qt.AlignCenter)
        lay.addWidget(self.label)

    def set_active(self, active: bool) -> None:
        self.setProperty("active", "true" if active else "false")
        self.style().unpolish(self)
        self.style().polish(self)


class StartWindow(QMainWindow):
    openCaseRequested = Signal(str)  # case id
    importRequested = Signal(object)  # Path of a bundle to import (or open, if already imported)
    demoRequested = Signal()
    aboutRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("CaseView")
        self.setObjectName("startWindow")
        self.setAcceptDrops(True)
        self.model = CasesModel(self)
        self.proxy = cases_proxy(self.model, self)

        root = QWidget()
        outer = QVBoxLayout(root)
        outer.setContentsMargins(style.GAP + 8, style.GAP, style.GAP + 8, style.MARGIN)
        outer.setSpacing(style.GAP)
        outer.addLayout(self._header())

        body = QHBoxLayout()
        body.setSpacing(style.GAP)
        body.addLayout(self._cases_column(), 3)
        body.addWidget(self._side_column(), 1)
        outer.addLayout(body, 1)

        footer = QHBoxLayout()
        self.workspace_label = _label("", "muted")
        self.workspace_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.about_button = QPushButton("About CaseView")
        self.about_button.setFlat(True)
        self.about_button.setAccessibleName("About CaseView: version and licences")
        self.about_button.clicked.connect(self.aboutRequested)
        footer.addWidget(self.workspace_label, 1)
        footer.addWidget(self.about_button)
        outer.addLayout(footer)
        self.setCentralWidget(root)

        quit_action = QAction("Quit", self, shortcut=QKeySequence.Quit)
        quit_action.triggered.connect(self.close)
        open_action = QAction("Open bundle…", self, shortcut=QKeySequence.Open)
        open_action.triggered.connect(self.browse)
        about_action = QAction("About CaseView", self, shortcut=QKeySequence.HelpContents)
        about_action.triggered.connect(self.aboutRequested)
        self.addActions([quit_action, open_action, about_action])
        self.resize(1120, 680)

    # -- layout --------------------------------------------------------------------------

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(style.MARGIN)
        logo = app_logo(48)
        if logo is not None:
            logo.setAccessibleName("CaseView")
            row.addWidget(logo, 0, Qt.AlignTop)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        title = _label("CaseView")
        title.setFont(style.scaled_font(self, 1.9, QFont.Weight.DemiBold))
        subtitle = _label("Independent review of children's services case files", "muted")
        titles.addWidget(title)
        titles.addWidget(subtitle)
        row.addLayout(titles)
        row.addStretch(1)
        self.demo_button = QPushButton("Open demo case")
        self.demo_button.setAccessibleName("Open the fictional demo case")
        self.demo_button.clicked.connect(self.demoRequested)
        self.open_button = QPushButton("Open bundle…")
        self.open_button.setAccessibleName("Open a case bundle file")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.browse)
        for b in (self.demo_button, self.open_button):
            b.setMinimumHeight(34)
            b.setMinimumWidth(140)
            row.addWidget(b, 0, Qt.AlignVCenter)
        return row

    def _cases_column(self) -> QVBoxLayout:
        col = QVBoxLayout()
        col.setSpacing(style.SPACING)
        head = QHBoxLayout()
        heading = _label("Cases in this workspace", "heading")
        heading.setFont(style.scaled_font(self, 1.15))
        head.addWidget(heading)
        head.addStretch(1)
        self.open_case_button = QPushButton("Open case")
        self.open_case_button.setAccessibleName("Open the selected case")
        self.open_case_button.setEnabled(False)
        self.open_case_button.clicked.connect(self._open_selected)
        head.addWidget(self.open_case_button)
        col.addLayout(head)

        self.table = QTableView()
        self.table.setAccessibleName("Cases")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(6, Qt.DescendingOrder)  # most recently opened first
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(34)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        self.table.doubleClicked.connect(self._open_index)
        self.table.activated.connect(self._open_index)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_: self.open_case_button.setEnabled(self.table.selectionModel().hasSelection()))

        self.empty = DropZone("No cases yet.\n\nOpen a bundle (.cvb) from your council, drop one here, "
                              "or try the fictional demo case.")
        self.cases_stack = QStackedWidget()
        self.cases_stack.addWidget(self.empty)
        self.cases_stack.addWidget(self.table)
        col.addWidget(self.cases_stack, 1)
        return col

    def _side_column(self) -> QWidget:
        side = QWidget()
        side.setMinimumWidth(260)
        side.setMaximumWidth(360)
        col = QVBoxLayout(side)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(style.SPACING)
        heading = _label("Recent bundles", "heading")
        heading.setFont(style.scaled_font(self, 1.15))
        col.addWidget(heading)
        self.recent_list = QListWidget()
        self.recent_list.setAccessibleName("Recent bundles")
        self.recent_list.setWordWrap(True)
        self.recent_list.setSpacing(1)
        self.recent_list.setItemDelegate(CardDelegate(self.recent_list))
        self.recent_list.setResizeMode(QListWidget.Adjust)
        self.recent_list.itemActivated.connect(self._open_recent)
        self.recent_list.itemDoubleClicked.connect(self._open_recent)
        self.recent_list.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Expanding)
        self.recent_empty = _label("Bundles you open appear here.", "muted", wrap=True)
        col.addWidget(self.recent_empty)
        col.addWidget(self.recent_list, 1)
        self.drop_zone = DropZone("Drop a .cvb bundle anywhere on this window to import it.")
        col.addWidget(self.drop_zone)
        return side

    # -- data ----------------------------------------------------------------------------

    def set_cases(self, cases: Sequence[CaseSummary]) -> None:
        self.model.set_cases(cases)
        self.cases_stack.setCurrentWidget(self.table if cases else self.empty)
        self.open_case_button.setVisible(bool(cases))
        self._fit_columns()
        if cases and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def _fit_columns(self) -> None:
        header = self.table.horizontalHeader()
        for col in range(self.model.columnCount()):
            if col != 1:
                self.table.resizeColumnToContents(col)
                header.resizeSection(col, header.sectionSize(col) + 24)

    def set_recent(self, bundles: Sequence[RecentBundle]) -> None:
        self.recent_list.clear()
        for b in bundles:
            exists = b.exists
            text = f"{b.reference or b.name}\n{b.name}" if exists else f"{b.name}\nmoved or deleted"
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, b.path)
            item.setData(HtmlRole, f"<b>{html.escape(b.reference or b.name)}</b><br>"
                                   f"<span class='muted'>{html.escape(b.name)}"
                                   f"{' · moved or deleted' if not exists else ''}</span>")
            item.setToolTip(b.path)
            if not exists:
                item.setFlags(item.flags() & ~Qt.ItemIsEnabled)
            self.recent_list.addItem(item)
        self.recent_empty.setVisible(not bundles)
        self.recent_list.setVisible(bool(bundles))

    def set_workspace(self, root: Path | None) -> None:
        self.workspace_label.setText(f"Workspace: {root}" if root else "")

    def selected_case(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(IdRole) if rows else None

    # -- actions -------------------------------------------------------------------------

    def browse(self) -> None:
        path = ask_bundle_path(self)
        if path is not None:
            self.importRequested.emit(path)

    def _open_index(self, index: QModelIndex) -> None:
        case_id = index.data(IdRole)
        if case_id:
            self.openCaseRequested.emit(case_id)

    def _open_selected(self) -> None:
        case_id = self.selected_case()
        if case_id:
            self.openCaseRequested.emit(case_id)

    def _open_recent(self, item: QListWidgetItem) -> None:
        if item.flags() & Qt.ItemIsEnabled:
            self.importRequested.emit(Path(item.data(Qt.UserRole)))

    # -- drag and drop -------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if bundle_from_mime(event.mimeData()) is not None:
            event.acceptProposedAction()
            self.drop_zone.set_active(True)
            self.empty.set_active(True)

    def dragLeaveEvent(self, event) -> None:
        self.drop_zone.set_active(False)
        self.empty.set_active(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self.drop_zone.set_active(False)
        self.empty.set_active(False)
        path = bundle_from_mime(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            self.importRequested.emit(path)
