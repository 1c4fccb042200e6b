"""Render a review as the signed-report PDF (A4, reportlab), byte for byte reproducible."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from typing import Callable

from reportlab.lib.pagesizes import A4
from reportlab.lib.colors import white
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFDate, PDFDictionary, PDFInfo, PDFName, PDFString
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from .model import HistoryLine, ReportDocument, ReportInput
from .blocks import Context, context_of
from .story import build_story
from .style import (
    ACCENT,
    INK,
    MUTED,
    RULE,
    SANS,
    SANS_BOLD,
    WATERMARK,
    ensure_fonts,
    make_styles,
)
from ..signing import SignatureBox

__all__ = [
    "HistoryLine",
    "RenderedReport",
    "ReportCanvas",
    "ReportDocument",
    "ReportInput",
    "SignatureBox",
    "render_report",
]

MARGIN_X = 22 * mm
MARGIN_TOP = 26 * mm
MARGIN_BOTTOM = 24 * mm
WATERMARK_TEXT = "DRAFT — not signed"


@dataclass(frozen=True)
class RenderedReport:
    """The PDF and where the signer must place the two signature fields (last page, PDF points)."""

    pdf: bytes
    reviewer_box: SignatureBox
    moderator_box: SignatureBox
    page_count: int


class _CaseViewInfo(PDFInfo):
    """The document information dictionary plus CaseView's own keys.

    reportlab builds the dictionary inside ``PDFInfo.format`` with a fixed set
    of keys, so the standard entries are repeated here; a verifier compares the
    custom keys with the embedded findings.
    """

    extra: tuple[tuple[str, str], ...] = ()

    def format(self, document):
        d = {
            "Title": PDFString(self.title),
            "Author": PDFString(self.author),
            "Subject": PDFString(self.subject),
            "Keywords": PDFString(self.keywords),
            "Creator": PDFString(self.creator),
            "Producer": PDFString(self.producer),
            "Trapped": PDFName(self.trapped),
        }
        d["CreationDate"] = d["ModDate"] = PDFDate(
            ts=document._timeStamp, dateFormatter=self._dateFormatter
        )
        for key, value in self.extra:
            d[key] = PDFString(value)
        return PDFDictionary(d).format(document)


_FOOTER_SLOT = object()  # stands in the page's code list where the footer goes


class _ReportCanvas(Canvas):
    """The report's canvas: one layout pass, each page's footer written at the end.

    A footer says "Page N of M", and M is known only once the last page is laid
    out. Instead of laying the report out twice, a page keeps an empty slot in
    its content stream where its footer belongs (``defer_footer``, at the point
    the footer used to be drawn), and ``save`` draws every footer, now knowing
    M, from the state a page starts in and splices it into the slot. Everything
    else about a page (its number, bookmarks, outline entries, the order of its
    content) is as if the page had been drawn in one go.
    """

    def __init__(self, *args, extra_info=(), pdf_date=None, **kwargs):
        super().__init__(*args, **kwargs)
        info = _CaseViewInfo()
        info.__dict__.update(self._doc.info.__dict__)
        info.extra = tuple(extra_info)
        self._doc.info = info
        # The outline opens beside the pages, as a reader of a long report expects.
        self.showOutline()
        if pdf_date is not None:
            # Invariant mode would stamp 2000-01-01; the date the report
            # speaks for (signing, else completion) is both true and stable.
            self.setDateFormatter(lambda *_: pdf_date)
        self._footer_slot: tuple[int, Callable] | None = None
        # (page object, offset of the slot in its stream, page number, draw)
        self._footers: list[tuple[object, int, int, Callable]] = []

    def defer_footer(self, draw: Callable[[Canvas, int, int], None]) -> None:
        """Keep this point of the page for ``draw(canvas, page_number, page_count)``."""
        if self._footer_slot is not None:
            raise AssertionError("a page has one footer")
        self._footer_slot = (len(self._code), draw)
        self._code.append(_FOOTER_SLOT)

    def showPage(self):
        slot, self._footer_slot = self._footer_slot, None
        if slot is None:
            super().showPage()
            return
        index, draw = slot
        code = self._code
        if code[index] is not _FOOTER_SLOT:
            raise AssertionError("the footer slot moved")
        code[index] = ""
        # reportlab joins a page's stream as "\n".join(before + [preamble] + code + after),
        # so the empty slot is at this offset, between two newlines.
        offset = len("\n".join([*self._psCommandsBeforePage, self._preamble, *code[:index]])) + 1
        number = self._pageNumber
        super().showPage()
        self._footers.append((self._doc.Pages.pages[-1], offset, number, draw))

    def _write_footers(self) -> None:
        if len(self._code):
            self.showPage()
        total = len(self._doc.Pages.pages)
        for page, offset, number, draw in self._footers:
            stream = page.stream
            if stream[offset - 1:offset + 1] != "\n\n":
                raise AssertionError(f"page {number}: the footer slot is not where it was left")
            # The state a fresh page starts in, which the footer was drawn from
            # when it was drawn at the top of its page.
            self.init_graphics_state()
            self.state_stack = []
            self._code = []
            draw(self, number, total)
            page.stream = stream[:offset] + "\n".join(self._code) + stream[offset:]
        self._footers = []
        self._code = []

    def save(self):
        self._write_footers()
        super().save()

    def getpdfdata(self):
        self._write_footers()
        return super().getpdfdata()


#: The report's canvas (CaseView's document information keys, deferred "Page N of M" footers), for other
#: documents in the report's house style: the moderation record.
ReportCanvas = _ReportCanvas


def pdf_date(when: datetime | None) -> str | None:
    """A PDF date (``D:20261203163500+00'00'``) in UTC; a moment without an offset is taken to be UTC."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return f"D:{when.astimezone(timezone.utc):%Y%m%d%H%M%S}+00'00'"


def _pdf_date(inp: ReportInput) -> str | None:
    when: datetime | None = inp.signed_on
    if when is None:
        for key in ("completed", "started"):
            raw = inp.findings.get(key)
            if raw:
                try:
                    when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
                    break
                except ValueError:
                    continue
    return pdf_date(when)


# -- page furniture: the report and the moderation record draw the same marking, head and footer ------------

def draw_marking(c: Canvas, doc: BaseDocTemplate, y: float, marking: str, colour) -> None:
    """The protective marking, centred, as every page of the source documents carries it."""
    c.saveState()
    c.setFont(SANS_BOLD, 8)
    c.setFillColor(colour)
    c.drawCentredString(doc.pagesize[0] / 2, y, marking)
    c.restoreState()


def draw_marking_band(c: Canvas, doc: BaseDocTemplate, marking: str) -> None:
    """A first page's top: an accent band with the marking in white."""
    w, h = doc.pagesize
    c.saveState()
    c.setFillColor(ACCENT)
    c.rect(0, h - 9 * mm, w, 9 * mm, stroke=0, fill=1)
    c.restoreState()
    draw_marking(c, doc, h - 6 * mm, marking, white)


def draw_running_head(c: Canvas, doc: BaseDocTemplate, left: str, right: str) -> None:
    """A body page's head: the document's name at the left, what it is about at the right, a rule below."""
    w, h = doc.pagesize
    y = h - 15 * mm
    c.saveState()
    c.setFont(SANS_BOLD, 7.5)
    c.setFillColor(ACCENT)
    c.drawString(doc.leftMargin, y, left)
    c.setFont(SANS, 7.5)
    c.setFillColor(MUTED)
    c.drawRightString(w - doc.rightMargin, y, right)
    c.setStrokeColor(RULE)
    c.setLineWidth(0.5)
    c.line(doc.leftMargin, y - 5, w - doc.rightMargin, y - 5)
    c.restoreState()


def draw_footer(c: Canvas, doc: BaseDocTemplate, marking: str, left: str, number: int, total: int) -> None:
    """A page's foot: a rule, ``left`` and "Page N of M", then the marking again."""
    w, _ = doc.pagesize
    y = 14 * mm
    draw_marking(c, doc, 7 * mm, marking, INK)
    c.saveState()
    c.setStrokeColor(RULE)
    c.setLineWidth(0.5)
    c.line(doc.leftMargin, y + 10, w - doc.rightMargin, y + 10)
    c.setFont(SANS, 7.5)
    c.setFillColor(MUTED)
    c.drawString(doc.leftMargin, y, left)
    c.drawRightString(w - doc.rightMargin, y, f"Page {number} of {total}")
    c.restoreState()


class _ReportDoc(BaseDocTemplate):
    def __init__(self, buf, ctx: Context, draft: bool, **kw):
        super().__init__(
            buf,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            invariant=1,
            **kw,
        )
        self._ctx = ctx
        self._draft = draft
        frame = Frame(
            self.leftMargin, self.bottomMargin, self.width, self.height,
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body",
        )
        self.addPageTemplates([
            PageTemplate("cover", [frame], onPage=self._decorate_cover),
            PageTemplate("body", [frame], onPage=self._decorate_body),
        ])

    def _watermark(self, c: Canvas) -> None:
        # Drawn before the page's flowables, so it lies behind the text.
        w, h = self.pagesize
        c.saveState()
        c.translate(w / 2, h / 2)
        c.rotate(math.degrees(math.atan2(h, w)))
        c.setFillColor(WATERMARK)
        c.setFont(SANS_BOLD, 62)
        c.drawCentredString(0, -22, WATERMARK_TEXT)
        c.restoreState()

    def _footer(self, c: _ReportCanvas) -> None:
        # Drawn when the page count is known; its place in the page is kept now.
        c.defer_footer(self._draw_footer)

    def _draw_footer(self, c: Canvas, number: int, total: int) -> None:
        draw_footer(c, self, self._ctx.marking, f"Case {self._ctx.case_reference}", number, total)

    def _decorate_cover(self, c: Canvas, doc) -> None:
        if self._draft:
            self._watermark(c)
        draw_marking_band(c, self, self._ctx.marking)
        self._footer(c)

    def _decorate_body(self, c: Canvas, doc) -> None:
        if self._draft:
            self._watermark(c)
        w, h = self.pagesize
        draw_marking(c, self, h - 8 * mm, self._ctx.marking, INK)
        right = self._ctx.case_reference
        if self._ctx.framework_title:
            right = f"{self._ctx.framework_title} {self._ctx.framework_version}".strip() + f"  ·  {right}"
        draw_running_head(c, self, "INDEPENDENT CASE REVIEW", right)
        self._footer(c)


def _build(inp: ReportInput, ctx: Context) -> tuple[bytes, int, dict]:
    styles = make_styles()
    buf = BytesIO()
    title = f"Independent case review — {ctx.case_reference}"
    subject = (f"{ctx.framework_title}, version {ctx.framework_version}; "
               f"bundle fingerprint {ctx.fingerprint}")
    doc = _ReportDoc(
        buf, ctx, inp.draft,
        title=title,
        author=ctx.reviewer_name or "Unknown reviewer",
        subject=subject,
        creator="CaseView",
        keywords=["independent case review", ctx.case_reference,
                  "draft" if inp.draft else "for signature"],
    )
    sink: dict = {}
    story = build_story(inp, ctx, styles, doc.width, sink)
    canvasmaker = functools.partial(
        _ReportCanvas,
        extra_info=(
            ("CaseViewFingerprint", ctx.fingerprint),
            ("CaseViewCaseReference", ctx.case_reference),
            ("CaseViewBundleId", ctx.bundle_id),
        ),
        pdf_date=_pdf_date(inp),
    )
    doc.build(story, canvasmaker=canvasmaker)
    return buf.getvalue(), doc.page, sink


def render_report(inp: ReportInput) -> RenderedReport:
    """Lay the review out as a PDF and say where the two signature fields belong.

    One layout pass: every footer's "Page N of M" is written when the document
    is saved and M is known (see ``_ReportCanvas``). Invariant mode keeps the
    bytes identical for identical input.
    """
    ensure_fonts()
    ctx = context_of(inp)
    pdf, pages, sink = _build(inp, ctx)
    boxes = {}
    for role in ("reviewer", "moderator"):
        page, x1, y1, x2, y2 = sink[role]
        if page != pages:
            raise AssertionError(f"{role} signature box landed on page {page} of {pages}")
        boxes[role] = SignatureBox(-1, round(x1, 2), round(y1, 2), round(x2, 2), round(y2, 2))
    return RenderedReport(
        pdf=pdf,
        reviewer_box=boxes["reviewer"],
        moderator_box=boxes["moderator"],
        page_count=pages,
    )
