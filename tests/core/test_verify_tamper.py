"""Verification: a fresh report is valid, each kind of tampering is invalid with a reason that names it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from caseview.core.signing import countersign, sign_report
from caseview.core.verify import ALWAYS_NOTES, verify_report
from tests.core import pdf_fixtures as F


def _verify(tmp_path: Path, data: bytes, trusted=None, name="report.pdf", own=()):
    p = tmp_path / name
    p.write_bytes(data)
    if trusted is None:
        trusted = [] if own else [F.reviewer().certificate_der, F.moderator().certificate_der]
    return verify_report(p, trusted=trusted, own=own)


def _reasons(v) -> str:
    return "\n".join(v.reasons)


# ---------------------------------------------------------------- the good cases


def test_fresh_report_is_valid_and_trusted_with_its_certificate(tmp_path: Path):
    v = _verify(tmp_path, F.signed_report_bytes(), trusted=[F.reviewer().certificate_der])
    assert v.valid and v.trusted and v.ok, _reasons(v)
    assert v.verdict == "valid" and v.reasons == []
    (sig,) = v.signatures
    assert sig.field == "Reviewer" and sig.signer_name == "Gwen Llŷr"
    assert sig.signer_organisation == "Independent Reviews Cymru" and sig.signer_email == "reviewer@example.org"
    assert sig.fingerprint == F.reviewer().info.fingerprint
    assert sig.intact and sig.covers_whole_file and sig.trusted
    assert sig.kind == "certification" and sig.docmdp_permission == 2
    assert sig.signing_time is not None and abs(sig.signing_time - datetime.now(UTC)) < timedelta(minutes=10)
    assert v.findings["bundle"]["case_reference"] == F.CASE_REFERENCE and v.findings_match is True
    for note in ALWAYS_NOTES:
        assert note in v.notes


def test_fresh_report_without_trust_is_valid_but_untrusted(tmp_path: Path):
    v = _verify(tmp_path, F.signed_report_bytes(), trusted=[])
    assert v.valid and not v.trusted and not v.ok
    assert v.verdict == "untrusted"
    assert "not on the trust list" in _reasons(v)
    assert v.signatures[0].trust == "untrusted"
    # somebody else's certificate does not help
    v = _verify(tmp_path, F.signed_report_bytes(), trusted=[F.moderator().certificate_der])
    assert v.valid and not v.trusted


def test_own_identity_is_trusted_as_such_but_never_makes_a_changed_file_valid(tmp_path: Path):
    own = [F.reviewer().info.fingerprint.upper()]  # fingerprints compare without regard to case
    v = _verify(tmp_path, F.signed_report_bytes(), own=own)
    assert v.verdict == "valid" and v.signatures[0].trust == "your own identity"
    assert _verify(tmp_path, F.signed_report_bytes(), own=[F.moderator().info.fingerprint]).verdict == "untrusted"
    v = _verify(tmp_path, F.flip_signed_byte(F.signed_report_bytes()), own=own)
    assert v.verdict == "invalid" and not v.signatures[0].trusted


def test_countersigned_report_is_valid(tmp_path: Path):
    v = _verify(tmp_path, F.countersigned_report_bytes())
    assert v.ok, _reasons(v)
    assert [s.field for s in v.signatures] == ["Reviewer", "Moderator"]
    first, second = v.signatures
    assert first.modification_level == "FORM_FILLING" and first.docmdp_ok is True
    assert not first.covers_whole_file and first.later_revisions == (3,)
    assert second.kind == "approval" and second.covers_whole_file
    assert v.revisions == 3
    # only the reviewer trusted: valid, but not every signer is trusted
    v = _verify(tmp_path, F.countersigned_report_bytes(), trusted=[F.reviewer().certificate_der])
    assert v.valid and not v.trusted and "Marek" in _reasons(v)


def test_signer_chaining_to_a_trusted_organisation_certificate(tmp_path: Path):
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives import serialization

    from caseview.core.identity import LoadedIdentity, info_from_certificate
    from tests.core.test_identity import _self_signed

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _self_signed(ca_key, name="County Council Signing CA", ca=True, days=3650)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _self_signed(leaf_key, name="Dana Organisation", issuer=ca, issuer_key=ca_key)
    ident = LoadedIdentity(info_from_certificate(leaf, Path("dana.p12")), leaf, leaf_key, chain=(ca,))
    out = tmp_path / "org.pdf"
    sign_report(F.report_pdf(), out, identity=ident, findings=F.findings_bytes(),
                reviewer_box=F.REVIEWER_BOX, moderator_box=F.MODERATOR_BOX)
    v = verify_report(out, trusted=[ca.public_bytes(serialization.Encoding.DER)])
    assert v.ok, _reasons(v)
    assert v.signatures[0].trust == "chains to a certificate on the trust list"
    assert not verify_report(out, trusted=[]).trusted


# ---------------------------------------------------------------- tampering


def test_flipped_byte_inside_signed_content(tmp_path: Path):
    v = _verify(tmp_path, F.flip_signed_byte(F.signed_report_bytes()))
    assert not v.valid
    assert "does not match the file" in _reasons(v)
    assert not v.signatures[0].intact


def test_bytes_appended_after_eof(tmp_path: Path):
    v = _verify(tmp_path, F.signed_report_bytes() + b"\n%% a harmless-looking comment\n")
    assert not v.valid
    assert "appended to the file after the end of the last signature" in _reasons(v)


def test_incremental_update_replacing_page_content(tmp_path: Path):
    v = _verify(tmp_path, F.replace_page_content(F.signed_report_bytes()))
    assert not v.valid
    assert re.search(r"Revision 3 of 3\b.*not a signature: .*changes page 1\b", _reasons(v)), _reasons(v)


def test_incremental_update_adding_an_overlay(tmp_path: Path):
    v = _verify(tmp_path, F.add_overlay(F.signed_report_bytes(), page_index=1))
    assert not v.valid
    assert "adds or replaces drawn content and changes page 2" in _reasons(v)


def test_swapped_findings(tmp_path: Path):
    other = F.findings_bytes(overall=1)
    v = _verify(tmp_path, F.swap_findings(F.signed_report_bytes(), other))
    assert not v.valid
    assert "changes the attached findings" in _reasons(v)


def test_edited_document_information(tmp_path: Path):
    v = _verify(tmp_path, F.edit_info(F.signed_report_bytes(), "/CaseViewCaseReference", "NS-2026-9999"))
    assert not v.valid
    text = _reasons(v)
    assert "edits the document information (CaseViewCaseReference)" in text
    assert "case reference in the attached findings" in text  # and the findings no longer match


def test_info_edit_followed_by_a_trusted_countersignature(tmp_path: Path):
    edited = tmp_path / "edited.pdf"
    edited.write_bytes(F.edit_info(F.signed_report_bytes()))
    out = tmp_path / "edited-countersigned.pdf"
    countersign(edited, out, identity=F.moderator())
    v = verify_report(out, trusted=[F.reviewer().certificate_der, F.moderator().certificate_der])
    assert not v.valid
    assert "Revision 3 of 4, added after the first signature, is not a signature: it edits the document information (Title)" in _reasons(v)
    # every signature on its own is fine; only counting revisions catches it
    assert all(s.intact for s in v.signatures)
    assert v.signatures[-1].covers_whole_file


def test_full_rewrite_by_another_pdf_library(tmp_path: Path):
    v = _verify(tmp_path, F.rewrite_with_pdfium(F.countersigned_report_bytes()))
    assert not v.valid
    assert v.reasons


def test_damaged_signature_container_is_invalid_not_a_crash(tmp_path: Path):
    data = F.signed_report_bytes()
    start = data.index(b"/Contents <") + len(b"/Contents <")
    broken = data[:start] + b"00" * 40 + data[start + 80:]
    v = _verify(tmp_path, broken)
    assert not v.valid and v.reasons
    assert "Traceback" not in _reasons(v)


# ---------------------------------------------------------------- findings and plain failures


def test_findings_that_do_not_match_the_document(tmp_path: Path):
    out = tmp_path / "mismatch.pdf"
    sign_report(F.report_pdf(), out, identity=F.reviewer(),
                findings=F.findings_bytes(case_reference="NS-2026-0001", bundle_id="urn:uuid:other"),
                reviewer_box=F.REVIEWER_BOX, moderator_box=F.MODERATOR_BOX)
    v = verify_report(out, trusted=[F.reviewer().certificate_der])
    assert not v.valid and v.findings_match is False
    text = _reasons(v)
    assert "case reference in the attached findings (NS-2026-0001) differs" in text
    assert "bundle id in the attached findings" in text
    assert all(s.intact for s in v.signatures)


def test_not_a_pdf_unsigned_and_missing(tmp_path: Path):
    v = _verify(tmp_path, b"just some text", name="notes.pdf")
    assert not v.valid and v.reasons == ["notes.pdf is not a PDF file."]
    v = _verify(tmp_path, F.report_pdf(), name="draft.pdf")
    assert not v.valid and v.reasons == ["draft.pdf is not signed."]
    v = verify_report(tmp_path / "absent.pdf")
    assert not v.valid and "does not exist" in v.reasons[0]
    for note in ALWAYS_NOTES:
        assert note in v.notes


def test_bad_trusted_certificate_is_a_sentence(tmp_path: Path):
    v = _verify(tmp_path, F.signed_report_bytes(), trusted=[b"not a certificate"])
    assert not v.valid and "Trusted certificate number 1" in v.reasons[0]


def test_json_shape_and_text(tmp_path: Path):
    v = _verify(tmp_path, F.countersigned_report_bytes())
    doc = json.loads(json.dumps(v.to_json()))
    assert set(doc) == {"file", "verdict", "valid", "trusted", "ok", "reasons", "notes", "revisions",
                        "findings", "findings_match", "signatures"}
    assert doc["verdict"] == "valid" and doc["ok"] is True
    sig = doc["signatures"][0]
    assert set(sig) == {"field", "signer", "certificate_sha256", "signing_time", "intact", "coverage",
                        "covers_whole_file", "signed_revision", "later_revisions", "trusted", "trust", "kind",
                        "docmdp_permission", "modification_level", "docmdp_ok", "problems"}
    assert sig["signer"]["name"] == "Gwen Llŷr" and sig["coverage"] == "entire revision"
    assert doc["signatures"][1]["coverage"] == "entire file"
    lines = v.render_text()
    assert lines[0].startswith("report.pdf: VALID")
    assert any("Gwen Llŷr, Independent Reviews Cymru" in line for line in lines)
    assert ALWAYS_NOTES[0] in lines and ALWAYS_NOTES[1] in lines

    bad = _verify(tmp_path, F.edit_info(F.signed_report_bytes()), name="bad.pdf")
    assert bad.render_text()[0].startswith("bad.pdf: INVALID")
    assert bad.to_json()["verdict"] == "invalid"
