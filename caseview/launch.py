"""Start the desktop app for a reviewer: parse ``caseview [FILE.cvb] [--demo] [--workspace DIR]``."""

from __future__ import annotations

import argparse
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="caseview", description="CaseView: independent review of case bundles. "
                                "Subcommands (bundle, import, cases, search, findings, trust, purge) are listed by "
                                "'caseview --help'.")
    p.add_argument("bundle", nargs="?", metavar="FILE.cvb", help="import (if new) and open this bundle")
    p.add_argument("--demo", action="store_true", help="open the shipped demo case")
    p.add_argument("--workspace", metavar="DIR")
    return p


def launch(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.bundle and not Path(args.bundle).exists() and not args.bundle.lower().endswith(".cvb"):
        parser.error(f"{args.bundle!r} is neither a command nor a bundle file (see 'caseview --help')")
    from .app import run_app

    return run_app(args)
