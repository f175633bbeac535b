"""Showing a `Progress` while a load runs: a bar on a terminal, log lines elsewhere."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from tqdm import tqdm

from bot.progress import Progress

log = logging.getLogger(__name__)

BAR_SECONDS = 0.2
"""How often the terminal bar is redrawn."""
LOG_SECONDS = 10.0
"""How often a log line is written when the output is not a terminal (a build job's log)."""


@contextmanager
def shown(
    progress: Progress, stream: TextIO, *, log_seconds: float = LOG_SECONDS
) -> Iterator[None]:
    """Show `progress` on `stream` until the block ends: a live bar when `stream` is a
    terminal, else a log line every `log_seconds` (none for a load quicker than that)."""
    done = threading.Event()
    terminal = stream.isatty()
    target = _bar if terminal else _log_lines
    seconds = BAR_SECONDS if terminal else log_seconds
    thread = threading.Thread(
        target=target, args=(progress, stream, done, seconds), name="progress", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _bar(progress: Progress, stream: TextIO, done: threading.Event, seconds: float) -> None:
    with tqdm(file=stream, unit=" sentences", unit_scale=True, leave=False) as bar:
        while not done.wait(seconds):
            report = progress.report()
            bar.set_description(report.stage, refresh=False)
            bar.set_postfix_str(
                f"{report.files:,} files, {report.articles:,} articles", refresh=False
            )
            bar.update(max(0, report.sentences - bar.n))


def _log_lines(progress: Progress, stream: TextIO, done: threading.Event, seconds: float) -> None:
    while not done.wait(seconds):
        log.info("%s", progress.report().describe())
