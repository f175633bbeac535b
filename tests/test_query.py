"""A question is analysed once, into a `Query` that search, rerank and compose share;
the analyzer owns its stop words, stemmer and memo, and declares its version."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest

from bot.corpus import Corpus
from bot.pipeline import ask
from bot.search.analysis import analyse_documents, analyzer_version
from bot.search.analyzer import Analyzer, default_analyzer, terms
from bot.search.index import Index, build_index
from bot.search.query import AnswerType, Query
from bot.settings import Settings
from tests.conftest import MakeDocument


class CountingAnalyzer(Analyzer):
    """The default analyzer, counting the questions it analyses and the texts it reads."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.questions: list[str] = []
        self.texts: list[str] = []

    def analyse_question(self, question: str, weigh: Callable[[str], float]) -> Query:
        self.questions.append(question)
        return super().analyse_question(question, weigh)

    def terms(self, text: str) -> list[str]:
        self.texts.append(text)
        return super().terms(text)


@pytest.fixture
def counted(bundled_corpus: Corpus) -> tuple[Index, CountingAnalyzer]:
    analyzer = CountingAnalyzer()
    return build_index(bundled_corpus.documents, analyzer=analyzer), analyzer


@pytest.mark.parametrize(
    ("question", "k"),
    [
        ("who led the Chinese delegation?", 3),
        # Many passages asked for: the answer looks deeper, with the same query.
        ("Chase highlighted maintaining open lines of communication", 10),
        ("What is the population of Brazil?", 3),  # declined
        ("who is it?", 3),  # nothing to search for
    ],
)
def test_a_question_is_analysed_once_per_answer(
    counted: tuple[Index, CountingAnalyzer], clean_env: None, question: str, k: int
) -> None:
    index, analyzer = counted
    analyzer.texts.clear()
    ask(index, question, Settings(), k=k)
    assert analyzer.questions == [question]
    # Its text is read for terms once: nothing after the query goes back to it.
    assert analyzer.texts.count(question) == 1


def test_a_question_too_long_is_not_analysed(
    counted: tuple[Index, CountingAnalyzer], clean_env: None
) -> None:
    index, analyzer = counted
    ask(index, "treaty " * 1_000, Settings())
    assert analyzer.questions == []


def test_the_query_holds_terms_counts_weights_and_the_kind_asked_for(bundled_index: Index) -> None:
    query = bundled_index.parse("How often did the Chinese and the U.S. militaries meet, often?")
    assert query.kind is AnswerType.FREQUENCY
    assert query.wording == {"often"}
    assert query.counts == {"often": 2, "chines": 1, "us": 1, "militari": 1, "meet": 1}
    # The words asking for a frequency are not content to match.
    assert query.terms == ("chines", "us", "militari", "meet")
    assert list(query.weights) == list(query.terms)
    assert query.weights == {t: bundled_index.term_weight(t) for t in query.terms}
    assert query.share(set(query.terms)) == 1.0
    assert query.matched({"us", "meet", "often"}) == {"us", "meet"}


def test_wording_alone_is_matched_when_nothing_else_is_asked(bundled_index: Index) -> None:
    query = bundled_index.parse("How often?")
    assert query.terms == ("often",)


def test_searching_a_question_is_searching_its_query(bundled_index: Index) -> None:
    question = "Where did the officials meet?"
    by_text = bundled_index.search(question, 8)
    assert by_text
    assert bundled_index.search(bundled_index.parse(question), 8) == by_text


def test_the_index_holds_each_sentences_terms(bundled_index: Index) -> None:
    for document in bundled_index.documents:
        for sentence in bundled_index.sentences_of(document.id):
            assert bundled_index.terms_of(sentence) == tuple(terms(sentence.text))


def test_the_terms_of_a_sentence_from_elsewhere_are_none(
    bundled_index: Index, make_document: MakeDocument
) -> None:
    other = build_index([make_document("elsewhere", "The treaty was signed in Geneva.")])
    assert bundled_index.terms_of(other.sentences[0]) == ()


def test_hits_match_the_terms_the_index_holds(bundled_index: Index) -> None:
    query = bundled_index.parse("Chinese military talks in the Pentagon")
    for hit in bundled_index.search(query, 10):
        assert hit.matched == query.matched(set(bundled_index.terms_of(hit.sentence)))


# --- the analyzer ------------------------------------------------------------------------


def test_the_analyzer_declares_its_version() -> None:
    analyzer = default_analyzer()
    assert isinstance(Analyzer.VERSION, int)
    assert analyzer_version() == analyzer.version == Analyzer().version
    assert len(analyzer.version) == 16
    # Other stop words make other terms: another version.
    assert Analyzer(stop_words={"the"}).version != analyzer.version


def test_an_analyzer_owns_its_stop_words() -> None:
    assert Analyzer(stop_words={"the"}).terms("The talks were held") == ["talk", "were", "held"]
    assert default_analyzer().terms("The talks were held") == ["talk", "held"]


def test_an_analyzer_travels_to_worker_processes_by_what_it_is_made_of() -> None:
    analyzer = Analyzer(stop_words={"the", "were"})
    analyzer.terms("warm the memo")
    copy = pickle.loads(pickle.dumps(analyzer))
    assert (copy.stop_words, copy.language) == (analyzer.stop_words, analyzer.language)
    assert copy.terms("The talks were held") == analyzer.terms("The talks were held")


def test_documents_are_analysed_by_the_analyzer_given(make_document: MakeDocument) -> None:
    documents = [make_document(f"d{n}", f"The talks number {n} were held.") for n in range(4)]
    analyzer = Analyzer(stop_words={"the"})
    here = analyse_documents(documents, workers=1, analyzer=analyzer)
    apart = analyse_documents(documents, workers=2, analyzer=analyzer)
    assert "were" in here.vocabulary
    assert here.vocabulary == apart.vocabulary
    assert here.tokens.tolist() == apart.tokens.tolist()
    index = build_index(documents, analyzer=analyzer)
    assert index.analyzer is analyzer
    assert index.parse("were the talks held?").terms == ("were", "talk", "held")
