"""The database schema: one SQL script per version, applied in order, the same list for
SQLite and PostgreSQL (see `statements` for the one difference)."""

from __future__ import annotations

import logging
import re

from bot.store.database import Database, open_database

log = logging.getLogger(__name__)

# Each entry moves the schema one version up; the database says how far it has come
# (SQLite: PRAGMA user_version; PostgreSQL: a table, see bot.store.postgres).
# Append, never edit: databases in the field ran the old ones.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        question TEXT NOT NULL,
        answered INTEGER NOT NULL,
        corpus_version TEXT NOT NULL,
        asker_hash TEXT NOT NULL,
        channel_id INTEGER,
        question_message_id INTEGER,
        answer_message_id INTEGER,
        shown INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX answers_by_question_message ON answers (question_message_id);
    CREATE TABLE passages (
        answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
        rank INTEGER NOT NULL,
        document_id TEXT NOT NULL,
        sentence INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (answer_id, rank)
    );
    CREATE TABLE votes (
        answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
        voter_hash TEXT NOT NULL,
        vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        voted_at TEXT NOT NULL,
        PRIMARY KEY (answer_id, voter_hash)
    );
    """,
    # Answer ids became random (so a button from a lost database never finds a new
    # answer); the order answers were recorded in moves to its own column. Ids
    # given before were in that order already.
    """
    ALTER TABLE answers ADD COLUMN recorded_order INTEGER;
    UPDATE answers SET recorded_order = id;
    CREATE INDEX answers_in_recorded_order ON answers (recorded_order);
    """,
    # The cluster (bot.store.cluster): the processes sharing this database, the corpus
    # version they should all serve, and the lock that lets one of them build it.
    # Times are seconds since 1970 by the database's clock, so machines' clocks never
    # disagree about a heartbeat's age.
    """
    CREATE TABLE cluster_processes (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        shard_ids TEXT NOT NULL,
        corpus_version TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        state TEXT NOT NULL,
        problem TEXT NOT NULL,
        seen_sequence INTEGER NOT NULL,
        heartbeat_seconds DOUBLE PRECISION NOT NULL,
        started_at DOUBLE PRECISION NOT NULL,
        heartbeat_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE cluster_corpus (
        name TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        built_by TEXT NOT NULL,
        built_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE cluster_lock (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at DOUBLE PRECISION NOT NULL
    );
    """,
    # What a 👎 said was wrong (one of bot.store.records.DOWNVOTE_REASONS), if it said.
    """
    ALTER TABLE votes ADD COLUMN reason TEXT;
    """,
)


def statements(script: str, dialect: str) -> list[str]:
    """The statements of a migration script as `dialect` runs them. PostgreSQL's INTEGER
    is 32 bits: there every INTEGER column is BIGINT, as SQLite's INTEGER already is
    (answer ids go up to 2**53, Discord ids need 64 bits)."""
    if dialect == "postgresql":
        script = re.sub(r"\bINTEGER\b", "BIGINT", script)
    return [statement for statement in script.split(";") if statement.strip()]


def migrate(db: Database) -> None:
    """Bring the schema up to date, one migration per transaction. The version is read
    inside each transaction, so processes starting together migrate once."""
    while True:
        with db.transaction():
            db.serialize("migrations")
            version = db.schema_version()
            if version >= len(MIGRATIONS):
                return
            log.info("migrating %s to schema version %d", db.where, version + 1)
            for statement in statements(MIGRATIONS[version], db.dialect):
                db.execute(statement)
            db.set_schema_version(version + 1)


def open_migrated(url: str, *, read_only: bool, busy_timeout: float) -> Database:
    """Connect to the database `url` names and, unless `read_only`, migrate it. Raises
    StorageError, in one line, if it cannot be used (the connection is then closed)."""
    db = open_database(url, read_only=read_only, busy_timeout=busy_timeout)
    try:
        if not read_only:
            with db.reporting("open"):
                migrate(db)
    except BaseException:
        db.close()
        raise
    return db
