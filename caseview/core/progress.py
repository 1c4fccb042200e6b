"""A progress and cancel protocol that long core work accepts.

Core functions take ``progress: Progress | None``. They call it with how much is
done; the caller cancels by raising :class:`~caseview.core.errors.Cancelled` from
inside the callback (or by setting the token), so the work unwinds through its
normal clean-up path and leaves nothing half-written.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Protocol

from .errors import Cancelled


@dataclass(frozen=True)
class Step:
    """One progress report: ``done`` of ``total`` units, with what is being worked on."""

    done: int
    total: int
    label: str = ""


class Progress(Protocol):
    def __call__(self, step: Step) -> None: ...


class CancelToken:
    """Set from any thread; the worker notices at its next progress report."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


def reporter(progress: Progress | None, token: CancelToken | None = None) -> Callable[[int, int, str], None]:
    """Adapt an optional callback and token into one function the work calls."""

    def report(done: int, total: int, label: str = "") -> None:
        if token is not None and token.cancelled:
            raise Cancelled()
        if progress is not None:
            progress(Step(done, total, label))

    return report
