"""Workspace settings a reviewer may change: bundle limits. Kept in the workspace, never case content."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .atomic import write_atomically
from .bundle import Limits
from .errors import WorkspaceError

SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class Settings:
    limits: Limits = Limits()


def load_settings(root: Path) -> Settings:
    """Defaults where the file is absent; a damaged file is reported, never half-read."""
    path = Path(root) / SETTINGS_FILE
    if not path.exists():
        return Settings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        raw = data.get("limits", {})
        known = {f.name for f in fields(Limits)}
        values = {k: v for k, v in raw.items() if k in known}
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values.values()):
            raise ValueError("limits must be positive whole numbers")
        return Settings(Limits(**values))
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        raise WorkspaceError(f"The settings file {path} cannot be used ({exc}); delete it to return to the "
                             f"defaults.") from None


def save_settings(root: Path, settings: Settings) -> None:
    text = json.dumps({"limits": asdict(settings.limits)}, indent=2) + "\n"
    try:
        write_atomically(Path(root) / SETTINGS_FILE, text.encode("utf-8"), mode=0o600)
    except OSError as exc:
        raise WorkspaceError(f"The settings could not be saved ({exc.strerror or exc}).") from None
