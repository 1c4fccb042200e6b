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
from types import ModuleType
from typing import TYPE_CHECKING

from ..core.errors import CaseViewError
from .common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, Output, error

if TYPE_CHECKING:
    from collections.abc import Sequence

# Each family adds its own subcommands, in the order ``caseview --help`` lists them.
FAMILIES = ("bundle", "cases", "findings", "trust", "identity", "report", "moderate", "timeliness", "collect")
#: the family that registers each command: a command's run imports and registers only its own family
FAMILY_OF = {"bundle": "bundle", "import": "cases", "cases": "cases", "search": "cases", "purge": "cases",
             "findings": "findings", "trust": "trust", "identity": "identity", "report": "report", "verify": "report",
             "moderate": "moderate", "timeliness": "timeliness", "collect": "collect"}


def family(name: str) -> ModuleType:
    """A command family's module. Spelled out, so that PyInstaller and import-linter see every one."""
    if name == "bundle":
        from . import bundle as module
    elif name == "cases":
        from . import cases as module
    elif name == "findings":
        from . import findings as module
    elif name == "trust":
        from . import trust as module
    elif name == "identity":
        from . import identity as module
    elif name == "report":
        from . import report as module
    elif name == "moderate":
        from . import moderate as module
    elif name == "timeliness":
        from . import timeliness as module
    elif name == "collect":
        from . import collect as module
    else:
        raise KeyError(name)
    return module


class _Version(argparse.Action):
    """``--version``, reading the installed metadata only when asked (importlib.metadata is ~40 ms at start-up)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from .. import __version__

        print(f"CaseView {__version__}")
        parser.exit()


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with ``command`` only its family's commands (all a run of that command parses)."""
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
    parser.add_argument("--version", action=_Version, nargs=0, help="show program's version number and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in FAMILIES if command not in FAMILY_OF else (FAMILY_OF[command],):
        family(name).register(sub, common, limits)
    return parser


COMMANDS = tuple(FAMILY_OF)


def run(argv: Sequence[str]) -> int:
    parser = build_parser(argv[0] if argv else None)
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
