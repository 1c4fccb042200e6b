"""Edit → Settings…: identities, trusted certificates, the workspace folder, bundle limits."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterable, Sequence

from PySide6.QtCore import QSettings, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QLineEdit, QMessageBox, QPushButton, QSpinBox, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from ...core.bundle import Limits
from ...core.errors import CaseViewError
from ...core.identity import IdentityInfo, export_certificate, format_fingerprint, list_identities
from ...core.settings import Settings, load_settings, save_settings
from ...core.store import Workspace
from ...core.trust import add_trusted
from .. import style, workspace_folder
from .identity_wizard import IdentityWizard, ask_certificate_path, identities_dir, validity_words
from .passphrase import PassphraseDialog
from ..tasks import WorkspaceRunner
from ..widgets import (CERTIFICATE_FILES, ask_open_path, button_row, fingerprint_label, fingerprint_lines, heading,
                      label, message_box, page_layout, set_role)
from ..workspace_folder import WORKSPACE_KEY

__all__ = ["SettingsDialog", "open_settings", "WORKSPACE_KEY", "saved_workspace_folder", "set_saved_workspace_folder",
           "TRUST_ROLES", "MIB", "GIB"]

TRUST_ROLES = (("issuer", "Issuer: signs the case bundles you receive"),
               ("reviewer", "Reviewer: signs review reports"),
               ("moderator", "Moderator: countersigns reports"))
MIB = 1 << 20
GIB = 1 << 30
ROLE_DATA = Qt.UserRole + 1


def _qsettings() -> QSettings:
    return workspace_folder.qsettings()


def saved_workspace_folder() -> Path | None:
    """The workspace folder chosen in Settings, for the app to open at start (None: the default)."""
    return workspace_folder.saved_workspace_folder(_qsettings())


def set_saved_workspace_folder(folder: Path | None) -> None:
    workspace_folder.set_saved_workspace_folder(folder, _qsettings())


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.setSelectionMode(QAbstractItemView.SingleSelection)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setAlternatingRowColors(True)
    t.verticalHeader().hide()
    t.setWordWrap(False)
    h = t.horizontalHeader()
    h.setHighlightSections(False)
    h.setSectionResizeMode(QHeaderView.ResizeToContents)
    h.setStretchLastSection(True)
    return t


def _cell(text: str, data=None, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if data is not None:
        item.setData(ROLE_DATA, data)
    if tip:
        item.setToolTip(tip)
    return item


def _fingerprint_cell(fingerprint: str) -> QTableWidgetItem:
    """The first four groups, enough to tell rows apart; the whole fingerprint in the tooltip."""
    return _cell(format_fingerprint(fingerprint)[:19] + " …", tip=fingerprint)


def _fill(table: QTableWidget, rows: Iterable[Sequence[QTableWidgetItem]]) -> None:
    table.setRowCount(0)
    for cells in rows:
        r = table.rowCount()
        table.insertRow(r)
        for column, item in enumerate(cells):
            table.setItem(r, column, item)


def _confirm(parent: QWidget, title: str, text: str, info: str, action: str, on_yes) -> QMessageBox:
    box = message_box(parent, QMessageBox.Warning, title, text, info)
    yes = box.addButton(action, QMessageBox.DestructiveRole)
    box.addButton(QMessageBox.Cancel)
    box.setDefaultButton(QMessageBox.Cancel)
    box.finished.connect(lambda _r: on_yes() if box.clickedButton() is yes else None)
    box.open()
    return box


def _remove_identity_job(info: IdentityInfo):
    def job(ws: Workspace) -> None:
        folder = identities_dir(ws).resolve()
        for p in (info.path, info.path.with_suffix(".pem")):
            p = Path(p).resolve()
            if p.parent != folder:  # only ever delete inside the workspace's identity folder
                raise CaseViewError(f"{p} is not in the workspace's identity folder; it was not removed.")
            try:
                p.unlink(missing_ok=True)
            except OSError as exc:
                raise CaseViewError(f"{p.name} could not be removed ({exc.strerror or exc}).") from None
    return job


class SettingsDialog(QDialog):
    """Four tabs; each change applies at once except the limits, which have their own Save."""

    identitiesChanged = Signal()
    trustChanged = Signal()
    limitsSaved = Signal(object)  # Settings

    def __init__(self, runner: WorkspaceRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.identities: list[IdentityInfo] = []
        self.trust: list[dict] = []
        self.settings: Settings | None = None
        self.wizard: IdentityWizard | None = None
        self.passphrase_dialog: PassphraseDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.setWindowTitle("Settings")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(style.MARGIN, style.MARGIN, style.MARGIN, style.MARGIN)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._identities_tab(), "Identities")
        self.tabs.addTab(self._trust_tab(), "Trusted certificates")
        self.tabs.addTab(self._workspace_tab(), "Workspace folder")
        self.tabs.addTab(self._limits_tab(), "Bundle limits")
        lay.addWidget(self.tabs, 1)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        lay.addLayout(button_row(close))
        self.resize(780, 540)
        self.refresh()

    def refresh(self) -> None:
        self.refresh_identities()
        self.refresh_trust()
        self.runner.submit(lambda ws: (ws.root, load_settings(ws.root)), self._loaded, self._settings_failed)

    @staticmethod
    def _tab(intro: str) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        lay = page_layout(page, style.MARGIN)
        lay.addWidget(label(intro, "muted"))
        return page, lay

    # -- identities ------------------------------------------------------------------------

    def _identities_tab(self) -> QWidget:
        page, lay = self._tab("Your reviewer identities in this workspace. Each is a certificate and a private key "
                              "locked with its passphrase.")
        self.id_table = _table(["Name", "Organisation", "Fingerprint", "Validity"])
        self.id_table.setAccessibleName("Identities")
        self.id_table.itemSelectionChanged.connect(self._id_selected)
        lay.addWidget(self.id_table, 1)
        self.id_fp = fingerprint_label()
        lay.addWidget(self.id_fp)
        self.id_status = label("", "muted", selectable=True)
        lay.addWidget(self.id_status)
        row = QHBoxLayout()
        create = QPushButton("Create…")
        create.clicked.connect(lambda: self._open_wizard("create"))
        imp = QPushButton("Import .p12…")
        imp.clicked.connect(lambda: self._open_wizard("import"))
        self.export_button = QPushButton("Export certificate…")
        self.export_button.clicked.connect(self.export_selected)
        self.remove_id_button = QPushButton("Remove from workspace…")
        self.remove_id_button.clicked.connect(self.remove_selected_identity)
        for b in (create, imp, self.export_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.remove_id_button)
        lay.addLayout(row)
        self._id_selected()
        return page

    def refresh_identities(self) -> None:
        self.runner.submit(lambda ws: list_identities(identities_dir(ws)), self._set_identities,
                           lambda e: self.id_status.setText(str(e)))

    def _set_identities(self, identities: list[IdentityInfo]) -> None:
        self.identities = list(identities)
        _fill(self.id_table, ((_cell(info.name, info, info.email), _cell(info.organisation),
                               _fingerprint_cell(info.fingerprint), _cell(validity_words(info)[0]))
                              for info in self.identities))
        if not self.identities:
            self.id_status.setText("No identity yet. Create one, or import the .p12 file your organisation gave you.")
        self._id_selected()

    def selected_identity(self) -> IdentityInfo | None:
        rows = self.id_table.selectionModel().selectedRows()
        return self.id_table.item(rows[0].row(), 0).data(ROLE_DATA) if rows else None

    def _id_selected(self) -> None:
        info = self.selected_identity()
        self.export_button.setEnabled(info is not None)
        self.remove_id_button.setEnabled(info is not None)
        self.id_fp.setText(f"Fingerprint of {info.name}:\n{fingerprint_lines(info.fingerprint)}" if info else "")

    def _open_wizard(self, start: str) -> None:
        self.wizard = IdentityWizard(self.runner, start=start, parent=self)
        self.wizard.identitiesChanged.connect(self.refresh_identities)
        self.wizard.identitiesChanged.connect(self.identitiesChanged)
        self.wizard.open()

    def export_selected(self) -> None:
        info = self.selected_identity()
        if info is None:
            return
        out = ask_certificate_path(self, info.name)
        if out is None:
            return
        self.passphrase_dialog = PassphraseDialog(
            self.runner, info, title="Export certificate", action="Export",
            purpose=f"Enter the passphrase of this identity to export its certificate to {out}.",
            job=lambda _ws, pw: export_certificate(info.path, pw, out, overwrite=True), parent=self)
        self.passphrase_dialog.succeeded.connect(lambda _i: self.id_status.setText(f"Certificate saved to {out}"))
        self.passphrase_dialog.open()

    def remove_selected_identity(self) -> None:
        info = self.selected_identity()
        if info is None:
            return

        def remove() -> None:
            def done(_none) -> None:
                self.id_status.setText(f"Removed the identity of {info.name} from this workspace.")
                self.refresh_identities()
                self.identitiesChanged.emit()
            self.runner.submit(_remove_identity_job(info), done, lambda e: self.id_status.setText(str(e)))

        self.confirm_box = _confirm(
            self, "Remove identity", f"Remove the identity of {info.name} from this workspace?",
            "Its private key is deleted from the workspace, so it can no longer sign here. Reports it already signed "
            "stay valid. Keep a copy of the .p12 file if you may need it again.", "Remove", remove)

    # -- trust ---------------------------------------------------------------------------

    def _trust_tab(self) -> QWidget:
        page, lay = self._tab("A signature counts as trusted only if its certificate is on this list. Add a "
                              "certificate only after checking its fingerprint with its owner.")
        self.trust_table = _table(["Subject", "Role", "Fingerprint", "Added"])
        self.trust_table.setAccessibleName("Trusted certificates")
        self.trust_table.itemSelectionChanged.connect(
            lambda: self.remove_trust_button.setEnabled(bool(self.trust_table.selectionModel().selectedRows())))
        lay.addWidget(self.trust_table, 1)
        self.trust_status = label("", "muted", selectable=True)
        lay.addWidget(self.trust_status)
        row = QHBoxLayout()
        row.addWidget(label("Role:", wrap=False))
        self.role = QComboBox()
        self.role.setAccessibleName("Role of the certificate to add")
        for key, text in TRUST_ROLES:
            self.role.addItem(text, key)
        row.addWidget(self.role)
        add = QPushButton("Add certificate…")
        add.clicked.connect(self.add_certificate)
        row.addWidget(add)
        row.addStretch(1)
        self.remove_trust_button = QPushButton("Remove…")
        self.remove_trust_button.setEnabled(False)
        self.remove_trust_button.clicked.connect(self.remove_selected_trust)
        row.addWidget(self.remove_trust_button)
        lay.addLayout(row)
        return page

    def refresh_trust(self) -> None:
        self.runner.submit(lambda ws: ws.trust_list(), self._set_trust, lambda e: self.trust_status.setText(str(e)))

    def _set_trust(self, rows: list[dict]) -> None:
        self.trust = list(rows)
        _fill(self.trust_table, ((_cell(entry["subject"], entry), _cell(entry["role"]),
                                  _fingerprint_cell(entry["fingerprint"]), _cell(str(entry["added"])[:10]))
                                 for entry in self.trust))
        if not self.trust:
            self.trust_status.setText("The trust list is empty: every signature will show as not trusted.")
        self.remove_trust_button.setEnabled(bool(self.trust_table.selectionModel().selectedRows()))

    def add_certificate(self, path: Path | None = None) -> None:
        if not path:
            chosen = ask_open_path(self, "Add a trusted certificate", CERTIFICATE_FILES)
            if not chosen:
                return
            path = Path(chosen)
        role = self.role.currentData()

        def done(entry: dict) -> None:
            self.trust_status.setText(f"Trusted {entry['subject']} as {entry['role']}. Fingerprint:\n"
                                      f"{fingerprint_lines(entry['fingerprint'])}")
            self.refresh_trust()
            self.trustChanged.emit()

        self.runner.submit(lambda ws: add_trusted(ws, Path(path), role=role), done,
                           lambda e: self.trust_status.setText(str(e)))

    def remove_selected_trust(self) -> None:
        rows = self.trust_table.selectionModel().selectedRows()
        if not rows:
            return
        entry = self.trust_table.item(rows[0].row(), 0).data(ROLE_DATA)
        fp = entry["fingerprint"]

        def remove() -> None:
            def done(_removed) -> None:
                self.trust_status.setText(f"{entry['subject']} is no longer trusted.")
                self.refresh_trust()
                self.trustChanged.emit()
            self.runner.submit(lambda ws: ws.trust_remove(fp), done, lambda e: self.trust_status.setText(str(e)))

        self.confirm_box = _confirm(
            self, "Remove trusted certificate", f"Stop trusting {entry['subject']} ({entry['role']})?",
            "Reports signed with this certificate will show as “not trusted” from now on.", "Remove", remove)

    # -- workspace folder -----------------------------------------------------------------

    def _workspace_tab(self) -> QWidget:
        page, lay = self._tab("The workspace holds your cases, reviews, identities and trust list. Keep it on an "
                              "encrypted disk your organisation approves.")
        lay.addSpacing(style.SPACING)
        row = QHBoxLayout()
        self.ws_path = QLineEdit()
        self.ws_path.setReadOnly(True)
        self.ws_path.setAccessibleName("Workspace folder")
        row.addWidget(self.ws_path, 1)
        open_button = QPushButton("Open folder")
        open_button.clicked.connect(self.open_workspace_folder)
        row.addWidget(open_button)
        lay.addWidget(heading(self, "This workspace", 1.0))
        lay.addLayout(row)
        lay.addSpacing(style.GAP)
        lay.addWidget(heading(self, "Use another folder", 1.0))
        lay.addWidget(label("CaseView opens the folder you choose the next time it starts. Nothing is moved or copied; "
                            "an empty folder becomes a new workspace.", "muted"))
        row2 = QHBoxLayout()
        change = QPushButton("Choose folder…")
        change.clicked.connect(self.choose_workspace_folder)
        reset = QPushButton("Use the default folder")
        reset.clicked.connect(lambda: self._set_next_workspace(None))
        row2.addWidget(change)
        row2.addWidget(reset)
        row2.addStretch(1)
        lay.addLayout(row2)
        self.ws_next = label("", selectable=True)
        lay.addWidget(self.ws_next)
        lay.addStretch(1)
        self._show_next_workspace()
        return page

    def open_workspace_folder(self) -> bool:
        text = self.ws_path.text()
        return bool(text) and QDesktopServices.openUrl(QUrl.fromLocalFile(text))

    def choose_workspace_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Workspace folder", self.ws_path.text() or str(Path.home()))
        if chosen:
            self._set_next_workspace(Path(chosen))

    def _set_next_workspace(self, folder: Path | None) -> None:
        set_saved_workspace_folder(folder)
        self._show_next_workspace()

    def _show_next_workspace(self) -> None:
        saved = saved_workspace_folder()
        current = self.ws_path.text()
        if saved is None:
            self.ws_next.setText("At the next start: the default folder (or CASEVIEW_WORKSPACE, when set).")
        elif current and Path(current) == saved:
            self.ws_next.setText("At the next start: this folder.")
        else:
            self.ws_next.setText(f"At the next start: {saved}\n(Restart CaseView for the change to take effect.)")

    # -- limits --------------------------------------------------------------------------

    def _limits_tab(self) -> QWidget:
        page, lay = self._tab("CaseView refuses a bundle beyond these limits before unpacking it. Raise them only "
                              "for a bundle you expect to be that large.")
        lay.addSpacing(style.SPACING)
        form = QFormLayout()
        form.setHorizontalSpacing(style.MARGIN)
        form.setFieldGrowthPolicy(QFormLayout.FieldsStayAtSizeHint)

        def spin(maximum: int, suffix: str, name: str) -> QSpinBox:
            s = QSpinBox()
            s.setRange(1, maximum)
            s.setSuffix(suffix)
            s.setGroupSeparatorShown(True)
            s.setAccessibleName(name)
            s.setMinimumWidth(220)
            s.valueChanged.connect(self._limits_edited)
            return s

        self.max_documents = spin(10_000_000, " documents", "Most documents in a bundle")
        self.max_document = spin(1 << 20, " MiB", "Largest document")
        self.max_total = spin(1 << 14, " GiB", "Largest bundle, unpacked")
        self.max_ratio = spin(100_000, " : 1", "Highest compression ratio")
        form.addRow("Most documents in a bundle:", self.max_documents)
        form.addRow("Largest document:", self.max_document)
        form.addRow("Largest bundle, unpacked:", self.max_total)
        form.addRow("Highest compression ratio:", self.max_ratio)
        lay.addLayout(form)
        lay.addWidget(label("The compression ratio guards against a small file that unpacks into a huge one "
                            "(a “zip bomb”).", "muted"))
        self.limits_error = label("", "warning")
        lay.addWidget(self.limits_error)
        lay.addStretch(1)
        row = QHBoxLayout()
        defaults = QPushButton("Restore defaults")
        defaults.clicked.connect(lambda: self._show_limits(Limits()))
        row.addWidget(defaults)
        row.addStretch(1)
        self.save_limits_button = QPushButton("Save limits")
        self.save_limits_button.clicked.connect(self.save_limits)
        row.addWidget(self.save_limits_button)
        lay.addLayout(row)
        return page

    def _loaded(self, loaded) -> None:
        root, settings = loaded
        self.ws_path.setText(str(root))
        self._show_next_workspace()
        self.settings = settings
        self._show_limits(settings.limits)

    def _settings_failed(self, error: CaseViewError) -> None:
        self.ws_path.setText(str(self.runner.root or ""))
        self.settings = None
        self._show_limits(Limits())
        self._set_limits_message(str(error))
        self.save_limits_button.setEnabled(False)

    def _show_limits(self, limits: Limits) -> None:
        self._shown = limits
        self.max_documents.setValue(limits.max_documents)
        self.max_document.setValue(max(1, round(limits.max_document_bytes / MIB)))
        self.max_total.setValue(max(1, round(limits.max_total_bytes / GIB)))
        self.max_ratio.setValue(limits.max_ratio)
        self._limits_edited()

    def limits_from_form(self) -> Limits:
        """The form's limits; a value left as shown keeps its exact bytes (a limit need not be whole MiB)."""
        base = self._shown
        doc = base.max_document_bytes if self.max_document.value() == round(base.max_document_bytes / MIB) \
            else self.max_document.value() * MIB
        total = base.max_total_bytes if self.max_total.value() == round(base.max_total_bytes / GIB) \
            else self.max_total.value() * GIB
        return replace(base, max_documents=self.max_documents.value(), max_document_bytes=doc,
                       max_total_bytes=total, max_ratio=self.max_ratio.value())

    def limit_problem(self) -> str | None:
        limits = self.limits_from_form()
        if limits.max_document_bytes > limits.max_total_bytes:
            return "The largest document cannot be larger than the largest bundle."
        return None

    def _set_limits_message(self, text: str, role: str = "warning") -> None:
        self.limits_error.setText(text)
        set_role(self.limits_error, role)

    def _limits_edited(self, *_args) -> None:
        if not hasattr(self, "_shown"):
            return
        problem = self.limit_problem()
        self._set_limits_message(problem or "")
        self.save_limits_button.setEnabled(problem is None and self.settings is not None)

    def save_limits(self) -> None:
        if self.limit_problem() or self.settings is None:
            return
        settings = replace(self.settings, limits=self.limits_from_form())

        def done(_none) -> None:
            self.settings = settings
            self._show_limits(settings.limits)
            self._set_limits_message("Saved. New imports use these limits.", "muted")
            self.limitsSaved.emit(settings)

        self.runner.submit(lambda ws: save_settings(ws.root, settings), done,
                           lambda e: self._set_limits_message(str(e)))


def open_settings(parent: QWidget | None, runner: WorkspaceRunner, tab: int = 0) -> SettingsDialog:
    """Edit → Settings…: a window-modal dialog, shown with ``open()``."""
    dialog = SettingsDialog(runner, parent)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.tabs.setCurrentIndex(tab)
    dialog.open()
    return dialog
