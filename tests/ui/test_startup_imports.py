"""Start-up stays light: nothing on the way to the first window imports the signing, report or verify code.

A structural guard, not a timing assert (timings live in ``bench/``): pyHanko
(which brings aiohttp), reportlab, and the dialogs and core modules behind
Finalise and sign…, Verify report…, Settings…, Change history… and carry
forward are imported when first used, never by ``import caseview.app`` nor by
building and showing the review window. Each check runs in a fresh interpreter,
since this test process has long imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: third-party packages that only signing, verifying and writing a report need
HEAVY_PACKAGES = ("pyhanko", "reportlab", "aiohttp")
#: CaseView's own modules behind the menu items that need them
LAZY_MODULES = (
    "caseview.core.finalise", "caseview.core.report", "caseview.core.signing", "caseview.core.verify",
    "caseview.ui.dialogs.sign_flow", "caseview.ui.dialogs.verify", "caseview.ui.dialogs.settings",
    "caseview.ui.dialogs.identity_wizard", "caseview.ui.dialogs.passphrase", "caseview.ui.review.history",
    "caseview.ui.dialogs.carry_forward",
)

# What run_app does up to the first window, in a fresh process: the application, the workspace runner, the
# saved workspace folder (read as at every start without --workspace), the review window with its import
# panel, shown and painted. Then the modules loaded by then, as JSON on stdout.
SHOW_WINDOW = """
import json, sys
from pathlib import Path
from PySide6.QtCore import QSettings
import caseview.app as app
qapp = app.create_application()
app.choose_workspace(None)
runner = app.WorkspaceRunner(Path(sys.argv[1]))
controller = app.AppController(runner, QSettings(sys.argv[2], QSettings.IniFormat))
window = controller.review_window()
window.show_import("Opening demo-case.cvb")
window.show()
qapp.processEvents()
loaded = sorted(sys.modules)
window.close()
runner.shutdown()
print(json.dumps(loaded))
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    env.pop("CASEVIEW_WORKSPACE", None)  # so the saved-folder lookup of a plain start is taken too
    return env


def _offenders(modules: set[str]) -> list[str]:
    heavy = [m for m in modules if m.split(".")[0].lower() in HEAVY_PACKAGES]
    return sorted({m.split(".")[0] for m in heavy} | {m for m in LAZY_MODULES if m in modules})


def test_importing_the_app_leaves_signing_and_reports_out(tmp_path):
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import caseview.app"], cwd=ROOT,
                          env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # "import time: self [us] | cumulative | imported package", one line per module, indented by depth
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:") and line.count("|") == 2}
    assert "caseview.app" in imported and "caseview.ui.window.main_window" in imported, proc.stderr[-3000:]
    assert _offenders(imported) == [], "imported by 'import caseview.app'; import these where they are used"


def test_showing_the_review_window_leaves_signing_and_reports_out(tmp_path):
    proc = subprocess.run([sys.executable, "-c", SHOW_WINDOW, str(tmp_path / "workspace"),
                           str(tmp_path / "qsettings.ini")], cwd=ROOT, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    loaded = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert "caseview.ui.window.review_wiring" in loaded and "caseview.ui.viewer.document_viewer" in loaded
    assert _offenders(loaded) == [], "imported before the first window; import these where they are used"
