"""Workspace settings: defaults, a round trip, and a damaged file explained."""

from __future__ import annotations

import pytest

from caseview.core.bundle import Limits
from caseview.core.errors import WorkspaceError
from caseview.core.settings import Settings, load_settings, save_settings


def test_defaults_round_trip_and_damage(tmp_path):
    assert load_settings(tmp_path) == Settings()
    save_settings(tmp_path, Settings(Limits(max_documents=20_000)))
    assert load_settings(tmp_path).limits.max_documents == 20_000
    assert load_settings(tmp_path).limits.max_ratio == 100
    assert oct((tmp_path / "settings.json").stat().st_mode & 0o777) == "0o600"
    (tmp_path / "settings.json").write_text('{"limits": {"max_documents": -1}}')
    with pytest.raises(WorkspaceError, match="delete it"):
        load_settings(tmp_path)
