"""PostgreSQL, through psycopg 3: the database processes on many machines share.

Sync psycopg rather than asyncpg: `Storage` is blocking code that the bot runs with
`asyncio.to_thread`, the same for SQLite and PostgreSQL, and psycopg offers both
interfaces (and LISTEN/NOTIFY) from one maintained driver. The connection is in
autocommit mode, so a read holds no transaction open between calls; each write is one
explicit transaction, committed with the server's default synchronous_commit=on, so a
vote acknowledged survives a crash of the bot or of the server.

Faults come out as one StorageError line naming the server and database as
`describe_url` shows them, never the password (every message is also scrubbed of it).
A connection the server dropped is opened again at the next call.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict

from bot.store.connection import one_line
from bot.store.database import Database, Result, StorageError, describe_url

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10
"""Seconds to wait for a server that does not answer, unless the URL says otherwise."""

SCHEMA_TABLE = "newsqa_schema"
"""One row: how many migrations ran (SQLite keeps this in PRAGMA user_version)."""

_UNREACHABLE = (
    "connection refused",
    "could not connect",
    "timeout expired",
    "failed to resolve host",
    "name or service not known",
    "no route to host",
    "network is unreachable",
    "could not translate host name",
)


def _advisory_key(name: str) -> int:
    # A fixed 63-bit key per name, the same in every process (hash() is salted per process).
    return int.from_bytes(hashlib.sha256(f"newsqa:{name}".encode()).digest()[:8], "big") >> 1


class PostgresDatabase(Database):
    """A connection to a PostgreSQL database (see the module docstring)."""

    dialect = "postgresql"
    faults = (psycopg.Error,)
    row_lock = " FOR UPDATE"

    def __init__(self, url: str, *, read_only: bool, busy_timeout: float) -> None:
        super().__init__(f"the database {describe_url(url)}", read_only=read_only)
        self._url = url
        self._busy_timeout = busy_timeout
        self._secret = _password(url)
        self._closed = False
        self._db = self._connect()

    @classmethod
    def open(cls, url: str, *, read_only: bool, busy_timeout: float) -> PostgresDatabase:
        """Connect to `url`. Raises StorageError, in one line, when the server cannot be
        reached, refuses the login, or has no such database."""
        return cls(url, read_only=read_only, busy_timeout=busy_timeout)

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        options: dict[str, Any] = {}
        try:
            if "connect_timeout" not in conninfo_to_dict(self._url):
                options["connect_timeout"] = CONNECT_TIMEOUT
            connection = psycopg.connect(self._url, autocommit=True, **options)
        except psycopg.Error as error:
            raise StorageError(f"cannot open {self.where}: {self._open_problem(error)}") from None
        try:
            # A write waits this long for another connection's lock (SQLite's busy timeout).
            connection.execute(f"SET lock_timeout = {max(1, round(self._busy_timeout * 1000))}")
            if self.read_only:
                connection.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        except psycopg.Error as error:
            connection.close()
            raise StorageError(f"cannot open {self.where}: {self.describe_fault(error)}") from None
        return connection

    def _connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        """The connection, opened again if the server dropped it (a restart, a failover)."""
        if self._db.broken and not self._closed:
            log.warning("the connection to %s was lost: connecting again", self.where)
            self._db.close()
            self._db = self._connect()
        return self._db

    def execute(self, sql: str, parameters: Sequence[object] = ()) -> Result:
        cursor = self._connection().execute(*_placeholders(sql, parameters))
        rows = cursor.fetchall() if cursor.description is not None else []
        return Result(rows, cursor.rowcount)

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        query, _ = _placeholders(sql, rows[0] if rows else ())
        with self._connection().cursor() as cursor:
            cursor.executemany(query, rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._connection().transaction():
            yield

    def serialize(self, name: str) -> None:
        # Released when the transaction ends, however it ends.
        self.execute("SELECT pg_advisory_xact_lock(?)", (_advisory_key(name),))

    def schema_version(self) -> int:
        found = self.execute("SELECT to_regclass(?) IS NOT NULL", (SCHEMA_TABLE,)).one()
        if found is None or not found[0]:
            return 0
        row = self.execute(f"SELECT version FROM {SCHEMA_TABLE}").one()
        return 0 if row is None else int(row[0])

    def set_schema_version(self, version: int) -> None:
        self.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} (version INTEGER NOT NULL)")
        self.execute(f"DELETE FROM {SCHEMA_TABLE}")
        self.execute(f"INSERT INTO {SCHEMA_TABLE} (version) VALUES (?)", (version,))

    def describe_fault(self, error: BaseException) -> str:
        if isinstance(error, psycopg.errors.LockNotAvailable):
            return self._scrub(f"{_primary(error)} (another connection holds it)")
        if isinstance(error, psycopg.OperationalError) and self._db.broken:
            return self._scrub(f"the connection to the server was lost ({_primary(error)})")
        return self._scrub(_primary(error))

    def close(self) -> None:
        self._closed = True
        self._db.close()

    def _open_problem(self, error: psycopg.Error) -> str:
        message = _primary(error)
        lowered = message.lower()
        refused = "role" in lowered and "does not exist" in lowered
        if refused or "password authentication failed" in lowered:
            problem = "the server refused the login (wrong user or password)"
        elif "no pg_hba.conf entry" in lowered:
            problem = "the server does not accept this user from this machine (pg_hba.conf)"
        elif "database" in lowered and "does not exist" in lowered:
            problem = "the server has no such database (create it first)"
        elif any(sign in lowered for sign in _UNREACHABLE):
            problem = "the server cannot be reached (is it running, on this host and port?)"
        else:
            return self._scrub(message)
        return self._scrub(f"{problem}: {message}")

    def _scrub(self, text: str) -> str:
        """`text` without the password, in case a driver message ever quotes it."""
        return text.replace(self._secret, "***") if self._secret else text


def _primary(error: BaseException) -> str:
    """The server's own message when there is one (without the statement it quotes),
    else the driver's, in one line."""
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None)
    text = primary if isinstance(primary, str) and primary else str(error)
    return one_line(text.removeprefix("connection failed: ")) or type(error).__name__


def _password(url: str) -> str:
    with contextlib.suppress(psycopg.Error):
        return str(conninfo_to_dict(url).get("password") or "")
    with contextlib.suppress(ValueError):  # a URL libpq cannot read: as it is written
        return unquote(urlsplit(url).password or "")
    return ""


def _placeholders(sql: str, parameters: Sequence[object]) -> tuple[str, Sequence[object] | None]:
    """`?` placeholders as psycopg's `%s` (a literal `%` doubled); none without parameters."""
    if not parameters:
        return sql, None
    return sql.replace("%", "%%").replace("?", "%s"), parameters
