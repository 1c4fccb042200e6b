"""Deterministic synthetic case bundles for the benchmarks.

    .venv/bin/python -m bench.generate --docs 2000 --pages 20000 [--items 50] [--seed 1] [--force]

Writes ``bench/out/bundles/<key>/`` (``src/`` folder with ``manifest.json`` and
the documents, ``case.cvb`` built with ``caseview.core.build.build_bundle``,
``info.json``). The key is made of the parameters and ``GENERATOR_VERSION``,
so a rerun with the same parameters reuses the cached bundle and the same
parameters always give the same bytes.

Mix (by document count): ~85% PDFs of full text pages (~4,500 characters each,
A4, Helvetica, one to a few dozen pages each), ~10% plain-text case notes (one
to three 60-line pages), ~5% PNG "scans" (one page each). ``--pages`` is the
bundle's page count by the spec's rules (PDF pages + text pages + images).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import struct
import sys
import textwrap
import time
import zlib
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path

from . import pdfwrite
from .prose import Prose

GENERATOR_VERSION = 1
OUT = Path(__file__).resolve().parent / "out"
BUNDLES = OUT / "bundles"

ORG = "Northshire Council Children's Services"
SECTIONS = [
    ("A", "Referrals and assessments", ["Referral from school", "Referral from health visitor", "MASH screening record",
                                        "Child and family assessment", "Strategy discussion record",
                                        "Section 47 enquiry outcome", "Police notification"]),
    ("B", "Plans and reviews", ["Child protection plan", "Core group minutes", "Initial child protection conference",
                                "Review child protection conference", "Child in need plan", "Care plan",
                                "Looked after child review"]),
    ("C", "Case notes and visits", ["Case note: home visit", "Case note: statutory visit", "Supervision record",
                                    "Case note: telephone call", "Direct work session record"]),
    ("D", "Partner agency reports", ["School report", "Health assessment", "GP letter", "CAMHS report",
                                     "Nursery report", "Housing report", "Probation report"]),
    ("E", "Legal and court", ["Legal planning meeting minutes", "Pre-proceedings letter", "Social work evidence",
                              "Parenting assessment", "Court order"]),
]
ROLES = {"A": ["Social worker", "Designated safeguarding lead", "MASH practitioner", "Police officer"],
         "B": ["Child protection chair", "Social worker", "Independent reviewing officer"],
         "C": ["Social worker", "Family support worker", "Team manager"],
         "D": ["Head teacher", "Health visitor", "GP", "CAMHS practitioner", "Housing officer"],
         "E": ["Local authority solicitor", "Social worker", "Independent social worker"]}
EVENT_TYPES = ["referral", "referral_decision", "strategy_discussion", "s47_enquiry_started", "s47_enquiry_completed",
               "assessment_started", "assessment_completed", "icpc", "core_group", "rcpc", "statutory_visit",
               "legal_planning_meeting", "pre_proceedings", "cla_review", "placement_change"]
DECISIONS = ["Strategy discussion convened", "Section 47 enquiry started", "Initial child protection conference held",
             "Child made subject of a child protection plan", "Decision to step down to child in need",
             "Decision not to escalate to pre-proceedings", "Legal planning meeting convened",
             "Child became looked after", "Placement change agreed", "Contact arrangements changed",
             "Case closed to children's social care", "Referral accepted for assessment"]


@dataclass(frozen=True)
class Spec:
    docs: int
    pages: int
    items: int = 50
    seed: int = 1
    shape: str = "dense"  # "dense": full pages of prose; "light": 48 short lines a page, uncompressed

    @property
    def key(self) -> str:
        shape = "" if self.shape == "dense" else f"-{self.shape}"
        return f"v{GENERATOR_VERSION}{shape}-d{self.docs}-p{self.pages}-i{self.items}-s{self.seed}"


@dataclass
class Generated:
    spec: Spec
    root: Path
    folder: Path  # the bundle's source folder (documents as plain files)
    bundle: Path
    fingerprint: str
    documents: int
    pdfs: int
    pdf_pages: int
    text_pages: int
    images: int
    total_pages: int
    pdf_bytes: int
    bundle_bytes: int
    generate_seconds: float
    build_seconds: float

    def pdf_paths(self) -> list[Path]:
        return sorted((self.folder / "documents").rglob("*.pdf"))

    def to_json(self) -> dict:
        d = asdict(self)
        d["spec"] = asdict(self.spec)
        for k in ("root", "folder", "bundle"):
            d[k] = str(d[k])
        return d


# -- documents -------------------------------------------------------------

def pdf_document(seed: int, pages: int, title: str, case_ref: str) -> bytes:
    """``pages`` full pages of prose; a title on the first page."""
    prose = Prose(seed)
    streams = []
    pending: list[str] = []
    for p in range(1, pages + 1):
        room = pdfwrite.LINES_PER_PAGE - (2 if p == 1 else 0)
        while len(pending) < room:
            pending += pdfwrite.wrap(prose.paragraph())
            pending.append("")
        body, pending = pending[:room], pending[room:]
        while pending and pending[0] == "":
            pending.pop(0)
        header = f"{ORG} - {case_ref} - {title} - OFFICIAL-SENSITIVE"
        streams.append(pdfwrite.page_stream(header, body, f"Page {p} of {pages}", title if p == 1 else None))
    return pdfwrite.write_pdf(streams, title=title)


LIGHT_LINES = 48  # a page of short lines: a form, a log, a contact sheet
LIGHT_WIDTH = 240.0  # points: lines of about 45 characters


def light_pdf_document(seed: int, pages: int, title: str, case_ref: str) -> bytes:
    """``pages`` pages of 48 short lines each in uncompressed content streams, as other tools write them."""
    prose = Prose(seed)
    streams = []
    pending: list[str] = []
    for p in range(1, pages + 1):
        while len(pending) < LIGHT_LINES:
            pending += pdfwrite.wrap(prose.sentence(), LIGHT_WIDTH)
        body, pending = pending[:LIGHT_LINES], pending[LIGHT_LINES:]
        header = f"{case_ref} - {title}"
        streams.append(pdfwrite.page_stream(header, body, f"Page {p} of {pages}", title if p == 1 else None,
                                            leading=14.0))
    return pdfwrite.write_pdf(streams, title=title, compress=False)


def text_note(seed: int, pages: int, title: str) -> bytes:
    """Plain text wrapped at 78 columns, exactly ``pages`` 60-line pages (the last one partly filled)."""
    prose = Prose(seed)
    rng = random.Random(seed ^ 0x5EED)
    lines = [title, "=" * len(title), ""]
    want = 60 * (pages - 1) + rng.randint(20, 60)
    while len(lines) < want:
        lines += textwrap.wrap(f"{prose.date()}: {prose.paragraph(2, 5)}", 78)
        lines.append("")
    return ("\n".join(lines[:want]) + "\n").encode("utf-8")


def png_scan(seed: int, width: int = 827, height: int = 1169) -> bytes:
    """A greyscale 'scanned letter' at 100 dpi: grey text bars on off-white, a little skew noise."""
    rng = random.Random(seed)
    paper = bytes([246]) * width
    rows = []
    y = 0
    while y < height:
        if 110 < y < height - 110 and (y - 110) % 22 < 9 and rng.random() < 0.93:
            left = 90 + rng.randint(0, 6)
            right = left + rng.randint(width // 3, width - 190)
            row = bytearray(paper)
            x = left
            while x < right:
                word = rng.randint(12, 70)
                row[x:min(x + word, right)] = bytes([70 + rng.randint(0, 40)]) * (min(x + word, right) - x)
                x += word + rng.randint(6, 12)
            rows.append(b"\x00" + bytes(row))
        else:
            rows.append(b"\x00" + paper)
        y += 1

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b""))


def _make(job: tuple) -> tuple[str, int]:
    kind, seed, pages, title, case_ref, path = job
    if kind == "pdf":
        data = pdf_document(seed, pages, title, case_ref)
    elif kind == "light-pdf":
        data = light_pdf_document(seed, pages, title, case_ref)
    elif kind == "txt":
        data = text_note(seed, pages, title)
    else:
        data = png_scan(seed)
    Path(path).write_bytes(data)
    return path, len(data)


# -- plan ------------------------------------------------------------------

def _bundle_id(spec: Spec) -> str:
    """A deterministic urn:uuid keyed by the parameters."""
    h = hashlib.sha256(spec.key.encode()).hexdigest()
    return f"urn:uuid:{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def _split_pages(rng: random.Random, total: int, n: int) -> list[int]:
    """``n`` positive page counts summing to ``total``, long-tailed (a few long assessments, many short notes)."""
    if n <= 0:
        return []
    if total < n:
        raise ValueError(f"{total} PDF pages cannot fill {n} PDFs")
    weights = [math.exp(rng.gauss(0, 0.9)) for _ in range(n)]
    scale = (total - n) / sum(weights)
    counts = [1 + int(w * scale) for w in weights]
    short = total - sum(counts)
    order = sorted(range(n), key=lambda i: -weights[i])
    i = 0
    while short > 0:
        counts[order[i % n]] += 1
        short -= 1
        i += 1
    return counts


def plan(spec: Spec) -> dict:
    rng = random.Random(spec.seed)
    light = spec.shape == "light"
    # The light shape is the case another tool wrote from the spec: about two thirds PDFs of equal length.
    n_img = max(1, round(spec.docs * (0.10 if light else 0.05)))
    n_txt = max(1, round(spec.docs * (0.2167 if light else 0.10)))
    n_pdf = spec.docs - n_img - n_txt
    txt_pages = [rng.choice((1, 1, 2, 2, 3)) for _ in range(n_txt)]
    pdf_total = spec.pages - n_img - sum(txt_pages)
    if light:
        pdf_pages = [pdf_total // n_pdf + (i < pdf_total % n_pdf) for i in range(n_pdf)]
    else:
        pdf_pages = _split_pages(rng, pdf_total, n_pdf)
    kinds = ["pdf"] * n_pdf + ["txt"] * n_txt + ["img"] * n_img
    rng.shuffle(kinds)
    pdf_it, txt_it = iter(pdf_pages), iter(txt_pages)
    case_ref = f"NS-2026-{spec.seed:04d}"
    docs, jobs = [], []
    for i, kind in enumerate(kinds, 1):
        sid, stitle, types = SECTIONS[min(len(SECTIONS) - 1, int(rng.random() ** 1.3 * len(SECTIONS)))]
        if kind == "txt":
            sid, types = "C", ["Case notes", "Chronology of contacts", "Duty log"]
        did = f"D{i:04d}"
        title = f"{rng.choice(types)} ({did})" if kind != "img" else f"Scanned letter ({did})"
        ext = {"pdf": "pdf", "txt": "txt", "img": "png"}[kind]
        path = f"documents/{sid}/{did}.{ext}"
        pages = next(pdf_it) if kind == "pdf" else next(txt_it) if kind == "txt" else 1
        doc = {"id": did, "path": path,
               "media_type": {"pdf": "application/pdf", "txt": "text/plain", "img": "image/png"}[kind],
               "title": title, "section": sid, "author_role": rng.choice(ROLES[sid])}
        if rng.random() < 0.9:
            doc["date"] = f"{rng.choice((2023, 2024, 2025, 2026))}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if kind == "pdf":
            doc["pages"] = pages
        docs.append(doc)
        jobs.append(("light-pdf" if light and kind == "pdf" else kind, spec.seed * 1_000_003 + i, pages, title, case_ref, path))
    ids = [d["id"] for d in docs]
    events = []
    for e in range(1, max(2, spec.items + spec.items // 5) + 1):
        events.append({"id": f"E{e}", "date": f"{rng.choice((2023, 2024, 2025))}-{rng.randint(1, 12):02d}-"
                                              f"{rng.randint(1, 28):02d}",
                       "title": rng.choice(DECISIONS), "type": rng.choice(EVENT_TYPES),
                       "documents": rng.sample(ids, min(2, len(ids)))})
    items = []
    for k in range(1, spec.items + 1):
        items.append({"id": f"K{k}", "kind": "decision", "title": f"{rng.choice(DECISIONS)} ({k})",
                      "date": f"{rng.choice((2023, 2024, 2025))}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                      "detail": Prose(spec.seed * 7919 + k).sentence(), "made_by_role": "Team manager",
                      "documents": rng.sample(ids, min(len(ids), rng.randint(1, 4))),
                      "events": [f"E{rng.randint(1, len(events))}"]})
    manifest = {
        "format": "caseview-bundle", "format_version": "1.0",
        "bundle_id": _bundle_id(spec),
        "created": "2026-10-01T09:30:00+01:00",
        "issuer": {"organisation": ORG, "department": "Quality assurance"},
        "case": {"reference": case_ref, "title": f"Synthetic benchmark case ({spec.docs} documents, {spec.pages} pages)",
                 "subject": "Child A", "attributes": {"age_band": "5-9", "legal_status": "Child protection plan"}},
        "anonymisation": {"statement": "Synthetic text generated for benchmarking; no real person is described."},
        "review": {"framework": "case-file-audit", "due": "2026-11-30"},
        "sections": [{"id": s, "title": t} for s, t, _ in SECTIONS],
        "documents": docs, "chronology": events, "items": items,
    }
    return {"manifest": manifest, "jobs": jobs}


# -- entry points --------------------------------------------------------------

def generate(spec: Spec, *, force: bool = False, workers: int | None = None, log=print) -> Generated:
    root = BUNDLES / spec.key
    info_path = root / "info.json"
    if info_path.exists() and not force:
        data = json.loads(info_path.read_text(encoding="utf-8"))
        data["spec"] = spec
        for k in ("root", "folder", "bundle"):
            data[k] = Path(data[k])
        g = Generated(**data)
        if g.bundle.exists():
            return g
    if root.exists():
        shutil.rmtree(root)
    folder = root / "src"
    t0 = time.perf_counter()
    p = plan(spec)
    manifest, jobs = p["manifest"], p["jobs"]
    for s, _, _ in SECTIONS:
        (folder / "documents" / s).mkdir(parents=True, exist_ok=True)
    jobs = [(k, seed, pages, title, ref, str(folder / path)) for k, seed, pages, title, ref, path in jobs]
    # Longest first, so the pool is not left waiting for one long PDF at the end.
    jobs.sort(key=lambda j: -j[2])
    n = workers or os.cpu_count() or 1
    sizes = {}
    log(f"generating {spec.docs} documents / {spec.pages} pages with {n} processes …")
    with get_context("fork").Pool(n) as pool:
        for i, (path, size) in enumerate(pool.imap_unordered(_make, jobs, chunksize=4), 1):
            sizes[path] = size
            if i % 200 == 0:
                log(f"  {i}/{len(jobs)} documents")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    gen_s = time.perf_counter() - t0
    from caseview.core.build import build_bundle

    t1 = time.perf_counter()
    bundle = root / "case.cvb"
    checked = build_bundle(folder, bundle)
    build_s = time.perf_counter() - t1
    docs = manifest["documents"]
    pdf_docs = [d for d in docs if d["media_type"] == "application/pdf"]
    text_pages = 0
    from caseview.core.extract import paginate_text

    for d in docs:
        if d["media_type"] == "text/plain":
            text_pages += len(paginate_text((folder / d["path"]).read_text(encoding="utf-8")))
    g = Generated(spec=spec, root=root, folder=folder, bundle=bundle, fingerprint=checked.fingerprint,
                  documents=len(docs), pdfs=len(pdf_docs), pdf_pages=sum(d["pages"] for d in pdf_docs),
                  text_pages=text_pages, images=sum(d["media_type"] == "image/png" for d in docs),
                  total_pages=0, pdf_bytes=sum(sizes[str(folder / d["path"])] for d in pdf_docs),
                  bundle_bytes=bundle.stat().st_size, generate_seconds=round(gen_s, 2),
                  build_seconds=round(build_s, 2))
    g.total_pages = g.pdf_pages + g.text_pages + g.images
    info_path.write_text(json.dumps(g.to_json(), indent=2) + "\n", encoding="utf-8")
    log(f"generated in {gen_s:.1f} s, bundle built and checked in {build_s:.1f} s: {bundle}")
    return g


def long_pdf(pages: int = 500, seed: int = 500) -> Path:
    """One long PDF (a big assessment) for the render and scroll benchmarks, cached."""
    path = OUT / "render" / f"v{GENERATOR_VERSION}-long-{pages}-s{seed}.pdf"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pdf_document(seed, pages, "Child and family assessment (long)", "NS-2026-0500"))
        os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shape", choices=("dense", "light"), default="dense",
                    help="dense: full A4 pages of prose; light: 48 short lines a page, uncompressed streams")
    ap.add_argument("--force", action="store_true", help="regenerate even if cached")
    a = ap.parse_args(argv)
    if not 1 <= a.docs <= 10_000 or a.pages < a.docs:
        ap.error("need 1 <= docs <= 10000 and pages >= docs")
    g = generate(Spec(a.docs, a.pages, a.items, a.seed, a.shape), force=a.force)
    print(json.dumps(g.to_json(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
