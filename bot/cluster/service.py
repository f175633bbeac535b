"""The `Cluster` service: registering, beating, following announcements, reloading
(see bot.cluster)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.cluster.fingerprint import corpus_fingerprint, folder_fingerprint
from bot.pipeline import LoadedCorpus, load_index
from bot.progress import Progress
from bot.settings import Settings
from bot.store.cluster import (
    GONE_AFTER_HEARTBEATS,
    LOADING,
    SERVING,
    STALE_CORPUS,
    ClusterStore,
    CorpusRecord,
    ProcessRow,
    ProcessState,
    count_serving,
    listen_for_announcements,
)
from bot.store.database import StorageError
from bot.store.storage import storage_url

log = logging.getLogger(__name__)

Load = Callable[[Settings, Progress | None, LoadedCorpus | None], LoadedCorpus]
"""How a process loads its corpus: `bot.pipeline.load_index`'s signature."""

SWAP_DEADLINE_SECONDS = 5.0
"""How long a reload waits for the other live processes to act on its announcement."""

_WAIT_STEP_SECONDS = 0.1
_T = TypeVar("_T")


async def woken(event: asyncio.Event, seconds: float) -> bool:
    """Wait until `event` is set (True) or `seconds` have passed (False).

    Not `asyncio.wait_for`: on Python 3.11 it loses a cancellation that arrives as the
    event is set, and a loop that waits this way then never stops."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    return event.is_set()


@dataclass(frozen=True, slots=True)
class ClusterReload:
    """What a reload did, in this process and across the cluster."""

    loaded: LoadedCorpus
    """What this process serves now."""
    previous: LoadedCorpus
    """What it served before."""
    built: bool
    """This process built it; False: it took the result of a build another process ran."""
    record: CorpusRecord
    """The version announced, who built it and when."""
    serving: int
    """Live processes serving the new version (this one included)."""
    live: int
    """Live processes, whatever they serve."""
    behind: tuple[ProcessRow, ...]
    """Live processes not serving it when the reload returned (a stale corpus, a load
    still running past the deadline)."""


class Cluster:
    """This process's part in the cluster (see the module docstring). `start` it once the
    corpus is loaded, `stop` it before closing `store`."""

    def __init__(
        self,
        settings: Settings,
        store: ClusterStore,
        *,
        current: Callable[[], LoadedCorpus],
        swap: Callable[[LoadedCorpus], None],
        load: Load = load_index,
        host: str | None = None,
        pid: int | None = None,
        poll_seconds: float | None = None,
        swap_deadline_seconds: float = SWAP_DEADLINE_SECONDS,
    ) -> None:
        """`current` gives the corpus this process serves; `swap` makes it serve another
        (both called on the event loop); `load` loads the corpus (in a thread)."""
        self.settings = settings
        self.store = store
        self._current = current
        self._swap = swap
        self._load = load
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid
        self.name = f"{self.host} pid {self.pid}"
        """How messages and `CorpusRecord.built_by` name this process."""
        self.id = f"{self.host}:{self.pid}:{secrets.token_hex(4)}"
        self.heartbeat_seconds = settings.heartbeat_seconds
        self._poll_seconds = settings.cluster_poll_seconds if poll_seconds is None else poll_seconds
        self._swap_deadline = swap_deadline_seconds
        self._url = storage_url(settings)
        self._fingerprint = ""
        self._state = LOADING
        self._problem = ""
        self._seen = 0
        self._holding_lock = False
        self._loading = asyncio.Lock()
        """Held while this process loads and swaps a corpus (a build or a follow)."""
        self._reloading = asyncio.Lock()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def problem(self) -> str:
        """Why this process does not serve the cluster's version (one line), or ""."""
        return self._problem

    async def _call(self, function: Callable[..., _T], *arguments: object) -> _T:
        return await asyncio.to_thread(function, *arguments)

    def _me(self) -> ProcessState:
        shard_ids = self.settings.shard_ids
        return ProcessState(
            id=self.id,
            host=self.host,
            pid=self.pid,
            shard_ids=None if shard_ids is None else tuple(shard_ids),
            corpus_version=self._current().index.version,
            fingerprint=self._fingerprint,
            state=self._state,
            problem=self._problem,
            seen_sequence=self._seen,
            heartbeat_seconds=self.heartbeat_seconds,
        )

    async def _publish(self) -> None:
        await self._call(self.store.publish, self._me())

    # --- start and stop ------------------------------------------------------------------

    async def start(self) -> None:
        """Register, agree on the corpus version, and start beating and watching.

        The first process (or one that finds no other live process serving the recorded
        version: a restart after the corpus changed) makes its version the cluster's;
        one that finds others serving another version is a stale corpus until a reload.
        Raises StorageError when the database cannot be used."""
        self._fingerprint = await self._call(corpus_fingerprint, self._current())
        await self._call(self.store.forget_gone)
        # This host and pid registered before are this process's past (a bot restarted in
        # the same process, or a crashed one whose pid came back): never another live one.
        for row in await self._call(self.store.processes):
            earlier = row.process
            if (earlier.host, earlier.pid) == (self.host, self.pid) and earlier.id != self.id:
                await self._call(self.store.remove, earlier.id)
        mine = self._current().index.version
        record = await self._call(self.store.record)
        if record is None or record.version != mine:
            rows = await self._call(self.store.processes)
            others = record is not None and count_serving(rows, record.version) > 0
            if not others:
                record = await self._call(self.store.announce, mine, self._fingerprint, self.name)
                log.info("corpus version %s is now the cluster's (first to serve)", mine)
        assert record is not None
        self._seen = record.sequence
        self._settle(record, mine)
        await self._publish()
        self._tasks = [
            asyncio.create_task(self._guarded(self._beat, "heartbeat")),
            asyncio.create_task(self._guarded(self._watch, "watching the corpus version")),
            asyncio.create_task(listen_for_announcements(self._url, self._wake.set)),
        ]
        log.info(
            "registered in the cluster as %s (%s), heartbeat every %g s",
            self.name,
            self.store.where,
            self.heartbeat_seconds,
        )

    async def stop(self) -> None:
        """Stop beating and watching, and leave the registry (a lock held is released)."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            await self._call(self.store.remove, self.id)
        except StorageError as error:
            log.warning("leaving the cluster: %s", error)

    async def _guarded(self, loop: Callable[[], Awaitable[None]], doing: str) -> None:
        """Run `loop` for good: a database fault, or any other, is logged and waited out."""
        while True:
            try:
                await loop()
            except StorageError as error:
                log.warning("%s: %s", doing, error)
            except Exception:  # a last guard: the process must keep beating
                log.exception("%s failed", doing)
            await asyncio.sleep(self.heartbeat_seconds)

    async def _beat(self) -> None:
        while True:
            await self._publish()
            if self._holding_lock:
                await self._call(self.store.try_lock, self.id, self._lease())
            await asyncio.sleep(self.heartbeat_seconds)

    async def _watch(self) -> None:
        # PostgreSQL's NOTIFY wakes it at once; the reads on a timer are SQLite's only way
        # and PostgreSQL's in case a notification was lost with its connection.
        postgres = self.store.url_is_postgres
        interval = self.heartbeat_seconds if postgres else self._poll_seconds
        while True:
            if postgres:
                await woken(self._wake, interval)
                self._wake.clear()
            else:  # nothing wakes it: a plain sleep
                await asyncio.sleep(interval)
            record = await self._call(self.store.record)
            if record is not None and record.sequence > self._seen:
                await self._follow(record)

    def _lease(self) -> float:
        return GONE_AFTER_HEARTBEATS * self.heartbeat_seconds

    # --- following an announcement --------------------------------------------------------

    def _settle(self, record: CorpusRecord, loaded_version: str) -> None:
        """Say what this process is once it serves `loaded_version` and `record` is the
        cluster's version."""
        if loaded_version == record.version:
            self._state, self._problem = SERVING, ""
            return
        if self._fingerprint != record.fingerprint:
            why = "its files differ from those the version was built from"
        else:
            why = "its files look the same, so its settings (BM25 parameters) must differ"
        self._state = STALE_CORPUS
        self._problem = (
            f"{self.settings.corpus_dir} gives corpus version {loaded_version}, not the "
            f"cluster's {record.version} (built by {record.built_by}): {why}; sync the "
            "folder, or /reload to make this folder's version the cluster's"
        )
        log.error("stale corpus: this process keeps version %s: %s", loaded_version, self._problem)

    async def _follow(self, record: CorpusRecord) -> None:
        """Serve the announced version: load it (from the shared cache) and swap it in,
        unless this folder gives another version."""
        async with self._loading:
            if record.sequence <= self._seen:
                return  # acted on already (by a reload of this process, say)
            current = self._current()
            if current.index.version != record.version:
                started = time.perf_counter()
                self._state = LOADING
                await self._publish()
                try:
                    # Without `previous`, the load reads the index the builder stored in the
                    # shared cache folder instead of building it again from its analyses.
                    new = await self._call(self._load, self.settings, None, None)
                    self._fingerprint = await self._call(corpus_fingerprint, new)
                except Exception as error:  # the folder is unusable here: say so, keep serving
                    log.error("cannot load the corpus version %s: %s", record.version, error)
                    new = current
                    self._fingerprint = await self._call(
                        folder_fingerprint, self.settings.corpus_dir
                    )
                if new.index.version == record.version:
                    self._swap(new)
                    log.info(
                        "corpus version %s -> %s, announced by %s, loaded in %.2f s",
                        current.index.version,
                        new.index.version,
                        record.built_by,
                        time.perf_counter() - started,
                    )
                current = self._current()
            self._seen = record.sequence
            self._settle(record, current.index.version)
            await self._publish()

    # --- reloads -----------------------------------------------------------------------

    async def reload(
        self,
        progress: Progress | None = None,
        waiting: Callable[[str], None] | None = None,
    ) -> ClusterReload:
        """Build the corpus and make every process serve it (see the module docstring).

        When another process is building already, waits for it (calling `waiting` once with
        the holder's id, for the caller to show) and takes its result instead of building
        again. Raises what loading raises (e.g. `CorpusError`; the old version keeps
        serving everywhere) and StorageError when the database cannot be used."""
        async with self._reloading:  # two of this process's own: one after the other
            return await self._reload(progress, waiting)

    async def _reload(
        self, progress: Progress | None, waiting: Callable[[str], None] | None
    ) -> ClusterReload:
        previous = self._current()
        asked = await self._call(self.store.record)
        asked_sequence = 0 if asked is None else asked.sequence
        told = False
        while (holder := await self._call(self.store.try_lock, self.id, self._lease())) is not None:
            if waiting is not None and not told:
                waiting(holder)
                told = True
            log.info("waiting for the corpus build of %s", holder)
            await self._until_unlocked()
            record = await self._call(self.store.record)
            if record is not None and record.sequence > asked_sequence:
                await self._follow(record)
                return await self._result(previous, record, built=False)
            # The holder stopped without announcing (it failed, or died): try again.
        self._holding_lock = True
        try:
            record = await self._call(self.store.record)
            if record is not None and record.sequence > asked_sequence:
                built = False  # a build ended between the request and the lock: take it
                await self._follow(record)
            else:
                built = True
                record = await self._build(progress)
        finally:
            self._holding_lock = False
            await self._call(self.store.release_lock, self.id)
        return await self._result(previous, record, built=built)

    async def _until_unlocked(self) -> None:
        """Return once nobody holds the build lock: its holder released it, or died and
        its lease ran out (the database is read a few times a second)."""
        while True:
            if await self._call(self.store.lock_holder) is None:
                return
            await asyncio.sleep(_WAIT_STEP_SECONDS)

    async def _build(self, progress: Progress | None) -> CorpusRecord:
        async with self._loading:
            new = await self._call(self._load, self.settings, progress, self._current())
            fingerprint = await self._call(corpus_fingerprint, new)
            self._swap(new)
            self._fingerprint = fingerprint
            record = await self._call(
                self.store.announce, new.index.version, fingerprint, self.name
            )
            self._seen = record.sequence
            self._settle(record, new.index.version)
            await self._publish()
        log.info("announced corpus version %s (sequence %d)", record.version, record.sequence)
        return record

    async def _result(
        self, previous: LoadedCorpus, record: CorpusRecord, *, built: bool
    ) -> ClusterReload:
        """Wait, up to the deadline, for every live process to act on `record`."""
        deadline = time.monotonic() + self._swap_deadline
        while True:
            rows = await self._call(self.store.processes)
            live = [row for row in rows if row.live]
            acted = all(row.process.seen_sequence >= record.sequence for row in live)
            if acted or time.monotonic() >= deadline:
                break
            await asyncio.sleep(_WAIT_STEP_SECONDS)
        serving = count_serving(live, record.version)
        behind = tuple(
            row
            for row in live
            if row.process.state != SERVING or row.process.corpus_version != record.version
        )
        return ClusterReload(
            loaded=self._current(),
            previous=previous,
            built=built,
            record=record,
            serving=serving,
            live=len(live),
            behind=behind,
        )
