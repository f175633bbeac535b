"""Two bot processes (separate OS processes) sharing one database and one cache folder:
a reload in one changes the other's answers within 5 s, and two reloads at once build
once. On SQLite and PostgreSQL.

Each process is this module run as a program (`python -m tests.test_cluster_processes
CONFIG`): it loads the corpus, starts a `Cluster`, and answers commands on stdin with
one JSON line each on stdout ("ask QUESTION", "reload", "reload-gated": a reload whose
build waits for the gate file, "quit")."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from bot.cluster import Cluster
from bot.pipeline import LoadedCorpus, ask, load_index
from bot.progress import Progress
from bot.settings import Settings
from bot.store.cluster import ClusterStore
from tests.test_cluster import QUESTION, set_winner, write_corpus

REPO_ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 60.0
"""How long a process may take to start (imports and a first load, on a busy machine)."""
SWAP_SECONDS = 5.0


class BotProcess:
    """One running process of this module, and the JSON lines it has written."""

    def __init__(self, name: str, config: dict[str, object], log_file: Path) -> None:
        self.name = name
        self.id = ""
        """Its id in the cluster's registry (said when it is ready)."""
        self.log_file = log_file
        with log_file.open("w", encoding="utf-8") as errors:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "tests.test_cluster_processes", json.dumps(config)],
                cwd=REPO_ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                encoding="utf-8",
            )
        self._events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, args=(self.popen.stdout,), daemon=True).start()

    def _read(self, stdout: IO[str]) -> None:
        for line in stdout:
            self._events.put(json.loads(line))
        self._events.put(None)

    def send(self, command: str) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write(command + "\n")
        self.popen.stdin.flush()

    def expect(self, event: str, seconds: float = SWAP_SECONDS * 2) -> dict[str, Any]:
        """The next line this process writes, which must be `event`."""
        try:
            said = self._events.get(timeout=seconds)
        except queue.Empty:
            pytest.fail(f"{self.name}: no {event} within {seconds} s; {self._log()}")
        if said is None:
            pytest.fail(f"{self.name} ended before {event}; {self._log()}")
        assert said["event"] == event, said
        return said

    def answer(self) -> str:
        self.send(f"ask {QUESTION}")
        return str(self.expect("answer")["text"])

    def _log(self) -> str:
        return f"its log: {self.log_file.read_text(encoding='utf-8')[-2000:]}"

    def stop(self) -> None:
        if self.popen.poll() is None:
            try:
                self.send("quit")
                self.popen.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.popen.kill()
                self.popen.wait()


@pytest.fixture
def start(database_url: str, tmp_path: Path) -> Iterator[Callable[[str], BotProcess]]:
    """Starts processes over one corpus folder, one cache folder and the test's database;
    each is ready when returned. All are stopped at the end."""
    write_corpus(tmp_path / "corpus", "Maria Lopez")
    started: list[BotProcess] = []
    config = {
        "database_url": database_url,
        "corpus_dir": str(tmp_path / "corpus"),
        "cache_dir": str(tmp_path / "cache"),
        "gate": str(tmp_path / "gate"),
    }

    def start_one(name: str) -> BotProcess:
        process = BotProcess(name, config, tmp_path / f"{name}.log")
        started.append(process)
        process.id = str(process.expect("ready", START_SECONDS)["id"])
        return process

    yield start_one
    for process in started:
        process.stop()


def test_a_reload_in_one_process_changes_the_others_answers_within_5_s(
    start: Callable[[str], BotProcess], tmp_path: Path
) -> None:
    first, second = start("first"), start("second")
    assert "Maria Lopez" in second.answer()
    set_winner(tmp_path / "corpus", "Ana Petrova")
    asked = time.monotonic()
    first.send("reload")
    while "Ana Petrova" not in second.answer():
        assert time.monotonic() - asked < SWAP_SECONDS, "the other process still answers Maria"
        time.sleep(0.05)
    reloaded = first.expect("reloaded")
    assert (reloaded["built"], reloaded["serving"], reloaded["live"]) == (True, 2, 2)
    assert "Ana Petrova" in first.answer()


def test_two_reloads_at_once_in_two_processes_build_once(
    start: Callable[[str], BotProcess], tmp_path: Path
) -> None:
    first, second = start("first"), start("second")
    set_winner(tmp_path / "corpus", "Chen Wei")
    first.send("reload-gated")
    first.expect("building")  # and holding the build lock until the gate opens
    second.send("reload")
    waiting = second.expect("waiting")
    assert waiting["holder"] == first.id
    (tmp_path / "gate").touch()
    built, taken = first.expect("reloaded"), second.expect("reloaded")
    assert (built["built"], built["from_cache"]) == (True, False)
    assert (taken["built"], taken["from_cache"]) == (False, True)  # the file the first built
    assert built["version"] == taken["version"]
    assert taken["serving"] == 2
    assert "Chen Wei" in first.answer() and "Chen Wei" in second.answer()


# --- the process itself ----------------------------------------------------------------


def _emit(lock: threading.Lock, said: dict[str, object]) -> None:
    with lock:
        sys.stdout.write(json.dumps(said) + "\n")
        sys.stdout.flush()


async def _serve(config: dict[str, str]) -> None:
    settings = Settings(
        database_url=config["database_url"],
        corpus_dir=Path(config["corpus_dir"]),
        cache_dir=Path(config["cache_dir"]),
        heartbeat_seconds=1.0,
    )
    output = threading.Lock()
    gate, gated = Path(config["gate"]), threading.Event()
    live = await asyncio.to_thread(load_index, settings)
    serving = {"corpus": live}

    def load(
        settings: Settings, progress: Progress | None, previous: LoadedCorpus | None
    ) -> LoadedCorpus:
        if gated.is_set():
            gated.clear()
            _emit(output, {"event": "building"})
            deadline = time.monotonic() + 30
            while not gate.exists():
                if time.monotonic() > deadline:
                    raise RuntimeError("the gate never opened")
                time.sleep(0.02)
        return load_index(settings, progress, previous)

    def swap(new: LoadedCorpus) -> None:
        serving["corpus"] = new

    store = await asyncio.to_thread(ClusterStore.open, settings.database_url)
    cluster = Cluster(
        settings, store, current=lambda: serving["corpus"], swap=swap, load=load, poll_seconds=0.2
    )
    await cluster.start()
    _emit(output, {"event": "ready", "id": cluster.id})

    async def reload() -> None:
        def waiting(holder: str) -> None:
            _emit(output, {"event": "waiting", "holder": holder})

        result = await cluster.reload(waiting=waiting)
        cache = result.loaded.cache
        _emit(
            output,
            {
                "event": "reloaded",
                "built": result.built,
                "from_cache": bool(cache is not None and cache.index_from_cache),
                "version": result.record.version,
                "serving": result.serving,
                "live": result.live,
            },
        )

    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[str | None] = asyncio.Queue()

    def read_commands() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, line.rstrip("\n"))
        loop.call_soon_threadsafe(commands.put_nowait, None)

    threading.Thread(target=read_commands, daemon=True).start()
    reloads: set[asyncio.Task[None]] = set()
    while (line := await commands.get()) is not None:
        command, _, question = line.partition(" ")
        if command == "ask":
            corpus = serving["corpus"]
            answer = ask(corpus.index, question, settings)
            text = answer.passages[0].sentence.text if answer.passages else ""
            _emit(output, {"event": "answer", "text": text, "version": corpus.index.version})
        elif command in ("reload", "reload-gated"):
            if command == "reload-gated":
                gated.set()
            reloads.add(asyncio.create_task(reload()))
        elif command == "quit":
            break
    await asyncio.gather(*reloads)
    await cluster.stop()
    await asyncio.to_thread(store.close)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for name in list(os.environ):  # the settings come from the test, not the host
        if name.lower() in Settings.model_fields:
            del os.environ[name]
    asyncio.run(_serve(json.loads(sys.argv[1])))
