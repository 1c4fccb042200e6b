"""The workspace's trust list: certificates of issuers, reviewers and moderators a user has chosen to trust."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from .errors import CaseViewError
from .store import Workspace


def read_certificate(path: Path) -> x509.Certificate:
    """A certificate from a PEM or DER file, or a clear error."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CaseViewError(f"{path} cannot be read ({exc.strerror}).") from None
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise CaseViewError(f"{path} is not an X.509 certificate (PEM or DER).") from None


def describe(cert: x509.Certificate) -> str:
    def first(oid) -> str | None:
        attrs = cert.subject.get_attributes_for_oid(oid)
        return str(attrs[0].value) if attrs else None

    parts = [p for p in (first(x509.NameOID.COMMON_NAME), first(x509.NameOID.ORGANIZATION_NAME)) if p]
    return ", ".join(parts) or cert.subject.rfc4514_string()


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def add_trusted(ws: Workspace, path: Path, *, role: str) -> dict:
    cert = read_certificate(path)
    entry = {"fingerprint": fingerprint(cert), "role": role, "subject": describe(cert)}
    ws.trust_add(entry["fingerprint"], role, entry["subject"], cert.public_bytes(serialization.Encoding.DER))
    return entry
