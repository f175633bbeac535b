"""Worker pools (bot.workers): results in order, and the work finished in-process when the
workers die."""

from __future__ import annotations

import concurrent.futures
import os

import pytest

from bot.workers import mapped

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
