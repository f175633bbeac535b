"""Showing a `Progress` while a load runs: a bar on a terminal, log lines elsewhere.

Both are called back by the loading thread after each change and draw only now and
then, so that no thread is started (the load may then fork its worker processes).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from tqdm import tqdm

from bot.progress import Progress

log = logging.getLogger(__name__)

BAR_SECONDS = 0.2
"""How often the terminal bar is redrawn at most."""
LOG_SECONDS = 10.0
"""How often a log line is written when the output is not a terminal (a build job's log)."""


@contextmanager
def shown(stream: TextIO, *, log_seconds: float = LOG_SECONDS) -> Iterator[Progress]:
    """A `Progress` shown on `stream` until the block ends: a live bar when `stream` is a
    terminal, else a log line every `log_seconds` (none for a load quicker than that)."""
    if not stream.isatty():
        lines = _LogLines(log_seconds)
        yield Progress(on_change=lines.update)
        return
    with _Tqdm(file=stream, unit=" sentences", unit_scale=True, leave=False) as bar:
        yield Progress(on_change=_Bar(bar).update)


class _Tqdm(tqdm):  # type: ignore[type-arg]  # generic only in its stubs
    monitor_interval = 0  # no monitor thread: the load may fork (see the module docstring)


class _Bar:
    def __init__(self, bar: tqdm[Any]) -> None:
        self._bar = bar
        self._drawn = 0.0

    def update(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self._drawn < BAR_SECONDS:
            return
        self._drawn = now
        report = progress.report()
        self._bar.set_description_str(report.stage, refresh=False)
        self._bar.set_postfix_str(
            f"{report.files:,} files, {report.articles:,} articles", refresh=False
        )
        self._bar.update(max(0, report.sentences - self._bar.n))


class _LogLines:
    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._logged = time.monotonic()

    def update(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self._logged >= self._seconds:
            self._logged = now
            log.info("%s", progress.report().describe())
