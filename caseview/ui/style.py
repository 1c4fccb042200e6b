"""The look: Fusion with light and dark palettes that follow the system colour scheme, spacing, fonts, tag colours."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from ..paths import resource

SPACING = 8  # between related controls
MARGIN = 16  # around a panel's content
GAP = 24  # between groups

#: annotation tags a reviewer chooses from, with the colour each highlight is drawn in
TAGS: tuple[tuple[str, str], ...] = (
    ("Note", "#3e7bfa"),
    ("Concern", "#e5484d"),
    ("Strength", "#30a46c"),
    ("Question", "#f5a524"),
)
DEFAULT_TAG = TAGS[0][0]


def tag_colour(tag: str, alpha: int = 255) -> QColor:
    for name, hexcode in TAGS:
        if name.lower() == (tag or "").lower():
            c = QColor(hexcode)
            break
    else:
        c = QColor("#8e8c99")  # a tag from elsewhere (findings import): neutral
    c.setAlpha(alpha)
    return c


@dataclass(frozen=True)
class Scheme:
    dark: bool
    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    button: str
    border: str
    highlight: str
    highlight_text: str
    link: str
    info_bg: str
    info_border: str
    warn: str
    tooltip_bg: str


LIGHT = Scheme(False, window="#f3f4f6", base="#ffffff", alt_base="#f7f8fa", text="#1c2330", muted="#5f6b7a",
               button="#f8f9fb", border="#d5d9e0", highlight="#2c64d6", highlight_text="#ffffff", link="#1f57c3",
               info_bg="#eaf1fd", info_border="#b9cdf5", warn="#b4470c", tooltip_bg="#ffffff")
DARK = Scheme(True, window="#202329", base="#17191e", alt_base="#1d2026", text="#e4e7ec", muted="#9aa3b0",
              button="#2a2e35", border="#3a3f48", highlight="#3f7ef0", highlight_text="#ffffff", link="#86b0ff",
              info_bg="#1f2d45", info_border="#34507d", warn="#f0a35e", tooltip_bg="#2a2e35")


def current_scheme() -> Scheme:
    if _forced is not None:
        return _forced
    hints = QGuiApplication.styleHints()
    try:
        dark = hints.colorScheme() == Qt.ColorScheme.Dark
    except AttributeError:  # Qt < 6.5
        dark = False
    return DARK if dark else LIGHT


def palette_for(s: Scheme) -> QPalette:
    p = QPalette()
    c = QColor
    roles = {
        QPalette.Window: s.window, QPalette.WindowText: s.text, QPalette.Base: s.base,
        QPalette.AlternateBase: s.alt_base, QPalette.Text: s.text, QPalette.Button: s.button,
        QPalette.ButtonText: s.text, QPalette.Highlight: s.highlight, QPalette.HighlightedText: s.highlight_text,
        QPalette.ToolTipBase: s.tooltip_bg, QPalette.ToolTipText: s.text, QPalette.Link: s.link,
        QPalette.LinkVisited: s.link, QPalette.PlaceholderText: s.muted, QPalette.BrightText: "#ffffff",
        QPalette.Light: "#ffffff" if not s.dark else "#3a3f48", QPalette.Midlight: s.border,
        QPalette.Mid: s.border, QPalette.Dark: "#9aa1ab" if not s.dark else "#121418",
        QPalette.Shadow: "#00000040",
    }
    for role, value in roles.items():
        p.setColor(QPalette.All, role, c(value))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, c(s.muted))
    p.setColor(QPalette.Inactive, QPalette.Highlight, c(s.highlight))
    return p


def stylesheet(s: Scheme) -> str:
    # Targeted rules only: an app-wide sheet that restyles every widget fights Fusion and looks home-made.
    return f"""
    QFrame#infoBar {{ background: {s.info_bg}; border: 1px solid {s.info_border}; border-radius: 6px; }}
    QFrame#infoBar QLabel {{ background: transparent; }}
    QLabel[role="muted"] {{ color: {s.muted}; }}
    QLabel[role="heading"] {{ font-weight: 600; }}
    QLabel[role="warning"] {{ color: {s.warn}; }}
    QFrame#card {{ background: {s.base}; border: 1px solid {s.border}; border-radius: 8px; }}
    QFrame#dropZone {{ border: 2px dashed {s.border}; border-radius: 8px; background: {s.alt_base}; }}
    QFrame#dropZone[active="true"] {{ border-color: {s.highlight}; }}
    QDockWidget::title {{ padding: 6px 8px; background: {s.window}; }}
    QDockWidget QTreeView, QDockWidget QListView, QDockWidget QTableView {{ border: none; }}
    QStatusBar QLabel {{ padding: 0 8px; }}
    QStatusBar::item {{ border: none; }}
    """


def register_fonts() -> None:
    """Make the shipped DejaVu fonts available (used where the system has no sans font of its own)."""
    folder = resource("fonts")
    if folder.is_dir():
        for ttf in sorted(folder.glob("DejaVuSans*.ttf")):
            QFontDatabase.addApplicationFont(str(ttf))


def apply_style(app: QApplication) -> None:
    """Fusion, the palette for the system's light/dark scheme, and a re-apply when the system switches."""
    app.setStyle("Fusion")
    register_fonts()
    font = app.font()
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    if font.family() not in QFontDatabase.families():
        font.setFamily("DejaVu Sans")
    app.setFont(font)
    _apply_scheme(app)
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "colorSchemeChanged"):
        hints.colorSchemeChanged.connect(lambda *_: _apply_scheme(app))


_forced: Scheme | None = None


def _apply_scheme(app: QApplication) -> None:
    s = _forced or current_scheme()
    app.setPalette(palette_for(s))
    app.setStyleSheet(stylesheet(s))


def force_scheme(app: QApplication, dark: bool | None) -> None:
    """Use the dark (True) or light (False) palette whatever the system says; None follows the system again."""
    global _forced
    _forced = None if dark is None else (DARK if dark else LIGHT)
    _apply_scheme(app)


def scaled_font(widget: QWidget, factor: float = 1.0, weight: QFont.Weight | None = None) -> QFont:
    f = QFont(widget.font())
    f.setPointSizeF(max(6.0, f.pointSizeF() * factor))
    if weight is not None:
        f.setWeight(weight)
    return f


def muted(widget: QWidget) -> QWidget:
    widget.setProperty("role", "muted")
    return widget


def html_colours() -> dict[str, str]:
    """Colours for rich-text item rendering (delegates), from the current scheme."""
    s = current_scheme()
    return {"muted": s.muted, "text": s.text, "warn": s.warn, "link": s.link, "highlight": s.highlight}
