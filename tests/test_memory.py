"""Freed memory goes back to the system when a build asks (glibc's allocator)."""

from __future__ import annotations

import os
import platform

import pytest

from bot.memory import release_free_memory


def resident_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc_trim")
def test_memory_freed_inside_the_heap_goes_back_to_the_system() -> None:
    # Blocks small enough to come from the heap, then one kept above them: freeing the
    # others leaves a hole the allocator keeps until it is told to give it back.
    held = [b"x" * 100_000 for _ in range(1_000)]
    kept = b"y" * 100_000
    del held
    before = resident_bytes()

    release_free_memory()

    assert resident_bytes() < before - 50_000_000
    assert kept[:1] == b"y"
