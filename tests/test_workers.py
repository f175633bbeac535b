"""Worker pools (bot.workers): results in order, and the work finished in-process when the
workers die."""

from __future__ import annotations

import concurrent.futures
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.workers import concatenate, in_shares, in_threads, mapped

# The test's own process, as the workers see it whether forked or started afresh.
_PARENT = "NEWSQA_TEST_PARENT_PID"


def _square_or_die(number: int) -> int:
    if str(os.getpid()) != os.environ[_PARENT] and number == 3:
        os._exit(1)  # a worker killed mid-way (out of memory, say)
    return number * number


def test_results_come_in_order() -> None:
    assert list(mapped(abs, [-3, 1, -2, 5], 2, doing="testing")) == [3, 1, 2, 5]


def test_the_work_is_finished_in_process_when_a_worker_dies(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(_PARENT, str(os.getpid()))
    assert list(mapped(_square_or_die, range(6), 2, doing="squaring")) == [
        0,
        1,
        4,
        9,
        16,
        25,
    ]
    assert "squaring in-process: worker processes failed" in caplog.text


def test_the_work_is_finished_in_process_from_a_thread_too(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # From a thread the workers are started afresh (spawn), not forked.
    monkeypatch.setenv(_PARENT, str(os.getpid()))
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        found = thread.submit(lambda: list(mapped(_square_or_die, range(6), 2, doing="s"))).result()
    assert found == [0, 1, 4, 9, 16, 25]
    assert "s in-process: worker processes failed" in caplog.text


@given(st.lists(st.lists(st.integers(0, 255), max_size=9), max_size=6), st.integers(1, 7))
def test_arrays_are_concatenated_alike_by_any_number_of_threads(
    lists: list[list[int]], threads: int
) -> None:
    arrays = [np.array(values, dtype=np.uint8) for values in lists]
    joined = concatenate(arrays, np.uint8, threads=threads)
    expected = np.concatenate([np.zeros(0, np.uint8), *arrays])
    assert joined.dtype == np.uint8
    np.testing.assert_array_equal(joined, expected)


@given(st.integers(0, 40), st.integers(1, 9))
def test_shares_cover_every_item_once(size: int, threads: int) -> None:
    seen = np.zeros(size, dtype=np.int64)

    def work(low: int, high: int) -> None:
        seen[low:high] += 1

    in_shares(work, size, threads)
    assert (seen == 1).all()


def test_a_failing_share_is_raised() -> None:
    def work(low: int, high: int) -> None:
        if low > 0:
            raise ValueError("bad share")

    with pytest.raises(ValueError, match="bad share"):
        in_shares(work, 10, 3)


@given(st.lists(st.integers(), max_size=20), st.integers(1, 5))
def test_threads_give_the_results_in_order(numbers: list[int], threads: int) -> None:
    assert in_threads(abs, numbers, threads) == [abs(number) for number in numbers]
