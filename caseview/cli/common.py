"""What every command shares: output and exit codes, the workspace, limits, passphrases, argument types."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..core.errors import CaseViewError

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
EXIT_FOUND = 3  # bundle scan: something was found (personal-data-scan.md)


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


def error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def workspace(args):
    from ..core.store import open_workspace

    return open_workspace(Path(args.workspace) if args.workspace else None)


def limits_from(args, base=None):
    """The limits for this run: the command-line overrides over ``base`` (default: the spec's)."""
    from ..core.bundle import Limits

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


def read_new_passphrase(path: str | None) -> str:
    if path:
        return read_passphrase(path, "")
    first = read_passphrase(None, "New passphrase (at least 8 characters): ")
    if read_passphrase(None, "The same passphrase again: ") != first:
        raise CaseViewError("The two passphrases differ; nothing was created.")
    return first


def at_least_one(text: str) -> int:
    return whole_number(text, 1)


def at_least_zero(text: str) -> int:
    return whole_number(text, 0)


def whole_number(text: str, least: int) -> int:
    try:
        n = int(text)
    except ValueError:
        n = least - 1
    if n < least:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least {least}, not {text!r}")
    return n
