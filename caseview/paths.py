"""Resource and data folders, the same from a source checkout or a PyInstaller build."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """The shipped ``resources/`` folder: beside the package, or inside the frozen bundle."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def default_workspace(dirs: type | None = None) -> Path:
    """``CASEVIEW_WORKSPACE`` if set, else the platform's per-user data folder.

    Windows: ``%LOCALAPPDATA%\\CaseView``, the *local* application data, never
    the roaming one (a roaming profile would copy case files to a server at every
    sign-out); its ACL, inherited from the user's profile, lets in only that user,
    SYSTEM and the machine's administrators. macOS: ``~/Library/Application
    Support/CaseView``. Linux: ``$XDG_DATA_HOME/CaseView``. ``dirs`` replaces
    platformdirs' class for this platform (tests pass the Windows one).
    """
    env = os.environ.get("CASEVIEW_WORKSPACE", "").strip()
    if env:
        if os.name == "nt":  # set as a plain string in the registry or a policy: %LOCALAPPDATA%\… is not expanded
            env = os.path.expandvars(env.strip('"'))
        return Path(env).expanduser()
    if dirs is None:
        import platformdirs

        dirs = platformdirs.PlatformDirs
    return Path(dirs("CaseView", appauthor=False, roaming=False).user_data_dir)
