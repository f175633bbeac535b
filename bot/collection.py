"""Python's cycle collector, paused while a load makes a great many objects that form no
cycle (several a file listed, read and kept; `bot.store.corpus_store.CorpusStore.load`
pauses it for the whole load): the collector would otherwise scan them, and every
object alive, again and again as they pile up."""

from __future__ import annotations

import contextlib
import functools
import gc
import threading
from collections.abc import Iterator


class _Pauses:
    """How many blocks, in any thread, have the collector paused (the collector is one
    for the process), and whether it ran before the first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0
        self.was_enabled = False


@functools.cache
def _pauses() -> _Pauses:
    return _Pauses()


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """The cycle collector paused for the block; it runs again when the last block that
    paused it ends, if it ran before the first. Reference counting still frees what is
    dropped meanwhile; cycles made meanwhile are collected after."""
    pauses = _pauses()
    with pauses.lock:
        if pauses.count == 0:
            pauses.was_enabled = gc.isenabled()
            gc.disable()
        pauses.count += 1
    try:
        yield
    finally:
        with pauses.lock:
            pauses.count -= 1
            if pauses.count == 0 and pauses.was_enabled:
                gc.enable()
