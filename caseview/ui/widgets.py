"""Small widget and wording helpers the dialogs share: labels, headings, cards, button rows, fingerprints, dates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSize, QStandardPaths, Qt
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import (QDialog, QFileDialog, QFormLayout, QFrame, QHBoxLayout, QLabel, QMessageBox,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget)

from ..core.dates import london_time
from ..paths import resource
from . import style

__all__ = ["documents_folder", "ask_open_path", "human_date", "human_time", "fingerprint_lines", "fingerprint_label",
           "mono_font", "label", "heading", "set_role", "button_row", "chooser_row", "card", "busy_bar",
           "dialog_layout", "page_layout", "app_logo", "message_box", "CERTIFICATE_FILES"]

CERTIFICATE_FILES = "Certificates (*.pem *.crt *.cer *.der);;All files (*)"


# ---------------------------------------------------------------- words


def documents_folder() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation)
    return Path(folder) if folder else Path.home()


def ask_open_path(parent: QWidget | None, title: str, filters: str) -> str:
    """The open-file dialog, starting in the Documents folder; "" when the reviewer chose nothing."""
    chosen, _ = QFileDialog.getOpenFileName(parent, title, str(documents_folder()), filters)
    return chosen


def human_date(d: datetime) -> str:
    return f"{d.day} {d:%B %Y}"


def human_time(iso: str | None) -> str:
    """"2026-11-25T19:03:28Z" as "25 November 2026 at 19:03 GMT": London's clock, GMT or BST, as reviewers read it."""
    if not iso:
        return "an unknown date"
    try:
        d = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return london_time(d if d.tzinfo else d.replace(tzinfo=UTC), joiner=" at ")


def fingerprint_lines(fingerprint: str) -> str:
    """The SHA-256 fingerprint as two lines of eight groups, easy to read aloud and compare."""
    from ..core.identity import format_fingerprint  # cryptography: not before the first window

    groups = format_fingerprint(fingerprint).split()
    return " ".join(groups[:8]) + "\n" + " ".join(groups[8:])


# ---------------------------------------------------------------- widgets


def fingerprint_label(fingerprint: str = "") -> QLabel:
    """A selectable, monospaced two-line fingerprint that never wraps mid-group."""
    w = label(fingerprint_lines(fingerprint) if fingerprint else "", wrap=False, selectable=True)
    w.setFont(mono_font())
    return w


def mono_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.FixedFont)
    font.setStyleHint(QFont.Monospace)
    return font


def label(text: str = "", role: str | None = None, *, wrap: bool = True, selectable: bool = False) -> QLabel:
    w = QLabel(text)
    w.setTextFormat(Qt.PlainText)
    w.setWordWrap(wrap)
    if role:
        w.setProperty("role", role)
    if selectable:
        w.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return w


def heading(widget: QWidget, text: str, factor: float = 1.2) -> QLabel:
    w = label(text, "heading")
    w.setFont(style.scaled_font(widget, factor, QFont.Weight.DemiBold))
    return w


def set_role(widget: QWidget, role: str | None) -> None:
    """Change the style-sheet role; Qt applies a changed property only after the widget is polished again."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def button_row(*buttons: QPushButton, left: tuple[QPushButton, ...] = ()) -> QHBoxLayout:
    """A dialog's button row: ``left`` at the left edge, ``buttons`` at the right."""
    row = QHBoxLayout()
    for b in left:
        row.addWidget(b)
    row.addStretch(1)
    for b in buttons:
        row.addWidget(b)
    return row


def chooser_row(field: QWidget, on_choose: Callable[[], object]) -> QHBoxLayout:
    """A path field with its "Choose…" button beside it."""
    row = QHBoxLayout()
    choose = QPushButton("Choose…")
    choose.clicked.connect(on_choose)
    row.addWidget(field, 1)
    row.addWidget(choose)
    return row


def card(*, spaced: bool = False) -> tuple[QFrame, QFormLayout]:
    """A framed form for facts read at a glance (who, fingerprint, validity); ``spaced`` for longer labels."""
    frame = QFrame()
    frame.setObjectName("card")
    form = QFormLayout(frame)
    form.setContentsMargins(style.MARGIN, style.MARGIN - 4, style.MARGIN, style.MARGIN - 4)
    if spaced:
        form.setHorizontalSpacing(style.MARGIN)
        form.setVerticalSpacing(6)
    return frame, form


def busy_bar(height: int = 8) -> QProgressBar:
    """A thin indeterminate bar, hidden until work starts."""
    bar = QProgressBar()
    bar.setRange(0, 0)
    bar.setMaximumHeight(height)
    bar.setTextVisible(False)
    bar.hide()
    return bar


def dialog_layout(dialog: QDialog, title: str) -> QVBoxLayout:
    """A window-modal dialog's title and main layout, in the house margins."""
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModal)
    lay = QVBoxLayout(dialog)
    lay.setContentsMargins(style.GAP, style.GAP, style.GAP, style.MARGIN)
    lay.setSpacing(style.SPACING)
    return lay


def page_layout(page: QWidget, margin: int = 0) -> QVBoxLayout:
    """The layout of one page of a stacked dialog or one tab."""
    lay = QVBoxLayout(page)
    lay.setContentsMargins(margin, margin, margin, margin)
    lay.setSpacing(style.SPACING)
    return lay


def app_logo(size: int) -> QLabel | None:
    """The CaseView icon at ``size`` pixels, or None when the icon file is missing."""
    icon_path = resource("icons", "caseview.png")
    if not icon_path.exists():
        return None
    logo = QLabel()
    logo.setPixmap(QIcon(str(icon_path)).pixmap(QSize(size, size)))
    return logo


def message_box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str,
                info: str = "") -> QMessageBox:
    """A window-modal message box, set up but not yet open, so that the caller can add its buttons first."""
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setText(text)
    if info:
        box.setInformativeText(info)
    box.setWindowModality(Qt.WindowModal)
    return box
