"""SQLite: opening the database file and writing to it in transactions.

Each way a database can be unusable (a folder that is a file, a damaged file, one that
cannot be written, a lock held too long) is said in one line, as a StorageError.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from bot.store.database import Database, Result, StorageError

_OPEN_RETRY_SECONDS = 0.02


def one_line(text: str) -> str:
    return " ".join(text.split())


class Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error (a failed COMMIT included)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if kind is None:
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error:
                self._roll_back()
                raise
        else:
            self._roll_back()

    def _roll_back(self) -> None:
        # SQLite may have rolled back already (a full disk, say); the first error is
        # the one worth reporting, not a failed ROLLBACK after it.
        if self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")


def check_place(path: Path, *, read_only: bool) -> None:
    """Make sure `path` can be a database file (creating its folder unless read-only)."""
    where = f"cannot open the database {path}"
    for folder in (path.parent, *path.parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise StorageError(f"{where}: its folder {folder} is a file")
            break
    if path.is_dir():
        raise StorageError(f"{where}: it is a folder, not a file")
    if read_only:
        if not path.exists():
            raise StorageError(f"{where}: it does not exist")
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(
            f"{where}: cannot create its folder {path.parent} ({error.strerror or error})"
        ) from error


def connect_read_only(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """A connection that cannot write: SQLite's mode=ro, plus query_only."""
    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    connection = sqlite3.connect(
        uri, uri=True, timeout=busy_timeout, check_same_thread=False, isolation_level=None
    )
    try:
        connection.execute("PRAGMA user_version").fetchone()
    except sqlite3.OperationalError:
        connection.close()
        if Path(f"{path}-wal").exists():
            raise
        # A WAL database in a folder that cannot be written: SQLite cannot make the
        # shared-memory file it reads through. With no -wal file nothing is writing
        # it (a writer needs one), so the main file alone is the whole database.
        connection = sqlite3.connect(
            f"{uri}&immutable=1",
            uri=True,
            timeout=busy_timeout,
            check_same_thread=False,
            isolation_level=None,
        )
    connection.execute("PRAGMA query_only = ON")
    return connection


def check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    """A quick structural check (PRAGMA quick_check), so damage shows at start-up."""
    try:
        problems = [str(row[0]) for row in connection.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as error:
        if "not a database" in str(error) or "locked" in str(error) or "busy" in str(error):
            raise
        problems = [str(error)]
    if problems == ["ok"]:
        return
    said = "; ".join(one_line(p) for p in problems[:3])
    if len(problems) > 3:
        said += f" (and {len(problems) - 3} more)"
    raise StorageError(f"cannot open the database {path}: it failed its integrity check: {said}")


def _connect(path: Path, read_only: bool, busy_timeout: float) -> sqlite3.Connection:
    """A connection to `path`, set up and checked (raises sqlite3.Error, or StorageError
    for a file that fails its integrity check; the connection is then closed)."""
    if read_only:
        connection = connect_read_only(path, busy_timeout)
    else:
        connection = sqlite3.connect(
            path, timeout=busy_timeout, check_same_thread=False, isolation_level=None
        )
    try:
        if not read_only:
            # Also the first read of the file: a file that is no database fails here.
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")  # a vote acknowledged is on disk
        connection.execute("PRAGMA foreign_keys = ON")
        check_integrity(connection, path)
    except BaseException:
        connection.close()
        raise
    return connection


def open_problem(path: Path, error: sqlite3.Error, *, read_only: bool) -> str:
    """One line for a database that could not be opened."""
    message = one_line(str(error))
    where = f"cannot open the database {path}"
    if "not a database" in message:
        return f"{where}: it is not a database or is damaged ({message})"
    if "locked" in message or "busy" in message:
        return f"{where}: another connection holds it ({message})"
    if not read_only and ("readonly" in message or "unable to open" in message):
        # Root ignores permission bits, so try to write rather than read the mode.
        folder = path.parent
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as probe:
            return f"{where}: its folder {folder} cannot be written ({probe.strerror or probe})"
    if "malformed" in message:
        return f"{where}: it is damaged ({message})"
    return f"{where}: {message}"


class SqliteDatabase(Database):
    """A SQLite file: WAL journal, synchronous=FULL, one write transaction at a time."""

    dialect = "sqlite"
    faults = (sqlite3.Error, OSError)

    def __init__(self, connection: sqlite3.Connection, path: Path, *, read_only: bool) -> None:
        super().__init__(f"the database {path}", read_only=read_only)
        self._db = connection

    @classmethod
    def open(cls, path: Path, *, read_only: bool, busy_timeout: float) -> SqliteDatabase:
        """Open the file at `path`, checking that it is sound; writable, it and its folder
        are created. Raises StorageError, in one line, if it cannot be used."""
        if str(path) != ":memory:":
            check_place(path, read_only=read_only)
        # SQLite answers "locked" at once, without waiting out the busy timeout, when
        # another connection is switching the file to WAL or waiting could deadlock
        # (processes starting together): such an open is tried again until the timeout.
        deadline = time.monotonic() + busy_timeout
        while True:
            try:
                return cls(_connect(path, read_only, busy_timeout), path, read_only=read_only)
            except sqlite3.Error as error:
                message = str(error)
                held = "locked" in message or "busy" in message
                if held and time.monotonic() < deadline:
                    time.sleep(_OPEN_RETRY_SECONDS)
                    continue
                raise StorageError(open_problem(path, error, read_only=read_only)) from error

    def execute(self, sql: str, parameters: Sequence[object] = ()) -> Result:
        cursor = self._db.execute(sql, parameters)
        return Result(cursor.fetchall(), cursor.rowcount)

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        self._db.executemany(sql, rows)

    def transaction(self) -> Transaction:
        return Transaction(self._db)

    def serialize(self, name: str) -> None:
        pass  # a write transaction (BEGIN IMMEDIATE) already excludes every other

    def schema_version(self) -> int:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        return int(version)

    def set_schema_version(self, version: int) -> None:
        self._db.execute(f"PRAGMA user_version = {int(version)}")

    def describe_fault(self, error: BaseException) -> str:
        problem = one_line(str(error)) or type(error).__name__
        if "locked" in problem or "busy" in problem:
            problem += " (another connection holds it)"
        return problem

    def close(self) -> None:
        self._db.close()
