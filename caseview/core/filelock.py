"""An exclusive lock on a file, held by one process at a time and let go by the system when that process dies.

One small interface over the platform's own advisory lock: ``fcntl.flock`` on
POSIX, ``msvcrt.locking`` on the first byte of the lock file on Windows. Each
is imported only on its platform, and only when a lock is first taken, so the
core imports everywhere (a test imports it with ``fcntl`` blocked). Both locks
belong to an open file: a process killed mid-import lets go of it without
leaving anything to clean up, which is what lets start-up tell a dead import's
debris from a live one's work.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

POLL_SECONDS = 0.05

if sys.platform == "win32":
    import errno

    # msvcrt.locking refuses a byte another handle holds with EACCES (or EDEADLOCK once its own retries ran out).
    _BUSY = {errno.EACCES, getattr(errno, "EDEADLOCK", errno.EDEADLK)}

    def _try_lock(fd: int) -> bool:
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)  # locking() works from the current position
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in _BUSY:
                return False
            raise
        return True

    def _lock_blocking(fd: int) -> None:
        # LK_LOCK gives up after ten one-second tries; poll instead, for as long as it takes.
        while not _try_lock(fd):
            time.sleep(POLL_SECONDS)

    def _unlock(fd: int) -> None:
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    MECHANISM = "msvcrt.locking"
else:
    def _try_lock(fd: int) -> bool:
        import fcntl

        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _lock_blocking(fd: int) -> None:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)

    MECHANISM = "fcntl.flock"


@contextmanager
def exclusive(path: Path, *, blocking: bool = True, patience: float = 0.0) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` (created 0600 if missing) for the ``with`` block; yields whether it was got.

    A blocking caller waits as long as it takes and always gets ``True``. A
    non-blocking caller tries for up to ``patience`` seconds (a process killed a
    moment ago, and its half-started children, may still be letting go) and then
    gets ``False`` without the lock. Two opens of the same file exclude each
    other even within one process.
    """
    fd = os.open(path, os.O_CREAT | os.O_RDWR | getattr(os, "O_BINARY", 0), 0o600)
    try:
        if blocking:
            _lock_blocking(fd)
        else:
            deadline = time.monotonic() + patience
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(POLL_SECONDS)
        try:
            yield True
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
