"""A bundle written by another tool from the spec alone must open, import and cite pages correctly.

The "other tool" is Python's ``zipfile``: deflated entries in its own order, the
manifest last, directory entries, UTF-8-flagged non-ASCII names, CRLF text; a
streamed variant (data descriptors, as Java and Go writers produce) and a ZIP64
variant. Nothing here uses CaseView's own bundle builder.

Page references follow the spec's "Bundle pages" rules, worked out by hand:

section ``B`` (second in ``sections``, numbered from 1 on its own):
  1. ``assessment`` PDF dated 2026-01-20, 2 pages                  -> B1-B2
     ("quillwort" on its page 2                                     -> B2)
  2. ``visit-note`` text dated 2026-02-03, 130 CRLF lines: 3 pages  -> B3-B5
     ("zephyrine" on line 75 = its page 2                           -> B4)
  3. ``genogram`` PNG, undated (first in the manifest, but undated
     documents come after dated ones), 1 page                       -> B6
section ``C`` (first in ``sections``):
  1. ``strategy-note`` markdown, 3 lines ("marram" on line 2)        -> C1
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostile import tiny_pdf, tiny_png  # noqa: E402

from caseview.core.bundle import check_bundle  # noqa: E402

PYTHON = sys.executable

VISIT_NAME = "documents/Ymweliad \u00e2'r cartref.txt"
PDF_NAME = "documents/assessment.pdf"
PNG_NAME = "documents/genogram.png"
MD_NAME = "documents/Strategaeth/cofnod-strategaeth.md"

WORDS = {"quillwort": "B2", "zephyrine": "B4", "marram": "C1"}


def visit_text() -> bytes:
    lines = []
    for i in range(1, 131):
        line = f"{i:03d} Ymweliad: the practitioner saw the child at home; notes continue"
        if i == 75:
            line += " zephyrine"
        lines.append(line)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def documents() -> dict[str, bytes]:
    return {
        PNG_NAME: tiny_png(6, 5, (20, 90, 200)),
        MD_NAME: "# Cofnod strategaeth\n\nAgreed: marram protocol for visits.\n".encode("utf-8"),
        VISIT_NAME: visit_text(),
        PDF_NAME: tiny_pdf([["Assessment, page one.", "Family history."], ["Assessment, page two.", "quillwort analysis of risk."]]),
    }


def manifest(docs: dict[str, bytes]) -> dict:
    def entry(doc_id: str, path: str, media: str, title: str, **more) -> dict:
        return {"title": title, "path": path, "id": doc_id, "media_type": media,
                "size": len(docs[path]), "sha256": hashlib.sha256(docs[path]).hexdigest(), **more}

    return {
        "x-generator": {"name": "OtherTool", "version": "3.1"},
        "items": [
            {"kind": "decision", "id": "decision-1", "title": "Child seen alone at each visit",
             "documents": ["visit-note", "assessment"], "events": ["visit"], "made_by_role": "Team manager"},
        ],
        "chronology": [
            {"id": "strategy", "date": "2026-01-05", "title": "Strategy discussion", "type": "strategy_discussion",
             "documents": ["strategy-note"]},
            {"id": "visit", "date": "2026-02-03T10:00:00+00:00", "title": "Home visit", "type": "statutory_visit",
             "documents": ["visit-note"], "items": ["decision-1"]},
        ],
        "documents": [
            entry("genogram", PNG_NAME, "image/png", "Genogram", section="B"),
            entry("strategy-note", MD_NAME, "text/markdown", "Strategy note", section="C", date="2026-01-05"),
            entry("visit-note", VISIT_NAME, "text/plain", "Nodyn ymweliad", section="B", date="2026-02-03",
                  author_role="Social worker"),
            entry("assessment", PDF_NAME, "application/pdf", "Assessment", section="B", date="2026-01-20", pages=2),
        ],
        "sections": [{"title": "Strategy", "id": "C"}, {"title": "Visits and assessments", "id": "B"}],
        "review": {"framework": "case-file-audit", "due": "2026-12-01"},
        "anonymisation": {"statement": "People are referred to by role; places removed."},
        "case": {"reference": "CY-2026-0031", "subject": "Plentyn A", "attributes": {"age_band": "10-13"}},
        "issuer": {"organisation": "Cyngor Enghreifftiol"},
        "created": "2026-10-02T14:05:00+01:00",
        "bundle_id": "urn:uuid:2b7e8a0c-4f51-4a8e-9d0c-8f5e3a7c1b22",
        "format_version": "1.0",
        "format": "caseview-bundle",
    }


class Unseekable(io.RawIOBase):
    """A write-only stream without seek/tell: zipfile then writes data descriptors (flag bit 3)."""

    def __init__(self, sink) -> None:
        self.sink = sink

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.sink.write(b)
        return len(b)


def write_foreign(path: Path, variant: str) -> tuple[Path, bytes]:
    docs = documents()
    mbytes = json.dumps(manifest(docs), ensure_ascii=False, indent="\t").encode("utf-8")
    order = [("documents/", None), (VISIT_NAME, docs[VISIT_NAME]), ("documents/Strategaeth/", None),
             (MD_NAME, docs[MD_NAME]), (PDF_NAME, docs[PDF_NAME]), (PNG_NAME, docs[PNG_NAME]),
             ("manifest.json", mbytes)]
    with open(path, "wb") as raw:
        target = Unseekable(raw) if variant == "streamed" else raw
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for name, data in order:
                if data is None:
                    if variant == "streamed":
                        continue  # zipfile cannot stream a directory entry; the folder is implied
                    zf.mkdir(name.rstrip("/"))
                    continue
                info = zipfile.ZipInfo(name, date_time=(2026, 10, 2, 14, 5, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o100644 << 16
                info.create_system = 3
                with zf.open(info, "w", force_zip64=(variant == "zip64")) as dest:
                    dest.write(data)
    return path, mbytes


def test_fixture_is_what_the_docstring_says(tmp_path: Path) -> None:
    bundle, _ = write_foreign(tmp_path / "foreign.cvb", "deflated")
    with zipfile.ZipFile(bundle) as zf:
        infos = zf.infolist()
        assert infos[-1].filename == "manifest.json"
        assert any(i.is_dir() for i in infos)
        visit = zf.getinfo(VISIT_NAME)
        assert visit.flag_bits & 0x800 and visit.compress_type == zipfile.ZIP_DEFLATED
        text = zf.read(VISIT_NAME)
    assert text.count(b"\r\n") == 130 and text.count(b"\n") == 130
    line_of_word = next(i for i, line in enumerate(text.split(b"\n"), 1) if b"zephyrine" in line)
    assert line_of_word == 75 and (line_of_word - 1) // 60 + 1 == 2


@pytest.mark.parametrize("variant", ["deflated", "streamed", "zip64"])
def test_foreign_bundle_accepted(variant: str, tmp_path: Path) -> None:
    bundle, mbytes = write_foreign(tmp_path / "foreign.cvb", variant)
    if variant == "streamed":
        with zipfile.ZipFile(bundle) as zf:
            assert all(i.flag_bits & 0x08 for i in zf.infolist())
    checked = check_bundle(bundle)
    assert checked.fingerprint == hashlib.sha256(mbytes).hexdigest()
    assert checked.manifest.bundle_id == "urn:uuid:2b7e8a0c-4f51-4a8e-9d0c-8f5e3a7c1b22"
    assert checked.manifest.case.reference == "CY-2026-0031"
    docs = documents()
    assert [(d.id, d.path, d.sha256) for d in checked.manifest.documents] == [
        ("genogram", PNG_NAME, hashlib.sha256(docs[PNG_NAME]).hexdigest()),
        ("strategy-note", MD_NAME, hashlib.sha256(docs[MD_NAME]).hexdigest()),
        ("visit-note", VISIT_NAME, hashlib.sha256(docs[VISIT_NAME]).hexdigest()),
        ("assessment", PDF_NAME, hashlib.sha256(docs[PDF_NAME]).hexdigest()),
    ]
    assert checked.issuer_status == "unsigned"


def _cli(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASEVIEW_", "XDG_"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_CACHE_HOME=str(home / ".cache"))
    return subprocess.run([PYTHON, "-m", "caseview", *args], capture_output=True, text=True, env=env, timeout=300,
                          cwd=tmp_path)


def test_foreign_bundle_imports_and_cites_pages(tmp_path: Path) -> None:
    bundle, mbytes = write_foreign(tmp_path / "foreign.cvb", "deflated")
    ws = tmp_path / "ws"

    proc = _cli(["bundle", "check", str(bundle)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert hashlib.sha256(mbytes).hexdigest() in proc.stdout

    proc = _cli(["import", str(bundle), "--workspace", str(ws)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    case_id = proc.stdout.strip().splitlines()[-1].strip()
    assert case_id and " " not in case_id, proc.stdout

    again = _cli(["import", str(bundle), "--workspace", str(ws)], tmp_path)
    assert again.returncode == 0 and again.stdout.strip().splitlines()[-1].strip() == case_id, again.stdout

    wrong = {"quillwort": ["B1", "B3"], "zephyrine": ["B2", "B3", "B5", "B7", "B8"], "marram": ["C2", "B1"]}
    for word, ref in WORDS.items():
        proc = _cli(["search", case_id, word, "--workspace", str(ws)], tmp_path)
        assert proc.returncode == 0, f"search {word}: {proc.stderr}"
        refs = set(re.findall(r"(?<![A-Za-z0-9])([A-Z]{1,3}[0-9]+)(?![0-9])", proc.stdout))
        assert ref in refs, f"search {word!r}: expected page {ref}, got {sorted(refs)}:\n{proc.stdout}"
        assert not refs & set(wrong[word]), f"search {word!r}: wrong page(s) {sorted(refs & set(wrong[word]))}:\n{proc.stdout}"
