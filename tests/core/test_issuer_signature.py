"""manifest.sig: a matching signature shows the issuer (trusted or not); a mismatch refuses the bundle."""

from __future__ import annotations

import datetime
import zipfile

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from caseview.core.build import build_bundle
from caseview.core.bundle import check_bundle
from caseview.core.cms import sign_detached
from caseview.core.errors import BundleError


def make_cert(name="Northshire Council Children's Services", ca=False):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Bundle issuing"),
                         x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=365)))
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    return key, builder.sign(key, hashes.SHA256())


@pytest.fixture
def signed_bundle(factory):
    key, cert = make_cert()
    der = cert.public_bytes(serialization.Encoding.DER)
    out = factory.root / "signed.cvb"
    build_bundle(factory.folder(), out, signer=lambda data: sign_detached(data, der, key))
    return out, der


def test_signed_by_untrusted_issuer_is_shown_not_refused(signed_bundle):
    path, _ = signed_bundle
    checked = check_bundle(path)
    assert checked.issuer_status == "untrusted"
    assert "issuer not verified" in checked.issuer_label and "Northshire" in checked.issuer_label


def test_signed_by_trusted_issuer(signed_bundle):
    path, der = signed_bundle
    checked = check_bundle(path, trusted=[der])
    assert checked.issuer_status == "trusted" and "Northshire" in checked.issuer_label


def _rewrite(src, dst, replace):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))


def test_altered_manifest_is_refused(signed_bundle, tmp_path):
    path, _ = signed_bundle
    with zipfile.ZipFile(path) as z:
        manifest = z.read("manifest.json")
    altered = tmp_path / "altered.cvb"
    _rewrite(path, altered, {"manifest.json": manifest.replace(b'"Child A"', b'"Child B"')})
    with pytest.raises(BundleError, match="manifest.sig does not match manifest.json"):
        check_bundle(altered)


def test_garbage_signature_is_refused(signed_bundle, tmp_path):
    path, _ = signed_bundle
    bad = tmp_path / "garbage.cvb"
    _rewrite(path, bad, {"manifest.sig": b"\x30\x03\x02\x01\x00"})
    with pytest.raises(BundleError, match="manifest.sig"):
        check_bundle(bad)


def _issued_bundle(factory, tmp_path, ca_key, ca_cert):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Bundle issuing"),
                         x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "Northshire Council")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .sign(ca_key, hashes.SHA256()))
    der = cert.public_bytes(serialization.Encoding.DER)
    out = tmp_path / "chained.cvb"
    build_bundle(factory.folder(), out, signer=lambda data: sign_detached(data, der, key))
    return out


def test_trusted_through_a_pinned_authority(factory, tmp_path):
    """An issuer certificate issued by a pinned authority is trusted; the authority need not sign."""
    ca_key, ca_cert = make_cert("Northshire Council Root", ca=True)
    out = _issued_bundle(factory, tmp_path, ca_key, ca_cert)
    ca_der = ca_cert.public_bytes(serialization.Encoding.DER)
    assert check_bundle(out, trusted=[ca_der]).issuer_status == "trusted"
    other_key, other_ca = make_cert("Some Other Council")
    assert check_bundle(out, trusted=[other_ca.public_bytes(serialization.Encoding.DER)]).issuer_status == "untrusted"

