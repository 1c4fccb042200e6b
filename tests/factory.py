"""Bundles for tests: real PDFs (reportlab), text notes and PNGs, assembled with the real bundle builder."""

from __future__ import annotations

import copy
import io
import json
import struct
import zlib
from pathlib import Path

from caseview.core.build import build_bundle


def make_pdf(pages: list[str]) -> bytes:
    """A PDF with one page per string (the text drawn line by line)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for text in pages:
        y = 800
        for line in text.split("\n"):
            c.drawString(60, y, line)
            y -= 14
        c.showPage()
    c.save()
    return buf.getvalue()


def make_png(width: int = 4, height: int = 3) -> bytes:
    raw = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


BASE_MANIFEST = {
    "format": "caseview-bundle",
    "format_version": "1.0",
    "bundle_id": "urn:uuid:00000000-0000-4000-8000-000000000001",
    "created": "2026-10-01T09:30:00+01:00",
    "issuer": {"organisation": "Testshire Council Children's Services"},
    "case": {"reference": "TS-2026-0001", "subject": "Child A"},
    "anonymisation": {"statement": "Names removed; people referred to by role."},
    "review": {"framework": "case-file-audit", "due": "2026-11-30"},
    "sections": [{"id": "A", "title": "Referral"}, {"id": "B", "title": "Assessment"}],
    "documents": [],
    "chronology": [{"id": "E1", "date": "2026-01-12", "title": "Referral received", "type": "referral",
                    "documents": ["D1"], "items": ["K1"]}],
    "items": [
        {"id": "K1", "kind": "decision", "title": "Strategy discussion convened", "date": "2026-01-12",
         "documents": ["D1"], "events": ["E1"]},
        {"id": "K2", "kind": "decision", "title": "Section 47 enquiry", "date": "2026-01-14", "documents": ["D2"]},
    ],
}

REFERRAL_PAGES = ["School referral form\nChild A has a bruise on the upper arm.\nOften hungry at school.",
                  "Attendance this term is 78 per cent.\nThe designated safeguarding lead made the referral."]
NOTE_LINES = [f"Case note line {i}" for i in range(1, 131)]
NOTE_LINES[69] = "Child A was not seen alone during the home visit."  # line 70: page 2 of the note


class BundleFactory:
    """Writes a source folder and builds a bundle from it; tests tweak the manifest or files first."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def default_files(self) -> dict[str, bytes]:
        return {
            "documents/referral.pdf": make_pdf(REFERRAL_PAGES),
            "documents/notes.txt": ("\n".join(NOTE_LINES) + "\n").encode("utf-8"),
            "documents/drawing.png": make_png(),
        }

    def default_manifest(self) -> dict:
        m = copy.deepcopy(BASE_MANIFEST)
        m["documents"] = [
            {"id": "D1", "path": "documents/referral.pdf", "media_type": "application/pdf", "title": "Referral from school",
             "section": "A", "date": "2026-01-12", "author_role": "Designated safeguarding lead", "pages": 2},
            {"id": "D2", "path": "documents/notes.txt", "media_type": "text/plain", "title": "Case notes",
             "section": "B", "date": "2026-01-20"},
            {"id": "D3", "path": "documents/drawing.png", "media_type": "image/png", "title": "Child A's drawing",
             "section": "B"},
        ]
        return m

    def folder(self, manifest: dict | None = None, files: dict[str, bytes] | None = None) -> Path:
        self.count += 1
        folder = self.root / f"src{self.count}"
        for name, data in (files if files is not None else self.default_files()).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "manifest.json").write_text(json.dumps(manifest or self.default_manifest(), indent=2),
                                              encoding="utf-8")
        return folder

    def build(self, manifest: dict | None = None, files: dict[str, bytes] | None = None, name: str | None = None) -> Path:
        out = self.root / (name or f"bundle{self.count + 1}.cvb")
        build_bundle(self.folder(manifest, files), out)
        return out


def import_demo(root: Path) -> str:
    """The shipped demo case imported into a (new) workspace at ``root``; returns its case id."""
    from caseview.core.importer import import_bundle
    from caseview.core.store import Workspace
    from caseview.paths import resource

    with Workspace(root, backup=False) as ws:
        return import_bundle(ws, resource("demo", "demo-case.cvb")).case_id
