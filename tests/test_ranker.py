"""The learned reranker (`bot.qa.ranker`, applied by `bot.qa.rerank`): its model file,
and hand-made corpora where it picks the sentence that answers over the one that
repeats the question, with a control that ranks by BM25 evidence alone."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.qa.answer import answer_question
from bot.qa.ranker import FEATURES, Ranker, feature_matrix, shipped
from bot.qa.rerank import search
from bot.search.index import Index, Ranking, build_index
from tests.conftest import MakeDocument

# The control: nothing reordered, the index's order by BM25 evidence.
BM25_ONLY = Ranking(rerank_depth=0)


def filler(make_document: MakeDocument) -> list:  # type: ignore[type-arg]
    """Unrelated documents, so the test terms are rare, as in a real corpus."""
    return [
        make_document(f"filler-{n}", f"Farmers harvested barley near the river in year {n}.")
        for n in range(6)
    ]


def first_quote(index: Index, question: str) -> str:
    answer = answer_question(index, question, k=3, min_coverage=0.01, max_question_chars=500)
    assert answer.answered
    return answer.passages[0].text


def test_the_shipped_model_loads_and_names_features_it_knows() -> None:
    ranker = shipped()
    assert ranker.features
    assert set(ranker.features) <= set(FEATURES)
    for values in (ranker.mean, ranker.scale, ranker.weights):
        assert values.shape == (len(ranker.features),)
    assert (ranker.scale > 0).all()
    # The runtime reorders as many candidates as the model was trained on.
    assert ranker.depth == Ranking().rerank_depth
    assert "made_by" in ranker.provenance


def test_a_model_file_round_trips_and_bad_ones_are_refused() -> None:
    ranker = shipped()
    again = Ranker.from_json(ranker.to_json())
    assert again.features == ranker.features
    assert np.array_equal(again.weights, ranker.weights)

    data = json.loads(ranker.to_json())
    with pytest.raises(ValueError, match="unknown ranker features"):
        Ranker.from_json(json.dumps({**data, "features": ["no_such_feature"]}))
    with pytest.raises(ValueError, match="one mean, scale and weight"):
        Ranker.from_json(json.dumps({**data, "weights": data["weights"][:-1]}))


def test_features_come_one_column_each_in_the_order_named(make_document: MakeDocument) -> None:
    index = build_index(
        [make_document("harbour", "Forty ships docked at the harbour."), *filler(make_document)]
    )
    query = index.parse("How many ships docked at the harbour?")
    hits = index.search(query, 5)
    names = list(FEATURES)
    matrix = feature_matrix(index, query, hits, names)
    assert matrix.shape == (len(hits), len(names))
    assert matrix[0, names.index("evidence")] == 1.0  # the best candidate's own
    assert matrix[0, names.index("answer_number")] == 1.0
    assert feature_matrix(index, query, [], names).shape == (0, len(names))


def test_the_sentence_with_the_answer_beats_the_one_that_repeats_the_question(
    make_document: MakeDocument,
) -> None:
    harbour = make_document(
        "harbour",
        "The ships docked at the harbour.",
        "Forty ships docked at the harbour.",
    )
    documents = [harbour, *filler(make_document)]
    question = "How many ships docked at the harbour?"

    assert first_quote(build_index(documents), question) == "Forty ships docked at the harbour."
    # Control: by BM25 evidence alone, the shorter restatement comes first.
    control = build_index(documents, ranking=BM25_ONLY)
    assert first_quote(control, question) == "The ships docked at the harbour."


def test_a_when_question_prefers_the_sentence_with_a_date(make_document: MakeDocument) -> None:
    tower = make_document(
        "tower",
        "The city council finally opened the old clock tower.",
        "The old clock tower opened to visitors in March 1889.",
    )
    documents = [tower, *filler(make_document)]
    question = "When did the old clock tower open?"

    assert first_quote(build_index(documents), question).endswith("in March 1889.")
    control = build_index(documents, ranking=BM25_ONLY)
    assert first_quote(control, question).startswith("The city council")


def test_the_rerank_reorders_the_candidates_and_keeps_their_scores(
    make_document: MakeDocument,
) -> None:
    harbour = make_document(
        "harbour", "The ships docked at the harbour.", "Forty ships docked at the harbour."
    )
    index = build_index([harbour, *filler(make_document)])
    question = "How many ships docked at the harbour?"
    by_bm25 = index.search(question, 2)
    reranked = search(index, question, 2)
    assert [h.sentence.text for h in reranked] == [h.sentence.text for h in reversed(by_bm25)]
    assert set(reranked) == set(by_bm25)  # the same hits, BM25 scores and all
    # Depth 0 reorders nothing.
    control = build_index([harbour, *filler(make_document)], ranking=BM25_ONLY)
    assert search(control, question, 2) == control.search(question, 2)
