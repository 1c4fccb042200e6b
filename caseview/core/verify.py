"""Verify a signed CaseView report offline: signatures, revisions after them, trust and embedded findings.

``Verification.to_json()`` returns this shape (all keys always present)::

    {
      "file": "report.pdf",
      "verdict": "valid" | "untrusted" | "invalid",
      "valid": true,            # every check passed, trust aside
      "trusted": true,          # every signer's certificate is on the trust list or chains to one on it
      "ok": true,               # valid and trusted
      "reasons": ["…"],         # why it is invalid or untrusted, plain English; [] when ok
      "notes": ["Revocation was not checked (offline).", "The signing time is the signer's own claim.", …],
      "revisions": 3,           # revisions (incremental updates) in the file, the first included
      "findings": {…} | null,   # the parsed embedded findings.json
      "findings_match": true | false | null,   # null when there are no findings to compare
      "signatures": [
        {
          "field": "Reviewer",
          "signer": {"name": "…", "organisation": "…", "email": "…"},
          "certificate_sha256": "<64 lowercase hex>",
          "signing_time": "2026-11-03T16:20:00+00:00" | null,   # as claimed by the signer
          "intact": true,                  # digest and cryptographic signature both check out
          "coverage": "entire file" | "entire revision" | "partial" | "unclear",
          "covers_whole_file": true,
          "signed_revision": 2,            # 1-based revision number this signature signs
          "later_revisions": [3],          # 1-based revisions added after it
          "trusted": true,
          "trust": "on the trust list" | "chains to a certificate on the trust list" | "untrusted",
          "kind": "certification" | "approval",
          "docmdp_permission": 2 | null,   # 1 no changes, 2 form filling and signing, 3 also annotations
          "modification_level": "NONE" | "LTA_UPDATES" | "FORM_FILLING" | "ANNOTATIONS" | "OTHER" | null,
          "docmdp_ok": true | false | null,
          "problems": ["…"]
        }
      ]
    }
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .identity import format_fingerprint
from .pdf_inspect import FINDINGS_NAME, check_findings, describe_revision, dget, read_findings

__all__ = ["SignatureCheck", "Verification", "verify_report", "ALWAYS_NOTES"]

ALWAYS_NOTES = ("Revocation was not checked (offline).", "The signing time is the signer's own claim.")
_DOCMDP_WORDS = {
    1: "no changes allowed",
    2: "only form filling and further signatures allowed",
    3: "form filling, signatures and comments allowed",
}


@dataclass(frozen=True)
class SignatureCheck:
    """What was found about one signature in the report."""

    field: str
    signer_name: str
    signer_organisation: str
    signer_email: str
    fingerprint: str
    signing_time: datetime | None  # the signer's claim, not proven by a timestamp authority
    intact: bool
    coverage: str
    covers_whole_file: bool
    signed_revision: int  # 1-based
    later_revisions: tuple[int, ...]
    trusted: bool
    trust: str
    kind: str  # "certification" or "approval"
    docmdp_permission: int | None
    modification_level: str | None
    docmdp_ok: bool | None
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "signer": {"name": self.signer_name, "organisation": self.signer_organisation, "email": self.signer_email},
            "certificate_sha256": self.fingerprint,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "intact": self.intact,
            "coverage": self.coverage,
            "covers_whole_file": self.covers_whole_file,
            "signed_revision": self.signed_revision,
            "later_revisions": list(self.later_revisions),
            "trusted": self.trusted,
            "trust": self.trust,
            "kind": self.kind,
            "docmdp_permission": self.docmdp_permission,
            "modification_level": self.modification_level,
            "docmdp_ok": self.docmdp_ok,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class Verification:
    """The verdict on one report; ``ok`` is what a commissioner can rely on."""

    path: Path
    valid: bool
    trusted: bool
    reasons: list[str]
    signatures: list[SignatureCheck]
    findings: dict[str, Any] | None
    notes: list[str]
    revisions: int = 0
    findings_match: bool | None = None

    @property
    def ok(self) -> bool:
        return self.valid and self.trusted

    @property
    def verdict(self) -> str:
        return "invalid" if not self.valid else ("valid" if self.trusted else "untrusted")

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "verdict": self.verdict,
            "valid": self.valid,
            "trusted": self.trusted,
            "ok": self.ok,
            "reasons": list(self.reasons),
            "notes": list(self.notes),
            "revisions": self.revisions,
            "findings": self.findings,
            "findings_match": self.findings_match,
            "signatures": [s.to_json() for s in self.signatures],
        }

    def render_text(self) -> list[str]:
        """The lines a commissioner reads, most important first."""
        lines: list[str] = []
        name = Path(self.path).name
        if self.ok:
            lines.append(f"{name}: VALID. The signatures are intact, cover the whole file, and every signer is trusted.")
        elif self.valid:
            lines.append(
                f"{name}: untrusted. The signatures are intact and cover the whole file, "
                "but not every signer is on your trust list."
            )
        else:
            lines.append(f"{name}: INVALID. Do not rely on this report.")
        if self.reasons:
            lines.append("")
            lines.append("Why:" if not self.valid else "Trust:")
            lines.extend(f"  - {r}" for r in self.reasons)
        for i, s in enumerate(self.signatures, 1):
            lines.append("")
            kind = (
                f"certification, {_DOCMDP_WORDS.get(s.docmdp_permission or 0, 'changes as the signer allowed')}"
                if s.kind == "certification"
                else "approval"
            )
            lines.append(f"Signature {i} of {len(self.signatures)}: field {s.field} ({kind})")
            who = ", ".join(x for x in (s.signer_name, s.signer_organisation) if x)
            lines.append(f"  Signed by:            {who}" + (f" <{s.signer_email}>" if s.signer_email else ""))
            lines.append(f"  Certificate SHA-256:  {format_fingerprint(s.fingerprint)}")
            when = s.signing_time.astimezone(UTC).strftime("%d %B %Y, %H:%M:%S UTC") if s.signing_time else "not given"
            lines.append(f"  Signing time:         {when} (the signer's claim)")
            lines.append(f"  Signed bytes intact:  {'yes' if s.intact else 'NO'}")
            if s.covers_whole_file:
                lines.append("  Covers:               the whole file")
            else:
                later = ", ".join(str(r) for r in s.later_revisions) or "none"
                lines.append(
                    f"  Covers:               revision {s.signed_revision} of {self.revisions}; "
                    f"added after it: revision(s) {later}"
                )
            lines.append(f"  Trusted:              {'yes, ' + s.trust if s.trusted else 'untrusted'}")
            for p in s.problems:
                lines.append(f"  Problem:              {p}")
        lines.append("")
        if self.findings is not None:
            bundle = self.findings.get("bundle") if isinstance(self.findings, dict) else None
            bundle = bundle if isinstance(bundle, dict) else {}
            state = {True: "match the document", False: "DO NOT match the document", None: "could not be compared"}
            lines.append(f"Embedded findings ({FINDINGS_NAME}): {state[self.findings_match]}")
            lines.append(f"  Case reference:       {bundle.get('case_reference', '?')}")
            lines.append(f"  Bundle id:            {bundle.get('bundle_id', '?')}")
            lines.append(f"  Bundle fingerprint:   {bundle.get('fingerprint', '?')}")
        else:
            lines.append(f"Embedded findings ({FINDINGS_NAME}): none found")
        lines.append("")
        lines.extend(self.notes)
        return lines


# ---------------------------------------------------------------- helpers


class _Invalid(Exception):
    """Stops verification early with one sentence for the reader."""


def _result(path: Path, reasons: list[str], **kw) -> Verification:
    return Verification(
        path=path,
        valid=False,
        trusted=False,
        reasons=reasons,
        signatures=kw.pop("signatures", []),
        findings=kw.pop("findings", None),
        notes=list(ALWAYS_NOTES),
        **kw,
    )


def _name_parts(cert) -> tuple[str, str, str]:
    """(CN, O, email) from an asn1crypto certificate."""
    subj = cert.subject.native
    email = subj.get("email_address", "") or ""
    try:
        san = cert.subject_alt_name_value
        if san is not None:
            for gn in san:
                if gn.name == "rfc822_name":
                    email = gn.native
                    break
    except ValueError:
        pass

    def first(v):
        return v[0] if isinstance(v, list) and v else (v or "")

    return first(subj.get("common_name")), first(subj.get("organization_name")), first(email)


def _trust_context(trusted_certs, moment: datetime | None):
    from pyhanko_certvalidator import ValidationContext

    # trust_roots must be an explicit list: None would fall back to the system TLS roots,
    # and a TLS root says nothing about who may sign a case review.
    return ValidationContext(
        trust_roots=list(trusted_certs),
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=moment,
    )


# ---------------------------------------------------------------- the verifier


def verify_report(path: Path, *, trusted: Sequence[bytes] = (), own: Sequence[str] = ()) -> Verification:
    """Check a signed report against the rules of the signing spec; never raises for a bad file.

    ``trusted``: DER certificates of the trust list. ``own``: SHA-256 fingerprints of the
    checking reviewer's own identities (the app passes them, so a reviewer's own report is
    not called untrusted); a signature made with one is trusted as "your own identity".
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _result(path, [f"The file {path} does not exist."])
    except OSError as exc:
        return _result(path, [f"The file {path} cannot be read ({exc.strerror or exc})."])
    try:
        with _quiet_pyhanko():
            return _verify_bytes(path, data, trusted, frozenset(f.lower() for f in own))
    except _Invalid as exc:
        return _result(path, [str(exc)])
    except Exception as exc:  # a malformed file can make pyHanko fail anywhere; that is a verdict, not a crash
        detail = str(exc).strip().rstrip(".") or type(exc).__name__
        return _result(path, [f"The report's signatures could not be checked, so it is not valid ({detail})."])


@contextlib.contextmanager
def _quiet_pyhanko():
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


def _load_trusted(trusted: Sequence[bytes]):
    from asn1crypto import x509 as asn1_x509

    certs = []
    for i, der in enumerate(trusted):
        try:
            cert = asn1_x509.Certificate.load(bytes(der))
            cert.native  # force a full parse now, not deep inside validation
        except Exception:
            raise _Invalid(f"Trusted certificate number {i + 1} is not a readable X.509 certificate.") from None
        certs.append(cert)
    return certs


def _verify_bytes(path: Path, data: bytes, trusted: Sequence[bytes], own: frozenset[str] = frozenset()) -> Verification:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    trusted_certs = _load_trusted(trusted)
    pins = {hashlib.sha256(c.dump()).hexdigest() for c in trusted_certs}

    if not data.lstrip()[:5] == b"%PDF-":
        raise _Invalid(f"{path.name} is not a PDF file.")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=True)
        total = reader.xrefs.total_revisions
        filled = list(enumerate_sig_fields(reader, filled_status=True))
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise _Invalid(f"{path.name} is a damaged or unusual PDF file whose signatures cannot be checked ({exc}).")
    if not filled:
        raise _Invalid(f"{path.name} is not signed.")

    embedded = []
    for fq_name, _sig, sig_field in filled:
        try:
            embedded.append(EmbeddedPdfSignature(reader, sig_field, fq_name))
        except Exception:
            raise _Invalid(f"The signature in field {fq_name} is damaged and cannot be read.") from None
    embedded.sort(key=lambda e: e.signed_revision)

    reasons: list[str] = []
    trust_reasons: list[str] = []
    checks: list[SignatureCheck] = []
    signed_revisions = [e.signed_revision for e in embedded]
    if len(set(signed_revisions)) != len(signed_revisions):
        reasons.append("Two signatures claim the same revision of the file, which a normal signing never produces.")

    # Accept either usage: organisation-issued certificates often carry only digitalSignature.
    key_usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)
    for index, emb in enumerate(embedded):
        is_last = index == len(embedded) - 1
        problems: list[str] = []
        cert = emb.signer_cert
        cn, org, email = _name_parts(cert)
        fp = hashlib.sha256(cert.dump()).hexdigest()
        who = f"{cn or 'an unnamed signer'} (field {emb.field_name})"
        claimed = emb.self_reported_timestamp
        try:
            status = validate_pdf_signature(
                emb, signer_validation_context=_trust_context(trusted_certs, claimed), key_usage_settings=key_usage
            )
        except Exception as exc:
            detail = str(exc).strip().rstrip(".") or type(exc).__name__
            reason = f"The signature by {who} could not be checked ({detail})."
            reasons.append(reason)
            checks.append(
                SignatureCheck(
                    emb.field_name, cn, org, email, fp, claimed, False, "unclear", False, emb.signed_revision + 1,
                    tuple(r + 1 for r in range(emb.signed_revision + 1, total)), False, "untrusted",
                    "certification" if _is_certification(emb) else "approval", _docmdp_value(emb), None, None,
                    (reason,),
                )
            )
            continue

        intact = bool(status.intact and status.valid)
        coverage = status.coverage
        covers_file = coverage == SignatureCoverageLevel.ENTIRE_FILE
        coverage_words = {
            SignatureCoverageLevel.ENTIRE_FILE: "entire file",
            SignatureCoverageLevel.ENTIRE_REVISION: "entire revision",
            SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "partial",
        }.get(coverage, "unclear")
        later = tuple(r + 1 for r in range(emb.signed_revision + 1, total))
        diff = status.diff_result
        mod_level = status.modification_level
        docmdp = _docmdp_value(emb)
        kind = "certification" if _is_certification(emb) else "approval"
        details: list[str] = []  # pyHanko's own words: for the JSON and the curious, not the headline
        if not intact:
            # Once the bytes do not match, nothing else about this signature is worth saying.
            problems.append(f"The signature by {who} does not match the file: signed content was changed.")
        elif coverage is None or coverage < SignatureCoverageLevel.ENTIRE_REVISION:
            problems.append(f"The signature by {who} does not cleanly cover the revision it signs.")
        else:
            if is_last and not covers_file and not later:
                # pyHanko's bottom line accepts trailing bytes; the spec does not (STACK-NOTES).
                # Unsigned revisions after it are named below, by the revision count.
                problems.append(f"Data was appended to the file after the end of the last signature, by {who}.")
            if diff is not None and not hasattr(diff, "modification_level"):
                problems.append(
                    f"After the {kind} signature by {who}, the file was changed in a way that signature does not allow."
                )
                details.append(f"Technical detail: {str(diff).splitlines()[0]}")
            elif status.docmdp_ok is False or (
                kind == "certification" and mod_level is not None and mod_level > ModificationLevel.FORM_FILLING
            ):
                problems.append(
                    f"After the {kind} signature by {who}, the file was changed beyond what it allows "
                    f"({_level_words(mod_level)})."
                )

        validity_ok = _cert_valid_at(cert, claimed)
        if fp in pins and intact and validity_ok:
            sig_trusted, trust = True, "on the trust list"
        elif fp in own and intact and validity_ok:
            sig_trusted, trust = True, "your own identity"
        elif status.trusted and intact:
            sig_trusted = True
            trust = "on the trust list" if fp in pins else "chains to a certificate on the trust list"
        else:
            sig_trusted, trust = False, "untrusted"
            if intact:
                if fp in pins and not validity_ok:
                    trust_reasons.append(
                        f"The certificate of {who} is on the trust list but was not valid at the claimed signing time."
                    )
                else:
                    trust_reasons.append(
                        f"The signer {who}, certificate {format_fingerprint(fp)[:39]}…, is not on the trust list."
                    )
        reasons.extend(problems)
        checks.append(
            SignatureCheck(
                field=emb.field_name,
                signer_name=cn,
                signer_organisation=org,
                signer_email=email,
                fingerprint=fp,
                signing_time=claimed,
                intact=intact,
                coverage=coverage_words,
                covers_whole_file=covers_file,
                signed_revision=emb.signed_revision + 1,
                later_revisions=later,
                trusted=sig_trusted,
                trust=trust,
                kind=kind,
                docmdp_permission=docmdp,
                modification_level=mod_level.name if mod_level is not None else None,
                docmdp_ok=status.docmdp_ok,
                problems=tuple(problems + details),
            )
        )

    # pyHanko judges an earlier signature by the worst change after it, so an edit followed by a
    # legitimate countersignature passes its check; count revisions instead (STACK-NOTES).
    first = signed_revisions[0]
    signed_set = set(signed_revisions)
    for rev in range(first + 1, total):
        if rev not in signed_set:
            reasons.append(
                f"Revision {rev + 1} of {total}, added after the first signature, is not a signature: "
                f"it {describe_revision(reader, rev)}."
            )

    findings_bytes, findings_problem = read_findings(reader)
    findings, findings_match = None, None
    if findings_problem:
        reasons.append(findings_problem)
    else:
        findings, findings_match, problems = check_findings(reader, findings_bytes)
        reasons.extend(problems)

    reasons = _dedupe(reasons)
    valid = not reasons
    all_trusted = bool(checks) and all(c.trusted for c in checks)
    notes = list(ALWAYS_NOTES)
    if not any(c.kind == "certification" for c in checks):
        notes.append("No signature certifies the report; CaseView reports are certified by the reviewer.")
    return Verification(
        path=path,
        valid=valid,
        trusted=all_trusted,
        reasons=reasons + ([] if all_trusted else _dedupe(trust_reasons)),
        signatures=checks,
        findings=findings,
        notes=notes,
        revisions=total,
        findings_match=findings_match,
    )


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in items if not (x in seen or seen.add(x))]


def _is_certification(emb) -> bool:
    try:
        # A DocMDP transform in the signature's own /Reference marks the certification signature.
        refs = dget(emb.sig_object, "/Reference", [])
        return any(str(dget(refs[i], "/TransformMethod")) == "/DocMDP" for i in range(len(refs)))
    except Exception:
        return False


def _docmdp_value(emb) -> int | None:
    try:
        level = emb.docmdp_level
        return int(level.value) if level is not None else None
    except Exception:
        return None


def _level_words(level) -> str:
    if level is None:
        return "changes pyHanko could not classify"
    return {
        "NONE": "no changes",
        "LTA_UPDATES": "only validation data was added",
        "FORM_FILLING": "only form filling and signing",
        "ANNOTATIONS": "comments or annotations were added",
        "OTHER": "content, pages, metadata or attachments were changed",
    }.get(level.name, level.name)


def _cert_valid_at(cert, moment: datetime | None) -> bool:
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    validity = cert["tbs_certificate"]["validity"]
    return validity["not_before"].native <= moment <= validity["not_after"].native
