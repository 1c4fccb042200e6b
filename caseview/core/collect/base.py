"""The evidence base: one SQLite file (sqlite-utils) with a versioned schema; docs/collect.md documents every column."""

from __future__ import annotations

import csv
import os
import sqlite3
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from ..errors import CaseViewError

FORMAT = "caseview-evidence-base"
SCHEMA_VERSION = 1
STATUSES = ("accepted", "untrusted", "rejected", "superseded", "duplicate", "not-a-report")
SQLITE_MAGIC = b"SQLite format 3\x00"

migrations = Migrations("caseview-evidence")


class CollectError(CaseViewError):
    """A collect run cannot go on; the message is the one sentence the user reads."""


@migrations(name="0001_evidence_base")
def _m0001(db: sqlite_utils.Database) -> None:
    db.executescript("""
    CREATE TABLE evidence_base (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT, inputs TEXT NOT NULL,
        include_untrusted INTEGER NOT NULL, recheck INTEGER NOT NULL, new_files INTEGER,
        accepted INTEGER, untrusted INTEGER, rejected INTEGER, superseded INTEGER, duplicate INTEGER,
        not_a_report INTEGER
    );
    CREATE TABLE files (
        sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, size INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('accepted','untrusted','rejected','superseded','duplicate','not-a-report')),
        reason TEXT NOT NULL, verdict TEXT NOT NULL, detail TEXT NOT NULL, first_seen TEXT NOT NULL, run INTEGER REFERENCES runs(id),
        checked TEXT NOT NULL
    );
    CREATE TABLE copies (
        name TEXT PRIMARY KEY, sha256 TEXT NOT NULL REFERENCES files(sha256) ON DELETE CASCADE,
        first_seen TEXT NOT NULL, run INTEGER REFERENCES runs(id)
    );
    CREATE TABLE reports (
        sha256 TEXT PRIMARY KEY REFERENCES files(sha256) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('report','moderation-record')),
        case_reference TEXT, bundle_id TEXT, fingerprint TEXT, issuer TEXT,
        framework_id TEXT, framework_version TEXT, reviewer TEXT, reviewer_organisation TEXT,
        signer_certificate_sha256 TEXT, signed_at TEXT, completed TEXT, moderation_overall TEXT,
        currency TEXT, claimed_pence INTEGER, recommended_pence INTEGER, withheld_pence INTEGER,
        deferred_pence INTEGER, undecided_pence INTEGER,
        revision1_sha256 TEXT, signatures INTEGER NOT NULL, moderated_by TEXT, counted INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX reports_bundle ON reports(bundle_id);
    CREATE INDEX reports_revision1 ON reports(revision1_sha256);
    CREATE TABLE items (
        report TEXT NOT NULL REFERENCES reports(sha256) ON DELETE CASCADE, item_id TEXT NOT NULL,
        position INTEGER NOT NULL, kind TEXT, title TEXT, date TEXT,
        judgement_value INTEGER, judgement_label TEXT,
        threshold TEXT, evidence_quality TEXT, attributable TEXT, sustained TEXT, payment TEXT, recheck TEXT,
        claim_reference TEXT, provider TEXT, contract TEXT, currency TEXT, claimed_pence INTEGER,
        recommended_pence INTEGER, moderation_verdict TEXT, moderated_value TEXT,
        PRIMARY KEY (report, item_id)
    );
    CREATE TABLE answers (
        report TEXT NOT NULL REFERENCES reports(sha256) ON DELETE CASCADE, item_id TEXT,
        question TEXT NOT NULL, value TEXT NOT NULL
    );
    CREATE INDEX answers_report ON answers(report);
    CREATE TABLE evidence (
        report TEXT NOT NULL REFERENCES reports(sha256) ON DELETE CASCADE, item_id TEXT, document_id TEXT,
        page INTEGER, page_ref TEXT, quote TEXT
    );
    CREATE INDEX evidence_report ON evidence(report);
    CREATE TABLE timeliness (
        report TEXT NOT NULL REFERENCES reports(sha256) ON DELETE CASCADE, rule_set TEXT, rule TEXT NOT NULL,
        subject TEXT, from_event TEXT, to_event TEXT, status TEXT NOT NULL, due TEXT, actual TEXT, elapsed INTEGER
    );
    CREATE INDEX timeliness_report ON timeliness(report);
    CREATE TABLE moderations (
        record TEXT PRIMARY KEY REFERENCES reports(sha256) ON DELETE CASCADE, report TEXT NOT NULL,
        moderator TEXT, moderator_organisation TEXT, overall TEXT, framework_id TEXT, framework_version TEXT,
        case_reference TEXT, paired_with TEXT, counted INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX moderations_report ON moderations(report);
    CREATE TABLE moderation_items (
        record TEXT NOT NULL REFERENCES moderations(record) ON DELETE CASCADE, item_id TEXT NOT NULL,
        question TEXT, verdict TEXT, reviewer_judgement TEXT, moderated_judgement TEXT, comment TEXT,
        PRIMARY KEY (record, item_id)
    );
    CREATE TABLE agreement (
        framework_id TEXT NOT NULL, question TEXT NOT NULL, n INTEGER NOT NULL, exact REAL, within_one REAL,
        kappa REAL, kappa_low REAL, kappa_high REAL, bootstrap INTEGER NOT NULL, seed INTEGER NOT NULL,
        PRIMARY KEY (framework_id, question)
    );
    CREATE VIEW v_payments_by_provider AS
        SELECT coalesce(i.provider, '(no provider named)') AS provider, coalesce(i.contract, '') AS contract,
               i.currency AS currency, count(*) AS outcomes,
               sum(i.claimed_pence) AS claimed_pence,
               sum(CASE WHEN i.payment = 'Pay' THEN i.claimed_pence ELSE 0 END) AS recommended_pence,
               sum(CASE WHEN i.payment = 'Withhold' THEN i.claimed_pence ELSE 0 END) AS withheld_pence,
               sum(CASE WHEN i.payment = 'Defer' THEN i.claimed_pence ELSE 0 END) AS deferred_pence,
               sum(CASE WHEN i.payment IS NULL THEN i.claimed_pence ELSE 0 END) AS undecided_pence
        FROM items i JOIN reports r ON r.sha256 = i.report
        WHERE r.counted = 1 AND i.claimed_pence IS NOT NULL
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
    CREATE VIEW v_timeliness_by_rule AS
        SELECT t.rule_set, t.rule, count(*) AS instances,
               sum(t.status = 'met') AS met, sum(t.status = 'missed') AS missed,
               sum(t.status = 'not-evidenced') AS not_evidenced, sum(t.status = 'not-yet-due') AS not_yet_due,
               sum(t.status = 'not-applicable') AS not_applicable,
               round(1.0 * sum(t.status = 'met') / nullif(sum(t.status IN ('met','missed','not-evidenced')), 0), 4)
                   AS met_rate
        FROM timeliness t JOIN reports r ON r.sha256 = t.report
        WHERE r.counted = 1 GROUP BY 1, 2 ORDER BY 1, 2;
    CREATE VIEW v_judgements_by_item_kind AS
        SELECT r.framework_id, i.kind, i.judgement_value, i.judgement_label, count(*) AS items
        FROM items i JOIN reports r ON r.sha256 = i.report
        WHERE r.counted = 1 AND r.kind = 'report' AND i.judgement_value IS NOT NULL
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3 DESC;
    CREATE VIEW v_agreement AS
        SELECT m.framework_id, mi.question, count(*) AS n,
               sum(mi.reviewer_judgement = mi.moderated_judgement) AS exact_agreements,
               round(1.0 * sum(mi.reviewer_judgement = mi.moderated_judgement) / count(*), 4) AS exact,
               a.within_one, a.kappa, a.kappa_low, a.kappa_high
        FROM moderation_items mi JOIN moderations m ON m.record = mi.record
        LEFT JOIN agreement a ON a.framework_id = m.framework_id AND a.question = mi.question
        WHERE m.counted = 1 AND mi.reviewer_judgement IS NOT NULL AND mi.moderated_judgement IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2;
    """)
    db["evidence_base"].insert_all([{"key": "format", "value": FORMAT},
                                    {"key": "schema_version", "value": str(SCHEMA_VERSION)}])


def _is_evidence_base(conn: sqlite3.Connection) -> bool:
    try:
        row = conn.execute("SELECT value FROM evidence_base WHERE key = 'format'").fetchone()
    except sqlite3.DatabaseError:
        return False
    return bool(row) and row[0] == FORMAT


def open_evidence_base(path: Path) -> sqlite_utils.Database:
    """Open or create the evidence base; any other existing file is refused and left exactly as it was."""
    path = Path(path)
    fresh = not path.exists() or (path.is_file() and path.stat().st_size == 0)
    if path.exists() and not path.is_file():
        raise CollectError(f"{path} is a folder, not an evidence base; give a file name with -o.")
    if not fresh:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
        if head != SQLITE_MAGIC:
            raise CollectError(f"{path} is not a CaseView evidence base (not an SQLite database); it was left as it "
                               "was. Give a new file name with -o.")
    elif not path.parent.exists():
        raise CollectError(f"The folder {path.parent} does not exist; the evidence base cannot be written there.")
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        if not fresh and not _is_evidence_base(conn):
            conn.close()
            raise CollectError(f"{path} is an SQLite database but not a CaseView evidence base; it was left as it "
                               "was. Give a new file name with -o.")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError as exc:
        raise CollectError(f"{path} cannot be opened as an evidence base ({exc}).") from None
    db = sqlite_utils.Database(conn)
    if migrations.pending(db):
        migrations.apply(db)
    version = conn.execute("SELECT value FROM evidence_base WHERE key = 'schema_version'").fetchone()
    if version and int(version[0]) > SCHEMA_VERSION:
        conn.close()
        raise CollectError(f"{path} was written by a newer CaseView (schema {version[0]}); update CaseView to add "
                           "to it.")
    return db


TABLES = ("files", "copies", "reports", "items", "answers", "evidence", "timeliness", "moderations",
          "moderation_items", "agreement", "runs")
VIEWS = ("v_payments_by_provider", "v_timeliness_by_rule", "v_judgements_by_item_kind", "v_agreement")


def write_csv(db: sqlite_utils.Database, folder: Path) -> list[Path]:
    """Each table and view as UTF-8 CSV (a header row, then the rows), one file each, named after it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES + VIEWS:
        out = folder / f"{name}.csv"
        tmp = out.with_name(out.name + ".tmp")
        cur = db.conn.execute(f"SELECT * FROM [{name}]")
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([d[0] for d in cur.description])
            for row in cur:
                w.writerow(row)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
        written.append(out)
    return written
