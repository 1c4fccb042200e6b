"""The personal-data check of a whole bundle, or of a bundle's source folder before it is built (issuer side).

Pages are read exactly as import reads them (:func:`~caseview.core.extract.document_texts`) and cited by
the bundle page references a reviewer will use. The manifest's own text (titles, notes, paths) is searched
for the removed identifiers too, since it travels with the bundle. Findings hold masked text only.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .bundle import MANIFEST, Limits, check_bundle
from .errors import BundleError
from .extract import ExtractLimits, document_texts
from .frameworks import Registry
from .manifest import Document, Manifest
from .pages import bundle_order, page_counts, place
from .pdscan import NOT_CHECKED, Finding, RemovedIdentifiers, ScanResult, scan_pages, scan_text
from .progress import Progress, Step

REMOVED = "removed-identifier"
# Manifest values that are never free text: hashes and the format's own words.
_NOT_TEXT_KEYS = frozenset({"sha256", "media_type", "format", "format_version", "size", "pages"})


def declared_references(manifest: Manifest) -> set[str]:
    """The references the bundle itself declares (case, claims, bundle and ids): never findings."""
    refs = {manifest.case.reference, manifest.bundle_id}
    refs.update(d.id for d in manifest.documents)
    refs.update(e.id for e in manifest.chronology)
    for item in manifest.items:
        refs.add(item.id)
        if item.claim is not None:
            refs.add(item.claim.reference)
            if item.claim.contract:
                refs.add(item.claim.contract)
    return {r for r in refs if r}


def _strings(value, key: str = "") -> Iterable[str]:
    if isinstance(value, str):
        if key not in _NOT_TEXT_KEYS:
            yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)


def scan_manifest(manifest: Manifest, removed: RemovedIdentifiers) -> list[Finding]:
    """The removed identifiers in the manifest's text (the detectors read pages only: an issuer's contact
    details belong in the manifest)."""
    text = "\n".join(_strings(manifest.raw))
    return [f for f in scan_text(text, document_id=MANIFEST, page=None, page_ref=MANIFEST,
                                 declared=declared_references(manifest), removed=removed)
            if f.kind == REMOVED]


def scan_documents(manifest: Manifest, files: Mapping[str, Path], *, removed: RemovedIdentifiers | None = None,
                   extract_limits: ExtractLimits | None = None, progress: Progress | None = None,
                   base: int = 0, total: int = 0) -> ScanResult:
    """Read every document in ``files`` (id → bytes on disk) as import does, and scan its pages.

    ``progress`` gets steps from ``base`` of ``total`` (two units a document: reading, then searching).
    Documents with a page without text, and documents that could not be read, are listed as not checked
    with the page references concerned.
    """
    n = len(manifest.documents)
    total = total or 2 * n
    step = (lambda done, label: progress(Step(base + done, total, label))) if progress else (lambda *_: None)
    read = [sum(1 for d in manifest.documents if not d.is_pdf)]

    def on_done(_result) -> None:
        read[0] += 1
        step(read[0], "Reading text")

    step(read[0], "Reading text")
    texts, problems = document_texts(manifest.documents, files, limits=extract_limits, on_done=on_done)
    ordered = bundle_order(manifest)
    placed = place(ordered, page_counts(manifest.documents, texts))
    rows = [(d.id, i + 1, placed[d.id].ref(i + 1), text)
            for d in ordered for i, text in enumerate(texts.get(d.id, ()))]
    searched = scan_pages(rows, declared=declared_references(manifest), removed=removed,
                          progress=lambda s: step(n + (s.done * n // max(s.total, 1)), "Searching"))
    findings = list(searched.findings)
    if removed is not None:
        findings[:0] = scan_manifest(manifest, removed)
    empty: dict[str, list[str]] = {}
    for doc_id, _page, ref, text in rows:
        if text is None or not text.strip():
            empty.setdefault(doc_id, []).append(ref)
    not_checked = []
    for d in ordered:
        if d.id in problems:
            not_checked.append({"document_id": d.id, "reason": f"not checked: could not be read ({problems[d.id]})",
                                "page_refs": [placed[d.id].ref(i + 1) for i in range(placed[d.id].count)]})
        elif d.id in empty:
            not_checked.append({"document_id": d.id, "reason": NOT_CHECKED, "page_refs": empty[d.id]})
    return ScanResult(findings=findings, not_checked=not_checked, pages=searched.pages)


def scan_bundle(path: Path, *, removed: RemovedIdentifiers | None = None, limits: Limits | None = None,
                registry: Registry | None = None, trusted: Sequence[bytes] = (),
                extract_limits: ExtractLimits | None = None, progress: Progress | None = None) -> ScanResult:
    """Check the bundle at ``path`` as ``bundle check`` does (refusing it the same way), then scan it.

    The documents are copied to a private temporary folder for reading, removed afterwards.
    """
    with tempfile.TemporaryDirectory(prefix="caseview-scan-") as tmp:
        staged: dict[str, Path] = {}
        handles = []

        def sink(doc: Document):
            staged[doc.id] = Path(tmp) / f"{len(staged):05d}"
            fh = open(staged[doc.id], "xb")
            handles.append(fh)
            return fh

        def checking(s: Step) -> None:
            if progress is not None:
                progress(Step(s.done, 3 * max(s.total, 1), "Checking"))

        try:
            checked = check_bundle(Path(path), limits=limits, registry=registry, trusted=trusted, sink=sink,
                                   progress=checking)
        finally:
            for fh in handles:
                fh.close()
        n = len(checked.manifest.documents)
        return scan_documents(checked.manifest, staged, removed=removed, extract_limits=extract_limits,
                              progress=progress, base=n, total=3 * n)


def scan_sources(folder: Path, manifest: Manifest, removed: RemovedIdentifiers, *,
                 extract_limits: ExtractLimits | None = None) -> ScanResult:
    """Scan a source folder's documents (paths already checked by the builder) before a bundle is written."""
    files = {d.id: Path(folder) / d.path for d in manifest.documents}
    for i, d in enumerate(manifest.documents):
        if d.is_text:
            try:
                files[d.id].read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                raise BundleError(f"{folder}: documents[{i}] ({d.path!r}) is declared {d.media_type} but is not "
                                  f"valid UTF-8 text.") from None
    return scan_documents(manifest, files, removed=removed, extract_limits=extract_limits)


def removed_identifier_findings(result: ScanResult) -> list[Finding]:
    return [f for f in result.findings if f.kind == REMOVED]


class RemovedIdentifiersFound(BundleError):
    """The sources still hold something the issuer's list says was removed; the bundle is not built."""

    def __init__(self, folder: Path, findings: Sequence[Finding]):
        self.findings = tuple(findings)
        places = list(dict.fromkeys(place_of(f) for f in self.findings))
        shown = ", ".join(places[:5]) + (f" and {len(places) - 5} more" if len(places) > 5 else "")
        times = "once" if len(self.findings) == 1 else f"{len(self.findings)} times"
        super().__init__(f"{folder}: removed identifiers were found {times} ({shown}); the bundle was not "
                         f"built and nothing was written.")


def place_of(f: Finding) -> str:
    """Where a finding is, as the issuer looks for it: document id and page reference, or the manifest."""
    return f.page_ref if f.document_id == MANIFEST else f"{f.document_id} {f.page_ref}"
