"""Scoring the personal-data detectors on the labelled corpus (tests/core/pdscan_corpus.py).

A plant counts as found when a finding of its kind overlaps its span. A finding is true when it overlaps a
plant of its kind; a low-confidence phone finding on a listed helpline is counted apart (the spec asks for
exactly that); every other finding is false, and those on clean pages give the false-finding rate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .pdscan_corpus import Corpus, Label, Page


def _overlaps(a_start: int, a_end: int, b: Label) -> bool:
    return a_start < b.end and b.start < a_end


@dataclass
class Score:
    planted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    found: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # plants a finding overlaps
    planted_in_spec: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # the spec's forms only
    found_in_spec: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    findings: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # findings, helplines apart
    true: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # findings on a plant of their kind
    clean_pages: int = 0
    false_on_clean: list = field(default_factory=list)  # (page, finding)
    missed: list = field(default_factory=list)  # (page, label)
    false_on_planted: list = field(default_factory=list)
    helplines_low: int = 0  # findings on a helpline at low confidence, as the spec wants

    def recall(self, kind: str, in_spec: bool = False) -> float:
        planted, found = (self.planted_in_spec, self.found_in_spec) if in_spec else (self.planted, self.found)
        return found[kind] / planted[kind] if planted[kind] else float("nan")

    def precision(self, kind: str) -> float:
        return self.true[kind] / self.findings[kind] if self.findings[kind] else float("nan")

    def false_per_100_clean(self) -> float:
        return 100 * len(self.false_on_clean) / self.clean_pages if self.clean_pages else float("nan")


def score(pages: Iterable[tuple[Page, bool]], findings: dict[tuple[str, int], list]) -> Score:
    """``pages`` as (page, is_clean); ``findings`` keyed by (document_id, page) with start, end, kind."""
    s = Score()
    for page, is_clean in pages:
        got = findings.get((page.document_id, page.page), [])
        s.clean_pages += is_clean
        for label in page.plants:
            s.planted[label.kind] += 1
            s.planted_in_spec[label.kind] += not label.outside
            if any(f.kind == label.kind and _overlaps(f.start, f.end, label) for f in got):
                s.found[label.kind] += 1
                s.found_in_spec[label.kind] += not label.outside
            else:
                s.missed.append((page, label))
        for f in got:
            if f.confidence == "low" and any(f.kind == a.kind and _overlaps(f.start, f.end, a) for a in page.allowed):
                s.helplines_low += 1
                continue
            s.findings[f.kind] += 1
            if any(f.kind == p.kind and _overlaps(f.start, f.end, p) for p in page.plants):
                s.true[f.kind] += 1
            elif is_clean:
                s.false_on_clean.append((page, f))
            else:
                s.false_on_planted.append((page, f))
    return s


def scan_corpus(c: Corpus) -> dict[tuple[str, int], list]:
    """The detectors over every page, as import would run them (``scan_pages`` with the declared references)."""
    from caseview.core.pdscan import scan_pages

    rows = [(p.document_id, p.page, p.page_ref, p.text) for p in c.planted + c.clean]
    result = scan_pages(rows, declared=c.declared)
    out: dict[tuple[str, int], list] = defaultdict(list)
    for f in result.findings:
        out[(f.document_id, f.page)].append(f)
    return out


def measure(c: Corpus) -> Score:
    return score([(p, False) for p in c.planted] + [(p, True) for p in c.clean], scan_corpus(c))
