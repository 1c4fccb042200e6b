"""Moderation in a signed file: the record's moderation.json, the countersignature's rules and reason, the link."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from ..pdf_inspect import dget
from ..signing import FINDINGS_NAME, MODERATION_NAME, MODERATOR_FIELD

FORMAT = "caseview-moderation"
VERDICTS = ("agree", "agree-with-changes", "disagree")
OVERALLS = ("endorsed", "endorsed-with-changes", "not-endorsed")
#: Document information key of a record: the SHA-256 of the report it moderates.
REPORT_INFO_KEY = "/CaseViewModeratedReport"
_INFO_KEYS = (
    ("fingerprint", "/CaseViewFingerprint", "bundle fingerprint"),
    ("case_reference", "/CaseViewCaseReference", "case reference"),
    ("bundle_id", "/CaseViewBundleId", "bundle id"),
)
_REASON_HASH = re.compile(r"Moderation record SHA-256 ([0-9a-f]{64})\b")


def compute_agreement(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The agreement block of moderation.json, from its items (the only place it is computed).

    ``graded``: items where both the reviewer's and the moderated judgement are known;
    ``exact``: the share of those where they are equal (None when nothing is graded).
    """
    verdicts = Counter(it.get("verdict") for it in items)
    graded = [it for it in items
              if it.get("reviewer_judgement") is not None and it.get("moderated_judgement") is not None]
    same = sum(1 for it in graded if it["reviewer_judgement"] == it["moderated_judgement"])
    return {"items": len(items), "agree": verdicts["agree"], "agree_with_changes": verdicts["agree-with-changes"],
            "disagree": verdicts["disagree"], "graded": len(graded),
            "exact": round(same / len(graded), 4) if graded else None}


def overall_words(overall: str | None) -> str:
    return (overall or "not given").replace("-", " ")


def countersign_reason(overall: str, agreement: dict[str, Any], moderation_sha256: str) -> str:
    """The countersignature's /Reason: the verdict in words, and the record it stands on."""
    agreed = agreement["agree"] + agreement["agree_with_changes"]
    return (f"Moderated: {overall_words(overall)}; {agreed} of {agreement['items']} items agreed. "
            f"Moderation record SHA-256 {moderation_sha256}")


def reason_record_hash(reason: str | None) -> str | None:
    """The moderation.json SHA-256 a countersignature's reason names, if it names one."""
    found = _REASON_HASH.search(reason or "")
    return found.group(1) if found else None


def attachment_names(reader) -> set[str]:
    try:
        arr = dget(reader.root["/Names"]["/EmbeddedFiles"], "/Names", [])
        return {str(arr[i]) for i in range(0, len(arr) - 1, 2)}
    except Exception:
        return set()


def is_record(reader) -> bool:
    names = attachment_names(reader)
    return MODERATION_NAME in names and FINDINGS_NAME not in names


def read_moderation(reader) -> tuple[bytes | None, str | None]:
    """The bytes of the embedded moderation.json, or a reason they cannot be read."""
    try:
        tree = reader.root["/Names"]["/EmbeddedFiles"]
        if "/Kids" in tree:
            return None, f"The record's attached files are in a form CaseView does not write; {MODERATION_NAME} was not read."
        arr = dget(tree, "/Names", [])
        hits = [arr[i + 1] for i in range(0, len(arr) - 1, 2) if str(arr[i]) == MODERATION_NAME]
        if len(hits) != 1:
            return None, f"The record has {len(hits)} attached {MODERATION_NAME} files; it must have exactly one."
        ef = hits[0]["/EF"]
        return (ef["/UF"] if "/UF" in ef else ef["/F"]).data, None
    except Exception:
        return None, f"The attached {MODERATION_NAME} cannot be read."


def check_record(reader, data: bytes, signer_fingerprint: str | None) -> tuple[dict | None, dict | None, list[str]]:
    """(moderation.json, what the record moderates, problems): the JSON against the document and its signer."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, None, [f"The attached {MODERATION_NAME} is not valid UTF-8 JSON."]
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        return None, None, [f"The attached {MODERATION_NAME} is not a CaseView moderation ({FORMAT})."]
    problems: list[str] = []
    bundle = obj.get("bundle") if isinstance(obj.get("bundle"), dict) else {}
    report = obj.get("report") if isinstance(obj.get("report"), dict) else {}
    try:
        info = reader.trailer["/Info"]
    except (KeyError, TypeError):
        info = {}
    pairs = [(bundle.get(k), pdf_key, words) for k, pdf_key, words in _INFO_KEYS]
    pairs.append((report.get("sha256"), REPORT_INFO_KEY, "moderated report's SHA-256"))
    for in_json, pdf_key, words in pairs:
        try:
            in_doc = str(info[pdf_key])
        except (KeyError, TypeError):
            in_doc = None
        if in_doc is None:
            problems.append(f"The document information has no {words} ({pdf_key[1:]}) to compare with the record.")
        elif in_json != in_doc:
            problems.append(f"The {words} in the attached {MODERATION_NAME} ({in_json}) differs from the one in the "
                            f"document information ({in_doc}).")
    moderator = obj.get("moderator") if isinstance(obj.get("moderator"), dict) else {}
    if signer_fingerprint and moderator.get("certificate_sha256") != signer_fingerprint:
        problems.append(f"The record names the moderator's certificate {moderator.get('certificate_sha256')}, "
                        f"but it was signed with {signer_fingerprint}.")
    items = obj.get("items")
    case = obj.get("case") if isinstance(obj.get("case"), dict) else {}
    agreement = obj.get("agreement")
    if not isinstance(items, list) or not all(isinstance(it, dict) for it in items):
        problems.append(f"The attached {MODERATION_NAME} has no list of items.")
    elif agreement != compute_agreement(items):
        problems.append(f"The agreement figures in the attached {MODERATION_NAME} do not follow from its items.")
    moderates = {
        "case_reference": bundle.get("case_reference"), "bundle_id": bundle.get("bundle_id"),
        "fingerprint": bundle.get("fingerprint"), "reviewer": report.get("signer"),
        "report_sha256": report.get("sha256"), "report_signed_at": report.get("signed_at"),
        "overall": case.get("overall"), "agreement": agreement if isinstance(agreement, dict) else None,
        "moderator": moderator.get("name"),
    }
    return obj, moderates, problems


def countersignature_problems(reader, embedded: list, roles: list[str], who: list[str]) -> list[str]:
    """After the reviewer's certification, only the pre-made Moderator field may be signed, once, as an approval."""
    from pyhanko.sign.fields import enumerate_sig_fields

    problems: list[str] = []
    if len(embedded) < 2:
        return problems
    try:
        before = reader.get_historical_resolver(embedded[0].signed_revision)
        premade = {name: value is not None for name, value, _ in enumerate_sig_fields(before)}
    except Exception:
        premade = {}
    for emb, role, name in zip(embedded[1:], roles[1:], who[1:]):
        if role != "moderator":
            problems.append(f"A further signature by {name} is in the field {emb.field_name}; after the reviewer's "
                            f"signature only the pre-made {MODERATOR_FIELD} field may be signed.")
        elif premade.get(MODERATOR_FIELD) is not False:
            problems.append(f"The {MODERATOR_FIELD} field signed by {name} was not an empty field of the report "
                            "the reviewer signed.")
    return problems


def record_signature_problems(checks: list) -> list[str]:
    """A record carries exactly one signature: the moderator's certification allowing no changes."""
    if len(checks) != 1:
        return [f"A moderation record carries one signature, the moderator's; this file has {len(checks)}."]
    s = checks[0]
    if s.kind != "certification" or s.docmdp_permission != 1:
        return [f"The moderation record's signature by {s.signer_name} is not a certification allowing no "
                "changes (DocMDP level 1), as CaseView signs records."]
    return []


def link_problems(report, record) -> list[str]:
    """The record and the countersigned report must name each other (``report``/``record``: Verification)."""
    problems: list[str] = []
    moderates = record.moderates or {}
    if moderates.get("report_sha256") != report.reviewer_revision_sha256:
        problems.append(f"The moderation record is about the report with SHA-256 {moderates.get('report_sha256')}, "
                        f"but the reviewer's signed revision of {report.path.name} has SHA-256 "
                        f"{report.reviewer_revision_sha256}.")
    moderator = report.signature("moderator")
    if moderator is None:
        problems.append(f"{report.path.name} has no moderator's countersignature.")
        return problems
    named = reason_record_hash(moderator.reason)
    if named is None:
        problems.append("The countersignature's reason names no moderation record.")
    elif named != record.moderation_sha256:
        problems.append(f"The countersignature's reason names the moderation record {named}, not this record "
                        f"({record.moderation_sha256}).")
    signer = record.signature("moderator")
    if signer is not None and signer.fingerprint != moderator.fingerprint:
        problems.append("The countersignature and the moderation record were signed with different certificates.")
    bundle = (report.findings or {}).get("bundle") if isinstance(report.findings, dict) else None
    if isinstance(bundle, dict) and bundle.get("fingerprint") != moderates.get("fingerprint"):
        problems.append("The moderation record and the report are about different bundles.")
    return problems
