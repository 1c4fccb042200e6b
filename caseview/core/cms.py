"""Detached CMS/PKCS#7 signatures over a manifest: integrity, signer and trust, offline.

Checking is pyHanko's (``async_validate_detached_cms``): digest, signature mechanism,
algorithm policy and certificate path come from the library; this module only turns its
status into the sentence a bundle check needs, and builds the issuer's signature for
``bundle build --sign``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from dataclasses import dataclass
from typing import Sequence

from asn1crypto import cms as asn1_cms
from asn1crypto import tsp as _tsp  # noqa: F401  (adds signing_certificate_v2 to the CMS attribute names)
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa


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


@contextlib.contextmanager
def quiet_pyhanko():
    """pyHanko logs every untrusted or broken signature with a traceback; the verdict says it in words."""
    loggers = [logging.getLogger(n) for n in ("pyhanko", "pyhanko_certvalidator", "fontTools")]
    saved = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, saved):
            lg.setLevel(level)


def _name(cert: asn1_x509.Certificate) -> str:
    subject = cert.subject.native
    org, cn = subject.get("organization_name"), subject.get("common_name")
    parts = [p for p in (org, cn) if p]
    if len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[:1]
    return " — ".join(parts) or cert.subject.human_friendly


def _signed_data(signature_der: bytes) -> asn1_cms.SignedData:
    """Parse the whole structure up front, so garbage fails here with one sentence."""
    try:
        info = asn1_cms.ContentInfo.load(signature_der, strict=True)
        if info["content_type"].native != "signed_data":
            raise SignatureMismatch("is not a CMS SignedData structure")
        signed = info["content"]
        signed.native  # noqa: B018  (forces a full parse: asn1crypto is lazy)
    except SignatureMismatch:
        raise
    except Exception:  # asn1crypto raises many types on garbage input
        raise SignatureMismatch("cannot be read as a CMS signature") from None
    if len(signed["signer_infos"]) != 1:
        raise SignatureMismatch("must have exactly one signer")
    return signed


def _context(trusted_der: Sequence[bytes], signed: asn1_cms.SignedData):
    from pyhanko_certvalidator import ValidationContext

    carried = [c.chosen for c in signed["certificates"] or [] if c.name == "certificate"]
    # trust_roots must be an explicit list: None would fall back to the system TLS roots,
    # and a TLS root says nothing about who may issue a case bundle. No fetching: offline.
    return ValidationContext(trust_roots=[asn1_x509.Certificate.load(d) for d in trusted_der],
                             other_certs=carried, allow_fetching=False, revocation_mode="soft-fail")


def _key_usage(signed: asn1_cms.SignedData):
    """A signing key, if its certificate restricts usage at all (RFC 5280: no extension, no restriction)."""
    from pyhanko.sign.general import extract_certificate_info
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    try:
        signer = extract_certificate_info(signed).signer_cert
    except Exception:
        raise SignatureMismatch("does not carry the signer's certificate") from None
    if signer.key_usage_value is None:
        return KeyUsageConstraints(key_usage=set())  # an empty set, not None: None means pyHanko's default
    return KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})


def verify_detached(signature_der: bytes, content: bytes, trusted_der: Sequence[bytes] = ()) -> SignerCheck:
    """Check a detached CMS signature over ``content``.

    Raises :class:`SignatureMismatch` when it is not a usable signature or does not match.
    """
    from pyhanko.sign.validation.errors import DisallowedAlgorithmError, SignatureValidationError
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms

    signed = _signed_data(signature_der)
    try:
        with quiet_pyhanko():
            status = asyncio.run(async_validate_detached_cms(
                content, signed, signer_validation_context=_context(trusted_der, signed),
                key_usage_settings=_key_usage(signed)))
    except DisallowedAlgorithmError:
        raise SignatureMismatch("uses an algorithm that is not accepted") from None
    except SignatureValidationError as exc:
        raise SignatureMismatch(_reason(exc)) from None
    except Exception:
        raise SignatureMismatch("cannot be read as a CMS signature") from None
    if not status.intact or not status.valid:
        raise SignatureMismatch("does not match")
    cert = status.signing_cert
    return SignerCheck(subject=_name(cert), fingerprint=hashlib.sha256(cert.dump()).hexdigest(),
                       trusted=status.trusted)


def _reason(exc: Exception) -> str:
    text = str(exc).lower()
    if "certificate" in text and ("not found" in text or "could not" in text or "no " in text):
        return "does not carry the signer's certificate"
    return "cannot be checked as a CMS signature"


def sign_detached(content: bytes, cert_der: bytes, private_key) -> bytes:
    """A detached CMS signature (SHA-256, signed attributes) — used by ``bundle build --sign``."""
    from asn1crypto import algos

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
