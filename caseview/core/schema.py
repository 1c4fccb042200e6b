"""The workspace's schema as named migrations, applied in order; sqlite-utils is imported only when one is pending.

Each migration is recorded in sqlite-utils' ``_sqlite_migrations`` table (set
``caseview``), so a workspace written by an older CaseView is upgraded on open.
Whether any is pending is read with one query, so an ordinary open never loads
sqlite-utils (about 55 ms of imports: click, pluggy, dateutil).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import sqlite_utils

MIGRATION_SET = "caseview"
MIGRATIONS_TABLE = "_sqlite_migrations"
_MIGRATIONS: list[tuple[str, Callable[["sqlite_utils.Database"], None]]] = []


def _migration(name: str):
    def register(fn):
        _MIGRATIONS.append((name, fn))
        return fn
    return register


@_migration("0001_initial")
def _m0001(db: sqlite_utils.Database) -> None:
    db.executescript("""
    CREATE TABLE cases (
        id TEXT PRIMARY KEY, bundle_id TEXT NOT NULL, fingerprint TEXT NOT NULL UNIQUE,
        version INTEGER NOT NULL, reference TEXT NOT NULL, title TEXT, issuer TEXT NOT NULL,
        framework_id TEXT NOT NULL, due TEXT, manifest BLOB NOT NULL,
        issuer_status TEXT NOT NULL, issuer_signer TEXT, issuer_fingerprint TEXT,
        imported_at TEXT NOT NULL, opened_at TEXT, status TEXT NOT NULL DEFAULT 'open', signed_at TEXT
    );
    CREATE INDEX cases_bundle ON cases(bundle_id);
    CREATE TABLE documents (
        case_id TEXT NOT NULL REFERENCES cases(id), doc_id TEXT NOT NULL, position INTEGER NOT NULL,
        sha256 TEXT NOT NULL, media_type TEXT NOT NULL, title TEXT NOT NULL, section TEXT NOT NULL,
        date TEXT, author_role TEXT, issuer_pages INTEGER, pages INTEGER NOT NULL, first_page INTEGER NOT NULL,
        problem TEXT,
        PRIMARY KEY (case_id, doc_id)
    );
    CREATE TABLE pages (
        id INTEGER PRIMARY KEY, case_id TEXT NOT NULL, doc_id TEXT NOT NULL, page INTEGER NOT NULL,
        ref TEXT NOT NULL, text TEXT NOT NULL
    );
    CREATE UNIQUE INDEX pages_at ON pages(case_id, doc_id, page);
    CREATE VIRTUAL TABLE pages_fts USING fts5(
        text, content='pages', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER pages_ai AFTER INSERT ON pages BEGIN
        INSERT INTO pages_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER pages_ad AFTER DELETE ON pages BEGIN
        INSERT INTO pages_fts(pages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TABLE reviews (
        case_id TEXT PRIMARY KEY REFERENCES cases(id), framework_id TEXT NOT NULL,
        framework_version TEXT NOT NULL, framework_source TEXT NOT NULL,
        started TEXT, completed TEXT, reviewer_name TEXT, reviewer_organisation TEXT, reviewer_certificate TEXT
    );
    CREATE TABLE answers (
        case_id TEXT NOT NULL, item_id TEXT NOT NULL, question_id TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (case_id, item_id, question_id)
    );
    CREATE TABLE evidence (
        case_id TEXT NOT NULL, id TEXT NOT NULL, item_id TEXT NOT NULL, doc_id TEXT NOT NULL, page INTEGER NOT NULL,
        exact TEXT, prefix TEXT, suffix TEXT, created TEXT NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY (case_id, id)
    );
    CREATE TABLE annotations (
        case_id TEXT NOT NULL, id TEXT NOT NULL, doc_id TEXT NOT NULL, page INTEGER NOT NULL,
        exact TEXT, prefix TEXT, suffix TEXT, note TEXT NOT NULL DEFAULT '', tag TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY (case_id, id)
    );
    CREATE TABLE history (
        case_id TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, summary TEXT NOT NULL,
        command TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
        PRIMARY KEY (case_id, seq)
    );
    CREATE TABLE orphans (
        case_id TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL, created TEXT NOT NULL
    );
    CREATE TABLE trust (
        fingerprint TEXT PRIMARY KEY, role TEXT NOT NULL, subject TEXT NOT NULL, certificate BLOB NOT NULL,
        added TEXT NOT NULL
    );
    """)


@_migration("0002_case_page_rows")
def _m0002(db: sqlite_utils.Database) -> None:
    # A case's pages are inserted in one transaction under the import lock, so their rowids are
    # contiguous: searching a case becomes an FTS5 rowid range instead of a join per match.
    db.executescript("""
    ALTER TABLE cases ADD COLUMN first_page_row INTEGER;
    ALTER TABLE cases ADD COLUMN last_page_row INTEGER;
    UPDATE cases SET first_page_row = (SELECT min(id) FROM pages WHERE case_id = cases.id),
                     last_page_row = (SELECT max(id) FROM pages WHERE case_id = cases.id);
    """)


@_migration("0003_moderation")
def _m0003(db: sqlite_utils.Database) -> None:
    # Owned by core/moderation; rows cascade from the case, so a purge removes a moderated report's bytes too.
    fk = "moderation_id TEXT NOT NULL REFERENCES moderations(id) ON DELETE CASCADE"
    db.executescript(f"""
    CREATE TABLE moderations (id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        report_sha256 TEXT NOT NULL, report BLOB NOT NULL, findings BLOB NOT NULL, framework_source TEXT NOT NULL,
        reviewer TEXT NOT NULL, created TEXT NOT NULL, started TEXT, completed TEXT, status TEXT NOT NULL DEFAULT 'open',
        overall TEXT, comment TEXT NOT NULL DEFAULT '', finished TEXT, UNIQUE (case_id, report_sha256));
    CREATE TABLE moderation_items ({fk}, item_id TEXT NOT NULL, verdict TEXT, judgement TEXT,
        comment TEXT NOT NULL DEFAULT '', PRIMARY KEY (moderation_id, item_id));
    CREATE TABLE moderation_payments ({fk}, item_id TEXT NOT NULL, moderated TEXT NOT NULL,
        comment TEXT NOT NULL DEFAULT '', PRIMARY KEY (moderation_id, item_id));
    CREATE TABLE moderation_evidence ({fk}, id TEXT NOT NULL, item_id TEXT NOT NULL, doc_id TEXT NOT NULL,
        page INTEGER NOT NULL, exact TEXT, prefix TEXT, suffix TEXT, created TEXT NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY (moderation_id, id));
    CREATE TABLE moderation_history ({fk}, seq INTEGER NOT NULL, at TEXT NOT NULL, summary TEXT NOT NULL,
        command TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (moderation_id, seq));
    """)


@_migration("0004_personal_data")
def _m0004(db: sqlite_utils.Database) -> None:
    # Owned by core/pdcheck: findings hold a kind, a place and the masked form, never the text itself.
    db.executescript("""
    CREATE TABLE pd_scans (case_id TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE, finished TEXT NOT NULL,
        pages INTEGER NOT NULL, not_checked TEXT NOT NULL);
    CREATE TABLE pd_findings (case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE, id TEXT NOT NULL,
        kind TEXT NOT NULL, doc_id TEXT NOT NULL, page INTEGER NOT NULL, page_ref TEXT NOT NULL, start INTEGER NOT NULL,
        end_ INTEGER NOT NULL, masked TEXT NOT NULL, confidence TEXT NOT NULL, reason TEXT NOT NULL, resolution TEXT,
        note TEXT NOT NULL DEFAULT '', PRIMARY KEY (case_id, id));
    """)


#: every migration, in the order it is applied
NAMES: tuple[str, ...] = tuple(name for name, _ in _MIGRATIONS)


def pending(conn: sqlite3.Connection, tables: set[str]) -> list[str]:
    """The migrations not yet applied to this database (``tables``: the names of its tables)."""
    if MIGRATIONS_TABLE not in tables:
        return list(NAMES)
    done = {r[0] for r in conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?",
                                       (MIGRATION_SET,))}
    return [name for name in NAMES if name not in done]


def apply(conn: sqlite3.Connection) -> None:
    """Apply the pending migrations, each in its own transaction with the record of it (sqlite-utils Migrations)."""
    import sqlite_utils
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, fn in _MIGRATIONS:
        migrations(name=name)(fn)
    migrations.apply(sqlite_utils.Database(conn))
