"""Bundle order and bundle page references (``C23``), as the bundle format defines them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from .manifest import Document, Manifest


def bundle_order(manifest: Manifest) -> list[Document]:
    """Documents by section (in sections order), then dated before undated, oldest first, then manifest order."""
    section_rank = {s.id: i for i, s in enumerate(manifest.sections)}
    return sorted(manifest.documents,
                  key=lambda d: (section_rank[d.section], d.date is None, d.date or "", d.index))


@dataclass(frozen=True)
class Placement:
    """Where a document's pages fall in its section's numbering."""

    doc_id: str
    section: str
    first: int  # bundle page number of the document's first page
    count: int

    def ref(self, page: int) -> str:
        """The bundle reference of the document's ``page`` (1-based)."""
        return f"{self.section}{self.first + page - 1}"

    @property
    def range_label(self) -> str:
        if self.count <= 1:
            return self.ref(1)
        return f"{self.ref(1)}–{self.ref(self.count)}"


def page_counts(documents: Iterable[Document], texts: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """How many pages each document has: its text's pages when read, else the issuer's count, else one."""
    return {d.id: len(texts[d.id]) if d.id in texts else d.pages or 1 for d in documents}


class Placer:
    """Places documents one at a time, in bundle order: each section's pages numbered from 1."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def place(self, doc: Document, count: int) -> Placement:
        first = self._next.get(doc.section, 1)
        n = max(1, count)
        self._next[doc.section] = first + n
        return Placement(doc.id, doc.section, first, n)


def place(ordered: Sequence[Document], counts: dict[str, int]) -> dict[str, Placement]:
    """Number each section's pages from 1 across its documents, in bundle order."""
    placer = Placer()
    return {d.id: placer.place(d, counts[d.id]) for d in ordered}


def parse_ref(ref: str, section_ids: Iterable[str]) -> tuple[str, int] | None:
    """``"c23"`` → ``("C", 23)`` when C is a section of the bundle; longest section id wins."""
    text = ref.strip().upper()
    for sid in sorted(section_ids, key=len, reverse=True):
        rest = text[len(sid):]
        if text.startswith(sid) and rest.isdigit() and int(rest) > 0:
            return sid, int(rest)
    return None
