"""Load, index and answer times, through the product's own path (bot.pipeline).

    python bench/speed.py [--bbc ../shared/data/bbc-news] [--questions 200]

For the bundled corpus and the BBC corpus: seconds to load and index, the
counts, and the median and worst time per question. Questions are the dev set
plus BBC article titles (every n-th, so the sample is spread over all topics).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import BBC, DEV_SET, dev_and_titles, dev_questions, median_worst  # noqa: E402
from bot.pipeline import ask, load_index  # noqa: E402
from bot.settings import Settings  # noqa: E402


def measure(name: str, folder: Path, questions: list[str]) -> None:
    settings = Settings(corpus_dir=folder)
    loaded = load_index(settings)
    index = loaded.index
    timings = []
    for question in questions:
        started = time.perf_counter()
        ask(index, question, settings)
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"{name:8} load+index {loaded.seconds:6.2f} s | {len(index.documents):5} documents "
        f"{len(index.sentences):6} sentences | {len(questions)} questions: {median_worst(timings)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bbc", type=Path, default=BBC)
    parser.add_argument("--qa", type=Path, default=DEV_SET)
    parser.add_argument("--questions", type=int, default=200, help="BBC titles to ask")
    args = parser.parse_args()

    dev = dev_questions(args.qa)
    measure("bundled", ROOT / "corpus", dev)
    measure("bbc", args.bbc, dev_and_titles(args.qa, args.bbc, len(dev) + args.questions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
