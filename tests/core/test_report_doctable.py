"""Appendix A's table of documents drawn directly (doctable.py): the same pages as the Paragraphs it replaces."""

from __future__ import annotations

import dataclasses
import hashlib

import pypdfium2 as pdfium
import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from caseview.core.report import appendices, render_report
from caseview.core.report.doctable import Lines, unbroken
from caseview.core.report.style import MUTED, SANS, ensure_fonts, make_styles

from .test_report import make_case_file_audit


def _appendix_a_pixels(pdf: bytes) -> list[bytes]:
    """Each page of Appendix A (its first page to the one where Appendix B starts) at 150 dpi, as raw pixels."""
    doc = pdfium.PdfDocument(pdf)
    try:
        texts = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
        first = next(i for i, t in enumerate(texts) if "Appendix A" in t and "Evidence base" in t)
        last = next(i for i, t in enumerate(texts) if "Appendix B" in t and "Review record" in t)
        return [bytes(doc[i].render(scale=150 / 72).buffer) for i in range(first, last + 1)]
    finally:
        doc.close()


def _awkward(inp):
    """Documents whose cells take each way through the table: wrapped, collapsed, special characters."""
    docs = list(inp.documents)
    changes = {
        0: dict(title="A document title long enough that it has to wrap onto a second line in the column"),
        1: dict(title="Double  spaced   title"),
        2: dict(title="Non\u00a0breaking space", date=None, author_role=None),
        4: dict(title="Hostile <b>& review </font>"),
        5: dict(title="Gŵen's tŷ: żółte łóżko — “quoted” …"),
        6: dict(id="DOC-LONG-0007"),
        7: dict(author_role="Independent reviewing officer for looked after children and care leavers"),
        8: dict(readable=False, date=None, author_role=None),
        9: dict(first_ref="A1000", last_ref="A10000"),
        10: dict(title="Soft\u00adhyphen"),
    }
    for i, change in changes.items():
        docs[i] = dataclasses.replace(docs[i], **change)
    return dataclasses.replace(inp, documents=tuple(docs))


def _every_cell_a_paragraph(monkeypatch):
    """Appendix A as reportlab would set it through Paragraph: no cell that fits its column drawn directly.

    (A page range wider than its column is set on two lines, broken after the dash, where a Paragraph would
    break it elsewhere: not a like-for-like comparison, so it is left as it is.)
    """
    real = appendices._cell

    def cell(text, column, st):
        set_plain = real(text, column, st)
        if isinstance(set_plain, Lines) and stringWidth(text, st.cell.fontName, st.cell.fontSize) <= column - 10:
            return appendices.Paragraph(appendices.esc(text), st.cell)
        return set_plain

    monkeypatch.setattr(appendices, "unbroken", lambda *a, **k: None)
    monkeypatch.setattr(appendices, "_cell", cell)


@pytest.mark.parametrize("n_docs", [45, 120])
def test_rows_drawn_directly_look_exactly_like_paragraphs(monkeypatch, n_docs):
    inp = _awkward(make_case_file_audit(n_docs=n_docs))
    direct = render_report(inp)
    with monkeypatch.context() as m:
        _every_cell_a_paragraph(m)
        through_paragraphs = render_report(inp)
    assert direct.pdf != through_paragraphs.pdf  # the two really were set differently
    assert direct.page_count == through_paragraphs.page_count
    ours, theirs = _appendix_a_pixels(direct.pdf), _appendix_a_pixels(through_paragraphs.pdf)
    assert len(ours) >= 2 and len(ours) == len(theirs)
    for n, (a, b) in enumerate(zip(ours, theirs)):
        assert hashlib.sha256(a).digest() == hashlib.sha256(b).digest(), f"Appendix A page {n + 1} differs"


def test_the_comparison_sees_a_row_moved_by_a_point(monkeypatch):
    # The pixel comparison above must be able to fail: a baseline one point lower shows.
    inp = make_case_file_audit(n_docs=45)
    before = _appendix_a_pixels(render_report(inp).pdf)
    real = appendices.plain
    monkeypatch.setattr(appendices, "plain", lambda *a: dataclasses.replace(real(*a), first=real(*a).first + 1))
    after = _appendix_a_pixels(render_report(inp).pdf)
    assert len(before) == len(after)
    assert any(a != b for a, b in zip(before, after))


def test_a_line_is_drawn_directly_only_when_it_fits_as_it_is():
    ensure_fonts()
    ok = unbroken([("Referral from school (12)", SANS, 8.5, MUTED), ("3 March 2026 · Social worker", SANS, 8, MUTED)],
                  200, 12)
    assert isinstance(ok, Lines) and ok.first == 8.5 and ok.height == 24
    for text in ("A title long enough that it cannot possibly fit into a narrow column", "Two  spaces", " lead",
                 "trail ", "", "no\u00a0break", "soft\u00adhyphen", "tab\there", "zero\u200bwidth"):
        assert unbroken([(text, SANS, 8.5, MUTED)], 200, 12) is None, repr(text)


def test_a_page_range_too_wide_for_its_column_breaks_after_the_dash():
    ensure_fonts()
    st = make_styles()
    cell = appendices._cell("A5302–A5313", 58, st)  # ran into the SHA-256 column as one line
    assert isinstance(cell, Lines) and [line[0] for line in cell.lines] == ["A5302–", "A5313"]
    assert all(stringWidth(t, f, z) <= 58 - 10 for t, f, z, _ in cell.lines)
    assert appendices._cell("A53–A54", 58, st).lines[0][0] == "A53–A54"
