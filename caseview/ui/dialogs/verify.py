"""File → Verify report…: check a signed report in the background and say what was found, in plain words."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication
from PySide6.QtWidgets import (QDialog, QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea,
                               QVBoxLayout, QWidget)

from ...core.errors import CaseViewError
from ...core.identity import list_identities, load_certificate_pem
from ...core.store import Workspace
from ...core.verify import SignatureCheck, Verification, verify_report
from .. import style
from ..tasks import WorkspaceRunner
from ..widgets import (CERTIFICATE_FILES, ask_open_path, busy_bar, card, chooser_row, fingerprint_label, heading,
                      human_time, label)

__all__ = ["VerifyDialog", "VerificationView", "open_verify_dialog", "verdict_words", "VERDICT_COLOURS"]

#: verdict → (headline, one sentence a commissioner acts on)
VERDICT_WORDS = {
    "valid": ("Valid and trusted",
              "The report has not changed since it was signed, and you trust whoever signed it."),
    "untrusted": ("Valid, but the signer is not trusted",
                  "The report has not changed since it was signed, but the signer's certificate is not on your "
                  "trust list. Check the fingerprint with the signer before you rely on it."),
    "invalid": ("INVALID",
                "Do not rely on this report: it was changed after signing, or its signature cannot be checked."),
}
VERDICT_COLOURS = {"valid": "#1f8a4c", "untrusted": "#b4470c", "invalid": "#c62828"}
VERDICT_MARKS = {"valid": "✔", "untrusted": "⚠", "invalid": "✖"}


def verdict_words(v: Verification) -> tuple[str, str]:
    return VERDICT_WORDS[v.verdict]


def _yes_no(value: bool, yes: str = "Yes", no: str = "No") -> str:
    return yes if value else no


class VerificationView(QWidget):
    """The whole verdict: headline, reasons, each signature and each check, the embedded findings, the notes."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.verification: Verification | None = None
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(style.SPACING)

    def clear(self) -> None:
        while self._lay.count():
            item = self._lay.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
            elif item.layout() is not None:
                item.layout().deleteLater()

    def set_verification(self, v: Verification) -> None:
        self.clear()
        self.verification = v
        headline, sentence = verdict_words(v)
        banner = QFrame()
        banner.setObjectName("verdictBanner")
        colour = VERDICT_COLOURS[v.verdict]
        tint = QColor(colour)
        tint.setAlpha(28)
        banner.setStyleSheet(f"QFrame#verdictBanner {{ border: 2px solid {colour}; border-radius: 8px; "
                             f"background: rgba({tint.red()},{tint.green()},{tint.blue()},{tint.alpha()}); }}"
                             "QFrame#verdictBanner QLabel { background: transparent; border: none; }")
        b = QVBoxLayout(banner)
        b.setContentsMargins(style.MARGIN, style.MARGIN - 4, style.MARGIN, style.MARGIN - 4)
        self.headline = QLabel(f"{VERDICT_MARKS[v.verdict]}  {headline}")
        self.headline.setAccessibleName("Verdict")
        self.headline.setFont(style.scaled_font(self, 1.7, QFont.Weight.Bold))
        self.headline.setStyleSheet(f"color: {colour};")
        b.addWidget(self.headline)
        b.addWidget(label(sentence))
        b.addWidget(label(str(v.path), "muted", selectable=True))
        self._lay.addWidget(banner)

        if v.reasons:
            self._section("Why" if not v.valid else "Trust")
            for reason in v.reasons:
                self._lay.addWidget(label(f"•  {reason}", None if v.valid else "warning", selectable=True))

        if not v.signatures:
            self._section("Signatures")
            self._lay.addWidget(label("No signature was found in this file.", "warning"))
        for i, s in enumerate(v.signatures, 1):
            role = {"reviewer": "the reviewer's signature", "moderator": "the moderator's countersignature"}.get(s.role, "")
            self._section(f"Signature {i} of {len(v.signatures)}: {s.field}"
                          + (f" ({role})" if role else "")
                          + (" — certifies the report" if s.kind == "certification" else ""))
            self._lay.addWidget(self._signature_card(v, s))

        self._section("Embedded findings")
        if v.findings is None:
            self._lay.addWidget(label("The report carries no machine-readable findings (findings.json).", "warning"))
        else:
            bundle = v.findings.get("bundle") if isinstance(v.findings, dict) else None
            bundle = bundle if isinstance(bundle, dict) else {}
            state = {True: "The embedded findings match the report's case reference, bundle id and fingerprint.",
                     False: "The embedded findings DO NOT match the report's case reference, bundle id or "
                            "fingerprint.",
                     None: "The embedded findings could not be compared with the report."}[v.findings_match]
            self._lay.addWidget(label(state, None if v.findings_match else "warning"))
            facts, form = card(spaced=True)
            form.addRow("Case reference:", label(str(bundle.get("case_reference", "?")), selectable=True))
            form.addRow("Bundle id:", label(str(bundle.get("bundle_id", "?")), selectable=True))
            form.addRow("Bundle fingerprint:", fingerprint_label(str(bundle.get("fingerprint") or "")))
            self._lay.addWidget(facts)

        self._section("Please note")
        for note in v.notes:
            self._lay.addWidget(label(f"•  {note}", "muted"))
        self._lay.addStretch(1)

    def _section(self, text: str) -> None:
        self._lay.addSpacing(style.SPACING)
        self._lay.addWidget(heading(self, text, 1.05))

    def _signature_card(self, v: Verification, s: SignatureCheck) -> QFrame:
        facts, form = card(spaced=True)

        def flag(ok: bool, text: str) -> QLabel:
            w = label(text, None if ok else "warning", selectable=True)
            if not ok:
                w.setFont(style.scaled_font(self, 1.0, QFont.Weight.DemiBold))
            return w

        form.addRow("Signed by:", label(s.signer_name or "(no name in the certificate)", selectable=True))
        form.addRow("Organisation:", label(s.signer_organisation or "—", selectable=True))
        if s.signer_email:
            form.addRow("Email:", label(s.signer_email, selectable=True))
        form.addRow("Certificate fingerprint:", fingerprint_label(s.fingerprint))
        when = human_time(s.signing_time.astimezone(UTC).isoformat()) if s.signing_time else "not given"
        form.addRow("Signing time:", label(f"{when} — the signer's claim, not proven by a time-stamp",
                                           selectable=True))
        if s.reason:
            form.addRow("Reason given:", label(s.reason, selectable=True))
        form.addRow("Signed content intact:", flag(s.intact, _yes_no(s.intact, "Yes", "NO — the signed bytes changed")))
        if s.covers_whole_file:
            cover = "Yes"
        else:
            later = ", ".join(str(r) for r in s.later_revisions) or "none"
            cover = f"No — it signs revision {s.signed_revision} of {v.revisions}; added after it: {later}"
        # After a countersignature the first signature no longer covers the whole file; that is only
        # a problem when the verifier found the later revision unacceptable.
        form.addRow("Covers the whole file:", flag(s.covers_whole_file or v.valid, cover))
        form.addRow("Signer trusted:", flag(s.trusted, f"Yes, {s.trust}" if s.trusted
                                              else "No — the certificate is not on your trust list"))
        for p in s.problems:
            form.addRow("Problem:", flag(False, p))
        return facts

    def as_text(self) -> str:
        return "\n".join(self.verification.render_text()) + "\n" if self.verification else ""


def _verify_job(path: Path, extra_cert: Path | None):
    def job(ws: Workspace) -> Verification:
        trusted = list(ws.trusted_certificates())
        if extra_cert is not None:
            trusted.append(load_certificate_pem(extra_cert))
        own = [i.fingerprint for i in list_identities(ws.identities_dir)]
        return verify_report(path, trusted=trusted, own=own)
    return job


class VerifyDialog(QDialog):
    """Pick a report (and optionally a certificate to trust for this check), verify it, read the verdict."""

    verified = Signal(object)  # Verification

    def __init__(self, runner: WorkspaceRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.result: Verification | None = None
        self.setWindowTitle("Verify a signed report")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(style.GAP, style.GAP - 4, style.GAP, style.MARGIN)
        lay.setSpacing(style.SPACING)
        lay.addWidget(heading(self, "Verify a signed report"))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        self.report = QLineEdit()
        self.report.setAccessibleName("Report file")
        self.report.setPlaceholderText("the signed report (.pdf)")
        self.report.textChanged.connect(self._edited)
        form.addRow("Report:", chooser_row(self.report, self.choose_report))
        self.cert = QLineEdit()
        self.cert.setAccessibleName("Extra certificate to trust")
        self.cert.setPlaceholderText("optional: a certificate (.pem) to trust for this check only")
        form.addRow("Also trust:", chooser_row(self.cert, self.choose_certificate))
        lay.addLayout(form)
        lay.addWidget(label("Your trust list (Edit → Settings → Trusted certificates) decides whose signatures are "
                            "trusted; a report signed with one of your own identities is trusted too.", "muted"))
        self.busy = busy_bar()
        lay.addWidget(self.busy)
        self.error = label("", "warning", selectable=True)
        self.error.hide()
        lay.addWidget(self.error)

        self.view = VerificationView()
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        inner = QWidget()
        inner_lay = QVBoxLayout(inner)
        inner_lay.setContentsMargins(0, 0, style.SPACING, 0)
        inner_lay.addWidget(self.view)
        self.scroll.setWidget(inner)
        self.scroll.hide()
        lay.addWidget(self.scroll, 1)
        self.placeholder = label("Choose the signed report, then Verify. The check reads only the file; it does not "
                                 "need the case or the internet.", "muted")
        self.placeholder.setAlignment(Qt.AlignCenter)
        lay.addWidget(self.placeholder, 1)

        buttons = QHBoxLayout()
        self.copy_button = QPushButton("Copy as text")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_text)
        self.verify_button = QPushButton("Verify")
        self.verify_button.setDefault(True)
        self.verify_button.setEnabled(False)
        self.verify_button.clicked.connect(self.verify)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.verify_button)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        self.resize(760, 640)

    def _edited(self, *_args) -> None:
        self.verify_button.setEnabled(bool(self.report.text().strip()) and not self.busy.isVisible())

    def choose_report(self) -> bool:
        chosen = ask_open_path(self, "Verify a signed report", "PDF reports (*.pdf);;All files (*)")
        if chosen:
            self.report.setText(chosen)
        return bool(chosen)

    def choose_certificate(self) -> None:
        chosen = ask_open_path(self, "Certificate to trust for this check", CERTIFICATE_FILES)
        if chosen:
            self.cert.setText(chosen)

    def verify(self) -> None:
        path = self.report.text().strip()
        if not path or self.busy.isVisible():
            return
        cert = self.cert.text().strip()
        self.busy.show()
        self.error.hide()
        self.verify_button.setEnabled(False)
        self.runner.submit(_verify_job(Path(path).expanduser(), Path(cert).expanduser() if cert else None),
                           self._done, self._failed)

    def _done(self, v: Verification) -> None:
        self.busy.hide()
        self._edited()
        self.result = v
        self.view.set_verification(v)
        self.placeholder.hide()
        self.scroll.show()
        self.scroll.verticalScrollBar().setValue(0)
        self.copy_button.setEnabled(True)
        self.verified.emit(v)

    def _failed(self, error: CaseViewError) -> None:
        self.busy.hide()
        self._edited()
        self.error.setText(str(error))
        self.error.show()

    def copy_text(self) -> None:
        QGuiApplication.clipboard().setText(self.view.as_text())


def open_verify_dialog(parent: QWidget | None, runner: WorkspaceRunner, path: Path | None = None) -> VerifyDialog | None:
    """File → Verify report…: ask for the report (unless given), show the dialog and verify at once.

    Returns the dialog (shown with ``open()``, never blocking), or None if the reviewer chose no file.
    """
    dialog = VerifyDialog(runner, parent)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    if path is not None:
        dialog.report.setText(str(path))
    elif not dialog.choose_report():
        dialog.deleteLater()
        return None
    dialog.open()
    dialog.verify()
    return dialog
