"""The findings JSON, both ways: export a case's review, import one (or carry one forward)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import EXIT_OK, Output, workspace


def cmd_findings_export(args, out: Output) -> int:
    from ..core.findings import export_findings, write_findings

    with workspace(args) as ws:
        case = ws.resolve_case(args.case)
        data = export_findings(ws, case.id)
    write_findings(data, Path(args.output))
    out.line(f"wrote {args.output}")
    return EXIT_OK


def cmd_findings_import(args, out: Output) -> int:
    from ..core.errors import CaseViewError
    from ..core.findings import import_findings

    if args.step_by_step and args.from_previous_version:
        raise CaseViewError("--step-by-step and --from-previous-version cannot be combined; carry the review "
                            "forward first.")
    with workspace(args) as ws:
        case = ws.resolve_case(args.case)
        result = import_findings(ws, case.id, Path(args.file), from_previous_version=args.from_previous_version,
                                 step_by_step=args.step_by_step)
    for o in result.orphans:
        out.notice(f"orphaned: {o}")
    if out.as_json:
        out.json({"case_id": case.id, "answers": result.answers, "evidence": result.evidence,
                  "annotations": result.annotations, "orphans": list(result.orphans)})
    else:
        out.line(f"imported findings into {case.id}: {result.answers} answers, {result.evidence} evidence "
                 f"citations, {result.annotations} annotations" +
                 (f"; {len(result.orphans)} orphaned (listed above)" if result.orphans else ""))
    return EXIT_OK


def register(sub, common: argparse.ArgumentParser, limits: argparse.ArgumentParser) -> None:
    """Add the findings commands to the ``caseview`` parser."""
    findings = sub.add_parser("findings", help="the findings JSON").add_subparsers(dest="findings_command",
                                                                                   metavar="ACTION")
    findings.required = True
    p = findings.add_parser("export", parents=[common], help="write a case's findings JSON")
    p.add_argument("case", metavar="CASE")
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.set_defaults(func=cmd_findings_export)
    p = findings.add_parser("import", parents=[common], help="replace a case's review with a findings file")
    p.add_argument("case", metavar="CASE")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--from-previous-version", action="store_true",
                   help="carry a review of an earlier version of the bundle forward into this one")
    p.add_argument("--step-by-step", action="store_true",
                   help="enter the review change by change, as a reviewer would, so the change history has an "
                        "entry for each note, citation and answer (how the demo's example review is built)")
    p.set_defaults(func=cmd_findings_import)
