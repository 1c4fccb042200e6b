"""Render and sign a case's report; verify a signed report."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.errors import CaseViewError
from .common import EXIT_INVALID, EXIT_OK, Output, read_passphrase, workspace


def cmd_report(args, out: Output) -> int:
    from ..core.finalise import produce_report

    identity = None
    if not args.unsigned:
        if not args.identity:
            raise CaseViewError("Signing needs --identity FILE.p12 (or --unsigned for a draft).")
        from ..core.identity import open_identity

        passphrase = read_passphrase(args.passphrase_file, f"Passphrase for {Path(args.identity).name}: ")
        identity = open_identity(Path(args.identity), passphrase)
    with workspace(args) as ws:
        case = ws.resolve_case(args.case)
        outcome = produce_report(ws, case.id, Path(args.output), identity=identity,
                                 progress=lambda s: out.progress(s.done, s.total, s.label))
    out.end_progress()
    for n in outcome.notices:
        out.notice(n)
    if out.as_json:
        out.json({"file": str(outcome.path), "signed": outcome.signed, "sha256": outcome.sha256,
                  "signer": outcome.signer, "certificate_sha256": outcome.fingerprint})
    elif outcome.signed:
        out.line(f"signed {outcome.path} as {outcome.signer}")
        out.line(f"certificate: {outcome.fingerprint}")
    else:
        out.line(f"wrote the unsigned draft {outcome.path}")
    return EXIT_OK


def cmd_verify(args, out: Output) -> int:
    from ..core.identity import load_certificate_pem
    from ..core.trust import trust_roles
    from ..core.verify import verify_report, verify_with_record

    extra = [load_certificate_pem(Path(p)) for p in args.trust or []]
    with workspace(args) as ws:
        # By role: a certificate trusted as a reviewer does not make a countersignature trusted.
        by_role = trust_roles(ws).by_role
    if args.moderation:
        result = verify_with_record(Path(args.file), Path(args.moderation), trusted=extra, trusted_roles=by_role)
    else:
        result = verify_report(Path(args.file), trusted=extra, trusted_roles=by_role)
    if out.as_json:
        out.json(result.to_json(roles=True))
    else:
        for line in result.render_text():
            out.line(line)
    return EXIT_OK if result.ok else EXIT_INVALID


def register(sub, common: argparse.ArgumentParser, limits: argparse.ArgumentParser) -> None:
    """Add the report commands to the ``caseview`` parser."""
    p = sub.add_parser("report", parents=[common], help="render a case's report and sign it")
    p.add_argument("case", metavar="CASE")
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    p.add_argument("--identity", metavar="FILE.p12")
    p.add_argument("--passphrase-file", metavar="FILE")
    p.add_argument("--unsigned", action="store_true", help='an unsigned draft marked "DRAFT — not signed"')
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("verify", parents=[common],
                       help="verify a signed report or moderation record; exit 0 only if all holds")
    p.add_argument("file", metavar="FILE.pdf")
    p.add_argument("--moderation", metavar="RECORD.pdf",
                   help="also check a countersigned report against its moderation record, both ways")
    p.add_argument("--trust", action="append", metavar="CERT.pem", help="also trust this certificate (repeatable)")
    p.set_defaults(func=cmd_verify)
