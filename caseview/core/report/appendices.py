"""The report's appendices: A the evidence base, B the review record, C the annotations' text."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from .blocks import Context, Paragraph, h1, hex_of, items_in_order, kv_table, quiet, quote_block, ruled_table, text_block
from .doctable import PAD_X, DocumentTable, Row, plain, unbroken
from .model import ReportInput
from .style import ALERT, MUTED, PANEL, Styles, esc, fmt_date, fmt_datetime, smallcaps


def _cell(text: str, width: float, st: Styles):
    """A cell that fits its column as the plain string a table draws (cheap to lay out); a page range too wide
    for it on two lines, broken after the dash ("A5302–" / "A5313"); anything else as a Paragraph that wraps."""
    font, size = st.cell.fontName, st.cell.fontSize
    room = width - 2 * PAD_X
    if stringWidth(text, font, size) <= room:
        return plain(text, font, size, st.cell.textColor, st.cell.leading)
    first, dash, last = text.partition("–")
    if dash and max(stringWidth(first + dash, font, size), stringWidth(last, font, size)) <= room:
        return plain(f"{first}{dash}\n{last}", font, size, st.cell.textColor, st.cell.leading)
    return Paragraph(esc(text), st.cell)


def _document_cell(doc, st: Styles, width: float):
    """The title, then its date and author in small grey type: set directly when each fits on one line."""
    small, muted = st.small_muted.fontSize, hex_of(MUTED)
    sub = " · ".join(x for x in (fmt_date(doc.date), doc.author_role) if x)
    if doc.readable:
        lines = [(doc.title, st.cell.fontName, st.cell.fontSize, st.cell.textColor)]
        if sub:
            lines.append((sub, st.cell.fontName, small, MUTED))
        fast = unbroken(lines, width - 2 * PAD_X, st.cell.leading)
        if fast is not None:
            return fast
    markup = esc(doc.title)
    if sub:
        markup += f'<br/><font size="{small}" color="{muted}">{esc(sub)}</font>'
    if not doc.readable:
        markup += (f'<br/><font size="{small}" color="{muted}"><font color="{hex_of(ALERT)}"><b>Unreadable'
                   "</b></font> — could not be opened; its pages are counted as the issuer stated.</font>")
    return Paragraph(markup, st.cell)


def appendix_a(inp: ReportInput, ctx: Context, st: Styles, width: float) -> list[Flowable]:
    story = h1("Appendix A — Evidence base", "appendix-a", st)
    story.append(Paragraph(
        f"The bundle's {len(inp.documents)} documents in bundle order, each pinned by the "
        "SHA-256 of its bytes. Pages are the bundle page references used throughout this report.",
        st.body_muted))
    story.append(Spacer(1, 4))
    header = [Paragraph(h, st.cell_head) for h in ("ID", "Document", "Pages", "SHA-256")]
    widths = [50, 0, 58, 136]
    widths[1] = width - sum(widths)
    # A bundle can hold thousands of documents: the table is laid out page by page and draws its rows
    # itself (DocumentTable); a cell is a Paragraph only where its text must wrap.
    mono = st.cell_mono
    rows: list[Row] = []
    section = None
    for doc in inp.documents:
        if doc.section_id != section:
            section = doc.section_id
            rows.append(Row((Paragraph(f"<b>{esc(doc.section_id)}</b>   {esc(doc.section_title)}", st.cell),),
                            top=6, background=PANEL, keep_with_next=True))
        pages = doc.first_ref if doc.first_ref == doc.last_ref else f"{doc.first_ref}–{doc.last_ref}"
        rows.append(Row((_cell(doc.id, widths[0], st), _document_cell(doc, st, widths[1]), _cell(pages, widths[2], st),
                         plain(f"{doc.sha256[:32]}\n{doc.sha256[32:]}", mono.fontName, mono.fontSize,
                               mono.textColor, mono.leading))))
    story.append(DocumentTable(header, rows, widths))
    # No page break: Appendix B follows on the same page when it fits, so the table's last rows are never
    # left alone on a page of their own.
    story.append(Spacer(1, 18))
    story.append(CondPageBreak(70 * mm))
    return story


def appendix_b(inp: ReportInput, ctx: Context, st: Styles, width: float) -> list[Flowable]:
    story = h1("Appendix B — Review record", "appendix-b", st)
    f = inp.findings
    citations = sum(len(it.get("evidence") or []) for it in f.get("items") or [])
    n_items = len(items_in_order(inp))
    rows = [
        ("Review started", esc(fmt_datetime(f.get("started"))) or quiet("Not recorded")),
        ("Review completed", esc(fmt_datetime(f.get("completed"))) or quiet("Not completed")),
        ("Items in the review", str(n_items)),
        ("Evidence citations", str(citations)),
        ("Annotations", str(inp.annotation_count)),
        ("Change-history entries", str(inp.history_count)),
    ]
    cert = (f.get("reviewer") or {}).get("certificate_sha256")
    if cert:
        rows.append(("Reviewer certificate",
                     f'<font name="{st.mono.fontName}" size="7.5">{esc(cert)}</font>'))
    story.append(kv_table(rows, st, 140, width))
    story.append(Paragraph("Latest entries in the change history", st.h3))
    if not inp.history_tail:
        story.append(Paragraph("No changes have been recorded.", st.body_muted))
    else:
        story.append(Paragraph(
            f"The last {len(inp.history_tail)} of {inp.history_count} entries, oldest first. "
            "Each entry's hash chains to the one before it, so a change to any earlier entry "
            "would change the chain head below.", st.body_muted))
        hrows = [[Paragraph(h, st.cell_head) for h in ("Seq", "Time", "Change", "Hash")]]
        for line in inp.history_tail:
            hrows.append([
                Paragraph(str(line.seq), st.cell),
                Paragraph(esc(fmt_datetime(line.at, short=True)), st.cell),
                Paragraph(esc(line.summary), st.cell),
                Paragraph(esc(line.hash[:12]) + "…", st.cell_mono),
            ])
        widths = [30, 124, 0, 74]
        widths[2] = width - sum(widths)
        story.append(ruled_table(hrows, widths))
    story.append(Spacer(1, 10))
    story.append(KeepTogether([
        Paragraph(smallcaps("Chain head"), st.label),
        Spacer(1, 2),
        Paragraph(esc(inp.history_head), st.mono),
    ]))
    story.append(Spacer(1, 18))
    return story


def _annotation_order(inp: ReportInput):
    position = {d.id: i for i, d in enumerate(inp.documents)}
    return lambda a: (position.get(str(a.get("document_id")), len(position)), a.get("page") or 0,
                      str(a.get("created") or ""))


def appendix_c(inp: ReportInput, ctx: Context, st: Styles, width: float) -> list[Flowable]:
    """The reviewer's annotations: each highlighted passage with its note, by bundle page reference."""
    notes = sorted(inp.findings.get("annotations") or [], key=_annotation_order(inp))
    story = [CondPageBreak(60 * mm), *h1("Appendix C — Annotations", "appendix-c", st)]
    if not notes:
        story.append(Paragraph("The reviewer made no annotations.", st.body_muted))
        return story
    story.append(Paragraph(
        f"The {len(notes)} passage{'s' if len(notes) != 1 else ''} the reviewer highlighted while reading, "
        "in bundle order, with the reviewer's note on each. Annotations are working notes; the findings "
        "above are the reviewer's judgement.", st.body_muted))
    docs = {d.id: d for d in inp.documents}
    rows = [[Paragraph(h, st.cell_head) for h in ("Page", "Passage", "Reviewer's note")]]
    for a in notes:
        doc = docs.get(str(a.get("document_id")))
        page = a.get("page") or 1
        ref = doc.ref(page) if doc else f"{a.get('document_id')} p.{page}"
        passage: list[Flowable] = []
        if doc is not None:
            passage.append(Paragraph(esc(doc.title), st.small_muted))
        if a.get("exact"):
            passage += quote_block(str(a["exact"]), st)
        else:
            passage.append(Paragraph(quiet("the whole page"), st.cell))
        note = text_block(str(a.get("note") or ""), st.cell) or [Paragraph(quiet("No note"), st.cell)]
        rows.append([Paragraph(f"<b>{esc(ref)}</b>", st.cell), passage, note])
    widths = [44, 0, 200]
    widths[1] = width - sum(widths)
    story.append(ruled_table(rows, widths))
    return story
