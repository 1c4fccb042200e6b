"""The signature checks behind :func:`verify_report`: each signature, the revisions after it, trust by role."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from ..cms import quiet_pyhanko
from ..identity import format_fingerprint
from ..pdf_inspect import check_findings, describe_revision, dget, read_findings
from ..signing import MODERATOR_FIELD
from .model import ALWAYS_NOTES, RECORD, REPORT, SignatureCheck, Verification
from .record import (check_record, countersignature_problems, is_record, read_moderation,
                     record_signature_problems)

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


def verify_report(path: Path, *, trusted: Sequence[bytes] = (), own: Sequence[str] = (),
                  trusted_roles: Mapping[str, Sequence[bytes]] | None = None) -> Verification:
    """Check a signed report or moderation record against the signing rules; never raises for a bad file.

    ``trusted``: DER certificates trusted for every role (``--trust`` on the command line; the
    whole trust list when ``trusted_roles`` is None, as before roles). ``trusted_roles``: the
    trust list by role (``reviewer``, ``moderator``): a reviewer's certificate does not make a
    countersignature trusted. ``own``: SHA-256 fingerprints of the checking user's own identities
    (the app passes them); a signature made with one is trusted as "your own identity".
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _result(path, [f"The file {path} does not exist."])
    except OSError as exc:
        return _result(path, [f"The file {path} cannot be read ({exc.strerror or exc})."])
    try:
        with quiet_pyhanko():
            trust = _Trust(trusted, trusted_roles)
            return _verify_bytes(path, data, trust, frozenset(f.lower() for f in own))
    except _Invalid as exc:
        return _result(path, [str(exc)])
    except Exception as exc:  # a malformed file can make pyHanko fail anywhere; that is a verdict, not a crash
        detail = str(exc).strip().rstrip(".") or type(exc).__name__
        return _result(path, [f"The report's signatures could not be checked, so it is not valid ({detail})."])


def _load_trusted(trusted: Sequence[bytes], offset: int = 0):
    from asn1crypto import x509 as asn1_x509

    certs = []
    for i, der in enumerate(trusted):
        try:
            cert = asn1_x509.Certificate.load(bytes(der))
            cert.native  # force a full parse now, not deep inside validation
        except Exception:
            raise _Invalid(f"Trusted certificate number {offset + i + 1} is not a readable X.509 certificate.") from None
        certs.append(cert)
    return certs


_ROLE_WORDS = {"reviewer": "Reviewer", "moderator": "Moderator"}


class _Trust:
    """Which certificates anchor trust for a signature in a given role."""

    def __init__(self, trusted: Sequence[bytes], by_role: Mapping[str, Sequence[bytes]] | None):
        self.any_role = _load_trusted(trusted)
        self.by_role = None
        if by_role is not None:
            self.by_role, offset = {}, len(self.any_role)
            for role, ders in by_role.items():
                self.by_role[role] = _load_trusted(ders, offset)
                offset += len(ders)

    def certs(self, role: str) -> list:
        if self.by_role is None:
            return self.any_role
        if role in _ROLE_WORDS:
            return self.any_role + self.by_role.get(role, [])
        return self.any_role + [c for certs in self.by_role.values() for c in certs]

    def listed_roles(self, fingerprint: str) -> list[str]:
        """Roles a certificate is on the list for, when roles are in play."""
        if self.by_role is None:
            return []
        return [r for r, certs in self.by_role.items() if any(hashlib.sha256(c.dump()).hexdigest() == fingerprint
                                                             for c in certs)]


def _roles(embedded: list, kind: str) -> list[str]:
    """Reviewer: the report's first (certification) signature; moderator: the Moderator field, or a record's signer."""
    if kind == RECORD:
        return ["moderator"] + ["other"] * (len(embedded) - 1)
    return ["reviewer"] + ["moderator" if e.field_name == MODERATOR_FIELD else "other" for e in embedded[1:]]


def _untrusted_sentence(role: str, who: str, fp: str, listed: list[str]) -> str:
    label = _ROLE_WORDS.get(role, "Signer")
    if role in _ROLE_WORDS and listed:
        roles = " and ".join(f"a {r}" for r in listed)
        return (f"{label} not trusted: {who}, certificate {format_fingerprint(fp)[:39]}…, is on the trust list as "
                f"{roles}, not as a {role}.")
    return f"{label} not trusted: the signer {who}, certificate {format_fingerprint(fp)[:39]}…, is not on the trust list."


def _verify_bytes(path: Path, data: bytes, trust: _Trust, own: frozenset[str] = frozenset()) -> Verification:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel

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
    kind = RECORD if is_record(reader) else REPORT
    roles = _roles(embedded, kind)

    reasons: list[str] = []
    trust_reasons: list[str] = []
    checks: list[SignatureCheck] = []
    names: list[str] = []
    signed_revisions = [e.signed_revision for e in embedded]
    if len(set(signed_revisions)) != len(signed_revisions):
        reasons.append("Two signatures claim the same revision of the file, which a normal signing never produces.")

    # Accept either usage: organisation-issued certificates often carry only digitalSignature.
    key_usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)
    for index, (emb, role) in enumerate(zip(embedded, roles)):
        is_last = index == len(embedded) - 1
        problems: list[str] = []
        cert = emb.signer_cert
        cn, org, email = _name_parts(cert)
        fp = hashlib.sha256(cert.dump()).hexdigest()
        who = f"{cn or 'an unnamed signer'} (field {emb.field_name})"
        names.append(who)
        claimed = emb.self_reported_timestamp
        reason_text = dget(emb.sig_object, "/Reason")
        reason_text = str(reason_text) if reason_text is not None else None
        anchors = trust.certs(role)
        pins = {hashlib.sha256(c.dump()).hexdigest() for c in anchors}
        sig_kind = "certification" if _is_certification(emb) else "approval"
        try:
            status = validate_pdf_signature(
                emb, signer_validation_context=_trust_context(anchors, claimed), key_usage_settings=key_usage
            )
        except Exception as exc:
            detail = str(exc).strip().rstrip(".") or type(exc).__name__
            reason = f"The signature by {who} could not be checked ({detail})."
            reasons.append(reason)
            checks.append(
                SignatureCheck(
                    emb.field_name, cn, org, email, fp, claimed, False, "unclear", False, emb.signed_revision + 1,
                    tuple(r + 1 for r in range(emb.signed_revision + 1, total)), False, "untrusted",
                    sig_kind, _docmdp_value(emb), None, None, (reason,), role=role, reason=reason_text,
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
                    f"After the {sig_kind} signature by {who}, the file was changed in a way that signature does not allow."
                )
                details.append(f"Technical detail: {str(diff).splitlines()[0]}")
            elif status.docmdp_ok is False or (
                sig_kind == "certification" and mod_level is not None and mod_level > ModificationLevel.FORM_FILLING
            ):
                problems.append(
                    f"After the {sig_kind} signature by {who}, the file was changed beyond what it allows "
                    f"({_level_words(mod_level)})."
                )

        validity_ok = _cert_valid_at(cert, claimed)
        if fp in pins and intact and validity_ok:
            sig_trusted, trust_words = True, "on the trust list"
        elif fp in own and intact and validity_ok:
            sig_trusted, trust_words = True, "your own identity"
        elif status.trusted and intact:
            sig_trusted = True
            trust_words = "on the trust list" if fp in pins else "chains to a certificate on the trust list"
        else:
            sig_trusted, trust_words = False, "untrusted"
            if intact:
                if fp in pins and not validity_ok:
                    trust_reasons.append(
                        f"The certificate of {who} is on the trust list but was not valid at the claimed signing time."
                    )
                else:
                    trust_reasons.append(_untrusted_sentence(role, who, fp, trust.listed_roles(fp)))
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
                trust=trust_words,
                kind=sig_kind,
                docmdp_permission=docmdp,
                modification_level=mod_level.name if mod_level is not None else None,
                docmdp_ok=status.docmdp_ok,
                problems=tuple(problems + details),
                role=role,
                reason=reason_text,
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

    findings, findings_match, moderates, moderation_sha = None, None, None, None
    reviewer_revision = None
    if kind == REPORT:
        reasons.extend(countersignature_problems(reader, embedded, roles, names))
        findings_bytes, findings_problem = read_findings(reader)
        if findings_problem:
            reasons.append(findings_problem)
        else:
            findings, findings_match, problems = check_findings(reader, findings_bytes)
            reasons.extend(problems)
        if checks and checks[0].intact:
            byte_range = [int(x) for x in embedded[0].byte_range]
            reviewer_revision = hashlib.sha256(data[:byte_range[2] + byte_range[3]]).hexdigest()
    else:
        reasons.extend(record_signature_problems(checks))
        record_bytes, record_problem = read_moderation(reader)
        if record_problem:
            reasons.append(record_problem)
        else:
            moderation_sha = hashlib.sha256(record_bytes).hexdigest()
            _obj, moderates, problems = check_record(reader, record_bytes, checks[0].fingerprint if checks else None)
            reasons.extend(problems)

    reasons = _dedupe(reasons)
    valid = not reasons
    all_trusted = bool(checks) and all(c.trusted for c in checks)
    notes = list(ALWAYS_NOTES)
    if kind == REPORT and not any(c.kind == "certification" for c in checks):
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
        kind=kind,
        moderates=moderates,
        reviewer_revision_sha256=reviewer_revision,
        moderation_sha256=moderation_sha,
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
