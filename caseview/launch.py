"""Start CaseView for a reviewer: the desktop app when it is installed, else a short demo on the terminal."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from .core.errors import CaseViewError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="caseview", description="CaseView: independent review of case bundles. "
                                "Subcommands (bundle, import, cases, search, findings, trust, purge) are listed by "
                                "'caseview --help'.")
    p.add_argument("bundle", nargs="?", metavar="FILE.cvb", help="import (if new) and open this bundle")
    p.add_argument("--demo", action="store_true", help="open the shipped demo case")
    p.add_argument("--workspace", metavar="DIR")
    return p


def demo_bundle() -> Path:
    from .paths import resource

    return resource("demo", "demo-case.cvb")


def launch(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.bundle and not Path(args.bundle).exists() and not args.bundle.lower().endswith(".cvb"):
        parser.error(f"{args.bundle!r} is neither a command nor a bundle file (see 'caseview --help')")
    if importlib.util.find_spec("caseview.app") is not None:
        from .app import run_app

        return run_app(args)
    return _terminal_demo(args)


def _terminal_demo(args) -> int:
    """Until the desktop app lands: import the bundle and show what the core sees."""
    from .core.importer import import_bundle
    from .core.search import search
    from .core.store import open_workspace

    target = demo_bundle() if args.demo or not args.bundle else Path(args.bundle)
    try:
        with open_workspace(Path(args.workspace) if args.workspace else None) as ws:
            result = import_bundle(ws, target)
            case = ws.case(result.case_id)
            docs = ws.documents(case.id)
            print(f"CaseView — {case.reference} ({case.issuer})")
            print(f"workspace: {ws.root}")
            print(f"case id: {case.id}   fingerprint: {case.fingerprint}")
            print()
            print("Bundle index")
            for d in docs:
                mark = "" if d.readable else "   [could not be read]"
                print(f"  {d.range_label:<9} {d.doc_id:<4} {d.title}{mark}")
            for word in ("bruise", "attendance", '"seen alone"'):
                res = search(ws, case.id, word, limit=3)
                print()
                print(f"Search {word}: {res.total} page(s)")
                for h in res.hits:
                    print(f"  {h.ref:<6} {h.title}: …{h.snippet}…")
    except CaseViewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print()
    print("The desktop app is not in this build yet; 'caseview --help' lists the commands.")
    return 0
