"""The workspace's trust list: certificates of issuers, reviewers and moderators a user has chosen to trust."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from .errors import CaseViewError
from .store import Workspace

#: The roles a trusted certificate can have. A certificate trusted as a reviewer says nothing
#: about whether its holder may moderate, or issue bundles.
ROLES = ("issuer", "reviewer", "moderator")


@dataclass(frozen=True)
class TrustRoles:
    """Trusted certificates (DER) by role, plus those trusted for every role (``--trust`` on the command line)."""

    any_role: tuple[bytes, ...] = ()
    by_role: dict[str, tuple[bytes, ...]] = field(default_factory=dict)

    def for_role(self, role: str) -> tuple[bytes, ...]:
        return self.any_role + self.by_role.get(role, ())

    def roles_of(self, fingerprint: str) -> tuple[str, ...]:
        """The roles a certificate (by SHA-256 of its DER) is trusted for, as listed; every role if given for all."""
        fp = fingerprint.lower()
        if any(_sha256(der) == fp for der in self.any_role):
            return ROLES
        return tuple(r for r in ROLES if any(_sha256(der) == fp for der in self.by_role.get(r, ())))

    def with_any_role(self, extra: Iterable[bytes]) -> "TrustRoles":
        return TrustRoles(self.any_role + tuple(bytes(d) for d in extra), dict(self.by_role))


def _sha256(der: bytes) -> str:
    import hashlib

    return hashlib.sha256(der).hexdigest()


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
    if role not in ROLES:
        raise CaseViewError(f"A trusted certificate's role is one of {', '.join(ROLES)}, not {role!r}.")
    cert = read_certificate(path)
    entry = {"fingerprint": fingerprint(cert), "role": role, "subject": describe(cert)}
    ws.trust_add(entry["fingerprint"], role, entry["subject"], cert.public_bytes(serialization.Encoding.DER))
    return entry


def trusted_for(ws: Workspace, role: str) -> list[bytes]:
    """The DER certificates the workspace trusts in ``role`` (issuer, reviewer or moderator)."""
    return list(trust_roles(ws).for_role(role))


def trust_roles(ws: Workspace, extra: Iterable[bytes] = ()) -> TrustRoles:
    """The workspace's trust list by role; ``extra`` certificates (``--trust``) are trusted for every role."""
    by_role: dict[str, list[bytes]] = {}
    # A read of the trust table; Workspace has no by-role accessor and store.py is not ours to extend.
    for der, role in ws.conn.execute("SELECT certificate, role FROM trust ORDER BY added"):
        by_role.setdefault(str(role), []).append(bytes(der))
    return TrustRoles(tuple(bytes(d) for d in extra), {r: tuple(v) for r, v in by_role.items()})
