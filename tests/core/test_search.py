"""Search: words, phrases, prefixes, AND/OR/NOT, ranking, and queries that make no sense."""

from __future__ import annotations

import pytest

from caseview.core.errors import SearchError
from caseview.core.importer import import_bundle
from caseview.core.search import compile_query, search


@pytest.fixture
def case_id(ws, factory):
    return import_bundle(ws, factory.build()).case_id


def refs(ws, case_id, q):
    return sorted(h.ref for h in search(ws, case_id, q).hits)


def test_word_phrase_prefix(ws, case_id):
    assert refs(ws, case_id, "bruise") == ["A1"]
    assert refs(ws, case_id, '"upper arm"') == ["A1"]
    assert refs(ws, case_id, '"arm upper"') == []
    assert refs(ws, case_id, "safeguard*") == ["A2"]


def test_boolean_operators(ws, case_id):
    assert refs(ws, case_id, "bruise OR attendance") == ["A1", "A2"]
    assert refs(ws, case_id, "bruise AND hungry") == ["A1"]
    assert refs(ws, case_id, "bruise hungry") == ["A1"]
    assert refs(ws, case_id, "(bruise OR attendance) NOT hungry") == ["A2"]


def test_hits_carry_document_page_ref_and_highlighted_snippet(ws, case_id):
    hit = search(ws, case_id, "hungry").hits[0]
    assert (hit.doc_id, hit.title, hit.page, hit.ref) == ("D1", "Referral from school", 1, "A1")
    a, b = hit.highlights[0]
    assert hit.snippet[a:b].lower() == "hungry"


def test_punctuation_cannot_inject_fts_syntax(ws, case_id):
    for q in ["s47:", "C23-4", "Mother's", "a^b", "NEAR(x y)", "col:bruise", "bruise*"]:
        search(ws, case_id, q)  # no exception


@pytest.mark.parametrize("query", ["", "   ", '"unclosed', "(bruise", "bruise)", "NOT bruise", "bruise AND",
                                   "OR bruise"])
def test_bad_queries_are_explained(query):
    with pytest.raises(SearchError):
        compile_query(query)


def test_diacritics_fold(ws, factory):
    files = factory.default_files()
    files["documents/notes.txt"] = "Ymweliad â'r cartref: gŵr ŷd, żółw łódź\n".encode()
    case = import_bundle(ws, factory.build(files=files)).case_id
    assert refs(ws, case, "ymweliad") == ["B1"]
    assert refs(ws, case, "łódź") == ["B1"]
