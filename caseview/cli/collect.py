"""``caseview collect``: many signed reports and moderation records become one evidence base (collect.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import EXIT_OK, Output, at_least_one, workspace

STATUS_ORDER = ("accepted", "untrusted", "rejected", "superseded", "duplicate", "not-a-report")


def cmd_collect(args, out: Output) -> int:
    from ..core.collect import collect, cpu_jobs, write_csv
    from ..core.collect.base import open_evidence_base
    from ..core.identity import load_certificate_pem
    from ..core.progress import Step
    from ..core.trust import trust_roles

    extra = [load_certificate_pem(Path(p)) for p in args.trust or []]
    with workspace(args) as ws:
        trust = trust_roles(ws, extra)

    def progress(step: Step) -> None:
        out.progress(step.done, step.total, step.label)

    result = collect([Path(p) for p in args.inputs], Path(args.output), trust=trust,
                     include_untrusted=args.include_untrusted, recheck=args.recheck,
                     jobs=args.jobs or cpu_jobs(), progress=progress)
    out.end_progress()
    summary = None
    if args.summary:
        from ..core.collect.summary import write_summary

        summary = write_summary(Path(args.output), Path(args.summary), run=result.run)
    if args.csv:
        db = open_evidence_base(Path(args.output))
        try:
            write_csv(db, Path(args.csv))
        finally:
            db.close()
    if out.as_json:
        out.json(result.to_json(summary))
        return EXIT_OK
    c = result.counts
    total = sum(c.values())
    out.line(f"{result.evidence_base}: {total} file{'s' if total != 1 else ''} in the evidence base, "
             f"{result.new_files} new in this run.")
    out.line("  " + "; ".join(f"{c[s]} {s}" for s in STATUS_ORDER))
    if result.not_counted:
        out.line("")
        out.line("Not counted:")
        for nc in result.not_counted:
            out.line(f"  {nc.name}: {nc.status}. {nc.reason}")
    if summary:
        out.line("")
        out.line(f"Summary: {summary}")
    if args.csv:
        out.line(f"CSV files: {args.csv}")
    return EXIT_OK


def register(sub, common: argparse.ArgumentParser, limits: argparse.ArgumentParser) -> None:
    """Add ``collect`` to the ``caseview`` parser."""
    p = sub.add_parser("collect", parents=[common],
                       help="verify many reports and moderation records and build the evidence base")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="report files, or folders searched for *.pdf")
    p.add_argument("-o", "--output", required=True, metavar="EVIDENCE.sqlite",
                   help="the evidence base: created, or added to when it exists")
    p.add_argument("--summary", metavar="SUMMARY.pdf", help="also write the summary PDF for a commissioning board")
    p.add_argument("--csv", metavar="DIR", help="also write every table and view as UTF-8 CSV into DIR")
    p.add_argument("--trust", action="append", metavar="CERT.pem",
                   help="trust this certificate for every role, beside the workspace's trust list (repeatable)")
    p.add_argument("--include-untrusted", action="store_true",
                   help="count valid reports whose signer is not trusted (they are listed either way)")
    p.add_argument("--recheck", action="store_true", help="verify again files the evidence base already holds")
    p.add_argument("--jobs", type=at_least_one, metavar="N", help="worker processes (default: one per CPU core)")
    p.set_defaults(func=cmd_collect)
