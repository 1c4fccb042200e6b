"""The SQL of a case's page search: FTS5 over the case's rowid range, in case order or ranked by bm25.

In case order FTS5 walks the case's rowids (bundle order) and stops after the hits
asked for, making their snippets in the same pass: the cost does not grow with the
number of matches. Relevance order must score every match with bm25 before the best
can be chosen (about 2 µs a match, inside FTS5: each page's position lists and its
length), then make the snippets of the hits returned (see _snippets).
"""

from __future__ import annotations

import sqlite3

SNIPPET = "snippet(pages_fts, 0, char(2), char(3), '…', 16)"
_RANK = ("SELECT rowid, bm25(pages_fts) FROM pages_fts WHERE pages_fts MATCH ? AND rowid BETWEEN ? AND ? "
         "ORDER BY 2, 1 LIMIT ? OFFSET ?")
#: A lookup of one page (MATCH with rowid = ?) seeks every term in every segment of the
#: index: 0.25-0.3 ms a page on the 20,000-page case, ~0.9 ms for a prefix. Walking the
#: matches between two hits costs ~0.35 µs a match, more for a phrase (positions are
#: checked). Hits fewer than this many matches apart are read in one walk.
WALK_MATCHES = 300


def page_rows(conn: sqlite3.Connection, case_id: str) -> tuple[int, int] | None:
    row = conn.execute("SELECT first_page_row, last_page_row FROM cases WHERE id = ?", (case_id,)).fetchone()
    return (row[0], row[1]) if row and row[0] is not None else None


def count_matches(conn: sqlite3.Connection, case_id: str, fts_query: str) -> int:
    rows = page_rows(conn, case_id)
    if rows is None:
        return 0
    return conn.execute("SELECT count(*) FROM pages_fts WHERE pages_fts MATCH ? AND rowid BETWEEN ? AND ?",
                        (fts_query, rows[0], rows[1])).fetchone()[0]


def _runs(rowids: list[int], matches: int | None, lo: int, hi: int) -> list[list[int]]:
    """The sorted hit rowids grouped into runs, each read in one walk of the matches between its ends."""
    density = 1.0 if matches is None else matches / max(1, hi - lo + 1)
    runs = [[rowids[0]]]
    for r in rowids[1:]:
        if (r - runs[-1][-1]) * density < WALK_MATCHES:
            runs[-1].append(r)
        else:
            runs.append([r])
    return runs


def _snippets(conn: sqlite3.Connection, fts_query: str, rowids: list[int], matches: int | None, lo: int,
              hi: int) -> dict[int, str]:
    """Snippets of the pages ``rowids``: a run of near ones in one walk (``+rowid`` keeps FTS5 on the range)."""
    out: dict[int, str] = {}
    for run in _runs(sorted(rowids), matches, lo, hi):
        marks = ",".join("?" * len(run))
        out.update(conn.execute(
            f"SELECT rowid, {SNIPPET} FROM pages_fts WHERE pages_fts MATCH ? AND rowid BETWEEN ? AND ? "
            f"AND +rowid IN ({marks})", (fts_query, run[0], run[-1], *run)).fetchall())
    return out


def _ranked(conn: sqlite3.Connection, fts_query: str, lo: int, hi: int, limit: int, offset: int,
            matches: int | None) -> list[tuple[int, str, float]]:
    """(rowid, snippet, bm25) of the hits ``offset`` … ``offset + limit`` best first; ties in rowid order."""
    top = conn.execute(_RANK, (fts_query, lo, hi, limit, offset)).fetchall()
    if not top:
        return []
    texts = _snippets(conn, fts_query, [r for r, _ in top], matches, lo, hi)
    return [(rowid, texts[rowid], rank) for rowid, rank in top]


def search_pages(conn: sqlite3.Connection, case_id: str, fts_query: str, limit: int, *, offset: int = 0,
                 relevance: bool = False, matches: int | None = None) -> list[tuple]:
    """Hits ``offset`` to ``offset + limit``: (doc_id, page, ref, title, snippet with \\x02…\\x03 marks, bm25).

    ``matches`` (the count, when the caller has it) tells relevance order how densely the
    matches lie, for reading the snippets. bm25 is None in case order.
    """
    rows = page_rows(conn, case_id)
    if rows is None:
        return []
    if relevance:
        found = _ranked(conn, fts_query, rows[0], rows[1], limit, offset, matches)
    else:
        # One pass: the snippet is made only for the rows the LIMIT lets through.
        found = conn.execute(
            f"SELECT rowid, {SNIPPET}, NULL FROM pages_fts WHERE pages_fts MATCH ? AND rowid BETWEEN ? AND ? "
            "ORDER BY rowid LIMIT ? OFFSET ?", (fts_query, rows[0], rows[1], limit, offset)).fetchall()
    if not found:
        return []
    where = ",".join("?" * len(found))
    pages = {r[0]: r[1:] for r in conn.execute(
        "SELECT p.id, p.doc_id, p.page, p.ref, d.title FROM pages p JOIN documents d "
        f"ON d.case_id = p.case_id AND d.doc_id = p.doc_id WHERE p.id IN ({where})", [r[0] for r in found])}
    return [(*pages[rowid], text, rank) for rowid, text, rank in found]
