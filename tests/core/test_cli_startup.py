"""``caseview search`` stays light: a structural guard on what the command imports, not a timing (bench/ has those).

The whole process was ~0.28 s on the 20,000-page case, two thirds of it
imports and the integrity check; now sqlite-utils (only needed to migrate),
importlib.metadata (only for ``--version``), multiprocessing (only in a frozen
build's entry point) and the other command families are left out of it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from caseview import cli
from caseview.core.importer import import_bundle
from caseview.core.store import Workspace

ROOT = Path(__file__).resolve().parents[2]

RUN_AND_LIST = """
import json, sys
from caseview.__main__ import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

#: what a search never needs
NOT_ON_THE_SEARCH_PATH = ("sqlite_utils", "click", "pluggy", "importlib.metadata", "multiprocessing",
                          "caseview.cli.bundle", "caseview.cli.report", "caseview.cli.moderate",
                          "caseview.cli.collect", "caseview.cli.identity", "caseview.core.importer",
                          "caseview.core.bundle", "PySide6")


def test_every_command_is_registered_by_the_family_named_for_it():
    registered: dict[str, str] = {}
    for name in cli.FAMILIES:
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        cli.family(name).register(sub, argparse.ArgumentParser(add_help=False),
                                  argparse.ArgumentParser(add_help=False))
        for command in sub.choices:
            registered[command] = name
    assert registered == cli.FAMILY_OF
    assert set(cli.COMMANDS) == set(registered)


def test_a_search_imports_only_what_it_uses(workspace_dir, factory):
    with Workspace(workspace_dir) as ws:
        case_id = import_bundle(ws, factory.build()).case_id
    proc = subprocess.run([sys.executable, "-c", RUN_AND_LIST, "search", case_id, "bruise", "--workspace",
                           str(workspace_dir), "--limit", "5"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["code"] == 0 and any("bruise" in line.lower() for line in lines[:-1]), proc.stdout[-2000:]
    loaded = set(result["modules"])
    assert "caseview.core.search" in loaded and "caseview.cli.cases" in loaded
    offenders = sorted(m for m in loaded if m in NOT_ON_THE_SEARCH_PATH or m.split(".")[0] in NOT_ON_THE_SEARCH_PATH)
    assert offenders == [], "imported by 'caseview search'; import these where they are used"


def test_version_and_help_still_work():
    version = subprocess.run([sys.executable, "-m", "caseview", "--version"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("CaseView ")
    helped = subprocess.run([sys.executable, "-m", "caseview", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert helped.returncode == 0
    for command in cli.COMMANDS:
        assert command in helped.stdout
