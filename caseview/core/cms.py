"""Detached CMS/PKCS#7 signatures over a manifest: integrity, signer and trust, offline."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Sequence

from asn1crypto import cms as asn1_cms
from asn1crypto import tsp as _tsp  # noqa: F401  (adds signing_certificate_v2 to the CMS attribute names)
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa


# asn1crypto builds each OID's name→number map once, on first use. If that happened before
# asn1crypto.tsp added its names, PAdES signing later fails on "signing_certificate_v2":
# rebuild the map if it is stale.
if asn1_cms.CMSAttributeType._reverse_map is not None and \
        "signing_certificate_v2" not in asn1_cms.CMSAttributeType._reverse_map:
    asn1_cms.CMSAttributeType._reverse_map = None


class SignatureMismatch(Exception):
    """The signature does not verify over the given bytes (the content was altered)."""


@dataclass(frozen=True)
class SignerCheck:
    subject: str  # a readable name: organisation and common name
    fingerprint: str  # SHA-256 of the signer certificate (DER), hex
    trusted: bool


_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sha224": hashes.SHA224}


def _hash_cls(name: str):
    try:
        return _HASHES[name]
    except KeyError:
        raise SignatureMismatch(f"uses the digest algorithm {name}, which is not accepted") from None


def _verify_raw(public_key, signature: bytes, data: bytes, hash_name: str, sig_algo: str) -> None:
    h = _hash_cls(hash_name)()
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            pad = padding.PSS(mgf=padding.MGF1(h), salt_length=padding.PSS.AUTO) if sig_algo == "rsassa_pss" \
                else padding.PKCS1v15()
            public_key.verify(signature, data, pad, h)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(h))
        elif isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, data)
        else:
            raise SignatureMismatch("uses a key type that is not accepted")
    except InvalidSignature:
        raise SignatureMismatch("does not match") from None


def _name(cert: x509.Certificate) -> str:
    def first(oid) -> str | None:
        attrs = cert.subject.get_attributes_for_oid(oid)
        return str(attrs[0].value) if attrs else None

    org = first(x509.NameOID.ORGANIZATION_NAME)
    cn = first(x509.NameOID.COMMON_NAME)
    parts = [p for p in (org, cn) if p]
    if len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[:1]
    return " — ".join(parts) or cert.subject.rfc4514_string()


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _is_trusted(cert: x509.Certificate, pool: list[x509.Certificate], trusted_der: Sequence[bytes]) -> bool:
    """Pinned, or issued (through certificates carried in the signature) by a pinned certificate."""
    trusted = [x509.load_der_x509_certificate(d) for d in trusted_der]
    pinned = {_fingerprint(t) for t in trusted}
    current = cert
    for _ in range(6):
        if _fingerprint(current) in pinned:
            return True
        issuers = [c for c in trusted + pool if c.subject == current.issuer and c is not current]
        nxt = None
        for candidate in issuers:
            try:
                current.verify_directly_issued_by(candidate)
            except (ValueError, TypeError, InvalidSignature):
                continue
            nxt = candidate
            break
        if nxt is None or nxt == current:
            return False
        current = nxt
    return False


def verify_detached(signature_der: bytes, content: bytes, trusted_der: Sequence[bytes] = ()) -> SignerCheck:
    """Check a detached CMS signature over ``content``.

    Raises :class:`SignatureMismatch` when it is not a usable signature or does not match.
    """
    try:
        info = asn1_cms.ContentInfo.load(signature_der)
        if info["content_type"].native != "signed_data":
            raise SignatureMismatch("is not a CMS SignedData structure")
        signed = info["content"]
        signer_infos = signed["signer_infos"]
        if len(signer_infos) != 1:
            raise SignatureMismatch("must have exactly one signer")
        si = signer_infos[0]
        certs = [x509.load_der_x509_certificate(c.chosen.dump()) for c in signed["certificates"] or []
                 if c.name == "certificate"]
        sid = si["sid"]
        signer = None
        for c in certs:
            if sid.name == "issuer_and_serial_number":
                if c.serial_number == sid.chosen["serial_number"].native and \
                        c.issuer.public_bytes() == sid.chosen["issuer"].dump():
                    signer = c
            else:
                try:
                    ski = c.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
                except x509.ExtensionNotFound:
                    continue
                if ski == sid.chosen.native:
                    signer = c
        if signer is None:
            raise SignatureMismatch("does not carry the signer's certificate")
        digest_name = si["digest_algorithm"]["algorithm"].native
        sig_algo = si["signature_algorithm"]["algorithm"].native
        signature = si["signature"].native
        attrs = si["signed_attrs"]
        if attrs.native is not None and len(attrs):
            digest = None
            for attr in attrs:
                if attr["type"].native == "message_digest":
                    digest = attr["values"][0].native
            if digest is None:
                raise SignatureMismatch("has signed attributes without a message digest")
            if digest != hashlib.new(digest_name, content).digest():
                raise SignatureMismatch("does not match")
            signed_bytes = attrs.untag().dump(force=True)
            # The signature is computed over the attributes encoded as a SET, not with the [0] tag.
            signed_bytes = b"\x31" + signed_bytes[1:]
        else:
            signed_bytes = content
        _verify_raw(signer.public_key(), signature, signed_bytes, digest_name,
                    "rsassa_pss" if "pss" in sig_algo else sig_algo)
    except SignatureMismatch:
        raise
    except Exception as exc:  # asn1crypto and cryptography raise many types on garbage input
        raise SignatureMismatch("cannot be read as a CMS signature") from None
    return SignerCheck(subject=_name(signer), fingerprint=_fingerprint(signer),
                       trusted=_is_trusted(signer, certs, trusted_der))


def sign_detached(content: bytes, cert_der: bytes, private_key) -> bytes:
    """A detached CMS signature (SHA-256, signed attributes) — used by ``bundle build --sign``."""
    from asn1crypto import algos, x509 as asn1_x509

    cert = asn1_x509.Certificate.load(cert_der)
    digest = hashlib.sha256(content).digest()
    signed_attrs = asn1_cms.CMSAttributes([
        asn1_cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        asn1_cms.CMSAttribute({"type": "message_digest", "values": [digest]}),
    ])
    to_sign = signed_attrs.dump()
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        signature = private_key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
        sig_algo = "sha256_ecdsa"
    elif isinstance(private_key, rsa.RSAPrivateKey):
        signature = private_key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
        sig_algo = "sha256_rsa"
    else:
        raise ValueError("unsupported key type")
    signer_info = asn1_cms.SignerInfo({
        "version": "v1",
        "sid": asn1_cms.SignerIdentifier({"issuer_and_serial_number": asn1_cms.IssuerAndSerialNumber(
            {"issuer": cert.issuer, "serial_number": cert.serial_number})}),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "signed_attrs": signed_attrs,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": sig_algo}),
        "signature": signature,
    })
    signed_data = asn1_cms.SignedData({
        "version": "v1",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {"content_type": "data"},
        "certificates": [cert],
        "signer_infos": [signer_info],
    })
    return asn1_cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
