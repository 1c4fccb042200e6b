"""Tuning glibc's malloc for a process's allocation pattern (Linux only; elsewhere nothing is done)."""

from __future__ import annotations

import sys

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3  # glibc's mallopt parameters


def mallopt(*settings: tuple[int, int]) -> bool:
    """Apply ``(parameter, value)`` pairs with glibc's ``mallopt``; False where there is no glibc (Windows,
    macOS, musl), where the allocator's defaults stay."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        call = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    call.argtypes, call.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    for parameter, value in settings:
        call(parameter, value)
    return True
