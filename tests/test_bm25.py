"""The sparse BM25 gives rank-bm25's BM25Okapi scores exactly, touching only matching sentences."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

import bot.bm25
from bot.bm25 import BM25Params, Evidence, SparseBM25, build_bm25, guarded_idf, top

# The paths `top` can take: the compiled kernel (when built) and numpy.
PATHS = pytest.mark.parametrize(
    "kernel",
    [
        pytest.param(
            True,
            id="kernel",
            marks=pytest.mark.skipif(bot.bm25._kernel is None, reason="kernel not built"),
        ),
        pytest.param(False, id="numpy"),
    ],
)


def top_by(
    kernel: bool, index: SparseBM25, query: list[str], n: int, evidence: Evidence | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """`top`, taking the given path."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bot.bm25, "KERNEL", kernel)
        return top(index, query, n, evidence)


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


# --- the exact top n ---------------------------------------------------------------------

GROUPINGS = st.lists(st.integers(1, 4), min_size=1, max_size=40)


def grouped(corpus: list[list[str]], sizes: list[int]) -> tuple[list[list[str]], Evidence | None]:
    """Paragraphs of consecutive sentences of the given sizes, as `Index` builds them."""
    group_of: list[int] = []
    while len(group_of) < len(corpus):
        group_of.extend([len(set(group_of))] * sizes[len(set(group_of)) % len(sizes)])
    group_of = group_of[: len(corpus)]
    paragraphs: list[list[str]] = [[] for _ in range(group_of[-1] + 1)]
    for sentence, group in zip(corpus, group_of, strict=True):
        paragraphs[group].extend(sentence)
    return paragraphs, None if not group_of else Evidence(
        build_bm25(paragraphs, BM25Params()),
        np.array(group_of, dtype=np.int32),
        np.searchsorted(group_of, np.arange(len(paragraphs) + 1)).astype(np.int64),
        0.0,
    )


def reference_combined(corpus: list[list[str]], query: list[str], evidence: Evidence) -> np.ndarray:
    """Every sentence's score from rank-bm25 itself, plus its paragraph's times the weight."""
    scores = reference_scores(corpus, query, BM25Params())
    if not evidence.weight:
        return scores
    paragraphs: list[list[str]] = [[] for _ in range(evidence.bm25.size)]
    for sentence, group in zip(corpus, evidence.group_of.tolist(), strict=True):
        paragraphs[group].extend(sentence)
    return (
        scores
        + evidence.weight * reference_scores(paragraphs, query, BM25Params())[evidence.group_of]
    )


@PATHS
@settings(max_examples=300, deadline=None)
@given(
    corpus=CORPORA,
    query=st.lists(WORDS | st.just("unknown"), max_size=6),
    n=st.integers(0, 12),
    sizes=GROUPINGS,
    weight=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_top_n_are_the_best_by_rank_bm25_scores(
    kernel: bool,
    corpus: list[list[str]],
    query: list[str],
    n: int,
    sizes: list[int],
    weight: float,
) -> None:
    _, grouping = grouped(corpus, sizes)
    assert grouping is not None
    evidence = Evidence(grouping.bm25, grouping.group_of, grouping.members, weight)
    documents, scores = top_by(kernel, build_bm25(corpus, BM25Params()), query, n, evidence)

    expected = reference_combined(corpus, query, evidence)
    candidates = [i for i, sentence in enumerate(corpus) if set(sentence) & set(query)]
    best = sorted(expected[candidates], reverse=True)[:n]
    assert len(set(documents.tolist())) == len(documents)
    assert set(documents.tolist()) <= set(candidates)  # only sentences holding a query term
    np.testing.assert_allclose(scores, expected[documents], rtol=0, atol=1e-9)
    np.testing.assert_allclose(scores, best, rtol=0, atol=1e-9)  # and no better one left out


@settings(max_examples=200, deadline=None)
@given(
    corpus=CORPORA,
    query=st.lists(WORDS | st.just("unknown"), max_size=6),
    n=st.integers(1, 12),
    sizes=GROUPINGS,
    weight=st.sampled_from([0.0, 1.0]),
    # Remaining terms always looked up, chosen as in production, always added.
    add_rather_than_look_up=st.sampled_from([0, bot.bm25._ADD_RATHER_THAN_LOOK_UP, 10**9]),
)
def test_pruning_changes_nothing_not_even_a_bit(
    corpus: list[list[str]],
    query: list[str],
    n: int,
    sizes: list[int],
    weight: float,
    add_rather_than_look_up: int,
) -> None:
    index = build_bm25(corpus, BM25Params())
    _, grouping = grouped(corpus, sizes)
    assert grouping is not None
    evidence = Evidence(grouping.bm25, grouping.group_of, grouping.members, weight)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bot.bm25, "KERNEL", False)
        patch.setattr(bot.bm25, "_ADD_RATHER_THAN_LOOK_UP", add_rather_than_look_up)
        pruned = top(index, query, n, evidence)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bot.bm25, "KERNEL", False)
        patch.setattr(bot.bm25, "_PRUNE", False)
        every_term_added = top(index, query, n, evidence)
    # Bit for bit: both sum each score's parts in the same order.
    assert pruned[0].tolist() == every_term_added[0].tolist()
    assert pruned[1].tolist() == every_term_added[1].tolist()


@PATHS
@settings(max_examples=100, deadline=None)
@given(corpus=CORPORA, query=st.lists(WORDS, max_size=6), n=st.integers(1, 12))
def test_one_sentence_paragraphs_score_as_their_own_group(
    kernel: bool, corpus: list[list[str]], query: list[str], n: int
) -> None:
    # With a paragraph per sentence the index serves as its own paragraph index.
    index = build_bm25(corpus, BM25Params())
    same = np.arange(len(corpus), dtype=np.int32)
    members = np.arange(len(corpus) + 1, dtype=np.int64)
    alone = Evidence(index, same, members, 1.0, alone=True)
    shared = top_by(kernel, index, query, n, alone)
    own_index = Evidence(build_bm25(corpus, BM25Params()), same, members, 1.0)
    separate = top_by(kernel, index, query, n, own_index)
    assert shared[0].tolist() == separate[0].tolist()
    assert shared[1].tolist() == separate[1].tolist()


def test_pruning_skips_the_postings_of_common_terms() -> None:
    # "common" is in nearly every sentence but adds little; "rare" decides the top 2, and
    # "common" is then looked up for the three "rare" sentences only, never walked.
    corpus = [["common", "filler"]] * 500 + [["rare", "common"], ["rare"], ["rare", "x"]]
    index = build_bm25(corpus, BM25Params())
    looked_up: list[int] = []
    original = SparseBM25._lookup

    def spy(self: SparseBM25, term_id: int, documents: np.ndarray, times: int = 1) -> object:
        looked_up.append(len(documents))
        return original(self, term_id, documents, times)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bot.bm25, "KERNEL", False)
        patch.setattr(SparseBM25, "_lookup", spy)
        documents, _ = index.top(["rare", "common"], 2)
    full = index.dense_scores(["rare", "common"])
    assert documents.tolist() == np.argsort(-full, kind="stable")[:2].tolist()
    assert looked_up and max(looked_up) <= 3


@pytest.mark.skipif(bot.bm25._kernel is None, reason="kernel not built")
@settings(max_examples=300, deadline=None)
@given(
    corpus=CORPORA,
    query=st.lists(WORDS | st.just("unknown"), max_size=6),
    n=st.integers(1, 12),
    sizes=GROUPINGS,
    evidence_kind=st.sampled_from(["none", "alone", "paragraphs"]),
    block=st.integers(1, 9),
)
def test_the_kernel_gives_the_numpy_path_s_result_to_the_last_bit(
    corpus: list[list[str]],
    query: list[str],
    n: int,
    sizes: list[int],
    evidence_kind: str,
    block: int,
) -> None:
    # Small blocks put block boundaries inside paragraphs and between a term's postings.
    index = build_bm25(corpus, BM25Params())
    _, grouping = grouped(corpus, sizes)
    assert grouping is not None
    evidence = {
        "none": None,
        "alone": Evidence(
            index,
            np.arange(index.size, dtype=np.int32),
            np.arange(index.size + 1, dtype=np.int64),
            1.0,
            alone=True,
        ),
        "paragraphs": Evidence(grouping.bm25, grouping.group_of, grouping.members, 1.0),
    }[evidence_kind]
    expected = top_by(False, index, query, n, evidence)
    items = bot.bm25._rarest_first(index, bot.bm25._multiplicity(index, query))
    documents, scores = bot.bm25._compiled_top(index, items, n, evidence, block)
    assert documents.tolist() == expected[0].tolist()
    assert scores.tolist() == expected[1].tolist()


def test_the_kernel_is_built_in_ci() -> None:
    # CI installs with a C compiler: a kernel that failed to build must not go unseen.
    if not os.environ.get("CI"):
        pytest.skip("only checked in CI")
    assert bot.bm25._kernel is not None and bot.bm25.KERNEL


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
    index = build_bm25(corpus, BM25Params(epsilon=epsilon))
    ours = {term: float(index.idf[term_id]) for term, term_id in index.vocabulary.items()}
    assert ours.keys() == reference.keys()
    for term, idf in reference.items():
        assert ours[term] == pytest.approx(idf, rel=1e-12, abs=1e-12)


def test_frequencies_are_stored_in_the_smallest_type() -> None:
    assert build_bm25([["a", "b"], ["a"]], BM25Params()).frequencies.dtype == np.uint8
    assert build_bm25([["a"] * 300], BM25Params()).frequencies.dtype == np.uint16
