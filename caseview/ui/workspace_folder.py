"""The workspace folder chosen in Settings: the one value CaseView keeps in QSettings, read at every start.

Kept apart from ``dialogs.settings`` so that reading it at start-up imports only
QtCore, not the Settings dialog and the identity and certificate code behind it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

__all__ = ["WORKSPACE_KEY", "qsettings", "saved_workspace_folder", "set_saved_workspace_folder"]

#: the only value CaseView keeps in QSettings: a folder path, never case content
WORKSPACE_KEY = "workspace"


def qsettings() -> QSettings:
    return QSettings("CaseView", "CaseView")


def saved_workspace_folder(settings: QSettings | None = None) -> Path | None:
    """The workspace folder chosen in Settings, for the app to open at start (None: the default)."""
    value = (settings if settings is not None else qsettings()).value(WORKSPACE_KEY)
    return Path(str(value)) if value else None


def set_saved_workspace_folder(folder: Path | None, settings: QSettings | None = None) -> None:
    s = settings if settings is not None else qsettings()
    if folder is None:
        s.remove(WORKSPACE_KEY)
    else:
        s.setValue(WORKSPACE_KEY, str(folder))
    s.sync()
