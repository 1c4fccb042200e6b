"""Full-text search over a case's pages: a forgiving query language compiled to safe FTS5.

Reviewers type words, "quoted phrases", prefixes (``neglect*``), AND / OR / NOT
and parentheses. Every term is quoted before it reaches FTS5, so punctuation in
a query (``s47``, ``C23-4``, ``Mother's``) can never become FTS5 syntax; a query
that cannot be understood is a :class:`SearchError` with a sentence, never an
SQLite error.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from .errors import SearchError
from .store import Workspace

_TOKEN = re.compile(r'\s*(?:(")((?:[^"])*)"|(\()|(\))|([^\s()"]+))')
_OPS = {"AND", "OR", "NOT"}


@dataclass(frozen=True)
class Hit:
    doc_id: str
    title: str
    page: int
    ref: str
    snippet: str  # plain text
    highlights: tuple[tuple[int, int], ...]  # [start, end) spans of snippet that matched
    score: float | None  # bm25 relevance (higher is better) when ranked; None in case order


#: Result orders: "case" lists hits in bundle order (document, then page), as a reader
#: meets them; "relevance" ranks by bm25, which must score every match first.
ORDERS = ("case", "relevance")


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: tuple[Hit, ...]  # hits offset … offset + len(hits) - 1 of ``total``
    total: int  # pages that match
    order: str = "case"
    offset: int = 0

    @property
    def more(self) -> int:
        """How many matching pages come after these hits."""
        return max(0, self.total - self.offset - len(self.hits))


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def compile_query(query: str) -> str:
    """Turn the reviewer's query into an FTS5 expression; raise SearchError if it makes no sense."""
    out: list[str] = []
    pos = 0
    depth = 0
    expect_operand = True
    text = query.strip()
    if not text:
        raise SearchError("Type something to search for.")
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SearchError(f"The search {query!r} has an unclosed quotation mark.")
        pos = m.end()
        phrase, lpar, rpar, word = m.group(2), m.group(3), m.group(4), m.group(5)
        if m.group(1):
            words = phrase.split()
            if not words:
                continue
            if not expect_operand:
                out.append("AND")
            out.append(_quote(" ".join(words)))
            expect_operand = False
        elif lpar:
            if not expect_operand:
                out.append("AND")
            out.append("(")
            depth += 1
            expect_operand = True
        elif rpar:
            if depth == 0 or expect_operand:
                raise SearchError(f"The search {query!r} has a bracket that does not match.")
            out.append(")")
            depth -= 1
        elif word in _OPS:
            if expect_operand:
                if word == "NOT" and not out:
                    raise SearchError("A search cannot start with NOT; say what to look for first (e.g. bruise NOT arm).")
                raise SearchError(f"The search {query!r} has {word} where a word was expected.")
            out.append(word)
            expect_operand = True
        else:
            prefix = word.endswith("*")
            core = word.rstrip("*")
            core = re.sub(r"[^\w'’-]+", " ", core).strip()
            if not core:
                continue
            if not expect_operand:
                out.append("AND")
            out.append(_quote(core) + ("*" if prefix else ""))
            expect_operand = False
    if depth:
        raise SearchError(f"The search {query!r} has a bracket that is not closed.")
    if expect_operand:
        if not out:
            raise SearchError("Type a word to search for.")
        raise SearchError(f"The search {query!r} ends with an operator.")
    return " ".join(out)


def _split_snippet(raw: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    start = None
    length = 0
    for ch in raw:
        if ch == "\x02":
            start = length
        elif ch == "\x03":
            if start is not None:
                spans.append((start, length))
            start = None
        else:
            plain.append(" " if ch in "\n\r\t" else ch)
            length += 1
    return "".join(plain), tuple(spans)


def search(ws: Workspace, case_id: str, query: str, *, limit: int = 50, offset: int = 0,
           order: str = "case") -> SearchResult:
    """Pages of the case matching ``query``: hits ``offset`` to ``offset + limit`` and the total.

    Case order (the default) costs the same however many pages match; relevance order
    scores every match first, so a word on most of 20,000 pages takes tens of milliseconds.
    """
    if order not in ORDERS:
        raise SearchError(f"Search results can be in case order or by relevance, not {order!r}.")
    if limit < 1 or offset < 0:
        raise SearchError("Ask for at least one search result, from the first on.")
    fts = compile_query(query)
    try:
        if order == "relevance":
            # Every match is scored anyway; the count (a fraction of that) tells the snippets how close hits lie.
            total = ws.count_matches(case_id, fts)
            rows = ws.search_pages(case_id, fts, limit, offset=offset, relevance=True, matches=total)
        else:
            rows = ws.search_pages(case_id, fts, limit, offset=offset)
            exhausted = len(rows) < limit and (rows or offset == 0)
            total = offset + len(rows) if exhausted else ws.count_matches(case_id, fts)
    except sqlite3.OperationalError as exc:
        raise SearchError(f"The search {query!r} could not be run ({exc}).") from None
    hits = []
    for doc_id, page, ref, title, snippet, rank in rows:
        plain, spans = _split_snippet(snippet)
        hits.append(Hit(doc_id, title, page, ref, plain, spans, None if rank is None else -rank))
    return SearchResult(query, tuple(hits), total, order, offset)
