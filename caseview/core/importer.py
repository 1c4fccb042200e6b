"""Import a bundle into the workspace, all or nothing, as a pipeline: check, read, write and index overlap.

The PDF workers start with the check and read each PDF once it has passed its own checks; each document's
pages are written and indexed, in bundle order, while the workers read the next ones, and the personal-data
detectors run in the workers on each page as it is read. Everything after the check is one transaction: a
cancel, an error or a kill -9 before its commit leaves at most a staging folder and unreferenced blobs, which
the next start removes.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .atomic import fsync_file
from .bundle import CheckedBundle, Limits, check_bundle
from .errors import Cancelled, WorkspaceError
from .extract import Extracted, ExtractLimits, Feed, Reading
from .frameworks import Registry, load_registry
from .manifest import Document
from .pages import Placement, Placer, bundle_order
from .pdcheck import declared_in, store_check
from .pdscan import NOT_CHECKED, Finding, ScanResult, findings_from
from .progress import CancelToken, Progress, Step
from .settings import load_settings
from .store import Workspace, now_utc


@dataclass(frozen=True)
class ImportResult:
    case_id: str
    created: bool  # False when the same bundle was already imported
    bundle: CheckedBundle
    notices: tuple[str, ...]


def case_id_for(fingerprint: str) -> str:
    """Case ids come from the fingerprint, so the same bundle always gives the same case."""
    return fingerprint[:12]


def registry_for(ws: Workspace) -> Registry:
    return load_registry([ws.root / "frameworks"])


def import_bundle(ws: Workspace, path: Path, *, limits: Limits | None = None,
                  extract_limits: ExtractLimits | None = None, trusted: Sequence[bytes] | None = None,
                  progress: Progress | None = None, cancel: CancelToken | None = None,
                  personal_data_check: bool = True) -> ImportResult:
    """Check, read and index a bundle into the workspace in one transaction, all or nothing.

    With ``personal_data_check`` (the default) the detectors run in the workers beside PDFium and the check
    is stored with the case; without it the check runs when the case is first opened or reported on
    (the benchmark measures the check's cost as the difference).
    """
    registry = registry_for(ws)
    if limits is None:
        limits = load_settings(ws.root).limits
    trusted = ws.trusted_certificates() if trusted is None else trusted
    with ws.import_lock():
        stage = ws.staging_dir()
        # The workers start now and read each PDF as soon as the check has staged and verified it.
        reading = Reading(Feed(), limits=extract_limits, scan=personal_data_check,
                          should_stop=lambda: bool(cancel and cancel.cancelled))
        try:
            with reading:
                return _import(ws, Path(path), stage, registry, limits, reading, trusted, progress, cancel,
                               personal_data_check)
        finally:
            shutil.rmtree(stage, ignore_errors=True)


def _import(ws: Workspace, path: Path, stage: Path, registry: Registry, limits, reading: Reading, trusted,
            progress, cancel, personal_data_check: bool) -> ImportResult:
    def report(done: int, total: int, label: str) -> None:
        if cancel is not None and cancel.cancelled:
            raise Cancelled("Import cancelled; nothing was added to the workspace.")
        if progress is not None:
            progress(Step(done, total, label))

    staged: dict[str, Path] = {}
    _sinks: list = []
    _docs: list[Document] = []

    def verified() -> None:
        """The last document staged passed its checks (size, SHA-256, type): a PDF can be read."""
        if _sinks and not _sinks[-1].closed:
            _sinks[-1].close()
            if _docs[-1].is_pdf:
                reading.feed.put(_docs[-1].id, staged[_docs[-1].id])

    def sink(doc: Document):
        verified()  # check_bundle asks for the next document's file only when the last one passed
        target = stage / f"{len(staged):05d}"
        staged[doc.id] = target
        fh = open(target, "xb")
        _sinks.append(fh)
        _docs.append(doc)
        return fh

    try:
        checked = check_bundle(path, limits=limits, registry=registry, trusted=trusted, sink=sink,
                               progress=lambda s: report(s.done, 2 * s.total + 1, f"Checking {s.label}"))
        verified()
    finally:
        for fh in _sinks:
            fh.close()

    notices = list(checked.notices)
    existing = ws.case_by_fingerprint(checked.fingerprint)
    if existing is not None:
        return ImportResult(existing.id, False, checked, tuple(notices))
    manifest = checked.manifest
    earlier = ws.versions_of(manifest.bundle_id)
    if earlier:
        notices.append(f"This is a new version of case {manifest.case.reference} (bundle {manifest.bundle_id}); "
                       f"it is imported as a separate case beside {', '.join(c.id for c in earlier)}, and their "
                       f"reviews and annotations are not mixed.")
    if checked.issuer_status != "trusted":
        notices.append(checked.issuer_label[0].upper() + checked.issuer_label[1:] + ".")

    n = len(manifest.documents)
    ordered = bundle_order(manifest)
    case_id = case_id_for(checked.fingerprint)
    fw = registry.for_bundle(manifest.framework, manifest.framework_version, manifest.minor)
    case = dict(id=case_id, bundle_id=manifest.bundle_id, fingerprint=checked.fingerprint,
                version=1 + max((c.version for c in earlier), default=0), reference=manifest.case.reference,
                title=manifest.case.title, issuer=manifest.issuer_organisation, framework_id=manifest.framework,
                due=manifest.due, manifest=checked.manifest_bytes, issuer_status=checked.issuer_status,
                issuer_signer=checked.issuer_signer, issuer_fingerprint=checked.issuer_fingerprint,
                imported_at=now_utc())
    review = dict(case_id=case_id, framework_id=fw.id, framework_version=fw.version, framework_source=fw.source)
    declared = frozenset(declared_in(manifest))
    placer = Placer()
    documents: list[dict] = []
    check = _Check(declared)

    # One transaction from the first page to the last: each document's pages are written and indexed while the
    # workers read the next ones, and a cancel, an error or a kill -9 before the commit leaves nothing behind.
    with ws.transaction() as c:
        c.execute(f"INSERT INTO cases ({', '.join(case)}) VALUES ({', '.join('?' * len(case))})",
                  tuple(case.values()))
        reading.feed.close([(d.id, staged[d.id]) for d in ordered if d.is_pdf])  # the rest in bundle order
        reads = reading.in_order(ordered, staged)
        try:
            for pos, read in enumerate(reads):
                d = ordered[pos]
                placed = placer.place(d, len(read.pages) if read.readable else d.pages or 1)
                if read.readable and d.pages is not None and d.pages != placed.count:
                    notices.append(f"Document {d.id} ({d.title}) has {placed.count} pages here but the issuer "
                                   f"counted {d.pages}: page references will differ from the issuer's paper "
                                   f"bundle.")
                if not read.readable:
                    notices.append(f"Document {d.id} ({d.title}) could not be read: {read.problem}.")
                c.executemany("INSERT INTO pages (case_id, doc_id, page, ref, text) VALUES (?, ?, ?, ?, ?)",
                              ((case_id, d.id, i, placed.ref(i), text) for i, text in enumerate(read.pages, 1)))
                if personal_data_check:
                    check.add(d, placed, read)
                fsync_file(staged[d.id])  # on disk before the commit that refers to it; waits while workers read on
                documents.append(dict(case_id=case_id, doc_id=d.id, position=pos, sha256=d.sha256,
                                      media_type=d.media_type, title=d.title, section=d.section, date=d.date,
                                      author_role=d.author_role, issuer_pages=d.pages, pages=placed.count,
                                      first_page=placed.first, problem=read.problem))
                report(n + pos + 1, 2 * n + 1, d.title)
        finally:
            reads.close()
        if len(documents) < n:
            report(2 * n, 2 * n + 1, "")  # raises Cancelled: the workers were stopped by a cancel
            raise WorkspaceError(f"The import stopped after {len(documents)} of {n} documents; nothing was added.")
        report(2 * n, 2 * n + 1, "Saving")
        for row in documents:
            c.execute(f"INSERT INTO documents ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                      tuple(row.values()))
        lo, hi, count = c.execute("SELECT min(id), max(id), count(*) FROM pages WHERE case_id = ?",
                                  (case_id,)).fetchone()
        if count and hi - lo + 1 != count:  # cannot happen under the import lock; never search another case's pages
            raise WorkspaceError("The page index could not be written contiguously; the import was not saved.")
        c.execute("UPDATE cases SET first_page_row = ?, last_page_row = ? WHERE id = ?", (lo, hi, case_id))
        c.execute(f"INSERT INTO reviews ({', '.join(review)}) VALUES ({', '.join('?' * len(review))})",
                  tuple(review.values()))
        if personal_data_check:
            store_check(c, case_id, check.result())
        # Blobs go in last (content-addressed, so idempotent); the commit is what makes them part of a case.
        for doc in manifest.documents:
            blob = ws.blob_path(doc.sha256)
            if not blob.exists():
                os.chmod(staged[doc.id], 0o600)
                os.replace(staged[doc.id], blob)
    report(2 * n + 1, 2 * n + 1, "")
    try:
        ws.backup()
    except OSError as exc:
        notices.append(f"The workspace backup could not be written ({exc.strerror}); the import itself is saved.")
    return ImportResult(case_id, True, checked, tuple(notices))


class _Check:
    """The personal-data check, from the hits the workers found on each page as it was read (personal-data-scan.md:
    the same detectors and findings as a check run later over the stored text)."""

    def __init__(self, declared: frozenset[str]):
        self.declared = declared
        self.findings: list[Finding] = []
        self.unread: list[str] = []
        self.pages = 0

    def add(self, doc: Document, placed: Placement, read: Extracted) -> None:
        if not read.readable:
            self.unread.append(doc.id)
            return
        searched = 0
        for i, (text, hits) in enumerate(zip(read.pages, read.hits, strict=True), 1):
            if not text.strip():
                continue
            searched += 1
            self.findings.extend(findings_from(text, hits, document_id=doc.id, page=i,
                                               page_ref=placed.ref(i), declared=self.declared))
        if searched < len(read.pages):
            self.unread.append(doc.id)
        self.pages += searched

    def result(self) -> ScanResult:
        return ScanResult(findings=self.findings, pages=self.pages,
                          not_checked=[{"document_id": d, "reason": NOT_CHECKED} for d in self.unread])

