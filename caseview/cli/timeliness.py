"""``caseview timeliness``: statutory timescales computed from a case's chronology (timeliness.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import EXIT_OK, Output, workspace

STATUS_WORDS = {"met": "met", "missed": "MISSED", "not-evidenced": "not evidenced in the bundle",
                "not-yet-due": "not yet due", "not-applicable": "not applicable"}


def cmd_timeliness(args, out: Output) -> int:
    from ..core.dates import uk_date
    from ..core.manifest import parse_stored_manifest
    from ..core.timeliness import compute
    from ..core.timescales import load_rule_set

    rules = load_rule_set(Path(args.rules) if args.rules else None)
    with workspace(args) as ws:
        case = ws.resolve_case(args.case)
        manifest = parse_stored_manifest(ws.manifest_bytes(case.id))
    result = compute(manifest, rules)
    if out.as_json:
        out.json(result.to_json())
        return EXIT_OK
    out.line(f"{rules.title or rules.id} ({rules.id} {rules.version}), as of "
             f"{uk_date(result.as_of) if result.as_of else 'no date'}")
    if not result.results:
        from ..core.timeliness_view import why_none

        out.line(why_none(manifest, rules))
    for r in result.results:
        who = f" [{r.subject}]" if r.subject else ""
        actual = uk_date(r.actual) if r.actual else "—"
        note = f" — {r.note}" if r.note else ""
        out.line(f"{r.rule}{who}: from {r.from_event}, due {uk_date(r.due)}, actual {actual}: "
                 f"{STATUS_WORDS.get(r.status, r.status)}{note}")
    return EXIT_OK


def register(sub, common: argparse.ArgumentParser, limits: argparse.ArgumentParser) -> None:
    """Add ``timeliness`` to the ``caseview`` parser."""
    p = sub.add_parser("timeliness", parents=[common],
                       help="statutory timescales computed from a case's chronology")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--rules", metavar="FILE", help="a rule set file (default: the shipped england-2023)")
    p.set_defaults(func=cmd_timeliness)
