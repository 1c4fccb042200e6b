"""A review writer for the kill -9 test: applies commands forever, printing 'ack N' after each durable commit."""

from __future__ import annotations

import sys
from pathlib import Path

from caseview.core.review import AddAnnotation, Anchor, Annotation, SetAnswer, apply, load_context
from caseview.core.store import Workspace


def main(root: str, case_id: str, start: int) -> None:
    ws = Workspace(Path(root), backup=False)
    ctx = load_context(ws, case_id)
    n = start
    while True:
        n += 1
        apply(ws, case_id, SetAnswer("K1", "rationale", f"version {n}"), ctx=ctx)
        apply(ws, case_id, AddAnnotation(Annotation(f"A{n}", Anchor("D1", 1, "bruise"), f"note {n}")), ctx=ctx)
        print(f"ack {n}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
