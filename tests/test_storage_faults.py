"""Storage faults come out as one StorageError line naming the database; reading never
writes; answer ids do not repeat across databases; stats count each answer and vote once.
Tests that take `database_url` run on SQLite and PostgreSQL; the others are about a file."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.store.database import describe_url, sqlite_path
from bot.store.migrations import MIGRATIONS
from bot.store.storage import (
    ANSWER_ID_LIMIT,
    Storage,
    StorageError,
    StoredPassage,
    open_storage,
)
from tests.test_storage import query


def record(storage: Storage, question: str = "Who led?", message_id: int | None = 99) -> int:
    return storage.record_answer(
        question=question,
        answered=True,
        corpus_version="v1",
        passages=[StoredPassage("doc-a", 4, "Chase led."), StoredPassage("doc-b", 9, "More.")],
        shown=1,
        asker_id=42,
        channel_id=7,
        question_message_id=message_id,
    )


def open_fails(path: Path, **options: object) -> str:
    """The message of the StorageError that opening `path` raises, checked to be one line."""
    with pytest.raises(StorageError) as raised:
        Storage.open(path, **options)  # type: ignore[arg-type]
    message = str(raised.value)
    assert "\n" not in message and str(path) in message
    return message


def old_database(path: Path, version: int) -> None:
    """A database as an older release left it: schema `version`, two answers to message 99
    (ids 1 and 2, as ids were given then), one up vote on the second, no salt yet."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    for script in MIGRATIONS[:version]:
        db.executescript(script)
    db.execute(f"PRAGMA user_version = {version}")
    if version >= 1:
        for answer_id in (1, 2):
            db.execute(
                "INSERT INTO answers (id, question, answered, corpus_version, asker_hash,"
                " channel_id, question_message_id, shown, created_at)"
                " VALUES (?, ?, 1, 'v0', 'h', 7, 99, 1, '2024-01-01T00:00:00+00:00')",
                (answer_id, f"old question {answer_id}"),
            )
            db.execute("INSERT INTO passages VALUES (?, 1, 'doc-a', 1, 'Old text.')", (answer_id,))
        db.execute("INSERT INTO votes VALUES (2, 'voter', 1, '2024-01-01T00:00:00+00:00')")
    db.close()


# --- opening a database that cannot be used -------------------------------------


def test_a_file_of_random_bytes_is_reported_in_one_line_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    path.write_bytes(os.urandom(8192))
    assert "is not a database or is damaged" in open_fails(path)
    assert "is not a database or is damaged" in open_fails(path, read_only=True)


def test_a_database_whose_folder_is_a_file_is_reported_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    path = tmp_path / "data" / "sub" / "feedback.sqlite3"
    message = open_fails(path)
    assert f"its folder {tmp_path / 'data'} is a file" in message
    assert (tmp_path / "data").read_text() == "not a folder"


def test_a_database_path_that_is_a_folder_is_reported_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "feedback.sqlite3").mkdir()
    assert "is a folder" in open_fails(tmp_path / "feedback.sqlite3")


def test_a_database_with_damaged_pages_fails_its_integrity_check_at_open(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    storage = Storage.open(path)
    for n in range(300):
        record(storage, f"question {n} " + "x" * 200)
    storage.close()
    db = sqlite3.connect(path)
    (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'answers'").fetchone()
    (page_size,) = db.execute("PRAGMA page_size").fetchone()
    db.close()
    data = bytearray(path.read_bytes())
    page = (root - 1) * page_size
    assert data[page] == 5  # an interior page: the table spans many pages
    (first_cell,) = struct.unpack_from(">H", data, page + 12)
    (first_child,) = struct.unpack_from(">I", data, page + first_cell)
    struct.pack_into(">I", data, page + 8, first_child)  # one page now referenced twice
    path.write_bytes(bytes(data))

    assert "failed its integrity check" in open_fails(path)
    assert "failed its integrity check" in open_fails(path, read_only=True)


@pytest.fixture
def unwritable_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder no one can create files in, root included (chattr +i where chmod is not
    enough); the test is skipped where neither works."""
    folder = tmp_path / "data"
    folder.mkdir()
    Storage.open(folder / "feedback.sqlite3").close()  # a sound database made beforehand
    folder.chmod(0o555)
    try:
        (folder / "probe").touch()
    except OSError:
        pass
    else:
        (folder / "probe").unlink()
        subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
        try:
            (folder / "probe").touch()
        except OSError:
            pass
        else:
            (folder / "probe").unlink()
            folder.chmod(0o755)
            pytest.skip("cannot make a folder read-only here (root, no chattr)")
    yield folder
    subprocess.run(["chattr", "-i", str(folder)], capture_output=True, check=False)
    folder.chmod(0o755)


def test_a_database_in_a_folder_that_cannot_be_written_is_reported_in_one_line(
    unwritable_folder: Path,
) -> None:
    assert "cannot be written" in open_fails(unwritable_folder / "new.sqlite3")
    assert "cannot be written" in open_fails(unwritable_folder / "feedback.sqlite3")
    # Reports still read it: nothing needs to be written to read.
    reader = Storage.open(unwritable_folder / "feedback.sqlite3", read_only=True)
    assert reader.stats() == {"by_document": [], "by_corpus_version": []}
    reader.close()


# --- reading only reads ---------------------------------------------------------


def test_reading_an_old_schema_neither_migrates_nor_writes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    old_database(path, version=1)
    before, modified = path.read_bytes(), path.stat().st_mtime_ns

    reader = Storage.open(path, read_only=True)
    assert reader.stats()["by_document"] == [
        {"document_id": "doc-a", "answers": 2, "up": 1, "down": 0}
    ]
    assert [r["question"] for r in reader.export()] == ["old question 1", "old question 2"]
    assert reader.answer_to_message(99).id == 2  # type: ignore[union-attr]
    reader.close()

    assert path.read_bytes() == before and path.stat().st_mtime_ns == modified
    wal = tmp_path / "feedback.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone() == (1,)
    assert db.execute("SELECT COUNT(*) FROM meta").fetchone() == (0,)  # no salt written
    db.close()


def test_reading_a_database_never_set_up_fails_in_one_line_naming_the_schema(
    database_url: str,
) -> None:
    path = sqlite_path(database_url)
    if path is not None:
        old_database(path, version=0)
    reader = open_storage(database_url, read_only=True)
    with pytest.raises(StorageError) as raised:
        reader.stats()
    with pytest.raises(StorageError):
        reader.record_answer(  # a reader cannot write, even by mistake
            question="q", answered=True, corpus_version="v", passages=[], shown=0, asker_id=1
        )
    reader.close()
    message = str(raised.value)
    assert "\n" not in message and describe_url(database_url) in message
    assert "schema is version 0" in message
    if path is not None:
        assert query(database_url, "PRAGMA user_version") == [(0,)]
    else:  # the schema is as empty as it was: no table, not even the version's
        assert (
            query(
                database_url,
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema()",
            )
            == []
        )


def test_reading_a_missing_database_fails_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "data" / "feedback.sqlite3"
    assert "does not exist" in open_fails(path, read_only=True)
    assert list(tmp_path.iterdir()) == []


def test_opening_an_old_schema_to_write_keeps_its_ids_and_finds_the_latest_answer(
    tmp_path: Path,
) -> None:
    path = tmp_path / "feedback.sqlite3"
    old_database(path, version=1)
    storage = Storage.open(path)
    assert storage.answer_to_message(99).id == 2  # type: ignore[union-attr]
    assert storage.answer(1).question == "old question 1"  # type: ignore[union-attr]
    newer = [record(storage, f"new question {n}", message_id=99) for n in range(8)]
    assert storage.answer_to_message(99).id == newer[-1]  # type: ignore[union-attr]
    assert [r["question"] for r in storage.export()] == [
        "old question 1",
        "old question 2",
        *(f"new question {n}" for n in range(8)),
    ]
    storage.close()


# --- faults at run time ---------------------------------------------------------


@contextlib.contextmanager
def locked(url: str) -> Iterator[None]:
    """Another connection holding the database's tables locked, as a long write would."""
    path = sqlite_path(url)
    if path is not None:
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as other:
            other.execute("BEGIN EXCLUSIVE")
            yield
            other.execute("ROLLBACK")
        return
    with psycopg.connect(url) as server, server.transaction():
        server.execute("LOCK TABLE answers, passages, votes IN ACCESS EXCLUSIVE MODE")
        yield


def test_a_write_while_another_connection_holds_the_lock_raises_storage_error(
    database_url: str,
) -> None:
    storage = open_storage(database_url, busy_timeout=0.1)
    answer_id = record(storage)
    with locked(database_url):
        for write in (
            lambda: record(storage),
            lambda: storage.toggle_vote(answer_id, 1, 1),
            lambda: storage.set_answer_message(answer_id, 5),
        ):
            with pytest.raises(StorageError) as raised:
                write()
            message = str(raised.value)
            assert "\n" not in message and describe_url(database_url) in message
            assert "another connection holds it" in message
    # The fault passed with the lock: the same storage keeps working.
    assert storage.toggle_vote(answer_id, 1, 1) == 1
    storage.close()


def test_a_call_on_a_closed_database_raises_storage_error(database_url: str) -> None:
    storage = open_storage(database_url)
    answer_id = record(storage)
    storage.close()
    with pytest.raises(StorageError):
        storage.answer(answer_id)
    with pytest.raises(StorageError):
        storage.stats()


# --- answer ids -----------------------------------------------------------------


def test_answer_ids_are_random_so_a_new_database_never_reuses_an_old_ones(
    tmp_path: Path,
) -> None:
    ids: list[int] = []
    for name in ("lost.sqlite3", "new.sqlite3"):
        storage = Storage.open(tmp_path / name)
        first = record(storage)
        assert first != 1
        ids += [first, *(record(storage) for _ in range(49))]
        storage.close()
    assert len(set(ids)) == 100
    assert all(0 < answer_id < ANSWER_ID_LIMIT for answer_id in ids)


def test_the_latest_answer_to_an_edited_question_is_found_though_ids_are_random(
    database_url: str,
) -> None:
    storage = open_storage(database_url)
    answers = [record(storage, f"edit {n}", message_id=99) for n in range(20)]
    assert storage.answer_to_message(99).id == answers[-1]  # type: ignore[union-attr]
    assert [r["question"] for r in storage.export()] == [f"edit {n}" for n in range(20)]
    storage.close()


# --- stats ----------------------------------------------------------------------


def test_stats_count_a_vote_once_however_many_sentences_of_a_document_it_quotes(
    database_url: str,
) -> None:
    storage = open_storage(database_url)
    answer_id = storage.record_answer(
        question="Who led?",
        answered=True,
        corpus_version="v1",
        passages=[
            StoredPassage("doc-a", 1, "One."),
            StoredPassage("doc-a", 2, "Two."),
            StoredPassage("doc-b", 5, "Other."),
            StoredPassage("doc-a", 3, "Three."),
        ],
        shown=4,
        asker_id=1,
    )
    storage.toggle_vote(answer_id, 1, 1)
    storage.toggle_vote(answer_id, 2, -1)
    assert storage.stats()["by_document"] == [
        {"document_id": "doc-a", "answers": 1, "up": 1, "down": 1},
        {"document_id": "doc-b", "answers": 1, "up": 1, "down": 1},
    ]
    storage.close()
