"""Processes sharing one database (bot.cluster, bot.store.cluster), on SQLite and
PostgreSQL: the registry and its heartbeats, the build lock, a reload reaching every
process, two reloads building once, a stale corpus reported, and `python -m bot cluster`.
Each process here is a `Cluster` in this event loop with its own connection; the test
with separate OS processes is tests/test_cluster_processes.py."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.cli import main
from bot.cluster import Cluster, ClusterReload, folder_fingerprint
from bot.cluster.service import woken
from bot.pipeline import LoadedCorpus, ask, load_index
from bot.progress import Progress
from bot.settings import Settings
from bot.store.cluster import (
    SERVING,
    STALE_CORPUS,
    ClusterStore,
    ProcessState,
    count_serving,
)

QUESTION = "Who won the 2031 chess final?"
WINNER_DOCUMENT = "chess.md"


def write_corpus(folder: Path, winner: str) -> None:
    """A small corpus whose answer to QUESTION names `winner`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / WINNER_DOCUMENT).write_text(
        f"# Chess final\n\n{winner} won the 2031 chess final in Oslo after six hours of play.\n",
        encoding="utf-8",
    )
    (folder / "harbour.md").write_text(
        "# Harbour\n\nThe harbour authority opened a new ferry terminal on Monday.\n",
        encoding="utf-8",
    )


def set_winner(folder: Path, winner: str) -> None:
    # A new size as well as new text: the corpus reader trusts size and time.
    write_corpus(folder, winner)


def winner_said(loaded: LoadedCorpus, settings: Settings) -> str:
    answer = ask(loaded.index, QUESTION, settings)
    assert answer.answered, answer.reason
    return answer.passages[0].sentence.text


async def until(condition: Callable[[], bool], seconds: float, what: str) -> float:
    """Wait until `condition` holds (checked every 20 ms); how long it took. Fails after
    `seconds`, naming `what`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            pytest.fail(f"not within {seconds} s: {what}")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


@dataclass
class Process:
    """One bot process as the cluster sees it: its corpus, swapped by its Cluster."""

    settings: Settings
    live: LoadedCorpus
    cluster: Cluster
    store: ClusterStore
    loads: list[str] = field(default_factory=list)

    def answer(self) -> str:
        return winner_said(self.live, self.settings)


@dataclass
class Gate:
    """Holds a load back until opened: a build that takes as long as a test needs."""

    entered: threading.Event = field(default_factory=threading.Event)
    opened: threading.Event = field(default_factory=threading.Event)


def make_settings(
    database_url: str, corpus: Path, cache: Path, *, heartbeat: float = 0.5
) -> Settings:
    return Settings(
        database_url=database_url,
        corpus_dir=corpus,
        cache_dir=cache,
        heartbeat_seconds=heartbeat,
    )


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    host: str = "test-host",
    pid: int = 1,
    gate: Gate | None = None,
) -> AsyncIterator[Process]:
    """A started `Cluster` over `settings`'s corpus; stopped and closed at the end."""
    live = await asyncio.to_thread(load_index, settings)
    store = await asyncio.to_thread(ClusterStore.open, settings.database_url)
    process: Process

    def load(
        settings: Settings, progress: Progress | None, previous: LoadedCorpus | None
    ) -> LoadedCorpus:
        if gate is not None and not gate.opened.is_set():
            gate.entered.set()
            assert gate.opened.wait(30)
        loaded = load_index(settings, progress, previous)
        process.loads.append(
            "from cache" if loaded.cache and loaded.cache.index_from_cache else "built"
        )
        return loaded

    def swap(new: LoadedCorpus) -> None:
        process.live = new

    cluster = Cluster(
        settings,
        store,
        current=lambda: process.live,
        swap=swap,
        load=load,
        host=host,
        pid=pid,
        poll_seconds=0.1,
    )
    process = Process(settings, live, cluster, store)
    await cluster.start()
    try:
        yield process
    finally:
        await cluster.stop()
        await asyncio.to_thread(store.close)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write_corpus(folder, "Maria Lopez")
    return folder


@pytest.fixture
def settings(database_url: str, corpus: Path, tmp_path: Path) -> Settings:
    return make_settings(database_url, corpus, tmp_path / "cache")


def process_state(process_id: str, *, heartbeat: float, version: str = "v1") -> ProcessState:
    return ProcessState(
        id=process_id,
        host="gone-host",
        pid=7,
        shard_ids=(1,),
        corpus_version=version,
        fingerprint="f",
        state=SERVING,
        problem="",
        seen_sequence=1,
        heartbeat_seconds=heartbeat,
    )


@pytest.fixture
def store(database_url: str) -> Iterator[ClusterStore]:
    opened = ClusterStore.open(database_url)
    yield opened
    opened.close()


# --- the registry ----------------------------------------------------------------------


async def test_a_process_registers_with_its_shards_and_version_and_leaves_at_stop(
    settings: Settings, store: ClusterStore
) -> None:
    sharded = settings.model_copy(update={"shard_count": 2, "shard_ids": [1]})
    async with running(sharded, host="bot-b", pid=42) as process:
        rows = store.processes()
        assert len(rows) == 1
        row = rows[0]
        assert (row.process.host, row.process.pid, row.process.shard_ids) == ("bot-b", 42, (1,))
        assert row.process.corpus_version == process.live.index.version
        assert row.process.state == SERVING and row.live
        assert row.process.fingerprint == folder_fingerprint(settings.corpus_dir)
        record = store.record()
        assert record is not None and record.version == process.live.index.version
        assert record.built_by == "bot-b pid 42"
    assert store.processes() == []


async def test_heartbeats_keep_a_process_live(settings: Settings, store: ClusterStore) -> None:
    async with running(settings):
        first = store.processes()[0].heartbeat_at
        await until(lambda: store.processes()[0].heartbeat_at > first, 5, "a second heartbeat")
        assert store.processes()[0].live


async def test_a_process_silent_for_three_heartbeats_drops_out_of_the_count(
    store: ClusterStore,
) -> None:
    store.publish(process_state("beating", heartbeat=60))
    silent_since = time.monotonic()
    store.publish(process_state("silent", heartbeat=0.3))
    await until(
        lambda: count_serving(store.processes(), "v1") == 1, 5, "the silent one to drop out"
    )
    assert time.monotonic() - silent_since >= 0.8  # not before three of its heartbeats
    gone = {row.process.id: row.live for row in store.processes()}
    assert gone == {"beating": True, "silent": False}  # still listed, flagged gone
    assert store.forget_gone(older_than=0.0) == 1
    assert [row.process.id for row in store.processes()] == ["beating"]


# --- the build lock --------------------------------------------------------------------


def test_the_build_lock_has_one_holder_at_a_time(database_url: str, store: ClusterStore) -> None:
    other = ClusterStore.open(database_url)
    try:
        results: list[str | None] = []
        barrier = threading.Barrier(2)

        def contend(contender: ClusterStore, name: str) -> None:
            barrier.wait()
            results.append(contender.try_lock(name, 30))

        threads = [
            threading.Thread(target=contend, args=(store, "a")),
            threading.Thread(target=contend, args=(other, "b")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winner = store.lock_holder()
        assert winner in ("a", "b")
        assert sorted(results, key=str) == sorted([None, winner], key=str)
        loser = "b" if winner == "a" else "a"
        assert other.try_lock(loser, 30) == winner  # still held
        assert store.try_lock(winner, 30) is None  # its holder renews it
        store.release_lock(loser)  # only the holder releases it
        assert store.lock_holder() == winner
        store.release_lock(winner)
        assert store.lock_holder() is None
        assert other.try_lock(loser, 30) is None
    finally:
        other.close()


async def test_a_lock_whose_holder_died_is_taken_once_its_lease_runs_out(
    store: ClusterStore,
) -> None:
    assert store.try_lock("died", 0.3) is None  # and never renewed
    assert store.try_lock("alive", 30) == "died"
    await until(lambda: store.lock_holder() is None, 5, "the lease to run out")
    assert store.try_lock("alive", 30) is None


# --- reloads across processes ----------------------------------------------------------


async def test_a_reload_reaches_the_other_process_within_the_deadline(
    settings: Settings, corpus: Path
) -> None:
    async with running(settings, pid=1) as first, running(settings, pid=2) as second:
        assert "Maria Lopez" in second.answer()
        set_winner(corpus, "Ana Petrova")
        result = await first.cluster.reload()
        assert result.built and "Ana Petrova" in first.answer()
        assert "Ana Petrova" in second.answer()  # the reload waited for it (up to 5 s)
        assert (result.serving, result.live, result.behind) == (2, 2, ())
        assert second.loads == ["from cache"]  # the built file, not a second build
        assert result.record.version == second.live.index.version


async def test_an_announcement_reaches_a_process_that_did_not_ask(
    settings: Settings, corpus: Path, store: ClusterStore
) -> None:
    async with running(settings) as process:
        set_winner(corpus, "Ana Petrova")
        # Another process's build: its index in the shared cache, then the announcement.
        built = load_index(settings)
        store.announce(built.index.version, folder_fingerprint(corpus), "elsewhere pid 9")
        took = await until(lambda: "Ana Petrova" in process.answer(), 5, "the swap")
        assert took < 5
        assert process.loads == ["from cache"]


async def test_an_announcement_wakes_a_process_long_before_its_next_heartbeat(
    database_url: str, corpus: Path, tmp_path: Path, store: ClusterStore
) -> None:
    """PostgreSQL: LISTEN/NOTIFY, as the version is read only every heartbeat (here
    longer than the test); SQLite: polled, whatever the heartbeat."""
    slow = make_settings(database_url, corpus, tmp_path / "cache", heartbeat=60)
    async with running(slow, pid=1) as first, running(slow, pid=2) as second:
        set_winner(corpus, "Ana Petrova")
        result = await first.cluster.reload()
        assert (result.serving, result.live) == (2, 2)
        assert "Ana Petrova" in second.answer()


async def test_two_concurrent_reloads_build_once(settings: Settings, corpus: Path) -> None:
    gate = Gate()
    async with (
        running(settings, pid=1, gate=gate) as first,
        running(settings, pid=2) as second,
    ):
        set_winner(corpus, "Ana Petrova")
        first_reload = asyncio.create_task(first.cluster.reload())
        await until(gate.entered.is_set, 5, "the first build to start")
        waited: list[str] = []
        second_reload = asyncio.create_task(second.cluster.reload(waiting=waited.append))
        await until(lambda: bool(waited), 5, "the second reload to wait")
        assert waited == [first.cluster.id]
        gate.opened.set()
        results: list[ClusterReload] = list(await asyncio.gather(first_reload, second_reload))
        assert [result.built for result in results] == [True, False]
        assert first.loads == ["built"] and second.loads == ["from cache"]
        assert results[0].record == results[1].record
        assert "Ana Petrova" in first.answer() and "Ana Petrova" in second.answer()
        assert results[1].serving == 2


async def test_a_reload_waiting_on_a_holder_that_died_builds_once_the_lease_runs_out(
    settings: Settings, corpus: Path, store: ClusterStore
) -> None:
    async with running(settings) as process:
        assert store.try_lock("died-mid-build", 0.5) is None  # never renewed, never released
        set_winner(corpus, "Ana Petrova")
        waited: list[str] = []
        result = await process.cluster.reload(waiting=waited.append)
        assert waited == ["died-mid-build"]
        assert result.built and "Ana Petrova" in process.answer()
        assert store.lock_holder() is None


async def test_a_process_whose_corpus_differs_reports_it_instead_of_swapping(
    settings: Settings, corpus: Path, tmp_path: Path, store: ClusterStore
) -> None:
    copy = tmp_path / "stale-copy"
    shutil.copytree(corpus, copy)
    stale_settings = settings.model_copy(update={"corpus_dir": copy})
    async with running(settings, pid=1) as first, running(stale_settings, pid=2) as stale:
        kept = stale.live.index.version
        set_winner(corpus, "Ana Petrova")  # the copy is not updated
        result = await first.cluster.reload()
        assert (result.serving, result.live) == (1, 2)
        assert [row.process.pid for row in result.behind] == [2]
        assert stale.live.index.version == kept and "Maria Lopez" in stale.answer()
        row = next(row for row in store.processes() if row.process.pid == 2)
        assert row.process.state == STALE_CORPUS
        assert "its files differ" in row.process.problem
        assert str(copy) in stale.cluster.problem
        # Synced, and reloaded: it serves the cluster's version again.
        shutil.copy2(corpus / WINNER_DOCUMENT, copy / WINNER_DOCUMENT)
        again = await first.cluster.reload()
        assert (again.serving, again.live, again.behind) == (2, 2, ())
        assert "Ana Petrova" in stale.answer() and stale.cluster.problem == ""


async def test_a_process_started_on_another_version_is_flagged_while_others_serve(
    settings: Settings, corpus: Path, tmp_path: Path, store: ClusterStore
) -> None:
    copy = tmp_path / "other-copy"
    shutil.copytree(corpus, copy)
    set_winner(copy, "Ana Petrova")
    other = settings.model_copy(update={"corpus_dir": copy})
    async with running(settings, pid=1) as first, running(other, pid=2) as late:
        assert late.cluster.problem and "Maria" not in late.answer()
        record = store.record()
        assert record is not None and record.version == first.live.index.version
    # Alone, a process that restarts on a changed corpus makes it the cluster's version.
    async with running(other, pid=3) as alone:
        assert alone.cluster.problem == ""
        record = store.record()
        assert record is not None and record.version == alone.live.index.version


# --- python -m bot cluster -------------------------------------------------------------


async def test_the_cluster_command_lists_processes_and_flags_stale_ones(
    settings: Settings,
    store: ClusterStore,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    async with running(settings, host="bot-a", pid=11) as process:
        store.publish(process_state("gone-one", heartbeat=0.01))
        await until(lambda: not store.processes()[-1].live, 5, "the other to be gone")
        code = await asyncio.to_thread(main, ["cluster"])
        out = capsys.readouterr().out
        version = process.live.index.version
        assert code == 0, out
        assert f"corpus version {version}, built by bot-a pid 11" in out
        lines = out.splitlines()
        assert lines[1].split() == ["HOST", "PID", "SHARDS", "VERSION", "HEARTBEAT", "STATE"]
        mine = next(line for line in lines if line.startswith("bot-a"))
        assert mine.split()[:4] == ["bot-a", "11", "all", version] and "serving" in mine
        gone = next(line for line in lines if line.startswith("gone-host"))
        assert "gone (no heartbeat for" in gone
        assert (
            lines[-1] == "2 registered, 1 live, 1 serving the cluster's version, 0 flagged, 1 gone"
        )

        store.publish(
            ProcessState(
                id="stale-one",
                host="bot-c",
                pid=12,
                shard_ids=(0, 1),
                corpus_version="0123456789ab",
                fingerprint="f",
                state=STALE_CORPUS,
                problem="corpus gives version 0123456789ab",
                seen_sequence=1,
                heartbeat_seconds=60,
            )
        )
        code = await asyncio.to_thread(main, ["cluster", "--json"])
        listing = json.loads(capsys.readouterr().out)
        assert code == 1
        by_host = {row["host"]: row for row in listing["processes"]}
        assert by_host["bot-c"]["flag"].startswith("STALE CORPUS: corpus gives version")
        assert by_host["bot-c"]["shard_ids"] == [0, 1]
        assert by_host["bot-a"]["flag"] is None and by_host["gone-host"]["live"] is False
        assert listing["corpus_version"]["version"] == version


def test_the_cluster_command_before_any_bot_ran(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "none.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    assert main(["cluster"]) == 1
    assert capsys.readouterr().err == (
        f"error: no cluster yet: {missing} does not exist (the bot creates it)\n"
    )
    assert not missing.exists()


# --- docker-compose.yml's cluster profile ----------------------------------------------


def test_the_compose_cluster_profile_splits_the_shards_over_one_database_and_cache(
    repo_root: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    compose = yaml.safe_load((repo_root / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert "profiles" not in services["bot"]  # the default stays one process
    cluster = {name: s for name, s in services.items() if "cluster" in s.get("profiles", [])}
    assert set(cluster) == {"postgres", "bot-shard-0", "bot-shard-1"}
    shards = []
    for name in ("bot-shard-0", "bot-shard-1"):
        service = cluster[name]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert set(service["volumes"]) == {"newsqa-cache:/app/.cache", "./corpus:/app/corpus:ro"}
        for key, value in service["environment"].items():
            if key != "DISCORD_TOKEN":
                monkeypatch.setenv(key, value.replace("${POSTGRES_PASSWORD:-newsqa}", "pw"))
        settings = Settings()
        assert settings.database_url == "postgresql://newsqa:pw@postgres:5432/newsqa"
        assert settings.shard_count == 2
        shards.append(settings.shard_ids)
    assert shards == [[0], [1]]
    assert {"newsqa-cache", "newsqa-postgres"} <= set(compose["volumes"])


# --- waiting to be woken ------------------------------------------------------------------------


async def test_a_watch_cancelled_as_it_is_woken_stops() -> None:
    # A process stopping as an announcement wakes its watch: the cancellation must not be
    # lost, or the process never stops (asyncio.wait_for loses it on Python 3.11).
    wake = asyncio.Event()

    async def watch() -> None:
        while True:
            await woken(wake, 10)
            wake.clear()

    task = asyncio.create_task(watch())
    await asyncio.sleep(0)
    wake.set()
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=2)
    assert task in done and task.cancelled()


async def test_woken_says_whether_it_was_woken() -> None:
    wake = asyncio.Event()
    assert await woken(wake, 0.01) is False
    wake.set()
    assert await woken(wake, 10) is True
