"""Reviewer identities (PKCS#12): create a self-signed one, import, list, export the certificate."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import EXIT_OK, Output, read_new_passphrase, read_passphrase, workspace


def cmd_identity_create(args, out: Output) -> int:
    from ..core.identity import create_identity, import_identity

    passphrase = read_new_passphrase(args.passphrase_file)
    info = create_identity(Path(args.output), name=args.name, organisation=args.organisation, email=args.email,
                           passphrase=passphrase, key=args.key, valid_days=args.valid_days, write_cert_pem=True,
                           registration=args.registration or "")
    with workspace(args) as ws:
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
            "not_after": info.not_after.isoformat(), "key_type": info.key_type, "path": str(info.path),
            "registration": info.registration or None}


def cmd_identity_import(args, out: Output) -> int:
    from ..core.identity import import_identity

    passphrase = read_passphrase(args.passphrase_file, f"Passphrase for {Path(args.file).name}: ")
    with workspace(args) as ws:
        info = import_identity(Path(args.file), passphrase, ws.identities_dir, overwrite=True)
    out.line(f"imported {info.name}, {info.organisation}")
    out.line(info.fingerprint)
    return EXIT_OK


def cmd_identity_list(args, out: Output) -> int:
    from ..core.identity import list_identities

    with workspace(args) as ws:
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
    from ..core.identity import export_certificate

    passphrase = read_passphrase(args.passphrase_file, f"Passphrase for {Path(args.file).name}: ")
    info = export_certificate(Path(args.file), passphrase, Path(args.output), overwrite=True)
    out.line(f"wrote {args.output}")
    out.line(info.fingerprint)
    return EXIT_OK


def register(sub, common: argparse.ArgumentParser, limits: argparse.ArgumentParser) -> None:
    """Add the identity commands to the ``caseview`` parser."""
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
    p.add_argument("--registration", metavar="TEXT",
                   help="professional registration shown by the report's declaration, "
                        "e.g. 'Social Work England SW123456'")
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
