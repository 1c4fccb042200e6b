"""Build a bundle from a folder: fill in hashes, sizes and media types, write a deterministic zip, check it."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

from .bundle import MANIFEST, SIGNATURE, CheckedBundle, Limits, check_bundle, sniff_media_type
from .bundle_scan import RemovedIdentifiersFound, removed_identifier_findings, scan_sources
from .errors import BundleError
from .extract import ExtractLimits
from .frameworks import Registry
from .jsonload import JsonFault, parse_json_bytes
from .manifest import parse_manifest
from .pdscan import RemovedIdentifiers, ScanResult
from .zipsafe import check_entry_name

_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed timestamps make the same folder give the same bytes


def _fill_documents(folder: Path, manifest: dict) -> None:
    docs = manifest.get("documents")
    if not isinstance(docs, list):
        return  # the check that follows names the fault
    for i, doc in enumerate(docs):
        if not isinstance(doc, dict) or not isinstance(doc.get("path"), str):
            continue
        check_entry_name(str(folder), doc["path"])
        src = folder / doc["path"]
        if src.is_symlink() or not src.is_file():
            raise BundleError(f"{folder}: documents[{i}].path names {doc['path']!r}, which is not a regular file "
                              f"in the folder.")
        digest = hashlib.sha256()
        size = 0
        with open(src, "rb") as fh:
            head = fh.read(1024)
            fh.seek(0)
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
        doc["sha256"] = digest.hexdigest()
        doc["size"] = size
        if "media_type" not in doc:
            sniffed = sniff_media_type(head, src.name)
            if sniffed is None:
                raise BundleError(f"{folder}: documents[{i}] ({doc['path']!r}) has no media_type and its type "
                                  f"cannot be told from its content; add media_type to the manifest.")
            doc["media_type"] = sniffed


def build_bundle(folder: Path, output: Path, *, registry: Registry | None = None, limits: Limits | None = None,
                 signer: Callable[[bytes], bytes] | None = None, removed: RemovedIdentifiers | None = None,
                 on_scan: Callable[[ScanResult], None] | None = None,
                 extract_limits: ExtractLimits | None = None) -> CheckedBundle:
    """Write ``output`` from ``folder``; refuse (and leave no file) whatever ``check`` would refuse.

    ``signer`` (optional) returns a detached CMS signature over the manifest bytes. With ``removed`` (the
    issuer's removed-identifiers list) the sources are scanned before anything is written, ``on_scan`` gets
    the result, and any removed identifier found refuses the build with :class:`RemovedIdentifiersFound`.
    """
    folder, output = Path(folder), Path(output)
    src = folder / MANIFEST
    try:
        raw = src.read_bytes()
    except OSError:
        raise BundleError(f"{folder}: there is no readable {MANIFEST} in the folder.") from None
    try:
        manifest = parse_json_bytes(raw)
    except JsonFault as fault:
        raise BundleError(f"{src} {fault.message}.") from None
    if not isinstance(manifest, dict):
        raise BundleError(f"{src} must hold a JSON object.")
    _fill_documents(folder, manifest)
    manifest_bytes = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if removed is not None:
        _scan_sources(folder, src, manifest_bytes, removed, on_scan, extract_limits)

    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".building-", suffix=".cvb", dir=output.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w") as zf:
            _write(zf, MANIFEST, manifest_bytes)
            if signer is not None:
                _write(zf, SIGNATURE, signer(manifest_bytes))
            for doc in manifest.get("documents", []):
                with open(folder / doc["path"], "rb") as src_fh:
                    info = _info(doc["path"])
                    with zf.open(info, "w", force_zip64=doc["size"] > (1 << 31)) as dst:
                        for chunk in iter(lambda: src_fh.read(1 << 20), b""):
                            dst.write(chunk)
        checked = check_bundle(tmp, registry=registry, limits=limits)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # a bundle is meant to be handed on; mkstemp made it private
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return CheckedBundle(**{**checked.__dict__, "path": output})


def _scan_sources(folder: Path, src: Path, manifest_bytes: bytes, removed: RemovedIdentifiers,
                  on_scan: Callable[[ScanResult], None] | None, extract_limits: ExtractLimits | None) -> None:
    try:
        parsed = parse_manifest(manifest_bytes)
    except JsonFault as fault:
        where = f" at {fault.path}" if fault.path else ""
        raise BundleError(f"{src}{where} {fault.message}.") from None
    result = scan_sources(folder, parsed, removed, extract_limits=extract_limits)
    if on_scan is not None:
        on_scan(result)
    found = removed_identifier_findings(result)
    if found:
        raise RemovedIdentifiersFound(folder, found)


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


def _write(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    zf.writestr(_info(name), data)
