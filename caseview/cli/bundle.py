"""Issuers' commands: check a bundle, build one (optionally signing its manifest)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Callable

from ..core.errors import CaseViewError
from .common import EXIT_OK, Output, limits_from, read_passphrase, workspace


def cmd_bundle_check(args, out: Output) -> int:
    from ..core.bundle import check_bundle
    from ..core.frameworks import load_registry
    from ..core.settings import load_settings

    extra, trusted, base = [], [], None
    if args.workspace or os.environ.get("CASEVIEW_WORKSPACE"):
        with workspace(args) as ws:
            extra, trusted = [ws.root / "frameworks"], ws.trusted_certificates()
            base = load_settings(ws.root).limits
    try:
        checked = check_bundle(Path(args.bundle), limits=limits_from(args, base), registry=load_registry(extra),
                               trusted=trusted, progress=lambda s: out.progress(s.done, s.total, s.label))
    except CaseViewError as exc:
        out.end_progress()
        if out.as_json:
            out.json({"valid": False, "error": str(exc)})
        raise
    out.end_progress()
    m = checked.manifest
    for n in checked.notices:
        out.notice(n)
    if out.as_json:
        out.json({"valid": True, "fingerprint": checked.fingerprint, "bundle_id": m.bundle_id,
                  "format_version": m.format_version, "case_reference": m.case.reference,
                  "issuer": m.issuer_organisation, "issuer_status": checked.issuer_status,
                  "issuer_signer": checked.issuer_signer, "framework": m.framework,
                  "documents": len(m.documents), "items": len(m.items), "events": len(m.chronology),
                  "total_bytes": checked.total_bytes})
        return EXIT_OK
    out.line(f"valid: {args.bundle}")
    out.line(f"fingerprint: {checked.fingerprint}")
    out.line(f"bundle id: {m.bundle_id}")
    out.line(f"case: {m.case.reference} from {m.issuer_organisation}")
    out.line(f"issuer: {checked.issuer_label}")
    out.line(f"framework: {m.framework}")
    out.line(f"contents: {len(m.documents)} documents ({checked.total_bytes:,} bytes), "
             f"{len(m.chronology)} chronology events, {len(m.items)} items to review")
    return EXIT_OK


def cmd_bundle_build(args, out: Output) -> int:
    from ..core.build import build_bundle

    signer = None
    if args.sign:
        signer = _bundle_signer(Path(args.sign), args)
    checked = build_bundle(Path(args.folder), Path(args.output), signer=signer)
    if out.as_json:
        out.json({"output": str(args.output), "fingerprint": checked.fingerprint,
                  "documents": len(checked.manifest.documents), "signed": signer is not None})
    else:
        out.line(f"wrote {args.output}")
        out.line(f"fingerprint: {checked.fingerprint}")
    return EXIT_OK


def _bundle_signer(p12: Path, args) -> Callable[[bytes], bytes]:
    from ..core.cms import sign_detached
    from ..core.identity import open_identity

    passphrase = read_passphrase(args.passphrase_file, f"Passphrase for {p12.name}: ")
    ident = open_identity(p12, passphrase)
    return lambda data: sign_detached(data, ident.certificate_der, ident.private_key)


def register(sub, common: argparse.ArgumentParser, limits: argparse.ArgumentParser) -> None:
    """Add the bundle commands to the ``caseview`` parser."""
    bundle = sub.add_parser("bundle", help="check or build case bundles").add_subparsers(dest="bundle_command",
                                                                                          metavar="ACTION")
    bundle.required = True
    p = bundle.add_parser("check", parents=[common, limits], help="validate a bundle and print its fingerprint")
    p.add_argument("bundle", metavar="BUNDLE")
    p.set_defaults(func=cmd_bundle_check)
    p = bundle.add_parser("build", parents=[common], help="build a bundle from a folder with manifest.json")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("-o", "--output", required=True, metavar="BUNDLE")
    p.add_argument("--sign", metavar="IDENTITY.p12", help="sign manifest.json as the issuer (writes manifest.sig)")
    p.add_argument("--passphrase-file", metavar="FILE")
    p.set_defaults(func=cmd_bundle_build)
