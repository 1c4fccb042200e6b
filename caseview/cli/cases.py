"""The workspace's cases: import a bundle, list cases, search one, purge one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core.errors import CaseViewError
from .common import EXIT_INVALID, EXIT_OK, Output, at_least_one, at_least_zero, limits_from, workspace


def cmd_import(args, out: Output) -> int:
    from ..core.importer import import_bundle
    from ..core.settings import load_settings

    with workspace(args) as ws:
        result = import_bundle(ws, Path(args.bundle), limits=limits_from(args, load_settings(ws.root).limits),
                               progress=lambda s: out.progress(s.done, s.total, s.label))
    out.end_progress()
    for n in result.notices:
        out.notice(n)
    if out.as_json:
        out.json({"case_id": result.case_id, "created": result.created, "fingerprint": result.bundle.fingerprint,
                  "case_reference": result.bundle.manifest.case.reference, "notices": list(result.notices)})
        return EXIT_OK
    m = result.bundle.manifest
    if result.created:
        out.line(f"imported {m.case.reference}: {len(m.documents)} documents, {len(m.items)} items")
    else:
        out.line(f"already imported: {m.case.reference}")
    out.line(result.case_id)
    return EXIT_OK


def cmd_cases(args, out: Output) -> int:
    from ..core.snapshot import case_summaries

    with workspace(args) as ws:
        rows = [{"case_id": c.id, "reference": c.reference, "version": c.version, "issuer": c.issuer,
                 "framework": c.framework, "status": c.status, "progress": {"done": c.done, "total": c.total},
                 "due": c.due, "imported": c.imported_at, "last_opened": c.opened_at,
                 "fingerprint": c.fingerprint, "bundle_id": c.bundle_id}
                for c in case_summaries(ws)]
    if out.as_json:
        out.json(rows)
        return EXIT_OK
    if not rows:
        out.line("No cases in this workspace yet; 'caseview import BUNDLE' adds one.")
        return EXIT_OK
    out.line(f"{'CASE':<13} {'REFERENCE':<18} {'V':>2} {'STATUS':<8} {'DONE':>7} {'DUE':<10} ISSUER")
    for r in rows:
        p = r["progress"]
        out.line(f"{r['case_id']:<13} {r['reference'][:18]:<18} {r['version']:>2} {r['status']:<8} "
                 f"{p['done']:>3}/{p['total']:<3} {r['due'] or '-':<10} {r['issuer']}")
    return EXIT_OK


def cmd_search(args, out: Output) -> int:
    from ..core.search import search

    with workspace(args) as ws:
        case = ws.resolve_case(args.case)
        result = search(ws, case.id, args.query, limit=args.limit, offset=args.offset, order=args.order)
    if out.as_json:
        out.json({"case_id": case.id, "query": args.query, "order": result.order, "offset": result.offset,
                  "total": result.total,
                  "hits": [{"document_id": h.doc_id, "title": h.title, "page": h.page, "page_ref": h.ref,
                            "snippet": h.snippet, "highlights": [list(s) for s in h.highlights],
                            "score": None if h.score is None else round(h.score, 4)} for h in result.hits]})
        return EXIT_OK
    if not result.hits:
        out.line(f"{result.total} pages match {args.query!r}; none after the first {result.offset}." if result.total
                 else f"No pages match {args.query!r}.")
        return EXIT_OK
    bold = sys.stdout.isatty()
    for h in result.hits:
        out.line(f"{h.ref:<6} {h.doc_id}  {h.title} (page {h.page})")
        out.line(f"       {_mark(h.snippet, h.highlights, bold)}")
    first, last = result.offset + 1, result.offset + len(result.hits)
    which = "in case order" if result.order == "case" else "by relevance"
    out.line(f"{result.total} page{'s' if result.total != 1 else ''} match" +
             (f"; {first}–{last} {which} are shown" if result.total > len(result.hits) else ""))
    return EXIT_OK


def _mark(text: str, spans, bold: bool) -> str:
    start_mark, end_mark = ("\x1b[1m", "\x1b[0m") if bold else ("[", "]")
    out, last = [], 0
    for a, b in spans:
        out += [text[last:a], start_mark, text[a:b], end_mark]
        last = b
    out.append(text[last:])
    return "".join(out)


def cmd_purge(args, out: Output) -> int:
    with workspace(args) as ws:
        case = ws.resolve_case(args.case)
        if not args.yes:
            if not sys.stdin.isatty():
                raise CaseViewError("Purging needs confirmation: add --yes, or run this on a terminal.")
            answer = input(f"Delete case {case.reference} ({case.id}) and every trace of it, backups included? "
                           f"Type the case id to confirm: ")
            if answer.strip() != case.id:
                out.notice("Nothing was deleted.")
                return EXIT_INVALID
        ws.purge_case(case.id)
    out.line(f"purged {case.id}")
    return EXIT_OK


def register(sub, common: argparse.ArgumentParser, limits: argparse.ArgumentParser) -> None:
    """Add the cases commands to the ``caseview`` parser."""
    p = sub.add_parser("import", parents=[common, limits], help="import a bundle; prints the case id last")
    p.add_argument("bundle", metavar="BUNDLE")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("cases", parents=[common], help="list the workspace's cases")
    p.set_defaults(func=cmd_cases)
    p = sub.add_parser("search", parents=[common], help="full-text search of a case")
    p.add_argument("case", metavar="CASE", help="case id (or a unique prefix, or the case reference)")
    p.add_argument("query", metavar="QUERY", help='words, "phrases", prefix*, AND, OR, NOT, ( )')
    p.add_argument("--limit", type=at_least_one, default=50, help="hits to show (default 50)")
    p.add_argument("--offset", type=at_least_zero, default=0, help="skip this many hits first (default 0)")
    p.add_argument("--order", choices=("case", "relevance"), default="case",
                   help="case: bundle order, document then page (default); relevance: best match first")
    p.set_defaults(func=cmd_search)
    p = sub.add_parser("purge", parents=[common], help="delete a case and every trace of it")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_purge)
