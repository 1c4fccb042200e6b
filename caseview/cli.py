"""The ``caseview`` command line for issuers, commissioners and administrators (no Qt on this path).

Conventions (docs/cli.md): exit 0 on success, 1 when the thing checked is not
valid, 2 for a usage error; errors are one ``error:`` line on standard error;
notices go to standard error so standard output stays parseable; ``--json``
prints a documented shape on standard output.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from . import __version__
from .core.errors import CaseViewError

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class Output:
    """Where a command writes: results to stdout, notices and progress to stderr."""

    def __init__(self, as_json: bool = False):
        self.as_json = as_json
        self._bar_shown = False

    def line(self, text: str = "") -> None:
        print(text)

    def json(self, value: Any) -> None:
        print(json.dumps(value, indent=2, ensure_ascii=False))

    def notice(self, text: str) -> None:
        self.end_progress()
        print(f"notice: {text}", file=sys.stderr)

    def progress(self, done: int, total: int, label: str = "") -> None:
        if not sys.stderr.isatty():
            return
        width = 28
        frac = done / total if total else 1.0
        filled = int(width * frac)
        label = (label[:38] + "…") if len(label) > 39 else label
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {int(frac * 100):3d}% {label:<40}")
        sys.stderr.flush()
        self._bar_shown = True

    def end_progress(self) -> None:
        if self._bar_shown:
            sys.stderr.write("\r" + " " * 80 + "\r")
            sys.stderr.flush()
            self._bar_shown = False


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _workspace(args):
    from .core.store import open_workspace

    return open_workspace(Path(args.workspace) if args.workspace else None)


def _limits(args, base=None):
    """The limits for this run: the command-line overrides over ``base`` (default: the spec's)."""
    from .core.bundle import Limits

    if not any((args.max_documents, args.max_document_mib, args.max_total_gib, args.max_ratio)):
        return base
    base = base or Limits()
    return Limits(
        max_documents=args.max_documents or base.max_documents,
        max_document_bytes=(args.max_document_mib << 20) if args.max_document_mib else base.max_document_bytes,
        max_total_bytes=(args.max_total_gib << 30) if args.max_total_gib else base.max_total_bytes,
        max_ratio=args.max_ratio or base.max_ratio,
        ratio_min_bytes=base.ratio_min_bytes,
        max_manifest_bytes=base.max_manifest_bytes,
    )


# -- bundle ------------------------------------------------------------------

def cmd_bundle_check(args, out: Output) -> int:
    from .core.bundle import check_bundle
    from .core.frameworks import load_registry

    from .core.settings import load_settings

    extra, trusted, base = [], [], None
    if args.workspace or os.environ.get("CASEVIEW_WORKSPACE"):
        with _workspace(args) as ws:
            extra, trusted = [ws.root / "frameworks"], ws.trusted_certificates()
            base = load_settings(ws.root).limits
    try:
        checked = check_bundle(Path(args.bundle), limits=_limits(args, base), registry=load_registry(extra),
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
    from .core.build import build_bundle

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
    from .core.cms import sign_detached
    from .core.identity import open_identity

    passphrase = read_passphrase(args.passphrase_file, f"Passphrase for {p12.name}: ")
    ident = open_identity(p12, passphrase)
    return lambda data: sign_detached(data, ident.certificate_der, ident.private_key)


def read_passphrase(path: str | None, prompt: str) -> str:
    """From the first line of a file (its line ending not included), or asked on the terminal."""
    if path:
        try:
            with open(path, encoding="utf-8") as fh:
                return fh.readline().rstrip("\r\n")
        except OSError as exc:
            raise CaseViewError(f"The passphrase file {path} cannot be read ({exc.strerror}).") from None
    if not sys.stdin.isatty():
        raise CaseViewError("A passphrase is needed: give --passphrase-file, or run this on a terminal.")
    import getpass

    return getpass.getpass(prompt)


# -- workspace commands --------------------------------------------------------

def cmd_import(args, out: Output) -> int:
    from .core.importer import import_bundle
    from .core.settings import load_settings

    with _workspace(args) as ws:
        result = import_bundle(ws, Path(args.bundle), limits=_limits(args, load_settings(ws.root).limits),
                               progress=lambda s: out.progress(s.done, s.total, s.label))
    out.end_progress()
    for n in result.notices:
        out.notice(n)
    if out.as_json:
        out.json({"case_id": result.case_id, "created": result.created, "fingerprint": result.bundle.fingerprint,
                  "case_reference": result.bundle.manifest.case.reference, "notices": list(result.notices)})
        return EXIT_OK
    m = result.bundle.manifest
    if result.created:
        out.line(f"imported {m.case.reference}: {len(m.documents)} documents, {len(m.items)} items")
    else:
        out.line(f"already imported: {m.case.reference}")
    out.line(result.case_id)
    return EXIT_OK


def cmd_cases(args, out: Output) -> int:
    from .core.snapshot import case_summaries

    with _workspace(args) as ws:
        rows = [{"case_id": c.id, "reference": c.reference, "version": c.version, "issuer": c.issuer,
                 "framework": c.framework, "status": c.status, "progress": {"done": c.done, "total": c.total},
                 "due": c.due, "imported": c.imported_at, "last_opened": c.opened_at,
                 "fingerprint": c.fingerprint, "bundle_id": c.bundle_id}
                for c in case_summaries(ws)]
    if out.as_json:
        out.json(rows)
        return EXIT_OK
    if not rows:
        out.line("No cases in this workspace yet; 'caseview import BUNDLE' adds one.")
        return EXIT_OK
    out.line(f"{'CASE':<13} {'REFERENCE':<18} {'V':>2} {'STATUS':<8} {'DONE':>7} {'DUE':<10} ISSUER")
    for r in rows:
        p = r["progress"]
        out.line(f"{r['case_id']:<13} {r['reference'][:18]:<18} {r['version']:>2} {r['status']:<8} "
                 f"{p['done']:>3}/{p['total']:<3} {r['due'] or '-':<10} {r['issuer']}")
    return EXIT_OK


def cmd_search(args, out: Output) -> int:
    from .core.search import search

    with _workspace(args) as ws:
        case = ws.resolve_case(args.case)
        result = search(ws, case.id, args.query, limit=args.limit, offset=args.offset, order=args.order)
    if out.as_json:
        out.json({"case_id": case.id, "query": args.query, "order": result.order, "offset": result.offset,
                  "total": result.total,
                  "hits": [{"document_id": h.doc_id, "title": h.title, "page": h.page, "page_ref": h.ref,
                            "snippet": h.snippet, "highlights": [list(s) for s in h.highlights],
                            "score": None if h.score is None else round(h.score, 4)} for h in result.hits]})
        return EXIT_OK
    if not result.hits:
        out.line(f"{result.total} pages match {args.query!r}; none after the first {result.offset}." if result.total
                 else f"No pages match {args.query!r}.")
        return EXIT_OK
    bold = sys.stdout.isatty()
    for h in result.hits:
        out.line(f"{h.ref:<6} {h.doc_id}  {h.title} (page {h.page})")
        out.line(f"       {_mark(h.snippet, h.highlights, bold)}")
    first, last = result.offset + 1, result.offset + len(result.hits)
    which = "in case order" if result.order == "case" else "by relevance"
    out.line(f"{result.total} page{'s' if result.total != 1 else ''} match" +
             (f"; {first}–{last} {which} are shown" if result.total > len(result.hits) else ""))
    return EXIT_OK


def _at_least_one(text: str) -> int:
    return _whole_number(text, 1)


def _at_least_zero(text: str) -> int:
    return _whole_number(text, 0)


def _whole_number(text: str, least: int) -> int:
    try:
        n = int(text)
    except ValueError:
        n = least - 1
    if n < least:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least {least}, not {text!r}")
    return n


def _mark(text: str, spans, bold: bool) -> str:
    start_mark, end_mark = ("\x1b[1m", "\x1b[0m") if bold else ("[", "]")
    out, last = [], 0
    for a, b in spans:
        out += [text[last:a], start_mark, text[a:b], end_mark]
        last = b
    out.append(text[last:])
    return "".join(out)


def cmd_purge(args, out: Output) -> int:
    with _workspace(args) as ws:
        case = ws.resolve_case(args.case)
        if not args.yes:
            if not sys.stdin.isatty():
                raise CaseViewError("Purging needs confirmation: add --yes, or run this on a terminal.")
            answer = input(f"Delete case {case.reference} ({case.id}) and every trace of it, backups included? "
                           f"Type the case id to confirm: ")
            if answer.strip() != case.id:
                out.notice("Nothing was deleted.")
                return EXIT_INVALID
        ws.purge_case(case.id)
    out.line(f"purged {case.id}")
    return EXIT_OK


def cmd_findings_export(args, out: Output) -> int:
    from .core.findings import export_findings, write_findings

    with _workspace(args) as ws:
        case = ws.resolve_case(args.case)
        data = export_findings(ws, case.id)
    write_findings(data, Path(args.output))
    out.line(f"wrote {args.output}")
    return EXIT_OK


def cmd_findings_import(args, out: Output) -> int:
    from .core.findings import import_findings

    with _workspace(args) as ws:
        case = ws.resolve_case(args.case)
        result = import_findings(ws, case.id, Path(args.file), from_previous_version=args.from_previous_version)
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


def cmd_trust_add(args, out: Output) -> int:
    from .core.trust import add_trusted

    with _workspace(args) as ws:
        entry = add_trusted(ws, Path(args.certificate), role=args.role)
    out.line(f"trusted {entry['subject']} as {entry['role']}")
    out.line(entry["fingerprint"])
    return EXIT_OK


def cmd_trust_list(args, out: Output) -> int:
    with _workspace(args) as ws:
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
    with _workspace(args) as ws:
        removed = ws.trust_remove(args.fingerprint)
    if not removed:
        raise CaseViewError(f"No trusted certificate has the fingerprint {args.fingerprint}.")
    out.line(f"removed {args.fingerprint.lower()}")
    return EXIT_OK


# -- identities, reports, verification ------------------------------------------

def cmd_identity_create(args, out: Output) -> int:
    from .core.identity import create_identity, import_identity

    passphrase = read_new_passphrase(args.passphrase_file)
    info = create_identity(Path(args.output), name=args.name, organisation=args.organisation, email=args.email,
                           passphrase=passphrase, key=args.key, valid_days=args.valid_days, write_cert_pem=True)
    with _workspace(args) as ws:
        import_identity(Path(args.output), passphrase, ws.identities_dir, overwrite=True)
    if out.as_json:
        out.json(_identity_json(info))
    else:
        out.line(f"created {args.output} for {info.name}, {info.organisation}")
        out.line(f"certificate: {Path(args.output).with_suffix('.pem')} (give this to whoever verifies your reports)")
        out.line(f"fingerprint: {info.fingerprint}")
    return EXIT_OK


def _identity_json(info) -> dict:
    return {"name": info.name, "organisation": info.organisation, "email": info.email,
            "fingerprint": info.fingerprint, "not_before": info.not_before.isoformat(),
            "not_after": info.not_after.isoformat(), "key_type": info.key_type, "path": str(info.path)}


def cmd_identity_import(args, out: Output) -> int:
    from .core.identity import import_identity

    passphrase = read_passphrase(args.passphrase_file, f"Passphrase for {Path(args.file).name}: ")
    with _workspace(args) as ws:
        info = import_identity(Path(args.file), passphrase, ws.identities_dir, overwrite=True)
    out.line(f"imported {info.name}, {info.organisation}")
    out.line(info.fingerprint)
    return EXIT_OK


def cmd_identity_list(args, out: Output) -> int:
    from .core.identity import list_identities

    with _workspace(args) as ws:
        infos = list_identities(ws.identities_dir)
    if out.as_json:
        out.json([_identity_json(i) for i in infos])
        return EXIT_OK
    if not infos:
        out.line("No identities yet; 'caseview identity create' makes one.")
    for i in infos:
        out.line(f"{i.fingerprint}  {i.name}, {i.organisation} <{i.email}>  valid to {i.not_after:%Y-%m-%d}")
    return EXIT_OK


def cmd_identity_export(args, out: Output) -> int:
    from .core.identity import export_certificate

    passphrase = read_passphrase(args.passphrase_file, f"Passphrase for {Path(args.file).name}: ")
    info = export_certificate(Path(args.file), passphrase, Path(args.output), overwrite=True)
    out.line(f"wrote {args.output}")
    out.line(info.fingerprint)
    return EXIT_OK


def read_new_passphrase(path: str | None) -> str:
    if path:
        return read_passphrase(path, "")
    first = read_passphrase(None, "New passphrase (at least 8 characters): ")
    if read_passphrase(None, "The same passphrase again: ") != first:
        raise CaseViewError("The two passphrases differ; nothing was created.")
    return first


def cmd_report(args, out: Output) -> int:
    from .core.finalise import produce_report

    identity = None
    if not args.unsigned:
        if not args.identity:
            raise CaseViewError("Signing needs --identity FILE.p12 (or --unsigned for a draft).")
        from .core.identity import open_identity

        passphrase = read_passphrase(args.passphrase_file, f"Passphrase for {Path(args.identity).name}: ")
        identity = open_identity(Path(args.identity), passphrase)
    with _workspace(args) as ws:
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
    from .core.identity import load_certificate_pem
    from .core.verify import verify_report

    extra = [load_certificate_pem(Path(p)) for p in args.trust or []]
    with _workspace(args) as ws:
        trusted = ws.trusted_certificates() + extra
    result = verify_report(Path(args.file), trusted=trusted)
    if out.as_json:
        out.json(result.to_json())
    else:
        for line in result.render_text():
            out.line(line)
    return EXIT_OK if result.ok else EXIT_INVALID


# -- parser ----------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", metavar="DIR",
                        help="workspace folder (default: $CASEVIEW_WORKSPACE or the per-user data folder)")
    common.add_argument("--json", action="store_true", help="print a machine-readable result on standard output")
    limits = argparse.ArgumentParser(add_help=False)
    g = limits.add_argument_group("limits (raise them only for a bundle you have reason to trust)")
    g.add_argument("--max-documents", type=int, metavar="N", help="default 10000")
    g.add_argument("--max-document-mib", type=int, metavar="MIB", help="per document, default 1024")
    g.add_argument("--max-total-gib", type=int, metavar="GIB", help="all documents, default 16")
    g.add_argument("--max-ratio", type=int, metavar="N", help="compression ratio for entries over 1 MiB, default 100")

    parser = argparse.ArgumentParser(prog="caseview", description="CaseView: independent review of case bundles.")
    parser.add_argument("--version", action="version", version=f"CaseView {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

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

    p = sub.add_parser("import", parents=[common, limits], help="import a bundle; prints the case id last")
    p.add_argument("bundle", metavar="BUNDLE")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("cases", parents=[common], help="list the workspace's cases")
    p.set_defaults(func=cmd_cases)
    p = sub.add_parser("search", parents=[common], help="full-text search of a case")
    p.add_argument("case", metavar="CASE", help="case id (or a unique prefix, or the case reference)")
    p.add_argument("query", metavar="QUERY", help='words, "phrases", prefix*, AND, OR, NOT, ( )')
    p.add_argument("--limit", type=_at_least_one, default=50, help="hits to show (default 50)")
    p.add_argument("--offset", type=_at_least_zero, default=0, help="skip this many hits first (default 0)")
    p.add_argument("--order", choices=("case", "relevance"), default="case",
                   help="case: bundle order, document then page (default); relevance: best match first")
    p.set_defaults(func=cmd_search)
    p = sub.add_parser("purge", parents=[common], help="delete a case and every trace of it")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_purge)

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
    p.set_defaults(func=cmd_findings_import)

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
    identity = sub.add_parser("identity", help="reviewer identities (PKCS#12)").add_subparsers(
        dest="identity_command", metavar="ACTION")
    identity.required = True
    p = identity.add_parser("create", parents=[common], help="create a self-signed reviewer identity")
    p.add_argument("--name", required=True)
    p.add_argument("--organisation", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("-o", "--output", required=True, metavar="FILE.p12")
    p.add_argument("--key", choices=["ec-p256", "rsa-3072"], default="ec-p256")
    p.add_argument("--valid-days", type=int, default=1095)
    p.add_argument("--passphrase-file", metavar="FILE", help="passphrase on the first line (else asked twice)")
    p.set_defaults(func=cmd_identity_create)
    p = identity.add_parser("import", parents=[common], help="add an organisation-issued .p12 to the workspace")
    p.add_argument("file", metavar="FILE.p12")
    p.add_argument("--passphrase-file", metavar="FILE")
    p.set_defaults(func=cmd_identity_import)
    p = identity.add_parser("list", parents=[common], help="list identities with certificate fingerprints")
    p.set_defaults(func=cmd_identity_list)
    p = identity.add_parser("export-cert", parents=[common], help="write an identity's certificate as PEM")
    p.add_argument("file", metavar="FILE.p12")
    p.add_argument("-o", "--output", required=True, metavar="CERT.pem")
    p.add_argument("--passphrase-file", metavar="FILE")
    p.set_defaults(func=cmd_identity_export)

    p = sub.add_parser("report", parents=[common], help="render a case's report and sign it")
    p.add_argument("case", metavar="CASE")
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    p.add_argument("--identity", metavar="FILE.p12")
    p.add_argument("--passphrase-file", metavar="FILE")
    p.add_argument("--unsigned", action="store_true", help='an unsigned draft marked "DRAFT — not signed"')
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("verify", parents=[common], help="verify a signed report; exit 0 only if all holds")
    p.add_argument("file", metavar="FILE.pdf")
    p.add_argument("--trust", action="append", metavar="CERT.pem", help="also trust this certificate (repeatable)")
    p.set_defaults(func=cmd_verify)
    return parser


COMMANDS = ("bundle", "import", "cases", "search", "purge", "findings", "trust", "identity", "report", "verify")


def run(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    out = Output(as_json=getattr(args, "json", False))
    try:
        return args.func(args, out)
    except CaseViewError as exc:
        out.end_progress()
        _error(str(exc))
        return exc.exit_code
    except BrokenPipeError:  # e.g. piped into head: the reader has all it wanted
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        out.end_progress()
        _error("interrupted; nothing was left half-written.")
        return 130
    except OSError as exc:
        out.end_progress()
        where = f" ({exc.filename})" if exc.filename else ""
        _error(f"{exc.strerror or exc}{where}.")
        return EXIT_INVALID
    except Exception as exc:  # the last line of defence: a sentence, never a traceback
        out.end_progress()
        _error(f"CaseView failed unexpectedly ({type(exc).__name__}); nothing was changed by the failed step. "
               f"Please report this.")
        if os.environ.get("CASEVIEW_DEBUG"):
            raise
        return EXIT_INVALID


def main(argv: Sequence[str] | None = None) -> int:
    return run(list(sys.argv[1:] if argv is None else argv))
