"""``python -m caseview`` and the ``caseview`` command: subcommands go to the CLI, anything else to the app."""

from __future__ import annotations

import multiprocessing
import sys


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()  # text extraction spawns workers, also from a frozen build
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "--self-test":
        from .selftest import main as self_test

        return self_test()
    from .cli import COMMANDS, run

    if args and (args[0] in COMMANDS or args[0] in ("-h", "--help", "--version")):
        return run(args)
    from .launch import launch

    return launch(args)


if __name__ == "__main__":
    sys.exit(main())
