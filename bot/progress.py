"""How far a long load has got: counters the work advances and reporters read.

A load runs in one thread (or process) and advances a `Progress`; whoever shows
progress (the CLI's bar or log lines, the /reload reply) reads `report()` from
another thread when it likes, so the work never waits for the display.
"""

from __future__ import annotations

import time
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
        rate = f" ({self.sentences / self.seconds:,.0f} sentences/s)" if self.sentences else ""
        return (
            f"{self.stage}: {self.files:,} files, {self.articles:,} articles, "
            f"{self.sentences:,} sentences in {self.seconds:.1f} s{rate}"
        )


class Progress:
    """Counters of one load. Only the loading thread writes them; a reader may see a
    report a moment out of date, never a wrong one."""

    def __init__(self) -> None:
        self.stage = "reading files"
        self.files = 0
        self.articles = 0
        self.sentences = 0
        self._started = time.monotonic()

    def report(self) -> ProgressReport:
        return ProgressReport(
            self.stage, self.files, self.articles, self.sentences, time.monotonic() - self._started
        )
