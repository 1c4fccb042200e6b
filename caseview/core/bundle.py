"""Open and validate a case bundle: zip safety, manifest, limits, hashes, content and issuer signature.

Everything about the archive's structure and the manifest is checked before a
single document byte is read; documents are then streamed once, each hashed,
sized and sniffed as it inflates (and, for an import, copied to a private
staging file that the caller discards if anything fails).
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Sequence

from . import winpath
from .cms import SignatureMismatch, verify_detached
from .errors import BundleError
from .frameworks import Registry, load_registry
from .jsonload import JsonFault
from .manifest import JPEG, PDF, PNG, TEXT_TYPES, Document, Manifest, fingerprint_of, parse_manifest
from .progress import CancelToken, Progress, reporter
from .zipsafe import Entry, SafeZip, collision_key

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MAX_SIGNATURE_BYTES = 1 << 20

ISSUER_UNSIGNED = "unsigned"
ISSUER_UNTRUSTED = "untrusted"
ISSUER_TRUSTED = "trusted"


@dataclass(frozen=True)
class Limits:
    """What a reader accepts (the spec's defaults; the user can raise them)."""

    max_documents: int = 10_000
    max_document_bytes: int = 1 << 30
    max_total_bytes: int = 16 << 30
    max_ratio: int = 100
    ratio_min_bytes: int = 1 << 20
    max_manifest_bytes: int = 8 << 20


@dataclass(frozen=True)
class CheckedBundle:
    """A bundle that passed every check."""

    path: Path
    fingerprint: str
    manifest: Manifest
    manifest_bytes: bytes = field(repr=False)
    issuer_status: str  # ISSUER_UNSIGNED | ISSUER_UNTRUSTED | ISSUER_TRUSTED
    issuer_signer: str | None  # the signing certificate's name, when signed
    issuer_fingerprint: str | None
    total_bytes: int
    notices: tuple[str, ...] = ()

    @property
    def issuer_label(self) -> str:
        if self.issuer_status == ISSUER_TRUSTED:
            return f"signed by {self.issuer_signer} (trusted)"
        if self.issuer_status == ISSUER_UNTRUSTED:
            return f"issuer not verified: signed by {self.issuer_signer}, whose certificate you do not trust"
        return "issuer not verified: the bundle is not signed"


#: Called once per document with its metadata; returns a file to copy the bytes into, or None.
Sink = Callable[[Document], BinaryIO | None]


def check_bundle(path: Path, *, limits: Limits | None = None, registry: Registry | None = None,
                 trusted: Sequence[bytes] = (), sink: Sink | None = None,
                 progress: Progress | None = None, cancel: CancelToken | None = None) -> CheckedBundle:
    """Validate the bundle at ``path`` against format 1.x; raise :class:`BundleError` with one sentence."""
    path = Path(path)
    limits = limits or Limits()
    registry = registry or load_registry()
    name = path.name
    try:
        fh = open(winpath.extended(str(path)), "rb")  # a bundle saved deep in a synced folder
    except FileNotFoundError:
        raise BundleError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise BundleError(f"{path} is a folder, not a bundle file.") from None
    except OSError as exc:
        raise BundleError(f"{path} cannot be read ({exc.strerror}).") from None
    with fh:
        return _check_open(fh, path, name, limits, registry, trusted, sink, progress, cancel)


def _check_open(fh: BinaryIO, path: Path, name: str, limits: Limits, registry: Registry,
                trusted: Sequence[bytes], sink: Sink | None, progress: Progress | None,
                cancel: CancelToken | None) -> CheckedBundle:
    report = reporter(progress, cancel)
    # Directory entries are allowed, so leave room for them beyond documents + manifest + signature.
    archive = SafeZip(fh, name, max_entries=2 * limits.max_documents + 64)
    files = _index_entries(archive)

    mentry = files.get(MANIFEST)
    if mentry is None:
        raise BundleError(f"{name}: there is no {MANIFEST} entry.")
    if mentry.file_size > limits.max_manifest_bytes:
        raise BundleError(f"{name}: {MANIFEST} is {mentry.file_size:,} bytes, more than the "
                          f"{limits.max_manifest_bytes:,} allowed.")
    manifest_bytes = _read_small(archive, mentry, limits.max_manifest_bytes)
    try:
        manifest = parse_manifest(manifest_bytes, max_documents=limits.max_documents)
    except JsonFault as fault:
        where = f" at {fault.path}" if fault.path else ""
        raise BundleError(f"{name}: {MANIFEST}{where} {fault.message}.") from None

    _check_framework(name, manifest, registry)
    _check_inventory(name, manifest, files, limits)

    issuer_status, signer, signer_fp = ISSUER_UNSIGNED, None, None
    sentry = files.get(SIGNATURE)
    if sentry is not None:
        if sentry.file_size > MAX_SIGNATURE_BYTES:
            raise BundleError(f"{name}: {SIGNATURE} is larger than {MAX_SIGNATURE_BYTES:,} bytes.")
        sig = _read_small(archive, sentry, MAX_SIGNATURE_BYTES)
        try:
            check = verify_detached(sig, manifest_bytes, trusted)
        except SignatureMismatch as exc:
            detail = f"does not match {MANIFEST}" if str(exc) == "does not match" else str(exc)
            raise BundleError(f"{name}: {SIGNATURE} {detail}; the bundle may have been altered and was "
                              f"refused.") from None
        issuer_status = ISSUER_TRUSTED if check.trusted else ISSUER_UNTRUSTED
        signer, signer_fp = check.subject, check.fingerprint

    total = sum(d.size for d in manifest.documents)
    documents = sorted(manifest.documents, key=lambda d: files[d.path].data_offset)
    done_bytes = 0
    for n, doc in enumerate(documents):
        report(n, len(documents), doc.title)
        _check_document(archive, name, doc, files[doc.path], limits, sink, lambda: report(n, len(documents), doc.title))
        done_bytes += doc.size
    report(len(documents), len(documents), "")

    notices = []
    if manifest.framework_version:
        fw = registry.for_bundle(manifest.framework, manifest.framework_version, manifest.minor)
        if fw is not None and fw.version != manifest.framework_version:
            notices.append(f"The bundle asks for framework {manifest.framework} {manifest.framework_version}; "
                           f"this CaseView has version {fw.version}, which will be used.")
    return CheckedBundle(path=path, fingerprint=fingerprint_of(manifest_bytes), manifest=manifest,
                         manifest_bytes=manifest_bytes, issuer_status=issuer_status, issuer_signer=signer,
                         issuer_fingerprint=signer_fp, total_bytes=total, notices=tuple(notices))


def _index_entries(archive: SafeZip) -> dict[str, Entry]:
    files: dict[str, Entry] = {}
    keys: dict[str, str] = {}
    for e in archive.entries:
        key = collision_key(e.name.rstrip("/"))
        if e.name in files or (e.is_dir and key in keys and keys[key] == e.name):
            raise BundleError(f"{archive.archive}: entry {e.name!r} appears more than once.")
        if key in keys and keys[key] != e.name:
            raise BundleError(f"{archive.archive}: entries {keys[key]!r} and {e.name!r} differ only by letter case "
                              f"or Unicode form, so they collide on Windows and macOS.")
        keys[key] = e.name
        if not e.is_dir:
            files[e.name] = e
    return files


def _read_small(archive: SafeZip, entry: Entry, limit: int) -> bytes:
    return b"".join(archive.iter_data(entry, limit=limit))


def _check_framework(name: str, manifest: Manifest, registry: Registry) -> None:
    fw = registry.for_bundle(manifest.framework, manifest.framework_version, manifest.minor)
    if fw is None:
        known = ", ".join(registry.ids()) or "none"
        raise BundleError(f"{name}: {MANIFEST} at review.framework names unknown framework "
                          f"{manifest.framework!r} (installed: {known}).")
    for i, item in enumerate(manifest.items):
        if not fw.covers(item.kind):
            raise BundleError(f"{name}: {MANIFEST} at items[{i}].kind: framework {fw.id!r} does not cover items "
                              f"of kind {item.kind!r}.")


def _check_inventory(name: str, manifest: Manifest, files: dict[str, Entry], limits: Limits) -> None:
    if len(manifest.documents) > limits.max_documents:
        raise BundleError(f"{name}: {MANIFEST} lists {len(manifest.documents):,} documents, more than the "
                          f"{limits.max_documents:,} allowed.")
    listed: dict[str, int] = {}
    keys: dict[str, str] = {}
    for i, d in enumerate(manifest.documents):
        key = collision_key(d.path)
        if key in keys and keys[key] != d.path:
            raise BundleError(f"{name}: {MANIFEST} at documents[{i}].path {d.path!r} differs from "
                              f"{keys[key]!r} only by letter case.")
        keys[key] = d.path
        listed[d.path] = i
        if d.path in (MANIFEST, SIGNATURE):
            raise BundleError(f"{name}: {MANIFEST} at documents[{i}].path names {d.path!r}, which is reserved.")
        entry = files.get(d.path)
        if entry is None:
            raise BundleError(f"{name}: {MANIFEST} at documents[{i}].path names {d.path!r}, which is not in "
                              f"the archive.")
        if d.size > limits.max_document_bytes:
            raise BundleError(f"{name}: document {d.path!r} is {d.size:,} bytes, more than the "
                              f"{limits.max_document_bytes:,} allowed per document.")
        if entry.file_size != d.size:
            raise BundleError(f"{name}: {MANIFEST} at documents[{i}].size says {d.size:,} bytes but entry "
                              f"{d.path!r} holds {entry.file_size:,}.")
        if entry.file_size > limits.ratio_min_bytes and \
                entry.file_size > limits.max_ratio * max(entry.compressed_size, 1):
            raise BundleError(f"{name}: entry {d.path!r} compresses more than {limits.max_ratio}:1, the most "
                              f"allowed; it looks like a decompression bomb.")
    for entry_name in files:
        if entry_name not in listed and entry_name not in (MANIFEST, SIGNATURE):
            raise BundleError(f"{name}: entry {entry_name!r} is not listed in {MANIFEST}; bundles may hold "
                              f"only the manifest, its signature and the documents it names.")
    total = sum(d.size for d in manifest.documents)
    if total > limits.max_total_bytes:
        raise BundleError(f"{name}: the documents add up to {total:,} bytes uncompressed, more than the "
                          f"{limits.max_total_bytes:,} allowed.")


def _check_document(archive: SafeZip, name: str, doc: Document, entry: Entry, limits: Limits,
                    sink: Sink | None, tick: Callable[[], None]) -> None:
    where = f"{name}: document {doc.id} ({doc.path!r})"
    digest = hashlib.sha256()
    head = b""
    decoder = codecs.getincrementaldecoder("utf-8")("strict") if doc.media_type in TEXT_TYPES else None
    out = sink(doc) if sink is not None else None
    size = 0
    for i, chunk in enumerate(archive.iter_data(entry, limit=limits.max_document_bytes)):
        digest.update(chunk)
        size += len(chunk)
        if len(head) < 1024:
            head += chunk[: 1024 - len(head)]
        if decoder is not None:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                raise BundleError(f"{where} is declared {doc.media_type} but is not valid UTF-8 text.") from None
        if out is not None:
            out.write(chunk)
        if i % 256 == 255:
            tick()  # lets a cancel be noticed inside a large document
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise BundleError(f"{where} is declared {doc.media_type} but is not valid UTF-8 text.") from None
    if size != doc.size:
        raise BundleError(f"{where} is {size:,} bytes, not the {doc.size:,} the manifest says.")
    if digest.hexdigest() != doc.sha256:
        raise BundleError(f"{where} does not match its sha256 in the manifest; it may have been altered.")
    _sniff(where, doc.media_type, head)
    if out is not None:
        out.flush()  # durable is the sink owner's business: import syncs each file while the next is read


def _sniff(where: str, media_type: str, head: bytes) -> None:
    if media_type == PDF and b"%PDF-" not in head[:1024]:
        raise BundleError(f"{where} is declared application/pdf but its content is not a PDF.")
    if media_type == PNG and not head.startswith(b"\x89PNG\r\n\x1a\n"):
        raise BundleError(f"{where} is declared image/png but its content is not a PNG image.")
    if media_type == JPEG and not head.startswith(b"\xff\xd8\xff"):
        raise BundleError(f"{where} is declared image/jpeg but its content is not a JPEG image.")


def sniff_media_type(head: bytes, filename: str) -> str | None:
    """The media type a file's first bytes (and, for text, its name) show; for ``bundle build``."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if b"%PDF-" in head[:1024]:
        return PDF
    lower = filename.lower()
    if lower.endswith((".md", ".markdown")):
        return "text/markdown"
    if lower.endswith(".txt"):
        return "text/plain"
    return None
