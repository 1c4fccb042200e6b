"""The bundle manifest (format 1.x) as frozen dataclasses, parsed and cross-checked."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .jsonload import JsonFault, first_schema_fault, parse_json_bytes
from .money import ISO_4217

FORMAT = "caseview-bundle"
SUPPORTED_MAJOR = 1
SCHEMA = "manifest-1.schema.json"

PDF = "application/pdf"
TEXT_TYPES = ("text/plain", "text/markdown")
PNG = "image/png"
JPEG = "image/jpeg"
KNOWN_MEDIA_TYPES = (PDF, *TEXT_TYPES, PNG, JPEG)

DEFAULT_SECTION = ("A", "Documents")

KNOWN_EVENT_TYPES = frozenset("""referral referral_decision strategy_discussion s47_enquiry_started
s47_enquiry_completed assessment_started assessment_completed icpc core_group rcpc cp_plan_ended
became_looked_after cla_review placement_change statutory_visit legal_planning_meeting pre_proceedings
proceedings_issued step_down case_closed other""".split())


@dataclass(frozen=True)
class Section:
    id: str
    title: str


@dataclass(frozen=True)
class Document:
    id: str
    path: str
    sha256: str
    size: int
    media_type: str
    title: str
    section: str
    index: int  # position in the manifest's documents array
    date: str | None = None
    author_role: str | None = None
    pages: int | None = None

    @property
    def is_pdf(self) -> bool:
        return self.media_type == PDF

    @property
    def is_text(self) -> bool:
        return self.media_type in TEXT_TYPES

    @property
    def is_image(self) -> bool:
        return self.media_type in (PNG, JPEG)


@dataclass(frozen=True)
class Period:
    """A span of calendar days, both ends included (format 1.1 ``case.period``, a claim's ``window``)."""
    start: date
    end: date


@dataclass(frozen=True)
class Claim:
    """What a provider claims for an outcome (format 1.1): exact money, never a float."""
    reference: str
    amount: Decimal
    currency: str
    provider: str | None = None
    contract: str | None = None
    window: Period | None = None


@dataclass(frozen=True)
class Event:
    id: str
    date: str
    title: str
    type: str | None = None
    detail: str | None = None
    documents: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    subject: str | None = None  # format 1.1: the child an event concerns, when a case has several


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    title: str
    date: str | None = None
    detail: str | None = None
    made_by_role: str | None = None
    claimed_by: str | None = None
    measure: str | None = None
    documents: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    claim: Claim | None = None  # format 1.1, outcomes only


@dataclass(frozen=True)
class CaseInfo:
    reference: str
    title: str | None = None
    summary: str | None = None
    subject: str | None = None
    attributes: tuple[tuple[str, Any], ...] = ()
    period: Period | None = None  # format 1.1
    protective_marking: str | None = None  # format 1.1; the report's default applies when absent


@dataclass(frozen=True)
class Manifest:
    format_version: str
    bundle_id: str
    created: str
    issuer_organisation: str
    issuer_department: str | None
    issuer_contact: str | None
    case: CaseInfo
    anonymisation_statement: str
    anonymisation_method: str | None
    anonymisation_performed_by: str | None
    framework: str
    framework_version: str | None
    due: str | None
    instructions: str | None
    sections: tuple[Section, ...]
    documents: tuple[Document, ...]
    chronology: tuple[Event, ...]
    items: tuple[Item, ...]
    raw: dict = field(repr=False, compare=False, hash=False)
    terms_of_reference: str | None = None  # format 1.1

    @property
    def minor(self) -> int:
        return int(self.format_version.split(".")[1])

    def document(self, doc_id: str) -> Document:
        for d in self.documents:
            if d.id == doc_id:
                return d
        raise KeyError(doc_id)

    def item(self, item_id: str) -> Item:
        for i in self.items:
            if i.id == item_id:
                return i
        raise KeyError(item_id)

    @property
    def item_kinds(self) -> list[str]:
        return sorted({i.kind for i in self.items})


def fingerprint_of(manifest_bytes: bytes) -> str:
    return hashlib.sha256(manifest_bytes).hexdigest()


def parse_manifest(data: bytes, *, max_documents: int | None = None) -> Manifest:
    """Parse and cross-check manifest bytes; raise :class:`JsonFault` naming the JSON path."""
    obj = parse_json_bytes(data)
    if not isinstance(obj, dict):
        raise JsonFault("must be a JSON object at the top level")
    _check_version(obj)
    docs = obj.get("documents")
    if max_documents is not None and isinstance(docs, list) and len(docs) > max_documents:
        # Before the schema, so a huge manifest is refused without validating every entry.
        raise JsonFault(f"lists {len(docs):,} documents, more than the {max_documents:,} allowed", "documents")
    fault = first_schema_fault(obj, SCHEMA)
    if fault is not None:
        raise fault
    return _build(obj)


def parse_stored_manifest(data: bytes) -> Manifest:
    """A manifest this workspace checked in full at import, read back without the schema pass.

    The JSON-schema pass costs 0.6–0.9 s for a 2,000-document manifest and would run on
    every opening of the case; the bytes are the ones that passed it. If they do not build
    (a damaged or hand-edited workspace), the full check runs and names the fault.
    """
    try:
        obj = parse_json_bytes(data)
        _check_version(obj)
        return _build(obj)
    except Exception:  # noqa: BLE001 - anything odd: let the full check explain it
        return parse_manifest(data)


def _check_version(obj: dict) -> None:
    # Checked before the schema so that a 2.0 manifest of another shape gets the right sentence.
    if obj.get("format") != FORMAT:
        raise JsonFault(f"must be {FORMAT!r}", "format")
    version = obj.get("format_version")
    if not isinstance(version, str):
        raise JsonFault("is missing" if version is None else "must be a string", "format_version")
    m = re.fullmatch(r"(\d{1,6})\.(\d{1,6})", version)
    if not m:
        raise JsonFault(f"must look like '1.0' (found {version!r})", "format_version")
    if int(m.group(1)) > SUPPORTED_MAJOR:
        raise JsonFault(f"is {version}: the bundle was made by a newer version of the format than this "
                        f"CaseView reads (1.x); update CaseView", "format_version")
    if int(m.group(1)) < SUPPORTED_MAJOR:
        raise JsonFault(f"is {version}, which no version of CaseView reads", "format_version")


def _real_date(value: str, where: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise JsonFault(f"is not a real calendar date ({value!r})", where) from None


def _real_datetime(value: str, where: str) -> None:
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        raise JsonFault(f"is not a real date-time ({value!r})", where) from None


def _opt(d: dict, key: str) -> Any:
    return d.get(key)


def _unique(values: list[tuple[str, str]], what: str) -> set[str]:
    seen: dict[str, str] = {}
    for where, value in values:
        if value in seen:
            raise JsonFault(f"repeats the {what} id {value!r} (also at {seen[value]})", where)
        seen[value] = where
    return set(seen)


def _period(raw: dict, where: str) -> Period:
    _real_date(raw["start"], f"{where}.start")
    _real_date(raw["end"], f"{where}.end")
    period = Period(date.fromisoformat(raw["start"]), date.fromisoformat(raw["end"]))
    if period.end < period.start:
        raise JsonFault(f"ends ({raw['end']}) before it starts ({raw['start']})", where)
    return period


def _claim(raw: dict | None, where: str, kind: str) -> Claim | None:
    if raw is None:
        return None
    if kind != "outcome":
        raise JsonFault(f"is only for items of kind 'outcome' (this one is {kind!r})", where)
    if raw["currency"] not in ISO_4217:
        raise JsonFault(f"is {raw['currency']!r}, which is not an ISO 4217 currency code", f"{where}.currency")
    return Claim(reference=raw["reference"], amount=Decimal(raw["amount"]), currency=raw["currency"],
                 provider=_opt(raw, "provider"), contract=_opt(raw, "contract"),
                 window=_period(raw["window"], f"{where}.window") if "window" in raw else None)


def _build(obj: dict) -> Manifest:
    _real_datetime(obj["created"], "created")
    # Format 1.1 keys are read from 1.1 bundles only: a 1.0 bundle's unknown keys are ignored, as 1.0 says.
    v11 = int(obj["format_version"].split(".")[1]) >= 1
    review = obj["review"]
    if "due" in review:
        _real_date(review["due"], "review.due")

    raw_sections = obj.get("sections")
    if raw_sections:
        sections = tuple(Section(s["id"], s["title"]) for s in raw_sections)
    else:
        sections = (Section(*DEFAULT_SECTION),)
    _unique([(f"sections[{i}].id", s.id) for i, s in enumerate(sections)], "section")
    section_ids = [s.id for s in sections]

    docs_raw = obj["documents"]
    _unique([(f"documents[{i}].id", d["id"]) for i, d in enumerate(docs_raw)], "document")
    documents = []
    for i, d in enumerate(docs_raw):
        where = f"documents[{i}]"
        section = d.get("section", section_ids[0])
        if section not in section_ids:
            raise JsonFault(f"names section {section!r}, which is not in sections", f"{where}.section")
        if "date" in d:
            _real_date(d["date"], f"{where}.date")
        documents.append(Document(
            id=d["id"], path=d["path"], sha256=d["sha256"], size=d["size"], media_type=d["media_type"],
            title=d["title"], section=section, index=i, date=_opt(d, "date"),
            author_role=_opt(d, "author_role"), pages=_opt(d, "pages")))
    _unique([(f"documents[{i}].path", d.path) for i, d in enumerate(documents)], "document path")
    doc_ids = {d.id for d in documents}

    chron_raw = obj.get("chronology") or []
    _unique([(f"chronology[{i}].id", e["id"]) for i, e in enumerate(chron_raw)], "chronology")
    items_raw = obj["items"]
    _unique([(f"items[{i}].id", it["id"]) for i, it in enumerate(items_raw)], "item")
    event_ids = {e["id"] for e in chron_raw}
    item_ids = {it["id"] for it in items_raw}

    if not documents and items_raw:
        raise JsonFault("may be empty only when items is empty too", "documents")

    events = []
    for i, e in enumerate(chron_raw):
        where = f"chronology[{i}]"
        if "T" in e["date"] or "t" in e["date"] or " " in e["date"]:
            _real_datetime(e["date"], f"{where}.date")
        else:
            _real_date(e["date"], f"{where}.date")
        _check_refs(e.get("documents", []), doc_ids, f"{where}.documents", "document", e["id"])
        _check_refs(e.get("items", []), item_ids, f"{where}.items", "item", e["id"])
        events.append(Event(id=e["id"], date=e["date"], title=e["title"], type=_opt(e, "type"),
                            detail=_opt(e, "detail"), documents=tuple(e.get("documents", [])),
                            items=tuple(e.get("items", [])), subject=_opt(e, "subject") if v11 else None))

    items = []
    for i, it in enumerate(items_raw):
        where = f"items[{i}]"
        if "date" in it:
            _real_date(it["date"], f"{where}.date")
        _check_refs(it.get("documents", []), doc_ids, f"{where}.documents", "document", it["id"])
        _check_refs(it.get("events", []), event_ids, f"{where}.events", "chronology event", it["id"])
        items.append(Item(id=it["id"], kind=it["kind"], title=it["title"], date=_opt(it, "date"),
                          detail=_opt(it, "detail"), made_by_role=_opt(it, "made_by_role"),
                          claimed_by=_opt(it, "claimed_by"), measure=_opt(it, "measure"),
                          documents=tuple(it.get("documents", [])), events=tuple(it.get("events", [])),
                          claim=_claim(it.get("claim"), f"{where}.claim", it["kind"]) if v11 else None))
    if v11:
        _unique([(f"items[{i}].claim.reference", it.claim.reference) for i, it in enumerate(items) if it.claim],
                "claim")

    issuer, case, anon = obj["issuer"], obj["case"], obj["anonymisation"]
    return Manifest(
        format_version=obj["format_version"], bundle_id=obj["bundle_id"], created=obj["created"],
        issuer_organisation=issuer["organisation"], issuer_department=_opt(issuer, "department"),
        issuer_contact=_opt(issuer, "contact"),
        case=CaseInfo(reference=case["reference"], title=_opt(case, "title"), summary=_opt(case, "summary"),
                      subject=_opt(case, "subject"),
                      attributes=tuple((case.get("attributes") or {}).items()),
                      period=_period(case["period"], "case.period") if v11 and "period" in case else None,
                      protective_marking=_opt(case, "protective_marking") if v11 else None),
        anonymisation_statement=anon["statement"], anonymisation_method=_opt(anon, "method"),
        anonymisation_performed_by=_opt(anon, "performed_by"),
        framework=review["framework"], framework_version=_opt(review, "framework_version"),
        due=_opt(review, "due"), instructions=_opt(review, "instructions"),
        sections=sections, documents=tuple(documents), chronology=tuple(events), items=tuple(items),
        raw=obj, terms_of_reference=_opt(review, "terms_of_reference") if v11 else None)


def _check_refs(refs: list[str], known: set[str], where: str, what: str, owner: str) -> None:
    for j, ref in enumerate(refs):
        if ref not in known:
            raise JsonFault(f"of {owner!r} names {what} {ref!r}, which does not exist in the bundle",
                            f"{where}[{j}]")
