"""Worker processes for the CPU-heavy steps of a load (parsing files, analysing text), so
that every core works on a large corpus."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes (see `start_method`)."""
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context(start_method())
    )


def mapped(
    function: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    *,
    doing: str,
    chunksize: int = 1,
) -> Iterator[R]:
    """`map(function, items)` in a pool of `workers` processes, the results in order. When
    the processes fail (none can be started here, or one was killed), the items not done
    yet are done in this process; `doing` names the work in the warning that says so."""
    done = 0
    try:
        with process_pool(workers) as pool:
            for result in pool.map(function, items, chunksize=chunksize):
                done += 1
                yield result
    except (OSError, RuntimeError) as error:  # BrokenProcessPool is a RuntimeError
        log.warning("%s in-process: worker processes failed: %s", doing, error)
        yield from map(function, items[done:])


def start_method() -> str:
    """fork where it is safe, spawn elsewhere. A forked worker starts at once with this
    process's modules loaded; but forking a process that runs other threads (the bot
    loads corpora from a thread) can leave the child waiting on a lock a vanished
    thread held, so then each worker starts afresh (spawn), which costs an interpreter
    start and imports per worker."""
    # Linux only: macOS offers fork, but its system libraries are not safe to fork.
    if threading.active_count() == 1 and sys.platform.startswith("linux"):
        return "fork"
    return "spawn"
