"""Reviewer identities in the app: choose, create or import one, and export its certificate."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QFileDialog, QFormLayout, QFrame, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QProgressBar, QPushButton, QStackedWidget, QVBoxLayout,
                               QWidget)

from ...core.errors import CaseViewError
from ...core.identity import (MIN_PASSPHRASE_LENGTH, IdentityInfo, create_identity, export_certificate,
                             format_fingerprint, import_identity, list_identities)
from ...core.store import Workspace
from .. import style
from ..tasks import WorkspaceRunner
from ..widgets import (ask_open_path, busy_bar, button_row, card, chooser_row, documents_folder, fingerprint_label,
                      fingerprint_lines, heading, human_date, label, page_layout, set_role)

__all__ = ["IdentityWizard", "passphrase_hint", "validity_words", "identities_dir", "ask_certificate_path"]

ROLE_INFO = Qt.UserRole + 1
STRENGTH_COLOURS = {"empty": "#c9ced6", "short": "#c62828", "weak": "#c62828", "fair": "#d98a04",
                    "strong": "#1f8a4c"}


# ---------------------------------------------------------------- words and small pieces


def identities_dir(ws: Workspace) -> Path:
    return ws.identities_dir


def passphrase_hint(passphrase: str) -> tuple[str, str]:
    """(level, sentence) for a passphrase: level is "empty", "short", "weak", "fair" or "strong"."""
    n = len(passphrase)
    if n == 0:
        return "empty", (f"At least {MIN_PASSPHRASE_LENGTH} characters. A few unrelated words make a passphrase "
                         "that is strong and easy to remember.")
    if n < MIN_PASSPHRASE_LENGTH:
        return "short", f"Too short: {n} of at least {MIN_PASSPHRASE_LENGTH} characters."
    kinds = sum(bool(re.search(p, passphrase)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    distinct = len(set(passphrase.lower()))
    if distinct <= 3:
        return "weak", "Weak: it repeats the same few characters. Use words or a mix of characters."
    if n >= 20 or (n >= 14 and kinds >= 2):
        return "strong", "Strong: long and varied. Keep it somewhere safe; CaseView never stores it."
    if n >= 12 or kinds >= 3:
        return "fair", "Fair: a little longer would be stronger. Adding another word is the easiest way."
    return "weak", "Weak: use more characters, or add words, numbers or symbols."


def validity_words(info: IdentityInfo, now: datetime | None = None) -> tuple[str, bool]:
    """("Valid until 25 November 2029", usable) in words, and whether it can sign now."""
    now = now or datetime.now(UTC)
    if now < info.not_before:
        return f"Not valid until {human_date(info.not_before)}", False
    if now > info.not_after:
        return f"Expired on {human_date(info.not_after)}", False
    return f"Valid until {human_date(info.not_after)}", True


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:40] or "identity"


def ask_certificate_path(parent: QWidget | None, name: str) -> Path | None:
    """The save dialog for exporting a certificate; the suggested name carries the reviewer's name only."""
    suggested = documents_folder() / f"{name or 'Reviewer'} certificate.pem"
    chosen, _ = QFileDialog.getSaveFileName(parent, "Export certificate", str(suggested),
                                            "Certificate (*.pem);;All files (*)")
    if not chosen:
        return None
    out = Path(chosen)
    return out if out.suffix.lower() in (".pem", ".crt", ".cer") else out.with_name(out.name + ".pem")


def _identity_card() -> tuple[QFrame, QLabel, QLabel, QLabel, QLabel]:
    """The card of one identity: (frame, name, email, fingerprint, validity)."""
    frame, form = card()
    who, email, fp, valid = label(selectable=True), label(selectable=True), fingerprint_label(), label()
    for caption, w in (("Name:", who), ("Email:", email), ("Fingerprint:", fp), ("Validity:", valid)):
        form.addRow(caption, w)
    return frame, who, email, fp, valid


def _show_identity(info: IdentityInfo, who: QLabel, email: QLabel, fp: QLabel) -> None:
    who.setText(", ".join(p for p in (info.name, info.organisation) if p))
    email.setText(info.email or "—")
    fp.setText(fingerprint_lines(info.fingerprint))


# ---------------------------------------------------------------- jobs (run on the workspace thread)


def _create_job(name: str, organisation: str, email: str, passphrase: str,
                registration: str = "") -> Callable[[Workspace], IdentityInfo]:
    def job(ws: Workspace) -> IdentityInfo:
        folder = identities_dir(ws)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        out = folder / f"{_slug(name)}-{stamp}.p12"
        n = 2
        while out.exists() or out.with_suffix(".pem").exists():
            out, n = folder / f"{_slug(name)}-{stamp}-{n}.p12", n + 1
        return create_identity(out, name=name, organisation=organisation, email=email, passphrase=passphrase,
                               write_cert_pem=True, registration=registration)
    return job


# ---------------------------------------------------------------- the wizard


class IdentityWizard(QDialog):
    """A short stepped dialog: choose an identity, or create one, or import a .p12; then export its certificate.

    ``start`` is "choose" (for signing: the list first), "create" or "import" (from Settings).
    :attr:`identityChosen` carries the :class:`IdentityInfo` the reviewer picked or made;
    :attr:`identitiesChanged` fires after a create or import, so lists elsewhere refresh.
    """

    identityChosen = Signal(object)
    identitiesChanged = Signal()

    CHOOSE, CREATE, IMPORT, READY = range(4)

    def __init__(self, runner: WorkspaceRunner, *, start: str = "choose", purpose: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.start_mode = start
        self.purpose = purpose
        self.identities: list[IdentityInfo] = []
        self.made: IdentityInfo | None = None
        self._made_passphrase = ""  # only for "Export certificate" on the last step; cleared when the dialog closes
        self.setWindowTitle("Reviewer identity")
        self.setWindowModality(Qt.WindowModal)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._choose_page())
        self.stack.addWidget(self._create_page())
        self.stack.addWidget(self._import_page())
        self.stack.addWidget(self._ready_page())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(style.GAP, style.GAP, style.GAP, style.MARGIN)
        lay.addWidget(self.stack)
        self.resize(640, 560)
        if start == "create":
            self.show_page(self.CREATE)
        elif start == "import":
            self.show_page(self.IMPORT)
        else:
            self.show_page(self.CHOOSE)
        self.refresh()

    # -- pages -----------------------------------------------------------------------

    def _page(self, title: str, intro: str) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        lay = page_layout(page)
        lay.addWidget(heading(self, title))
        lay.addWidget(label(intro, "muted"))
        return page, lay

    @staticmethod
    def _form() -> QFormLayout:
        form = QFormLayout()
        form.setSpacing(style.SPACING)
        form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        return form

    def _choose_page(self) -> QWidget:
        page, lay = self._page("Choose your identity", self.purpose or "Your identity is the certificate your "
                               "signature carries: your name, organisation and a fingerprint a recipient can check.")
        self.list = QListWidget()
        self.list.setAccessibleName("Identities in this workspace")
        self.list.setSelectionMode(QAbstractItemView.SingleSelection)
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(2)
        self.list.currentItemChanged.connect(self._selection_changed)
        self.list.itemDoubleClicked.connect(lambda _i: self._use_selected())
        lay.addWidget(self.list, 1)
        self.empty = label("There is no identity in this workspace yet. Create one, or import the .p12 file your "
                           "organisation gave you.", "muted")
        lay.addWidget(self.empty)
        self.details, self.d_who, self.d_email, self.d_fp, self.d_valid = _identity_card()
        lay.addWidget(self.details)
        self.new_button = QPushButton("Create a new identity…")
        self.new_button.clicked.connect(lambda: self.show_page(self.CREATE))
        self.import_button = QPushButton("Import a .p12 file…")
        self.import_button.clicked.connect(lambda: self.show_page(self.IMPORT))
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.use_button = QPushButton("Use this identity")
        self.use_button.setDefault(True)
        self.use_button.clicked.connect(self._use_selected)
        lay.addSpacing(style.SPACING)
        lay.addLayout(button_row(cancel, self.use_button, left=(self.new_button, self.import_button)))
        return page

    def _create_page(self) -> QWidget:
        page, lay = self._page("Create an identity", "CaseView makes a certificate in your name and keeps its private "
                               "key in your workspace, locked with a passphrase. The passphrase is never stored: if "
                               "you forget it, create a new identity.")
        lay.addSpacing(style.SPACING)
        form = self._form()
        self.c_name = QLineEdit()
        self.c_name.setPlaceholderText("as it should appear on your reports")
        self.c_org = QLineEdit()
        self.c_email = QLineEdit()
        self.c_email.setPlaceholderText("name@organisation.org.uk")
        self.c_reg = QLineEdit()
        self.c_reg.setPlaceholderText("optional, e.g. Social Work England SW123456")
        self.c_reg.setMaxLength(64)
        self.c_pass = QLineEdit()
        self.c_pass.setEchoMode(QLineEdit.Password)
        self.c_pass2 = QLineEdit()
        self.c_pass2.setEchoMode(QLineEdit.Password)
        for w, name in ((self.c_name, "Full name"), (self.c_org, "Organisation"), (self.c_email, "Email"),
                        (self.c_reg, "Professional registration"),
                        (self.c_pass, "Passphrase"), (self.c_pass2, "Repeat the passphrase")):
            w.setAccessibleName(name)
            w.textEdited.connect(self._create_edited)
        form.addRow("Full name:", self.c_name)
        form.addRow("Organisation:", self.c_org)
        form.addRow("Email:", self.c_email)
        form.addRow("Registration:", self.c_reg)
        form.addRow("Passphrase:", self.c_pass)
        self.strength = QProgressBar()
        self.strength.setRange(0, 4)
        self.strength.setTextVisible(False)
        self.strength.setMaximumHeight(6)
        self.strength.setAccessibleName("Passphrase strength")
        self.hint = label("", "muted")
        hint_box = QVBoxLayout()
        hint_box.setSpacing(4)
        hint_box.addWidget(self.strength)
        hint_box.addWidget(self.hint)
        form.addRow("", hint_box)
        form.addRow("Repeat it:", self.c_pass2)
        self.mismatch = label("", "warning", wrap=False)
        form.addRow("", self.mismatch)
        lay.addLayout(form)
        self.c_error = label("", "warning")
        self.c_error.setAccessibleName("Problem")
        lay.addWidget(self.c_error)
        self.c_busy = busy_bar()
        lay.addWidget(self.c_busy)
        lay.addStretch(1)
        self.c_back = QPushButton("Back")
        self.c_back.clicked.connect(self._back)
        self.c_cancel = QPushButton("Cancel")
        self.c_cancel.clicked.connect(self.reject)
        self.create_button = QPushButton("Create identity")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create)
        lay.addLayout(button_row(self.c_cancel, self.create_button, left=(self.c_back,)))
        self._create_edited()
        return page

    def _import_page(self) -> QWidget:
        page, lay = self._page("Import an identity", "If your organisation issued you a certificate, it gave you a "
                               ".p12 (or .pfx) file and its passphrase. CaseView copies the file into your workspace "
                               "as it is.")
        lay.addSpacing(style.SPACING)
        form = self._form()
        self.i_file = QLineEdit()
        self.i_file.setAccessibleName("Identity file")
        self.i_file.setPlaceholderText("the .p12 file")
        self.i_file.textChanged.connect(self._import_edited)
        form.addRow("File:", chooser_row(self.i_file, self._browse_p12))
        self.i_pass = QLineEdit()
        self.i_pass.setEchoMode(QLineEdit.Password)
        self.i_pass.setAccessibleName("Passphrase of the file")
        self.i_pass.textChanged.connect(self._import_edited)
        self.i_pass.returnPressed.connect(self.import_file)
        form.addRow("Passphrase:", self.i_pass)
        lay.addLayout(form)
        self.i_error = label("", "warning")
        lay.addWidget(self.i_error)
        self.i_busy = busy_bar()
        lay.addWidget(self.i_busy)
        lay.addStretch(1)
        self.i_back = QPushButton("Back")
        self.i_back.clicked.connect(self._back)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.import_ok = QPushButton("Import")
        self.import_ok.setDefault(True)
        self.import_ok.setEnabled(False)
        self.import_ok.clicked.connect(self.import_file)
        lay.addLayout(button_row(cancel, self.import_ok, left=(self.i_back,)))
        return page

    def _ready_page(self) -> QWidget:
        page = QWidget()
        lay = page_layout(page)
        self.r_title = heading(self, "Your identity is ready")
        lay.addWidget(self.r_title)
        details, self.r_who, self.r_email, self.r_fp, self.r_valid = _identity_card()
        lay.addWidget(details)
        lay.addSpacing(style.SPACING)
        lay.addWidget(label("Send your certificate to whoever will check your reports (the commissioner, a moderator) "
                            "so that they can add it to their trust list. The certificate holds no secret; your "
                            "private key never leaves the workspace.", "muted"))
        self.export_button = QPushButton("Export certificate…")
        self.export_button.clicked.connect(self.export)
        lay.addLayout(button_row(left=(self.export_button,)))
        self.r_status = label("", "muted", selectable=True)
        lay.addWidget(self.r_status)
        lay.addStretch(1)
        self.finish_button = QPushButton("Use this identity" if self.start_mode == "choose" else "Done")
        self.finish_button.setDefault(True)
        self.finish_button.clicked.connect(self._finish)
        lay.addLayout(button_row(self.finish_button))
        return page

    # -- navigation ----------------------------------------------------------------------

    def show_page(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        back_visible = self.start_mode == "choose"
        self.c_back.setVisible(back_visible)
        self.i_back.setVisible(back_visible)
        titles = {self.CHOOSE: "Reviewer identity", self.CREATE: "Create an identity",
                  self.IMPORT: "Import an identity", self.READY: "Identity ready"}
        self.setWindowTitle(titles[index])
        focus = {self.CHOOSE: self.list, self.CREATE: self.c_name, self.IMPORT: self.i_file,
                 self.READY: self.finish_button}[index]
        focus.setFocus()

    def _back(self) -> None:
        self.show_page(self.CHOOSE)

    def refresh(self) -> None:
        self.runner.submit(lambda ws: list_identities(identities_dir(ws)), self.set_identities,
                           lambda e: self.empty.setText(str(e)))

    def set_identities(self, identities: list[IdentityInfo]) -> None:
        self.identities = list(identities)
        self.list.clear()
        for info in self.identities:
            validity, usable = validity_words(info)
            text = f"{info.name} — {info.organisation}\n{validity}   ·   {format_fingerprint(info.fingerprint)[:19]}…"
            item = QListWidgetItem(text)
            item.setData(ROLE_INFO, info)
            if not usable:
                item.setForeground(self.palette().placeholderText())
            self.list.addItem(item)
        has = bool(self.identities)
        self.empty.setVisible(not has)
        self.list.setVisible(has)
        self.details.setVisible(has)
        if has:
            usable_rows = [i for i, info in enumerate(self.identities) if validity_words(info)[1]]
            self.list.setCurrentRow(usable_rows[-1] if usable_rows else 0)
        self._selection_changed()
        if not has and self.start_mode == "choose" and self.stack.currentIndex() == self.CHOOSE:
            self.show_page(self.CREATE)

    def selected(self) -> IdentityInfo | None:
        item = self.list.currentItem()
        return item.data(ROLE_INFO) if item is not None else None

    def select_fingerprint(self, fingerprint: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(ROLE_INFO).fingerprint == fingerprint:
                self.list.setCurrentRow(row)

    def _selection_changed(self, *_args) -> None:
        info = self.selected()
        usable = False
        if info is not None:
            validity, usable = validity_words(info)
            _show_identity(info, self.d_who, self.d_email, self.d_fp)
            self.d_valid.setText(validity if usable else f"{validity}: it cannot sign.")
            set_role(self.d_valid, None if usable else "warning")
        self.use_button.setEnabled(usable)

    def _use_selected(self) -> None:
        info = self.selected()
        if info is not None and validity_words(info)[1]:
            self._chosen(info)

    def _chosen(self, info: IdentityInfo) -> None:
        self.accept()
        self.identityChosen.emit(info)

    def _finish(self) -> None:
        if self.made is not None:
            self._chosen(self.made)
        else:
            self.accept()

    def reject(self) -> None:
        if self.c_busy.isVisibleTo(self) or self.i_busy.isVisibleTo(self):
            return  # the identity is being written; closing now would leave the reviewer unsure whether it exists
        super().reject()

    def done(self, result: int) -> None:
        self._made_passphrase = ""
        for field in (self.c_pass, self.c_pass2, self.i_pass):
            field.clear()
        super().done(result)

    # -- create ------------------------------------------------------------------------

    def _create_edited(self, *_args) -> None:
        level, sentence = passphrase_hint(self.c_pass.text())
        self.hint.setText(sentence)
        self.strength.setValue({"empty": 0, "short": 1, "weak": 1, "fair": 3, "strong": 4}[level])
        colour = STRENGTH_COLOURS[level]
        self.strength.setStyleSheet(f"QProgressBar {{ border: none; border-radius: 3px; }} "
                                    f"QProgressBar::chunk {{ background: {colour}; border-radius: 3px; }}")
        p1, p2 = self.c_pass.text(), self.c_pass2.text()
        self.mismatch.setText("The two passphrases are not the same." if p2 and p1 != p2 and not p1.startswith(p2)
                              else "")
        self.mismatch.setVisible(bool(self.mismatch.text()))
        self.c_error.hide()

    def create_problems(self) -> list[tuple[QLineEdit, str]]:
        """What stops the form being submitted, in form order, each with its field."""
        out: list[tuple[QLineEdit, str]] = []
        if not self.c_name.text().strip():
            out.append((self.c_name, "Enter your name as it should appear on your reports."))
        if not self.c_org.text().strip():
            out.append((self.c_org, "Enter your organisation."))
        email = self.c_email.text().strip()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", email):
            out.append((self.c_email, "Enter your email address (name@organisation)."))
        if len(self.c_pass.text()) < MIN_PASSPHRASE_LENGTH:
            out.append((self.c_pass, f"Choose a passphrase of at least {MIN_PASSPHRASE_LENGTH} characters."))
        elif self.c_pass.text() != self.c_pass2.text():
            out.append((self.c_pass2, "The two passphrases are not the same; type the passphrase again."))
        return out

    def create(self) -> None:
        problems = self.create_problems()
        if problems:
            field, sentence = problems[0]
            self.c_error.setText(sentence)
            self.c_error.show()
            field.setFocus()
            if field is self.c_pass2:
                self.c_pass2.clear()
            return
        passphrase = self.c_pass.text()
        self._set_creating(True)
        job = _create_job(self.c_name.text(), self.c_org.text(), self.c_email.text(), passphrase,
                          self.c_reg.text())

        def done(info: IdentityInfo) -> None:
            self._set_creating(False)
            self._made_passphrase = passphrase
            self.c_pass.clear()
            self.c_pass2.clear()
            self._made(info, "Your identity is ready")

        def failed(error: CaseViewError) -> None:
            self._set_creating(False)
            self.c_error.setText(str(error))
            self.c_error.show()

        self.runner.submit(job, done, failed)

    def _set_creating(self, busy: bool) -> None:
        self.c_busy.setVisible(busy)
        for w in (self.c_name, self.c_org, self.c_email, self.c_reg, self.c_pass, self.c_pass2, self.create_button, self.c_back,
                  self.c_cancel):
            w.setEnabled(not busy)
        if busy:
            self.c_error.setText("Creating your identity; this takes a moment…")
        self.c_error.setVisible(busy)
        set_role(self.c_error, "muted" if busy else "warning")

    def _made(self, info: IdentityInfo, title: str) -> None:
        self.made = info
        self.r_title.setText(title)
        _show_identity(info, self.r_who, self.r_email, self.r_fp)
        self.r_valid.setText(validity_words(info)[0])
        self.r_status.setText("")
        self.identitiesChanged.emit()
        self.show_page(self.READY)

    # -- import ------------------------------------------------------------------------

    def _browse_p12(self) -> None:
        chosen = ask_open_path(self, "Import an identity", "Identity files (*.p12 *.pfx);;All files (*)")
        if chosen:
            self.i_file.setText(chosen)
            self.i_pass.setFocus()

    def _import_edited(self, *_args) -> None:
        self.import_ok.setEnabled(bool(self.i_file.text().strip()) and not self.i_busy.isVisible())
        self.i_error.hide()

    def import_file(self) -> None:
        src = self.i_file.text().strip()
        if not src or self.i_busy.isVisible():
            return
        passphrase = self.i_pass.text()
        self.i_busy.show()
        self.import_ok.setEnabled(False)

        def done(info: IdentityInfo) -> None:
            self.i_busy.hide()
            self._made_passphrase = passphrase
            self.i_pass.clear()
            self._made(info, "Identity imported")

        def failed(error: CaseViewError) -> None:
            self.i_busy.hide()
            self.import_ok.setEnabled(True)
            self.i_error.setText(str(error))
            self.i_error.show()
            self.i_pass.selectAll()
            self.i_pass.setFocus()

        self.runner.submit(lambda ws: import_identity(Path(src).expanduser(), passphrase, identities_dir(ws)),
                           done, failed)

    # -- export ------------------------------------------------------------------------

    def export(self) -> None:
        info = self.made
        if info is None:
            return
        out = ask_certificate_path(self, info.name)
        if out is None:
            return
        passphrase = self._made_passphrase
        self.export_button.setEnabled(False)

        def done(_info: IdentityInfo) -> None:
            self.export_button.setEnabled(True)
            self.r_status.setText(f"Certificate saved to {out}")

        def failed(error: CaseViewError) -> None:
            self.export_button.setEnabled(True)
            self.r_status.setText(str(error))

        self.runner.submit(lambda ws: export_certificate(info.path, passphrase, out, overwrite=True), done, failed)
