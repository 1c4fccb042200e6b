"""A moderation writer for the kill -9 test: applies commands forever, printing 'ack N' after each durable commit."""

from __future__ import annotations

import sys
from pathlib import Path

from caseview.core.moderation import AddCitation, Citation, ItemVerdict, SetVerdict, apply, load_context
from caseview.core.review import Anchor
from caseview.core.store import Workspace


def main(root: str, moderation_id: str, start: int) -> None:
    ws = Workspace(Path(root), backup=False)
    ctx = load_context(ws, moderation_id)
    n = start
    while True:
        n += 1
        apply(ws, moderation_id, SetVerdict(ItemVerdict("K1", "disagree", 1, f"version {n}")), ctx=ctx)
        apply(ws, moderation_id, AddCitation(Citation(f"C{n}", "K1", Anchor("D1", 1, "bruise"))), ctx=ctx)
        print(f"ack {n}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
