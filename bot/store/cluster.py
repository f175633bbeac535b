"""The cluster's state in the shared database: which processes run, which corpus version
they should all serve, and the lock that lets one of them build it (see bot.cluster).

Three tables (the migration in bot.store.migrations), the same on SQLite and PostgreSQL:

- `cluster_processes`: one row per process (host, pid, shards, the corpus version it
  serves and its corpus folder's fingerprint, its state, when it started and last beat).
  A process that missed `GONE_AFTER_HEARTBEATS` heartbeats is gone: it counts for nothing.
- `cluster_corpus`: one row, the version every process should serve, who built it and
  when, and a sequence number that goes up at each announcement.
- `cluster_lock`: the build lock, a lease. The holder renews it at each heartbeat; a
  holder that dies stops renewing, so the lease runs out and another process takes it:
  a lock is never held forever by a process that is gone. Taking it is one upsert,
  atomic on both databases.

Times are the database's clock (seconds since 1970), never a machine's own. With
PostgreSQL, an announcement also sends a NOTIFY on `ANNOUNCEMENTS_CHANNEL` in the
transaction that records it; listeners take it as a wake-up only and read the record
(another schema of the same database may share the channel).

One connection of its own (a heartbeat never waits behind an answer being stored),
guarded by a lock; every method is a blocking call, run off the event loop. Every fault
comes out as one StorageError line naming the database, never a password.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.store.database import Database, is_postgres
from bot.store.migrations import open_migrated

log = logging.getLogger(__name__)

CLUSTER_SCHEMA_VERSION = 3
"""The schema version that made the cluster's tables (an older database has none)."""

GONE_AFTER_HEARTBEATS = 3
"""A process whose last heartbeat is older than this many of its heartbeats is gone."""

FORGET_AFTER_SECONDS = 24 * 3600.0
"""Rows of processes gone this long are removed when a process registers."""

ANNOUNCEMENTS_CHANNEL = "newsqa_corpus"
"""PostgreSQL's NOTIFY channel for a new corpus version."""

SERVING = "serving"
LOADING = "loading"
STALE_CORPUS = "stale corpus"

_NOW = {
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
    "postgresql": "(EXTRACT(EPOCH FROM clock_timestamp())::float8)",
}
_CORPUS_ROW = "corpus"
_BUILD_LOCK = "build"


@dataclass(frozen=True, slots=True)
class ProcessState:
    """What a process says about itself at each heartbeat."""

    id: str
    host: str
    pid: int
    shard_ids: tuple[int, ...] | None
    """None: every shard (or no sharding)."""
    corpus_version: str
    fingerprint: str
    state: str
    """SERVING, LOADING or STALE_CORPUS."""
    problem: str
    """Why the state is STALE_CORPUS (one line), else empty."""
    seen_sequence: int
    """The last announcement (`CorpusRecord.sequence`) this process has acted on."""
    heartbeat_seconds: float


@dataclass(frozen=True, slots=True)
class ProcessRow:
    """A registered process as the database holds it."""

    process: ProcessState
    started_at: float
    heartbeat_at: float
    age: float
    """Seconds since its last heartbeat, by the database's clock."""

    @property
    def live(self) -> bool:
        return self.age <= GONE_AFTER_HEARTBEATS * self.process.heartbeat_seconds


@dataclass(frozen=True, slots=True)
class CorpusRecord:
    """The corpus version every process should serve."""

    version: str
    fingerprint: str
    """The corpus folder's fingerprint where it was built (bot.cluster.folder_fingerprint)."""
    sequence: int
    """Goes up by one at each announcement."""
    built_by: str
    built_at: float


def _shards_text(shard_ids: tuple[int, ...] | None) -> str:
    return "" if shard_ids is None else ",".join(str(shard) for shard in shard_ids)


def _shards_of(text: str) -> tuple[int, ...] | None:
    return None if not text else tuple(int(shard) for shard in text.split(","))


class ClusterStore:
    """The cluster's tables. Create with `ClusterStore.open(url)`; close when done."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._now = _NOW[db.dialect]
        self.url_is_postgres = db.dialect == "postgresql"

    @classmethod
    def open(cls, url: str, *, read_only: bool = False, busy_timeout: float = 5.0) -> ClusterStore:
        """Connect to the database `url` names (see bot.store.database); writable, it is
        migrated. Raises StorageError, in one line, if it cannot be used."""
        return cls(open_migrated(url, read_only=read_only, busy_timeout=busy_timeout))

    @property
    def where(self) -> str:
        return self._db.where

    def close(self) -> None:
        with self._db.reporting("close"), self._lock:
            self._db.close()

    def has_tables(self) -> bool:
        """Whether the database has the cluster's tables (a read-only reader of a database
        no bot of this version has opened yet finds none)."""
        with self._db.reporting("read"), self._lock:
            return self._db.schema_version() >= CLUSTER_SCHEMA_VERSION

    def now(self) -> float:
        """The database's clock, in seconds since 1970."""
        with self._db.reporting("read"), self._lock:
            row = self._db.execute(f"SELECT {self._now}").one()
        assert row is not None
        return float(row[0])

    # --- the registry ------------------------------------------------------------------

    def publish(self, process: ProcessState) -> None:
        """Register `process`, or record its heartbeat and what it serves now."""
        with self._db.reporting("write to"), self._lock, self._db.transaction():
            self._db.execute(
                "INSERT INTO cluster_processes (id, host, pid, shard_ids, corpus_version,"
                " fingerprint, state, problem, seen_sequence, heartbeat_seconds, started_at,"
                f" heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {self._now}, {self._now})"
                " ON CONFLICT (id) DO UPDATE SET corpus_version = excluded.corpus_version,"
                " fingerprint = excluded.fingerprint, state = excluded.state,"
                " problem = excluded.problem, seen_sequence = excluded.seen_sequence,"
                " heartbeat_seconds = excluded.heartbeat_seconds,"
                " heartbeat_at = excluded.heartbeat_at",
                (
                    process.id,
                    process.host,
                    process.pid,
                    _shards_text(process.shard_ids),
                    process.corpus_version,
                    process.fingerprint,
                    process.state,
                    process.problem,
                    process.seen_sequence,
                    process.heartbeat_seconds,
                ),
            )

    def forget_gone(self, older_than: float = FORGET_AFTER_SECONDS) -> int:
        """Remove the rows of processes gone for `older_than` seconds; how many."""
        with self._db.reporting("write to"), self._lock, self._db.transaction():
            return self._db.execute(
                "DELETE FROM cluster_processes"
                f" WHERE heartbeat_at + ? * heartbeat_seconds < {self._now} - ?",
                (GONE_AFTER_HEARTBEATS, older_than),
            ).rowcount

    def remove(self, process_id: str) -> None:
        """A process that stops: its row goes, and a build lock it held is released."""
        with self._db.reporting("write to"), self._lock, self._db.transaction():
            self._db.execute("DELETE FROM cluster_processes WHERE id = ?", (process_id,))
            self._db.execute("DELETE FROM cluster_lock WHERE holder = ?", (process_id,))

    def processes(self) -> list[ProcessRow]:
        """Every registered process, by host and pid (gone ones too: see `ProcessRow.live`)."""
        with self._db.reporting("read"), self._lock:
            rows = self._db.execute(
                "SELECT id, host, pid, shard_ids, corpus_version, fingerprint, state, problem,"
                " seen_sequence, heartbeat_seconds, started_at, heartbeat_at,"
                f" {self._now} - heartbeat_at FROM cluster_processes"
            ).rows
        found = [
            ProcessRow(
                ProcessState(
                    id=str(row[0]),
                    host=str(row[1]),
                    pid=int(row[2]),
                    shard_ids=_shards_of(str(row[3])),
                    corpus_version=str(row[4]),
                    fingerprint=str(row[5]),
                    state=str(row[6]),
                    problem=str(row[7]),
                    seen_sequence=int(row[8]),
                    heartbeat_seconds=float(row[9]),
                ),
                started_at=float(row[10]),
                heartbeat_at=float(row[11]),
                age=max(0.0, float(row[12])),
            )
            for row in rows
        ]
        found.sort(key=lambda row: (row.process.host, row.process.pid, row.process.id))
        return found

    # --- the corpus version ------------------------------------------------------------

    def record(self) -> CorpusRecord | None:
        """The version every process should serve; None before any process recorded one."""
        with self._db.reporting("read"), self._lock:
            row = self._db.execute(
                "SELECT version, fingerprint, sequence, built_by, built_at FROM cluster_corpus"
                " WHERE name = ?",
                (_CORPUS_ROW,),
            ).one()
        if row is None:
            return None
        return CorpusRecord(str(row[0]), str(row[1]), int(row[2]), str(row[3]), float(row[4]))

    def announce(self, version: str, fingerprint: str, built_by: str) -> CorpusRecord:
        """Record `version` as the one every process should serve (the sequence goes up)
        and, with PostgreSQL, notify the listeners when it is committed."""
        with self._db.reporting("write to"), self._lock, self._db.transaction():
            self._db.execute(
                "INSERT INTO cluster_corpus (name, version, fingerprint, sequence, built_by,"
                f" built_at) VALUES (?, ?, ?, 1, ?, {self._now}) ON CONFLICT (name) DO UPDATE"
                " SET version = excluded.version, fingerprint = excluded.fingerprint,"
                " sequence = cluster_corpus.sequence + 1, built_by = excluded.built_by,"
                " built_at = excluded.built_at",
                (_CORPUS_ROW, version, fingerprint, built_by),
            )
            if self.url_is_postgres:
                self._db.execute("SELECT pg_notify(?, ?)", (ANNOUNCEMENTS_CHANNEL, version))
            row = self._db.execute(
                "SELECT sequence, built_at FROM cluster_corpus WHERE name = ?", (_CORPUS_ROW,)
            ).one()
        assert row is not None  # just written, in this transaction
        return CorpusRecord(version, fingerprint, int(row[0]), built_by, float(row[1]))

    # --- the build lock ----------------------------------------------------------------

    def try_lock(self, holder: str, lease_seconds: float) -> str | None:
        """Take the build lock for `lease_seconds` (or renew it, when `holder` has it).
        Returns None when `holder` has it now, else who holds it."""
        with self._db.reporting("write to"), self._lock, self._db.transaction():
            taken = self._db.execute(
                "INSERT INTO cluster_lock (name, holder, expires_at)"
                f" VALUES (?, ?, {self._now} + ?) ON CONFLICT (name) DO UPDATE"
                " SET holder = excluded.holder, expires_at = excluded.expires_at"
                f" WHERE cluster_lock.expires_at < {self._now}"
                " OR cluster_lock.holder = excluded.holder",
                (_BUILD_LOCK, holder, lease_seconds),
            )
            if taken.rowcount == 1:
                return None
            row = self._db.execute(
                "SELECT holder FROM cluster_lock WHERE name = ?", (_BUILD_LOCK,)
            ).one()
        return None if row is None else str(row[0])

    def lock_holder(self) -> str | None:
        """Who holds the build lock now (None: nobody, or a holder whose lease ran out)."""
        with self._db.reporting("read"), self._lock:
            row = self._db.execute(
                f"SELECT holder FROM cluster_lock WHERE name = ? AND expires_at >= {self._now}",
                (_BUILD_LOCK,),
            ).one()
        return None if row is None else str(row[0])

    def release_lock(self, holder: str) -> None:
        """Release the build lock if `holder` has it."""
        with self._db.reporting("write to"), self._lock, self._db.transaction():
            self._db.execute(
                "DELETE FROM cluster_lock WHERE name = ? AND holder = ?", (_BUILD_LOCK, holder)
            )


def open_cluster_store(
    url: str, *, read_only: bool = False, busy_timeout: float = 5.0
) -> ClusterStore:
    """`ClusterStore.open`; named like `open_storage` for callers holding a URL."""
    return ClusterStore.open(url, read_only=read_only, busy_timeout=busy_timeout)


async def listen_for_announcements(url: str, heard: Callable[[], None]) -> None:
    """With PostgreSQL: call `heard` at each announcement, and once after each
    (re)connection (one may have been missed meanwhile), until cancelled. A lost
    connection is opened again after a pause; with SQLite, returns at once (polling
    stands in for it)."""
    if not is_postgres(url):
        return
    import asyncio

    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    from bot.store.database import describe_url
    from bot.store.postgres import CONNECT_TIMEOUT

    options: dict[str, object] = {}
    secret = ""
    with contextlib.suppress(psycopg.Error):
        conninfo = conninfo_to_dict(url)
        secret = str(conninfo.get("password") or "")
        if "connect_timeout" not in conninfo:
            options["connect_timeout"] = CONNECT_TIMEOUT
    pause = 1.0
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(
                url,
                autocommit=True,
                **options,  # type: ignore[arg-type]
            ) as connection:
                await connection.execute(f"LISTEN {ANNOUNCEMENTS_CHANNEL}")
                pause = 1.0
                heard()
                async for _ in connection.notifies():
                    heard()
        except (psycopg.Error, OSError) as error:
            said = " ".join(str(error).split()) or type(error).__name__
            log.warning(
                "listening for corpus announcements on %s failed (%s): trying again in %.0f s",
                describe_url(url),
                said.replace(secret, "***") if secret else said,
                pause,
            )
            await asyncio.sleep(pause)
            pause = min(pause * 2, 30.0)


def count_serving(rows: Sequence[ProcessRow], version: str) -> int:
    """How many live processes serve `version`."""
    return sum(
        1
        for row in rows
        if row.live and row.process.state == SERVING and row.process.corpus_version == version
    )
