"""``caseview moderate``: start a moderation of a signed report, move its verdicts as moderation.json, countersign."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.errors import CaseViewError
from .common import EXIT_OK, Output, read_passphrase, workspace


def _extra_trust(args) -> list[bytes]:
    from ..core.identity import load_certificate_pem

    return [load_certificate_pem(Path(p)) for p in getattr(args, "trust", None) or []]


def cmd_start(args, out: Output) -> int:
    from ..core.moderation import start_moderation
    from ..core.trust import trust_roles

    extra = _extra_trust(args)
    with workspace(args) as ws:
        case = ws.resolve_case(args.case)
        roles = trust_roles(ws)
        started = start_moderation(ws, case.id, Path(args.report), trusted=extra, trusted_roles=roles.by_role)
    for n in started.notices:
        out.notice(n)
    if out.as_json:
        out.json({"moderation_id": started.moderation_id, "case_id": started.case_id,
                  "case_reference": started.case_reference, "report_sha256": started.report_sha256,
                  "reviewer": started.reviewer})
        return EXIT_OK
    rev = started.reviewer
    out.line(f"moderating case {started.case_reference}: the report signed by {rev.get('signer')}"
             f" (report SHA-256 {started.report_sha256})")
    out.line(started.moderation_id)
    return EXIT_OK


def cmd_list(args, out: Output) -> int:
    from ..core.moderation import list_moderations

    with workspace(args) as ws:
        rows = list_moderations(ws)
    if out.as_json:
        out.json(rows)
        return EXIT_OK
    if not rows:
        out.line("No moderations yet; 'caseview moderate start CASE REPORT.pdf' starts one.")
    for r in rows:
        state = "countersigned" if r["status"] == "finished" else (
            "complete" if r["missing"] == 0 else f"{r['missing']} missing")
        out.line(f"{r['moderation_id']}  {r['case_reference']:<14} {r['reviewer'] or '?':<24} "
                 f"{r['report_sha256'][:16]}…  {state}")
    return EXIT_OK


def cmd_export(args, out: Output) -> int:
    from ..core.moderation import export_moderation, resolve_moderation, write_moderation

    with workspace(args) as ws:
        data = export_moderation(ws, resolve_moderation(ws, args.moderation))
    write_moderation(data, Path(args.output))
    out.line(f"wrote {args.output}")
    return EXIT_OK


def cmd_import(args, out: Output) -> int:
    from ..core.moderation import import_moderation, load_context, missing, resolve_moderation

    with workspace(args) as ws:
        mid = resolve_moderation(ws, args.moderation)
        state = import_moderation(ws, mid, Path(args.file))
        gaps = missing(load_context(ws, mid), state)
    for g in gaps[:5]:
        out.notice(f"still missing: {g.sentence()}")
    if out.as_json:
        out.json({"moderation_id": mid, "items": sum(1 for v in state.items.values() if v.verdict),
                  "evidence": len(state.evidence), "payments_changed": len(state.payments),
                  "overall": state.overall, "missing": [g.sentence() for g in gaps]})
    else:
        out.line(f"imported into {mid}: {sum(1 for v in state.items.values() if v.verdict)} verdicts, "
                 f"{len(state.evidence)} citations, overall {state.overall or 'not yet given'}"
                 + (f"; {len(gaps)} still missing" if gaps else "; complete"))
    return EXIT_OK


def cmd_finish(args, out: Output) -> int:
    from ..core.identity import open_identity
    from ..core.moderation import finish_moderation, resolve_moderation

    passphrase = read_passphrase(args.passphrase_file, f"Passphrase for {Path(args.identity).name}: ")
    identity = open_identity(Path(args.identity), passphrase)
    if Path(args.output).resolve() == Path(args.countersigned).resolve():
        raise CaseViewError("The moderation record and the countersigned report must be two different files.")
    with workspace(args) as ws:
        mid = resolve_moderation(ws, args.moderation)
        done = finish_moderation(ws, mid, Path(args.output), Path(args.countersigned), identity=identity,
                                 progress=lambda s: out.progress(s.done, s.total, s.label))
    out.end_progress()
    if out.as_json:
        out.json({"moderation_id": mid, "record": str(done.record), "record_sha256": done.record_sha256,
                  "countersigned": str(done.countersigned), "countersigned_sha256": done.countersigned_sha256,
                  "moderation_sha256": done.moderation_sha256, "reason": done.reason, "moderator": done.moderator})
    else:
        out.line(f"signed the moderation record {done.record} as {done.moderator}")
        out.line(f"countersigned {done.countersigned}: {done.reason}")
    return EXIT_OK


def register(sub, common: argparse.ArgumentParser, limits: argparse.ArgumentParser) -> None:
    """Add the moderate commands to the ``caseview`` parser."""
    mod = sub.add_parser("moderate", help="moderate a signed report and countersign it").add_subparsers(
        dest="moderate_command", metavar="ACTION")
    mod.required = True
    p = mod.add_parser("start", parents=[common], help="start moderating a signed report of a case; prints its id")
    p.add_argument("case", metavar="CASE")
    p.add_argument("report", metavar="REPORT.pdf")
    p.add_argument("--trust", action="append", metavar="CERT.pem", help="also trust this certificate (repeatable)")
    p.set_defaults(func=cmd_start)
    p = mod.add_parser("list", parents=[common], help="list the workspace's moderations")
    p.set_defaults(func=cmd_list)
    p = mod.add_parser("export", parents=[common], help="write a moderation as moderation.json")
    p.add_argument("moderation", metavar="MODERATION")
    p.add_argument("-o", "--output", required=True, metavar="FILE.json")
    p.set_defaults(func=cmd_export)
    p = mod.add_parser("import", parents=[common], help="replace a moderation's verdicts with a moderation.json")
    p.add_argument("moderation", metavar="MODERATION")
    p.add_argument("file", metavar="FILE.json")
    p.set_defaults(func=cmd_import)
    p = mod.add_parser("finish", parents=[common],
                       help="sign the moderation record and countersign the report (both or neither)")
    p.add_argument("moderation", metavar="MODERATION")
    p.add_argument("-o", "--output", required=True, metavar="RECORD.pdf")
    p.add_argument("--countersigned", required=True, metavar="R-moderated.pdf")
    p.add_argument("--identity", required=True, metavar="FILE.p12")
    p.add_argument("--passphrase-file", metavar="FILE")
    p.set_defaults(func=cmd_finish)
