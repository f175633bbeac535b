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


def print_accuracy(
    n: int,
    base: list[int],
    base_ms: list[float],
    ours: list[int],
    ours_ms: list[float],
    declined: int,
) -> None:
    """The accuracy table bench/squad.py and bench/trecqa.py print: acc@1 and acc@3 (hits
    out of `n`) and the median milliseconds of rank-bm25 and of the bot, and how many
    answerable questions the bot declined."""
    print(f"{'':28} {'acc@1':>7} {'acc@3':>7} {'median ms':>10}")
    print(
        f"{'baseline (rank-bm25, ws)':28} {base[0] / n:7.3f} {base[1] / n:7.3f} "
        f"{statistics.median(base_ms):10.2f}"
    )
    print(
        f"{'newsqa (ask)':28} {ours[0] / n:7.3f} {ours[1] / n:7.3f} "
        f"{statistics.median(ours_ms):10.2f}"
    )
    print(f"answerable questions declined: {declined} of {n} ({declined / n:.1%})")
