"""Answers shown and votes on them: what makes buttons work after a restart, in SQLite
(one machine) or PostgreSQL (processes on many machines), as the database URL says.

One connection, guarded by a lock; every method is a plain blocking call that the
Discord layer runs with `asyncio.to_thread`. Each write is one transaction, durable when
it returns (SQLite: WAL, synchronous=FULL; PostgreSQL: a commit), so a crash loses at
most the write under way and never leaves a half-written answer. Users are stored as
salted hashes of their ids, never the ids themselves. The SQL is written once, for both.

Every fault (a damaged file, a server down, a login refused, a lock held too long)
comes out as one StorageError whose message is one line naming the database, never a
password; nothing here logs it: the caller decides what the user sees.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.store.database import (
    Database,
    StorageError,
    resolve_database_url,
    sqlite_url,
)
from bot.store.migrations import MIGRATIONS, open_migrated
from bot.store.records import DOWNVOTE_REASONS, StoredAnswer, StoredPassage, VoteCount

if TYPE_CHECKING:
    from bot.settings import Settings

# StorageError is defined with the checks that raise it; callers take it from here.
__all__ = [
    "ANSWER_ID_LIMIT",
    "DEFAULT_BUSY_TIMEOUT",
    "DOWNVOTE_REASONS",
    "Storage",
    "StorageError",
    "StoredAnswer",
    "StoredPassage",
    "VoteCount",
    "open_storage",
    "storage_url",
]

ANSWER_ID_LIMIT = 2**53
"""Answer ids are below this, so they survive a trip through JSON and JavaScript."""

REASONS_SCHEMA = 4
"""The schema version from which votes hold a downvote's reason."""

DEFAULT_BUSY_TIMEOUT = 5.0
"""Seconds a write waits for another connection's lock before it fails."""


def _up_and_down(vote: str) -> str:
    """Up and down votes among the rows counted: filtered counts, 0 (never NULL) for none."""
    return f"COUNT(*) FILTER (WHERE {vote} = 1), COUNT(*) FILTER (WHERE {vote} = -1)"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Storage:
    """The bot's database. Create with `open_storage(settings)` (or `Storage.open(path or
    URL)`); close when done."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._read_only = db.read_only
        self._lock = threading.Lock()
        self._schema = db.schema_version()
        # A schema from before answers had their own order column is still readable.
        self._order = "recorded_order" if self._schema >= 2 else "id"
        salt = self._stored_salt() if self._schema >= 1 else None
        if salt is None and not self._read_only:
            salt = self._create_salt()
        # Reading a database that never stored a salt: no stored hash can match, so
        # a salt kept only in memory gives the right answer (no vote by that user).
        self._salt = salt or secrets.token_hex(16)

    @classmethod
    def open(
        cls,
        where: Path | str,
        *,
        read_only: bool = False,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    ) -> Storage:
        """Open the database `where` names: a SQLite file's path, or a URL (see
        bot.store.database), checking that it is sound.

        Writable (the bot): creates the SQLite file and its folder, and migrates the schema.
        `read_only` (reports): never creates, migrates or writes anything.
        `busy_timeout` is how long a statement waits for another connection's lock.
        Raises StorageError, with one line saying what is wrong, if it cannot be used.
        """
        url = sqlite_url(where) if isinstance(where, Path) else where
        db = open_migrated(url, read_only=read_only, busy_timeout=busy_timeout)
        try:
            with db.reporting("open"):
                return cls(db)  # reads the schema version and the salt
        except BaseException:
            db.close()
            raise

    def close(self) -> None:
        with self._reporting("close"), self._lock:
            self._db.close()

    def _reporting(self, doing: str) -> contextlib.AbstractContextManager[None]:
        """Turn a storage fault met while `doing` into one StorageError line; reading a
        database not yet migrated says so."""
        hint = ""
        if self._read_only and self._schema < len(MIGRATIONS):
            hint = (
                f" (its schema is version {self._schema}, this code's is {len(MIGRATIONS)}:"
                " run the bot once to migrate it)"
            )
        return self._db.reporting(doing, hint)

    def _stored_salt(self) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'user_hash_salt'").one()
        return None if row is None else str(row[0])

    def _create_salt(self) -> str:
        with self._lock, self._db.transaction():
            # Processes starting together: the first one's salt is everyone's.
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('user_hash_salt', ?)"
                " ON CONFLICT (key) DO NOTHING",
                (secrets.token_hex(16),),
            )
            row = self._db.execute("SELECT value FROM meta WHERE key = 'user_hash_salt'").one()
            assert row is not None  # just written, in this transaction
            return str(row[0])

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
        """Store an answer before it is sent (its buttons carry the id); returns the id.

        The id is random in [1, 2**53), not the next number: a button left from a
        database that was lost or reset then finds nothing instead of a new answer.
        """
        with self._reporting("write to"), self._lock, self._db.transaction():
            # Recorded orders are given one at a time (SQLite's write lock does this).
            self._db.serialize("recorded_order")
            while True:  # a collision is one in millions even with millions of answers
                answer_id = secrets.randbelow(ANSWER_ID_LIMIT - 1) + 1
                inserted = self._db.execute(
                    "INSERT INTO answers (id, recorded_order, question, answered, corpus_version,"
                    " asker_hash, channel_id, question_message_id, shown, created_at)"
                    " VALUES (?, (SELECT COALESCE(MAX(recorded_order), 0) + 1 FROM answers),"
                    " ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    (
                        answer_id,
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
                if inserted.rowcount == 1:
                    break
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
        with self._reporting("write to"), self._lock, self._db.transaction():
            self._db.execute(
                "UPDATE answers SET answer_message_id = ? WHERE id = ?", (message_id, answer_id)
            )

    def answer(self, answer_id: int) -> StoredAnswer | None:
        with self._reporting("read"), self._lock:
            row = self._db.execute(
                "SELECT id, question, answered, corpus_version, shown, channel_id,"
                " question_message_id, answer_message_id FROM answers WHERE id = ?",
                (answer_id,),
            ).one()
            if row is None:
                return None
            passages = self._db.execute(
                "SELECT document_id, sentence, text FROM passages WHERE answer_id = ?"
                " ORDER BY rank",
                (answer_id,),
            ).rows
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
        with self._reporting("read"), self._lock:
            row = self._db.execute(
                "SELECT id FROM answers WHERE question_message_id = ?"
                f" ORDER BY {self._order} DESC LIMIT 1",
                (question_message_id,),
            ).one()
        return None if row is None else self.answer(int(row[0]))

    # --- votes -------------------------------------------------------------

    def toggle_vote(self, answer_id: int, user_id: int, vote: int) -> int:
        """Record a user's +1 or -1; the same vote again takes it back. Returns the vote now held
        (0 when taken back). One vote per user per answer: the other one is replaced."""
        if vote not in (-1, 1):
            raise ValueError("a vote is +1 or -1")
        voter = self.user_hash(user_id)
        with self._reporting("write to"), self._lock, self._db.transaction():
            row = self._db.execute(
                "SELECT vote FROM votes WHERE answer_id = ? AND voter_hash = ?" + self._db.row_lock,
                (answer_id, voter),
            ).one()
            if row is not None and row[0] == vote:
                self._db.execute(
                    "DELETE FROM votes WHERE answer_id = ? AND voter_hash = ?", (answer_id, voter)
                )
                return 0
            self._db.execute(
                "INSERT INTO votes (answer_id, voter_hash, vote, voted_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (answer_id, voter_hash) DO UPDATE SET vote = excluded.vote,"
                " voted_at = excluded.voted_at, reason = NULL",
                (answer_id, voter, vote, _now()),
            )
            return vote

    def set_vote_reason(self, answer_id: int, user_id: int, reason: str) -> bool:
        """Keep what the user's 👎 on the answer says was wrong (one of DOWNVOTE_REASONS);
        False when that user holds no 👎 on it (taken back since, say)."""
        if reason not in DOWNVOTE_REASONS:
            raise ValueError(f"not a downvote reason: {reason!r}")
        voter = self.user_hash(user_id)
        with self._reporting("write to"), self._lock, self._db.transaction():
            changed = self._db.execute(
                "UPDATE votes SET reason = ? WHERE answer_id = ? AND voter_hash = ? AND vote = -1",
                (reason, answer_id, voter),
            )
        return changed.rowcount == 1

    def votes(self, answer_id: int) -> VoteCount:
        with self._reporting("read"), self._lock:
            row = self._db.execute(
                f"SELECT {_up_and_down('vote')} FROM votes WHERE answer_id = ?", (answer_id,)
            ).one()
        up, down = row or (0, 0)
        return VoteCount(int(up), int(down))

    # --- reports -----------------------------------------------------------

    def stats(self) -> dict[str, list[dict[str, object]]]:
        """Votes by document and by corpus version, each answer and each vote counted once.

        An answer counts for a document when the passages it showed quote that
        document, however many of its sentences they quote.
        """
        with self._reporting("read"), self._lock:
            by_document = self._db.execute(
                "WITH quoting AS (SELECT DISTINCT p.document_id, p.answer_id FROM passages p"
                " JOIN answers a ON a.id = p.answer_id AND p.rank <= a.shown)"
                " SELECT q.document_id, COUNT(DISTINCT q.answer_id),"
                f" {_up_and_down('v.vote')}"
                " FROM quoting q LEFT JOIN votes v ON v.answer_id = q.answer_id"
                " GROUP BY q.document_id"
            ).rows
            by_version = self._db.execute(
                f"SELECT a.corpus_version, COUNT(DISTINCT a.id), {_up_and_down('v.vote')}"
                " FROM answers a LEFT JOIN votes v ON v.answer_id = a.id"
                f" GROUP BY a.corpus_version ORDER BY MIN(a.{self._order})"
            ).rows
        # Sorted here, not by the database: by code point, whatever its collation.
        by_document.sort(key=lambda row: str(row[0]))
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
        """Every answer as a JSON-ready record, in the order recorded: question, quotes
        shown, votes.

        Answers voted up make regression questions (their quotes should stay);
        answers voted down are questions to improve.
        """
        with self._reporting("read"), self._lock:
            ids = [
                int(r[0])
                for r in self._db.execute(f"SELECT id FROM answers ORDER BY {self._order}").rows
            ]
        for answer_id in ids:
            answer = self.answer(answer_id)
            if answer is None:
                continue
            count = self.votes(answer_id)
            reasons: list[tuple[Any, ...]] = []
            if self._schema >= REASONS_SCHEMA:  # a database read before its migration has none
                with self._reporting("read"), self._lock:
                    reasons = self._db.execute(
                        "SELECT reason, COUNT(*) FROM votes WHERE answer_id = ? AND vote = -1"
                        " AND reason IS NOT NULL GROUP BY reason ORDER BY reason",
                        (answer_id,),
                    ).rows
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
                "down_reasons": {str(reason): int(n) for reason, n in reasons},
            }


def storage_url(settings: Settings) -> str:
    """The database `settings` name, also when a copy changed only `database_path`
    (`model_copy` does not validate again). Raises StorageError for two different ones."""
    try:
        return resolve_database_url(settings.database_url, settings.database_path)
    except ValueError as error:
        raise StorageError(f"cannot open the database: {error}") from None


def open_storage(
    where: Settings | Path | str,
    *,
    read_only: bool = False,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
) -> Storage:
    """`Storage.open` on the database the settings name (see `storage_url`), or on a path
    or URL given as it is."""
    target = where if isinstance(where, Path | str) else storage_url(where)
    return Storage.open(target, read_only=read_only, busy_timeout=busy_timeout)
