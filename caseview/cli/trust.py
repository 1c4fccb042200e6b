"""The workspace's list of trusted signers: reviewers, moderators, issuers."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.errors import CaseViewError
from .common import EXIT_OK, Output, workspace


def cmd_trust_add(args, out: Output) -> int:
    from ..core.trust import add_trusted

    with workspace(args) as ws:
        entry = add_trusted(ws, Path(args.certificate), role=args.role)
    out.line(f"trusted {entry['subject']} as {entry['role']}")
    out.line(entry["fingerprint"])
    return EXIT_OK


def cmd_trust_list(args, out: Output) -> int:
    with workspace(args) as ws:
        rows = ws.trust_list()
    if out.as_json:
        out.json(rows)
        return EXIT_OK
    if not rows:
        out.line("Nobody is trusted yet; 'caseview trust add CERT.pem' adds a signer.")
    for r in rows:
        out.line(f"{r['fingerprint']}  {r['role']:<9} {r['subject']}")
    return EXIT_OK


def cmd_trust_remove(args, out: Output) -> int:
    with workspace(args) as ws:
        removed = ws.trust_remove(args.fingerprint)
    if not removed:
        raise CaseViewError(f"No trusted certificate has the fingerprint {args.fingerprint}.")
    out.line(f"removed {args.fingerprint.lower()}")
    return EXIT_OK


def register(sub, common: argparse.ArgumentParser, limits: argparse.ArgumentParser) -> None:
    """Add the trust commands to the ``caseview`` parser."""
    trust = sub.add_parser("trust", help="the workspace's trusted signers").add_subparsers(dest="trust_command",
                                                                                           metavar="ACTION")
    trust.required = True
    p = trust.add_parser("add", parents=[common], help="trust a signer's certificate (PEM or DER)")
    p.add_argument("certificate", metavar="CERT.pem")
    p.add_argument("--role", choices=["issuer", "reviewer", "moderator"], default="issuer")
    p.set_defaults(func=cmd_trust_add)
    p = trust.add_parser("list", parents=[common], help="list trusted signers")
    p.set_defaults(func=cmd_trust_list)
    p = trust.add_parser("remove", parents=[common], help="stop trusting a signer")
    p.add_argument("fingerprint", metavar="FINGERPRINT")
    p.set_defaults(func=cmd_trust_remove)
