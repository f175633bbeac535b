"""The cycle collector paused during bulk loading (bot.collection): it runs again after the
last block that paused it, in any thread, and stays off if it was off before."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.collection import collection_paused
from bot.corpus import CorpusError
from bot.progress import Progress
from bot.search.index import Ranking
from bot.search.params import BM25Params
from bot.store.corpus_store import CorpusStore


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_runs_again_after_the_last_block_that_paused_it() -> None:
    gc.enable()
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_blocks_in_two_threads_that_end_out_of_order_leave_it_running() -> None:
    gc.enable()
    first_in, second_in, first_may_end = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with collection_paused():
            first_in.set()
            first_may_end.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with collection_paused():  # began after the first, ends before it
        second_in.set()
    assert not gc.isenabled()  # the first still runs
    first_may_end.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()


def test_the_collector_runs_again_when_the_block_raises() -> None:
    gc.enable()
    with pytest.raises(ValueError), collection_paused():
        raise ValueError("a load failed")
    assert gc.isenabled()


@pytest.mark.parametrize("fails", [False, True])
def test_a_load_runs_with_the_collector_paused_and_it_runs_again_after(
    tmp_path: Path, fails: bool
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    text = "Title\n\nThe talks began in Beijing. They ended late.\n"
    (folder / "one.md").write_text("" if fails else text, encoding="utf-8")
    running: list[bool] = []  # whether the collector ran, at each step of the load
    progress = Progress(on_change=lambda _: running.append(gc.isenabled()))
    store = CorpusStore(folder, tmp_path / "cache")
    gc.enable()

    with contextlib.suppress(CorpusError):
        store.load(
            max_article_bytes=10_000, params=BM25Params(), ranking=Ranking(), progress=progress
        )

    assert running and not any(running)
    assert gc.isenabled()
