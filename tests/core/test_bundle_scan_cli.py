"""``caseview bundle scan``: exit 0 / 3 / 1, findings by document and page reference, masked, the spec's JSON,
pages and documents not checked, and a hostile bundle refused exactly as ``bundle check`` refuses it."""

from __future__ import annotations

import json

import pytest

from caseview.core.pdscan import mask
from tests.core.hostile import NewDoc, ZipEntry, make_bundle
from tests.core.test_cli import cv
from tests.factory import NOTE_LINES, REFERRAL_PAGES, make_pdf

# Synthetic values: an NHS number from the test range, a fictitious name and street.
NHS = "943 476 5919"
NAME = "Siân O'Callaghan"
FINDING_KEYS = {"kind", "document_id", "page", "page_ref", "start", "end", "masked", "confidence", "reason"}


def planted_files(factory) -> dict[str, bytes]:
    """The factory's default documents with identifiers left in a PDF page and a text note's second page."""
    files = factory.default_files()
    files["documents/referral.pdf"] = make_pdf([REFERRAL_PAGES[0], REFERRAL_PAGES[1] + f"\nNHS number {NHS}"])
    lines = list(NOTE_LINES)
    lines[64] = f"Home visit: {NAME} was at 14 Larkspur Road with Child A."  # line 65: page B2 of the note
    files["documents/notes.txt"] = ("\n".join(lines) + "\n").encode("utf-8")
    return files


def test_a_bundle_with_nothing_found_exits_0_and_says_what_was_not_checked(factory):
    proc = cv("bundle", "scan", factory.build())
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "D3 B4: not checked: no text"  # the drawing: an image, never silently passed
    assert lines[-1].startswith("Nothing was found on the 5 pages searched.")
    assert "does not show that no personal data remains" in lines[-1]
    assert "1 document was not checked" in lines[-1]
    for word in ("anonymised", "anonymized", "clean"):
        assert word not in proc.stdout.lower()


def test_findings_by_document_and_page_masked_exit_3(factory):
    bundle = factory.build(files=planted_files(factory))
    proc = cv("bundle", "scan", bundle)
    assert proc.returncode == 3, proc.stderr
    out = proc.stdout
    assert f"D1 A2: nhs-number {mask(NHS)} (high confidence)" in out
    assert "D2 B2: titled-name" not in out  # no title before the name: the address is what the detectors see
    assert f"D2 B2: address {mask('14 Larkspur Road')} (high confidence)" in out
    assert NHS not in out and "9434765919" not in out and "Larkspur" not in out
    assert out.strip().splitlines()[-1].startswith("Found 2 possible identifiers (2 high, 0 low confidence) on 2 of "
                                                   "the 5 pages searched.")
    assert "clean" not in out.lower() and "anonymised" not in out.lower()


def test_json_is_the_spec_shape(factory):
    files = planted_files(factory)
    files["documents/blank.pdf"] = make_pdf(["Typed page with no identifier.", ""])  # page 2: a scan without text
    files["documents/broken.pdf"] = b"%PDF-1.4\nthis is not really a PDF\n"
    m = factory.default_manifest()
    m["documents"] += [
        {"id": "D4", "path": "documents/blank.pdf", "title": "Form", "section": "A", "date": "2026-02-01"},
        {"id": "D5", "path": "documents/broken.pdf", "title": "Letter", "section": "A", "date": "2026-02-02"},
    ]
    proc = cv("bundle", "scan", factory.build(m, files), "--json")
    assert proc.returncode == 3, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"findings", "not_checked", "pages"}
    assert data["pages"] == 6  # A1, A2, A3 (D4's typed page), B1, B2, B3 (the note); not D4's blank page
    assert all(set(f) == FINDING_KEYS for f in data["findings"])
    assert [(f["kind"], f["document_id"], f["page"], f["page_ref"], f["masked"], f["confidence"])
            for f in data["findings"]] == [
        ("nhs-number", "D1", 2, "A2", mask(NHS), "high"),
        ("address", "D2", 2, "B2", mask("14 Larkspur Road"), "high"),
    ]
    assert all(f["end"] > f["start"] and f["reason"] for f in data["findings"])
    assert data["not_checked"] == [
        {"document_id": "D4", "reason": "not checked: no text", "page_refs": ["A4"]},
        {"document_id": "D5", "reason": "not checked: could not be read (it is damaged or not a valid PDF)",
         "page_refs": ["A5"]},
        {"document_id": "D3", "reason": "not checked: no text", "page_refs": ["B4"]},
    ]


def test_the_removed_identifiers_are_looked_for_too(factory, tmp_path):
    files = planted_files(factory)
    lines = list(NOTE_LINES)
    lines[2] = "SIAN   O CALLAGHAN rang the office."  # capitals, no accent, apostrophe and spacing lost
    lines[3] = "Later ocallaghan said she would come."  # the surname alone, run together
    files["documents/notes.txt"] = ("\n".join(lines) + "\n").encode("utf-8")
    private = tmp_path / "private" / "removed.txt"
    private.parent.mkdir()
    private.write_text(f"{NAME}\n", encoding="utf-8")
    data = json.loads(cv("bundle", "scan", factory.build(files=files), "--json", "--removed-identifiers",
                         private).stdout)
    removed = [(f["page_ref"], f["masked"], f["confidence"]) for f in data["findings"]
               if f["kind"] == "removed-identifier"]
    assert removed == [("B1", mask("SIAN   O CALLAGHAN"), "high"), ("B1", mask("ocallaghan"), "low")]
    assert "Line 1 of the removed-identifiers list." in [f["reason"] for f in data["findings"]]


def test_errors_are_one_sentence_and_exit_1(factory, tmp_path):
    bundle = factory.build()
    proc = cv("bundle", "scan", bundle, "--removed-identifiers", tmp_path / "missing.txt")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith("error: The removed-identifiers file") and "cannot be read" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    proc = cv("bundle", "scan", bundle, "--removed-identifiers", empty)
    assert proc.returncode == 1 and "lists no identifiers" in proc.stderr
    assert cv("bundle", "scan").returncode == 2


HOSTILE = {
    "traversal": dict(add=[NewDoc("../evil.txt", b"Mr Evil lives at 1 Evil Road.\n", "text/plain", id="EVIL")]),
    "unlisted-entry": dict(extra_entries=[ZipEntry("documents/hidden.txt", b"hidden\n")]),
    "altered-document": dict(mutate=lambda m: m["documents"][1].update(sha256="0" * 64)),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_bundle_is_refused_as_check_refuses_it(tmp_path, case):
    bundle = make_bundle(tmp_path / "hostile", **HOSTILE[case])
    check = cv("bundle", "check", bundle)
    scan = cv("bundle", "scan", bundle)
    assert check.returncode == scan.returncode == 1
    assert scan.stderr == check.stderr and scan.stderr.startswith("error: ")
    assert scan.stdout == "" and "Traceback" not in scan.stderr
    assert not (tmp_path / "evil.txt").exists()
