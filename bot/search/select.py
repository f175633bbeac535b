"""The n best sentences for a query's terms: by the compiled kernel where it was built,
else by numpy, to the same bits.

A sentence's score is its BM25Okapi score for the terms (a repeated term counts again,
as in rank-bm25's `get_scores`), plus, with `Paragraphs`, a weight times its
paragraph's BM25Okapi score. Only sentences holding a term are scored: under BM25Okapi
a sentence without any scores 0. Both backends add each score's parts in the same
order (terms rarest first, then the paragraph's share), so they give the same
sentences and the same scores to the last bit; the numpy one is the kernel's oracle in
the tests. Which one runs is chosen once, by `default_backend`, and passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bot.search.params import FloatArray
from bot.search.postings import IntArray, Postings

try:  # compiled by setup.py where a C compiler is at hand
    from bot.search import _kernel
except ImportError:  # pragma: no cover - depends on how the package was built
    _kernel = None  # type: ignore[assignment]

SentenceArray = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class Paragraphs:
    """What a sentence's paragraph adds to its score: `weight` times the paragraph's score."""

    postings: Postings
    """Over the paragraphs, with the sentences' vocabulary; the sentences' own postings
    when `paragraph_of` is None."""
    paragraph_of: SentenceArray | None
    """By sentence: its paragraph (runs of consecutive sentences). None: each paragraph
    is one sentence, so its score is the sentence's own."""
    weight: float


class Backend(Protocol):
    """The n best sentences holding one of the terms `term_ids` (each counted `times`
    over, in this order: rarest first), best first; equal scores in sentence order."""

    def __call__(
        self,
        sentences: Postings,
        term_ids: IntArray,
        times: FloatArray,
        n: int,
        paragraphs: Paragraphs | None,
        /,
    ) -> tuple[SentenceArray, FloatArray]: ...


def top(
    sentences: Postings,
    terms: Sequence[str],
    n: int,
    paragraphs: Paragraphs | None = None,
    *,
    backend: Backend,
) -> tuple[SentenceArray, FloatArray]:
    """The `n` best sentences holding at least one of `terms` and their scores, best
    first; equal scores in sentence order. Exact: the sentences and scores are those of
    scoring every sentence (as rank-bm25's `get_scores` does) and sorting."""
    times_of: dict[int, int] = {}
    for term in terms:
        term_id = sentences.vocabulary.get(term)
        if term_id is not None:
            times_of[term_id] = times_of.get(term_id, 0) + 1
    if not times_of or n <= 0:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float64)
    if paragraphs is not None and paragraphs.weight <= 0:
        paragraphs = None
    # Rarest first (ties in query order): the order both backends add the parts in.
    rarest_first = sorted(
        times_of, key=lambda t: int(sentences.indptr[t + 1] - sentences.indptr[t])
    )
    term_ids = np.array(rarest_first, dtype=np.int64)
    times = np.array([times_of[t] for t in rarest_first], dtype=np.float64)
    return backend(sentences, term_ids, times, n, paragraphs)


def kernel_built() -> bool:
    """Whether the compiled kernel was built (setup.py, where a C compiler is at hand)."""
    return _kernel is not None


def default_backend() -> Backend:
    """The compiled kernel where it was built, else numpy."""
    return kernel_top if _kernel is not None else numpy_top


def kernel_top(
    sentences: Postings,
    term_ids: IntArray,
    times: FloatArray,
    n: int,
    paragraphs: Paragraphs | None,
    /,
    *,
    block: int | None = None,
) -> tuple[SentenceArray, FloatArray]:
    """`Backend` by the compiled kernel (`block`: sentences per block, for tests)."""
    if _kernel is None:
        raise RuntimeError("the compiled search kernel was not built")
    mode, weight, by_paragraph = 0, 0.0, sentences  # by_paragraph: ignored in mode 0
    paragraph_of = np.empty(0, dtype=np.int32)
    if paragraphs is not None:
        weight = paragraphs.weight
        if paragraphs.paragraph_of is None:
            mode = 1
        else:
            mode, by_paragraph, paragraph_of = 2, paragraphs.postings, paragraphs.paragraph_of
    found, scores = _kernel.top_n(
        sentences.indptr,
        sentences.units,
        sentences.impact,
        term_ids,
        times,
        sentences.size,
        n,
        mode,
        weight,
        paragraph_of,
        by_paragraph.indptr,
        by_paragraph.units,
        by_paragraph.impact,
        _kernel.BLOCK if block is None else block,
    )
    return best_first(found, scores, n)


def _scores(
    postings: Postings, term_ids: IntArray, times: FloatArray
) -> tuple[IntArray, FloatArray]:
    """The units holding a term, in order, and their scores, each score's parts added in
    the order of `term_ids` (into an array of those units only: a zeroed array of every
    unit would cost more than the query, in page faults)."""
    spans = [(postings.indptr[t], postings.indptr[t + 1]) for t in term_ids.tolist()]
    units = np.concatenate([postings.units[first:last] for first, last in spans])
    factors = times.tolist()
    parts = np.concatenate(
        [
            postings.impact[first:last] * factor
            for (first, last), factor in zip(spans, factors, strict=True)
        ]
    )
    holding, position = np.unique(units, return_inverse=True)
    scores = np.zeros(len(holding), dtype=np.float64)
    np.add.at(scores, position, parts)  # in order: a unit's parts term by term
    return holding, scores


def numpy_top(
    sentences: Postings,
    term_ids: IntArray,
    times: FloatArray,
    n: int,
    paragraphs: Paragraphs | None,
    /,
) -> tuple[SentenceArray, FloatArray]:
    """`Backend` by numpy: scores the sentences holding a term, then partitions."""
    holding, own = _scores(sentences, term_ids, times)
    if paragraphs is None:
        scores = own
    elif paragraphs.paragraph_of is None:
        scores = own + paragraphs.weight * own
    else:
        # A sentence's paragraph holds its terms, so it is among those scored.
        scored, of_paragraph = _scores(paragraphs.postings, term_ids, times)
        at = np.searchsorted(scored, paragraphs.paragraph_of.take(holding))
        scores = own + paragraphs.weight * of_paragraph.take(at)
    return best_first(holding, scores, n)


def best_first(
    sentences: npt.NDArray[np.integer[Any]], scores: FloatArray, n: int
) -> tuple[SentenceArray, FloatArray]:
    """The `n` highest of `scores` (of distinct `sentences`, any order), best first,
    equal scores in sentence order."""
    if len(scores) > n:
        nth_best = np.partition(scores, len(scores) - n)[len(scores) - n]
        keep = np.flatnonzero(scores >= nth_best)
        sentences, scores = sentences[keep], scores[keep]
    ranked = np.lexsort((sentences, -scores))[:n]
    return sentences[ranked].astype(np.int32), scores[ranked]
