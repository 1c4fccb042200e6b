"""What the review report is made from: plain frozen values, no rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class ReportDocument:
    """One bundle document as Appendix A lists it, in bundle order."""

    id: str
    title: str
    section_id: str
    section_title: str
    first_ref: str
    last_ref: str
    pages: int
    sha256: str
    date: str | None
    author_role: str | None
    readable: bool
    first_number: int = 1  # the number of its first page in its section (first_ref without the section id)
    problem: str | None = None  # why it could not be read, when it could not

    def ref(self, page: int) -> str:
        """The bundle page reference of the document's ``page`` (1-based), e.g. "C23"."""
        return f"{self.section_id}{self.first_number + page - 1}"


@dataclass(frozen=True)
class TimelinessRow:
    """One rule instance as the report prints it; the events are named by id, date and title."""

    rule_title: str
    subject: str | None
    from_event: str  # "E7 · 14 January 2026 · Strategy discussion"
    to_event: str | None
    due: date
    actual: date | None
    elapsed: str  # "17 working days"
    status: str  # met, missed, not-evidenced, not-yet-due, not-applicable
    note: str


@dataclass(frozen=True)
class TimelinessSection:
    """The computed timescales (timeliness.md): never a judgement, always with its rule set and sources."""

    rule_set_id: str
    rule_set_version: str
    rule_set_title: str
    as_of: date | None
    rows: tuple[TimelinessRow, ...]
    sources: tuple[tuple[str, str], ...]  # (rule title, source) of the rules the rows use, in rule order
    why_none: str = ""  # with no rows: why ("none of the chronology's 12 events has a type …")


@dataclass(frozen=True)
class HistoryLine:
    """One change-history entry; ``hash`` is the entry's hex hash in the chain."""

    seq: int
    at: str
    summary: str
    hash: str


@dataclass(frozen=True)
class ReportInput:
    """Everything the report shows; the renderer reads nothing else."""

    findings: dict
    framework: dict
    manifest: dict
    documents: tuple[ReportDocument, ...]
    history_tail: tuple[HistoryLine, ...]
    history_head: str
    history_count: int
    annotation_count: int
    signed_on: datetime | None
    draft: bool
    known_limitations: tuple[str, ...] = ()  # sentences about what was not checked, beyond unreadable documents
    reviewer_registration: str = ""  # from the signing identity's certificate; shown by the declaration
    timeliness: TimelinessSection | None = None  # None: not computed (a report made without it)
