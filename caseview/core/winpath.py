"""Windows' path rules, written against ``ntpath`` so that they are tested on Linux: length limits and names.

Windows refuses a path of 260 characters or more (``MAX_PATH``, counting the
terminating NUL) unless the program says it can handle longer ones *and* the
machine allows them (the "Enable Win32 long paths" policy). A path in the
extended-length form, ``\\\\?\\C:\\…`` or ``\\\\?\\UNC\\server\\share\\…``, is
passed to the file system as it is and may be up to about 32,000 characters
whatever the policy says. CaseView uses that form only where it opens or
replaces one file the reviewer chose (a bundle, a report), because SQLite and
PDFium are not promised to accept it: the workspace folder itself is instead
checked at start against the longest path CaseView makes inside it, and
refused with a sentence when it is too deep.

Non-ASCII and spaces need nothing: Python calls the wide-character (UTF-16)
functions of Windows, so ``C:\\Users\\Siân Ó Briain\\…`` is an ordinary path.
"""

from __future__ import annotations

import ntpath
import sys

WINDOWS = sys.platform == "win32"

#: the longest path Windows accepts without long-path support: 260 including the terminating NUL
MAX_PATH = 260
#: CreateDirectory leaves room for an 8.3 file name (12 characters) inside the folder it makes
MAX_DIR = MAX_PATH - 12
#: the longest file name in one folder (NTFS, and FAT32's long names)
MAX_NAME = 255
#: names Windows keeps for devices, with or without an extension (CON, CON.txt and "con .pdf" alike)
RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                      *(f"COM{i}" for i in "123456789¹²³"), *(f"LPT{i}" for i in "123456789¹²³")})
#: characters no Windows file name may hold (and the ASCII control characters)
FORBIDDEN = frozenset('\\/:*?"<>|') | frozenset(chr(c) for c in range(32))

_PREFIX = "\\\\?\\"


def is_extended(path: str) -> bool:
    return path.startswith(_PREFIX) or path.startswith("\\\\.\\")


def extended(path: str, *, windows: bool | None = None, longer_than: int = MAX_PATH - 1) -> str:
    """``path`` in the extended-length form when, on Windows, it is longer than ``longer_than`` characters.

    The path is made absolute and normalised first (the extended form is taken
    literally: no ``..``, no ``/``). Anything else is returned unchanged, so
    callers may pass every path through it.
    """
    path = str(path)
    if not (WINDOWS if windows is None else windows) or is_extended(path) or len(path) <= longer_than:
        return path
    full = ntpath.normpath(ntpath.abspath(path) if WINDOWS else path)  # tests here pass absolute paths
    if full.startswith("\\\\"):  # \\server\share\… → \\?\UNC\server\share\…
        return _PREFIX + "UNC\\" + full[2:]
    return _PREFIX + full


def plain(path: str) -> str:
    """The ordinary form of a path that may be extended, for messages a reviewer reads."""
    path = str(path)
    if path.startswith(_PREFIX + "UNC\\"):
        return "\\\\" + path[len(_PREFIX) + 4:]
    if path.startswith(_PREFIX):
        return path[len(_PREFIX):]
    return path


def long_paths_enabled() -> bool:
    """Whether this process may use paths of 260 characters and more without the extended form.

    On Windows 10 1607 and later ``RtlAreLongPathsEnabled`` answers for both
    halves (the program's manifest and the machine's policy); elsewhere there
    is no such limit.
    """
    if not WINDOWS:
        return True
    try:
        import ctypes

        return bool(ctypes.WinDLL("ntdll").RtlAreLongPathsEnabled())
    except (OSError, AttributeError):
        return False


def too_deep(folder: str, longest_inside: int, *, windows: bool | None = None,
             long_paths: bool | None = None) -> bool:
    """Whether a path of ``longest_inside`` characters below ``folder`` would pass Windows' limit."""
    if not (WINDOWS if windows is None else windows):
        return False
    if long_paths is None:
        long_paths = long_paths_enabled()
    if long_paths:
        return False
    return len(str(folder)) + 1 + longest_inside >= MAX_PATH


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a file name on Windows, or None when it can."""
    if not name or name in (".", ".."):
        return "it is empty"
    bad = sorted({c for c in name if c in FORBIDDEN})
    if bad:
        shown = " ".join(repr(c) if c.isprintable() else f"U+{ord(c):04X}" for c in bad)
        return f"it contains {shown}"
    if name[-1] in " .":
        return "it ends with a space or a full stop"
    if name.split(".")[0].rstrip(" ").upper() in RESERVED:
        return f"{name.split('.')[0].rstrip(' ')} is a name Windows keeps for a device"
    if len(name) > MAX_NAME:
        return f"it is {len(name)} characters long (at most {MAX_NAME})"
    return None

