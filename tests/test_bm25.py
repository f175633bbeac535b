"""The index's scores are rank-bm25's BM25Okapi scores, with its idf and one guard more."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from bot.search.params import BM25Params, guarded_idf
from bot.search.postings import Postings
from bot.search.select import Backend, default_backend, kernel_top, top
from tests.search_helpers import BACKENDS, all_scores, build_postings, reference_scores

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


@BACKENDS
@settings(max_examples=200, deadline=None)
@given(corpus=CORPORA, query=st.lists(WORDS | st.just("unknown"), max_size=6), params=PARAMS)
def test_scores_equal_rank_bm25_and_the_top_k_is_the_same(
    backend: Backend, corpus: list[list[str]], query: list[str], params: BM25Params
) -> None:
    expected = reference_scores(corpus, query, params)
    actual = all_scores(build_postings(corpus, params), query, backend)

    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-9)
    k = min(5, len(corpus))
    assert list(np.argsort(-actual, kind="stable")[:k]) == list(
        np.argsort(-expected, kind="stable")[:k]
    ) or np.allclose(np.sort(actual)[-k:], np.sort(expected)[-k:], atol=1e-9)


@BACKENDS
@given(corpus=CORPORA, query=st.lists(WORDS, min_size=1, max_size=6))
def test_only_sentences_holding_a_query_term_are_scored(
    backend: Backend, corpus: list[list[str]], query: list[str]
) -> None:
    found, scores = top(build_postings(corpus, BM25Params()), query, len(corpus), backend=backend)
    holding = [i for i, sentence in enumerate(corpus) if set(sentence) & set(query)]
    assert sorted(found.tolist()) == holding
    assert (scores > 0).all()  # guarded idf: containing a query term never scores <= 0


def test_a_term_in_exactly_half_the_sentences_still_counts() -> None:
    # rank-bm25 gives "harbour" idf log(2.5/2.5) = 0: its sentences would score 0.
    corpus = [["harbour", "ship"], ["harbour", "crane"], ["field"], ["farm"]]
    scores = all_scores(build_postings(corpus, BM25Params()), ["harbour"])
    assert scores[0] > 0 and scores[1] > 0 and scores[2] == scores[3] == 0


def test_a_one_sentence_corpus_scores_positive() -> None:
    scores = all_scores(build_postings([["lone", "sentence"]], BM25Params()), ["lone"])
    assert scores[0] > 0


def test_nothing_to_index_is_refused() -> None:
    with pytest.raises(ValueError):
        build_postings([[], []], BM25Params())


def test_the_kernel_is_built_in_ci() -> None:
    # CI installs with a C compiler: a kernel that failed to build must not go unseen.
    if not os.environ.get("CI"):
        pytest.skip("only checked in CI")
    import bot.search._kernel  # noqa: F401

    assert default_backend() is kernel_top


# An average idf of 3e-17 (rank-bm25's sum; other summation orders give other signs):
# its floor is no use, and the guard must not depend on the rounding.
NEAR_ZERO_AVERAGE = [
    ["gamma", "beta", "eta", "delta"],
    ["beta", "zeta", "gamma"],
    ["eta", "theta", "beta"],
    ["beta", "zeta", "theta", "eta"],
    ["eta", "theta", "gamma", "eps"],
    ["beta", "gamma", "eps"],
]


@settings(max_examples=100, deadline=None)
@given(corpus=CORPORA, epsilon=st.floats(0.0, 1.0))
@example(corpus=NEAR_ZERO_AVERAGE, epsilon=0.25)
def test_idf_is_rank_bm25s_with_the_guard(corpus: list[list[str]], epsilon: float) -> None:
    reference = guarded_idf(BM25Okapi(corpus, epsilon=epsilon), epsilon)
    postings = build_postings(corpus, BM25Params(epsilon=epsilon))
    ours = {term: float(postings.idf[term_id]) for term, term_id in postings.vocabulary.items()}
    assert ours.keys() == reference.keys()
    for term, idf in reference.items():
        assert ours[term] == pytest.approx(idf, rel=1e-12, abs=1e-12)


def test_frequencies_are_stored_in_the_smallest_type() -> None:
    assert build_postings([["a", "b"], ["a"]], BM25Params()).frequencies.dtype == np.uint8
    assert build_postings([["a"] * 300], BM25Params()).frequencies.dtype == np.uint16


def assert_same_postings(actual: Postings, expected: Postings) -> None:
    assert dict(actual.vocabulary.items()) == dict(expected.vocabulary.items())  # type: ignore[attr-defined]
    for name in ("indptr", "units", "frequencies", "lengths", "idf", "impact"):
        ours, theirs = getattr(actual, name), getattr(expected, name)
        assert ours.dtype == theirs.dtype, name
        np.testing.assert_array_equal(ours, theirs, err_msg=name)


@settings(max_examples=200, deadline=None)
@given(corpus=CORPORA, cuts=st.lists(st.booleans(), min_size=40, max_size=40), params=PARAMS)
def test_paragraph_postings_made_from_sentence_postings_equal_those_made_from_terms(
    corpus: list[list[str]], cuts: list[bool], params: BM25Params
) -> None:
    # Each sentence after the first starts a paragraph where its cut says so.
    group_of = np.cumsum([False, *cuts[: len(corpus) - 1]]).astype(np.int32)
    paragraphs: list[list[str]] = [[] for _ in range(int(group_of[-1]) + 1)]
    for sentence, group in zip(corpus, group_of.tolist(), strict=True):
        paragraphs[group].extend(sentence)

    grouped = build_postings(corpus, params).grouped(group_of, params)

    assert_same_postings(grouped, build_postings(paragraphs, params))
    query = sorted({term for paragraph in paragraphs for term in paragraph})[:3]
    np.testing.assert_allclose(
        all_scores(grouped, query), reference_scores(paragraphs, query, params), atol=1e-9
    )


def test_paragraph_postings_of_an_index_built_in_many_chunks() -> None:
    # Enough postings that the build takes whole terms a chunk at a time, with counts
    # that need more than a byte once sentences are merged.
    rng = np.random.default_rng(7)
    sentences = 200_000
    owners = np.sort(rng.integers(0, sentences, size=1_200_000)).astype(np.int32)
    owners[:sentences] = np.arange(sentences, dtype=np.int32)  # every sentence has a term
    owners.sort()
    tokens = (rng.zipf(1.3, size=len(owners)) % 3000).astype(np.int32)
    tokens[owners < 400] = 0  # one frequent term, many times in the first paragraphs
    tokens[-3000:] = np.arange(3000, dtype=np.int32)  # every term occurs
    vocabulary = {f"t{term:04d}": term for term in range(3000)}
    starts = rng.random(sentences) < 0.3  # the sentences that start a paragraph
    starts[:400] = False
    group_of = np.cumsum(starts).astype(np.int32)
    params = BM25Params()

    sentence_postings = Postings.from_tokens(tokens, owners, sentences, vocabulary, params)
    grouped = sentence_postings.grouped(group_of, params)

    expected = Postings.from_tokens(
        tokens, group_of.take(owners), int(group_of[-1]) + 1, vocabulary, params
    )
    assert grouped.frequencies.dtype == np.uint16
    assert_same_postings(grouped, expected)
