"""Freed memory given back to the system between the steps of a build.

A build frees large temporaries (the workers' results once merged, the sort behind the
postings), but C's allocator keeps much of what was freed for the process to reuse, so
the next step's arrays come on top of it and the process peaks higher than what it
holds. glibc's `malloc_trim` returns the free pages; elsewhere there is nothing to do.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none (musl, macOS, Windows)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the symbols the process already holds
    except (AttributeError, OSError, TypeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> None:
    """Give the pages the allocator holds free back to the system: what is in use is
    left as it is, and the call is cheap next to a build's steps."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
