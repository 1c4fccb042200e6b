"""Search: words, phrases, prefixes, AND/OR/NOT, ranking, and queries that make no sense."""

from __future__ import annotations

import pytest

from caseview.core.errors import SearchError
from caseview.core.importer import import_bundle
from caseview.core.search import compile_query, search

from tests.factory import make_pdf


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


@pytest.fixture
def many(ws, factory):
    """'neglect' on every page: once on the referral's 3 pages, five times on the one page of a later note."""
    files = factory.default_files()
    files["documents/referral.pdf"] = make_pdf([f"Page {i}: neglect was discussed.\nNothing else." for i in (1, 2, 3)])
    files["documents/notes.txt"] = ("neglect neglect neglect neglect neglect; a short note.\n").encode()
    m = factory.default_manifest()
    m["documents"][0]["pages"] = 3
    return import_bundle(ws, factory.build(m, files)).case_id


def test_case_order_is_bundle_order_and_relevance_ranks(ws, many):
    in_bundle = [(d.doc_id, p) for d in ws.documents(many) for p in range(1, d.pages + 1)]
    case = search(ws, many, "neglect")
    assert case.order == "case" and case.total == 4
    assert [(h.doc_id, h.page) for h in case.hits] == [k for k in in_bundle if k[0] in ("D1", "D2")]
    assert [h.ref for h in case.hits] == ["A1", "A2", "A3", "B1"]
    assert all(h.score is None for h in case.hits)

    ranked = search(ws, many, "neglect", order="relevance")
    assert ranked.order == "relevance" and ranked.total == 4
    assert ranked.hits[0].ref == "B1"  # five times on a short page beats once on a longer one
    scores = [h.score for h in ranked.hits]
    assert scores == sorted(scores, reverse=True) and len(set(h.ref for h in ranked.hits)) == 4


@pytest.mark.parametrize("order", ["case", "relevance"])
def test_offset_pages_through_every_hit_once(ws, many, order):
    seen, offset = [], 0
    while True:
        r = search(ws, many, "neglect", limit=3, offset=offset, order=order)
        assert r.total == 4 and r.offset == offset
        if not r.hits:
            break
        assert r.more == 4 - offset - len(r.hits)
        seen += [h.ref for h in r.hits]
        offset += len(r.hits)
    assert sorted(seen) == ["A1", "A2", "A3", "B1"]
    assert search(ws, many, "neglect", limit=10, offset=9, order=order).total == 4  # past the end: total still known


def test_bad_order_limit_or_offset_is_explained(ws, many):
    for kwargs in ({"order": "newest"}, {"limit": 0}, {"offset": -1}):
        with pytest.raises(SearchError):
            search(ws, many, "neglect", **kwargs)


@pytest.fixture
def spread(ws, factory):
    """40 pages: 'visit' on every page, 'kitten' on every seventh, a phrase on every third, ties on every page."""
    files = factory.default_files()
    pages = [f"Page {i}: a home visit was made. " + ("The kitten was seen. " * (1 + i % 3) if i % 7 == 0 else "")
             + ("Seen alone in the kitchen. " if i % 3 == 0 else "") + "Nothing else was noted." for i in range(1, 41)]
    files["documents/referral.pdf"] = make_pdf(pages)
    m = factory.default_manifest()
    m["documents"][0]["pages"] = 40
    return import_bundle(ws, factory.build(m, files)).case_id


@pytest.mark.parametrize("walk", [0, 10 ** 9])
def test_relevance_snippets_are_the_same_however_they_are_read(ws, spread, walk, monkeypatch):
    from caseview.core import page_search

    def one_by_one(q):
        # Each hit's snippet on its own, as relevance order made them before snippets were read in runs.
        out = []
        for h in search(ws, spread, q, limit=50, order="relevance").hits:
            row = ws.conn.execute("SELECT id FROM pages WHERE case_id = ? AND doc_id = ? AND page = ?",
                                  (spread, h.doc_id, h.page)).fetchone()[0]
            raw = ws.conn.execute(f"SELECT {page_search.SNIPPET} FROM pages_fts WHERE pages_fts MATCH ? AND rowid = ?",
                                  (compile_query(q), row)).fetchone()[0]
            out.append((h.ref, raw.replace("\x02", "").replace("\x03", "")))
        return out

    monkeypatch.setattr(page_search, "WALK_MATCHES", walk)  # 0: every hit alone; 10**9: all in one walk
    for q in ["visit", "kitten", '"seen alone"', "kitt*", "kitten OR kitchen", "visit NOT kitten"]:
        r = search(ws, spread, q, limit=50, order="relevance")
        assert r.hits and r.total == len(r.hits)
        assert [(h.ref, h.snippet) for h in r.hits] == [(ref, s.replace("\n", " ").replace("\t", " ").replace("\r", " "))
                                                         for ref, s in one_by_one(q)]
        scores = [h.score for h in r.hits]
        assert scores == sorted(scores, reverse=True)
        # Equal scores come in bundle order, on every run.
        for a, b in zip(r.hits, r.hits[1:]):
            if a.score == b.score:
                assert (a.doc_id, a.page) < (b.doc_id, b.page)
