"""Shared fixtures. Qt tests run offscreen; every test gets its own workspace."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from tests.factory import BundleFactory  # noqa: E402


@pytest.fixture
def workspace_dir(tmp_path, monkeypatch):
    root = tmp_path / "workspace"
    monkeypatch.setenv("CASEVIEW_WORKSPACE", str(root))
    return root


@pytest.fixture
def ws(workspace_dir):
    from caseview.core.store import Workspace

    with Workspace(workspace_dir) as w:
        yield w


@pytest.fixture
def factory(tmp_path):
    return BundleFactory(tmp_path / "bundles")
