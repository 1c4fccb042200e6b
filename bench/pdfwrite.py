"""A minimal, fast, deterministic PDF writer for text pages (base-14 Helvetica, Flate-compressed content).

Writing the objects directly is ~20x faster than reportlab's canvas for the
20,000-page bundle, and every byte depends only on the text given. Fonts are
the standard 14 (not embedded), which PDFium and poppler both extract without a
font program: see docs/benchmarks.md for what that means for the figures.
"""

from __future__ import annotations

import hashlib
import zlib

from reportlab.pdfbase import pdfmetrics

PAGE_W, PAGE_H = 595, 842  # A4 in points
MARGIN_X = 56
TOP, BOTTOM = 780, 64
BODY_SIZE, LEADING = 10, 12.4
WIDTH = PAGE_W - 2 * MARGIN_X
LINES_PER_PAGE = int((TOP - BOTTOM) / LEADING)  # 57

_W = pdfmetrics.getFont("Helvetica").widths  # 1/1000 em, WinAnsi
_SPACE = _W[32] * BODY_SIZE / 1000
_cache: dict[str, float] = {}


def _width(word: str) -> float:
    w = _cache.get(word)
    if w is None:
        w = sum(_W[ord(c)] if ord(c) < 256 else 556 for c in word) * BODY_SIZE / 1000
        if len(_cache) < 200_000:
            _cache[word] = w
    return w


def wrap(paragraph: str, width: float = WIDTH) -> list[str]:
    lines: list[str] = []
    cur: list[str] = []
    used = 0.0
    for word in paragraph.split():
        w = _width(word)
        if cur and used + _SPACE + w > width:
            lines.append(" ".join(cur))
            cur, used = [word], w
        else:
            used += (_SPACE if cur else 0.0) + w
            cur.append(word)
    if cur:
        lines.append(" ".join(cur))
    return lines


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def page_stream(header: str, body_lines: list[str], footer: str, title: str | None = None, *,
                leading: float = LEADING) -> bytes:
    out = [f"0.2 0.2 0.2 rg BT /F2 8 Tf {MARGIN_X} 806 Td ({_esc(header)}) Tj ET",
           f"0.6 w {MARGIN_X} 798 m {PAGE_W - MARGIN_X} 798 l S", "0 0 0 rg"]
    y = TOP
    if title:
        out.append(f"BT /F2 14 Tf {MARGIN_X} {y} Td ({_esc(title)}) Tj ET")
    out.append(f"BT /F1 {BODY_SIZE} Tf {leading} TL {MARGIN_X} {y - (2 * leading if title else 0)} Td")
    for line in body_lines:
        out.append(f"({_esc(line)}) Tj T*" if line else "T*")
    out.append("ET")
    out.append(f"BT /F1 8 Tf {MARGIN_X} 40 Td ({_esc(footer)}) Tj ET")
    return "\n".join(out).encode("cp1252", "replace")


def write_pdf(streams: list[bytes], *, title: str, producer: str = "CaseView bench generator",
              compress: bool = True) -> bytes:
    """A complete PDF with one page per content stream."""
    objs: list[bytes] = []
    n = len(streams)
    first_page = 6
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(n))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode())
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    objs.append(f"<< /Title ({_esc(title)}) /Producer ({_esc(producer)}) >>".encode("cp1252", "replace"))
    for i, s in enumerate(streams):
        data = zlib.compress(s, 6) if compress else s
        flate = " /Filter /FlateDecode" if compress else ""
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
                    f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {first_page + 2 * i + 1} 0 R >>"
                    .encode())
        objs.append(b"<< /Length %d%s >>\nstream\n" % (len(data), flate.encode()) + data + b"\nendstream")
    buf = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(buf))
        buf += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(buf)
    buf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    buf += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    ident = hashlib.md5(bytes(buf)).hexdigest()
    buf += (f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R /Info 5 0 R /ID [<{ident}> <{ident}>] >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(buf)
