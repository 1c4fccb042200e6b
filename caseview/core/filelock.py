"""An exclusive lock on a file, held by one process at a time and let go by the system when that process dies.

One small interface over the platform's own advisory lock: ``fcntl.flock`` on
POSIX, ``msvcrt.locking`` on the first byte of the lock file on Windows, and
``os.lockf`` where a Python has no ``fcntl`` (the portability suite blocks it),
behind an in-process queue since those locks belong to the process. Each is
imported only on its platform, and only when a lock is first taken, so the core
imports everywhere (a test imports it with ``fcntl`` blocked). Every one of them
is let go by the system when its process dies: a process killed mid-import
leaves nothing to clean up, which is what lets start-up tell a dead import's
debris from a live one's work.
"""

from __future__ import annotations

import os
import sys
import threading
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

else:
    def _fcntl():
        """``fcntl``, or None in a Python without it (the portability suite blocks it to stand in for Windows)."""
        try:
            import fcntl
        except ImportError:
            return None
        return fcntl

    def _try_lock(fd: int) -> bool:
        fcntl = _fcntl()
        try:
            if fcntl is None:
                os.lockf(fd, os.F_TLOCK, 0)
            else:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (BlockingIOError, PermissionError):  # lockf says EAGAIN or EACCES, as the system pleases
            return False
        return True

    def _lock_blocking(fd: int) -> None:
        fcntl = _fcntl()
        if fcntl is None:
            os.lockf(fd, os.F_LOCK, 0)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl = _fcntl()
        if fcntl is None:
            os.lockf(fd, os.F_ULOCK, 0)
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)


def mechanism() -> str:
    """The lock this process takes: ``msvcrt.locking``, ``fcntl.flock``, or ``os.lockf`` where fcntl is missing."""
    if sys.platform == "win32":
        return "msvcrt.locking"
    return "fcntl.flock" if _fcntl() is not None else "os.lockf"


# os.lockf's locks belong to the process, not to the open file: a second open in the same process would be
# granted the lock, and closing it would drop the first holder's. Where it stands in, holders in this process
# queue here first, before the file is even opened.
_HELD: set[str] = set()
_GATE = threading.Condition()


@contextmanager
def _process_gate(path: Path, blocking: bool, patience: float) -> Iterator[bool]:
    if mechanism() != "os.lockf":
        yield True
        return
    key = os.path.realpath(path)
    deadline = None if blocking else time.monotonic() + patience
    with _GATE:
        while key in _HELD:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            _GATE.wait(left)
        got = key not in _HELD
        if got:
            _HELD.add(key)
    try:
        yield got
    finally:
        if got:
            with _GATE:
                _HELD.discard(key)
                _GATE.notify_all()


@contextmanager
def exclusive(path: Path, *, blocking: bool = True, patience: float = 0.0) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` (created 0600 if missing) for the ``with`` block; yields whether it was got.

    A blocking caller waits as long as it takes and always gets ``True``. A
    non-blocking caller tries for up to ``patience`` seconds (a process killed a
    moment ago, and its half-started children, may still be letting go) and then
    gets ``False`` without the lock. Two opens of the same file exclude each
    other even within one process.
    """
    with _process_gate(path, blocking, patience) as free:
        if not free:
            yield False
            return
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
