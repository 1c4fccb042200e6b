"""Precision and recall of the personal-data detectors per kind, and false findings per 100 clean pages.

    python -m bench.pdscan_quality [--planted 300] [--clean 300] [--seed 16] [--misses]

On the labelled corpus of tests/core/pdscan_corpus.py (synthetic case prose, a third of it through a PDF
and back). Recall: planted identifiers a finding of their kind overlaps; "in spec" leaves out forms the
spec's definition does not cover (street addresses typed in lower case). Precision: findings on a plant
of their kind, over all findings on planted and clean pages (helplines at low confidence counted apart).
"""

from __future__ import annotations

import argparse
import math
import time

from tests.core.pdscan_corpus import KINDS, SEED, corpus
from tests.core.pdscan_scoring import measure


def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:.1f}%"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--planted", type=int, default=300)
    ap.add_argument("--clean", type=int, default=300)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--misses", action="store_true", help="list every miss and false finding (synthetic text)")
    a = ap.parse_args(argv)
    c = corpus(planted=a.planted, clean=a.clean, seed=a.seed)
    t = time.perf_counter()
    s = measure(c)
    took = time.perf_counter() - t
    print(f"Corpus: {len(c.planted)} planted + {len(c.clean)} clean pages ({c.pdf_pages} through a PDF), "
          f"seed {a.seed}; scanned in {took:.2f} s\n")
    print("| kind | planted | found | recall | recall in spec | findings | true | precision |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for k in KINDS:
        print(f"| {k} | {s.planted[k]} | {s.found[k]} | {_pct(s.recall(k))} | {_pct(s.recall(k, in_spec=True))} "
              f"| {s.findings[k]} | {s.true[k]} | {_pct(s.precision(k))} |")
    total_p, total_f = sum(s.planted.values()), sum(s.found.values())
    total_n, total_t = sum(s.findings.values()), sum(s.true.values())
    print(f"| all | {total_p} | {total_f} | {_pct(total_f / total_p)} | "
          f"{_pct(sum(s.found_in_spec.values()) / sum(s.planted_in_spec.values()))} | {total_n} | {total_t} | "
          f"{_pct(total_t / total_n if total_n else float('nan'))} |")
    print(f"\nFalse findings on clean pages: {len(s.false_on_clean)} on {s.clean_pages} pages = "
          f"{s.false_per_100_clean():.2f} per 100 pages; false findings on planted pages: "
          f"{len(s.false_on_planted)}; helplines reported at low confidence (expected): {s.helplines_low}")
    if a.misses:
        for page, label in s.missed:
            print(f"MISS  {page.page_ref} {page.medium} {label.kind}{' (outside spec)' if label.outside else ''}: "
                  f"{label.value!r}")
        for page, f in s.false_on_clean + s.false_on_planted:
            print(f"FALSE {page.page_ref} {page.medium} {f.kind} {f.confidence}: "
                  f"{page.text[max(0, f.start - 30):f.end + 10]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
