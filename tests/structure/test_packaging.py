"""The installers' descriptions agree with each other and with the bundle format (they cannot be run here)."""

from __future__ import annotations

import configparser
import re
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEDIA_TYPE = "application/vnd.caseview.bundle+zip"  # bundle-format.md, "Container"


def test_linux_desktop_entry_opens_bundles():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(ROOT / "packaging" / "linux" / "caseview.desktop", encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application" and d["Terminal"] == "false"
    assert MEDIA_TYPE in d["MimeType"].split(";")
    assert "%f" in d["Exec"] and "@CASEVIEW@" in d["Exec"]  # the install script puts the real path in


def test_linux_mime_type_claims_cvb():
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    root = ET.parse(ROOT / "packaging" / "linux" / "caseview-mime.xml").getroot()
    kind = root.find("m:mime-type", ns)
    assert kind.get("type") == MEDIA_TYPE
    assert [g.get("pattern") for g in kind.findall("m:glob", ns)] == ["*.cvb"]


def test_make_dist_ships_the_linux_desktop_files():
    assert "cp packaging/linux/* dist/caseview/share/" in (ROOT / "Makefile").read_text(encoding="utf-8")
    script = (ROOT / "packaging" / "linux" / "install-desktop-entry.sh").read_text(encoding="utf-8")
    assert "share/caseview.desktop" in script and "share/caseview-mime.xml" in script


def test_windows_installer_is_per_user_and_associates_cvb():
    iss = (ROOT / "packaging" / "windows" / "caseview.iss").read_text(encoding="utf-8")
    assert re.search(r"^PrivilegesRequired=lowest$", iss, re.M)
    assert re.search(r"^DefaultDirName=\{localappdata\}\\Programs\\CaseView$", iss, re.M)
    assert 'Root: HKCU; Subkey: "Software\\Classes\\.cvb"' in iss
    assert MEDIA_TYPE in iss
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    assert 'f"{NAME}-desktop"' in spec and "caseview-desktop.exe" in iss  # the windowed twin build.spec makes


def test_macos_app_declares_the_bundle_type():
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    assert '"CFBundleTypeExtensions": ["cvb"]' in spec
    assert f'"public.mime-type": ["{MEDIA_TYPE}"]' in spec


def test_the_hosted_workflow_self_tests_both_builds():
    wf = (ROOT / ".github" / "workflows" / "installers.yml").read_text(encoding="utf-8")
    assert re.search(r"runs-on: windows-", wf) and re.search(r"runs-on: macos-", wf)
    assert wf.count("--self-test") >= 3  # the Windows build, the installed copy, the macOS app
    assert "packaging\\windows\\caseview.iss" in wf
