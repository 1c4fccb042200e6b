"""Issuers' commands: check a bundle, build one (optionally signing its manifest), scan one for personal data."""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path
from typing import Callable

from ..core.errors import CaseViewError
from .common import EXIT_FOUND, EXIT_OK, Output, limits_from, read_passphrase, workspace

MANIFEST = "manifest.json"  # where a finding in the manifest is placed (caseview.core.bundle.MANIFEST)
REMOVED_HELP = "your private list of what anonymisation removed, one a line (never stored or printed)"


def _reader(args):
    """What ``bundle check`` reads a bundle with: the workspace's frameworks, trusted issuers and limits
    when a workspace is named, else the shipped ones."""
    from ..core.frameworks import load_registry
    from ..core.settings import load_settings

    extra, trusted, base = [], [], None
    if args.workspace or os.environ.get("CASEVIEW_WORKSPACE"):
        with workspace(args) as ws:
            extra, trusted = [ws.root / "frameworks"], ws.trusted_certificates()
            base = load_settings(ws.root).limits
    return dict(limits=limits_from(args, base), registry=load_registry(extra), trusted=trusted)


def cmd_bundle_check(args, out: Output) -> int:
    from ..core.bundle import check_bundle

    try:
        checked = check_bundle(Path(args.bundle), **_reader(args),
                               progress=lambda s: out.progress(s.done, s.total, s.label))
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
    from ..core.bundle_scan import RemovedIdentifiersFound

    removed = _removed_identifiers(args.removed_identifiers)
    signer = None
    if args.sign:
        signer = _bundle_signer(Path(args.sign), args)
    scans = []
    try:
        checked = build_bundle(Path(args.folder), Path(args.output), signer=signer, removed=removed,
                               on_scan=scans.append)
    except RemovedIdentifiersFound as exc:
        if out.as_json:
            out.json({"built": False, "error": str(exc), "scan": scans[0].to_json()})
        else:
            _print_scan(out, scans[0])
        raise
    if out.as_json:
        result = {"output": str(args.output), "fingerprint": checked.fingerprint,
                  "documents": len(checked.manifest.documents), "signed": signer is not None}
        if scans:
            result["scan"] = scans[0].to_json()
        out.json(result)
    else:
        out.line(f"wrote {args.output}")
        out.line(f"fingerprint: {checked.fingerprint}")
    if scans:
        _build_notices(out, scans[0], len(removed))
    return EXIT_OK


def _removed_identifiers(path: str | None):
    """The issuer's list, or None; an empty list is refused, since it would look for nothing."""
    from ..core.pdscan import RemovedIdentifiers

    if not path:
        return None
    removed = RemovedIdentifiers.from_file(path)
    if not len(removed):
        raise CaseViewError(f"The removed-identifiers file {path} lists no identifiers; give the list of what "
                            f"anonymisation removed, or leave --removed-identifiers out.")
    return removed


def _build_notices(out: Output, scan, lines: int) -> None:
    out.notice(f"no removed identifier ({lines} on the list) was found on the {scan.pages} pages searched "
               f"or in the manifest.")
    for item in scan.not_checked:
        out.notice(f"{_not_checked_line(item)}; look at it before sending.")
    if scan.findings:
        kinds = Counter(f.kind for f in scan.findings)
        listed = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        out.notice(f"the detectors found {len(scan.findings)} other possible identifiers ({listed}); "
                   f"caseview bundle scan lists them.")


# --- bundle scan ------------------------------------------------------------------------------------


def cmd_bundle_scan(args, out: Output) -> int:
    from ..core.bundle_scan import scan_bundle
    removed = _removed_identifiers(args.removed_identifiers)
    result = scan_bundle(Path(args.bundle), removed=removed, **_reader(args),
                         progress=lambda s: out.progress(s.done, s.total, s.label))
    out.end_progress()
    if out.as_json:
        out.json(result.to_json())
    else:
        _print_scan(out, result)
        out.line(_summary(result, removed))
    return EXIT_FOUND if result.findings else EXIT_OK


def _finding_line(f) -> str:
    from ..core.bundle_scan import place_of

    return f"{place_of(f)}: {f.kind} {f.masked} ({f.confidence} confidence): {f.reason}"


def _not_checked_line(item: dict) -> str:
    refs = item.get("page_refs", [])
    shown = ", ".join(refs[:6]) + (f" and {len(refs) - 6} more pages" if len(refs) > 6 else "")
    return f"{item['document_id']}{' ' + shown if shown else ''}: {item['reason']}"


def _print_scan(out: Output, result) -> None:
    for f in result.findings:
        out.line(_finding_line(f))
    for item in result.not_checked:
        out.line(_not_checked_line(item))


def _summary(result, removed) -> str:
    also = f"; the {len(removed)} removed identifiers were also looked for in the manifest" if removed else ""
    unread = ""
    if result.not_checked:
        n = len(result.not_checked)
        unread = (f" {n} document{'s were' if n > 1 else ' was'} not checked (listed above): personal data there "
                  f"could not be looked for.")
    if not result.findings:
        return (f"Nothing was found on the {result.pages} pages searched{also}. The detectors recognise only the "
                f"kinds of identifier they know, so this does not show that no personal data remains.{unread}")
    high = sum(1 for f in result.findings if f.confidence == "high")
    pages = len({(f.document_id, f.page_ref) for f in result.findings if f.page_ref != MANIFEST})
    where = f"on {pages} of the {result.pages} pages searched"
    if any(f.page_ref == MANIFEST for f in result.findings):
        where += " and in the manifest"
    return (f"Found {len(result.findings)} possible identifiers ({high} high, {len(result.findings) - high} low "
            f"confidence) {where}{also}.{unread}")


def _bundle_signer(p12: Path, args) -> Callable[[bytes], bytes]:
    from ..core.cms import sign_detached
    from ..core.identity import open_identity

    passphrase = read_passphrase(args.passphrase_file, f"Passphrase for {p12.name}: ")
    ident = open_identity(p12, passphrase)
    return lambda data: sign_detached(data, ident.certificate_der, ident.private_key)


def register(sub, common: argparse.ArgumentParser, limits: argparse.ArgumentParser) -> None:
    """Add the bundle commands to the ``caseview`` parser."""
    bundle = sub.add_parser("bundle", help="check, build or scan case bundles").add_subparsers(
        dest="bundle_command", metavar="ACTION")
    bundle.required = True
    p = bundle.add_parser("check", parents=[common, limits], help="validate a bundle and print its fingerprint")
    p.add_argument("bundle", metavar="BUNDLE")
    p.set_defaults(func=cmd_bundle_check)
    p = bundle.add_parser("build", parents=[common], help="build a bundle from a folder with manifest.json")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("-o", "--output", required=True, metavar="BUNDLE")
    p.add_argument("--sign", metavar="IDENTITY.p12", help="sign manifest.json as the issuer (writes manifest.sig)")
    p.add_argument("--passphrase-file", metavar="FILE")
    p.add_argument("--removed-identifiers", metavar="FILE", help=REMOVED_HELP + "; refuse to build while any is found")
    p.set_defaults(func=cmd_bundle_build)
    p = bundle.add_parser("scan", parents=[common, limits],
                          help="look for personal data that anonymisation missed (exit 3 when something is found)")
    p.add_argument("bundle", metavar="BUNDLE")
    p.add_argument("--removed-identifiers", metavar="FILE", help=REMOVED_HELP)
    p.set_defaults(func=cmd_bundle_scan)
