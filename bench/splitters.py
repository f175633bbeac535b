"""Sentence splitters side by side: speed, and boundaries against a hand-labelled set.

    .venv/bin/python bench/splitters.py [--set tests/data/sentence_boundaries.jsonl]
                                        [--bbc ../shared/data/bbc-news]

Candidates: pysbd, nupunkt, blingfire, syntok, and "bot" (whatever
`bot.search.analyzer.Analyzer().sentence_spans` does today). A candidate whose package
is missing is listed as "not installed" and the others still run.

Each paragraph of the set is its gold sentences joined by single spaces. A boundary is
the character offset where a sentence other than the first starts, whitespace skipped;
a candidate's boundaries are compared with the gold ones as sets of offsets.

Columns, one row per candidate:

- sent/s BBC: sentences the candidate finds per second of splitting every BBC paragraph
  (normalized as the bot does), passes repeated until at least a second has gone; the
  speed figure to compare, as it is the larger text;
- sent/s set: the same on the labelled set's paragraphs;
- precision: the share of its boundaries that are gold boundaries;
- recall: the share of gold boundaries it finds;
- F1: the harmonic mean of the two;
- exact: paragraphs whose boundaries are all right, of all paragraphs in the set.

Tests can score a splitter the same way:

    from bench.splitters import CANDIDATES, load_set, scores
    precision, recall, f1, exact = scores(CANDIDATES["bot"](), load_set())
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import BBC  # noqa: E402
from bot.search.analyzer import normalize  # noqa: E402

SENTENCE_SET = ROOT / "tests/data/sentence_boundaries.jsonl"

# A splitter: a normalized paragraph -> where each of its sentences starts.
Split = Callable[[str], list[int]]


@dataclass(frozen=True, slots=True)
class Labelled:
    """A paragraph of the set: where it came from and its gold sentences."""

    source: str
    sentences: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    @property
    def boundaries(self) -> frozenset[int]:
        starts, offset = [], 0
        for sentence in self.sentences:
            starts.append(offset)
            offset += len(sentence) + 1
        return frozenset(starts[1:])


_SPACES = re.compile(r"\s*")


def load_set(path: Path = SENTENCE_SET) -> list[Labelled]:
    """The labelled paragraphs, in file order."""
    with path.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    return [Labelled(record["source"], tuple(record["sentences"])) for record in records]


def boundaries(paragraph: str, starts: Iterable[int]) -> frozenset[int]:
    """Sentence starts -> boundaries: whitespace skipped, empty sentences and the first
    sentence dropped."""
    found = {_SPACES.match(paragraph, start).end() for start in starts}
    found.discard(len(paragraph))
    return frozenset(sorted(found)[1:])


def boundary_scores(predicted: frozenset[int], gold: frozenset[int]) -> tuple[int, int, int]:
    """True positives, false positives and false negatives of one paragraph's boundaries."""
    hits = len(predicted & gold)
    return hits, len(predicted) - hits, len(gold) - hits


def scores(split: Split, paragraphs: Iterable[Labelled]) -> tuple[float, float, float, int]:
    """Boundary precision, recall and F1 of `split` over `paragraphs`, and how many
    paragraphs it splits exactly right. A ratio with nothing to count is 1.0."""
    hits = false_hits = misses = exact = 0
    for labelled in paragraphs:
        text = labelled.text
        tp, fp, fn = boundary_scores(boundaries(text, split(text)), labelled.boundaries)
        hits, false_hits, misses = hits + tp, false_hits + fp, misses + fn
        exact += fp == fn == 0
    precision = hits / (hits + false_hits) if hits + false_hits else 1.0
    recall = hits / (hits + misses) if hits + misses else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, exact


# Each maker imports its package when called (ImportError where it is missing) and
# returns the splitter, with anything slow to set up already made.


def _pysbd() -> Split:
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)

    def split(paragraph: str) -> list[int]:
        # pysbd returns text, not offsets: find each segment from where the last one
        # ended; one it altered (it can drop a character) is not found and is skipped.
        starts, cursor = [], 0
        for piece in segmenter.segment(paragraph):
            segment = piece.strip()
            found = paragraph.find(segment, cursor) if segment else -1
            if found >= 0:
                starts.append(found)
                cursor = found + len(segment)
        return starts

    return split


def _nupunkt() -> Split:
    import nupunkt

    return lambda paragraph: [start for start, _ in nupunkt.sent_spans(paragraph)]


def _blingfire() -> Split:
    import blingfire

    def split(paragraph: str) -> list[int]:
        _, spans = blingfire.text_to_sentences_and_offsets(paragraph)
        return [start for start, _ in spans]

    return split


def _syntok() -> Split:
    from syntok import segmenter

    def split(paragraph: str) -> list[int]:
        # `analyze` keeps each token's offset in the text (`process` may rewrite words).
        return [sentence[0].offset for part in segmenter.analyze(paragraph) for sentence in part]

    return split


def _bot() -> Split:
    from bot.search.analyzer import Analyzer

    analyzer = Analyzer()
    return lambda paragraph: [start for start, _ in analyzer.sentence_spans(paragraph)]


CANDIDATES: dict[str, Callable[[], Split]] = {
    "pysbd": _pysbd,
    "nupunkt": _nupunkt,
    "blingfire": _blingfire,
    "syntok": _syntok,
    "bot": _bot,
}


def bbc_paragraphs(bbc: Path = BBC) -> list[str]:
    """Every paragraph of every BBC article (the title line left out), normalized."""
    paragraphs = []
    for path in sorted(bbc.rglob("*.txt")):
        text = path.read_bytes().decode("utf-8", "replace")
        body = text.split("\n", 1)[1] if "\n" in text else ""
        paragraphs += [p for block in re.split(r"\n\s*\n", body) if (p := normalize(block))]
    return paragraphs


def sentences_per_second(split: Split, paragraphs: list[str], at_least: float = 1.0) -> float:
    """Sentences found per second, over as many passes as take `at_least` seconds."""
    split(paragraphs[0])  # first-call costs (models loaded on first use) are not speed
    found, elapsed = 0, 0.0
    while elapsed < at_least:
        started = time.perf_counter()
        for paragraph in paragraphs:
            found += len(split(paragraph))
        elapsed += time.perf_counter() - started
    return found / elapsed


def _label(name: str) -> str:
    if name == "bot":  # the product's own splitter: whatever package it uses today
        return name
    try:
        return f"{name} {metadata.version(name)}"
    except metadata.PackageNotFoundError:
        return name


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", type=Path, default=SENTENCE_SET, dest="labelled")
    parser.add_argument("--bbc", type=Path, default=BBC)
    args = parser.parse_args()

    labelled = load_set(args.labelled)
    texts = [item.text for item in labelled]
    bbc = bbc_paragraphs(args.bbc)
    gold = sum(len(item.boundaries) for item in labelled)
    print(
        f"{len(labelled)} labelled paragraphs, {gold} gold boundaries; "
        f"{len(bbc)} BBC paragraphs for speed"
    )
    print(
        f"{'candidate':16} {'sent/s BBC':>10} {'sent/s set':>10} "
        f"{'precision':>9} {'recall':>7} {'F1':>6} {'exact':>9}"
    )
    for name, make in CANDIDATES.items():
        try:
            split = make()
        except ImportError:
            print(f"{name:16} not installed")
            continue
        bbc_speed = sentences_per_second(split, bbc)
        set_speed = sentences_per_second(split, texts)
        precision, recall, f1, exact = scores(split, labelled)
        print(
            f"{_label(name):16} {bbc_speed:10,.0f} {set_speed:10,.0f} "
            f"{precision:9.3f} {recall:7.3f} {f1:6.3f} {exact:4}/{len(labelled)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
