"""What the benchmark scripts share: the questions they ask, and how a timing line reads."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from bot.search.analyzer import terms

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT.parent / "shared/qa/dev.json"
BBC = ROOT.parent / "shared/data/bbc-news"


def dev_questions(qa: Path = DEV_SET) -> list[str]:
    """The dev set's questions, answerable then unanswerable."""
    data = json.loads(qa.read_text(encoding="utf-8"))
    return [item["question"] for item in data["answerable"]] + data["unanswerable"]


def bbc_titles(bbc: Path = BBC) -> list[str]:
    """The first line (the title) of every BBC article, in path order."""
    return [
        path.read_bytes().decode("utf-8", "replace").split("\n", 1)[0].strip()
        for path in sorted(bbc.rglob("*.txt"))
    ]


def dev_and_titles(qa: Path, bbc: Path, count: int) -> list[str]:
    """`count` questions with a search term: the dev set's, then BBC titles taken every
    n-th, so that they are spread over all topics."""
    dev = dev_questions(qa)
    every = bbc_titles(bbc)
    step = max(1, len(every) // max(1, count - len(dev)))
    return [q for q in dev + every[::step] if terms(q)][:count]


def median_worst(ms: list[float]) -> str:
    return f"median {statistics.median(ms):7.2f} ms, worst {max(ms):7.2f} ms"
