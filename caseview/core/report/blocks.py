"""Building blocks of the review report: flowables, table styles, answers as text."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.platypus import Flowable, Spacer, Table, TableStyle
from reportlab.platypus import Paragraph as _Paragraph
from reportlab.platypus.flowables import HRFlowable

from ..dates import uk_date
from .model import ReportInput
from .style import (
    ACCENT,
    ACCENT_TINT,
    ALERT,
    FAINT,
    MUTED,
    PANEL,
    RULE,
    SANS,
    SANS_BOLD,
    Styles,
    esc,
    paragraphs_markup,
    smallcaps,
)

SIGNATURE_BOX_WIDTH = 228.0
SIGNATURE_BOX_HEIGHT = 90.0


def hex_of(color) -> str:
    return "#" + color.hexval()[2:]


def quiet(text: str) -> str:
    return f'<font color="{hex_of(FAINT)}"><i>{esc(text)}</i></font>'


NOT_ANSWERED = quiet("Not answered")


@dataclass(frozen=True)
class Context:
    """Facts about the review that several parts of the report need."""

    case_reference: str
    fingerprint: str
    bundle_id: str
    framework_title: str
    framework_version: str
    reviewer_name: str
    reviewer_organisation: str
    issuer: str
    marking: str  # the protective marking at the top and bottom of every page


def context_of(inp: ReportInput) -> Context:
    bundle = inp.findings.get("bundle") or {}
    reviewer = inp.findings.get("reviewer") or {}
    manifest_case = inp.manifest.get("case") or {}
    return Context(
        case_reference=str(bundle.get("case_reference") or manifest_case.get("reference") or ""),
        fingerprint=str(bundle.get("fingerprint") or ""),
        bundle_id=str(bundle.get("bundle_id") or inp.manifest.get("bundle_id") or ""),
        framework_title=str(inp.framework.get("title") or inp.framework.get("id") or ""),
        framework_version=str(inp.framework.get("version") or ""),
        reviewer_name=str(reviewer.get("name") or ""),
        reviewer_organisation=str(reviewer.get("organisation") or ""),
        issuer=str((inp.manifest.get("issuer") or {}).get("organisation") or ""),
        marking=protective_marking(inp.manifest),
    )


DEFAULT_MARKING = "OFFICIAL-SENSITIVE"


def protective_marking(manifest: dict) -> str:
    """The bundle's ``case.protective_marking`` (format 1.1), else the default every source document carries."""
    marking = str((manifest.get("case") or {}).get("protective_marking") or "").strip()
    return marking or DEFAULT_MARKING


# --- flowables -------------------------------------------------------------


class Paragraph(_Paragraph):
    """reportlab's Paragraph, breaking its lines once per width.

    Layout asks a paragraph for its size many times at the same width (a table
    sizes its rows, is measured again by the frame and by any KeepTogether,
    and sizes each cell once more to draw it), and reportlab breaks the lines
    afresh each time; the result depends only on the width.
    """

    def wrap(self, availWidth, availHeight):
        memo = self.__dict__.get("_wrap_memo")
        # A split drops ``blPara`` when the paragraph must move on whole: break again then.
        if memo is not None and memo[0] == availWidth and self.__dict__.get("blPara") is memo[1]:
            self.width = availWidth
            self.height = memo[2]
            return availWidth, memo[2]
        width, height = super().wrap(availWidth, availHeight)
        bl = self.__dict__.get("blPara")
        if bl is not None:
            self._wrap_memo = (availWidth, bl, height)
        return width, height


class Heading(Paragraph):
    """A heading that puts itself in the PDF outline, pointing at its own top."""

    def __init__(self, markup: str, style, key: str, outline_title: str, level: int):
        super().__init__(markup, style)
        self._outline = (key, outline_title, level)

    def draw(self):
        super().draw()
        key, title, level = self._outline
        self.canv.bookmarkHorizontal(key, 0, self.height)
        self.canv.addOutlineEntry(title, key, level)


class SignatureBlock(Flowable):
    """Two empty framed boxes the signer later fills with signature appearances.

    Their absolute rectangles are written into ``sink`` while drawing, because
    only the final layout knows where the last page's free space is.
    """

    LABEL_SPACE = 16.0
    CAPTION_SPACE = 30.0

    def __init__(self, boxes: list[tuple[str, str, str]], styles: Styles, sink: dict):
        super().__init__()
        self._boxes = boxes  # (role key, label, caption markup)
        self._styles = styles
        self._sink = sink

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        self.height = self.LABEL_SPACE + SIGNATURE_BOX_HEIGHT + self.CAPTION_SPACE
        return self.width, self.height

    def draw(self):
        c = self.canv
        w = min(SIGNATURE_BOX_WIDTH, (self.width - 14) / 2)
        gap = self.width - 2 * w
        y = self.CAPTION_SPACE
        for i, (role, label, caption) in enumerate(self._boxes):
            x = i * (w + gap)
            c.saveState()
            c.setStrokeColor(MUTED)
            c.setLineWidth(0.6)
            c.rect(x, y, w, SIGNATURE_BOX_HEIGHT, stroke=1, fill=0)
            c.setFillColor(ACCENT)
            c.setFont(SANS_BOLD, 9)
            c.drawString(x, y + SIGNATURE_BOX_HEIGHT + 5, label)
            c.restoreState()
            para = Paragraph(caption, self._styles.small_muted)
            _, ph = para.wrap(w, self.CAPTION_SPACE)
            para.drawOn(c, x, y - 4 - ph)
            x1, y1 = c.absolutePosition(x, y)
            x2, y2 = c.absolutePosition(x + w, y + SIGNATURE_BOX_HEIGHT)
            self._sink[role] = (c.getPageNumber(), x1, y1, x2, y2)


# --- small builders --------------------------------------------------------


def table_style(cmds: list) -> TableStyle:
    # A table draws plain-string cells (a spanned row's blanks) in its own
    # default font, Helvetica, which would land unembedded in the PDF.
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), SANS), *cmds])


def ruled_table(rows, widths, styles_extra=(), header=True, repeat=True, split_in_row=True) -> Table:
    """A table with a tinted header row (repeated on each page) and hairlines between rows.

    ``split_in_row`` lets a row taller than what is left of a page break inside it; a table of
    short rows that uses NOSPLIT to keep rows together must turn it off, or reportlab falls back
    to an in-row split that strands the kept rows anyway.
    """
    cmds = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
    ]
    if header:
        cmds += [
            ("BACKGROUND", (0, 0), (-1, 0), ACCENT_TINT),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
            ("TOPPADDING", (0, 0), (-1, 0), 5),
        ]
    table = Table(
        rows, colWidths=widths, repeatRows=1 if (header and repeat) else 0, hAlign="LEFT",
        splitInRow=1 if split_in_row else 0,
    )
    table.setStyle(table_style(cmds + list(styles_extra)))
    return table


def headline_panel(cell: list[Flowable], width: float) -> list[Flowable]:
    """The summary's lead answer: a tinted panel with an accent rule at its left."""
    panel = Table([[cell]], colWidths=[width], hAlign="LEFT")
    panel.setStyle(table_style([
        ("BACKGROUND", (0, 0), (-1, -1), PANEL),
        ("LINEBEFORE", (0, 0), (0, -1), 3, ACCENT),
        ("LEFTPADDING", (0, 0), (-1, -1), 14),
        ("TOPPADDING", (0, 0), (-1, -1), 10),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
    ]))
    return [panel, Spacer(1, 14)]


def kv_table(rows: list[tuple[str, str]], st: Styles, label_width: float, width: float) -> Table:
    data = [[Paragraph(smallcaps(k), st.label), Paragraph(v, st.cell)] for k, v in rows]
    table = Table(data, colWidths=[label_width, width - label_width], hAlign="LEFT")
    table.setStyle(
        table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (0, -1), 7),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
            ]
        )
    )
    return table


def h1(text: str, key: str, st: Styles) -> list[Flowable]:
    return [
        Heading(esc(text), st.h1, key, text, 0),
        HRFlowable(width="100%", thickness=0.8, color=ACCENT, spaceBefore=2, spaceAfter=12),
    ]


def text_block(text: str, style) -> list[Flowable]:
    return [Paragraph(p, style) for p in paragraphs_markup(text)]


def scale_label(framework: dict, scale_id: str | None, value) -> str:
    for level in (framework.get("scales") or {}).get(scale_id or "", []):
        if level.get("value") == value:
            return f"{value} — {level.get('label', '')}"
    return str(value)


def scale_description(framework: dict, scale_id: str | None, value) -> str:
    for level in (framework.get("scales") or {}).get(scale_id or "", []):
        if level.get("value") == value:
            return str(level.get("description") or "")
    return ""


def answer_markup(q: dict, answers: dict, framework: dict) -> str:
    """One answer as inline markup, by the question's type; absent means unanswered."""
    if q["id"] not in answers:
        return NOT_ANSWERED
    value = answers[q["id"]]
    kind = q.get("type")
    if kind == "scale":
        return esc(scale_label(framework, q.get("scale"), value))
    if kind == "flag":
        value = value or {}
        if not value.get("raised"):
            return "Not raised"
        note = "<br/>".join(paragraphs_markup(str(value.get("note") or "")))
        return f'<font color="{hex_of(ALERT)}"><b>Raised</b></font>' + (f"<br/>{note}" if note else "")
    if kind == "list":
        return "<br/>".join(f"{i}. {esc(v)}" for i, v in enumerate(value or [], 1)) or "None"
    if kind == "tags":
        return esc(", ".join(value or [])) or "None"
    if kind == "text":
        return "<br/><br/>".join(paragraphs_markup(str(value))) or NOT_ANSWERED
    if kind == "date":
        return esc(uk_date(value)) or esc(value)
    if kind == "actions":
        lines = []
        for i, row in enumerate(value or [], 1):
            owner = f" — {esc(row.get('owner_role'))}" if row.get("owner_role") else ""
            due = f", by {esc(uk_date(row.get('due')))}" if row.get("due") else ""
            lines.append(f"{i}. {esc(row.get('action', ''))}{owner}{due}")
        return "<br/>".join(lines) or "None"
    return esc(value)


def headline_questions(questions: list[dict]) -> list[dict]:
    """The answers that sum an item up in the summary table.

    A decision is summed up by its judgement (the scale question); an outcome
    by whether it is evidenced (the question that demands evidence) and sustained.
    """
    scaled = [q for q in questions if q.get("type") == "scale"]
    if scaled:
        return scaled
    return [
        q for q in questions
        if q.get("type") == "choice" and (q.get("min_evidence") or q.get("id") in ("sustained", "payment"))
    ]


def case_headline(framework: dict) -> dict | None:
    """The case answer the summary leads with; the declaration is not a finding (it sits with the signature)."""
    for q in framework.get("case_questions") or []:
        if q.get("type") in ("scale", "choice") and q.get("id") != "declaration":
            return q
    return None


def item_questions(framework: dict, kind: str) -> list[dict]:
    return list((framework.get("item_questions") or {}).get(kind) or [])


def items_in_order(inp: ReportInput) -> list[tuple[dict, dict]]:
    """(manifest item, findings item) in bundle order; an item never touched has no answers."""
    found = {it.get("item_id"): it for it in inp.findings.get("items") or []}
    out = []
    seen = set()
    for item in inp.manifest.get("items") or []:
        out.append((item, found.get(item.get("id")) or {}))
        seen.add(item.get("id"))
    for item_id, it in found.items():
        if item_id not in seen:  # findings for an item the manifest lacks: still shown
            out.append(({"id": item_id, "kind": "", "title": item_id}, it))
    return out


def raised_flags(inp: ReportInput) -> list[tuple[str, str, str]]:
    """(where, question text, note) for every raised flag, items first then the case."""
    flags = []
    for item, found in items_in_order(inp):
        answers = found.get("answers") or {}
        for q in item_questions(inp.framework, item.get("kind", "")):
            v = answers.get(q["id"])
            if q.get("type") == "flag" and isinstance(v, dict) and v.get("raised"):
                flags.append((f"{item['id']} — {item.get('title', '')}", q.get("text", ""),
                              str(v.get("note") or "")))
    case_answers = ((inp.findings.get("case") or {}).get("answers")) or {}
    for q in inp.framework.get("case_questions") or []:
        v = case_answers.get(q["id"])
        if q.get("type") == "flag" and isinstance(v, dict) and v.get("raised"):
            flags.append(("The case as a whole", q.get("text", ""), str(v.get("note") or "")))
    return flags


def heading_text(q: dict) -> str:
    # Framework question texts end in a full stop; as headings they read better without.
    return esc(str(q.get("text", "")).rstrip().rstrip("."))


def item_key(position: int) -> str:
    # By position, not id: ids such as "K.1" and "K_1" must not share a bookmark.
    return f"item-{position}"


def _lines(text: str) -> str:
    """Source text as markup that keeps its line breaks (a table row in a quote stays a row)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "<br/>".join(esc(line) for line in text.split("\n"))


def word_bounded(prefix: str, suffix: str) -> tuple[str, str]:
    """Context that starts and ends on word boundaries: a stored 32-character prefix may begin mid-word."""
    if prefix and not prefix[0].isspace() and " " in prefix.strip():
        prefix = prefix[prefix.index(" ", 1):] if " " in prefix[1:] else ""
    elif prefix and not prefix[0].isspace():
        prefix = ""
    if suffix and not suffix[-1].isspace() and " " in suffix.strip():
        suffix = suffix[:suffix.rstrip().rindex(" ")]
    elif suffix and not suffix[-1].isspace():
        suffix = ""
    return prefix.lstrip(), suffix.rstrip()


def quote_block(exact: str, st: Styles, prefix: str = "", suffix: str = "") -> list[Flowable]:
    """A quoted passage with its context greyed, line breaks kept, context trimmed to whole words."""
    grey = hex_of(FAINT)
    before, after = (x.strip() for x in word_bounded(prefix or "", suffix or ""))
    markup = ""
    if before:
        markup += f'<font color="{grey}">…{_lines(before)} </font>'
    markup += f"“{_lines(exact.strip())}”"
    if after:
        markup += f'<font color="{grey}"> {_lines(after)}…</font>'
    return [Paragraph(markup, st.quote)]
