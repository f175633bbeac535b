"""The database schema: one SQL script per version, applied in order."""

from __future__ import annotations

import logging
import sqlite3

from bot.store.connection import Transaction

log = logging.getLogger(__name__)

# Each entry moves the schema one version up; PRAGMA user_version says how far a
# database has come. Append, never edit: databases in the field ran the old ones.
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
)


def migrate(connection: sqlite3.Connection) -> None:
    """Bring the schema up to date, one migration per transaction."""
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        log.info("migrating the database to schema version %d", number)
        with Transaction(connection):
            for statement in filter(str.strip, script.split(";")):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {number}")
