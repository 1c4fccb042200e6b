"""Finish a moderation: the certified moderation record and the countersigned report, both or neither written."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..atomic import write_atomically
from ..errors import ReviewError, SigningError
from ..identity import LoadedIdentity, check_validity
from ..progress import CancelToken, Progress, reporter
from ..store import Workspace
from .commands import Finished, append_history, load_context, read_state, report_bytes
from .io import export_moderation, moderation_bytes
from .model import FINISHED, missing


@dataclass(frozen=True)
class FinishedModeration:
    record: Path
    countersigned: Path
    record_sha256: str
    countersigned_sha256: str
    moderation_sha256: str
    reason: str
    moderator: str


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write_both(record: Path, record_data: bytes, countersigned: Path, countersigned_data: bytes, report) -> None:
    """Each file atomically; if the second cannot be written, the first is taken away again."""
    written: list[Path] = []
    try:
        for path, data in ((countersigned, countersigned_data), (record, record_data)):
            write_atomically(path, data, mode=0o644, before_rename=lambda: report(3, 4, "Saving"))
            written.append(path)
    except BaseException as exc:
        for path in written:
            path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise SigningError(f"The moderation's files could not be written ({exc.strerror or exc}); neither "
                               "was kept.") from None
        raise


def _check_outputs(record: Path, countersigned: Path) -> None:
    if record.resolve() == countersigned.resolve():
        raise SigningError("The moderation record and the countersigned report must be two different files.")
    for path in (record, countersigned):
        if not path.parent.is_dir():
            raise SigningError(f"The folder {path.parent} does not exist; choose another place for {path.name}.")


def finish_moderation(ws: Workspace, moderation_id: str, record: Path, countersigned: Path, *,
                      identity: LoadedIdentity, now: datetime | None = None, progress: Progress | None = None,
                      cancel: CancelToken | None = None) -> FinishedModeration:
    """Refuse an incomplete moderation; else sign the record (DocMDP 1) and countersign the report, atomically."""
    # reportlab and pyHanko: imported when first used, not at the app's start-up.
    from ..report.blocks import protective_marking
    from ..signing import certify_record, countersign_bytes
    from ..verify.record import countersign_reason, overall_words
    from .record import RecordInput, render_record

    record, countersigned = Path(record), Path(countersigned)
    report = reporter(progress, cancel)
    ctx = load_context(ws, moderation_id)
    if ctx.status == FINISHED:
        raise ReviewError(f"Moderation {moderation_id} has already been countersigned.")
    state = read_state(ws, moderation_id)
    gaps = [m.sentence() for m in missing(ctx, state)]
    if gaps:
        shown = "; ".join(gaps[:5]) + (f"; and {len(gaps) - 5} more" if len(gaps) > 5 else "")
        raise ReviewError(f"The moderation is not complete, so it cannot be countersigned ({len(gaps)} missing: "
                          f"{shown}).")
    info = identity.info
    if info.fingerprint == ctx.reviewer.get("signer_certificate_sha256"):
        raise SigningError("The moderator must be someone other than the reviewer: this identity signed the report.")
    when = (now or datetime.now(UTC)).replace(microsecond=0)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    check_validity(info, when)
    _check_outputs(record, countersigned)
    report(0, 4, "Preparing the moderation record")
    moderator = {"name": info.name, "organisation": info.organisation, "certificate_sha256": info.fingerprint}
    data = export_moderation(ws, moderation_id, moderator=moderator, completed=_stamp(when), ctx=ctx)
    blob = moderation_bytes(data)
    moderation_sha = hashlib.sha256(blob).hexdigest()
    framework = json.loads(ctx.framework.source)
    graded = {i: ({"id": q.id, "type": q.type, "scale": q.scale} if (q := ctx.graded_question(i)) else None)
              for i in ctx.item_ids()}
    rev = ctx.reviewer
    trust = (f"Trusted ({rev.get('trust')}) where the moderation was started" if rev.get("trusted")
             else "Not trusted where the moderation was started: the reviewer's certificate was not on the "
                  "moderator's trust list")
    rendered = render_record(RecordInput(
        moderation=data, moderation_sha256=moderation_sha, framework=framework, graded=graded,
        titles={item.id: item.title for item in ctx.case.manifest.items},
        issuer=ctx.case.manifest.issuer_organisation, marking=protective_marking(ctx.case.manifest.raw),
        reviewer_trust=trust, moderator_registration=info.registration))
    report(1, 4, "Signing the moderation record")
    record_data = certify_record(rendered.pdf, identity=identity, moderation=blob, box=rendered.box, now=when)
    reason = countersign_reason(state.overall or "", data["agreement"], moderation_sha)
    report(2, 4, "Countersigning the report")
    original, _findings = report_bytes(ws, moderation_id)
    countersigned_data = countersign_bytes(original, identity=identity, reason=reason, now=when,
                                           note=f"Moderated: {overall_words(state.overall)}")
    _write_both(record, record_data, countersigned, countersigned_data, report)
    result = FinishedModeration(record, countersigned, hashlib.sha256(record_data).hexdigest(),
                                hashlib.sha256(countersigned_data).hexdigest(), moderation_sha, reason, info.name)
    try:
        with ws.transaction() as c:
            c.execute("UPDATE moderations SET status=?, completed=?, finished=? WHERE id=?",
                      (FINISHED, data["completed"], _stamp(when), moderation_id))
            append_history(c, moderation_id, f"countersigned by {info.name} (moderation.json SHA-256 "
                                             f"{moderation_sha[:16]}…)",
                           Finished(info.name, info.fingerprint, moderation_sha, result.record_sha256,
                                    result.countersigned_sha256))
    except BaseException:
        # The files must not outlive a moderation the workspace does not know is finished.
        for path in (record, countersigned):
            path.unlink(missing_ok=True)
        raise
    report(4, 4, "")
    return result
