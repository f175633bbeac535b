"""The sparse BM25 gives rank-bm25's BM25Okapi scores exactly, touching only matching sentences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from bot.bm25 import BM25Params, build_bm25, guarded_idf

WORDS = st.sampled_from(["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"])
# Sentences without terms are never indexed (build_index drops them); rank-bm25 gives
# them NaN when b = 1 (0 / 0), so they are left out here too.
CORPORA = st.lists(st.lists(WORDS, min_size=1, max_size=12), min_size=1, max_size=40)
PARAMS = st.builds(
    BM25Params,
    k1=st.floats(0.1, 3.0),
    b=st.floats(0.0, 1.0),
    epsilon=st.floats(0.0, 1.0),
)


def reference_scores(corpus: list[list[str]], query: list[str], params: BM25Params) -> np.ndarray:
    reference = BM25Okapi(corpus, k1=params.k1, b=params.b, epsilon=params.epsilon)
    reference.idf = guarded_idf(reference, params.epsilon)
    return np.asarray(reference.get_scores(query))


@settings(max_examples=200, deadline=None)
@given(corpus=CORPORA, query=st.lists(WORDS | st.just("unknown"), max_size=6), params=PARAMS)
def test_scores_equal_rank_bm25_and_the_top_k_is_the_same(
    corpus: list[list[str]], query: list[str], params: BM25Params
) -> None:
    expected = reference_scores(corpus, query, params)
    actual = build_bm25(corpus, params).dense_scores(query)

    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-9)
    k = min(5, len(corpus))
    assert list(np.argsort(-actual, kind="stable")[:k]) == list(
        np.argsort(-expected, kind="stable")[:k]
    ) or np.allclose(np.sort(actual)[-k:], np.sort(expected)[-k:], atol=1e-9)


@given(corpus=CORPORA, query=st.lists(WORDS, min_size=1, max_size=6))
def test_only_sentences_holding_a_query_term_are_scored(
    corpus: list[list[str]], query: list[str]
) -> None:
    documents, scores = build_bm25(corpus, BM25Params()).scores(query)
    holding = [i for i, sentence in enumerate(corpus) if set(sentence) & set(query)]
    assert list(documents) == holding
    assert (scores > 0).all()  # guarded idf: containing a query term never scores <= 0


def test_a_term_in_exactly_half_the_sentences_still_counts() -> None:
    corpus = [["harbour", "ship"], ["harbour", "crane"], ["field"], ["farm"]]
    # rank-bm25 gives "harbour" idf log(2.5/2.5) = 0: its sentences would score 0.
    assert BM25Okapi(corpus).idf["harbour"] == 0
    scores = build_bm25(corpus, BM25Params()).dense_scores(["harbour"])
    assert scores[0] > 0 and scores[1] > 0 and scores[2] == scores[3] == 0


def test_a_one_sentence_corpus_scores_positive() -> None:
    scores = build_bm25([["lone", "sentence"]], BM25Params()).dense_scores(["lone"])
    assert scores[0] > 0


def test_nothing_to_index_is_refused() -> None:
    with pytest.raises(ValueError):
        build_bm25([[], []], BM25Params())
