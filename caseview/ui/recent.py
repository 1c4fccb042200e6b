"""Recent bundles and per-case reading positions: two small JSON files in the workspace folder, written atomically.

They live in the workspace (not in QSettings) because they are case data: which
bundles a reviewer opened and where they were reading. Both files are 0600 like
the database. The functions are Qt-free and take the workspace root; the app
calls them through the workspace runner so that all workspace I/O happens on
its one worker thread.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

RECENT_FILE = "recent.json"
POSITIONS_FILE = "positions.json"
MAX_RECENT = 10


@dataclass(frozen=True)
class RecentBundle:
    path: str
    case_id: str
    reference: str
    opened: str  # UTC ISO time

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def exists(self) -> bool:
        return Path(self.path).is_file()


@dataclass(frozen=True)
class Position:
    """Where the reviewer was reading in a case."""

    doc_id: str
    page: int = 1
    zoom: float | None = None  # only for a chosen zoom ("custom"); fits follow the window
    mode: str | None = None  # the viewer's zoom mode: "fit-width", "fit-page" or "custom"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # missing or damaged: start afresh rather than refuse to open


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` (0600) so that a crash leaves the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # not on Windows with Python 3.12: there the profile's ACL keeps it private
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# -- recent bundles ---------------------------------------------------------------

def load_recent(root: Path) -> list[RecentBundle]:
    data = _read_json(Path(root) / RECENT_FILE)
    out: list[RecentBundle] = []
    if isinstance(data, dict) and isinstance(data.get("bundles"), list):
        for b in data["bundles"]:
            try:
                out.append(RecentBundle(str(b["path"]), str(b["case_id"]), str(b.get("reference", "")),
                                        str(b.get("opened", ""))))
            except (KeyError, TypeError):
                continue
    return out[:MAX_RECENT]


def add_recent(root: Path, path: Path, case_id: str, reference: str) -> list[RecentBundle]:
    """Put ``path`` at the top of the recent list (once) and return the new list."""
    path_s = str(Path(path).resolve())
    entries = [b for b in load_recent(root) if b.path != path_s]
    entries.insert(0, RecentBundle(path_s, case_id, reference, _now()))
    entries = entries[:MAX_RECENT]
    write_json_atomic(Path(root) / RECENT_FILE, {"version": 1, "bundles": [asdict(b) for b in entries]})
    return entries


def forget_recent(root: Path, path: str) -> list[RecentBundle]:
    entries = [b for b in load_recent(root) if b.path != path]
    write_json_atomic(Path(root) / RECENT_FILE, {"version": 1, "bundles": [asdict(b) for b in entries]})
    return entries


# -- reading positions ----------------------------------------------------------------

def load_position(root: Path, case_id: str) -> Position | None:
    data = _read_json(Path(root) / POSITIONS_FILE)
    if not isinstance(data, dict):
        return None
    entry = (data.get("cases") or {}).get(case_id)
    if not isinstance(entry, dict) or not isinstance(entry.get("doc_id"), str):
        return None
    page = entry.get("page")
    zoom = entry.get("zoom")
    mode = entry.get("mode")
    return Position(entry["doc_id"], page if isinstance(page, int) and page > 0 else 1,
                    float(zoom) if isinstance(zoom, (int, float)) and zoom > 0 else None,
                    mode if isinstance(mode, str) else None)


def save_position(root: Path, case_id: str, position: Position) -> None:
    path = Path(root) / POSITIONS_FILE
    data = _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("cases"), dict):
        data = {"version": 1, "cases": {}}
    entry = {"doc_id": position.doc_id, "page": position.page, "saved": _now()}
    if position.zoom is not None:
        entry["zoom"] = position.zoom
    if position.mode is not None:
        entry["mode"] = position.mode
    data["cases"][case_id] = entry
    write_json_atomic(path, data)
