"""Write a file so that a crash, a full disk or a cancel leaves the old file or the new one, never half of it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


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


def write_atomically(out: Path, data: bytes | Callable[[BinaryIO], None], *, mode: int = 0o644,
                     before_rename: Callable[[], None] | None = None) -> None:
    """A temporary file in the same folder, fsynced, chmodded, renamed over ``out``.

    ``data`` is the bytes, or a function that writes them to the open file. ``before_rename``
    runs last (a cancel point); anything it raises leaves no file behind. OSErrors propagate
    for the caller to word.
    """
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=folder)
    try:
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
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(folder)
