"""The BM25 sentence index: building, searching, immutability and versions."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, MutableSequence, Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from bot.corpus import Corpus, CorpusError, Document, load_corpus
from bot.search.analyzer import terms
from bot.search.index import BM25Params, Hit, Index, build_index
from bot.search.snapshot import IndexSnapshot, Terms, encode_vocabulary

MakeDocument = Callable[..., Document]


def texts(hits: list[Hit]) -> list[str]:
    return [hit.sentence.text for hit in hits]


def lucene_idf(total: int, containing: int) -> float:
    return math.log(1 + (total - containing + 0.5) / (containing + 0.5))


@pytest.fixture
def four(make_document: MakeDocument) -> Index:
    """Four sentences; "talks" is in exactly half of them."""
    return build_index(
        [
            make_document("a", "Alpha talks began. Beta talks ended."),
            make_document("b", "Gamma prices rose. Delta prices fell sharply."),
        ]
    )


# --- building ----------------------------------------------------------------------


def test_sentences_are_numbered_in_reading_order(make_document: MakeDocument) -> None:
    index = build_index(
        [make_document("a", "First one here. Second one here.", "Third one in a new paragraph.")]
    )
    assert [(s.position, s.paragraph, s.text) for s in index.sentences_of("a")] == [
        (1, 1, "First one here."),
        (2, 1, "Second one here."),
        (3, 2, "Third one in a new paragraph."),
    ]


def test_empty_corpus_raises_corpus_error_not_zero_division() -> None:
    with pytest.raises(CorpusError, match="no sentences"):
        build_index([])


def test_corpus_of_stop_words_only_raises_corpus_error(make_document: MakeDocument) -> None:
    with pytest.raises(CorpusError, match="no sentences"):
        build_index([make_document("a", "It is what it is. Who are they?", "And so on.")])


def test_stop_word_sentences_are_left_out_of_the_index(make_document: MakeDocument) -> None:
    index = build_index([make_document("a", "It is what it is. The treaty was signed.")])
    assert [s.text for s in index.sentences] == ["The treaty was signed."]


def test_one_sentence_corpus_searches_with_a_positive_score(make_document: MakeDocument) -> None:
    index = build_index([make_document("a", "The treaty was signed in Geneva.")])
    [hit] = index.search("Where was the treaty signed?", k=3)
    assert hit.sentence.text == "The treaty was signed in Geneva."
    assert hit.score > 0
    assert hit.coverage == pytest.approx(1.0)


def test_term_in_exactly_half_the_sentences_still_scores_positive(four: Index) -> None:
    hits = four.search("talks", k=4)
    assert texts(hits) == ["Alpha talks began.", "Beta talks ended."]
    assert all(hit.score > 0 for hit in hits)


def test_raw_rank_bm25_gives_a_half_term_zero_idf() -> None:
    # Why the index floors idf: without it, containing "talk" would not count at all.
    raw = BM25Okapi([["alpha", "talk"], ["beta", "talk"], ["gamma", "rose"], ["delta", "fell"]])
    assert raw.idf["talk"] == 0


def test_containing_a_half_term_ranks_a_sentence_above_one_without_it(
    make_document: MakeDocument,
) -> None:
    # "talks" is in 3 of 6 sentences (idf 0 in rank-bm25); "alpha" in 2.
    index = build_index(
        [
            make_document(
                "a",
                "Alpha talks began. Beta talks ended. Gamma talks stalled.",
                "Alpha prices rose. Delta prices fell. Epsilon ships sank.",
            )
        ]
    )
    hits = index.search("alpha talks", k=6)
    scores = {hit.sentence.text: hit.score for hit in hits}
    assert texts(hits)[0] == "Alpha talks began."
    assert scores["Alpha talks began."] > scores["Alpha prices rose."] > 0
    assert scores["Beta talks ended."] > 0
    assert "Delta prices fell." not in scores


def test_term_in_most_sentences_still_scores_positive(make_document: MakeDocument) -> None:
    index = build_index(
        [make_document("a", "Talks began. Talks ended. Talks stalled. Prices rose.")]
    )
    hits = index.search("talks", k=4)
    assert len(hits) == 3
    assert all(hit.score > 0 for hit in hits)


# --- searching ---------------------------------------------------------------------


def test_question_without_known_terms_finds_nothing(four: Index) -> None:
    assert four.search("zebra giraffe", k=3) == []
    assert four.search("What is it?", k=3) == []
    assert four.search("", k=3) == []


def test_rank_bm25_get_top_n_would_return_documents_anyway() -> None:
    # The behaviour search() guards against: unrelated sentences for an unknown word.
    raw = BM25Okapi([["alpha", "talk"], ["beta", "talk"], ["gamma", "rose"]])
    assert len(raw.get_top_n(["zebra"], ["a", "b", "c"], n=2)) == 2


def test_more_matched_terms_rank_higher(four: Index) -> None:
    hits = four.search("When alpha talks began?", k=4)
    assert texts(hits) == ["Alpha talks began.", "Beta talks ended."]
    assert hits[0].score > hits[1].score
    assert hits[0].matched == frozenset({"alpha", "talk", "began"})
    assert hits[1].matched == frozenset({"talk"})


def test_k_is_respected(bundled_index: Index) -> None:
    assert len(bundled_index.search("Chinese military talks", k=2)) == 2
    assert len(bundled_index.search("Chinese military talks", k=5)) == 5
    assert bundled_index.search("Chinese military talks", k=0) == []


def test_coverage_is_the_share_of_question_term_weight_matched(four: Index) -> None:
    total = len(four.sentences)
    alpha, zebra = lucene_idf(total, 1), lucene_idf(total, 0)
    [hit] = four.search("alpha zebra", k=3)
    assert hit.matched == frozenset({"alpha"})
    assert hit.coverage == pytest.approx(alpha / (alpha + zebra))
    assert four.term_weight("zebra") == pytest.approx(zebra)
    [full] = four.search("alpha began", k=1)
    assert full.coverage == pytest.approx(1.0)


def test_rare_terms_weigh_more_than_common_ones(four: Index) -> None:
    assert four.term_weight("zebra") > four.term_weight("alpha") > four.term_weight("talk") > 0


def test_equal_scores_keep_reading_order(make_document: MakeDocument) -> None:
    index = build_index([make_document("a", "Talks one began. Talks two began.")])
    assert texts(index.search("talks", k=2)) == ["Talks one began.", "Talks two began."]


@given(
    st.lists(
        st.sampled_from(
            [
                "chinese",
                "delegation",
                "who",
                "Pentagon",
                "talks",
                "brazil",
                "population",
                "U.S.",
                "xie",
                "the",
                "?",
                "song",
                "led",
            ]
        ),
        max_size=6,
    )
)
def test_hits_only_ever_share_a_term_with_the_question(
    bundled_index: Index, words: list[str]
) -> None:
    question = " ".join(words)
    question_terms = set(terms(question))
    for hit in bundled_index.search(question, k=10):
        assert hit.matched
        assert hit.matched == question_terms & set(terms(hit.sentence.text))
        assert 0 < hit.coverage <= 1
        assert hit.score > 0


# --- the index object ------------------------------------------------------------------


def test_index_is_immutable(four: Index) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        four.version = "changed"  # type: ignore[misc]
    with pytest.raises((dataclasses.FrozenInstanceError, AttributeError, TypeError)):
        four.extra = 1  # type: ignore[attr-defined]
    # Sentences are a read-only view made on demand: the index keeps no object per sentence.
    assert isinstance(four.sentences, Sequence)
    assert not isinstance(four.sentences, MutableSequence)
    with pytest.raises(TypeError):
        four.sentences[0] = four.sentences[1]  # type: ignore[index]
    assert isinstance(four.documents, tuple)


def test_document_and_sentences_of_lookups(four: Index) -> None:
    document = four.document("b")
    assert isinstance(document, Document)
    assert document.id == "b"
    assert [s.text for s in four.sentences_of("b")] == [
        "Gamma prices rose.",
        "Delta prices fell sharply.",
    ]
    assert all(s.document is document for s in four.sentences_of("b"))
    assert four.document("nope") is None
    assert four.sentences_of("nope") == ()


def test_document_lookup_finds_a_document_without_indexed_sentences(
    make_document: MakeDocument,
) -> None:
    index = build_index(
        [make_document("a", "The treaty was signed."), make_document("b", "Who is it?")]
    )
    assert [d.id for d in index.documents] == ["a", "b"]
    assert index.document("b") is not None


def _load_index(folder: Path, params: BM25Params | None = None) -> Index:
    return build_index(load_corpus(folder, max_article_bytes=100_000).documents, params)


def test_version_is_stable_for_the_same_text(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Title\n\nThe treaty was signed in Geneva.\n")
    first = _load_index(tmp_path).version
    assert _load_index(tmp_path).version == first
    assert len(first) == 12


def test_version_changes_when_text_or_parameters_change(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Title\n\nThe treaty was signed in Geneva.\n")
    before = _load_index(tmp_path).version
    assert _load_index(tmp_path, BM25Params(k1=1.2)).version != before
    article.write_text("Title\n\nThe treaty was signed in Vienna.\n")
    assert _load_index(tmp_path).version != before


def test_version_of_documents_made_in_code_follows_their_text() -> None:
    # Regression: without a content_hash given, the version ignored the text.
    geneva = Document(id="a", title="T", paragraphs=("Signed in Geneva.",), source="a.md")
    vienna = Document(id="a", title="T", paragraphs=("Signed in Vienna.",), source="a.md")
    assert build_index([geneva]).version != build_index([vienna]).version


def test_one_sentence_paragraphs_share_the_sentence_index(make_document: MakeDocument) -> None:
    # Each paragraph a sentence: the paragraph index would repeat the sentence index.
    index = build_index(
        [
            make_document("a", "Alpha talks began.", "Beta talks ended.", "Gamma prices rose."),
            make_document("b", "Delta prices fell sharply.", "Talks on prices stalled."),
        ]
    )
    snapshot = index.snapshot()
    assert snapshot.paragraph_postings is None and snapshot.paragraph_of is None
    reference = BM25Okapi([terms(s.text) for s in index.sentences], k1=0.9, b=0.4)
    scores = reference.get_scores(terms("prices talks"))
    for hit in index.search("prices talks", k=5):
        at = [s.text for s in index.sentences].index(hit.sentence.text)
        own = scores[at]
        assert hit.score == pytest.approx(own + 1.0 * own, rel=1e-12)  # its paragraph is itself


def test_a_dropped_index_is_freed_without_the_garbage_collector(
    make_document: MakeDocument,
) -> None:
    # Loading freezes what is alive out of garbage collection: an index replaced by a
    # reload must go by reference counting alone, so it may hold no reference cycle.
    import gc
    import weakref

    index = build_index([make_document("a", "The treaty was signed in Geneva.")])
    assert index.sentences[0].text  # a view of the sentences made, as the bot does
    probe = weakref.ref(index.snapshot().layout.searchable)  # an array the index holds
    gc.disable()
    try:
        del index
        assert probe() is None
    finally:
        gc.enable()


def test_an_index_made_again_from_its_snapshot_searches_the_same(
    bundled_corpus: Corpus,
) -> None:
    params = BM25Params(k1=1.2, b=0.6)
    documents = bundled_corpus.documents
    index = build_index(documents, params)
    meta, arrays = index.snapshot().to_arrays()
    json.dumps(meta)  # a store can keep the mapping as JSON
    snapshot = IndexSnapshot.from_arrays(meta, arrays, documents, params)
    again = Index.from_snapshot(documents, snapshot, params, index.ranking, index.analyzer)
    assert again.version == index.version
    for question in ["Chinese military talks", "Who led the delegation?", "zebra"]:
        assert again.search(question, 10) == index.search(question, 10)
    with pytest.raises(ValueError, match="do not fit"):
        IndexSnapshot.from_arrays(meta, arrays, documents[:-1], params)


@given(
    st.sets(
        st.text(
            st.characters(exclude_categories=("Cs",), exclude_characters="\n"),
            min_size=1,
            max_size=12,
        ),
        max_size=30,
    )
)
def test_a_stored_vocabulary_finds_each_term_and_no_other(terms: set[str]) -> None:
    vocabulary = sorted(terms)
    stored = Terms(encode_vocabulary(vocabulary))
    assert list(stored) == vocabulary and len(stored) == len(vocabulary)
    assert [stored[at] for at in range(len(stored))] == vocabulary
    assert [stored.get(term) for term in vocabulary] == list(range(len(vocabulary)))
    for other in ("", "\x00", "zzzz", *(term + "x" for term in vocabulary)):
        if other not in terms:
            assert stored.get(other) is None
