"""The Linux build's menu entry and ``.cvb`` MIME type, installed from dist/caseview/share into a throwaway home.

Runs the shipped ``install-desktop-entry.sh`` as a reviewer would (``env -i``,
a temporary ``XDG_DATA_HOME``), then asks GIO (when ``gio`` is installed) what a
``.cvb`` file is, with and without that data folder.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist" / "caseview"
SCRIPT = DIST / "share" / "install-desktop-entry.sh"
MEDIA_TYPE = "application/vnd.caseview.bundle+zip"

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux desktop entry"),
    pytest.mark.skipif(not SCRIPT.is_file(), reason="dist/caseview is not built; run `make dist`"),
    pytest.mark.skipif(shutil.which("update-mime-database") is None, reason="needs shared-mime-info"),
]


def _env(tmp_path: Path, data: bool = True) -> dict[str, str]:
    env = {"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "XDG_DATA_DIRS": "/usr/share"}
    if data:
        env["XDG_DATA_HOME"] = str(tmp_path / "data")
    return env


def test_the_install_script_registers_the_entry_and_the_type(tmp_path):
    run = subprocess.run(["sh", str(SCRIPT)], env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    data = tmp_path / "data"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(data / "applications" / "caseview.desktop", encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Exec"] == f'"{DIST / "caseview"}" %f'  # the real program, quoted, one file
    assert MEDIA_TYPE in d["MimeType"].split(";")
    assert (data / "icons" / "hicolor" / "256x256" / "apps" / "caseview.png").is_file()
    assert (data / "mime" / f"{MEDIA_TYPE}.xml").is_file()
    assert f"80:{MEDIA_TYPE}:*.cvb" in (data / "mime" / "globs2").read_text(encoding="utf-8")

    if shutil.which("gio") is None:
        pytest.skip("gio is not installed: the type was registered but not asked back")
    bundle = tmp_path / "Siân Ó Briain case.cvb"
    shutil.copyfile(ROOT / "resources" / "demo" / "demo-case.cvb", bundle)

    def content_type(env):
        out = subprocess.run(["gio", "info", "-a", "standard::content-type", str(bundle)], env=env,
                             capture_output=True, text=True, timeout=30).stdout
        return [line.split(": ", 1)[1] for line in out.splitlines() if "standard::content-type" in line]

    assert content_type(_env(tmp_path)) == [MEDIA_TYPE]
    assert content_type(_env(tmp_path, data=False)) != [MEDIA_TYPE]  # without it, only a zip
