"""Verify a signed CaseView report or moderation record offline: signatures, revisions, trust by role, attachments.

``Verification.to_json()`` returns this shape (all keys always present)::

    {
      "file": "report.pdf",
      "verdict": "valid" | "untrusted" | "invalid",
      "valid": true,            # every check passed, trust aside
      "trusted": true,          # every signer's certificate is on the trust list (for its role) or chains to one on it
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
          "trust": "on the trust list" | "chains to a certificate on the trust list" | "your own identity"
                   | "untrusted",
          "kind": "certification" | "approval",
          "docmdp_permission": 2 | null,   # 1 no changes, 2 form filling and signing, 3 also annotations
          "modification_level": "NONE" | "LTA_UPDATES" | "FORM_FILLING" | "ANNOTATIONS" | "OTHER" | null,
          "docmdp_ok": true | false | null,
          "problems": ["…"]
        }
      ]
    }

``to_json(roles=True)`` — what ``caseview verify --json`` prints — adds to each signature
``"role": "reviewer" | "moderator" | "other"`` (reviewer: a report's certification, covering
the bytes the reviewer signed; moderator: the approval in the ``Moderator`` field, or a
moderation record's certification; other: any further signature, which makes the file invalid)
and ``"reason"`` (its /Reason); and at the top::

      "kind": "report" | "moderation-record",
      "moderates": null | {"case_reference", "bundle_id", "fingerprint", "reviewer", "report_sha256",
                           "report_signed_at", "overall", "agreement", "moderator"},   # a record
      "reviewer_revision_sha256": "<64 hex of the bytes the reviewer signed>" | null,  # a report
      "moderation_sha256": "<64 hex of the record's moderation.json>" | null,          # a record
      "moderation": {"record_file", "record_valid", "record_trusted", "linked", "overall", "agreement",
                     "reasons": ["…"]}      # only when checked against a record (--moderation)
"""

from .link import verify_with_record
from .model import ALWAYS_NOTES, ModerationLink, SignatureCheck, Verification, agreement_words
from .record import compute_agreement, countersign_reason, overall_words, reason_record_hash
from .signatures import verify_report

__all__ = [
    "ALWAYS_NOTES",
    "ModerationLink",
    "SignatureCheck",
    "Verification",
    "agreement_words",
    "compute_agreement",
    "countersign_reason",
    "overall_words",
    "reason_record_hash",
    "verify_report",
    "verify_with_record",
]
