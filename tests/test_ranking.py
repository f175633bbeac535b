"""The ranking mechanisms kept after measuring them (bench/squad.py), each on a
small hand-made corpus, with a control showing the mechanism is what makes the
difference."""

from __future__ import annotations

from typing import Any

from bot.qa.answer import answer_question
from bot.qa.cues import has_answer_type
from bot.qa.rerank import search
from bot.search.analyzer import default_analyzer
from bot.search.index import Index, Ranking, build_index
from bot.search.query import AnswerType, Query
from tests.conftest import MakeDocument

OFF = Ranking(paragraph_weight=0.0, rerank_depth=0)


def asked(question: str) -> Query:
    """What the analyzer reads from a question (every term weighing the same)."""
    return default_analyzer().analyse_question(question, lambda term: 1.0)


def first_quote(index, question: str) -> str:  # type: ignore[no-untyped-def]
    answer = answer_question(index, question, k=3, min_coverage=0.01, max_question_chars=500)
    assert answer.answered
    return answer.passages[0].text


def filler(make_document: MakeDocument) -> list:  # type: ignore[type-arg]
    """Unrelated documents, so the test terms are rare, as in a real corpus."""
    return [
        make_document(f"filler-{n}", f"Farmers harvested {n} tonnes of barley near the river.")
        for n in range(6)
    ]


def test_a_pronoun_sentence_is_quoted_with_the_sentence_before_it(
    make_document: MakeDocument,
) -> None:
    story = make_document(
        "cooperative",
        "Maria Lopez founded the fishing cooperative in 1998. She sold it to a bank in 2010.",
    )
    index = build_index([story, *filler(make_document)])

    # Only the second sentence holds the question's terms; alone it names no one.
    quote = first_quote(index, "Who sold it to a bank in 2010?")
    assert quote == (
        "Maria Lopez founded the fishing cooperative in 1998. She sold it to a bank in 2010."
    )


def test_a_sentence_already_quoted_is_not_repeated_as_a_lead_in(
    make_document: MakeDocument,
) -> None:
    story = make_document(
        "cooperative",
        "Maria Lopez founded the fishing cooperative in 1998. She sold the cooperative in 2010.",
    )
    index = build_index([story, *filler(make_document)])
    answer = answer_question(
        index, "fishing cooperative", k=3, min_coverage=0.01, max_question_chars=500
    )
    quoted = " ".join(p.text for p in answer.passages)
    assert quoted.count("Maria Lopez founded") == 1


def test_a_who_question_prefers_the_sentence_that_names_someone(
    make_document: MakeDocument,
) -> None:
    ceremony = make_document(
        "ceremony",
        "The bravery award was presented at the gala.",
        "The bravery award was presented by Jane Smith.",
    )
    documents = [ceremony, *filler(make_document)]
    question = "Who presented the bravery award?"

    with_cue = build_index(documents, ranking=Ranking(paragraph_weight=0.0))
    assert "Jane Smith" in first_quote(with_cue, question)
    # Control: without the cue, BM25 prefers the shorter sentence.
    assert "gala" in first_quote(build_index(documents, ranking=OFF), question)


def test_a_sentence_is_ranked_with_the_evidence_of_its_paragraph(
    make_document: MakeDocument,
) -> None:
    probes = make_document(
        "probes",
        "Astronomers tracked another probe. The probe reached interstellar space in 2013.",
        "Voyager was launched in 1977 from Florida. The probe reached interstellar space in 2012.",
    )
    documents = [probes, *filler(make_document)]
    question = "When did Voyager reach interstellar space?"

    with_context = build_index(documents, ranking=Ranking(rerank_depth=0))
    assert first_quote(with_context, question).endswith("in 2012.")
    # Control: on its own score alone, the first of two equal sentences wins.
    assert first_quote(build_index(documents, ranking=OFF), question).endswith("in 2013.")


def test_answer_types_are_read_from_the_question_wording() -> None:
    assert asked("Who led the delegation?").kind is AnswerType.PERSON
    assert asked("When was the tower built?").kind is AnswerType.DATE
    assert asked("In what year did it open?").kind is AnswerType.DATE
    assert asked("How many goals did he score?").kind is AnswerType.NUMBER
    assert asked("How often were the talks held?").kind is AnswerType.FREQUENCY
    assert asked("Where were the talks held?").kind is AnswerType.PLACE
    assert asked("What is the recipe for pancakes?").kind is None
    # The words that ask, which the answer states rather than repeats.
    assert asked("In what year did it open?").wording == {"year"}
    assert asked("How many goals did he score?").wording == {"mani"}
    assert asked("What is the recipe for pancakes?").wording == set()


def test_a_sentence_has_an_answer_of_the_kind_asked() -> None:
    asked = frozenset({"talk", "led"})
    assert has_answer_type("The talks were led by Michael Chase.", AnswerType.PERSON, asked)
    assert not has_answer_type("The talks were led by the team.", AnswerType.PERSON, asked)
    assert has_answer_type("It opened in March 1889.", AnswerType.DATE, asked)
    assert not has_answer_type("It opened to great acclaim.", AnswerType.DATE, asked)
    assert has_answer_type("Forty ships docked.", AnswerType.NUMBER, asked)
    assert has_answer_type("The talks were once held annually.", AnswerType.FREQUENCY, asked)
    # The name has to be one the question does not already hold.
    assert not has_answer_type(
        "Chase led the talks.", AnswerType.PERSON, frozenset({"chase", "led", "talk"})
    )


def test_a_question_spread_over_two_sentences_is_quoted_with_both(
    make_document: MakeDocument,
) -> None:
    summit = make_document(
        "summit",
        "Biden opened the expanded bilateral meeting in California. "
        "The delegation included chief of staff Cai Qi.",
    )
    index = build_index([summit, *filler(make_document)], ranking=OFF)

    # The first sentence matches most of the question; the one after holds the rest.
    question = "Who was the chief of staff at the expanded bilateral meeting in California?"
    answer = answer_question(index, question, k=3, min_coverage=0.01, max_question_chars=500)
    assert answer.passages[0].text == (
        "Biden opened the expanded bilateral meeting in California. "
        "The delegation included chief of staff Cai Qi."
    )
    # ... and is not quoted a second time as a passage of its own.
    assert " ".join(p.text for p in answer.passages).count("Cai Qi") == 1
    # Control: a next sentence with none of the missing terms is not quoted.
    quote = first_quote(index, "Who opened the expanded bilateral meeting in California?")
    assert quote == "Biden opened the expanded bilateral meeting in California."


def test_the_words_asking_for_a_frequency_are_not_required_in_the_answer(
    make_document: MakeDocument,
) -> None:
    talks = make_document("talks", "The talks were once held annually.")
    index = build_index([talks, *filler(make_document)])
    assert asked("How frequently were the talks held?").wording == {"frequent"}

    # "frequently" asks for the kind of answer; the sentence holds every other term.
    strict: dict[str, Any] = {"k": 3, "min_coverage": 0.9, "max_question_chars": 500}
    answer = answer_question(index, "How frequently were the talks held?", **strict)
    assert answer.answered
    assert answer.passages[0].text == "The talks were once held annually."
    # Control: said another way, "frequently" is content the sentence lacks.
    assert not answer_question(index, "Were the talks held frequently?", **strict).answered


def talk_documents(make_document: MakeDocument) -> list:  # type: ignore[type-arg]
    """Sentences sharing "policy talks" with the question below, with no frequency."""
    topics = "trade fishing water energy border rail tariff grain climate transit".split()
    return [
        make_document(f"talks-{t}", f"The policy talks on {t} ended without a deal.")
        for t in topics
    ]


def test_an_answer_type_few_candidates_hold_can_outrank_more_matched_terms(
    make_document: MakeDocument,
) -> None:
    history = make_document(
        "history",
        "The policy talks were held in the capital.",
        "The talks were once held annually.",
    )
    documents = [history, *talk_documents(make_document), *filler(make_document)]
    question = "How often were the policy talks held?"

    # One candidate in twelve holds a frequency: the cue weighs more than a common term.
    assert first_quote(build_index(documents), question) == "The talks were once held annually."
    # Control: without the cue, the sentence with more of the question's terms wins.
    no_cue = Ranking(rerank_depth=0)
    assert "capital" in first_quote(build_index(documents, ranking=no_cue), question)


QUESTIONS = [
    "Who led the Chinese delegation?",
    "When were the talks last held?",
    "How often did the two militaries meet?",
    "Where did the officials meet?",
    "What did the readout say about Taiwan?",
]


def test_the_first_passages_do_not_depend_on_how_many_are_asked(bundled_index: Index) -> None:
    # The bot asks for more passages than it shows, to have them for its "More" button;
    # what it shows first must be what `ask` (and every benchmark) quotes.
    for question in QUESTIONS:
        few, many = (
            answer_question(bundled_index, question, k=k, min_coverage=0.01, max_question_chars=500)
            for k in (3, 12)
        )
        assert few.passages == many.passages[:3], question


def test_the_index_ranks_by_bm25_and_the_rerank_by_the_kind_of_answer(
    make_document: MakeDocument,
) -> None:
    ceremony = make_document(
        "ceremony",
        "The bravery award was presented at the gala.",
        "The bravery award was presented by Jane Smith.",
    )
    index = build_index([ceremony, *filler(make_document)], ranking=Ranking(paragraph_weight=0.0))
    question = "Who presented the bravery award?"
    by_bm25 = index.search(question, 2)
    reranked = search(index, question, 2)
    assert "gala" in by_bm25[0].sentence.text
    assert "Jane Smith" in reranked[0].sentence.text
    assert reranked == [by_bm25[1], by_bm25[0]]  # reordered, each with its own score
