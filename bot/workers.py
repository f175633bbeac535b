"""Worker processes for the CPU-heavy steps of a load (parsing files, analysing text), so
that every core works on a large corpus."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor


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
