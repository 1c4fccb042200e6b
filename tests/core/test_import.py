"""Import: all or nothing, same bundle same case, new versions, page references, unreadable PDFs."""

from __future__ import annotations

import pytest

from caseview.core.errors import BundleError, Cancelled
from caseview.core.extract import ExtractLimits
from caseview.core.importer import import_bundle
from caseview.core.progress import CancelToken
from caseview.core.search import search
from tests.factory import make_pdf


def test_import_places_pages_and_indexes_text(ws, factory):
    result = import_bundle(ws, factory.build())
    assert result.created
    docs = {d.doc_id: d for d in ws.documents(result.case_id)}
    assert [d.doc_id for d in ws.documents(result.case_id)] == ["D1", "D2", "D3"]
    assert (docs["D1"].range_label, docs["D2"].range_label, docs["D3"].range_label) == ("A1–A2", "B1–B3", "B4")
    hits = search(ws, result.case_id, '"not seen alone"').hits
    assert [(h.doc_id, h.page, h.ref) for h in hits] == [("D2", 2, "B2")]
    assert [h.ref for h in search(ws, result.case_id, "\"78 per cent\"").hits] == ["A2"]


def test_documents_are_stored_under_their_hash_not_archive_names(ws, factory):
    result = import_bundle(ws, factory.build())
    stored = sorted(p.name for p in (ws.root / "blobs").iterdir())
    assert stored == sorted(d.sha256 for d in ws.documents(result.case_id))
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in (ws.root / "blobs").iterdir())


def test_reimport_gives_same_case(ws, factory):
    bundle = factory.build()
    first = import_bundle(ws, bundle)
    again = import_bundle(ws, bundle)
    assert again.case_id == first.case_id and not again.created
    assert len(ws.cases()) == 1


def test_new_version_is_a_new_case_with_a_notice(ws, factory):
    first = import_bundle(ws, factory.build())
    m = factory.default_manifest()
    m["case"]["title"] = "Corrected bundle"
    second = import_bundle(ws, factory.build(m))
    assert second.case_id != first.case_id
    assert any("new version" in n for n in second.notices)
    assert [c.version for c in ws.versions_of(m["bundle_id"])] == [1, 2]


def test_issuer_page_count_difference_is_noticed(ws, factory):
    m = factory.default_manifest()
    m["documents"][0]["pages"] = 5
    result = import_bundle(ws, factory.build(m))
    assert any("issuer counted 5" in n for n in result.notices)


def test_unreadable_pdf_is_marked_and_import_goes_on(ws, factory):
    files = factory.default_files()
    files["documents/referral.pdf"] = b"%PDF-1.7\n" + b"\x00garbage" * 100
    m = factory.default_manifest()
    result = import_bundle(ws, factory.build(m, files))
    d1 = ws.document(result.case_id, "D1")
    assert not d1.readable and d1.pages == 2  # the issuer's count stands in
    assert any("could not be read" in n for n in result.notices)
    assert search(ws, result.case_id, "alone").hits


def test_crashing_pdf_worker_is_contained(ws, factory):
    # An address-space limit too small for the worker to even start makes it die: the parent must carry on.
    limits = ExtractLimits(memory_bytes=4 << 20, page_timeout=20)
    result = import_bundle(ws, factory.build(), extract_limits=limits)
    d1 = ws.document(result.case_id, "D1")
    assert not d1.readable and "crashed" in d1.problem


def test_hanging_pdf_worker_is_killed(ws, factory):
    # No PDF engine answers within zero seconds: the timeout path must kill the worker and go on.
    files = factory.default_files()
    files["documents/referral.pdf"] = make_pdf(["page"] * 400)
    limits = ExtractLimits(page_timeout=0.0, document_timeout=0.0)
    result = import_bundle(ws, factory.build(files=files), extract_limits=limits)
    assert "too long" in ws.document(result.case_id, "D1").problem


def test_cancel_leaves_nothing(ws, factory):
    token = CancelToken()

    def progress(step):
        if step.done >= 1:
            token.cancel()

    with pytest.raises(Cancelled):
        import_bundle(ws, factory.build(), progress=progress, cancel=token)
    assert ws.cases() == []
    assert list((ws.root / "staging").iterdir()) == []


def test_refused_bundle_leaves_nothing(ws, factory):
    m = factory.default_manifest()
    m["documents"][1]["sha256"] = "0" * 64
    folder = factory.folder(m)
    import zipfile
    bad = factory.root / "bad.cvb"
    with zipfile.ZipFile(bad, "w") as zf:
        for p in folder.rglob("*"):
            if p.is_file():
                zf.write(p, p.relative_to(folder).as_posix())
    with pytest.raises(BundleError, match="sha256"):
        import_bundle(ws, bad)
    assert ws.cases() == [] and list((ws.root / "staging").iterdir()) == []
    assert list((ws.root / "blobs").iterdir()) == []


def test_stored_manifest_reads_back_without_the_schema_pass_and_damage_is_still_named(ws, factory):
    from caseview.core.jsonload import JsonFault
    from caseview.core.manifest import parse_manifest, parse_stored_manifest

    case_id = import_bundle(ws, factory.build()).case_id
    stored = ws.manifest_bytes(case_id)
    assert parse_stored_manifest(stored) == parse_manifest(stored)
    damaged = stored.replace(b'"documents"', b'"dokuments"', 1)
    with pytest.raises(JsonFault) as fault:
        parse_stored_manifest(damaged)
    assert fault.value.path == "documents" and fault.value.message == "is missing"
