"""The About box: version, what CaseView is built on and the licences that come with it."""

from __future__ import annotations

import html
import platform
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QTabWidget, QTextBrowser, QVBoxLayout,
                               QWidget)

from ... import __version__
from ...paths import resource
from .. import style
from ..widgets import app_logo

#: (component, distribution name for its version or None, licence, note)
COMPONENTS: tuple[tuple[str, str | None, str, str], ...] = (
    ("Qt and PySide6", "PySide6-Essentials", "LGPL-3.0",
     "Qt for Python, dynamically linked; you may replace these libraries with your own build."),
    ("PDFium via pypdfium2", "pypdfium2", "Apache-2.0 and BSD-3-Clause", "Reads and renders PDF pages."),
    ("ReportLab", "reportlab", "BSD-3-Clause", "Writes the review report."),
    ("pyHanko", "pyHanko", "MIT", "Signs and verifies reports."),
    ("sqlite-utils", "sqlite-utils", "Apache-2.0", "The workspace database."),
    ("jsonschema", "jsonschema", "MIT", "Checks bundle manifests."),
    ("platformdirs", "platformdirs", "MIT", "Finds the workspace folder."),
    ("DejaVu fonts", None, "Bitstream Vera licence (free); DejaVu changes public domain",
     "Used in reports and where the system has no font of its own."),
)


def _version(dist: str | None) -> str:
    if dist is None:
        return ""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return ""


def licences_html() -> str:
    rows = []
    for name, dist, licence, note in COMPONENTS:
        version = _version(dist) or (pyside_version if dist == "PySide6-Essentials" else "")
        rows.append(f"<tr><td style='padding:4px 12px 4px 0'><b>{html.escape(name)}</b> {html.escape(version)}"
                    f"<br><span style='color:gray'>{html.escape(note)}</span></td>"
                    f"<td style='padding:4px 0'>{html.escape(licence)}</td></tr>")
    text = "<table width='100%' cellspacing='0'>" + "".join(rows) + "</table>"
    dejavu = resource("fonts", "LICENSE-DejaVu.txt")
    if dejavu.exists():
        text += ("<h4>DejaVu fonts licence</h4><pre style='white-space:pre-wrap'>"
                 + html.escape(dejavu.read_text(encoding="utf-8", errors="replace")) + "</pre>")
    return text


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("About CaseView")
        head = QHBoxLayout()
        head.setSpacing(style.MARGIN)
        logo = app_logo(64)
        if logo is not None:
            head.addWidget(logo, 0, Qt.AlignTop)
        title = QLabel(f"<b style='font-size:15pt'>CaseView</b> {html.escape(__version__)}<br>"
                       "Independent review of anonymised children's services case files.<br>"
                       "It works entirely on this computer: no network connection is made.")
        title.setWordWrap(True)
        head.addWidget(title, 1)

        about = QLabel(f"Python {platform.python_version()} · Qt {qVersion()} · PySide6 {pyside_version}")
        about.setProperty("role", "muted")
        about.setTextInteractionFlags(Qt.TextSelectableByMouse)

        self.licences = QTextBrowser()
        self.licences.setOpenLinks(False)  # nothing in CaseView opens the network
        self.licences.setAccessibleName("Licences")
        self.licences.setHtml(licences_html())
        tabs = QTabWidget()
        tabs.addTab(self.licences, "Licences")

        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(style.MARGIN + 4, style.MARGIN + 4, style.MARGIN + 4, style.MARGIN)
        lay.setSpacing(style.SPACING + 4)
        lay.addLayout(head)
        lay.addWidget(about)
        lay.addWidget(tabs, 1)
        lay.addWidget(buttons)
        self.resize(620, 520)
