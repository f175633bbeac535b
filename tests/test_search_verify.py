"""`check --verify`: the index's top k agree with rank-bm25's BM25Okapi scores."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.corpus import Document
from bot.search.index import Index, build_index
from bot.search.params import BM25Params
from bot.search.verify import sample_questions, verify

WORDS = st.sampled_from(
    ["harbour", "crane", "ship", "storm", "minister", "budget", "match", "goal", "vote"]
)
SENTENCES = st.lists(WORDS, min_size=1, max_size=8).map(lambda w: " ".join(w).capitalize() + ".")
PARAGRAPHS = st.lists(SENTENCES, min_size=1, max_size=3).map(" ".join)
ARTICLES = st.lists(st.lists(PARAGRAPHS, min_size=1, max_size=3), min_size=1, max_size=6)


def test_the_bundled_corpus_agrees_with_rank_bm25(bundled_index: Index) -> None:
    questions = sample_questions(bundled_index, 40, seed=1)
    result = verify(bundled_index, BM25Params(), questions, k=10)
    assert result.agrees and result.questions == len(questions) == result.agreeing
    assert result.max_difference < 1e-9
    assert result.summary().endswith(": ok")
    assert result.summary().startswith(f"verify: {len(questions)} questions, top 10 agree in ")


def test_questions_come_from_the_corpus_the_same_each_time(bundled_index: Index) -> None:
    questions = sample_questions(bundled_index, 20, seed=7)
    assert questions == sample_questions(bundled_index, 20, seed=7)
    assert len(questions) == 20
    titles = {document.title for document in bundled_index.documents}
    texts = {sentence.text for sentence in bundled_index.sentences}
    assert all(question in titles | texts for question in questions)


def test_other_parameters_than_the_index_s_disagree(bundled_index: Index) -> None:
    questions = sample_questions(bundled_index, 20, seed=1)
    result = verify(bundled_index, BM25Params(k1=1.5, b=0.75), questions, k=10)
    assert not result.agrees and result.disagreeing
    assert result.summary().endswith(": DISAGREES")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles=ARTICLES, k=st.integers(1, 12))
def test_any_corpus_agrees_with_rank_bm25(articles: list[list[str]], k: int) -> None:
    documents = [
        Document(f"a{n}", f"Article {n}", tuple(paragraphs), source=f"a{n}.md")
        for n, paragraphs in enumerate(articles)
    ]
    index = build_index(documents)
    result = verify(index, BM25Params(), sample_questions(index, 10, seed=0), k=k)
    assert result.agrees, result.disagreeing
