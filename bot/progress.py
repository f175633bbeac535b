"""How far a long load has got: counters the work advances and reporters read.

A load runs in one thread and advances a `Progress`. Whoever shows progress either
reads `report()` from another thread when it likes (the /reload reply), or is called
back after each change in the loading thread and throttles itself (the CLI's bar or
log lines, so that the CLI stays one thread and may fork its worker processes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProgressReport:
    """What a load has done so far."""

    stage: str
    files: int
    articles: int
    sentences: int
    seconds: float

    def describe(self) -> str:
        """One line for a person: `analysing: 812 files, 2,126 articles, 39,457 sentences
        in 3.1 s (12,728 sentences/s)`."""
        rate = (
            f" ({self.sentences / self.seconds:,.0f} sentences/s)"
            if self.sentences and self.seconds > 0
            else ""
        )
        return (
            f"{self.stage}: {self.files:,} files, {self.articles:,} articles, "
            f"{self.sentences:,} sentences in {self.seconds:.1f} s{rate}"
        )


class Progress:
    """Counters of one load, advanced by the loading thread only. `on_change`, when given,
    is called in that thread after each change (it must be quick: a display throttles
    itself); other threads may read `report()` whenever they like."""

    def __init__(self, on_change: Callable[[Progress], None] | None = None) -> None:
        self.stage = "reading files"
        self.files = 0
        self.articles = 0
        self.sentences = 0
        self._on_change = on_change
        self._started = time.monotonic()

    def begin(self, stage: str) -> None:
        self.stage = stage
        self._changed()

    def advance(self, *, files: int = 0, articles: int = 0, sentences: int = 0) -> None:
        self.files += files
        self.articles += articles
        self.sentences += sentences
        self._changed()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(self)

    def report(self) -> ProgressReport:
        return ProgressReport(
            self.stage, self.files, self.articles, self.sentences, time.monotonic() - self._started
        )
