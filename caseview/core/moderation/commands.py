"""Moderation commands: each is applied with its history entry in one durable transaction and returns its inverse.

As with the review (``core/review.py``): ``apply(ws, moderation_id, command)`` validates,
writes, appends a hash-chained history entry (``moderation_history``, the review's
``entry_hash``), and returns the command that undoes it; a kill -9 leaves the
moderation as it was before or after a command, never between.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Union

from ..errors import NotFound, ReviewError
from ..frameworks import framework_from_snapshot
from ..manifest import parse_stored_manifest
from ..review import GENESIS, Anchor, CaseContext, entry_hash
from ..store import Workspace, now_utc
from .model import (FINISHED, Citation, ItemVerdict, ModerationContext, ModerationState, PaymentChange,
                    check_citation, check_overall_values, check_payment_values, check_state, check_verdict_values)


@dataclass(frozen=True)
class SetVerdict:
    """The verdict, moderated judgement and comment on one item; a verdict of None clears the item."""

    verdict: ItemVerdict


@dataclass(frozen=True)
class SetOverall:
    overall: str | None
    comment: str


@dataclass(frozen=True)
class SetPayment:
    """A moderated payment recommendation; ``change`` None returns the outcome to the reviewer's."""

    item_id: str
    change: PaymentChange | None


@dataclass(frozen=True)
class AddCitation:
    citation: Citation


@dataclass(frozen=True)
class RemoveCitation:
    citation_id: str


@dataclass(frozen=True)
class ReplaceModeration:
    state: ModerationState
    reason: str


@dataclass(frozen=True)
class Finished:
    """Not a command: the history record of countersigning, which nothing undoes."""

    moderator: str
    certificate_sha256: str
    moderation_sha256: str
    record_sha256: str
    countersigned_sha256: str


Command = Union[SetVerdict, SetOverall, SetPayment, AddCitation, RemoveCitation, ReplaceModeration]


# -- reading --------------------------------------------------------------------

def moderation_row(ws: Workspace, moderation_id: str) -> dict[str, Any]:
    cur = ws.conn.execute("SELECT id, case_id, report_sha256, framework_source, reviewer, created, started, "
                          "completed, status, finished FROM moderations WHERE id = ?", (moderation_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"There is no moderation {moderation_id!r} in the workspace {ws.root}; "
                       "'caseview moderate list' lists them.")
    return dict(zip([d[0] for d in cur.description], row))


def resolve_moderation(ws: Workspace, key: str) -> str:
    """A moderation by id or unique id prefix (at least four characters)."""
    ids = [r[0] for r in ws.conn.execute("SELECT id FROM moderations")]
    if key in ids:
        return key
    hits = [i for i in ids if len(key) >= 4 and i.lower().startswith(key.lower())]
    if len(hits) == 1:
        return hits[0]
    raise NotFound(f"There is no moderation {key!r} in the workspace {ws.root}; 'caseview moderate list' lists them.")


def report_bytes(ws: Workspace, moderation_id: str) -> tuple[bytes, bytes]:
    """The report as the reviewer signed it, and its embedded findings, as kept when the moderation started."""
    row = ws.conn.execute("SELECT report, findings FROM moderations WHERE id = ?", (moderation_id,)).fetchone()
    if row is None:
        raise NotFound(f"There is no moderation {moderation_id!r} in the workspace {ws.root}.")
    return bytes(row[0]), bytes(row[1])


def load_context(ws: Workspace, moderation_id: str) -> ModerationContext:
    row = moderation_row(ws, moderation_id)
    case = ws.case(row["case_id"])
    manifest = parse_stored_manifest(ws.manifest_bytes(case.id))
    framework = framework_from_snapshot(row["framework_source"])
    pages = {d.doc_id: d.pages for d in ws.documents(case.id)}
    _report, findings = report_bytes(ws, moderation_id)
    return ModerationContext(
        moderation_id=moderation_id,
        case=CaseContext(case.id, manifest, framework, pages, case.status, case.fingerprint),
        findings=json.loads(findings.decode("utf-8")),
        report_sha256=row["report_sha256"],
        reviewer=json.loads(row["reviewer"]),
        status=row["status"],
        created=row["created"],
        started=row["started"],
    )


def read_state(ws: Workspace, moderation_id: str) -> ModerationState:
    c = ws.conn
    items = {r[0]: ItemVerdict(r[0], r[1], json.loads(r[2]) if r[2] is not None else None, r[3])
             for r in c.execute("SELECT item_id, verdict, judgement, comment FROM moderation_items "
                                "WHERE moderation_id = ?", (moderation_id,))}
    evidence = tuple(Citation(r[0], r[1], Anchor(r[2], r[3], r[4], r[5] or "", r[6] or ""), r[7])
                     for r in c.execute("SELECT id, item_id, doc_id, page, exact, prefix, suffix, created "
                                        "FROM moderation_evidence WHERE moderation_id = ? ORDER BY seq",
                                        (moderation_id,)))
    payments = {r[0]: PaymentChange(r[0], r[1], r[2])
                for r in c.execute("SELECT item_id, moderated, comment FROM moderation_payments "
                                   "WHERE moderation_id = ?", (moderation_id,))}
    overall, comment = c.execute("SELECT overall, comment FROM moderations WHERE id = ?", (moderation_id,)).fetchone()
    return ModerationState(items, evidence, overall, comment or "", payments)


def history_rows(ws: Workspace, moderation_id: str) -> list[dict[str, Any]]:
    cur = ws.conn.execute("SELECT seq, at, summary, command, prev_hash, hash FROM moderation_history "
                          "WHERE moderation_id = ? ORDER BY seq", (moderation_id,))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def verify_history(ws: Workspace, moderation_id: str) -> tuple[bool, str]:
    """Walk the chain; return (intact, a sentence)."""
    prev = GENESIS
    rows = history_rows(ws, moderation_id)
    for r in rows:
        if r["prev_hash"] != prev or entry_hash(prev, r["seq"], r["at"], r["summary"], r["command"]) != r["hash"]:
            return False, f"The change history of moderation {moderation_id} was altered at entry {r['seq']}."
        prev = r["hash"]
    return True, f"The change history of moderation {moderation_id} is intact ({len(rows)} entries)."


# -- applying --------------------------------------------------------------------

def apply(ws: Workspace, moderation_id: str, command: Command, *, ctx: ModerationContext | None = None) -> Command:
    """Validate and durably apply ``command``; return its inverse."""
    ctx = ctx or load_context(ws, moderation_id)
    _validate(ctx, command)
    with ws.transaction() as c:
        status = c.execute("SELECT status FROM moderations WHERE id = ?", (moderation_id,)).fetchone()
        if status is None or status[0] == FINISHED:
            raise ReviewError(f"Moderation {moderation_id} has been countersigned and is read-only.")
        inverse, summary = _write(ws, c, moderation_id, command)
        append_history(c, moderation_id, summary, command)
        c.execute("UPDATE moderations SET started = coalesce(started, ?) WHERE id = ?", (now_utc(), moderation_id))
    return inverse


def _validate(ctx: ModerationContext, cmd: Command) -> None:
    if isinstance(cmd, SetVerdict):
        check_verdict_values(ctx, cmd.verdict, f"The verdict on item {cmd.verdict.item_id}")
    elif isinstance(cmd, SetOverall):
        check_overall_values(cmd.overall, cmd.comment)
    elif isinstance(cmd, SetPayment):
        ctx.check_item(cmd.item_id, "The payment recommendation")
        if cmd.change is not None:
            if cmd.change.item_id != cmd.item_id:
                raise ReviewError("A payment change must name the outcome it changes.")
            check_payment_values(ctx, cmd.change, f"The payment recommendation for {cmd.item_id}")
    elif isinstance(cmd, AddCitation):
        check_citation(ctx, cmd.citation, f"The citation for item {cmd.citation.item_id}")
    elif isinstance(cmd, ReplaceModeration):
        check_state(ctx, cmd.state)


def _anchor_cols(a: Anchor) -> tuple:
    return a.doc_id, a.page, a.exact, a.prefix, a.suffix


def _insert_citation(c, moderation_id: str, e: Citation, seq: int) -> None:
    c.execute("INSERT INTO moderation_evidence (moderation_id, id, item_id, doc_id, page, exact, prefix, suffix, "
              "created, seq) VALUES (?,?,?,?,?,?,?,?,?,?)",
              (moderation_id, e.id, e.item_id, *_anchor_cols(e.anchor), e.created or now_utc(), seq))


def _put_verdict(c, moderation_id: str, v: ItemVerdict) -> None:
    if v.verdict is None and v.judgement is None and not v.comment:
        c.execute("DELETE FROM moderation_items WHERE moderation_id=? AND item_id=?", (moderation_id, v.item_id))
        return
    judgement = json.dumps(v.judgement, ensure_ascii=False) if v.judgement is not None else None
    c.execute("INSERT OR REPLACE INTO moderation_items (moderation_id, item_id, verdict, judgement, comment) "
              "VALUES (?,?,?,?,?)", (moderation_id, v.item_id, v.verdict, judgement, v.comment))


def _put_payment(c, moderation_id: str, item_id: str, p: PaymentChange | None) -> None:
    if p is None:
        c.execute("DELETE FROM moderation_payments WHERE moderation_id=? AND item_id=?", (moderation_id, item_id))
    else:
        c.execute("INSERT OR REPLACE INTO moderation_payments (moderation_id, item_id, moderated, comment) "
                  "VALUES (?,?,?,?)", (moderation_id, item_id, p.moderated, p.comment))


def _write(ws: Workspace, c, moderation_id: str, cmd: Command) -> tuple[Command, str]:
    mid = moderation_id
    if isinstance(cmd, SetVerdict):
        v = cmd.verdict
        row = c.execute("SELECT verdict, judgement, comment FROM moderation_items WHERE moderation_id=? AND item_id=?",
                        (mid, v.item_id)).fetchone()
        old = ItemVerdict(v.item_id, row[0], json.loads(row[1]) if row[1] is not None else None, row[2]) if row \
            else ItemVerdict(v.item_id, None)
        _put_verdict(c, mid, v)
        return SetVerdict(old), f"{v.item_id} · verdict {v.verdict or 'cleared'}"
    if isinstance(cmd, SetOverall):
        old = c.execute("SELECT overall, comment FROM moderations WHERE id=?", (mid,)).fetchone()
        c.execute("UPDATE moderations SET overall=?, comment=? WHERE id=?", (cmd.overall, cmd.comment, mid))
        return SetOverall(old[0], old[1] or ""), f"case · overall {cmd.overall or 'cleared'}"
    if isinstance(cmd, SetPayment):
        row = c.execute("SELECT moderated, comment FROM moderation_payments WHERE moderation_id=? AND item_id=?",
                        (mid, cmd.item_id)).fetchone()
        old = PaymentChange(cmd.item_id, row[0], row[1]) if row else None
        _put_payment(c, mid, cmd.item_id, cmd.change)
        what = cmd.change.moderated if cmd.change else "the reviewer's"
        return SetPayment(cmd.item_id, old), f"{cmd.item_id} · payment {what}"
    if isinstance(cmd, AddCitation):
        e = cmd.citation
        seq = c.execute("SELECT coalesce(max(seq), 0) + 1 FROM moderation_evidence WHERE moderation_id=?",
                        (mid,)).fetchone()[0]
        _insert_citation(c, mid, e, seq)
        return RemoveCitation(e.id), f"{e.item_id} · evidence cited ({e.anchor.doc_id} p{e.anchor.page})"
    if isinstance(cmd, RemoveCitation):
        row = c.execute("SELECT item_id, doc_id, page, exact, prefix, suffix, created FROM moderation_evidence "
                        "WHERE moderation_id=? AND id=?", (mid, cmd.citation_id)).fetchone()
        if row is None:
            raise ReviewError(f"There is no citation {cmd.citation_id!r} in moderation {mid}.")
        c.execute("DELETE FROM moderation_evidence WHERE moderation_id=? AND id=?", (mid, cmd.citation_id))
        cit = Citation(cmd.citation_id, row[0], Anchor(row[1], row[2], row[3], row[4] or "", row[5] or ""), row[6])
        return AddCitation(cit), f"{row[0]} · evidence removed ({row[1]} p{row[2]})"
    if isinstance(cmd, ReplaceModeration):
        old = read_state(ws, mid)
        for table in ("moderation_items", "moderation_payments", "moderation_evidence"):
            c.execute(f"DELETE FROM {table} WHERE moderation_id=?", (mid,))
        for v in cmd.state.items.values():
            _put_verdict(c, mid, v)
        for p in cmd.state.payments.values():
            _put_payment(c, mid, p.item_id, p)
        for seq, e in enumerate(cmd.state.evidence, 1):
            _insert_citation(c, mid, e, seq)
        c.execute("UPDATE moderations SET overall=?, comment=? WHERE id=?", (cmd.state.overall, cmd.state.comment, mid))
        return ReplaceModeration(old, "undo: " + cmd.reason), cmd.reason
    raise TypeError(f"not a moderation command: {cmd!r}")


# -- history ---------------------------------------------------------------------

def _command_json(cmd) -> str:
    data = asdict(cmd)
    if isinstance(cmd, ReplaceModeration):  # the entry records what replaced what, not the whole state
        s = cmd.state
        data = {"reason": cmd.reason, "items": len(s.items), "evidence": len(s.evidence),
                "payments": len(s.payments), "overall": s.overall}
    return json.dumps({"type": type(cmd).__name__, **data}, ensure_ascii=False, sort_keys=True, default=str)


def append_history(c, moderation_id: str, summary: str, cmd) -> None:
    """One hash-chained entry, inside the caller's transaction."""
    row = c.execute("SELECT seq, hash FROM moderation_history WHERE moderation_id=? ORDER BY seq DESC LIMIT 1",
                    (moderation_id,)).fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
    at = now_utc()
    command = _command_json(cmd)
    c.execute("INSERT INTO moderation_history (moderation_id, seq, at, summary, command, prev_hash, hash) "
              "VALUES (?,?,?,?,?,?,?)", (moderation_id, seq, at, summary, command, prev,
                                         entry_hash(prev, seq, at, summary, command)))
