"""Answers and votes, in SQLite and in PostgreSQL alike: toggling, reports, migration, and
surviving a kill mid-write."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.cli import main
from bot.store.database import sqlite_path
from bot.store.migrations import MIGRATIONS
from bot.store.storage import Storage, StoredPassage, open_storage

REPO = Path(__file__).resolve().parents[1]


def query(url: str, sql: str, parameters: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    """Rows read straight from the database, as another program would, not through Storage."""
    path = sqlite_path(url)
    if path is not None:
        with contextlib.closing(sqlite3.connect(path)) as db:
            return db.execute(sql, parameters).fetchall()
    with psycopg.connect(url) as server:
        return server.execute(sql.replace("?", "%s"), parameters or None).fetchall()


def schema_version(url: str) -> int:
    if sqlite_path(url) is not None:
        return int(query(url, "PRAGMA user_version")[0][0])
    return int(query(url, "SELECT version FROM newsqa_schema")[0][0])


@pytest.fixture
def storage(database_url: str) -> Iterator[Storage]:
    opened = open_storage(database_url)
    yield opened
    opened.close()


def record(storage: Storage, question: str = "Who led?", version: str = "v1") -> int:
    return storage.record_answer(
        question=question,
        answered=True,
        corpus_version=version,
        passages=[StoredPassage("doc-a", 4, "Chase led."), StoredPassage("doc-b", 9, "More.")],
        shown=1,
        asker_id=42,
        channel_id=7,
        question_message_id=99,
    )


def test_an_answer_reads_back_as_recorded(storage: Storage) -> None:
    answer_id = record(storage)
    stored = storage.answer(answer_id)
    assert stored is not None
    assert stored.question == "Who led?" and stored.corpus_version == "v1" and stored.shown == 1
    assert [p.document_id for p in stored.passages] == ["doc-a", "doc-b"]
    assert storage.answer_to_message(99) == stored
    snowflake = 1_234_567_890_123_456_789  # Discord ids need 64 bits
    storage.set_answer_message(answer_id, snowflake)
    assert storage.answer(answer_id).answer_message_id == snowflake  # type: ignore[union-attr]
    assert storage.answer(answer_id + 1) is None


def test_votes_toggle_and_count_once_per_user(storage: Storage) -> None:
    answer_id = record(storage)
    assert storage.toggle_vote(answer_id, 1, 1) == 1
    assert storage.toggle_vote(answer_id, 2, 1) == 1
    assert storage.toggle_vote(answer_id, 1, -1) == -1  # replaces user 1's vote
    assert (storage.votes(answer_id).up, storage.votes(answer_id).down) == (1, 1)
    assert storage.toggle_vote(answer_id, 1, -1) == 0  # the same vote again takes it back
    assert (storage.votes(answer_id).up, storage.votes(answer_id).down) == (1, 0)
    with pytest.raises(ValueError):
        storage.toggle_vote(answer_id, 1, 2)


def test_a_thumbs_down_keeps_what_was_wrong_until_the_vote_changes(storage: Storage) -> None:
    answer_id = record(storage)
    assert not storage.set_vote_reason(answer_id, 1, "off-topic")  # no 👎 yet
    storage.toggle_vote(answer_id, 1, -1)
    storage.toggle_vote(answer_id, 2, -1)
    assert storage.set_vote_reason(answer_id, 1, "off-topic")
    assert storage.set_vote_reason(answer_id, 2, "missing")
    [exported] = storage.export()
    assert exported["down_reasons"] == {"missing": 1, "off-topic": 1}
    storage.toggle_vote(answer_id, 1, 1)  # a change of mind drops the reason
    storage.toggle_vote(answer_id, 1, -1)
    [exported] = storage.export()
    assert exported["down_reasons"] == {"missing": 1}
    with pytest.raises(ValueError):
        storage.set_vote_reason(answer_id, 2, "because")


def test_user_ids_are_stored_only_as_hashes(database_url: str) -> None:
    storage = open_storage(database_url)
    answer_id = record(storage)
    storage.toggle_vote(answer_id, 123456789012345678, 1)
    storage.close()
    path = sqlite_path(database_url)
    if path is not None:  # every byte of the file, the journal included
        raw = path.read_bytes() + b"".join(p.read_bytes() for p in path.parent.glob("*-wal"))
    else:  # every row of every table, as text
        raw = b"".join(
            str(query(database_url, f"SELECT t::text FROM {table} t")).encode()
            for table in ("meta", "answers", "passages", "votes")
        )
    assert b"123456789012345678" not in raw
    [(asker_hash,)] = query(database_url, "SELECT asker_hash FROM answers")
    reopened = open_storage(database_url)
    assert asker_hash == reopened.user_hash(42) != "42"
    reopened.close()


def test_the_schema_is_created_once_and_reopening_keeps_the_data(database_url: str) -> None:
    storage = open_storage(database_url)
    answer_id = record(storage)
    user_hash = storage.user_hash(5)
    storage.close()

    reopened = open_storage(database_url)
    assert reopened.answer(answer_id) is not None
    assert reopened.user_hash(5) == user_hash  # the salt is kept, so pseudonyms are stable
    assert schema_version(database_url) == len(MIGRATIONS)
    reopened.close()


def test_stats_and_export(storage: Storage) -> None:
    first = record(storage, "Who led?", "v1")
    second = record(storage, "Where?", "v2")
    storage.toggle_vote(first, 1, 1)
    storage.toggle_vote(second, 1, -1)
    storage.toggle_vote(second, 2, -1)

    stats = storage.stats()
    assert stats["by_document"] == [{"document_id": "doc-a", "answers": 2, "up": 1, "down": 2}]
    assert stats["by_corpus_version"] == [
        {"corpus_version": "v1", "answers": 1, "up": 1, "down": 0},
        {"corpus_version": "v2", "answers": 1, "up": 0, "down": 2},
    ]
    exported = list(storage.export())
    assert exported[0]["question"] == "Who led?" and exported[0]["up"] == 1
    assert exported[0]["passages"] == [
        {"document_id": "doc-a", "sentence": 4, "text": "Chase led."}
    ]


VOTER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from bot.store.storage import StoredPassage, open_storage
    storage = open_storage(sys.argv[1])
    answer_id = storage.record_answer(
        question="q", answered=True, corpus_version="v", shown=1, asker_id=1,
        passages=[StoredPassage("d", 1, "t")],
    )
    print("answer", answer_id, flush=True)
    user = 0
    while True:
        user += 1
        vote = 1 if user % 3 else -1
        storage.toggle_vote(answer_id, user, vote)
        print(user, vote, flush=True)  # only after the transaction committed
    """
)


def test_killing_the_writer_mid_vote_keeps_every_completed_vote_and_the_database_sound(
    database_url: str,
) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", VOTER, database_url],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    _, _, answer_id = writer.stdout.readline().partition(" ")
    completed: dict[int, int] = {}
    for line in writer.stdout:
        user, vote = map(int, line.split())
        completed[user] = vote
        if len(completed) == 300:
            break
    os.kill(writer.pid, signal.SIGKILL)  # while it keeps writing
    writer.wait()

    if sqlite_path(database_url) is not None:
        assert query(database_url, "PRAGMA integrity_check") == [("ok",)]
    storage = open_storage(database_url)  # opens, checks and migrates as at a restart
    votes = dict(
        query(
            database_url,
            "SELECT voter_hash, vote FROM votes WHERE answer_id = ?",
            (int(answer_id),),
        )
    )
    for user, vote in completed.items():
        assert votes[storage.user_hash(user)] == vote
    assert storage.votes(int(answer_id)).up >= sum(vote == 1 for vote in completed.values())
    storage.close()


def test_feedback_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "feedback.sqlite3"
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("DATABASE_PATH", str(path))
    assert main(["feedback", "stats"]) == 1
    assert "no feedback yet" in capsys.readouterr().err

    storage = Storage.open(path)
    storage.toggle_vote(record(storage), 1, 1)
    storage.close()

    assert main(["feedback", "stats"]) == 0
    out = capsys.readouterr().out
    assert "By document:\n  doc-a: 1 answers, 1 up, 0 down" in out
    assert main(["feedback", "stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["by_corpus_version"][0]["up"] == 1
    assert main(["feedback", "export"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["question"] == "Who led?"


def test_feedback_commands_read_the_database_url(  # type: ignore[no-untyped-def]
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("DATABASE_PATH", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["feedback", "stats"]) == 1  # before the bot ever ran on it
    said = capsys.readouterr().err
    assert "no feedback yet" in said or "schema is version 0" in said
    assert "\n" not in said.strip() and "Traceback" not in said

    storage = open_storage(database_url)
    storage.toggle_vote(record(storage), 1, 1)
    storage.close()

    assert main(["feedback", "stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["by_document"] == [
        {"document_id": "doc-a", "answers": 1, "up": 1, "down": 0}
    ]
    assert main(["feedback", "export"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["question"] == "Who led?"
