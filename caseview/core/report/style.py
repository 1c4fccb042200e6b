"""The review report's typography: embedded fonts, colours, paragraph styles, text helpers."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ...paths import resource
from ..dates import london_time, uk_date

SANS = "CaseViewSans"
SANS_BOLD = "CaseViewSans-Bold"
SANS_ITALIC = "CaseViewSans-Oblique"
SANS_BOLD_ITALIC = "CaseViewSans-BoldOblique"
MONO = "CaseViewMono"

INK = colors.HexColor("#1E252B")
MUTED = colors.HexColor("#5A6670")
FAINT = colors.HexColor("#8C969E")
RULE = colors.HexColor("#C8D0D6")
ACCENT = colors.HexColor("#1F4E6B")


def _see_through(hex_on_white: str, alpha: float = 0.5) -> colors.Color:
    """A translucent fill that looks like ``hex_on_white`` on white paper.

    Table backgrounds are translucent so that a draft's watermark, drawn
    behind the text, still shows through the shaded panels.
    """
    solid = colors.HexColor(hex_on_white)
    r, g, b = (1 - (1 - v) / alpha for v in (solid.red, solid.green, solid.blue))
    return colors.Color(r, g, b, alpha=alpha)


ACCENT_TINT = _see_through("#EAF0F4")
PANEL = _see_through("#F5F7F9")
ALERT = colors.HexColor("#A4262C")
ALERT_TINT = _see_through("#FBEFEF")
WATERMARK = colors.HexColor("#E4E4E4")

_fonts_lock = threading.Lock()
_fonts_ready = False


def ensure_fonts() -> None:
    """Register the DejaVu family once, as the only fonts the report can use.

    reportlab writes its base font (Helvetica, never embedded) into every PDF
    unless ``canvas_basefontname`` names a registered TTF; a report with an
    unembedded font renders differently on a commissioner's machine.
    """
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        files = {
            SANS: "DejaVuSans.ttf",
            SANS_BOLD: "DejaVuSans-Bold.ttf",
            SANS_ITALIC: "DejaVuSans-Oblique.ttf",
            SANS_BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
            MONO: "DejaVuSansMono.ttf",
        }
        for name, filename in files.items():
            pdfmetrics.registerFont(TTFont(name, str(resource("fonts", filename))))
        # A family lets <b> and <i> inside Paragraph markup pick the right face.
        pdfmetrics.registerFontFamily(
            SANS, normal=SANS, bold=SANS_BOLD, italic=SANS_ITALIC, boldItalic=SANS_BOLD_ITALIC
        )
        pdfmetrics.registerFontFamily(MONO, normal=MONO, bold=MONO, italic=MONO, boldItalic=MONO)
        # Process-wide on purpose: any reportlab canvas CaseView makes (the
        # signature stamp too) must never fall back to unembedded Helvetica.
        rl_config.canvas_basefontname = SANS
        _fonts_ready = True


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    body_muted: ParagraphStyle
    small: ParagraphStyle
    small_muted: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_right: ParagraphStyle
    cell_head: ParagraphStyle
    cell_head_right: ParagraphStyle
    cell_mono: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    label: ParagraphStyle
    cover_kicker: ParagraphStyle
    cover_title: ParagraphStyle
    cover_ref: ParagraphStyle
    cover_sub: ParagraphStyle
    mono: ParagraphStyle
    headline: ParagraphStyle
    headline_sentence: ParagraphStyle
    answer: ParagraphStyle
    alert_head: ParagraphStyle
    quote: ParagraphStyle


def make_styles() -> Styles:
    def st(name: str, **kw) -> ParagraphStyle:
        base = dict(fontName=SANS, fontSize=9.5, leading=14, textColor=INK, alignment=TA_LEFT)
        base.update(kw)
        return ParagraphStyle(name, **base)

    return Styles(
        body=st("body", spaceAfter=6),
        body_muted=st("body_muted", textColor=MUTED, spaceAfter=6),
        small=st("small", fontSize=8, leading=11),
        small_muted=st("small_muted", fontSize=8, leading=11, textColor=MUTED),
        cell=st("cell", fontSize=8.5, leading=12),
        cell_bold=st("cell_bold", fontName=SANS_BOLD, fontSize=8.5, leading=12),
        cell_right=st("cell_right", fontSize=8.5, leading=12, alignment=TA_RIGHT),
        cell_head=st("cell_head", fontName=SANS_BOLD, fontSize=7.5, leading=10, textColor=ACCENT),
        cell_head_right=st("cell_head_right", fontName=SANS_BOLD, fontSize=7.5, leading=10, textColor=ACCENT,
                           alignment=TA_RIGHT),
        cell_mono=st("cell_mono", fontName=MONO, fontSize=6.5, leading=9, textColor=MUTED),
        h1=st("h1", fontName=SANS_BOLD, fontSize=17, leading=22, textColor=ACCENT, spaceAfter=4),
        h2=st("h2", fontName=SANS_BOLD, fontSize=12.5, leading=17, textColor=INK,
              spaceBefore=4, spaceAfter=2),
        h3=st("h3", fontName=SANS_BOLD, fontSize=9.5, leading=14, textColor=ACCENT, keepWithNext=1,
              spaceBefore=8, spaceAfter=3),
        label=st("label", fontName=SANS_BOLD, fontSize=7, leading=10, textColor=MUTED),
        cover_kicker=st("cover_kicker", fontName=SANS_BOLD, fontSize=9, leading=13,
                        textColor=MUTED),
        cover_title=st("cover_title", fontName=SANS_BOLD, fontSize=30, leading=36,
                       textColor=ACCENT, spaceAfter=10),
        cover_ref=st("cover_ref", fontName=SANS, fontSize=17, leading=22, textColor=INK),
        cover_sub=st("cover_sub", fontSize=10.5, leading=15, textColor=MUTED),
        mono=st("mono", fontName=MONO, fontSize=8.5, leading=12),
        headline=st("headline", fontName=SANS_BOLD, fontSize=24, leading=30, textColor=ACCENT),
        headline_sentence=st("headline_sentence", fontName=SANS_BOLD, fontSize=14, leading=19, textColor=ACCENT),
        answer=st("answer", fontName=SANS_BOLD, fontSize=12, leading=16, textColor=INK,
                  spaceAfter=2),
        alert_head=st("alert_head", fontName=SANS_BOLD, fontSize=10.5, leading=14,
                      textColor=ALERT),
        quote=st("quote", fontSize=8.5, leading=12.5, textColor=INK),
    )


def esc(text: object) -> str:
    """Text made safe for Paragraph markup: names and quotes may hold ``<`` or ``&``."""
    return escape("" if text is None else str(text))


def paragraphs_markup(text: str) -> list[str]:
    """Reviewer free text as Paragraph markup, one string per paragraph.

    A blank line starts a paragraph and a single newline is kept as a line
    break, because that is how the reviewer laid the text out in the app.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    blocks = [b.strip("\n") for b in text.split("\n\n")]
    return ["<br/>".join(esc(line) for line in b.split("\n")) for b in blocks if b.strip()]


def smallcaps(text: str) -> str:
    """A label in spaced capitals, the quiet way to head a field."""
    return esc(text.upper())


def fmt_date(value: str | date | datetime | None) -> str:
    """``2026-01-14`` as "14 January 2026"; anything unparseable is shown as written."""
    return uk_date(value)


def fmt_datetime(value: str | None, short: bool = False) -> str:
    """An RFC 3339 time as "3 November 2026, 16:20 GMT": London's clock, GMT or BST, whatever the writer's offset."""
    return london_time(value, short=short)
