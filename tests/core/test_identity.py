"""Reviewer identities: creation, the PKCS#12 protection, opening, import, listing and export."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from caseview.core.errors import SigningError
from caseview.core.identity import (
    CertificateFileError,
    IdentityFileMissing,
    IdentityNotValid,
    IncompleteIdentity,
    NotAnIdentityFile,
    WrongPassphrase,
    check_validity,
    create_identity,
    export_certificate,
    import_identity,
    list_identities,
    load_certificate_pem,
    open_identity,
)
from tests.core.pdf_fixtures import PASSPHRASE, make_identity


def _pfx_bags(data: bytes):
    """(content-info type, encryption algorithm native or None, bag ids) for each part of a PFX."""
    pfx = asn1_pkcs12.Pfx.load(data)
    parts = []
    for ci in pfx.authenticated_safe:
        kind = ci["content_type"].native
        if kind == "encrypted_data":
            alg = ci["content"]["encrypted_content_info"]["content_encryption_algorithm"]
            parts.append((kind, alg.native, None))
        else:
            bags = asn1_pkcs12.SafeContents.load(ci["content"].native)
            for bag in bags:
                alg = bag["bag_value"]["encryption_algorithm"].native if bag["bag_id"].native == "pkcs8_shrouded_key_bag" else None
                parts.append((kind, alg, bag["bag_id"].native))
    return pfx, parts


def _assert_pbes2_aes256_sha256(alg: dict) -> None:
    assert alg["algorithm"] == "pbes2"
    kdf = alg["parameters"]["key_derivation_func"]
    assert kdf["algorithm"] == "pbkdf2"
    assert kdf["parameters"]["prf"]["algorithm"] == "sha256"
    assert kdf["parameters"]["iteration_count"] >= 600_000
    assert alg["parameters"]["encryption_scheme"]["algorithm"] == "aes256_cbc"


def test_written_pkcs12_uses_pbes2_aes256_pbkdf2_sha256_600k_and_a_strong_mac():
    ident = make_identity("reviewer", name="Gwen Llŷr")
    pfx, parts = _pfx_bags(ident.p12.read_bytes())
    algs = [alg for _, alg, _ in parts if alg is not None]
    # one encrypted certificate container and one shrouded key bag, both PBES2
    assert len(algs) == 2
    for alg in algs:
        _assert_pbes2_aes256_sha256(alg)
    # the private key only ever appears shrouded (encrypted), never as a plain keyBag
    bag_ids = {bag for _, _, bag in parts if bag}
    assert bag_ids == {"pkcs8_shrouded_key_bag"}
    mac = pfx["mac_data"].native
    assert mac["mac"]["digest_algorithm"]["algorithm"] == "sha256"
    assert mac["iterations"] >= 600_000  # cryptography alone would leave 2,048 here


def test_created_identity_certificate_and_file(tmp_path: Path):
    ident = make_identity("reviewer", name="Gwen Llŷr")
    assert stat.S_IMODE(ident.p12.stat().st_mode) == 0o600
    loaded = open_identity(ident.p12, PASSPHRASE)
    info = loaded.info
    assert (info.name, info.organisation, info.email) == ("Gwen Llŷr", "Independent Reviews Cymru", "reviewer@example.org")
    assert info.key_type == "ec-p256"
    assert len(info.fingerprint) == 64 and info.fingerprint == info.fingerprint.lower()
    assert info.fingerprint == hashlib.sha256(loaded.certificate_der).hexdigest() == ident.fingerprint
    assert info.not_after - info.not_before >= timedelta(days=1095)
    cert = loaded.certificate
    assert cert.issuer == cert.subject
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    assert not ku.value.key_cert_sign
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.value.ca is False
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == ["reviewer@example.org"]
    assert "Gwen" in repr(loaded) and "PRIVATE" not in repr(loaded)


def test_create_writes_no_stray_files_and_refuses_to_overwrite(tmp_path: Path):
    out = tmp_path / "me.p12"
    info = create_identity(out, name="Ann Reviewer", organisation="Org", email="ann@example.org",
                           passphrase="zażółć gęślą jaźń 😀", write_cert_pem=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["me.p12", "me.pem"]
    with pytest.raises(SigningError, match="already exists"):
        create_identity(out, name="Ann", organisation="Org", email="ann@example.org", passphrase="another one")
    # a non-ASCII passphrase opens it (the MAC is recomputed with the BMPString password rules)
    assert open_identity(out, "zażółć gęślą jaźń 😀").info.fingerprint == info.fingerprint
    listed = list_identities(tmp_path)
    assert [i.fingerprint for i in listed] == [info.fingerprint]
    assert listed[0].path == out


def test_a_professional_registration_travels_in_the_certificate(tmp_path: Path):
    out = tmp_path / "reg.p12"
    info = create_identity(out, name="Ann", organisation="Org", email="ann@example.org", passphrase=PASSPHRASE,
                           registration="  Social Work England   SW123456 ")
    assert info.registration == "Social Work England SW123456"
    cert = open_identity(out, PASSPHRASE).certificate
    assert cert.subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER)[0].value == info.registration
    plain = create_identity(tmp_path / "plain.p12", name="Ann", organisation="Org", email="ann@example.org",
                            passphrase=PASSPHRASE)
    assert plain.registration == ""


def test_rsa_3072_option(tmp_path: Path):
    info = create_identity(tmp_path / "rsa.p12", name="R", organisation="O", email="r@example.org",
                           passphrase=PASSPHRASE, key="rsa-3072")
    assert info.key_type == "rsa-3072"
    assert open_identity(tmp_path / "rsa.p12", PASSPHRASE).info.key_type == "rsa-3072"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": " "}, "name"),
        ({"organisation": ""}, "organisation"),
        ({"email": "not-an-email"}, "email"),
        ({"passphrase": "short"}, "passphrase"),
        ({"key": "dsa-1024"}, "key type"),
        ({"registration": "x" * 65}, "registration"),
        ({"registration": "SW\x00123"}, "registration"),
    ],
)
def test_create_refuses_bad_input(tmp_path: Path, kwargs, message):
    args = {"name": "Ann", "organisation": "Org", "email": "ann@example.org", "passphrase": PASSPHRASE}
    args.update(kwargs)
    with pytest.raises(SigningError, match=message):
        create_identity(tmp_path / "x.p12", **args)
    assert not list(tmp_path.iterdir())


def test_wrong_passphrase_is_a_clear_sentence():
    ident = make_identity("reviewer", name="Gwen Llŷr")
    with pytest.raises(WrongPassphrase) as err:
        open_identity(ident.p12, "not the passphrase")
    assert str(err.value) == f"The passphrase for identity {ident.p12.name} is not correct."


def test_not_a_pkcs12_and_missing_file(tmp_path: Path):
    junk = tmp_path / "junk.p12"
    junk.write_bytes(b"%PDF-1.7 this is not an identity")
    with pytest.raises(NotAnIdentityFile, match="not an identity"):
        open_identity(junk, PASSPHRASE)
    with pytest.raises(IdentityFileMissing, match="does not exist"):
        open_identity(tmp_path / "nope.p12", PASSPHRASE)
    with pytest.raises(IdentityFileMissing, match="folder"):
        open_identity(tmp_path, PASSPHRASE)


def _self_signed(key, name="Org Issued", days=365, ca=False, issuer=None, issuer_key=None):
    now = datetime.now(UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "County Council")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
    else:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    return builder.sign(issuer_key or key, hashes.SHA256())


def test_pkcs12_without_key_or_certificate(tmp_path: Path):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _self_signed(key)
    enc = serialization.BestAvailableEncryption(b"orgpass1")
    cert_only = tmp_path / "cert-only.p12"
    cert_only.write_bytes(pkcs12.serialize_key_and_certificates(b"c", None, cert, None, enc))
    with pytest.raises(IncompleteIdentity, match="no private key"):
        open_identity(cert_only, "orgpass1")
    key_only = tmp_path / "key-only.p12"
    key_only.write_bytes(pkcs12.serialize_key_and_certificates(b"k", key, None, None, enc))
    with pytest.raises(IncompleteIdentity, match="no certificate"):
        open_identity(key_only, "orgpass1")


def test_check_validity_names_the_dates():
    ident = make_identity("reviewer", name="Gwen Llŷr")
    info = open_identity(ident.p12, PASSPHRASE).info
    check_validity(info, datetime.now(UTC))
    with pytest.raises(IdentityNotValid, match=r"expired on \d+ \w+ \d{4}"):
        check_validity(info, info.not_after + timedelta(days=1))
    with pytest.raises(IdentityNotValid, match=r"not valid until \d+ \w+ \d{4}"):
        check_validity(info, info.not_before - timedelta(days=1))


def test_import_organisation_identity_then_list_and_export(tmp_path: Path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _self_signed(key, name="Dana Organisation")
    src = tmp_path / "from-it-department.pfx"
    src.write_bytes(pkcs12.serialize_key_and_certificates(
        b"dana", key, cert, None, serialization.BestAvailableEncryption(b"issued-pass")))
    dest = tmp_path / "identities"

    with pytest.raises(WrongPassphrase):
        import_identity(src, "wrong-pass", dest)
    assert not dest.exists() or not list(dest.iterdir())

    info = import_identity(src, "issued-pass", dest)
    assert info.name == "Dana Organisation" and info.organisation == "County Council"
    assert info.key_type == "rsa-2048"
    copied = dest / f"{info.fingerprint}.p12"
    assert info.path == copied and copied.read_bytes() == src.read_bytes()
    assert stat.S_IMODE(copied.stat().st_mode) == 0o600
    pem = dest / f"{info.fingerprint}.pem"
    assert load_certificate_pem(pem) == cert.public_bytes(serialization.Encoding.DER)
    assert [i.fingerprint for i in list_identities(dest)] == [info.fingerprint]
    with pytest.raises(SigningError, match="already imported"):
        import_identity(src, "issued-pass", dest)

    out = tmp_path / "dana.pem"
    export_certificate(copied, "issued-pass", out)
    assert b"PRIVATE" not in out.read_bytes()
    assert load_certificate_pem(out) == cert.public_bytes(serialization.Encoding.DER)


def test_load_certificate_pem_errors_and_der(tmp_path: Path):
    with pytest.raises(CertificateFileError, match="does not exist"):
        load_certificate_pem(tmp_path / "none.pem")
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    with pytest.raises(CertificateFileError, match="not an X.509 certificate"):
        load_certificate_pem(bad)
    ident = make_identity("reviewer", name="Gwen Llŷr")
    der = tmp_path / "c.der"
    der.write_bytes(ident.cert_der)
    assert load_certificate_pem(der) == ident.cert_der


def test_list_identities_ignores_junk(tmp_path: Path):
    (tmp_path / "stray.pem").write_text("garbage")
    assert list_identities(tmp_path) == []
    assert list_identities(tmp_path / "missing") == []
    assert os.listdir(tmp_path) == ["stray.pem"]
