"""A question about a name the articles never mention is declined, naming it; a
misspelt name, an accent left out or a question's opening word is never taken for one."""

from __future__ import annotations

import json

import pytest

from bot.qa.answer import NOT_IN_CORPUS, Answer, answer_question
from bot.render import answer_to_json, decline_message
from bot.search.index import Index, build_index
from tests.conftest import MakeDocument


@pytest.fixture
def index(make_document: MakeDocument) -> Index:
    return build_index(
        [
            make_document(
                "concert",
                "Beyoncé performed at the Mercedes-Benz Superdome in 2022 before a crowd of "
                "seventy thousand.",
                "The concert in New Orleans was her first in the city since 2013.",
            ),
            make_document(
                "speaker",
                "House Speaker Nancy Pelosi visited Taiwan in the summer of 2022.",
                "The trip angered Beijing, which cut off defense talks.",
            ),
        ]
    )


def ask(index: Index, question: str) -> Answer:
    return answer_question(index, question, k=3, min_coverage=0.45, max_question_chars=500)


def test_a_name_the_articles_never_mention_is_declined_and_named(index: Index) -> None:
    answer = ask(index, "Who won the 2022 World Cup?")
    assert not answer.answered and answer.reason == NOT_IN_CORPUS
    assert answer.missing == ("World Cup",)
    assert "the articles never mention World Cup." in decline_message(answer)
    assert json.loads(json.dumps(answer_to_json(answer)))["missing"] == ["World Cup"]


def test_a_name_shares_words_with_the_corpus_yet_is_missing(index: Index) -> None:
    # "Pelosi" is there, "Kamala Harris" is not: the question is about her.
    answer = ask(index, "When did Kamala Harris visit Taiwan in 2022?")
    assert answer.missing == ("Kamala Harris",)
    assert "never mention Kamala Harris" in decline_message(answer)


@pytest.mark.parametrize(
    "question",
    [
        "Where did Beyonce perform in 2022?",  # the accent left out
        "Where did Beyoncé perform at the Merceds-Benz Superdome?",  # a letter left out
        "Where did Beyoncé perform at the Mercedes-Benz Superdom?",
        "Unsurprisingly, where did Beyoncé perform in 2022?",  # an opening word, no name
    ],
)
def test_a_misspelt_name_is_not_missing(index: Index, question: str) -> None:
    answer = ask(index, question)
    assert answer.missing == ()
    assert answer.answered
    assert "Superdome" in answer.passages[0].text


def test_a_question_whose_names_are_all_there_is_answered_as_ever(index: Index) -> None:
    answer = ask(index, "Which city did Nancy Pelosi visit?")
    assert answer.answered and answer.missing == ()
    assert "Taiwan" in answer.passages[0].text
