"""The review model: commands that change a review and return their inverse, completeness, and a hash-chained history.

``apply(ws, case_id, command)`` validates the command against the case's
framework (the copy kept with the review), writes it and a history entry in one
durable transaction, and returns the command that undoes it. The app's undo
stack stands on these inverses; the CLI and findings import use the same path.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date
from dataclasses import asdict, dataclass, field
from typing import Any, Union

from .errors import ReviewError
from .frameworks import CASE, Framework, Question, framework_from_snapshot
from .manifest import Manifest, parse_stored_manifest
from .store import Workspace, now_utc

GENESIS = "0" * 64


@dataclass(frozen=True)
class Anchor:
    """A TextQuote-style anchor: ``exact`` with up to 32 characters of context, on a page of a document."""

    doc_id: str
    page: int
    exact: str | None = None  # None: the whole page
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Evidence:
    id: str
    item_id: str
    anchor: Anchor
    created: str


@dataclass(frozen=True)
class Annotation:
    id: str
    anchor: Anchor
    note: str = ""
    tag: str = ""
    created: str = ""


@dataclass(frozen=True)
class ReviewState:
    """Everything a reviewer has entered: what findings export writes and import replaces."""

    answers: dict[tuple[str, str], Any] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()
    annotations: tuple[Annotation, ...] = ()


# -- commands --------------------------------------------------------------

@dataclass(frozen=True)
class SetAnswer:
    item_id: str  # CASE ("") for a case question
    question_id: str
    value: Any  # None clears the answer


@dataclass(frozen=True)
class AddEvidence:
    evidence: Evidence


@dataclass(frozen=True)
class RemoveEvidence:
    evidence_id: str


@dataclass(frozen=True)
class AddAnnotation:
    annotation: Annotation


@dataclass(frozen=True)
class RemoveAnnotation:
    annotation_id: str


@dataclass(frozen=True)
class EditAnnotation:
    annotation_id: str
    note: str
    tag: str


@dataclass(frozen=True)
class ResolveFinding:
    """The reviewer's answer to a personal-data finding: "not-personal-data" (with a reason) or "report-to-issuer";
    None undoes it."""

    finding_id: str
    resolution: str | None
    note: str = ""


@dataclass(frozen=True)
class ReplaceReview:
    state: ReviewState
    reason: str
    started: str | None = None
    completed: str | None = None


@dataclass(frozen=True)
class Signed:
    """Not a command: the history record of signing, which nothing undoes."""

    reviewer: str
    certificate_sha256: str
    report_sha256: str


@dataclass(frozen=True)
class Reopened:
    """Not a command: the history record of amending a signed review."""

    previously_signed_at: str


Command = Union[SetAnswer, AddEvidence, RemoveEvidence, AddAnnotation, RemoveAnnotation, EditAnnotation, ReplaceReview,
                ResolveFinding]


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(5)}"


# -- context ------------------------------------------------------------------

@dataclass(frozen=True)
class CaseContext:
    """What validation needs: the manifest, the review's own framework, page counts."""

    case_id: str
    manifest: Manifest
    framework: Framework
    pages: dict[str, int]
    status: str
    fingerprint: str

    def questions(self, item_id: str) -> tuple[Question, ...]:
        if item_id == CASE:
            return self.framework.case_questions
        try:
            kind = self.manifest.item(item_id).kind
        except KeyError:
            raise ReviewError(f"Case {self.case_id} has no item {item_id!r}.") from None
        return self.framework.questions_for(kind)

    def question(self, item_id: str, question_id: str) -> Question:
        for q in self.questions(item_id):
            if q.id == question_id:
                return q
        where = "the case" if item_id == CASE else f"item {item_id}"
        raise ReviewError(f"The framework {self.framework.id} has no question {question_id!r} for {where}.")


def load_context(ws: Workspace, case_id: str) -> CaseContext:
    case = ws.case(case_id)
    manifest = parse_stored_manifest(ws.manifest_bytes(case_id))
    framework = framework_from_snapshot(ws.review_row(case_id)["framework_source"])
    pages = {d.doc_id: d.pages for d in ws.documents(case_id)}
    return CaseContext(case_id, manifest, framework, pages, case.status, case.fingerprint)


def check_value(q: Question, value: Any, fw: Framework, where: str) -> None:
    """Raise ReviewError unless ``value`` is a valid answer to ``q`` (the findings spec's value shapes)."""
    def bad(why: str) -> ReviewError:
        return ReviewError(f"The answer to {where} {why}.")

    if q.type == "choice":
        if value not in q.options:
            raise bad(f"must be one of: {'; '.join(q.options)}")
    elif q.type == "scale":
        allowed = [lv.value for lv in fw.scale(q.scale)]
        if isinstance(value, bool) or value not in allowed:
            raise bad(f"must be one of the scale's values {allowed}")
    elif q.type == "text":
        if not isinstance(value, str):
            raise bad("must be text")
    elif q.type in ("list", "tags"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("must be a list of texts")
        if q.type == "tags":
            unknown = [v for v in value if v not in q.options]
            if unknown:
                raise bad(f"has tags the framework does not offer: {', '.join(unknown)}")
            if len(set(value)) != len(value):
                raise bad("repeats a tag")
    elif q.type == "flag":
        if not (isinstance(value, dict) and set(value) == {"raised", "note"} and isinstance(value["raised"], bool)
                and isinstance(value["note"], str)):
            raise bad('must be {"raised": true or false, "note": text}')
    elif q.type == "date":
        if not _iso_date(value):
            raise bad("must be a date written 2027-04-02")
    elif q.type == "actions":
        if not isinstance(value, list):
            raise bad('must be a list of {"action", "owner_role", "due"}')
        for n, row in enumerate(value, 1):
            if not (isinstance(row, dict) and set(row) == {"action", "owner_role", "due"}
                    and all(isinstance(row[k], str) for k in row)):
                raise bad(f'has action {n}, which is not {{"action": text, "owner_role": text, "due": date or ""}}')
            if row["due"] and not _iso_date(row["due"]):
                raise bad(f"has action {n} with a due date that is not a date written 2027-04-02")


def _iso_date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_anchor(ctx: CaseContext, a: Anchor, where: str) -> None:
    if a.doc_id not in ctx.pages:
        raise ReviewError(f"{where} names document {a.doc_id!r}, which is not in the case.")
    if not isinstance(a.page, int) or isinstance(a.page, bool) or not 1 <= a.page <= ctx.pages[a.doc_id]:
        raise ReviewError(f"{where} names page {a.page} of document {a.doc_id}, which has "
                          f"{ctx.pages[a.doc_id]} page{'s' if ctx.pages[a.doc_id] != 1 else ''}.")
    for name, text, limit in (("prefix", a.prefix, 32), ("suffix", a.suffix, 32)):
        if not isinstance(text, str) or len(text) > limit:
            raise ReviewError(f"{where} has a {name} longer than {limit} characters.")
    if a.exact is not None and (not isinstance(a.exact, str) or not a.exact):
        raise ReviewError(f"{where} has an empty quotation; leave it out to cite the whole page.")


# -- apply -----------------------------------------------------------------------

def apply(ws: Workspace, case_id: str, command: Command, *, ctx: CaseContext | None = None) -> Command:
    """Validate and durably apply ``command``; return its inverse."""
    ctx = ctx or load_context(ws, case_id)
    if ctx.status == "signed":
        raise ReviewError(f"Case {case_id} has been signed and is read-only; start a new version to change it.")
    _validate(ctx, command)
    with ws.transaction() as c:
        inverse, summary = _write(ws, c, case_id, command)
        _append_history(c, case_id, summary, command)
        c.execute("UPDATE reviews SET started = coalesce(started, ?) WHERE case_id = ?", (now_utc(), case_id))
    return inverse


def _validate(ctx: CaseContext, cmd: Command) -> None:
    if isinstance(cmd, SetAnswer):
        q = ctx.question(cmd.item_id, cmd.question_id)
        if cmd.value is not None:
            check_value(q, cmd.value, ctx.framework, _where(cmd.item_id, q.id))
    elif isinstance(cmd, AddEvidence):
        if cmd.evidence.item_id != CASE:
            ctx.questions(cmd.evidence.item_id)
        check_anchor(ctx, cmd.evidence.anchor, "The evidence")
    elif isinstance(cmd, AddAnnotation):
        check_anchor(ctx, cmd.annotation.anchor, "The annotation")
    elif isinstance(cmd, ReplaceReview):
        validate_state(ctx, cmd.state)
    elif isinstance(cmd, ResolveFinding):
        if cmd.resolution not in (None, "not-personal-data", "report-to-issuer"):
            raise ReviewError("A personal-data finding is resolved as not-personal-data or report-to-issuer, "
                              f"not {cmd.resolution!r}.")
        if cmd.resolution == "not-personal-data" and not cmd.note.strip():
            raise ReviewError("Say why it is not personal data: the reason is kept with the review.")


def validate_state(ctx: CaseContext, state: ReviewState) -> None:
    for (item_id, qid), value in state.answers.items():
        q = ctx.question(item_id, qid)
        check_value(q, value, ctx.framework, _where(item_id, qid))
    for ev in state.evidence:
        ctx.questions(ev.item_id)
        check_anchor(ctx, ev.anchor, f"Evidence for item {ev.item_id}")
    for an in state.annotations:
        check_anchor(ctx, an.anchor, f"Annotation {an.id}")


def _where(item_id: str, qid: str) -> str:
    return f"the case question {qid!r}" if item_id == CASE else f"question {qid!r} of item {item_id}"


def _anchor_cols(a: Anchor) -> tuple:
    return a.doc_id, a.page, a.exact, a.prefix, a.suffix


def _write(ws: Workspace, c, case_id: str, cmd: Command) -> tuple[Command, str]:
    if isinstance(cmd, SetAnswer):
        row = c.execute("SELECT value FROM answers WHERE case_id=? AND item_id=? AND question_id=?",
                        (case_id, cmd.item_id, cmd.question_id)).fetchone()
        old = json.loads(row[0]) if row else None
        if cmd.value is None:
            c.execute("DELETE FROM answers WHERE case_id=? AND item_id=? AND question_id=?",
                      (case_id, cmd.item_id, cmd.question_id))
        else:
            c.execute("INSERT OR REPLACE INTO answers (case_id, item_id, question_id, value) VALUES (?,?,?,?)",
                      (case_id, cmd.item_id, cmd.question_id, json.dumps(cmd.value, ensure_ascii=False)))
        label = "case" if cmd.item_id == CASE else cmd.item_id
        verb = "cleared" if cmd.value is None else "answered"
        return SetAnswer(cmd.item_id, cmd.question_id, old), f"{label} · {cmd.question_id} {verb}"
    if isinstance(cmd, AddEvidence):
        e = cmd.evidence
        c.execute("INSERT INTO evidence (case_id, id, item_id, doc_id, page, exact, prefix, suffix, created, seq) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?)",
                  (case_id, e.id, e.item_id, *_anchor_cols(e.anchor), e.created or now_utc(),
                   ws.next_seq(c, "evidence", case_id)))
        return RemoveEvidence(e.id), f"{e.item_id} · evidence cited ({e.anchor.doc_id} p{e.anchor.page})"
    if isinstance(cmd, RemoveEvidence):
        row = c.execute("SELECT item_id, doc_id, page, exact, prefix, suffix, created FROM evidence "
                        "WHERE case_id=? AND id=?", (case_id, cmd.evidence_id)).fetchone()
        if row is None:
            raise ReviewError(f"There is no evidence {cmd.evidence_id!r} in case {case_id}.")
        c.execute("DELETE FROM evidence WHERE case_id=? AND id=?", (case_id, cmd.evidence_id))
        ev = Evidence(cmd.evidence_id, row[0], Anchor(row[1], row[2], row[3], row[4] or "", row[5] or ""), row[6])
        return AddEvidence(ev), f"{row[0]} · evidence removed ({row[1]} p{row[2]})"
    if isinstance(cmd, AddAnnotation):
        a = cmd.annotation
        c.execute("INSERT INTO annotations (case_id, id, doc_id, page, exact, prefix, suffix, note, tag, created, seq) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                  (case_id, a.id, *_anchor_cols(a.anchor), a.note, a.tag, a.created or now_utc(),
                   ws.next_seq(c, "annotations", case_id)))
        return RemoveAnnotation(a.id), f"annotation added ({a.anchor.doc_id} p{a.anchor.page})"
    if isinstance(cmd, RemoveAnnotation):
        row = c.execute("SELECT doc_id, page, exact, prefix, suffix, note, tag, created FROM annotations "
                        "WHERE case_id=? AND id=?", (case_id, cmd.annotation_id)).fetchone()
        if row is None:
            raise ReviewError(f"There is no annotation {cmd.annotation_id!r} in case {case_id}.")
        c.execute("DELETE FROM annotations WHERE case_id=? AND id=?", (case_id, cmd.annotation_id))
        an = Annotation(cmd.annotation_id, Anchor(row[0], row[1], row[2], row[3] or "", row[4] or ""),
                        row[5], row[6], row[7])
        return AddAnnotation(an), f"annotation removed ({row[0]} p{row[1]})"
    if isinstance(cmd, EditAnnotation):
        row = c.execute("SELECT note, tag FROM annotations WHERE case_id=? AND id=?",
                        (case_id, cmd.annotation_id)).fetchone()
        if row is None:
            raise ReviewError(f"There is no annotation {cmd.annotation_id!r} in case {case_id}.")
        c.execute("UPDATE annotations SET note=?, tag=? WHERE case_id=? AND id=?",
                  (cmd.note, cmd.tag, case_id, cmd.annotation_id))
        return EditAnnotation(cmd.annotation_id, row[0], row[1]), "annotation edited"
    if isinstance(cmd, ResolveFinding):
        row = c.execute("SELECT resolution, note, kind, page_ref, masked FROM pd_findings WHERE case_id=? AND id=?",
                        (case_id, cmd.finding_id)).fetchone()
        if row is None:
            raise ReviewError(f"There is no personal-data finding {cmd.finding_id!r} in case {case_id}.")
        c.execute("UPDATE pd_findings SET resolution=?, note=? WHERE case_id=? AND id=?",
                  (cmd.resolution, cmd.note if cmd.resolution else "", case_id, cmd.finding_id))
        said = {None: "unresolved", "not-personal-data": "not personal data",
                "report-to-issuer": "report to issuer"}[cmd.resolution]
        # The history names the finding by kind, page and masked form only: never the text.
        return ResolveFinding(cmd.finding_id, row[0], row[1]), f"personal data · {row[3]} {row[2]} {row[4]}: {said}"
    if isinstance(cmd, ReplaceReview):
        old = read_state(ws, case_id)
        times = c.execute("SELECT started, completed FROM reviews WHERE case_id=?", (case_id,)).fetchone()
        for table in ("answers", "evidence", "annotations"):
            c.execute(f"DELETE FROM {table} WHERE case_id=?", (case_id,))
        for (item_id, qid), value in cmd.state.answers.items():
            c.execute("INSERT INTO answers (case_id, item_id, question_id, value) VALUES (?,?,?,?)",
                      (case_id, item_id, qid, json.dumps(value, ensure_ascii=False)))
        for seq, e in enumerate(cmd.state.evidence, 1):
            c.execute("INSERT INTO evidence (case_id, id, item_id, doc_id, page, exact, prefix, suffix, created, seq) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?)", (case_id, e.id, e.item_id, *_anchor_cols(e.anchor),
                                                       e.created or now_utc(), seq))
        for seq, a in enumerate(cmd.state.annotations, 1):
            c.execute("INSERT INTO annotations (case_id, id, doc_id, page, exact, prefix, suffix, note, tag, created, "
                      "seq) VALUES (?,?,?,?,?,?,?,?,?,?,?)", (case_id, a.id, *_anchor_cols(a.anchor), a.note, a.tag,
                                                              a.created or now_utc(), seq))
        c.execute("UPDATE reviews SET started=?, completed=? WHERE case_id=?",
                  (cmd.started or times[0], cmd.completed, case_id))
        return ReplaceReview(old, "undo: " + cmd.reason, times[0], times[1]), cmd.reason
    raise TypeError(f"not a review command: {cmd!r}")


def read_state(ws: Workspace, case_id: str) -> ReviewState:
    answers = ws.answers(case_id)
    evidence = tuple(Evidence(r["id"], r["item_id"], Anchor(r["doc_id"], r["page"], r["exact"], r["prefix"] or "",
                                                             r["suffix"] or ""), r["created"])
                     for r in ws.evidence_rows(case_id))
    annotations = tuple(Annotation(r["id"], Anchor(r["doc_id"], r["page"], r["exact"], r["prefix"] or "",
                                                   r["suffix"] or ""), r["note"], r["tag"], r["created"])
                        for r in ws.annotation_rows(case_id))
    return ReviewState(answers, evidence, annotations)


def record_signed(ws: Workspace, case_id: str, *, reviewer: dict, completed: str, report_sha256: str) -> None:
    """The case becomes read-only: who signed, when, and which report file (by hash) in the history."""
    with ws.transaction() as c:
        c.execute("UPDATE reviews SET reviewer_name=?, reviewer_organisation=?, reviewer_certificate=?, completed=? "
                  "WHERE case_id=?", (reviewer["name"], reviewer["organisation"], reviewer["certificate_sha256"],
                                      completed, case_id))
        summary = f"report signed by {reviewer['name']} (report SHA-256 {report_sha256[:16]}…)"
        _append_history(c, case_id, summary, Signed(reviewer["name"], reviewer["certificate_sha256"], report_sha256))
        c.execute("UPDATE cases SET status='signed', signed_at=? WHERE id=?", (completed, case_id))


def start_new_version(ws: Workspace, case_id: str) -> None:
    """Reopen a signed case for amendment; the signed report file is left untouched, and the history says so."""
    case = ws.case(case_id)
    if case.status != "signed":
        raise ReviewError(f"Case {case.reference} is not signed, so there is no version to amend.")
    with ws.transaction() as c:
        summary = f"new version started (the report signed on {case.signed_at} is kept)"
        _append_history(c, case_id, summary, Reopened(case.signed_at or ""))
        c.execute("UPDATE reviews SET completed=NULL WHERE case_id=?", (case_id,))
        c.execute("UPDATE cases SET status='open', signed_at=NULL WHERE id=?", (case_id,))


# -- history ---------------------------------------------------------------------

def _command_json(cmd: Command) -> str:
    data = asdict(cmd)
    if isinstance(cmd, ReplaceReview):  # the state can be large; the entry records what replaced what
        s = cmd.state
        data = {"reason": cmd.reason, "answers": len(s.answers), "evidence": len(s.evidence),
                "annotations": len(s.annotations)}
    return json.dumps({"type": type(cmd).__name__, **data}, ensure_ascii=False, sort_keys=True, default=str)


def entry_hash(prev_hash: str, seq: int, at: str, summary: str, command: str) -> str:
    body = json.dumps([prev_hash, seq, at, summary, command], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _append_history(c, case_id: str, summary: str, cmd: Command) -> None:
    row = c.execute("SELECT seq, hash FROM history WHERE case_id=? ORDER BY seq DESC LIMIT 1", (case_id,)).fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
    at = now_utc()
    command = _command_json(cmd)
    c.execute("INSERT INTO history (case_id, seq, at, summary, command, prev_hash, hash) VALUES (?,?,?,?,?,?,?)",
              (case_id, seq, at, summary, command, prev, entry_hash(prev, seq, at, summary, command)))


def verify_history(ws: Workspace, case_id: str) -> tuple[bool, str]:
    """Walk the chain; return (intact, a sentence)."""
    prev = GENESIS
    rows = ws.history_rows(case_id)
    for r in rows:
        if r["prev_hash"] != prev or entry_hash(prev, r["seq"], r["at"], r["summary"], r["command"]) != r["hash"]:
            return False, f"The change history of case {case_id} was altered at entry {r['seq']}."
        prev = r["hash"]
    return True, f"The change history of case {case_id} is intact ({len(rows)} entries)."


# -- completeness -------------------------------------------------------------------

@dataclass(frozen=True)
class Missing:
    item_id: str  # CASE for the case questions
    question_id: str
    reason: str

    def sentence(self) -> str:
        where = "Case" if self.item_id == CASE else f"Item {self.item_id}"
        return f"{where}, {self.question_id}: {self.reason}"


def answered(q: Question, value: Any) -> bool:
    """Whether ``value`` counts as an answer to ``q`` (blank text and empty lists do not)."""
    if value is None:
        return False
    if q.type == "text":
        return bool(value.strip())
    if q.type in ("list", "tags"):
        return any(v.strip() for v in value)
    if q.type == "actions":
        return any(row["action"].strip() for row in value)
    return True


def _said(answer: Any) -> str:
    if isinstance(answer, dict):
        answer = "raised" if answer.get("raised") else "not raised"
    return f'"{answer}"' if isinstance(answer, str) else str(answer)


def missing(ctx: CaseContext, state: ReviewState) -> list[Missing]:
    """What stops the review being complete, in bundle order, each with where to go."""
    out: list[Missing] = []
    evidence_count: dict[str, int] = {}
    for ev in state.evidence:
        evidence_count[ev.item_id] = evidence_count.get(ev.item_id, 0) + 1
    targets = [(item.id, ctx.framework.questions_for(item.kind)) for item in ctx.manifest.items]
    targets.append((CASE, ctx.framework.case_questions))
    for item_id, questions in targets:
        def answer_of(qid: str, item_id=item_id):
            return state.answers.get((item_id, qid))

        for q in questions:
            value = state.answers.get((item_id, q.id))
            if q.is_required(answer_of) and not answered(q, value):
                out.append(Missing(item_id, q.id, "not answered" if q.required_when is None
                                   else f"required because {q.required_when[0]} is "
                                        f"{_said(answer_of(q.required_when[0]))}"))
            if q.type == "flag" and isinstance(value, dict) and value.get("raised") and not value["note"].strip():
                out.append(Missing(item_id, q.id, "raised without the note it requires"))
            if q.min_evidence and evidence_count.get(item_id, 0) < q.min_evidence:
                n = q.min_evidence
                out.append(Missing(item_id, q.id, f"needs at least {n} evidence citation{'s' if n != 1 else ''}"))
    return out

