#!/usr/bin/env python3
"""Build the CaseView demo case (fictional) from the sources in ``source/``.

    .venv/bin/python resources/demo/build_demo.py [--out PATH] [--folder-only DIR]

Steps, all deterministic (the same sources give the same bytes, run after run):

1. render every document named in ``source/manifest.json``:
   PDFs from ``source/docs/<name>.md`` (a small markup, see ``render_markup``)
   with reportlab (``invariant=1``, DejaVu fonts embedded), the case notes from
   ``source/docs/<name>.txt`` (wrapped at 78 columns, ``\\n`` line endings), and
   Child A's drawing with a tiny pure-Python PNG encoder;
2. check the page counts against the manifest's ``pages``;
3. lay out a bundle folder: ``manifest.json`` plus the documents at their paths;
4. unless ``--folder-only``: build the bundle with
   ``caseview.core.build.build_bundle`` (default ``resources/demo/demo-case.cvb``);
5. resolve every evidence citation and annotation of the example review
   (``source/review.json``) against the rendered pages (failing loudly when a
   quoted passage is not on its page), compute its bundle page reference and
   its prefix/suffix, and - unless ``--folder-only`` - write
   ``resources/demo/demo-findings.json``.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import random
import re
import shutil
import struct
import sys
import tempfile
import textwrap
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SOURCE = HERE / "source"
DOCS = SOURCE / "docs"
FONTS = REPO / "resources" / "fonts"

DEFAULT_OUT = HERE / "demo-case.cvb"
DEFAULT_FINDINGS = HERE / "demo-findings.json"

LINES_PER_TEXT_PAGE = 60  # bundle-format.md, "Bundle pages"
NOTES_WIDTH = 78


class BuildError(Exception):
    pass


# --------------------------------------------------------------------------- #
# JSON helpers
# --------------------------------------------------------------------------- #

def load_json(path: Path):
    with path.open("r", encoding="utf-8") as fh:
        return json.load(fh)


def dump_json(obj) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- #
# PDF rendering (reportlab platypus)
# --------------------------------------------------------------------------- #

_FONTS_REGISTERED = False


def register_fonts() -> None:
    global _FONTS_REGISTERED
    if _FONTS_REGISTERED:
        return
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    faces = {
        "DejaVuSans": "DejaVuSans.ttf",
        "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
    }
    for name, filename in faces.items():
        path = FONTS / filename
        if not path.is_file():
            raise BuildError(f"font missing: {path}")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    addMapping("DejaVuSans", 0, 0, "DejaVuSans")
    addMapping("DejaVuSans", 1, 0, "DejaVuSans-Bold")
    addMapping("DejaVuSans", 0, 1, "DejaVuSans-Oblique")
    addMapping("DejaVuSans", 1, 1, "DejaVuSans-BoldOblique")
    _FONTS_REGISTERED = True


def parse_source(text: str) -> tuple[dict, list[str]]:
    """Split a markup source into its front matter (``key: value`` lines up to
    ``---``) and its body lines."""
    lines = text.replace("\r\n", "\n").split("\n")
    meta: dict[str, str] = {}
    if "---" not in lines:
        raise BuildError("markup source has no front matter (end it with a '---' line)")
    end = lines.index("---")
    for line in lines[:end]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise BuildError(f"bad front matter line: {line!r}")
        meta[key.strip()] = value.strip()
    return meta, lines[end + 1:]


def inline(text: str) -> str:
    """Escape for reportlab's paragraph markup, then apply **bold**, *italic*,
    [x]/[ ] tick boxes and a forced line break ``\\\\``."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", text)
    text = text.replace("[x]", "\u2612").replace("[ ]", "\u2610")
    text = text.replace("\\\\", "<br/>")
    return text


def hex_colour(value: str):
    from reportlab.lib import colors

    return colors.HexColor(value)


class PdfRenderer:
    """Renders one markup source to an A4 PDF that looks like a council,
    school, health or provider form."""

    def __init__(self, meta: dict, body: list[str], *, case_reference: str):
        self.meta = meta
        self.body = body
        self.case_reference = case_reference
        self.accent = hex_colour(meta.get("accent", "#1F4E79"))
        self.tint = hex_colour(meta.get("tint", "#E3EAF2"))
        self.layout = meta.get("layout", "form")
        self._styles()

    # -- styles ------------------------------------------------------------ #
    def _styles(self) -> None:
        from reportlab.lib import colors
        from reportlab.lib.enums import TA_CENTER, TA_LEFT
        from reportlab.lib.styles import ParagraphStyle

        base = ParagraphStyle("base", fontName="DejaVuSans", fontSize=9.4, leading=13.6,
                              textColor=colors.HexColor("#1A1A1A"), alignment=TA_LEFT,
                              spaceAfter=6)
        self.s_body = base
        self.s_cell = ParagraphStyle("cell", parent=base, fontSize=8.9, leading=12, spaceAfter=0)
        self.s_cell_label = ParagraphStyle("cell_label", parent=self.s_cell, fontName="DejaVuSans-Bold",
                                           textColor=colors.HexColor("#23313F"))
        self.s_cell_head = ParagraphStyle("cell_head", parent=self.s_cell, fontName="DejaVuSans-Bold",
                                          textColor=colors.HexColor("#14212E"))
        self.s_title = ParagraphStyle("title", parent=base, fontName="DejaVuSans-Bold", fontSize=15,
                                      leading=19, textColor=self.accent, spaceAfter=4)
        self.s_subtitle = ParagraphStyle("subtitle", parent=base, fontSize=9.4, leading=13,
                                         textColor=colors.HexColor("#4A5663"), spaceAfter=10)
        self.s_h2 = ParagraphStyle("h2", parent=base, fontName="DejaVuSans-Bold", fontSize=10,
                                   leading=13, textColor=colors.white, spaceAfter=0)
        self.s_h3 = ParagraphStyle("h3", parent=base, fontName="DejaVuSans-Bold", fontSize=9.6,
                                   leading=13, textColor=self.accent, spaceBefore=6, spaceAfter=3)
        self.s_bullet = ParagraphStyle("bullet", parent=base, leftIndent=14, bulletIndent=3, spaceAfter=3)
        self.s_note = ParagraphStyle("note", parent=base, fontSize=8.9, leading=12.4, spaceAfter=0)
        self.s_small = ParagraphStyle("small", parent=base, fontSize=7.8, leading=10.4,
                                      textColor=colors.HexColor("#4A5663"))
        self.s_c1 = ParagraphStyle("c1", parent=base, alignment=TA_CENTER, fontSize=11, leading=16)
        self.s_c2 = ParagraphStyle("c2", parent=base, alignment=TA_CENTER, fontName="DejaVuSans-Bold",
                                   fontSize=17, leading=23, textColor=self.accent)
        self.s_c3 = ParagraphStyle("c3", parent=base, alignment=TA_CENTER, fontName="DejaVuSans-Bold",
                                   fontSize=26, leading=32, textColor=self.accent)

    # -- flowables ---------------------------------------------------------- #
    def _heading_bar(self, text: str):
        from reportlab.platypus import Table, TableStyle

        t = Table([[self._para(text, self.s_h2)]], colWidths=[self.frame_width])
        t.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1), self.accent),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 3.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4.5),
        ]))
        t.spaceBefore = 10
        t.spaceAfter = 6
        return t

    def _para(self, text: str, style):
        from reportlab.platypus import Paragraph

        return Paragraph(inline(text), style)

    def _table(self, rows: list[list[str]], *, header: bool, widths: list[float] | None):
        from reportlab.lib import colors
        from reportlab.platypus import Table, TableStyle

        ncols = max(len(r) for r in rows)
        rows = [r + [""] * (ncols - len(r)) for r in rows]
        if widths is None:
            if not header and ncols == 2:
                widths = [32, 68] if self.layout != "certificate" else [40, 60]
            elif not header and ncols == 4:
                widths = [22, 28, 22, 28]
        if widths is None:
            col_widths = self._auto_widths(rows, header)
        else:
            total = sum(widths)
            col_widths = [self.frame_width * w / total for w in widths]
        data = []
        for i, row in enumerate(rows):
            cells = []
            for j, cell in enumerate(row):
                if header and i == 0:
                    style = self.s_cell_head
                elif not header and j % 2 == 0 and ncols in (2, 4):
                    style = self.s_cell_label
                else:
                    style = self.s_cell
                cells.append(self._para(cell, style))
            data.append(cells)
        grid = colors.HexColor("#9AA7B4")
        commands = [
            ("GRID", (0, 0), (-1, -1), 0.5, grid),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 3.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4.5),
        ]
        if header:
            commands.append(("BACKGROUND", (0, 0), (-1, 0), self.tint))
            for r in range(2, len(data), 2):
                commands.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#F6F8FA")))
            repeat = 1
        else:
            for c in range(0, ncols, 2):
                if ncols in (2, 4):
                    commands.append(("BACKGROUND", (c, 0), (c, -1), colors.HexColor("#EEF2F6")))
            repeat = 0
        t = Table(data, colWidths=col_widths, repeatRows=repeat,
                  hAlign="CENTER" if self.layout == "certificate" else "LEFT")
        t.setStyle(TableStyle(commands))
        t.spaceBefore = 2
        t.spaceAfter = 8
        return t

    def _auto_widths(self, rows: list[list[str]], header: bool) -> list[float]:
        """Columns at least as wide as their longest word; the rest of the
        frame shared in proportion to how much text each column holds."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        pad = 10.5
        ncols = len(rows[0])
        minimum, natural = [], []
        for c in range(ncols):
            words, full = 0.0, 0.0
            for r, row in enumerate(rows):
                font = "DejaVuSans-Bold" if (header and r == 0) else "DejaVuSans"
                plain = re.sub(r"\*\*|\\\\", "", row[c])
                for word in plain.split():
                    words = max(words, stringWidth(word, font, self.s_cell.fontSize))
                full = max(full, stringWidth(plain, font, self.s_cell.fontSize))
            minimum.append(words + pad)
            natural.append(max(words, full) + pad)
        frame = self.frame_width
        if sum(natural) <= frame:
            scale = frame / sum(natural)
            return [n * scale for n in natural]
        spare = max(0.0, frame - sum(minimum))
        extra = [max(0.0, n - m) ** 0.8 for n, m in zip(natural, minimum)]
        total = sum(extra) or 1.0
        widths = [m + spare * e / total for m, e in zip(minimum, extra)]
        scale = frame / sum(widths)
        return [w * scale for w in widths]

    def _callout(self, text: str):
        from reportlab.lib import colors
        from reportlab.platypus import Table, TableStyle

        t = Table([[self._para(text, self.s_note)]], colWidths=[self.frame_width])
        t.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 0.8, self.accent),
            ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#F7F9FB")),
            ("LEFTPADDING", (0, 0), (-1, -1), 7),
            ("RIGHTPADDING", (0, 0), (-1, -1), 7),
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ]))
        t.spaceBefore = 2
        t.spaceAfter = 8
        return t

    def story(self) -> list:
        from reportlab.platypus import CondPageBreak, PageBreak, Spacer

        out: list = []
        lines = self.body
        i = 0
        para: list[str] = []

        def flush():
            if para:
                out.append(self._para(" ".join(s.strip() for s in para), self.s_body))
                para.clear()

        while i < len(lines):
            line = lines[i]
            stripped = line.strip()
            if not stripped:
                flush()
                i += 1
                continue
            if stripped == "\\pagebreak":
                flush()
                out.append(PageBreak())
            elif stripped.startswith("\\keep "):
                flush()
                out.append(CondPageBreak(float(stripped.split()[1])))
            elif stripped.startswith("~"):
                flush()
                out.append(Spacer(1, float(stripped[1:].strip() or 10)))
            elif stripped.startswith("# "):
                flush()
                out.append(self._para(stripped[2:], self.s_title))
            elif stripped.startswith("#: "):
                flush()
                out.append(self._para(stripped[3:], self.s_subtitle))
            elif stripped.startswith("## "):
                flush()
                out.append(CondPageBreak(110))
                out.append(self._heading_bar(stripped[3:]))
            elif stripped.startswith("### "):
                flush()
                out.append(CondPageBreak(80))
                out.append(self._para(stripped[4:], self.s_h3))
            elif stripped.startswith("^^^ "):
                flush()
                out.append(self._para(stripped[4:], self.s_c3))
            elif stripped.startswith("^^ "):
                flush()
                out.append(self._para(stripped[3:], self.s_c2))
            elif stripped.startswith("^ "):
                flush()
                out.append(self._para(stripped[2:], self.s_c1))
            elif stripped.startswith(",, "):
                flush()
                out.append(self._para(stripped[3:], self.s_small))
            elif stripped.startswith("- "):
                flush()
                text = stripped[2:]
                while i + 1 < len(lines) and lines[i + 1].startswith("  ") and lines[i + 1].strip():
                    i += 1
                    text += " " + lines[i].strip()
                from reportlab.platypus import Paragraph

                out.append(Paragraph(inline(text), self.s_bullet, bulletText="\u2022"))
            elif stripped.startswith("> "):
                flush()
                text = [stripped[2:]]
                while i + 1 < len(lines) and lines[i + 1].strip().startswith(">"):
                    i += 1
                    text.append(lines[i].strip()[1:].strip())
                out.append(self._callout(" ".join(t for t in text if t)))
            elif stripped.startswith("|"):
                flush()
                rows: list[list[str]] = []
                header = False
                widths = None
                while i < len(lines) and lines[i].strip().startswith("|"):
                    cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                    if all(re.fullmatch(r"=\d+(\.\d+)?", c) for c in cells):
                        widths = [float(c[1:]) for c in cells]
                    elif all(re.fullmatch(r":?-{2,}:?", c) for c in cells):
                        header = True
                    else:
                        rows.append(cells)
                    i += 1
                out.append(self._table(rows, header=header, widths=widths))
                continue
            else:
                para.append(line)
            i += 1
        flush()
        return out

    # -- page furniture ------------------------------------------------------ #
    def _on_page(self, canv, doc) -> None:
        from reportlab.lib import colors

        w, h = doc.pagesize
        m = self.meta
        canv.saveState()
        # protective marking, top and bottom centre
        canv.setFont("DejaVuSans-Bold", 8.5)
        canv.setFillColor(colors.HexColor("#B00020"))
        canv.drawCentredString(w / 2, h - 11 * MM, "OFFICIAL-SENSITIVE")
        canv.drawCentredString(w / 2, 7 * MM, "OFFICIAL-SENSITIVE")
        # organisation block
        canv.setFillColor(self.accent)
        canv.rect(LEFT, h - 27.5 * MM, 3.2 * MM, 11 * MM, stroke=0, fill=1)
        canv.setFont("DejaVuSans-Bold", 10.5)
        canv.drawString(LEFT + 5.5 * MM, h - 20.5 * MM, m.get("org", ""))
        canv.setFont("DejaVuSans", 8.3)
        canv.setFillColor(colors.HexColor("#4A5663"))
        canv.drawString(LEFT + 5.5 * MM, h - 25.5 * MM, m.get("unit", ""))
        canv.setFont("DejaVuSans", 8)
        right = w - RIGHT
        if m.get("formref"):
            canv.drawRightString(right, h - 20.5 * MM, m["formref"])
        canv.drawRightString(right, h - 25.5 * MM, f"Case ref: {self.case_reference}")
        canv.setStrokeColor(colors.HexColor("#9AA7B4"))
        canv.setLineWidth(0.6)
        canv.line(LEFT, h - 30 * MM, right, h - 30 * MM)
        # footer
        canv.line(LEFT, 17 * MM, right, 17 * MM)
        canv.setFont("DejaVuSans", 7.5)
        canv.setFillColor(colors.HexColor("#4A5663"))
        canv.drawString(LEFT, 13 * MM, m.get("footer", m.get("title", "")))
        if self.layout == "certificate":
            canv.setStrokeColor(self.accent)
            canv.setLineWidth(2.2)
            canv.rect(LEFT - 2 * MM, 20 * MM, w - LEFT - RIGHT + 4 * MM, h - 55 * MM, stroke=1, fill=0)
            canv.setLineWidth(0.6)
            canv.rect(LEFT, 22 * MM, w - LEFT - RIGHT, h - 59 * MM, stroke=1, fill=0)
        canv.restoreState()

    def render(self, path: Path) -> None:
        from reportlab.lib import colors
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen import canvas as rl_canvas
        from reportlab.platypus import SimpleDocTemplate

        register_fonts()
        w, _h = A4
        self.frame_width = w - LEFT - RIGHT
        top = 36 * MM
        bottom = 24 * MM
        if self.layout == "certificate":
            self.frame_width -= 20 * MM
        meta = self.meta

        class NumberedCanvas(rl_canvas.Canvas):
            """Adds "Page n of N" once the page count is known."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self._saved_pages: list[dict] = []

            def showPage(self):
                self._saved_pages.append(dict(self.__dict__))
                self._startPage()

            def save(self):
                total = len(self._saved_pages)
                for number, state in enumerate(self._saved_pages, 1):
                    self.__dict__.update(state)
                    self.setFont("DejaVuSans", 7.5)
                    self.setFillColor(colors.HexColor("#4A5663"))
                    self.drawRightString(w - RIGHT, 13 * MM, f"Page {number} of {total}")
                    super().showPage()
                super().save()

        margin = LEFT + (10 * MM if self.layout == "certificate" else 0)
        doc = SimpleDocTemplate(
            str(path), pagesize=A4, invariant=1,
            leftMargin=margin, rightMargin=RIGHT + (10 * MM if self.layout == "certificate" else 0),
            topMargin=top, bottomMargin=bottom,
            title=meta.get("title", ""), author=meta.get("author", meta.get("org", "")),
            subject=f"{self.case_reference} - fictional demo case",
            creator="CaseView demo case build", producer="ReportLab",
        )
        doc.build(self.story(), onFirstPage=self._on_page, onLaterPages=self._on_page,
                  canvasmaker=NumberedCanvas)


MM = 72 / 25.4
LEFT = 20 * MM
RIGHT = 20 * MM


def render_pdf(source: Path, out: Path, *, title: str, case_reference: str) -> None:
    from reportlab import rl_config

    rl_config.invariant = 1
    meta, body = parse_source(source.read_text(encoding="utf-8"))
    meta.setdefault("title", title)
    PdfRenderer(meta, body, case_reference=case_reference).render(out)


# --------------------------------------------------------------------------- #
# Case notes (text/plain)
# --------------------------------------------------------------------------- #

def render_text(source: Path, out: Path) -> None:
    """Wrap long lines at 78 columns (keeping their indent) and write with \\n."""
    result: list[str] = []
    for line in source.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n"):
        line = line.rstrip()
        if len(line) <= NOTES_WIDTH:
            result.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        result.extend(textwrap.wrap(line.strip(), width=NOTES_WIDTH, initial_indent=indent,
                                    subsequent_indent=indent, break_long_words=False,
                                    break_on_hyphens=False))
    while result and result[-1] == "":
        result.pop()
    out.write_bytes(("\n".join(result) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- #
# Child A's drawing (image/png), pure Python
# --------------------------------------------------------------------------- #

class Canvas:
    def __init__(self, w: int, h: int, paper=(250, 247, 238)):
        self.w, self.h = w, h
        self.px = bytearray(bytes(paper) * (w * h))
        self.rng = random.Random(20261014)

    def dot(self, x: float, y: float, r: float, colour, density: float = 0.82) -> None:
        """A crayon dab: a disc with gaps, so the paper shows through."""
        rng = self.rng
        xi, yi, ri = int(x), int(y), int(math.ceil(r))
        r2 = r * r
        px, w = self.px, self.w
        for yy in range(max(0, yi - ri), min(self.h, yi + ri + 1)):
            dy2 = (yy - y) ** 2
            row = yy * w
            for xx in range(max(0, xi - ri), min(w, xi + ri + 1)):
                if (xx - x) ** 2 + dy2 <= r2 and rng.random() < density:
                    k = (row + xx) * 3
                    # waxy: blend towards the colour with slight variation
                    shade = rng.randint(-14, 10)
                    px[k] = max(0, min(255, colour[0] + shade))
                    px[k + 1] = max(0, min(255, colour[1] + shade))
                    px[k + 2] = max(0, min(255, colour[2] + shade))

    def stroke(self, points, colour, width: float = 5.0, wobble: float = 1.6, density: float = 0.82):
        rng = self.rng
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            length = math.hypot(x1 - x0, y1 - y0)
            steps = max(1, int(length / 1.6))
            for s in range(steps + 1):
                t = s / steps
                x = x0 + (x1 - x0) * t + rng.uniform(-wobble, wobble) * 0.5
                y = y0 + (y1 - y0) * t + rng.uniform(-wobble, wobble) * 0.5
                self.dot(x, y, width / 2 * rng.uniform(0.85, 1.1), colour, density)

    def scribble_fill(self, polygon, colour, spacing: float = 7.0, angle: float = 0.5, width: float = 4.0):
        """Fill a polygon with back-and-forth crayon strokes, as a child colours in."""
        ca, sa = math.cos(angle), math.sin(angle)
        rot = [(x * ca + y * sa, -x * sa + y * ca) for x, y in polygon]
        vmin = min(v for _, v in rot)
        vmax = max(v for _, v in rot)
        v = vmin + spacing / 2
        forward = True
        while v < vmax:
            xs = []
            n = len(rot)
            for k in range(n):
                (u0, v0), (u1, v1) = rot[k], rot[(k + 1) % n]
                if (v0 <= v < v1) or (v1 <= v < v0):
                    xs.append(u0 + (v - v0) * (u1 - u0) / (v1 - v0))
            xs.sort()
            for a, b in zip(xs[0::2], xs[1::2]):
                a += self.rng.uniform(0, 3)
                b -= self.rng.uniform(0, 3)
                if b <= a:
                    continue
                pts = [(a, v), (b, v)] if forward else [(b, v), (a, v)]
                world = [(u * ca - vv * sa, u * sa + vv * ca) for u, vv in pts]
                self.stroke(world, colour, width=width, wobble=2.2, density=0.7)
            forward = not forward
            v += spacing * self.rng.uniform(0.8, 1.25)

    def circle_points(self, cx, cy, rx, ry, n=48, start=0.0, turns=1.08):
        pts = []
        for k in range(n + 1):
            a = start + 2 * math.pi * turns * k / n
            wob = 1 + self.rng.uniform(-0.03, 0.03)
            pts.append((cx + rx * wob * math.cos(a), cy + ry * wob * math.sin(a)))
        return pts

    def png(self) -> bytes:
        raw = bytearray()
        stride = self.w * 3
        for y in range(self.h):
            raw.append(0)
            raw += self.px[y * stride:(y + 1) * stride]

        def chunk(tag: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

        ihdr = struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0)
        text = b"Description\x00Child A's drawing of home (fictional demo case)"
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"tEXt", text)
                + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


# letters as strokes on a 0..1 box (x right, y down), for the child's labels
LETTERS = {
    "M": [[(0, 1), (0, 0), (0.5, 0.55), (1, 0), (1, 1)]],
    "E": [[(1, 0), (0, 0), (0, 1), (1, 1)], [(0, 0.5), (0.75, 0.5)]],
    "U": [[(0, 0), (0, 0.8), (0.2, 1), (0.8, 1), (1, 0.8), (1, 0)]],
    "B": [[(0, 1), (0, 0), (0.7, 0), (0.9, 0.15), (0.7, 0.48), (0, 0.48)],
          [(0.7, 0.48), (1, 0.7), (0.75, 1), (0, 1)]],
    "A": [[(0, 1), (0.5, 0), (1, 1)], [(0.22, 0.6), (0.78, 0.6)]],
    "Y": [[(0, 0), (0.5, 0.5), (1, 0)], [(0.5, 0.5), (0.5, 1)]],
    "H": [[(0, 0), (0, 1)], [(1, 0), (1, 1)], [(0, 0.5), (1, 0.5)]],
    "D": [[(0, 0), (0, 1), (0.55, 1), (0.95, 0.75), (1, 0.5), (0.95, 0.25), (0.55, 0), (0, 0)]],
    "O": [[(0.5, 0), (0.1, 0.15), (0, 0.5), (0.1, 0.85), (0.5, 1), (0.9, 0.85), (1, 0.5),
           (0.9, 0.15), (0.5, 0)]],
}


def write_label(c: Canvas, text: str, x: float, y: float, size: float, colour) -> None:
    for ch in text:
        if ch == " ":
            x += size * 0.6
            continue
        for path in LETTERS[ch]:
            c.stroke([(x + px * size * 0.75, y + py * size) for px, py in path], colour, width=3.2)
        x += size * 1.0 + c.rng.uniform(-2, 3)


def figure(c: Canvas, x: float, ground: float, height: float, clothes, hair, skirt=False) -> None:
    head_r = height * 0.14
    head_y = ground - height + head_r
    neck = head_y + head_r
    hip = ground - height * 0.38
    c.stroke(c.circle_points(x, head_y, head_r, head_r * 1.05, n=40), (40, 34, 30), width=3.4)
    # face
    c.dot(x - head_r * 0.38, head_y - head_r * 0.15, 2.6, (30, 30, 30), 1.0)
    c.dot(x + head_r * 0.38, head_y - head_r * 0.15, 2.6, (30, 30, 30), 1.0)
    smile = [(x - head_r * 0.5 + head_r * t / 6, head_y + head_r * 0.3 + math.sin(math.pi * t / 6) * head_r * 0.25)
             for t in range(7)]
    c.stroke(smile, (200, 40, 50), width=2.6)
    # hair scribbles
    for k in range(7):
        a = math.pi * (1.05 + k * 0.13)
        c.stroke([(x + head_r * math.cos(a), head_y + head_r * math.sin(a)),
                  (x + head_r * 1.35 * math.cos(a), head_y + head_r * 1.3 * math.sin(a))], hair, width=3.6)
    # body
    if skirt:
        body = [(x - height * 0.05, neck), (x + height * 0.05, neck), (x + height * 0.17, hip),
                (x - height * 0.17, hip)]
    else:
        body = [(x - height * 0.09, neck), (x + height * 0.09, neck), (x + height * 0.09, hip),
                (x - height * 0.09, hip)]
    c.scribble_fill(body, clothes, spacing=5.5, angle=1.2, width=3.6)
    c.stroke(body + [body[0]], clothes, width=3.0)
    # arms up (waving) and legs
    arm_y = neck + height * 0.08
    c.stroke([(x - height * 0.08, arm_y), (x - height * 0.28, arm_y - height * 0.12)], (40, 34, 30), width=3.2)
    c.stroke([(x + height * 0.08, arm_y), (x + height * 0.28, arm_y - height * 0.12)], (40, 34, 30), width=3.2)
    for side in (-1, 1):
        hx = x + side * height * 0.32
        hy = arm_y - height * 0.14
        for f in range(-2, 3):
            c.stroke([(x + side * height * 0.28, arm_y - height * 0.12),
                      (hx + f * 2.2, hy - abs(f) * 1.5)], (40, 34, 30), width=2.2)
    c.stroke([(x - height * 0.05, hip), (x - height * 0.08, ground)], (40, 34, 30), width=3.4)
    c.stroke([(x + height * 0.05, hip), (x + height * 0.08, ground)], (40, 34, 30), width=3.4)


def render_drawing(out: Path, width: int = 800, height: int = 600) -> None:
    c = Canvas(width, height)
    ground = 470
    # sky strip at the top, as children draw it
    c.scribble_fill([(0, 0), (width, 0), (width, 52), (0, 64)], (110, 170, 235), spacing=8, angle=0.08, width=5)
    # sun with rays, top right
    sx, sy, sr = 690, 110, 46
    c.scribble_fill([(sx + sr * math.cos(a / 24 * 2 * math.pi), sy + sr * math.sin(a / 24 * 2 * math.pi))
                     for a in range(24)], (250, 200, 30), spacing=6, angle=0.9, width=4.5)
    c.stroke(c.circle_points(sx, sy, sr, sr), (240, 160, 20), width=4.5)
    for k in range(11):
        a = 2 * math.pi * k / 11 + 0.2
        c.stroke([(sx + (sr + 12) * math.cos(a), sy + (sr + 12) * math.sin(a)),
                  (sx + (sr + 48) * math.cos(a), sy + (sr + 48) * math.sin(a))], (240, 170, 20), width=4.5)
    # a cloud
    for cx, cy, r in ((180, 110, 30), (215, 98, 36), (255, 112, 28)):
        c.stroke(c.circle_points(cx, cy, r, r * 0.8, n=36), (120, 150, 190), width=3)
    # grass
    c.scribble_fill([(0, ground - 6), (width, ground - 14), (width, height), (0, height)],
                    (70, 165, 60), spacing=9, angle=0.05, width=5.5)
    for k in range(60):
        gx = 8 + k * 13.3
        c.stroke([(gx, ground - 6), (gx + c.rng.uniform(-5, 5), ground - 24 - c.rng.uniform(0, 10))],
                 (50, 140, 45), width=3)
    # house
    hx0, hx1, htop = 90, 360, 250
    walls = [(hx0, htop), (hx1, htop), (hx1, ground), (hx0, ground)]
    c.scribble_fill(walls, (235, 120, 100), spacing=9, angle=0.3, width=4.5)
    c.stroke(walls + [walls[0]], (150, 50, 40), width=4.5)
    roof = [(hx0 - 22, htop), ((hx0 + hx1) / 2, 130), (hx1 + 22, htop)]
    c.scribble_fill(roof, (140, 70, 150), spacing=7, angle=1.1, width=4.5)
    c.stroke(roof + [roof[0]], (90, 40, 100), width=4.5)
    # chimney with smoke
    c.stroke([(300, 175), (300, 140), (325, 140), (325, 192)], (90, 40, 100), width=4.5)
    for k in range(3):
        c.stroke(c.circle_points(318 + k * 14, 118 - k * 22, 9 + k * 3, 7 + k * 2, n=24), (150, 150, 150), width=2.5)
    # windows and door
    for wx in (115, 265):
        win = [(wx, 285), (wx + 62, 285), (wx + 62, 340), (wx, 340)]
        c.scribble_fill(win, (130, 200, 240), spacing=6, angle=0.8, width=3.5)
        c.stroke(win + [win[0]], (40, 60, 120), width=3.8)
        c.stroke([(wx + 31, 285), (wx + 31, 340)], (40, 60, 120), width=3)
        c.stroke([(wx, 312), (wx + 62, 312)], (40, 60, 120), width=3)
    door = [(196, 360), (252, 360), (252, ground), (196, ground)]
    c.scribble_fill(door, (120, 80, 40), spacing=6, angle=1.4, width=4)
    c.stroke(door + [door[0]], (80, 50, 20), width=4)
    c.dot(242, 420, 4, (250, 210, 40), 1.0)
    # the family: Mother, Child A, Child B (small), holding hands in the garden
    figure(c, 455, ground + 20, 210, (200, 60, 140), (110, 70, 30), skirt=True)   # Mother
    figure(c, 555, ground + 22, 150, (60, 110, 220), (230, 180, 40), skirt=True)  # Child A ("ME")
    figure(c, 636, ground + 24, 100, (250, 150, 40), (110, 70, 30))               # Child B
    # Father, drawn small, apart, at the edge of the page
    figure(c, 752, ground - 10, 120, (90, 90, 90), (60, 40, 20))
    write_label(c, "MUM", 423, 222, 26, (200, 60, 140))
    write_label(c, "ME", 535, 302, 26, (60, 110, 220))
    write_label(c, "BABY", 594, 356, 20, (230, 120, 20))
    write_label(c, "DAD", 718, 298, 20, (90, 90, 90))
    # a flower by the door
    c.stroke([(395, ground + 10), (395, ground - 40)], (50, 140, 45), width=3.5)
    for k in range(6):
        a = 2 * math.pi * k / 6
        c.stroke(c.circle_points(395 + 11 * math.cos(a), ground - 52 + 11 * math.sin(a), 7, 7, n=14),
                 (230, 60, 80), width=3)
    c.dot(395, ground - 52, 6, (250, 200, 30), 1.0)
    out.write_bytes(c.png())


# --------------------------------------------------------------------------- #
# Assembling the folder
# --------------------------------------------------------------------------- #

def source_for(doc: dict) -> Path:
    stem = Path(doc["path"]).stem
    if doc["media_type"] == "application/pdf":
        return DOCS / f"{stem}.md"
    if doc["media_type"] == "text/plain":
        return DOCS / f"{stem}.txt"
    return Path()


def render_documents(manifest: dict, folder: Path) -> None:
    reference = manifest["case"]["reference"]
    for doc in manifest["documents"]:
        target = folder / doc["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        media = doc["media_type"]
        if media == "application/pdf":
            render_pdf(source_for(doc), target, title=doc["title"], case_reference=reference)
        elif media == "text/plain":
            render_text(source_for(doc), target)
        elif media == "image/png":
            render_drawing(target)
        else:
            raise BuildError(f"no renderer for {doc['id']} ({media})")


def check_manifest(manifest: dict) -> None:
    doc_ids = [d["id"] for d in manifest["documents"]]
    ev_ids = [e["id"] for e in manifest.get("chronology", [])]
    item_ids = [i["id"] for i in manifest["items"]]
    sections = [s["id"] for s in manifest.get("sections", [])]
    for name, ids in (("documents", doc_ids), ("chronology", ev_ids), ("items", item_ids)):
        if len(set(ids)) != len(ids):
            raise BuildError(f"duplicate id in {name}")
    for d in manifest["documents"]:
        if "sha256" in d or "size" in d:
            raise BuildError(f"template document {d['id']} must not carry sha256/size")
        if d.get("section") not in sections:
            raise BuildError(f"document {d['id']}: unknown section {d.get('section')!r}")
    for where, entries in (("chronology", manifest.get("chronology", [])), ("items", manifest["items"])):
        for e in entries:
            for ref in e.get("documents", []):
                if ref not in doc_ids:
                    raise BuildError(f"{where} {e['id']} names unknown document {ref}")
            for ref in e.get("items", []):
                if ref not in item_ids:
                    raise BuildError(f"{where} {e['id']} names unknown item {ref}")
            for ref in e.get("events", []):
                if ref not in ev_ids:
                    raise BuildError(f"{where} {e['id']} names unknown event {ref}")


# --------------------------------------------------------------------------- #
# Pages, page references and citations
# --------------------------------------------------------------------------- #

def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def page_texts(doc: dict, folder: Path) -> list[str]:
    """The text of each page of a document as CaseView reads it (normalised)."""
    path = folder / doc["path"]
    media = doc["media_type"]
    if media == "application/pdf":
        import pypdfium2

        pdf = pypdfium2.PdfDocument(str(path))
        try:
            texts = []
            for i in range(len(pdf)):
                page = pdf[i]
                tp = page.get_textpage()
                texts.append(normalise(tp.get_text_range()))
                tp.close()
                page.close()
            return texts
        finally:
            pdf.close()
    if media in ("text/plain", "text/markdown"):
        return [normalise(page) for page in text_pages(path)]
    return [""]


def text_pages(path: Path) -> list[str]:
    """60 lines a page, split on \\n (\\r\\n counts once); a final newline ends the
    last line rather than starting another; at least one page."""
    text = path.read_bytes().decode("utf-8").replace("\r\n", "\n")
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    pages = ["\n".join(lines[k:k + LINES_PER_TEXT_PAGE]) for k in range(0, len(lines), LINES_PER_TEXT_PAGE)]
    return pages or [""]


def text_page_count(path: Path) -> int:
    return len(text_pages(path))


def page_counts(manifest: dict, folder: Path) -> dict[str, int]:
    counts = {}
    for doc in manifest["documents"]:
        media = doc["media_type"]
        path = folder / doc["path"]
        if media == "application/pdf":
            import pypdfium2

            pdf = pypdfium2.PdfDocument(str(path))
            counts[doc["id"]] = len(pdf)
            pdf.close()
        elif media in ("text/plain", "text/markdown"):
            counts[doc["id"]] = text_page_count(path)
        else:
            counts[doc["id"]] = 1
    return counts


def bundle_order(manifest: dict) -> list[dict]:
    sections = [s["id"] for s in manifest.get("sections", [])] or ["A"]
    first = sections[0]
    indexed = list(enumerate(manifest["documents"]))

    def key(pair):
        index, doc = pair
        section = doc.get("section", first)
        date = doc.get("date")
        return (sections.index(section), 0 if date else 1, date or "", index)

    return [doc for _, doc in sorted(indexed, key=key)]


def page_refs(manifest: dict, counts: dict[str, int]) -> dict[str, list[str]]:
    """document id -> the bundle page reference of each of its pages."""
    first = (manifest.get("sections") or [{"id": "A"}])[0]["id"]
    next_number: dict[str, int] = {}
    refs: dict[str, list[str]] = {}
    for doc in bundle_order(manifest):
        section = doc.get("section", first)
        start = next_number.get(section, 1)
        refs[doc["id"]] = [f"{section}{start + k}" for k in range(counts[doc["id"]])]
        next_number[section] = start + counts[doc["id"]]
    return refs


def resolve_anchor(anchor: dict, texts: dict[str, list[str]], where: str) -> tuple[str, str]:
    doc_id = anchor["document_id"]
    if doc_id not in texts:
        raise BuildError(f"{where}: unknown document {doc_id}")
    page = anchor["page"]
    pages = texts[doc_id]
    if not (isinstance(page, int) and 1 <= page <= len(pages)):
        raise BuildError(f"{where}: {doc_id} has no page {page} (it has {len(pages)})")
    exact = normalise(anchor["exact"])
    if exact != anchor["exact"]:
        raise BuildError(f"{where}: 'exact' must be whitespace-normalised: {anchor['exact']!r}")
    if not 10 <= len(exact) <= 200:
        raise BuildError(f"{where}: 'exact' must be 10-200 characters ({len(exact)}): {exact!r}")
    text = pages[page - 1]
    at = text.find(exact)
    if at < 0:
        others = [n + 1 for n, t in enumerate(pages) if exact in t]
        hint = f" (found on page(s) {others})" if others else ""
        raise BuildError(f"{where}: passage not on {doc_id} page {page}{hint}: {exact!r}")
    if text.find(exact, at + 1) >= 0:
        raise BuildError(f"{where}: passage occurs more than once on {doc_id} page {page}: {exact!r}")
    prefix = text[max(0, at - 32):at]
    suffix = text[at + len(exact):at + len(exact) + 32]
    return prefix, suffix


# What outcome-verification 1.0 asks (review-frameworks.md); used when the
# shipped framework file is not there to read.
FALLBACK_FRAMEWORK = {
    "id": "outcome-verification", "version": "1.0",
    "scales": {"judgement": [{"value": v} for v in (4, 3, 2, 1)]},
    "item_questions": {
        "outcome": [
            {"id": "evidenced", "type": "choice", "required": True, "min_evidence": 1,
             "options": ["Evidenced", "Partially evidenced", "Not evidenced"]},
            {"id": "attributable", "type": "choice", "required": True,
             "options": ["Yes", "Partly", "No", "Cannot tell"]},
            {"id": "sustained", "type": "choice", "required": True, "options": ["Yes", "No", "Too early to tell"]},
            {"id": "rationale", "type": "text", "required": True},
            {"id": "concern", "type": "flag", "required": False},
        ],
        "decision": [
            {"id": "judgement", "type": "scale", "scale": "judgement", "required": True, "min_evidence": 1},
            {"id": "rationale", "type": "text", "required": True},
            {"id": "escalate", "type": "flag", "required": False},
        ],
    },
    "case_questions": [
        {"id": "payment", "type": "choice", "required": True, "options": ["Full", "Partial", "None"]},
        {"id": "payment_rationale", "type": "text", "required": True},
        {"id": "quality_note", "type": "text", "required": False},
    ],
}


def load_framework(framework_id: str, version: str | None = None) -> dict:
    folder = REPO / "resources" / "frameworks"
    path = folder / f"{framework_id}-{version}.json"
    if not path.is_file():
        path = folder / f"{framework_id}.json"
    if path.is_file():
        return load_json(path)
    if framework_id == FALLBACK_FRAMEWORK["id"]:
        return FALLBACK_FRAMEWORK
    raise BuildError(f"framework {framework_id!r} not found at {path}")


def check_answer_set(where: str, questions: list[dict], answers: dict, framework: dict,
                     n_evidence: int | None) -> None:
    by_id = {q["id"]: q for q in questions}
    for key in answers:
        if key not in by_id:
            raise BuildError(f"{where}: {key!r} is not a question of this framework")
    for q in questions:
        qid = q["id"]
        required = q.get("required")
        when = q.get("required_when")
        if when:  # framework shape 1.1
            required = answers.get(when["question"]) in (when["in"] if "in" in when else [when["equals"]])
        if qid not in answers:
            if required:
                raise BuildError(f"{where}: required question {qid!r} is not answered")
            continue
        value = answers[qid]
        kind = q["type"]
        ok = True
        if kind == "choice":
            ok = value in q["options"]
        elif kind == "scale":
            ok = isinstance(value, int) and value in [lv["value"] for lv in framework["scales"][q["scale"]]]
        elif kind == "text":
            ok = isinstance(value, str) and (bool(value.strip()) or not q.get("required"))
        elif kind in ("list", "tags"):
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            if ok and kind == "tags":
                ok = all(v in q["options"] for v in value)
        elif kind == "flag":
            ok = (isinstance(value, dict) and set(value) == {"raised", "note"}
                  and isinstance(value["raised"], bool) and isinstance(value["note"], str)
                  and (not value["raised"] or bool(value["note"].strip())))
        elif kind == "date":
            ok = isinstance(value, str) and bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))
        elif kind == "actions":
            ok = isinstance(value, list) and all(
                isinstance(r, dict) and set(r) == {"action", "owner_role", "due"} for r in value)
        if not ok:
            raise BuildError(f"{where}: {value!r} is not a valid answer to {qid!r} ({kind})")
        if n_evidence is not None and n_evidence < q.get("min_evidence", 0):
            raise BuildError(f"{where}: {qid!r} needs at least {q['min_evidence']} evidence citation(s)")


def check_answers(review: dict, manifest: dict) -> None:
    fw_ref = review["framework"]
    if fw_ref["id"] != manifest["review"]["framework"]:
        raise BuildError("review.json and the manifest name different frameworks")
    framework = load_framework(fw_ref["id"], fw_ref["version"])
    if framework.get("version") != fw_ref["version"]:
        raise BuildError(f"framework version {framework.get('version')!r} is not {fw_ref['version']!r}")
    kinds = {i["id"]: i["kind"] for i in manifest["items"]}
    answered = [e["item_id"] for e in review["items"]]
    if sorted(answered) != sorted(kinds):
        raise BuildError(f"review must answer every item once: {sorted(answered)} vs {sorted(kinds)}")
    for entry in review["items"]:
        questions = framework["item_questions"][kinds[entry["item_id"]]]
        check_answer_set(f"item {entry['item_id']}", questions, entry["answers"], framework,
                         len(entry.get("evidence", [])))
    check_answer_set("case", framework["case_questions"], review["case"]["answers"], framework, None)


REF_PATTERN = re.compile(r"\[\[(?P<doc>[A-Za-z0-9_.-]+):(?P<page>\d+)\]\]")


def fill_page_refs(value, refs: dict[str, list[str]]):
    """Replace ``[[DOC06:1]]`` in texts with that page's bundle reference (``B1``)."""
    if isinstance(value, str):
        def sub(m):
            doc, page = m.group("doc"), int(m.group("page"))
            if doc not in refs or not 1 <= page <= len(refs[doc]):
                raise BuildError(f"page reference {m.group(0)} names no page of the bundle")
            return refs[doc][page - 1]
        return REF_PATTERN.sub(sub, value)
    if isinstance(value, list):
        return [fill_page_refs(v, refs) for v in value]
    if isinstance(value, dict):
        return {k: fill_page_refs(v, refs) for k, v in value.items()}
    return value


def finish_review(review: dict, manifest: dict, folder: Path) -> dict:
    """Fill page_ref/prefix/suffix of every citation, checking each passage."""
    counts = page_counts(manifest, folder)
    refs = page_refs(manifest, counts)
    texts = {d["id"]: page_texts(d, folder) for d in manifest["documents"]}
    review = copy.deepcopy(review)
    check_answers(review, manifest)
    for entry in review["items"]:
        entry["answers"] = fill_page_refs(entry["answers"], refs)
    review["case"] = fill_page_refs(review["case"], refs)
    for ann in review.get("annotations", []):
        ann["note"] = fill_page_refs(ann["note"], refs)
    for entry in review["items"]:
        new = []
        for n, ev in enumerate(entry["evidence"], 1):
            where = f"item {entry['item_id']} evidence {n}"
            prefix, suffix = resolve_anchor(ev, texts, where)
            new.append({"document_id": ev["document_id"], "page": ev["page"],
                        "page_ref": refs[ev["document_id"]][ev["page"] - 1],
                        "exact": ev["exact"], "prefix": prefix, "suffix": suffix})
        entry["evidence"] = new
    annotations = []
    for ann in review.get("annotations", []):
        prefix, suffix = resolve_anchor(ann, texts, f"annotation {ann['id']}")
        annotations.append({"id": ann["id"], "document_id": ann["document_id"], "page": ann["page"],
                            "exact": ann["exact"], "prefix": prefix, "suffix": suffix,
                            "note": ann["note"], "created": ann["created"]})
    review["annotations"] = annotations
    return review


def check_page_counts(manifest: dict, folder: Path) -> dict[str, int]:
    counts = page_counts(manifest, folder)
    wrong = [f"{d['id']} ({d['path']}): manifest says {d.get('pages')}, rendered {counts[d['id']]}"
             for d in manifest["documents"] if d.get("pages") != counts[d["id"]]]
    if wrong:
        raise BuildError("page counts in source/manifest.json do not match the rendered documents; "
                         "update 'pages':\n  " + "\n  ".join(wrong))
    return counts


# --------------------------------------------------------------------------- #
# Main
# --------------------------------------------------------------------------- #

def assemble(folder: Path) -> dict:
    manifest = load_json(SOURCE / "manifest.json")
    check_manifest(manifest)
    folder.mkdir(parents=True, exist_ok=True)
    render_documents(manifest, folder)
    check_page_counts(manifest, folder)
    (folder / "manifest.json").write_bytes(dump_json(manifest))
    return manifest


def findings_document(review: dict, bundle: dict) -> dict:
    out = {"format": review.get("format", "caseview-findings"),
           "format_version": review.get("format_version", "1.0"),
           "bundle": bundle}
    for key, value in review.items():
        if key not in ("format", "format_version", "bundle"):
            out[key] = value
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the CaseView demo case (fictional).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"bundle to write (default {DEFAULT_OUT.relative_to(REPO)})")
    parser.add_argument("--folder-only", type=Path, metavar="DIR",
                        help="only lay out the bundle folder in DIR (no .cvb, no findings)")
    parser.add_argument("--findings", type=Path, default=DEFAULT_FINDINGS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    review = load_json(SOURCE / "review.json")
    try:
        if args.folder_only:
            folder = args.folder_only
            if folder.exists() and any(folder.iterdir()):
                raise BuildError(f"{folder} exists and is not empty")
            manifest = assemble(folder)
            finish_review(review, manifest, folder)
            print(f"demo folder written to {folder} ({len(manifest['documents'])} documents); "
                  f"all citations resolve")
            return 0

        if str(REPO) not in sys.path:
            sys.path.insert(0, str(REPO))
        from caseview.core.build import build_bundle

        with tempfile.TemporaryDirectory(prefix="caseview-demo-") as tmp:
            folder = Path(tmp) / "demo-case"
            manifest = assemble(folder)
            finished = finish_review(review, manifest, folder)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            built_bundle = build_bundle(folder, args.out)
        # build_bundle returns the fingerprint, or a checked-bundle object carrying it
        fingerprint = built_bundle if isinstance(built_bundle, str) else built_bundle.fingerprint
        with zipfile.ZipFile(args.out) as zf:
            manifest_bytes = zf.read("manifest.json")
        built = json.loads(manifest_bytes.decode("utf-8"))
        if hashlib.sha256(manifest_bytes).hexdigest() != fingerprint:
            raise BuildError("build_bundle's fingerprint is not the SHA-256 of the bundle's manifest.json")
        bundle = {"bundle_id": built["bundle_id"], "fingerprint": fingerprint,
                  "case_reference": built["case"]["reference"]}
        args.findings.write_bytes(dump_json(findings_document(finished, bundle)))
        print(f"{args.out}: fingerprint {fingerprint}")
        print(f"{args.findings}: example review written")
        return 0
    except BuildError as exc:
        print(f"build_demo: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
