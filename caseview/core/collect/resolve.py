"""The collection as a whole: duplicates, superseded reviews, what is counted, and moderation records paired."""

from __future__ import annotations

import sqlite3

from ..dates import uk_date


def _name(conn: sqlite3.Connection, sha256: str) -> str:
    row = conn.execute("SELECT name FROM files WHERE sha256 = ?", (sha256,)).fetchone()
    return row[0] if row else sha256


def resolve(conn: sqlite3.Connection, include_untrusted: bool) -> None:
    """Recompute every status that depends on other files; the caller holds the transaction."""
    eligible = ("accepted", "untrusted") if include_untrusted else ("accepted",)
    conn.execute("UPDATE files SET status = verdict, reason = detail")
    conn.execute("UPDATE reports SET counted = 0, moderation_overall = CASE kind WHEN 'report' THEN NULL "
                 "ELSE moderation_overall END")
    conn.execute("UPDATE items SET moderation_verdict = NULL, moderated_value = NULL")
    conn.execute("UPDATE moderations SET paired_with = NULL, counted = 0")
    rows = conn.execute("""
        SELECT r.sha256, r.revision1_sha256, r.bundle_id, r.completed, r.signed_at, r.signatures, f.verdict, f.name
        FROM reports r JOIN files f ON f.sha256 = r.sha256
        WHERE r.kind = 'report' AND f.verdict IN ('accepted', 'untrusted')""").fetchall()
    base_reason = dict(conn.execute("SELECT sha256, detail FROM files WHERE sha256 IN (SELECT sha256 FROM reports)"))

    # A report and its countersigned version share the bytes the reviewer signed: keep one.
    by_revision: dict[str, list] = {}
    for r in rows:
        by_revision.setdefault(r[1] or r[0], []).append(r)
    remaining = []
    for group in by_revision.values():
        group.sort(key=lambda r: (r[6] not in eligible, -r[5], r[7]))
        keep, rest = group[0], group[1:]
        remaining.append(keep)
        for r in rest:
            what = "countersigned version" if keep[5] > r[5] else "other copy of the same signed review"
            conn.execute("UPDATE files SET status = 'duplicate', reason = ? WHERE sha256 = ?",
                         (f"Its {what} {keep[7]} is in the collection (the same reviewer's signed revision). "
                          + base_reason[r[0]], r[0]))

    # The latest completed review of a bundle supersedes the earlier ones (only counted ones compete).
    by_bundle: dict[str, list] = {}
    for r in remaining:
        if r[6] in eligible:
            by_bundle.setdefault(r[2] or r[0], []).append(r)
    for group in by_bundle.values():
        group.sort(key=lambda r: (r[3] or "", r[4] or "", r[7]), reverse=True)
        latest = group[0]
        conn.execute("UPDATE reports SET counted = 1 WHERE sha256 = ?", (latest[0],))
        for r in group[1:]:
            when = uk_date(latest[3]) if latest[3] else "at an unstated time"
            conn.execute("UPDATE files SET status = 'superseded', reason = ? WHERE sha256 = ?",
                         (f"A later completed review of the same bundle, {latest[7]} (completed {when}), "
                          "is in the collection. " + base_reason[r[0]], r[0]))
    if include_untrusted:
        conn.execute("""UPDATE files SET reason = reason || ' Counted: this run was asked to count untrusted signers too.'
                        WHERE status = 'untrusted' AND sha256 IN (SELECT sha256 FROM reports WHERE counted = 1)""")
    else:
        conn.execute("""UPDATE files SET reason = reason || ' Listed, not counted: only trusted signers are counted unless the run is asked to count others.'
                        WHERE status = 'untrusted'""")
    _pair_moderations(conn, eligible)


def _pair_moderations(conn: sqlite3.Connection, eligible: tuple[str, ...]) -> None:
    marks = ",".join("?" * len(eligible))
    records = conn.execute(f"""
        SELECT m.record, m.report, m.overall, f.verdict FROM moderations m JOIN files f ON f.sha256 = m.record""")
    for record, report_sha, overall, verdict in records.fetchall():
        counted = verdict in eligible
        conn.execute("UPDATE moderations SET counted = ? WHERE record = ?", (int(counted), record))
        target = conn.execute(f"""
            SELECT r.sha256 FROM reports r JOIN files f ON f.sha256 = r.sha256
            WHERE r.kind = 'report' AND r.revision1_sha256 = ? AND f.verdict IN ('accepted', 'untrusted')
            ORDER BY r.counted DESC, f.status IN ({marks}) DESC, r.signatures DESC, f.name LIMIT 1""",
                              (report_sha, *eligible)).fetchone()
        if target is None:
            note = (" Unpaired: the report it moderates is not in the collection; "
                    + ("counted only in the agreement figures." if counted else "not counted."))
        else:
            conn.execute("UPDATE moderations SET paired_with = ? WHERE record = ?", (target[0], record))
            note = f" Paired with {_name(conn, target[0])}" + ("." if counted else "; not counted.")
            if counted:
                conn.execute("UPDATE reports SET moderation_overall = ? WHERE sha256 = ?", (overall, target[0]))
                conn.execute("""
                    UPDATE items SET
                        moderation_verdict = (SELECT verdict FROM moderation_items mi
                                              WHERE mi.record = ? AND mi.item_id = items.item_id),
                        moderated_value = (SELECT moderated_judgement FROM moderation_items mi
                                           WHERE mi.record = ? AND mi.item_id = items.item_id
                                             AND mi.moderated_judgement IS NOT mi.reviewer_judgement)
                    WHERE report = ?""", (record, record, target[0]))
        conn.execute("UPDATE files SET reason = reason || ? WHERE sha256 = ?", (note, record))
