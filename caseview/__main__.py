"""``python -m caseview`` and the ``caseview`` command: subcommands go to the CLI, anything else to the app."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    if getattr(sys, "frozen", False):
        import multiprocessing

        # Text extraction spawns workers, which a frozen build starts through this same entry point.
        # From source, spawned workers never come here, so a plain run does not pay for the import.
        multiprocessing.freeze_support()
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
