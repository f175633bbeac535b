"""Worker processes for the CPU-heavy steps of a load (parsing files, analysing text), and
threads for the steps that let go of the GIL (listing folders, copying large arrays), so
that every core works on a large corpus."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

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


# Arrays smaller than this are copied by one thread: starting threads would cost more.
_THREADED_COPY_BYTES = 1 << 24


def copy_threads(size_bytes: int) -> int:
    """How many threads copy (or map) arrays of this many bytes: one per core when large.
    A reload copies the corpus's text and tokens whole, and one core copying them (each
    new page first touched) is slower than the cores sharing the work."""
    return max(1, min(available_cores(), size_bytes // _THREADED_COPY_BYTES))


def in_threads(function: Callable[[T], R], items: Sequence[T], threads: int) -> list[R]:
    """`map(function, items)` in up to `threads` threads, the results in order: for work
    that lets go of the GIL, as numpy's copies and the compiled kernels do."""
    threads = min(threads, len(items))
    if threads < 2:
        return list(map(function, items))
    with ThreadPoolExecutor(threads) as pool:  # its threads end with it
        return list(pool.map(function, items))


def in_shares(work: Callable[[int, int], None], size: int, threads: int) -> None:
    """`work(low, high)` over items 0 to `size` - 1 cut into `threads` even shares, each
    in a thread (see `in_threads`)."""
    threads = max(1, min(threads, size))
    cuts = [size * share // threads for share in range(threads + 1)]
    in_threads(lambda share: work(cuts[share], cuts[share + 1]), range(threads), threads)


def in_shares_of(
    sizes: Sequence[int], work: Callable[[int, int, int, int], None], threads: int
) -> None:
    """`in_shares` over parts of `sizes` laid one after the other: `work(part, start,
    stop, at)` for items `start` to `stop` - 1 of part number `part`, which go at `at`
    onward (a share may cut across parts, and a part across shares)."""
    bases = np.cumsum([0, *sizes]).tolist()

    def share(low: int, high: int) -> None:
        for part, (size, base) in enumerate(zip(sizes, bases, strict=False)):
            start, stop = max(low, base), min(high, base + size)
            if start < stop:
                work(part, start - base, stop - base, start)

    in_shares(share, bases[-1], threads)


def concatenate(
    arrays: Sequence[npt.NDArray[Any]], dtype: npt.DTypeLike, *, threads: int | None = None
) -> npt.NDArray[Any]:
    """The one-dimensional `arrays` one after the other, as `np.concatenate`, copied in
    `threads` threads (None: `copy_threads` decides)."""
    sizes = [len(array) for array in arrays]
    joined = np.empty(sum(sizes), dtype=dtype)

    def copy(part: int, start: int, stop: int, at: int) -> None:
        joined[at : at + stop - start] = arrays[part][start:stop]

    in_shares_of(sizes, copy, copy_threads(joined.nbytes) if threads is None else threads)
    return joined
