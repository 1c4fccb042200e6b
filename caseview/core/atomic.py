"""Write a file so that a crash, a full disk or a cancel leaves the old file or the new one, never half of it."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, Callable

from . import winpath
from .errors import FileInUse, PathProblem

# Windows refuses to replace a file another program holds open: a PDF reader showing the last report, or a
# virus scanner or search indexer looking at a file just written, usually for well under a second.
_WINDOWS = sys.platform == "win32"
RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable; best effort where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_file(path: Path | str) -> None:
    """Make a file's bytes durable (Windows flushes only a handle open for writing)."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_file(src: Path | str, dst: Path | str) -> None:
    """``os.replace``, waiting out a program that briefly holds ``dst`` open on Windows.

    When the target is still held after the retries, raises :class:`FileInUse`
    naming it. Elsewhere, and for any other error, the OSError propagates for the
    caller to word (on POSIX a PermissionError means the folder's permissions).
    """
    if not _WINDOWS:
        os.replace(src, dst)
        return
    for delay in (*RETRY_DELAYS, None):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if delay is None:
                break
            time.sleep(delay)
    raise FileInUse(f"{winpath.plain(str(dst))} could not be saved: the file already there is open in another "
                    f"program (a PDF reader, a virus scanner or a search indexer) or is marked read-only; close it "
                    f"and try again.")


def write_atomically(out: Path, data: bytes | Callable[[BinaryIO], None], *, mode: int = 0o644,
                     before_rename: Callable[[], None] | None = None) -> None:
    """A temporary file in the same folder, fsynced, chmodded, renamed over ``out``.

    ``data`` is the bytes, or a function that writes them to the open file. ``before_rename``
    runs last (a cancel point); anything it raises leaves no file behind. OSErrors propagate
    for the caller to word; a target another program holds open raises :class:`FileInUse`.
    On Windows ``mode`` is not applied: there a mode can only mark a file read-only, and the
    per-user folder's ACL is what keeps it private.
    """
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    if _WINDOWS:
        _check_windows_name(out)
        # A report saved deep in a synced folder may pass 260 characters (the temporary name adds 15): the
        # extended-length form lets Windows take it whatever its long-path policy says.
        folder = Path(winpath.extended(str(folder), longer_than=winpath.MAX_PATH - len(out.name) - 20))
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=folder)
    try:
        if not _WINDOWS:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if before_rename is not None:
            before_rename()
        replace_file(tmp, folder / out.name if _WINDOWS else out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(folder)


def _check_windows_name(out: Path) -> None:
    """Refuse, in words, a name Windows would misread (``report:2.pdf`` is a hidden stream of ``report``)."""
    problem = winpath.name_problem(out.name)
    if problem:
        raise PathProblem(f"{out} cannot be saved: {out.name!r} is not a file name Windows accepts ({problem}).")
