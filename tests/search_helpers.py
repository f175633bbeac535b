"""What the search tests share: postings built from lists of terms, rank-bm25's scores
as the definition, and paragraphs made of runs of sentences."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.search.params import BM25Params, guarded_idf
from bot.search.postings import Postings
from bot.search.select import Backend, Paragraphs, kernel_built, kernel_top, numpy_top, top

# The backends `top` can run on: the compiled kernel (when built) and numpy.
BACKENDS = pytest.mark.parametrize(
    "backend",
    [
        pytest.param(
            kernel_top,
            id="kernel",
            marks=pytest.mark.skipif(not kernel_built(), reason="kernel not built"),
        ),
        pytest.param(numpy_top, id="numpy"),
    ],
)


def build_postings(units: Sequence[Sequence[str]], params: BM25Params) -> Postings:
    """Postings over units given as their terms; they must hold at least one term in all
    (else ValueError)."""
    terms = sorted({term for unit in units for term in unit})
    if not terms:
        raise ValueError("BM25 needs at least one term to index")
    vocabulary = {term: term_id for term_id, term in enumerate(terms)}
    tokens = np.fromiter((vocabulary[term] for unit in units for term in unit), dtype=np.int32)
    owners = np.repeat(np.arange(len(units), dtype=np.int32), [len(unit) for unit in units])
    return Postings.from_tokens(tokens, owners, len(units), vocabulary, params)


def all_scores(
    postings: Postings, terms: Sequence[str], backend: Backend = numpy_top
) -> np.ndarray:
    """Every unit's score through `top` (0 for those without a term), like rank-bm25's
    `get_scores`."""
    found, scores = top(postings, terms, postings.size, backend=backend)
    result = np.zeros(postings.size, dtype=np.float64)
    result[found] = scores
    return result


def reference_scores(
    corpus: Sequence[Sequence[str]], query: Sequence[str], params: BM25Params
) -> np.ndarray:
    """rank-bm25's scores, with the idf guard the index applies."""
    reference = BM25Okapi(corpus, k1=params.k1, b=params.b, epsilon=params.epsilon)
    reference.idf = guarded_idf(reference, params.epsilon)
    return np.asarray(reference.get_scores(query))


def paragraphs_of(
    corpus: list[list[str]], sizes: list[int], weight: float
) -> tuple[list[list[str]], Paragraphs]:
    """Paragraphs of consecutive sentences of the given sizes (cycling), as `Index` builds
    them: their terms, and what they add to the sentences' scores."""
    paragraph_of: list[int] = []
    while len(paragraph_of) < len(corpus):
        count = len(set(paragraph_of))
        paragraph_of.extend([count] * sizes[count % len(sizes)])
    paragraph_of = paragraph_of[: len(corpus)]
    paragraphs: list[list[str]] = [[] for _ in range(paragraph_of[-1] + 1)]
    for sentence, paragraph in zip(corpus, paragraph_of, strict=True):
        paragraphs[paragraph].extend(sentence)
    postings = build_postings(paragraphs, BM25Params())
    return paragraphs, Paragraphs(postings, np.array(paragraph_of, dtype=np.int32), weight)
