"""Every path CaseView builds or accepts, on Windows' terms (``ntpath``, ``PureWindowsPath``), checked on Linux.

The reviewer's user name has an accent and a space (``C:\\Users\\Siân Ó Briain``),
folders are synced and deep, and Windows refuses paths of 260 characters or more
unless long paths are enabled. What is simulated here: the per-user folder
platformdirs picks on Windows, the workspace's longest path, the extended-length
form for one file, file names Windows refuses, the default report and identity
names, and the recent-bundles file. None of it ran on Windows.
"""

from __future__ import annotations

import json
import ntpath
import types
from pathlib import PureWindowsPath

import pytest

from caseview.core import atomic, winpath
from caseview.core.errors import PathProblem, WorkspaceError
from caseview.core.store import LONGEST_INSIDE, Workspace
from caseview.paths import default_workspace

SIAN = "C:\\Users\\Siân Ó Briain"
LOCAL = SIAN + "\\AppData\\Local"


@pytest.fixture
def on_windows(monkeypatch):
    """platformdirs' Windows class answering from a Windows-shaped environment, with ntpath for its joins."""
    import platformdirs.windows as win

    folders = {"CSIDL_LOCAL_APPDATA": LOCAL, "CSIDL_APPDATA": SIAN + "\\AppData\\Roaming",
               "CSIDL_PERSONAL": SIAN + "\\Documents"}
    monkeypatch.setattr(win, "get_win_folder", folders.__getitem__)
    monkeypatch.setattr(win, "os", types.SimpleNamespace(path=ntpath, environ={}, sep="\\"))
    monkeypatch.delenv("CASEVIEW_WORKSPACE", raising=False)
    return win.Windows


# -- the workspace folder ------------------------------------------------------------------------

def test_the_default_workspace_is_the_users_local_app_data(on_windows):
    folder = str(default_workspace(on_windows))
    assert folder == LOCAL + "\\CaseView"  # local, not Roaming: a roaming profile would copy cases to a server
    assert PureWindowsPath(folder).parts[:3] == ("C:\\", "Users", "Siân Ó Briain")
    assert not winpath.too_deep(folder, LONGEST_INSIDE, windows=True, long_paths=False)


def test_caseview_workspace_is_taken_as_given(monkeypatch, tmp_path):
    chosen = tmp_path / "Siân's reviews" / "work space"
    monkeypatch.setenv("CASEVIEW_WORKSPACE", f"  {chosen}  ")
    assert default_workspace() == chosen
    with Workspace(default_workspace(), backup=False) as ws:
        assert ws.root == chosen and (chosen / "caseview.db").is_file()


def _workspace_paths(tmp_path, factory) -> list[str]:
    """Every path, relative to the root, that a workspace holds after an import, a backup and an identity."""
    from caseview.core.identity import create_identity, import_identity
    from caseview.core.importer import import_bundle

    root = tmp_path / "ws"
    with Workspace(root) as ws:
        import_bundle(ws, factory.build())
        ws.backup()
        p12 = tmp_path / "Siân Ó Briain.p12"
        create_identity(p12, name="Siân Ó Briain", organisation="Council", email="sian@example.org",
                        passphrase="correct horse battery")
        import_identity(p12, "correct horse battery", ws.identities_dir)
    return [str(PureWindowsPath(*p.relative_to(root).parts)) for p in root.rglob("*")]


def test_the_longest_path_inside_a_workspace_is_known_and_every_name_is_valid(tmp_path, factory):
    inside = _workspace_paths(tmp_path, factory)
    assert any(p.startswith("blobs\\") for p in inside) and any(p.endswith(".p12") for p in inside)
    # The temporary name of an identity being written (".<fingerprint>.p12.XXXXXXXX.part") is the longest.
    assert max(len(p) for p in inside) + len(".") + len(".abcdefgh.part") <= LONGEST_INSIDE
    for p in inside:
        for part in PureWindowsPath(p).parts:
            assert winpath.name_problem(part) is None, p
    # Under the default folder of a user with a long name, the deepest path stays far below the limit.
    long_user = "C:\\Users\\Siân Ó Briain-Featherstonehaugh\\AppData\\Local\\CaseView"
    assert len(long_user) + 1 + LONGEST_INSIDE < winpath.MAX_PATH - 60


@pytest.mark.parametrize("extra, refused", [(0, False), (1, True)])
def test_too_deep_a_workspace_is_refused_in_words_on_windows(tmp_path, monkeypatch, extra, refused):
    monkeypatch.setattr(winpath, "WINDOWS", True)
    monkeypatch.setattr(winpath, "long_paths_enabled", lambda: False)
    room = winpath.MAX_PATH - 2 - LONGEST_INSIDE - len(str(tmp_path)) - 1
    root = tmp_path / ("Siân " * 40)[:room + extra]
    assert len(str(root)) == winpath.MAX_PATH - 2 - LONGEST_INSIDE + extra
    if not refused:
        Workspace(root, backup=False).close()
        return
    with pytest.raises(WorkspaceError) as caught:
        Workspace(root, backup=False)
    message = str(caught.value)
    assert "too deep for Windows" in message and f"at most {winpath.MAX_PATH - 2 - LONGEST_INSIDE} characters" \
        in message and message.endswith(".")
    assert not root.exists()  # refused before anything was made


def test_with_long_paths_enabled_a_deep_workspace_is_accepted(tmp_path, monkeypatch):
    monkeypatch.setattr(winpath, "WINDOWS", True)
    monkeypatch.setattr(winpath, "long_paths_enabled", lambda: True)
    root = tmp_path / ("Siân " * 40)
    assert winpath.too_deep(str(root), LONGEST_INSIDE) is False
    Workspace(root, backup=False).close()


def test_elsewhere_there_is_no_windows_limit():
    assert winpath.too_deep("/home/" + "x" * 500, LONGEST_INSIDE, windows=False) is False
    assert winpath.long_paths_enabled() is True


# -- one long path: the extended-length form -----------------------------------------------------

def test_a_short_path_is_left_alone():
    short = SIAN + "\\Documents\\K-2024-017 review.pdf"
    assert winpath.extended(short, windows=True) == short
    assert winpath.extended(short, windows=False) == short


def test_a_long_local_path_takes_the_extended_form():
    deep = SIAN + "\\OneDrive - Council\\" + "Independent reviews 2026\\" * 9 + "K-2024-017 review.pdf"
    assert len(deep) >= winpath.MAX_PATH
    ext = winpath.extended(deep, windows=True)
    assert ext == "\\\\?\\" + deep and winpath.plain(ext) == deep
    assert PureWindowsPath(ext).name == "K-2024-017 review.pdf"
    assert winpath.extended(ext, windows=True) == ext  # never twice


def test_a_long_unc_path_takes_the_unc_extended_form_and_is_normalised():
    deep = "\\\\fileserver\\reviews\\" + "Siân Ó Briain/Independent reviews 2026/" * 7 + "case 1.cvb"
    ext = winpath.extended(deep, windows=True)
    assert ext.startswith("\\\\?\\UNC\\fileserver\\reviews\\Siân Ó Briain\\") and "/" not in ext
    assert winpath.plain(ext) == ntpath.normpath(deep)


def test_a_report_path_is_extended_with_room_for_the_temporary_name():
    # atomic.write_atomically extends the folder when folder + name + the temporary suffix would pass 259.
    folder = SIAN + "\\Documents\\" + "x" * (winpath.MAX_PATH - len(SIAN) - 40)
    name = "K-2024-017 review.pdf"
    assert len(folder) + 1 + len(name) < winpath.MAX_PATH  # the report itself would fit...
    longer_than = winpath.MAX_PATH - len(name) - 20
    assert winpath.extended(folder, windows=True, longer_than=longer_than).startswith("\\\\?\\")  # ...its .part not


# -- names Windows refuses ---------------------------------------------------------------------

@pytest.mark.parametrize("name, why", [
    ("CON", "device"), ("con.pdf", "device"), ("Nul .txt", "device"), ("COM1.json", "device"), ("LPT9", "device"),
    ("report:2.pdf", "':'"), ('say "yes".pdf', "'\"'"), ("a|b", "'|'"), ("tab\there", "U+0009"),
    ("review.", "full stop"), ("review ", "space"), ("x" * 256, "256 characters"), ("", "empty"),
])
def test_names_windows_refuses_are_named(name, why):
    assert why in winpath.name_problem(name)


@pytest.mark.parametrize("name", ["CON review.pdf", "Siân Ó Briain certificate.pem", "K-2024-017 review (2).pdf",
                                  "conference.pdf", "COM10.txt", ".caseview.db.abcd.part", "x" * 255])
def test_names_windows_accepts_pass(name):
    assert winpath.name_problem(name) is None


def test_saving_under_a_name_windows_refuses_is_a_sentence_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "_WINDOWS", True)
    out = tmp_path / "report:2.pdf"  # on Windows, a hidden stream "2.pdf" of a file "report"
    with pytest.raises(PathProblem) as caught:
        atomic.write_atomically(out, b"%PDF")
    assert "not a file name Windows accepts (it contains ':')" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


# -- names the app suggests ----------------------------------------------------------------------

@pytest.mark.parametrize("reference", ["K-2024-017", "CON", "NUL.", "A/B:12*?", "Siân’s case", " .. ", "\t",
                                       'K "17" <draft> | copy'])
def test_the_default_report_name_is_valid_on_windows(tmp_path, reference):
    from caseview.ui.dialogs.sign_flow import default_report_path

    suggested = default_report_path(reference, tmp_path)
    assert winpath.name_problem(suggested.name) is None, suggested.name
    assert suggested.name.endswith(" review.pdf")
    under = PureWindowsPath(SIAN, "Documents", suggested.name)
    assert len(str(under)) < winpath.MAX_PATH and under.parent == PureWindowsPath(SIAN + "\\Documents")


def test_identity_file_names_are_plain_ascii_on_windows():
    from caseview.ui.dialogs.identity_wizard import _slug

    for name in ("Siân Ó Briain", "Zoë Ng-Łukasiewicz", "CON", "李小龍", "a" * 80):
        slug = _slug(name)
        assert slug.isascii() and winpath.name_problem(f"{slug}-20261204-101500.p12") is None, name
    assert _slug("Siân Ó Briain") == "sian-o-briain"


# -- the recent-bundles file --------------------------------------------------------------------

def test_recent_bundles_keep_a_windows_path_exactly(tmp_path):
    from caseview.ui import recent

    bundle = SIAN + "\\OneDrive - Council\\Case files\\K-2024-017 (v2).cvb"
    (tmp_path / recent.RECENT_FILE).write_bytes(json.dumps(
        {"version": 1, "bundles": [{"path": bundle, "case_id": "c1", "reference": "K-2024-017",
                                    "opened": "2026-12-04T10:00:00Z"}]}, ensure_ascii=False).encode("utf-8"))
    [entry] = recent.load_recent(tmp_path)
    assert entry.path == bundle
    assert PureWindowsPath(entry.path).name == "K-2024-017 (v2).cvb"


def test_recent_bundles_round_trip_a_non_ascii_path_with_spaces(tmp_path):
    from caseview.ui import recent

    bundle = tmp_path / "Siân Ó Briain" / "case files" / "K 17.cvb"
    bundle.parent.mkdir(parents=True)
    bundle.write_bytes(b"PK")
    recent.add_recent(tmp_path, bundle, "c1", "K 17")
    raw = (tmp_path / recent.RECENT_FILE).read_bytes()
    assert "Siân Ó Briain".encode("utf-8") in raw  # UTF-8 on disk, whatever the locale or code page
    [entry] = recent.load_recent(tmp_path)
    assert entry.path == str(bundle) and entry.name == "K 17.cvb" and entry.exists


def test_the_frozen_windows_program_declares_itself_long_path_aware():
    """PyInstaller's default manifest says longPathAware, so the machine's policy alone decides (checked in the
    installed PyInstaller, since build.spec passes no manifest of its own)."""
    winmanifest = pytest.importorskip("PyInstaller.utils.win32.winmanifest")
    from pathlib import Path

    source = Path(winmanifest.__file__).read_text(encoding="utf-8")
    assert "<longPathAware" in source and ">true</longPathAware>" in source
    spec = (Path(__file__).resolve().parents[2] / "build.spec").read_text(encoding="utf-8")
    assert "manifest=" not in spec
