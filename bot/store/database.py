"""Which database a URL names, and the little a backend must do for `Storage`.

`sqlite:///data/newsqa.sqlite3` (a relative path; `sqlite:////var/lib/x.sqlite3` for an
absolute one) is a file on this machine; `postgresql://USER:PASSWORD@HOST:PORT/DATABASE`
is a PostgreSQL server that processes on many machines share. `Storage` writes its SQL
once, with `?` placeholders; each backend runs it as its driver wants and says its
faults in one line. A URL's password is never shown: messages name `describe_url(url)`.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

SQLITE_PREFIX = "sqlite:///"
DEFAULT_DATABASE_PATH = Path("data/newsqa.sqlite3")
"""The settings' `database_path` when none is set: the default database's file."""
POSTGRES_SCHEMES = ("postgresql", "postgres")


def sqlite_url(path: Path) -> str:
    """The URL of the SQLite file at `path` (an absolute path gives four slashes)."""
    return f"{SQLITE_PREFIX}{path}"


def sqlite_path(url: str) -> Path | None:
    """The file a `sqlite:///` URL names; None for a URL of another database.
    Raises ValueError, in one line, for a sqlite URL that names no file."""
    if urlsplit(url).scheme.lower() != "sqlite":
        return None
    if not url.lower().startswith(SQLITE_PREFIX) or not url[len(SQLITE_PREFIX) :].strip():
        raise ValueError(
            f"{url} names no file: write sqlite:///relative/path or sqlite:////absolute/path"
        )
    return Path(url[len(SQLITE_PREFIX) :])


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme.lower() in POSTGRES_SCHEMES


def describe_url(url: str) -> str:
    """`url` as messages may show it: a SQLite URL's file path; any other URL without its
    password or options (user, host, port and database only)."""
    if urlsplit(url).scheme.lower() == "sqlite":
        try:
            return str(sqlite_path(url))
        except ValueError:
            return url  # a sqlite URL holds no password
    try:
        parts = urlsplit(url)
        user = f"{parts.username}@" if parts.username else ""
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is no number: still show where it points, no more
        return f"{urlsplit(url).scheme}://(unreadable address)"
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def resolve_database_url(url: str, database_path: Path) -> str:
    """The database the settings name. One rule: `database_url` names it; `database_path`
    is the file of the default URL (`sqlite:///data/newsqa.sqlite3`), so setting it alone
    keeps working; setting both to different databases is an error (ValueError, one line,
    no password)."""
    url = url.strip()
    if not url or url == sqlite_url(DEFAULT_DATABASE_PATH):
        return sqlite_url(database_path)
    path = sqlite_path(url)
    if path is None and not is_postgres(url):
        raise ValueError(
            "must start with sqlite:/// (a file on this machine) or postgresql:// (a server)"
        )
    if database_path not in (DEFAULT_DATABASE_PATH, path):
        raise ValueError(
            f"{describe_url(url)} is not the file database_path names ({database_path}): "
            "set only one of them"
        )
    return url


class StorageError(Exception):
    """The database cannot be used; the message is one line naming the database (its file,
    or its URL without the password) and the problem."""


@dataclass(frozen=True, slots=True)
class Result:
    """The rows a statement returned (none for a write) and how many rows it changed."""

    rows: list[tuple[Any, ...]]
    rowcount: int

    def one(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


class Database(ABC):
    """One connection to a database, as `Storage` uses it (its lock keeps calls apart)."""

    dialect: ClassVar[str]
    faults: tuple[type[BaseException], ...]
    """What the driver raises for a database fault: `Storage` turns it into a StorageError."""
    row_lock: ClassVar[str] = ""
    """Appended to a SELECT of rows about to be changed in the same transaction."""

    def __init__(self, where: str, *, read_only: bool) -> None:
        self.where = where
        """'the database <file, or URL without password>', for messages."""
        self.read_only = read_only

    @abstractmethod
    def execute(self, sql: str, parameters: Sequence[object] = ()) -> Result:
        """Run one statement, with `?` placeholders."""

    @abstractmethod
    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None: ...

    @abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """A write transaction: committed at the end, rolled back on any error."""

    @abstractmethod
    def serialize(self, name: str) -> None:
        """Within a transaction: wait for other connections' transactions that serialize
        on `name` to end."""

    @abstractmethod
    def schema_version(self) -> int:
        """How many migrations the database has run (0 for a new one)."""

    @abstractmethod
    def set_schema_version(self, version: int) -> None: ...

    @abstractmethod
    def describe_fault(self, error: BaseException) -> str:
        """One line saying what `error`, one of `faults`, means."""

    @abstractmethod
    def close(self) -> None: ...

    @contextlib.contextmanager
    def reporting(self, doing: str, hint: str = "") -> Iterator[None]:
        """Turn a fault met while `doing` into one StorageError line naming this database
        (`hint`: what the caller adds to the driver's reason)."""
        try:
            yield
        except self.faults as error:
            problem = self.describe_fault(error) + hint
            raise StorageError(f"cannot {doing} {self.where}: {problem}") from error


def open_database(url: str, *, read_only: bool, busy_timeout: float) -> Database:
    """Connect to the database `url` names. Raises StorageError, in one line, if it cannot
    be used (see bot.store.connection and bot.store.postgres)."""
    if is_postgres(url):
        from bot.store.postgres import PostgresDatabase  # psycopg loads only when used

        return PostgresDatabase.open(url, read_only=read_only, busy_timeout=busy_timeout)
    from bot.store.connection import SqliteDatabase

    try:
        path = sqlite_path(url)
    except ValueError as error:
        raise StorageError(f"cannot open the database: {error}") from None
    if path is None:
        raise StorageError(
            f"cannot open the database {describe_url(url)}: "
            "its URL must start with sqlite:/// or postgresql://"
        )
    return SqliteDatabase.open(path, read_only=read_only, busy_timeout=busy_timeout)
