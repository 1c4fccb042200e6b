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


def _inno(path: Path) -> configparser.ConfigParser:
    """An Inno Setup script read as the INI file it is (';' comments, '#' preprocessor lines, repeated keys)."""
    ini = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=(";", "#"),
                                    delimiters=("=",), empty_lines_in_values=False, allow_no_value=True)
    ini.optionxform = str
    ini.read(path, encoding="utf-8")
    return ini


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('""', '"')
    return value


def _entries(iss: str, section: str) -> list[dict[str, str]]:
    """The ``Key: value; Key: "value"`` lines of one section."""
    body = iss.split(f"[{section}]", 1)[1].split("\n[", 1)[0]
    out = []
    for line in body.splitlines():
        if line.strip() and not line.lstrip().startswith(";"):
            pairs = re.findall(r'(\w+):\s*("(?:[^"]|"")*"|[^;]*)', line)
            out.append({k: _unquote(v.strip()) for k, v in pairs})
    return out


def test_windows_installer_is_per_user_and_associates_cvb():
    path = ROOT / "packaging" / "windows" / "caseview.iss"
    ini = _inno(path)
    assert {"Setup", "Languages", "Files", "Icons", "Registry", "Run"} <= set(ini.sections())
    setup = ini["Setup"]
    assert setup["PrivilegesRequired"] == "lowest"  # per user, no administrator rights
    assert setup["PrivilegesRequiredOverridesAllowed"] == "commandline"  # /CURRENTUSER, /ALLUSERS
    assert setup["DefaultDirName"] == "{autopf}\\CaseView"  # %LOCALAPPDATA%\Programs\CaseView per user
    assert setup["ChangesAssociations"] == "yes" and setup["MinVersion"] == "10.0"
    assert setup["SetupIconFile"].endswith("resources\\icons\\caseview.ico")
    assert (ROOT / "resources" / "icons" / "caseview.ico").is_file()

    iss = path.read_text(encoding="utf-8")
    registry = _entries(iss, "Registry")
    assert {e["Root"] for e in registry} == {"HKA"}  # HKCU per user, HKLM only for /ALLUSERS
    by_key = {(e["Subkey"], e["ValueName"]): e["ValueData"] for e in registry}
    assert by_key[("Software\\Classes\\.cvb", "")] == "CaseView.Bundle"
    assert by_key[("Software\\Classes\\.cvb", "Content Type")] == MEDIA_TYPE
    assert by_key[("Software\\Classes\\CaseView.Bundle\\shell\\open\\command", "")] == \
        '"{app}\\caseview-desktop.exe" "%1"'
    icons = _entries(iss, "Icons")
    assert any(e["Name"] == "{autoprograms}\\CaseView" and e["Filename"].endswith("caseview-desktop.exe")
               for e in icons)  # the Start menu entry
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    assert 'f"{NAME}-desktop"' in spec and "caseview-desktop.exe" in iss  # the windowed twin build.spec makes
    install = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    for switch in ("/VERYSILENT", "/SUPPRESSMSGBOXES", "/CURRENTUSER"):
        assert switch in iss and switch in install  # the silent install is documented


def test_macos_app_declares_the_bundle_type():
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    assert '"CFBundleTypeExtensions": ["cvb"]' in spec
    assert f'"public.mime-type": ["{MEDIA_TYPE}"]' in spec


def test_the_hosted_workflow_self_tests_both_builds():
    import yaml

    text = (ROOT / ".github" / "workflows" / "installers.yml").read_text(encoding="utf-8")
    wf = yaml.safe_load(text)
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "workflow_dispatch" in triggers
    jobs = wf["jobs"]
    assert jobs["windows"]["runs-on"].startswith("windows-") and jobs["macos"]["runs-on"].startswith("macos-")

    def runs(job):
        return "\n".join(step.get("run", "") for step in jobs[job]["steps"])

    def uploads(job):
        return [step["with"]["path"] for step in jobs[job]["steps"] if step.get("uses", "").startswith(
            "actions/upload-artifact@")]

    assert runs("windows").count("--self-test") == 2  # the frozen build, then the installed copy
    assert "build.spec" in runs("windows") and "packaging\\windows\\caseview.iss" in runs("windows")
    assert "/VERYSILENT" in runs("windows")
    assert "CaseView.app/Contents/MacOS/caseview --self-test" in runs("macos")
    assert "CFBundleDocumentTypes" in runs("macos") and "hdiutil create" in runs("macos")
    assert uploads("windows") == ["dist/CaseView-*-setup.exe"] and uploads("macos") == ["dist/CaseView-*.dmg"]
    for job in jobs.values():
        python = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
        assert python and python[0]["with"]["python-version"] == "3.12"  # the version the app is tested on
