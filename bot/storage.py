"""Answers shown and votes on them, in SQLite: what makes buttons work after a restart.

One connection, guarded by a lock; every method is a plain blocking call that
the Discord layer runs with `asyncio.to_thread`. Each write is one transaction
in a WAL journal with synchronous=FULL, so a crash loses at most the write under
way and never leaves a half-written answer or a corrupt file. Users are stored
as salted hashes of their ids, never the ids themselves.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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
)


class StorageError(Exception):
    """The database cannot be used; the message is one line naming the file and the problem."""


@dataclass(frozen=True, slots=True)
class StoredPassage:
    """A quoted sentence, by document and 1-based position, with the text shown."""

    document_id: str
    sentence: int
    text: str


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    id: int
    question: str
    answered: bool
    corpus_version: str
    passages: tuple[StoredPassage, ...]
    """Best first: the first `shown` were in the answer, the rest are for "More"."""
    shown: int
    channel_id: int | None
    question_message_id: int | None
    answer_message_id: int | None


@dataclass(frozen=True, slots=True)
class VoteCount:
    up: int
    down: int


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Storage:
    """The bot's SQLite database. Create with `Storage.open(path)`; close when done."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._lock = threading.Lock()
        self._salt = self._meta_value("user_hash_salt")

    @classmethod
    def open(cls, path: Path) -> Storage:
        """Open (creating and migrating as needed) the database at `path`."""
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")  # a vote acknowledged is on disk
        connection.execute("PRAGMA foreign_keys = ON")
        migrate(connection)
        return cls(connection)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _meta_value(self, key: str) -> str:
        with self._lock, self._transaction():
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return str(row[0])
            value = secrets.token_hex(16)
            self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
            return value

    def user_hash(self, user_id: int) -> str:
        """A stable pseudonym for a user: the same id gives the same hash in this database."""
        return hashlib.sha256(f"{self._salt}:{user_id}".encode()).hexdigest()[:32]

    # --- answers -----------------------------------------------------------

    def record_answer(
        self,
        *,
        question: str,
        answered: bool,
        corpus_version: str,
        passages: list[StoredPassage],
        shown: int,
        asker_id: int,
        channel_id: int | None = None,
        question_message_id: int | None = None,
    ) -> int:
        """Store an answer before it is sent (its buttons carry the id); returns the id."""
        with self._lock, self._transaction():
            cursor = self._db.execute(
                "INSERT INTO answers (question, answered, corpus_version, asker_hash, channel_id,"
                " question_message_id, shown, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    question,
                    int(answered),
                    corpus_version,
                    self.user_hash(asker_id),
                    channel_id,
                    question_message_id,
                    shown,
                    _now(),
                ),
            )
            answer_id = int(cursor.lastrowid or 0)
            self._db.executemany(
                "INSERT INTO passages (answer_id, rank, document_id, sentence, text)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (answer_id, rank, p.document_id, p.sentence, p.text)
                    for rank, p in enumerate(passages, start=1)
                ],
            )
            return answer_id

    def set_answer_message(self, answer_id: int, message_id: int) -> None:
        with self._lock, self._transaction():
            self._db.execute(
                "UPDATE answers SET answer_message_id = ? WHERE id = ?", (message_id, answer_id)
            )

    def answer(self, answer_id: int) -> StoredAnswer | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, question, answered, corpus_version, shown, channel_id,"
                " question_message_id, answer_message_id FROM answers WHERE id = ?",
                (answer_id,),
            ).fetchone()
            if row is None:
                return None
            passages = self._db.execute(
                "SELECT document_id, sentence, text FROM passages WHERE answer_id = ?"
                " ORDER BY rank",
                (answer_id,),
            ).fetchall()
        return StoredAnswer(
            id=row[0],
            question=row[1],
            answered=bool(row[2]),
            corpus_version=row[3],
            shown=row[4],
            channel_id=row[5],
            question_message_id=row[6],
            answer_message_id=row[7],
            passages=tuple(StoredPassage(*p) for p in passages),
        )

    def answer_to_message(self, question_message_id: int) -> StoredAnswer | None:
        """The latest answer given to a question message."""
        with self._lock:
            row = self._db.execute(
                "SELECT id FROM answers WHERE question_message_id = ? ORDER BY id DESC LIMIT 1",
                (question_message_id,),
            ).fetchone()
        return None if row is None else self.answer(int(row[0]))

    # --- votes -------------------------------------------------------------

    def toggle_vote(self, answer_id: int, user_id: int, vote: int) -> int:
        """Record a user's +1 or -1; the same vote again takes it back. Returns the vote now held
        (0 when taken back). One vote per user per answer: the other one is replaced."""
        if vote not in (-1, 1):
            raise ValueError("a vote is +1 or -1")
        voter = self.user_hash(user_id)
        with self._lock, self._transaction():
            row = self._db.execute(
                "SELECT vote FROM votes WHERE answer_id = ? AND voter_hash = ?",
                (answer_id, voter),
            ).fetchone()
            if row is not None and row[0] == vote:
                self._db.execute(
                    "DELETE FROM votes WHERE answer_id = ? AND voter_hash = ?", (answer_id, voter)
                )
                return 0
            self._db.execute(
                "INSERT INTO votes (answer_id, voter_hash, vote, voted_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (answer_id, voter_hash) DO UPDATE SET vote = excluded.vote,"
                " voted_at = excluded.voted_at",
                (answer_id, voter, vote, _now()),
            )
            return vote

    def votes(self, answer_id: int) -> VoteCount:
        with self._lock:
            up, down = self._db.execute(
                "SELECT COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0) FROM votes"
                " WHERE answer_id = ?",
                (answer_id,),
            ).fetchone()
        return VoteCount(int(up), int(down))

    # --- reports -----------------------------------------------------------

    def stats(self) -> dict[str, list[dict[str, object]]]:
        """Votes by document (over the passages shown) and by corpus version."""
        with self._lock:
            by_document = self._db.execute(
                "SELECT p.document_id, COUNT(DISTINCT p.answer_id),"
                " COALESCE(SUM(v.vote = 1), 0), COALESCE(SUM(v.vote = -1), 0)"
                " FROM passages p JOIN answers a ON a.id = p.answer_id AND p.rank <= a.shown"
                " LEFT JOIN votes v ON v.answer_id = p.answer_id"
                " GROUP BY p.document_id ORDER BY p.document_id"
            ).fetchall()
            by_version = self._db.execute(
                "SELECT a.corpus_version, COUNT(DISTINCT a.id), COALESCE(SUM(v.vote = 1), 0),"
                " COALESCE(SUM(v.vote = -1), 0) FROM answers a"
                " LEFT JOIN votes v ON v.answer_id = a.id"
                " GROUP BY a.corpus_version ORDER BY MIN(a.id)"
            ).fetchall()
        keys = ("answers", "up", "down")
        return {
            "by_document": [
                {"document_id": row[0], **dict(zip(keys, row[1:], strict=True))}
                for row in by_document
            ],
            "by_corpus_version": [
                {"corpus_version": row[0], **dict(zip(keys, row[1:], strict=True))}
                for row in by_version
            ],
        }

    def export(self) -> Iterator[dict[str, object]]:
        """Every answer as a JSON-ready record: question, quotes shown, votes.

        Answers voted up make regression questions (their quotes should stay);
        answers voted down are questions to improve.
        """
        with self._lock:
            ids = [int(r[0]) for r in self._db.execute("SELECT id FROM answers ORDER BY id")]
        for answer_id in ids:
            answer = self.answer(answer_id)
            if answer is None:
                continue
            count = self.votes(answer_id)
            shown = answer.passages[: answer.shown]
            yield {
                "question": answer.question,
                "answered": answer.answered,
                "corpus_version": answer.corpus_version,
                "passages": [
                    {"document_id": p.document_id, "sentence": p.sentence, "text": p.text}
                    for p in shown
                ],
                "up": count.up,
                "down": count.down,
            }

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        self._db.execute("ROLLBACK" if kind is not None else "COMMIT")


def migrate(connection: sqlite3.Connection) -> None:
    """Bring the schema up to date, one migration per transaction."""
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        log.info("migrating the database to schema version %d", number)
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, script.split(";")):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {number}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
