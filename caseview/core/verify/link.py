"""A countersigned report checked against its moderation record: both verified, then linked both ways."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from .model import RECORD, REPORT, ModerationLink, Verification
from .record import link_problems
from .signatures import verify_report


def verify_with_record(path: Path, record: Path, *, trusted: Sequence[bytes] = (), own: Sequence[str] = (),
                       trusted_roles: Mapping[str, Sequence[bytes]] | None = None) -> Verification:
    """The report's verification with ``moderation`` filled in; valid only if the record is valid and linked."""
    kw = {"trusted": trusted, "own": own, "trusted_roles": trusted_roles}
    report = verify_report(Path(path), **kw)
    rec = verify_report(Path(record), **kw)
    reasons: list[str] = []
    if not rec.signatures and rec.reasons:  # missing, unreadable or unsigned: say why, not what it is not
        reasons.extend(f"Moderation record: {r}" for r in rec.reasons)
    elif rec.kind != RECORD:
        reasons.append(f"{Path(record).name} is not a moderation record (it has no moderation.json of its own).")
    elif not rec.valid:
        reasons.extend(f"Moderation record: {r}" for r in rec.reasons)
    if report.kind != REPORT:
        reasons.append(f"{Path(path).name} is a moderation record, not a countersigned report.")
    elif rec.kind == RECORD:
        reasons.extend(link_problems(report, rec))
    record_valid = rec.kind == RECORD and rec.valid
    linked = record_valid and report.kind == REPORT and not link_problems(report, rec)
    moderates = rec.moderates or {}
    link = ModerationLink(
        record_path=Path(record), record_valid=record_valid, record_trusted=rec.trusted, linked=linked,
        overall=moderates.get("overall"), agreement=moderates.get("agreement"), reasons=tuple(reasons),
    )
    trust_reasons = [f"Moderation record: {r}" for r in rec.reasons if rec.valid and r not in report.reasons]
    valid = report.valid and record_valid and linked
    # The report's own reasons first; its trust sentences stay, the record's follow.
    return dataclasses.replace(
        report, valid=valid, trusted=report.trusted and rec.trusted, moderation=link,
        reasons=_dedupe(list(report.reasons) + reasons + trust_reasons),
    )


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in items if not (x in seen or seen.add(x))]
