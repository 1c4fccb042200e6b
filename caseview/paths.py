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


def default_workspace() -> Path:
    """``CASEVIEW_WORKSPACE`` if set, else the platform's per-user data folder."""
    env = os.environ.get("CASEVIEW_WORKSPACE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("CaseView", appauthor=False))
