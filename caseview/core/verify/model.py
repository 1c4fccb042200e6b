"""What verification found: one signature, one file, and the link between a countersigned report and its record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..dates import london_time
from ..identity import format_fingerprint
from ..pdf_inspect import FINDINGS_NAME

ALWAYS_NOTES = ("Revocation was not checked (offline).", "The signing time is the signer's own claim.")
REPORT, RECORD = "report", "moderation-record"
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
    role: str = ""  # "reviewer", "moderator", or "other" (a signature CaseView never makes)
    reason: str | None = None  # the signature's /Reason, as the signer wrote it

    def to_json(self, *, roles: bool = False) -> dict[str, Any]:
        out = {
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
        if roles:
            out["role"] = self.role
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class ModerationLink:
    """A countersigned report checked against its moderation record, both ways."""

    record_path: Path
    record_valid: bool
    record_trusted: bool
    linked: bool
    overall: str | None
    agreement: dict[str, Any] | None
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"record_file": str(self.record_path), "record_valid": self.record_valid,
                "record_trusted": self.record_trusted, "linked": self.linked, "overall": self.overall,
                "agreement": self.agreement, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Verification:
    """The verdict on one report or moderation record; ``ok`` is what a commissioner can rely on."""

    path: Path
    valid: bool
    trusted: bool
    reasons: list[str]
    signatures: list[SignatureCheck]
    findings: dict[str, Any] | None
    notes: list[str]
    revisions: int = 0
    findings_match: bool | None = None
    kind: str = REPORT  # or RECORD: the file carries moderation.json instead of findings.json
    moderates: dict[str, Any] | None = None  # a record: the case, the report and the verdict it records
    reviewer_revision_sha256: str | None = None  # a report: SHA-256 of the bytes the reviewer signed
    moderation_sha256: str | None = None  # a record: SHA-256 of its embedded moderation.json
    moderation: ModerationLink | None = None  # when checked against a record (--moderation)

    @property
    def ok(self) -> bool:
        return self.valid and self.trusted

    @property
    def verdict(self) -> str:
        return "invalid" if not self.valid else ("valid" if self.trusted else "untrusted")

    def signature(self, role: str) -> SignatureCheck | None:
        return next((s for s in self.signatures if s.role == role), None)

    def to_json(self, *, roles: bool = False) -> dict[str, Any]:
        """The documented shape; ``roles=True`` (what ``caseview verify --json`` prints) adds the moderation keys."""
        out = {
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
            "signatures": [s.to_json(roles=roles) for s in self.signatures],
        }
        if roles:
            out["kind"] = self.kind
            out["moderates"] = self.moderates
            out["reviewer_revision_sha256"] = self.reviewer_revision_sha256
            out["moderation_sha256"] = self.moderation_sha256
            if self.moderation is not None:
                out["moderation"] = self.moderation.to_json()
        return out

    def render_text(self) -> list[str]:
        """The lines a commissioner reads, most important first."""
        lines: list[str] = []
        name = Path(self.path).name
        what = "moderation record" if self.kind == RECORD else "report"
        if self.ok:
            lines.append(f"{name}: VALID. The signatures are intact, cover the whole file, and every signer is trusted.")
        elif self.valid:
            lines.append(
                f"{name}: untrusted. The signatures are intact and cover the whole file, "
                "but not every signer is on your trust list."
            )
        else:
            lines.append(f"{name}: INVALID. Do not rely on this {what}.")
        if self.reasons:
            lines.append("")
            lines.append("Why:" if not self.valid else "Trust:")
            lines.extend(f"  - {r}" for r in self.reasons)
        if self.kind == RECORD and self.moderates:
            lines += [""] + _moderates_lines(self.moderates)
        moderator = self.signature("moderator")
        if self.kind == REPORT and moderator is not None and self.valid:
            lines.append("")
            lines.append("The only change after the reviewer's signature is the moderator's countersignature.")
            lines.append(f"Moderator's reason: {moderator.reason or '(none given)'}")
        for i, s in enumerate(self.signatures, 1):
            lines += [""] + _signature_lines(s, i, len(self.signatures), self.revisions)
        lines.append("")
        if self.kind == RECORD:
            lines.append("Embedded moderation (moderation.json): "
                         + ("matches the document" if self.moderates and self.valid else "see above"))
        elif self.findings is not None:
            bundle = self.findings.get("bundle") if isinstance(self.findings, dict) else None
            bundle = bundle if isinstance(bundle, dict) else {}
            state = {True: "match the document", False: "DO NOT match the document", None: "could not be compared"}
            lines.append(f"Embedded findings ({FINDINGS_NAME}): {state[self.findings_match]}")
            lines.append(f"  Case reference:       {bundle.get('case_reference', '?')}")
            lines.append(f"  Bundle id:            {bundle.get('bundle_id', '?')}")
            lines.append(f"  Bundle fingerprint:   {bundle.get('fingerprint', '?')}")
        else:
            lines.append(f"Embedded findings ({FINDINGS_NAME}): none found")
        if self.moderation is not None:
            lines += [""] + _link_lines(self.moderation)
        lines.append("")
        lines.extend(self.notes)
        return lines


def _signature_lines(s: SignatureCheck, i: int, n: int, revisions: int) -> list[str]:
    kind = (
        f"certification, {_DOCMDP_WORDS.get(s.docmdp_permission or 0, 'changes as the signer allowed')}"
        if s.kind == "certification"
        else "approval"
    )
    role = f"the {s.role}'s signature, " if s.role in ("reviewer", "moderator") else ""
    lines = [f"Signature {i} of {n}: {role}field {s.field} ({kind})"]
    who = ", ".join(x for x in (s.signer_name, s.signer_organisation) if x)
    lines.append(f"  Signed by:            {who}" + (f" <{s.signer_email}>" if s.signer_email else ""))
    lines.append(f"  Certificate SHA-256:  {format_fingerprint(s.fingerprint)}")
    # London's clock (GMT/BST), as every time CaseView shows; the seconds, as the signature carries them.
    when = (london_time(s.signing_time) + s.signing_time.astimezone(UTC).strftime(" (%H:%M:%S UTC)") if s.signing_time
            else "not given")
    lines.append(f"  Signing time:         {when} (the signer's claim)")
    if s.reason:
        lines.append(f"  Reason:               {s.reason}")
    lines.append(f"  Signed bytes intact:  {'yes' if s.intact else 'NO'}")
    if s.covers_whole_file:
        lines.append("  Covers:               the whole file")
    else:
        later = ", ".join(str(r) for r in s.later_revisions) or "none"
        lines.append(
            f"  Covers:               revision {s.signed_revision} of {revisions}; added after it: revision(s) {later}"
        )
    lines.append(f"  Trusted:              {'yes, ' + s.trust if s.trusted else 'untrusted'}")
    for p in s.problems:
        lines.append(f"  Problem:              {p}")
    return lines


def agreement_words(agreement: dict[str, Any] | None) -> str:
    """ "7 of 8 items agreed (6 agreed, 1 with changes, 1 disagreed); exact agreement 87.5% of 8 graded" """
    if not isinstance(agreement, dict):
        return "not stated"
    try:
        agreed = int(agreement["agree"]) + int(agreement["agree_with_changes"])
        text = (f"{agreed} of {agreement['items']} items agreed ({agreement['agree']} agreed, "
                f"{agreement['agree_with_changes']} with changes, {agreement['disagree']} disagreed)")
        exact = agreement.get("exact")
        if isinstance(exact, (int, float)) and not isinstance(exact, bool):
            text += f"; exact agreement {exact * 100:.1f}% of {agreement.get('graded')} graded"
        return text
    except (KeyError, TypeError, ValueError):
        return "not readable"


def _moderates_lines(m: dict[str, Any]) -> list[str]:
    signed = london_time(m.get("report_signed_at")) or "not stated"
    return [
        "Moderates:",
        f"  Case reference:       {m.get('case_reference') or '?'}",
        f"  Reviewer:             {m.get('reviewer') or '?'} (signed {signed})",
        f"  Report SHA-256:       {m.get('report_sha256') or '?'}",
        f"  Overall:              {m.get('overall') or '?'}",
        f"  Agreement:            {agreement_words(m.get('agreement'))}",
    ]


def _link_lines(link: ModerationLink) -> list[str]:
    lines = [
        f"Moderation record {Path(link.record_path).name}: "
        + ("valid" if link.record_valid else "INVALID")
        + (", moderator trusted" if link.record_trusted else ", moderator untrusted"),
        f"  Linked both ways:     {'yes' if link.linked else 'NO'}",
        f"  Overall:              {link.overall or '?'}",
        f"  Agreement:            {agreement_words(link.agreement)}",
    ]
    lines.extend(f"  Problem:              {r}" for r in link.reasons)
    return lines
