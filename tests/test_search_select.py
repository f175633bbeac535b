"""The top n: the best sentences by rank-bm25's scores (plus their paragraphs' share),
the same from the compiled kernel and from numpy to the last bit."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search.params import BM25Params
from bot.search.select import Backend, Paragraphs, kernel_built, kernel_top, numpy_top, top
from tests.search_helpers import BACKENDS, build_postings, paragraphs_of, reference_scores

WORDS = st.sampled_from(["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"])
CORPORA = st.lists(st.lists(WORDS, min_size=1, max_size=12), min_size=1, max_size=40)
PARAGRAPH_SIZES = st.lists(st.integers(1, 4), min_size=1, max_size=40)


@BACKENDS
@settings(max_examples=300, deadline=None)
@given(
    corpus=CORPORA,
    query=st.lists(WORDS | st.just("unknown"), max_size=6),
    n=st.integers(0, 12),
    sizes=PARAGRAPH_SIZES,
    weight=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_top_n_are_the_best_by_rank_bm25_scores(
    backend: Backend,
    corpus: list[list[str]],
    query: list[str],
    n: int,
    sizes: list[int],
    weight: float,
) -> None:
    paragraph_terms, paragraphs = paragraphs_of(corpus, sizes, weight)
    found, scores = top(build_postings(corpus, BM25Params()), query, n, paragraphs, backend=backend)

    expected = reference_scores(corpus, query, BM25Params())
    if weight:
        of_paragraph = reference_scores(paragraph_terms, query, BM25Params())
        expected = expected + weight * of_paragraph[paragraphs.paragraph_of]
    holding = [i for i, sentence in enumerate(corpus) if set(sentence) & set(query)]
    best = sorted(expected[holding], reverse=True)[:n]
    assert len(set(found.tolist())) == len(found)
    assert set(found.tolist()) <= set(holding)  # only sentences holding a query term
    np.testing.assert_allclose(scores, expected[found], rtol=0, atol=1e-9)
    np.testing.assert_allclose(scores, best, rtol=0, atol=1e-9)  # and no better one left out


@BACKENDS
@settings(max_examples=100, deadline=None)
@given(corpus=CORPORA, query=st.lists(WORDS, max_size=6), n=st.integers(1, 12))
def test_one_sentence_paragraphs_score_as_their_own_paragraph(
    backend: Backend, corpus: list[list[str]], query: list[str], n: int
) -> None:
    # With a paragraph per sentence the sentences' postings serve as the paragraphs'.
    sentences = build_postings(corpus, BM25Params())
    shared = top(sentences, query, n, Paragraphs(sentences, None, 1.0), backend=backend)
    own = Paragraphs(
        build_postings(corpus, BM25Params()), np.arange(len(corpus), dtype=np.int32), 1.0
    )
    separate = top(sentences, query, n, own, backend=backend)
    assert shared[0].tolist() == separate[0].tolist()
    assert shared[1].tolist() == separate[1].tolist()


@BACKENDS
def test_equal_scores_keep_reading_order(backend: Backend) -> None:
    corpus = [["other"], ["rare"], ["filler"], ["rare"], ["rare"]]
    found, scores = top(build_postings(corpus, BM25Params()), ["rare"], 2, backend=backend)
    assert found.tolist() == [1, 3] and scores[0] == scores[1]


@pytest.mark.skipif(not kernel_built(), reason="kernel not built")
@settings(max_examples=300, deadline=None)
@given(
    corpus=CORPORA,
    query=st.lists(WORDS | st.just("unknown"), max_size=6),
    n=st.integers(1, 12),
    sizes=PARAGRAPH_SIZES,
    kind=st.sampled_from(["none", "one sentence each", "paragraphs"]),
    block=st.integers(1, 9),
)
def test_the_kernel_gives_the_numpy_result_to_the_last_bit(
    corpus: list[list[str]],
    query: list[str],
    n: int,
    sizes: list[int],
    kind: str,
    block: int,
) -> None:
    # Small blocks put block boundaries inside paragraphs and between a term's postings.
    sentences = build_postings(corpus, BM25Params())
    paragraphs = {
        "none": None,
        "one sentence each": Paragraphs(sentences, None, 1.0),
        "paragraphs": paragraphs_of(corpus, sizes, 1.0)[1],
    }[kind]
    expected = top(sentences, query, n, paragraphs, backend=numpy_top)
    in_blocks = functools.partial(kernel_top, block=block)
    found, scores = top(sentences, query, n, paragraphs, backend=in_blocks)
    assert found.tolist() == expected[0].tolist()
    assert scores.tolist() == expected[1].tolist()
