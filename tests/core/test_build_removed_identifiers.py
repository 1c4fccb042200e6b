"""``caseview bundle build --removed-identifiers FILE``: any form of a removed identifier refuses the build
(exit 1, no file), naming document and page masked; the list itself is never printed, stored or left behind."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pytest

from caseview.core.build import build_bundle
from caseview.core.bundle_scan import RemovedIdentifiersFound
from caseview.core.pdscan import RemovedIdentifiers, mask
from tests.core.test_cli import cv
from tests.factory import NOTE_LINES, REFERRAL_PAGES, make_pdf

# A fictitious child, address and NHS number (from the NHS test range).
REMOVED = ["Zoë Brontë-Whitfield", "27 Quillon Crescent", "943 476 5919"]


def private_list(tmp_path: Path, lines=REMOVED) -> Path:
    path = tmp_path / "private" / "removed.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def note(**changed: str) -> bytes:
    lines = list(NOTE_LINES)
    for number, text in changed.items():
        lines[int(number.lstrip("_")) - 1] = text
    return ("\n".join(lines) + "\n").encode("utf-8")


def source(factory, *, pdf_pages=None, note_bytes=None, manifest=None) -> Path:
    files = factory.default_files()
    if pdf_pages is not None:
        files["documents/referral.pdf"] = make_pdf(pdf_pages)
    if note_bytes is not None:
        files["documents/notes.txt"] = note_bytes
    return factory.folder(manifest, files)


def refused_build(folder: Path, out: Path, removed: Path, *extra):
    proc = cv("bundle", "build", folder, "-o", out, "--removed-identifiers", removed, *extra)
    assert proc.returncode == 1, proc
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "the bundle was not built" in lines[0]
    assert not out.exists() and list(out.parent.glob(".building-*")) == []
    return proc


# --- every form of a removed identifier refuses ---------------------------------------------------------


FORMS = {
    "as written": "Zoë Brontë-Whitfield",
    "capitals": "ZOË BRONTË-WHITFIELD",
    "no accents": "Zoe Bronte-Whitfield",
    "decomposed accents": unicodedata.normalize("NFD", "Zoë Brontë-Whitfield"),
    "spacing and punctuation": "zoe  bronte whitfield",
    "run together": "ZoeBronteWhitfield",
    "line break inside": "Zoë\nBrontë-Whitfield",
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_form_of_a_name_refuses_the_build(factory, tmp_path, form):
    folder = source(factory, note_bytes=note(_5=f"Visit to {FORMS[form]} today."))
    with pytest.raises(RemovedIdentifiersFound) as caught:
        build_bundle(folder, tmp_path / "out" / "b.cvb", removed=RemovedIdentifiers.from_file(private_list(tmp_path)))
    assert [(f.document_id, f.page_ref, f.confidence) for f in caught.value.findings] == [("D2", "B1", "high")]
    assert "D2 B1" in str(caught.value) and not (tmp_path / "out").exists()


@pytest.mark.parametrize("text", ["Mr BRONTË-WHITFIELD attended.", "brontewhitfield's mother rang",
                                  "NHS No 9434765919", "seen at 27 quillon crescent"])
def test_the_surname_alone_a_number_or_an_address_refuses(factory, tmp_path, text):
    folder = source(factory, note_bytes=note(_70=text))
    with pytest.raises(RemovedIdentifiersFound) as caught:
        build_bundle(folder, tmp_path / "b.cvb", removed=RemovedIdentifiers.from_file(private_list(tmp_path)))
    assert {(f.document_id, f.page_ref) for f in caught.value.findings} == {("D2", "B2")}


def test_the_command_names_document_and_page_masked(factory, tmp_path):
    folder = source(factory, pdf_pages=[REFERRAL_PAGES[0], "Mother: Ms Brontë-Whitfield (low: surname only)"],
                    note_bytes=note(_3="Zoe Bronte-Whitfield was seen."))
    out = tmp_path / "out" / "bundle.cvb"
    proc = refused_build(folder, out, private_list(tmp_path))
    assert "removed identifiers were found 2 times (D1 A2, D2 B1)" in proc.stderr
    assert f"D1 A2: removed-identifier {mask('Brontë-Whitfield')} (low confidence): The surname of line 1" in proc.stdout
    assert f"D2 B1: removed-identifier {mask('Zoe Bronte-Whitfield')} (high confidence): Line 1 " in proc.stdout
    data = json.loads(refused_build(folder, out, private_list(tmp_path), "--json").stdout)
    assert data["built"] is False and data["error"].startswith(str(folder))
    assert set(data["scan"]) == {"findings", "not_checked", "pages"}
    assert [(f["page_ref"], f["confidence"]) for f in data["scan"]["findings"]
            if f["kind"] == "removed-identifier"] == [("A2", "low"), ("B1", "high")]


def test_a_name_in_the_manifest_refuses_too(factory, tmp_path):
    m = factory.default_manifest()
    m["documents"][1]["title"] = "Case notes (Z. Brontë Whitfield)"
    proc = refused_build(source(factory, manifest=m), tmp_path / "b.cvb", private_list(tmp_path))
    assert "(manifest.json)" in proc.stderr
    assert f"manifest.json: removed-identifier {mask('Brontë Whitfield')} (low confidence)" in proc.stdout


def test_a_list_not_found_builds_with_notices_and_json(factory, tmp_path):
    folder = source(factory, note_bytes=note(_4="Call 07700 900 982 after school."))
    out = tmp_path / "out.cvb"
    proc = cv("bundle", "build", folder, "-o", out, "--removed-identifiers", private_list(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and proc.stdout.startswith(f"wrote {out}")
    assert "notice: no removed identifier (3 on the list) was found on the 5 pages searched or in the manifest." \
        in proc.stderr
    assert "notice: D3 B4: not checked: no text; look at it before sending." in proc.stderr
    # the bundle is the same one a build without the list writes: the list never enters it
    plain = tmp_path / "plain.cvb"
    assert cv("bundle", "build", folder, "-o", plain).returncode == 0
    assert plain.read_bytes() == out.read_bytes()
    data = json.loads(cv("bundle", "build", folder, "-o", out, "--json", "--removed-identifiers",
                         private_list(tmp_path)).stdout)
    assert data["signed"] is False and data["scan"]["pages"] == 5
    assert data["scan"]["not_checked"] == [{"document_id": "D3", "reason": "not checked: no text",
                                            "page_refs": ["B4"]}]


def test_an_unusable_list_is_refused_in_one_sentence(factory, tmp_path):
    folder = source(factory)
    bad = private_list(tmp_path, ["Zoë Brontë-Whitfield", "x"])
    proc = cv("bundle", "build", folder, "-o", tmp_path / "b.cvb", "--removed-identifiers", bad)
    assert proc.returncode == 1 and proc.stderr.strip() == (
        "error: Line 2 of the removed-identifiers list has fewer than two letters or digits, which would match "
        "almost anywhere; remove or complete it.")
    assert "Zo" not in proc.stderr and not (tmp_path / "b.cvb").exists()


# --- the list never appears in clear -------------------------------------------------------------------


def clear_forms(value: str) -> set[str]:
    """Ways the clear text could be spelt: case, accents, spacing and punctuation varied."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
    forms = set()
    for v in (value, plain, unicodedata.normalize("NFD", value)):
        for w in (v, v.lower(), v.upper(), v.replace("-", " "), v.replace("-", ""), v.replace(" ", ""),
                  "".join(c for c in v if c.isalnum())):
            forms.update({w, w.lower()})
    words = [w for w in value.replace("-", " ").split() if len(w) >= 5]  # "Brontë", "Whitfield", "Quillon"
    for w in words:
        bare = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
        forms.update({w, w.lower(), bare.lower()})
    return forms


def assert_nowhere(texts: list[str], folders: list[Path]) -> None:
    everything = [t.lower() for t in texts]
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                everything.append(data.decode("utf-8", "replace").lower())
                everything.append(data.decode("utf-16-le", "replace").lower())
                everything.append(path.name.lower())
    for value in REMOVED:
        for form in clear_forms(value):
            for text in everything:
                assert form.lower() not in text, f"a form of removed identifier {REMOVED.index(value) + 1} leaked"


def test_the_clear_text_is_nowhere_in_output_workspace_or_temporary_files(factory, tmp_path):
    folder = source(factory, pdf_pages=[REFERRAL_PAGES[0], "Ms ZOË BRONTË-WHITFIELD, 27 Quillon Crescent"],
                    note_bytes=note(_2="zoe bronte whitfield", _66="NHS 9434765919", _100="Mrs Brontewhitfield"))
    removed = private_list(tmp_path)
    out_dir, ws, tmp = tmp_path / "out", tmp_path / "ws", tmp_path / "tmp"
    tmp.mkdir()
    env_tmp = {"TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp)}
    old = {k: os.environ.get(k) for k in env_tmp}
    os.environ.update(env_tmp)
    try:
        texts = []
        for extra in ((), ("--json",)):
            proc = cv("bundle", "build", folder, "-o", out_dir / "b.cvb", "--removed-identifiers", removed, *extra)
            assert proc.returncode == 1
            texts += [proc.stdout, proc.stderr]
        # the same sources built without the list, then scanned with it against a workspace
        bundle = tmp_path / "unchecked.cvb"
        assert cv("bundle", "build", folder, "-o", bundle).returncode == 0
        for extra in ((), ("--json",)):
            proc = cv("bundle", "scan", bundle, "--workspace", ws, "--removed-identifiers", removed, *extra)
            assert proc.returncode == 3, proc.stderr
            texts += [proc.stdout, proc.stderr]
        findings = json.loads(proc.stdout)["findings"]
        assert {f["page_ref"] for f in findings if f["kind"] == "removed-identifier"} == {"A2", "B1", "B2"}
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert not out_dir.exists()
    assert (ws / "caseview.db").exists()  # the scan opened the workspace, so searching it means something
    assert list(tmp.iterdir()) == []  # the scan's staging copies were removed
    assert_nowhere(texts, [ws, tmp])
