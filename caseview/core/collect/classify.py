"""One input file, examined: hashed, verified exactly as ``caseview verify`` does, and turned into rows."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..signing import FINDINGS_NAME, MODERATION_NAME
from ..trust import TrustRoles
from ..verify import verify_report
from ..verify.model import RECORD
from .facts import record_rows, report_rows

CHUNK = 1 << 20


@dataclass(frozen=True)
class Examined:
    """What one file is (its verdict before the collection as a whole is looked at) and its rows."""

    sha256: str
    name: str
    size: int
    verdict: str  # accepted, untrusted, rejected or not-a-report
    reason: str
    rows: dict[str, Any] = field(default_factory=dict)  # empty unless the file is a valid report or record


def file_sha256(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _attachments(path: Path) -> set[str]:
    """Names of the files attached to a PDF (empty when it cannot be read): is it meant to be a CaseView file?"""
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader

        from ..cms import quiet_pyhanko
        from ..verify.record import attachment_names

        with quiet_pyhanko():
            return attachment_names(PdfFileReader(io.BytesIO(path.read_bytes()), strict=False))
    except Exception:
        return set()


def _moderation_json(path: Path, expected_sha256: str | None) -> dict | None:
    """The record's moderation.json, whose SHA-256 the verifier has just checked."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    from ..cms import quiet_pyhanko
    from ..verify.record import read_moderation

    with quiet_pyhanko():
        data, problem = read_moderation(PdfFileReader(io.BytesIO(path.read_bytes()), strict=False))
    if problem or data is None or hashlib.sha256(data).hexdigest() != expected_sha256:
        return None
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return obj if isinstance(obj, dict) else None


def _is_pdf(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(1024).lstrip()[:5] == b"%PDF-"


def examine(path: Path, sha256: str, size: int, trust: TrustRoles, name: str | None = None) -> Examined:
    """The file's verdict and rows; never raises for a bad file (its problem is the reason)."""
    path = Path(path)
    name = name or str(path)
    try:
        if not _is_pdf(path):
            return Examined(sha256, name, size, "not-a-report", "Not a PDF file.")
    except OSError as exc:
        return Examined(sha256, name, size, "rejected", f"The file cannot be read ({exc.strerror or exc}).")
    v = verify_report(path, trusted=trust.any_role, trusted_roles=trust.by_role)
    if not v.valid:
        attached = _attachments(path)
        if FINDINGS_NAME not in attached and MODERATION_NAME not in attached:
            why = v.reasons[0] if v.reasons else ""
            return Examined(sha256, name, size, "not-a-report",
                            "A PDF without CaseView findings or a moderation record." + (f" {why}" if why else ""))
        return Examined(sha256, name, size, "rejected", " ".join(v.reasons) or "Not valid.")
    verdict = "accepted" if v.trusted else "untrusted"
    if v.kind == RECORD:
        moderation = _moderation_json(path, v.moderation_sha256)
        if moderation is None:
            return Examined(sha256, name, size, "rejected", "The moderation record's moderation.json cannot be read.")
        rows = record_rows(sha256, v, moderation)
        what = "Moderation record"
    else:
        rows = report_rows(sha256, v, name)
        what = "Report" if len(v.signatures) == 1 else "Countersigned report"
    if v.trusted:
        reason = f"{what}, valid; every signer trusted ({', '.join(s.signer_name for s in v.signatures)})."
    else:
        reason = f"{what}, valid but untrusted: " + " ".join(v.reasons)
    return Examined(sha256, name, size, verdict, reason, rows)
