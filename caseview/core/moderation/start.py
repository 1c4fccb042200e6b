"""Start a moderation of a signed report on a case in the workspace, and list a workspace's moderations."""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ReviewError
from ..frameworks import Framework, framework_from_snapshot, load_registry
from ..store import Workspace, now_utc
from .commands import append_history, load_context, read_state
from .model import missing


@dataclass(frozen=True)
class Started:
    moderation_id: str
    case_id: str
    case_reference: str
    report_sha256: str
    reviewer: dict[str, Any]
    notices: tuple[str, ...]


@dataclass(frozen=True)
class _Begun:
    """Not a command: the history record of starting, which nothing undoes."""

    report_sha256: str
    reviewer: str
    reviewer_trusted: bool


def _refuse(name: str, why: str) -> ReviewError:
    return ReviewError(f"The report {name} cannot be moderated: {why}")


def _framework(ws: Workspace, case_id: str, framework: dict) -> Framework:
    """The framework the report was written against: the case's own copy when it is that one, else installed."""
    fid, version = framework.get("id"), framework.get("version")
    row = ws.review_row(case_id)
    if row["framework_id"] == fid and row["framework_version"] == version:
        return framework_from_snapshot(row["framework_source"])
    found = load_registry([ws.root / "frameworks"]).get(str(fid), str(version)) if fid and version else None
    if found is None:
        raise ReviewError(f"The report was written against the framework {fid} version {version}, which is not "
                          "installed here; install it in the workspace's frameworks folder first.")
    return found


def _embedded_findings(data: bytes) -> bytes:
    from pyhanko.pdf_utils.reader import PdfFileReader

    from ..pdf_inspect import read_findings

    found, problem = read_findings(PdfFileReader(io.BytesIO(data), strict=False))
    if found is None:
        raise ReviewError(problem or "The report has no attached findings.")
    return bytes(found)


def start_moderation(ws: Workspace, case_id: str, report: Path, *, trusted: Sequence[bytes] = (),
                     trusted_roles: Mapping[str, Sequence[bytes]] | None = None,
                     own: Sequence[str] = ()) -> Started:
    """Verify ``report`` as ``verify`` does, check it is about this case's bundle, and keep it in the workspace.

    An invalid report, one already countersigned, or one about another bundle (or another version of
    it) is refused; an untrusted reviewer is allowed, and said in ``notices``.
    """
    from ..verify import verify_report  # pyHanko: imported when first used, not at the app's start-up
    from ..verify.model import REPORT

    report = Path(report)
    case = ws.case(case_id)
    v = verify_report(report, trusted=trusted, trusted_roles=trusted_roles, own=own)
    name = report.name
    if not v.valid:
        raise _refuse(name, f"it is not a valid signed report ({v.reasons[0] if v.reasons else 'no reason given'})")
    if v.kind != REPORT or not isinstance(v.findings, dict):
        raise _refuse(name, "it is a moderation record, not a reviewer's report.")
    if len(v.signatures) != 1 or not v.signatures[0].covers_whole_file:
        raise _refuse(name, "it is already countersigned; moderate the report as the reviewer signed it.")
    bundle = v.findings.get("bundle") if isinstance(v.findings.get("bundle"), dict) else {}
    if bundle.get("fingerprint") != case.fingerprint or bundle.get("bundle_id") != case.bundle_id:
        other = "another version of this bundle" if bundle.get("bundle_id") == case.bundle_id else "another bundle"
        raise _refuse(name, f"it is about {other}: the report's bundle fingerprint is {bundle.get('fingerprint')}, "
                            f"but case {case.reference}'s bundle fingerprint is {case.fingerprint}.")
    data = report.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if sha != v.reviewer_revision_sha256:
        raise _refuse(name, "the file changed while it was being checked; try again.")
    findings = _embedded_findings(data)
    framework = _framework(ws, case_id, v.findings.get("framework") or {})
    sig = v.signatures[0]
    reviewer = {"signer": sig.signer_name, "organisation": sig.signer_organisation,
                "signer_certificate_sha256": sig.fingerprint,
                "signed_at": sig.signing_time.strftime("%Y-%m-%dT%H:%M:%SZ") if sig.signing_time else None,
                "trusted": sig.trusted, "trust": sig.trust}
    notices = []
    if not sig.trusted:
        notices.append(f"The reviewer's signature ({sig.signer_name}) is not trusted here; the moderation may go "
                       "ahead, and the moderation record will say so.")
    moderation_id = "M" + secrets.token_hex(5)
    created = now_utc()
    try:
        with ws.transaction() as c:
            c.execute("INSERT INTO moderations (id, case_id, report_sha256, report, findings, framework_source, "
                      "reviewer, created) VALUES (?,?,?,?,?,?,?,?)",
                      (moderation_id, case_id, sha, data, findings, framework.source,
                       json.dumps(reviewer, ensure_ascii=False, sort_keys=True), created))
            summary = f"moderation started of the report signed by {sig.signer_name} (report SHA-256 {sha[:16]}…)"
            append_history(c, moderation_id, summary, _Begun(sha, sig.signer_name, sig.trusted))
    except sqlite3.IntegrityError:
        existing = ws.conn.execute("SELECT id FROM moderations WHERE case_id = ? AND report_sha256 = ?",
                                   (case_id, sha)).fetchone()
        raise ReviewError(f"This report is already being moderated on case {case.reference}, as moderation "
                          f"{existing[0] if existing else '?'}.") from None
    return Started(moderation_id, case_id, case.reference, sha, reviewer, tuple(notices))


def list_moderations(ws: Workspace) -> list[dict[str, Any]]:
    """Every moderation in the workspace, oldest first, with what is still missing."""
    out = []
    rows = ws.conn.execute("SELECT id, case_id, report_sha256, reviewer, created, status, overall, finished "
                           "FROM moderations ORDER BY created, id").fetchall()
    for mid, case_id, sha, reviewer, created, status, overall, finished in rows:
        ctx = load_context(ws, mid)
        gaps = missing(ctx, read_state(ws, mid))
        out.append({"moderation_id": mid, "case_id": case_id, "case_reference": ws.case(case_id).reference,
                    "report_sha256": sha, "reviewer": json.loads(reviewer).get("signer"), "created": created,
                    "status": status, "overall": overall, "finished": finished, "missing": len(gaps)})
    return out
