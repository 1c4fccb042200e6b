"""The ``caseview`` command line for issuers, commissioners and administrators (no Qt on this path).

Conventions (docs/cli.md): exit 0 on success, 1 when the thing checked is not
valid, 2 for a usage error; errors are one ``error:`` line on standard error;
notices go to standard error so standard output stays parseable; ``--json``
prints a documented shape on standard output.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from .. import __version__
from ..core.errors import CaseViewError
from . import bundle, cases, collect, findings, identity, moderate, report, timeliness, trust
from .common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, Output, error

# Each family adds its own subcommands, in the order ``caseview --help`` lists them.
FAMILIES = (bundle, cases, findings, trust, identity, report, moderate, timeliness, collect)


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
    for family in FAMILIES:
        family.register(sub, common, limits)
    return parser


COMMANDS = ("bundle", "import", "cases", "search", "purge", "findings", "trust", "identity", "report", "verify",
            "moderate", "timeliness", "collect")


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
        error(str(exc))
        return exc.exit_code
    except BrokenPipeError:  # e.g. piped into head: the reader has all it wanted
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        out.end_progress()
        error("interrupted; nothing was left half-written.")
        return 130
    except OSError as exc:
        out.end_progress()
        where = f" ({exc.filename})" if exc.filename else ""
        error(f"{exc.strerror or exc}{where}.")
        return EXIT_INVALID
    except Exception as exc:  # the last line of defence: a sentence, never a traceback
        out.end_progress()
        error(f"CaseView failed unexpectedly ({type(exc).__name__}); nothing was changed by the failed step. "
               f"Please report this.")
        if os.environ.get("CASEVIEW_DEBUG"):
            raise
        return EXIT_INVALID


def main(argv: Sequence[str] | None = None) -> int:
    return run(list(sys.argv[1:] if argv is None else argv))
