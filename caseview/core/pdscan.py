"""Personal-data check: find what anonymisation missed in a bundle's page texts, reported masked, never in clear."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sized
from dataclasses import dataclass, field
from os import PathLike

from .errors import CaseViewError
from .pdscan_detectors import HIGH, LOW, ROLE_WORDS, STREET_WORDS, Hit, run_detectors
from .progress import Progress, reporter

NOT_CHECKED = "not checked: no text"

# The last word of a multi-word line that is a place, not a surname: "Street" alone must not be a hit.
_NOT_SURNAMES = STREET_WORDS | ROLE_WORDS | frozenset("""
Cottage Cottages House Farm Hall Lodge Mews Row Square Hill Park Green View Estate Parade Walk Grove Rise
Wharf Yard Villas Mansions Towers Heights Fields Meadows Road Town City Village Centre Flat Flats Block
""".casefold().split())


def mask(text: str) -> str:
    """The first character, then ``*`` for every further character; white space stays (as a plain space)."""
    if not text:
        return text
    return text[0] + "".join(" " if c.isspace() else "*" for c in text[1:])


@dataclass(frozen=True)
class Finding:
    """A possible identifier on one page; it holds the masked form only, so printing it never leaks."""

    kind: str
    document_id: str
    page: int | None  # 1-based; None for a text document
    page_ref: str  # as a reviewer cites it, e.g. "D4 p.2"
    start: int  # character offsets into the page's text
    end: int
    masked: str
    confidence: str  # "high" | "low"
    reason: str

    def to_json(self) -> dict:
        return {"kind": self.kind, "document_id": self.document_id, "page": self.page, "page_ref": self.page_ref,
                "start": self.start, "end": self.end, "masked": self.masked, "confidence": self.confidence,
                "reason": self.reason}


@dataclass(frozen=True)
class ScanResult:
    """Everything one scan found, the documents it could not read, and how many pages it searched."""

    findings: list[Finding] = field(default_factory=list)
    not_checked: list[dict[str, str]] = field(default_factory=list)  # {document_id, reason}
    pages: int = 0  # pages whose text was searched

    def to_json(self) -> dict:
        return {"findings": [f.to_json() for f in self.findings],
                "not_checked": [dict(item) for item in self.not_checked], "pages": self.pages}


# --- The issuer's removed-identifiers list ------------------------------------------------------------


class _Folded:
    """Text reduced to its letters and digits (case, accents, punctuation and spacing dropped), mapped back."""

    __slots__ = ("boundary", "chars", "origin")

    def __init__(self, text: str):
        chars: list[str] = []
        origin: list[int] = []  # index in the original text of each kept character
        boundary: list[bool] = []  # a separator (or the start) comes before this character
        separated = True
        for i, c in enumerate(text):
            if c.isascii():
                if c.isalnum():
                    chars.append(c.lower())
                    origin.append(i)
                    boundary.append(separated)
                    separated = False
                else:
                    separated = True
                continue
            category = unicodedata.category(c)
            if category[0] == "M" or category == "Cf":
                continue  # a combining accent or a soft hyphen joins the word it sits in
            kept = [ch for ch in unicodedata.normalize("NFKD", c).casefold()
                    if ch.isalnum() and not unicodedata.combining(ch)]
            if not kept:
                separated = True
                continue
            for k, ch in enumerate(kept):
                chars.append(ch)
                origin.append(i)
                boundary.append(separated and k == 0)
            separated = False
        boundary.append(True)
        self.chars = "".join(chars)
        self.origin = origin
        self.boundary = boundary

    def find_words(self, key: str) -> Iterable[tuple[int, int]]:
        """Folded positions where ``key`` starts and ends on word boundaries."""
        at = self.chars.find(key)
        while at >= 0:
            if self.boundary[at] and self.boundary[at + len(key)]:
                yield at, at + len(key)
            at = self.chars.find(key, at + 1)

    def original_span(self, start: int, end: int, text: str) -> tuple[int, int]:
        first, last = self.origin[start], self.origin[end - 1] + 1
        while last < len(text) and unicodedata.category(text[last])[0] == "M":
            last += 1  # take a decomposed accent with the letter it belongs to
        return first, last


def _fold(text: str) -> str:
    return _Folded(text).chars


class _Key:
    """One searchable form of a line; its repr names the line number, never the text."""

    __slots__ = ("folded", "line", "surname")

    def __init__(self, folded: str, line: int, surname: bool):
        self.folded, self.line, self.surname = folded, line, surname

    def __repr__(self) -> str:
        return f"<removed identifier, line {self.line}{', surname' if self.surname else ''}>"


class RemovedIdentifiers:
    """The issuer's private list of what anonymisation removed, compiled for searching.

    Matching ignores case, accents, punctuation and white space (``O'Brien`` finds ``OBRIEN`` and
    ``o brien``; ``943 476 5919`` finds ``9434765919``) and starts and ends on word boundaries. For a
    line of two or more words without digits, the last word (3+ letters) is searched alone as a surname.
    """

    __slots__ = ("_keys", "_lines")

    def __init__(self, keys: Iterable[_Key] = (), lines: int = 0):
        self._keys = tuple(keys)
        self._lines = lines

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> RemovedIdentifiers:
        keys: list[_Key] = []
        count = 0
        for number, raw in enumerate(lines, 1):
            line = raw.strip().lstrip("\ufeff").strip()
            if not line:
                continue
            folded = _fold(line)
            if len(folded) < 2:
                raise CaseViewError(f"Line {number} of the removed-identifiers list has fewer than two letters "
                                    f"or digits, which would match almost anywhere; remove or complete it.")
            count += 1
            keys.append(_Key(folded, number, False))
            words = line.split()
            if len(words) >= 2 and not any(c.isdigit() for c in line):
                surname = _fold(words[-1])
                if (len(surname) >= 3 and surname.isalpha() and surname != folded
                        and words[-1].casefold().strip(".,") not in _NOT_SURNAMES):
                    keys.append(_Key(surname, number, True))
        return cls(keys, count)

    @classmethod
    def from_file(cls, path: str | PathLike[str]) -> RemovedIdentifiers:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise CaseViewError(f"The removed-identifiers file {path} cannot be read "
                                f"({exc.strerror or type(exc).__name__}).") from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            # "from None": the decode error carries the file's bytes, which must not reach a traceback.
            raise CaseViewError(f"The removed-identifiers file {path} is not UTF-8 text (line {line}).") from None
        return cls.from_lines(text.splitlines())

    def __len__(self) -> int:
        return self._lines

    def __repr__(self) -> str:
        return f"<RemovedIdentifiers: {self._lines} identifiers>"

    __str__ = __repr__

    def hits(self, text: str) -> list[Hit]:
        """Where any line (or a name's surname) occurs in ``text``, as offsets into ``text``."""
        if not self._keys or not text:
            return []
        folded = _Folded(text)
        found: list[Hit] = []
        for key in self._keys:
            for start, end in folded.find_words(key.folded):
                first, last = folded.original_span(start, end, text)
                if key.surname:
                    found.append(Hit("removed-identifier", first, last, LOW,
                                     f"The surname of line {key.line} of the removed-identifiers list."))
                else:
                    found.append(Hit("removed-identifier", first, last, HIGH,
                                     f"Line {key.line} of the removed-identifiers list."))
        return found


# --- Scanning -----------------------------------------------------------------------------------------


def _declared_key(value: str) -> str:
    return "".join(c for c in value.casefold() if not c.isspace() and c not in "-\u2010\u2011\u2012\u2013")


def _declared_spans(text: str, declared: Iterable[str]) -> list[tuple[int, int]]:
    """Where the bundle's own references occur in ``text`` (case, spaces and hyphens ignored)."""
    keys = {k for k in (_declared_key(d) for d in declared) if k}
    if not keys:
        return []
    kept: list[str] = []
    origin: list[int] = []
    for i, c in enumerate(text):
        if not c.isspace() and c not in "-\u2010\u2011\u2012\u2013":
            for ch in c.casefold():
                kept.append(ch)
                origin.append(i)
    flat = "".join(kept)
    spans = []
    for key in keys:
        at = flat.find(key)
        while at >= 0:
            spans.append((origin[at], origin[at + len(key) - 1] + 1))
            at = flat.find(key, at + 1)
    return spans


def _without_overlaps(hits: list[Hit]) -> list[Hit]:
    """One finding per stretch of text and kind: the earliest, then the longest, then the surer, wins."""
    kept: list[Hit] = []
    reach: dict[str, int] = {}
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start), h.confidence != HIGH, h.kind)):
        if hit.start >= reach.get(hit.kind, -1):
            kept.append(hit)
            reach[hit.kind] = hit.end
    return kept


def scan_text(text: str, *, document_id: str, page: int | None, page_ref: str,
              declared: Iterable[str] = frozenset(), removed: RemovedIdentifiers | None = None) -> list[Finding]:
    """Every detector (and the removed-identifiers list, when given) on one page's text, in text order."""
    hits = list(run_detectors(text))
    if removed is not None:
        hits.extend(removed.hits(text))
    return findings_from(text, hits, document_id=document_id, page=page, page_ref=page_ref, declared=declared)


def findings_from(text: str, hits: Iterable[Hit], *, document_id: str, page: int | None, page_ref: str,
                  declared: Iterable[str] = frozenset()) -> list[Finding]:
    """The findings of one page from its detectors' hits: the bundle's own references dropped, overlaps merged,
    each masked (the hits may come from the import's workers, which read the page)."""
    hits = list(hits)
    if not hits:  # most pages: the bundle's own references need not be looked for (a walk of every character)
        return []
    ours = _declared_spans(text, declared)
    hits = [h for h in hits if h.end > h.start and not any(s <= h.start and h.end <= e for s, e in ours)]
    return [Finding(kind=h.kind, document_id=document_id, page=page, page_ref=page_ref, start=h.start,
                    end=h.end, masked=mask(text[h.start:h.end]), confidence=h.confidence, reason=h.reason)
            for h in _without_overlaps(hits)]


def scan_pages(pages: Iterable[tuple[str, int | None, str, str | None]], declared: Iterable[str] = frozenset(),
               removed: RemovedIdentifiers | None = None, progress: Progress | None = None) -> ScanResult:
    """Scan ``(document_id, page, page_ref, text)`` rows; a page with no text lists its document as not checked.

    ``progress`` is called after each page; raising :class:`Cancelled` from it stops the scan.
    """
    declared = frozenset(declared)
    total = len(pages) if isinstance(pages, Sized) else 0
    report = reporter(progress)
    order: dict[str, int] = {}
    findings: list[Finding] = []
    unread: dict[str, None] = {}
    searched = 0
    for done, (document_id, page, page_ref, text) in enumerate(pages, 1):
        order.setdefault(document_id, len(order))
        if text is None or not text.strip():
            unread.setdefault(document_id, None)
        else:
            findings.extend(scan_text(text, document_id=document_id, page=page, page_ref=page_ref,
                                      declared=declared, removed=removed))
            searched += 1
        report(done, total, page_ref)
    findings.sort(key=lambda f: (order[f.document_id], f.page or 0, f.start, f.kind))
    return ScanResult(findings=findings, not_checked=[{"document_id": d, "reason": NOT_CHECKED} for d in unread],
                      pages=searched)
