"""Reviewer identities: a certificate and private key in a passphrase-protected PKCS#12 file."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from .atomic import write_atomically
from .errors import SigningError

__all__ = [
    "KEY_TYPES",
    "KDF_ROUNDS",
    "MIN_PASSPHRASE_LENGTH",
    "IdentityInfo",
    "LoadedIdentity",
    "IdentityFileMissing",
    "NotAnIdentityFile",
    "WrongPassphrase",
    "IncompleteIdentity",
    "IdentityNotValid",
    "CertificateFileError",
    "create_identity",
    "open_identity",
    "check_validity",
    "import_identity",
    "list_identities",
    "export_certificate",
    "load_certificate_pem",
    "certificate_fingerprint",
    "info_from_certificate",
    "format_fingerprint",
]

KEY_TYPES = ("ec-p256", "rsa-3072")
#: OWASP's 2023 floor for PBKDF2-HMAC-SHA256; the spec asks for at least this.
KDF_ROUNDS = 600_000
MIN_PASSPHRASE_LENGTH = 8


class IdentityFileMissing(SigningError):
    """The identity file does not exist or cannot be read."""


class NotAnIdentityFile(SigningError):
    """The file is not a PKCS#12 (.p12/.pfx) file."""


class WrongPassphrase(SigningError):
    """The passphrase does not open the identity."""


class IncompleteIdentity(SigningError):
    """The PKCS#12 file lacks a private key or a certificate, or they do not match."""


class IdentityNotValid(SigningError):
    """The certificate is expired or not yet valid."""


class CertificateFileError(SigningError):
    """A certificate file cannot be read."""


@dataclass(frozen=True)
class IdentityInfo:
    """What can be said about an identity without its private key."""

    path: Path
    name: str
    organisation: str
    email: str
    fingerprint: str  # SHA-256 of the certificate DER, 64 lowercase hex digits
    not_before: datetime
    not_after: datetime
    key_type: str  # "ec-p256", "rsa-3072", or e.g. "rsa-2048" for an imported one
    registration: str = ""  # professional registration (e.g. Social Work England), the subject's serialNumber


@dataclass(frozen=True, repr=False)
class LoadedIdentity:
    """An opened identity: certificate and private key, in memory only."""

    info: IdentityInfo
    certificate: x509.Certificate
    private_key: object  # cryptography private key; kept out of repr so it never lands in a log
    chain: tuple[x509.Certificate, ...] = ()

    def __repr__(self) -> str:
        return f"LoadedIdentity({self.info.name!r}, {self.info.fingerprint[:16]}…)"

    @property
    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def pyhanko_signer(self):
        """A pyHanko signer for this identity; the key goes to asn1crypto in memory, never to disk."""
        from pyhanko.sign.signers import SimpleSigner
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        key_der = self.private_key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        other = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in self.chain]
        return SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(self.certificate_der),
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs(other),
        )


# ---------------------------------------------------------------- helpers


def certificate_fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def format_fingerprint(fingerprint: str, group: int = 4) -> str:
    """Group a hex fingerprint for reading aloud: ``ab12 cd34 …``."""
    fp = fingerprint.lower()
    return " ".join(fp[i : i + group] for i in range(0, len(fp), group))


def _name_attr(name: x509.Name, oid) -> str:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return ""
    v = values[0].value
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def _cert_email(cert: x509.Certificate) -> str:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        emails = san.get_values_for_type(x509.RFC822Name)
        if emails:
            return emails[0]
    except x509.ExtensionNotFound:
        pass
    return _name_attr(cert.subject, NameOID.EMAIL_ADDRESS)


def _key_type(public_key) -> str:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        curve = public_key.curve.name
        return {"secp256r1": "ec-p256", "secp384r1": "ec-p384", "secp521r1": "ec-p521"}.get(curve, f"ec-{curve}")
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"rsa-{public_key.key_size}"
    return type(public_key).__name__.lower()


def info_from_certificate(cert: x509.Certificate, path: Path) -> IdentityInfo:
    der = cert.public_bytes(serialization.Encoding.DER)
    return IdentityInfo(
        path=Path(path),
        name=_name_attr(cert.subject, NameOID.COMMON_NAME),
        organisation=_name_attr(cert.subject, NameOID.ORGANIZATION_NAME),
        email=_cert_email(cert),
        fingerprint=certificate_fingerprint(der),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=_key_type(cert.public_key()),
        registration=_name_attr(cert.subject, NameOID.SERIAL_NUMBER),
    )


def _fmt_date(d: datetime) -> str:
    return d.astimezone(UTC).strftime("%d %B %Y %H:%M UTC")


def _atomic_write(out: Path, data: bytes, *, mode: int = 0o600, overwrite: bool = False) -> None:
    """Write to a temp name in the same folder, fsync, then rename, so a crash leaves old or new, never half."""
    out = Path(out)
    folder = out.parent
    _refuse_existing(out, overwrite)
    if not folder.is_dir():
        raise SigningError(f"The folder {folder} does not exist.")
    try:
        write_atomically(out, data, mode=mode, before_rename=lambda: _refuse_existing(out, overwrite))
    except OSError as exc:
        raise SigningError(f"Cannot write {out} ({exc.strerror or exc}).") from None


def _refuse_existing(out: Path, overwrite: bool) -> None:
    if not overwrite and out.exists():
        raise SigningError(f"The file {out} already exists; choose another name or allow overwriting.")


def _pkcs12_mac_key(password: bytes, salt: bytes, iterations: int) -> bytes:
    """RFC 7292 appendix B.2 key derivation (ID 3, MAC key) with SHA-256, for one 32-byte block."""
    v = 64  # SHA-256 block size

    def fill(b: bytes) -> bytes:
        if not b:
            return b""
        length = v * ((len(b) + v - 1) // v)
        return (b * (length // len(b) + 1))[:length]

    a = hashlib.sha256(bytes([3]) * v + fill(salt) + fill(password)).digest()
    for _ in range(iterations - 1):
        a = hashlib.sha256(a).digest()
    return a


def _strengthen_mac(blob: bytes, passphrase: str) -> bytes:
    """Recompute the PKCS#12 integrity MAC with KDF_ROUNDS iterations.

    cryptography applies ``kdf_rounds`` to the PBES2 encryption only and leaves the MAC
    at 2,048 iterations, so a stolen file could be guessed at through the MAC ~300 times
    faster than through PBKDF2. OpenSSL reads the iteration count from the file.
    """
    pfx = asn1_pkcs12.Pfx.load(blob)
    auth_safe_octets = pfx["auth_safe"]["content"].native
    # PKCS#12 MAC passwords are BMPString (UTF-16BE) with a two-byte terminator, as OpenSSL does.
    password = (passphrase + "\0").encode("utf-16-be")
    salt = os.urandom(16)
    key = _pkcs12_mac_key(password, salt, KDF_ROUNDS)
    mac = hmac.new(key, auth_safe_octets, hashlib.sha256).digest()
    mac_data = asn1_pkcs12.MacData(
        {
            "mac": {"digest_algorithm": {"algorithm": "sha256"}, "digest": mac},
            "mac_salt": salt,
            "iterations": KDF_ROUNDS,
        }
    )
    return asn1_pkcs12.Pfx(
        {"version": pfx["version"].native, "auth_safe": pfx["auth_safe"].copy(), "mac_data": mac_data}
    ).dump(force=True)


def _encryption(passphrase: str):
    return (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase.encode("utf-8"))
    )


# ---------------------------------------------------------------- create / open


def create_identity(
    out: Path,
    *,
    name: str,
    organisation: str,
    email: str,
    passphrase: str,
    key: str = "ec-p256",
    valid_days: int = 1095,
    now: datetime | None = None,
    overwrite: bool = False,
    write_cert_pem: bool = False,
    registration: str = "",
) -> IdentityInfo:
    """Create a self-signed identity and write it as an AES-256 / PBKDF2 protected PKCS#12 file.

    With ``write_cert_pem`` the certificate is also written beside it as ``<out stem>.pem``,
    which is how :func:`list_identities` finds identities without a passphrase. ``registration``
    (a professional registration, e.g. "Social Work England SW123456") goes in the subject's
    serialNumber, the X.520 attribute that identifies a person; the report shows it by the declaration.
    """
    out = Path(out)
    name, organisation, email = name.strip(), organisation.strip(), email.strip()
    registration = " ".join(registration.split())
    if len(registration) > 64 or not registration.isprintable():
        raise SigningError("A professional registration is at most 64 printable characters, "
                           "for example 'Social Work England SW123456'.")
    if not name:
        raise SigningError("An identity needs the reviewer's name.")
    if not organisation:
        raise SigningError("An identity needs the reviewer's organisation.")
    if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        raise SigningError(f"The email address {email!r} does not look like an email address.")
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise SigningError(f"Choose a passphrase of at least {MIN_PASSPHRASE_LENGTH} characters.")
    if key not in KEY_TYPES:
        raise SigningError(f"The key type {key!r} is not supported; choose one of {', '.join(KEY_TYPES)}.")
    if valid_days < 1:
        raise SigningError("An identity must be valid for at least one day.")
    if out.exists() and not overwrite:
        raise SigningError(f"The file {out} already exists; choose another name or allow overwriting.")

    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    private_key = (
        ec.generate_private_key(ec.SECP256R1())
        if key == "ec-p256"
        else rsa.generate_private_key(public_exponent=65537, key_size=3072)
    )
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, email),
            # X.520 serialNumber identifies the person; here, their professional registration.
            *([x509.NameAttribute(NameOID.SERIAL_NUMBER, registration)] if registration else []),
        ]
    )
    public_key = private_key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        # Backdate a little so a verifier whose clock lags by minutes does not call it "not yet valid".
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(private_key, hashes.SHA256())
    )
    # The key only ever exists encrypted outside this process.
    blob = pkcs12.serialize_key_and_certificates(
        name.encode("utf-8"), private_key, cert, None, _encryption(passphrase)
    )
    blob = _strengthen_mac(blob, passphrase)
    _atomic_write(out, blob, overwrite=overwrite)
    info = info_from_certificate(cert, out)
    if write_cert_pem:
        _atomic_write(
            out.with_suffix(".pem"),
            cert.public_bytes(serialization.Encoding.PEM),
            mode=0o644,
            overwrite=True,
        )
    return info


def _read_file(path: Path, what: str) -> bytes:
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise IdentityFileMissing(f"The {what} {path} does not exist.") from None
    except IsADirectoryError:
        raise IdentityFileMissing(f"The {what} {path} is a folder, not a file.") from None
    except OSError as exc:
        raise IdentityFileMissing(f"The {what} {path} cannot be read ({exc.strerror or exc}).") from None


def _looks_like_pkcs12(data: bytes) -> bool:
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        pfx["version"].native
        pfx["auth_safe"]["content_type"].native
        return True
    except Exception:  # asn1crypto raises assorted types on garbage
        return False


def open_identity(p12: Path, passphrase: str) -> LoadedIdentity:
    """Decrypt an identity into memory; every failure is a SigningError with a sentence."""
    p12 = Path(p12)
    data = _read_file(p12, "identity file")
    if not _looks_like_pkcs12(data):
        raise NotAnIdentityFile(f"The file {p12} is not an identity (PKCS#12 .p12 or .pfx) file.")
    attempts = [passphrase.encode("utf-8")]
    if passphrase == "":
        attempts.append(None)  # some exported files have no password at all, not an empty one
    loaded = None
    for pw in attempts:
        try:
            loaded = pkcs12.load_key_and_certificates(data, pw)
            break
        except ValueError:
            continue
        except Exception:
            raise NotAnIdentityFile(
                f"The identity file {p12} uses a format or algorithm that cannot be read."
            ) from None
    if loaded is None:
        raise WrongPassphrase(f"The passphrase for identity {p12.name} is not correct.")
    key, cert, extra = loaded
    if key is None:
        raise IncompleteIdentity(f"The identity file {p12.name} holds no private key, so it cannot sign.")
    if cert is None:
        raise IncompleteIdentity(f"The identity file {p12.name} holds no certificate.")
    if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise IncompleteIdentity(f"The identity file {p12.name} holds a key type CaseView cannot sign with.")
    if key.public_key().public_numbers() != cert.public_key().public_numbers():  # type: ignore[union-attr]
        raise IncompleteIdentity(f"In the identity file {p12.name}, the private key does not match the certificate.")
    return LoadedIdentity(
        info=info_from_certificate(cert, p12), certificate=cert, private_key=key, chain=tuple(extra or ())
    )


def check_validity(info: IdentityInfo, at: datetime) -> None:
    """Refuse an identity outside its certificate's validity period at ``at``."""
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    if at < info.not_before:
        raise IdentityNotValid(
            f"The identity of {info.name} is not valid until {_fmt_date(info.not_before)}; "
            f"it cannot sign on {_fmt_date(at)}."
        )
    if at > info.not_after:
        raise IdentityNotValid(
            f"The identity of {info.name} expired on {_fmt_date(info.not_after)}; "
            "create or import a current one to sign."
        )


# ---------------------------------------------------------------- import / list / export


def import_identity(src: Path, passphrase: str, dest_dir: Path, *, overwrite: bool = False) -> IdentityInfo:
    """Copy an organisation-issued .p12 into the identity folder, after proving the passphrase opens it."""
    src, dest_dir = Path(src), Path(dest_dir)
    loaded = open_identity(src, passphrase)
    fp = loaded.info.fingerprint
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SigningError(f"Cannot create the identity folder {dest_dir} ({exc.strerror or exc}).") from None
    dest = dest_dir / f"{fp}.p12"
    if dest.exists() and not overwrite:
        raise SigningError(f"The identity of {loaded.info.name} ({fp[:16]}…) is already imported.")
    # Copy the file as it came: re-encrypting would mean holding the key in a new container we chose.
    _atomic_write(dest, src.read_bytes(), overwrite=overwrite)
    _atomic_write(
        dest.with_suffix(".pem"), loaded.certificate.public_bytes(serialization.Encoding.PEM), mode=0o644, overwrite=True
    )
    return info_from_certificate(loaded.certificate, dest)


def list_identities(directory: Path) -> list[IdentityInfo]:
    """Identities in a folder, read from the certificate PEMs beside them (no passphrase needed)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found: list[IdentityInfo] = []
    for pem in sorted(directory.glob("*.pem")):
        try:
            cert = x509.load_pem_x509_certificate(pem.read_bytes())
        except (ValueError, OSError):
            continue  # a stray or damaged PEM is not an identity; the folder listing must still work
        p12 = _find_p12_for(pem)
        if p12 is None:
            continue
        found.append(info_from_certificate(cert, p12))
    found.sort(key=lambda i: (i.name.lower(), i.not_after))
    return found


def _find_p12_for(pem: Path) -> Path | None:
    # The rule that lets us list without a passphrase: the PEM shares the .p12's stem
    # (imports are both named by fingerprint; created ones by the name the user chose).
    for suffix in (".p12", ".pfx"):
        candidate = pem.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def export_certificate(p12: Path, passphrase: str, out_pem: Path, *, overwrite: bool = False) -> IdentityInfo:
    """Write the identity's certificate (never its key) as PEM, for others' trust lists."""
    loaded = open_identity(p12, passphrase)
    _atomic_write(
        Path(out_pem), loaded.certificate.public_bytes(serialization.Encoding.PEM), mode=0o644, overwrite=overwrite
    )
    return loaded.info


def load_certificate_pem(path: Path) -> bytes:
    """Read a certificate file (PEM, or DER) and return its DER bytes."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CertificateFileError(f"The certificate file {path} does not exist.") from None
    except OSError as exc:
        raise CertificateFileError(f"The certificate file {path} cannot be read ({exc.strerror or exc}).") from None
    try:
        if b"-----BEGIN" in data:
            cert = x509.load_pem_x509_certificate(data)
        else:
            cert = x509.load_der_x509_certificate(data)
    except ValueError:
        raise CertificateFileError(f"The file {path} is not an X.509 certificate.") from None
    return cert.public_bytes(serialization.Encoding.DER)
