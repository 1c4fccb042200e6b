"""Import a bundle into the workspace, all or nothing: check, stage, extract, then one commit.

Nothing reaches the database until every document is checked and every text is
extracted; the case, its documents, page index and empty review are then written
in one transaction. A cancel, an error or a kill -9 before that commit leaves at
most a staging folder and unreferenced blobs, which the next start removes.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .bundle import CheckedBundle, Limits, check_bundle
from .errors import Cancelled
from .extract import ExtractLimits, document_texts
from .frameworks import Registry, load_registry
from .manifest import Document
from .pages import bundle_order, page_counts, place
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
                  progress: Progress | None = None, cancel: CancelToken | None = None) -> ImportResult:
    registry = registry_for(ws)
    if limits is None:
        limits = load_settings(ws.root).limits
    trusted = ws.trusted_certificates() if trusted is None else trusted
    with ws.import_lock():
        stage = ws.staging_dir()
        try:
            return _import(ws, Path(path), stage, registry, limits, extract_limits, trusted, progress, cancel)
        finally:
            shutil.rmtree(stage, ignore_errors=True)


def _import(ws: Workspace, path: Path, stage: Path, registry: Registry, limits, extract_limits, trusted,
            progress, cancel) -> ImportResult:
    def report(done: int, total: int, label: str) -> None:
        if cancel is not None and cancel.cancelled:
            raise Cancelled("Import cancelled; nothing was added to the workspace.")
        if progress is not None:
            progress(Step(done, total, label))

    staged: dict[str, Path] = {}

    def sink(doc: Document):
        target = stage / f"{len(staged):05d}"
        staged[doc.id] = target
        fh = open(target, "xb")
        _sinks.append(fh)
        return fh

    _sinks: list = []
    try:
        checked = check_bundle(path, limits=limits, registry=registry, trusted=trusted, sink=sink,
                               progress=lambda s: report(s.done, 3 * s.total, f"Checking {s.label}"))
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
    done = [sum(1 for d in manifest.documents if not d.is_pdf)]

    def on_done(result) -> None:
        done[0] += 1
        report(n + done[0], 3 * n, manifest.document(result.key).title)

    texts, problems = document_texts(manifest.documents, staged, limits=extract_limits, on_done=on_done,
                                     should_stop=lambda: bool(cancel and cancel.cancelled))
    report(2 * n, 3 * n, "Indexing")  # raises Cancelled if extraction was stopped by a cancel

    counts = page_counts(manifest.documents, texts)
    for d in manifest.documents:
        if d.pages is not None and d.id in texts and d.pages != counts[d.id]:
            notices.append(f"Document {d.id} ({d.title}) has {counts[d.id]} pages here but the issuer counted "
                           f"{d.pages}: page references will differ from the issuer's paper bundle.")
    for doc_id, problem in problems.items():
        notices.append(f"Document {doc_id} ({manifest.document(doc_id).title}) could not be read: {problem}.")
    ordered = bundle_order(manifest)
    placed = place(ordered, counts)

    # Blobs go in first (content-addressed, so idempotent); the commit below is what makes them part of a case.
    for doc in manifest.documents:
        blob = ws.blob_path(doc.sha256)
        if not blob.exists():
            os.chmod(staged[doc.id], 0o600)
            os.replace(staged[doc.id], blob)
    case_id = case_id_for(checked.fingerprint)
    fw = registry.for_bundle(manifest.framework, manifest.framework_version, manifest.minor)
    case = dict(id=case_id, bundle_id=manifest.bundle_id, fingerprint=checked.fingerprint,
                version=1 + max((c.version for c in earlier), default=0), reference=manifest.case.reference,
                title=manifest.case.title, issuer=manifest.issuer_organisation, framework_id=manifest.framework,
                due=manifest.due, manifest=checked.manifest_bytes, issuer_status=checked.issuer_status,
                issuer_signer=checked.issuer_signer, issuer_fingerprint=checked.issuer_fingerprint,
                imported_at=now_utc())
    documents = [dict(case_id=case_id, doc_id=d.id, position=pos, sha256=d.sha256, media_type=d.media_type,
                      title=d.title, section=d.section, date=d.date, author_role=d.author_role, issuer_pages=d.pages,
                      pages=placed[d.id].count, first_page=placed[d.id].first, problem=problems.get(d.id))
                 for pos, d in enumerate(ordered)]

    def page_rows():
        for d in ordered:
            for i, text in enumerate(texts.get(d.id, ())):
                yield d.id, i + 1, placed[d.id].ref(i + 1), text

    review = dict(case_id=case_id, framework_id=fw.id, framework_version=fw.version, framework_source=fw.source)
    report(3 * n - 1, 3 * n, "Saving")
    with ws.transaction() as c:
        ws.insert_case(c, case, documents, page_rows(), review)
    report(3 * n, 3 * n, "")
    try:
        ws.backup()
    except OSError as exc:
        notices.append(f"The workspace backup could not be written ({exc.strerror}); the import itself is saved.")
    return ImportResult(case_id, True, checked, tuple(notices))
