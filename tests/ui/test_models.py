"""Item models without widgets: rows, roles, sorting and filtering, fed snapshots of the demo case."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import QModelIndex, Qt

from caseview.core.importer import import_bundle
from caseview.core.review import AddAnnotation, Anchor, Annotation, apply, read_state
from caseview.core.search import search
from caseview.core.snapshot import CaseSummary, DocumentView, case_snapshot, case_summaries
from caseview.core.store import Workspace
from caseview.paths import resource
from caseview.ui.models import (AnchorRole, AnnotationsModel, CasesModel, ChronologyModel, DocIdRole, DocIdsRole,
                                DocumentFilterProxy, HtmlRole, IdRole, IndexModel, ItemIdsRole, KindRole,
                                ObjectRole, OrphanedRole, PageRole, ProblemRole, SearchModel, SortRole,
                                annotation_views, cases_proxy, event_type_label, hit_anchor, nice_date, nice_time)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo case imported once for the module: (workspace, case id)."""
    ws = Workspace(tmp_path_factory.mktemp("models") / "workspace", backup=False)
    case_id = import_bundle(ws, resource("demo", "demo-case.cvb")).case_id
    yield ws, case_id
    ws.close()


@pytest.fixture(scope="module")
def snap(demo):
    ws, case_id = demo
    return case_snapshot(ws, case_id)


def _summary(**kw) -> CaseSummary:
    base = dict(id="c1", reference="NS-1", title="Child A", issuer="Northshire", framework="outcome-verification",
                version=1, status="open", done=0, total=9, due="2026-11-30", imported_at="2026-11-01T09:00:00Z",
                opened_at=None, signed_at=None, fingerprint="f" * 64, bundle_id="urn:uuid:1")
    base.update(kw)
    return CaseSummary(**base)


def test_readable_dates_and_types():
    assert nice_date("2026-01-12") == "12 Jan 2026"
    assert nice_date(None) == "" and nice_date("2026") == "2026"
    assert nice_time("2026-11-03T10:00:00Z", today=date(2030, 1, 1)).endswith("Nov 2026")
    assert event_type_label("s47_enquiry_started") == "Section 47 enquiry started"
    assert event_type_label("icpc") == "Initial child protection conference"
    assert event_type_label("family_group_conference") == "Family group conference"
    assert event_type_label(None) == ""


def test_cases_model_rows_roles_and_sorting(qtmodeltester):
    model = CasesModel()
    cases = [_summary(id="a", reference="NS-2", done=3, due="2026-12-01", opened_at="2026-11-02T10:00:00Z"),
             _summary(id="b", reference="NS-1", done=9, due="2026-10-01", status="signed", signed_at="2026-11-05"),
             _summary(id="c", reference="NS-3", version=2, done=0, due=None)]
    model.set_cases(cases)
    qtmodeltester.check(model)
    assert model.rowCount() == 3 and model.columnCount() == 7
    assert [model.headerData(i, Qt.Horizontal) for i in range(7)] == [
        "Reference", "Issuer", "Framework", "Status", "Progress", "Due", "Last opened"]
    row = [model.index(0, c).data() for c in range(7)]
    assert row[0] == "NS-2" and row[2] == "Outcome verification" and row[3] == "In review"
    assert row[4] == "3 of 9" and row[5] == "1 Dec 2026"
    assert model.index(1, 3).data() == "Signed 5 Nov 2026"
    assert model.index(2, 0).data() == "NS-3 (v2)" and model.index(2, 3).data() == "New"
    assert model.index(2, 6).data() == "Never"
    assert model.index(0, 0).data(IdRole) == "a"

    proxy = cases_proxy(model)
    proxy.sort(4, Qt.DescendingOrder)  # progress, by fraction done
    assert [proxy.index(r, 0).data(IdRole) for r in range(3)] == ["b", "a", "c"]
    proxy.sort(5, Qt.AscendingOrder)  # due date, missing last
    assert [proxy.index(r, 0).data(IdRole) for r in range(3)] == ["b", "a", "c"]
    proxy.sort(0, Qt.AscendingOrder)
    assert [proxy.index(r, 0).data(IdRole) for r in range(3)] == ["b", "a", "c"]
    proxy.setFilterFixedString("ns-3")
    assert proxy.rowCount() == 1


def test_cases_model_from_the_workspace(demo):
    ws, case_id = demo
    model = CasesModel()
    model.set_cases(case_summaries(ws))
    assert model.index(0, 0).data() == "NS-2026-0147"
    assert model.index(0, 0).data(IdRole) == case_id
    assert model.index(0, 1).data() == "Northshire Council Children's Services"


def test_index_model_sections_documents_and_ranges(qtmodeltester, snap):
    model = IndexModel()
    model.set_index(snap.sections, snap.documents)
    qtmodeltester.check(model)
    assert model.rowCount() == 4
    a = model.index(0, 0)
    assert a.data(KindRole) == "section" and a.data() == "A  Referral and enquiries"
    assert model.index(0, 1).data() == "A1–A15"
    assert model.rowCount(a) == 6
    first = model.index(0, 0, a)
    assert first.data(KindRole) == "document" and first.data(DocIdRole) == "DOC01"
    assert [model.index(0, c, a).data() for c in range(4)] == [
        "Multi-agency referral form from the school", "A1–A3", "12 Jan 2026", "Designated safeguarding lead"]
    b = model.index(1, 0)
    assert model.index(0, 1, b).data() == "B1–B3"
    assert "B1–B3" in model.index(0, 0, b).data(HtmlRole)
    assert model.parent(first) == a
    assert model.document_index("DOC06").data(DocIdRole) == "DOC06"
    assert not model.document_index("nope").isValid()
    single = model.index(0, 1, model.index(3, 0))  # section D: one single-page image
    assert single.data() == "D1"


def test_index_model_marks_unreadable_documents(snap):
    docs = list(snap.documents)
    docs[0] = DocumentView(replace(docs[0].row, problem="the PDF engine stopped responding"), docs[0].path)
    model = IndexModel()
    model.set_index(snap.sections, docs)
    doc = model.index(0, 0, model.index(0, 0))
    assert doc.data(ProblemRole) == "the PDF engine stopped responding"
    assert "Could not be read" in doc.data(HtmlRole) and "⚠" in doc.data(HtmlRole)
    assert "could not be read" in doc.data(Qt.AccessibleTextRole)
    assert "stopped responding" in doc.data(Qt.ToolTipRole)
    ok = model.index(1, 0, model.index(0, 0))
    assert ok.data(ProblemRole) is None and "Could not be read" not in ok.data(HtmlRole)
    changed = []
    model.dataChanged.connect(lambda a, b: changed.append(a.data(DocIdRole)))
    assert model.mark_problem("DOC02", "the PDF engine crashed")  # found out while viewing
    assert changed == ["DOC02"] and ok.data(ProblemRole) == "the PDF engine crashed"
    assert not model.mark_problem("DOC02", "again") and not model.mark_problem("nope", "x")


def test_chronology_model_is_date_ordered_and_linked(qtmodeltester, snap):
    model = ChronologyModel()
    model.set_chronology(tuple(reversed(snap.chronology)), snap.documents)
    qtmodeltester.check(model)
    assert model.rowCount() == len(snap.chronology)
    dates = [model.index(r, 0).data(SortRole) for r in range(model.rowCount())]
    assert dates == sorted(dates)
    first = model.index(0, 0)
    assert first.data() == "12 Jan 2026"
    assert model.index(0, 1).data() == "Referral"
    assert model.index(0, 3).data() == "A1–A3"
    assert first.data(DocIdsRole) == ("DOC01",) and first.data(DocIdRole) == "DOC01"
    assert first.data(ItemIdsRole) == ("K1",)
    assert "Referral" in first.data(HtmlRole) and "K1" in first.data(HtmlRole)
    types = {model.index(r, 1).data() for r in range(model.rowCount())}
    assert not any("_" in t for t in types)


def test_search_model_hits_snippets_and_anchors(qtmodeltester, demo):
    ws, case_id = demo
    result = search(ws, case_id, '"seen alone"')
    model = SearchModel()
    model.set_result(result)
    qtmodeltester.check(model)
    assert model.rowCount() == len(result.hits) > 0 and model.total == result.total
    hit = result.hits[0]
    index = model.index(0, 0)
    assert index.data() == hit.ref and model.index(0, 1).data() == hit.title
    assert index.data(DocIdRole) == hit.doc_id and index.data(PageRole) == hit.page
    assert "<b>seen alone</b>" in index.data(HtmlRole).lower()
    anchor = index.data(AnchorRole)
    assert anchor.doc_id == hit.doc_id and anchor.page == hit.page and anchor.exact.lower() == "seen alone"
    assert len(anchor.prefix) <= 32 and len(anchor.suffix) <= 32 and "…" not in anchor.prefix + anchor.suffix
    model.set_result(None)
    assert model.rowCount() == 0


def test_hit_anchor_escapes_markup_free_snippets():
    from caseview.core.search import Hit

    hit = Hit("D1", "Notes", 2, "A2", "…Mother <said> bruise…", ((15, 21),), 1.0)
    assert hit_anchor(hit).exact == "bruise"
    model = SearchModel()
    from caseview.core.search import SearchResult

    model.set_result(SearchResult("bruise", (hit,), 1))
    assert "&lt;said&gt;" in model.index(0, 0).data(HtmlRole)
    assert hit_anchor(replace(hit, highlights=())).exact is None


def test_annotations_resolve_or_are_orphaned_never_moved(qtmodeltester, tmp_path):
    ws = Workspace(tmp_path / "ws", backup=False)
    try:
        case_id = import_bundle(ws, resource("demo", "demo-case.cvb")).case_id
        text = ws.page_text(case_id, "DOC06", 1)
        quote = "This conference is outside that timescale."
        assert quote in " ".join(text.split())
        good = Annotation("A1", Anchor("DOC06", 1, quote), "late ICPC", "Concern", "2026-11-02T10:00:00Z")
        lost = Annotation("A2", Anchor("DOC06", 2, "words that are on no page"), "", "Note", "2026-11-02T11:00:00Z")
        whole = Annotation("A3", Anchor("DOC01", 1), "whole page", "Question", "2026-11-02T12:00:00Z")
        for a in (good, lost, whole):
            apply(ws, case_id, AddAnnotation(a))
        snap = case_snapshot(ws, case_id)
        views = annotation_views(ws, case_id, read_state(ws, case_id).annotations, snap.documents)
    finally:
        ws.close()
    by_id = {v.id: v for v in views}
    assert not by_id["A1"].orphaned and by_id["A2"].orphaned and not by_id["A3"].orphaned
    assert by_id["A2"].anchor == lost.anchor  # shown as orphaned where it was, not moved
    assert by_id["A1"].ref == "B1" and by_id["A2"].ref == "B2" and by_id["A3"].ref == "A1"

    model = AnnotationsModel()
    model.set_annotations(views)
    qtmodeltester.check(model)
    assert [model.index(r, 0).data() for r in range(3)] == ["A1", "B1", "B2"]  # bundle order
    row = model.row_of("A2")
    index = model.index(row, 0)
    assert index.data(OrphanedRole) is True and "Orphaned" in index.data(HtmlRole)
    assert "orphaned" in index.data(Qt.AccessibleTextRole)
    assert model.index(row, 2).data() == "words that are on no page"
    assert model.index(model.row_of("A3"), 2).data() == "(whole page)"
    assert model.index(model.row_of("A1"), 1).data() == "Concern"
    assert model.index(model.row_of("A1"), 0).data(ObjectRole).annotation.note == "late ICPC"

    proxy = DocumentFilterProxy()
    proxy.setSourceModel(model)
    assert proxy.rowCount() == 3
    proxy.set_document("DOC06")
    assert proxy.rowCount() == 2
    assert {proxy.index(r, 0).data(IdRole) for r in range(2)} == {"A1", "A2"}
    proxy.set_document(None)
    assert proxy.rowCount() == 3


def test_models_reset_cleanly_to_empty():
    for model, setter in ((CasesModel(), "set_cases"), (AnnotationsModel(), "set_annotations")):
        getattr(model, setter)([])
        assert model.rowCount() == 0 and model.data(model.index(0, 0)) is None
    index = IndexModel()
    index.set_index((), ())
    assert index.rowCount() == 0 and index.rowCount(QModelIndex()) == 0
