"""Questions about the articles themselves (who wrote one, who published it, when, its
title) are answered from their metadata and say so; questions about events never are."""

from __future__ import annotations

import json

import pytest

from bot.qa.answer import Answer, answer_question
from bot.render import answer_to_json, render_text
from bot.search.index import Index, build_index
from bot.search.query import SourceField
from tests.conftest import MakeDocument


@pytest.fixture
def index(make_document: MakeDocument) -> Index:
    return build_index(
        [
            make_document(
                "port-strike",
                "Dock workers in Kestrel Bay ended their strike on Tuesday after talks with "
                "the harbour board.",
                "The board agreed to raise wages by four percent.",
                title="Port strike ends after talks",
                publisher="Harbour Times",
                author="Ada Lane",
                url="https://harbour.example/port-strike",
                published="2024-03-05",
            ),
            make_document(
                "fishing-quotas",
                "Fisheries ministers met in Bergen to settle the herring quotas for next year.",
                "The delegation from Norway was led by Ole Dahl.",
                title="Ministers meet over fishing quotas",
                publisher="IRIA - International Relations Insights & Analysis",
            ),
        ]
    )


def ask(index: Index, question: str) -> Answer:
    return answer_question(index, question, k=3, min_coverage=0.45, max_question_chars=500)


def test_who_wrote_an_article_named_by_its_publisher_is_its_byline(index: Index) -> None:
    answer = ask(index, "Who wrote the Harbour Times article?")
    assert answer.answered and answer.passages == ()
    [fact] = answer.facts
    assert (fact.field, fact.value, fact.source_number) == (SourceField.AUTHOR, "Ada Lane", 1)
    assert [d.id for d in answer.sources] == ["port-strike"]
    text = render_text(answer)
    assert "not their text" in text  # said to be the metadata, not a quote
    assert "Ada Lane — byline of [1]" in text
    assert "[1] Port strike ends after talks (Harbour Times, by Ada Lane)" in text
    assert "https://harbour.example/port-strike" in text  # cited and linked
    about = json.loads(json.dumps(answer_to_json(answer)))["about"]
    assert about == [
        {
            "field": "author",
            "value": "Ada Lane",
            "source": 1,
            "document_id": "port-strike",
            "title": "Port strike ends after talks",
            "publisher": "Harbour Times",
            "author": "Ada Lane",
            "url": "https://harbour.example/port-strike",
            "published": "2024-03-05",
        }
    ]


def test_a_publisher_named_by_its_acronym_and_a_date_it_does_not_give(index: Index) -> None:
    answer = ask(index, "When was the IRIA article published?")
    [fact] = answer.facts
    assert fact.document.id == "fishing-quotas" and fact.value is None
    assert "No publication date given in [1]" in render_text(answer)


def test_the_date_of_an_article_found_by_what_it_is_about(index: Index) -> None:
    answer = ask(index, "When was the story about the dock workers' strike published?")
    [fact] = answer.facts
    assert fact.field is SourceField.PUBLISHED
    assert "5 Mar 2024 — publication date of [1]" in render_text(answer)


def test_which_outlet_reported_something_is_the_matching_articles_publisher(index: Index) -> None:
    answer = ask(index, "Which outlet reported the port strike?")
    assert [(f.field, f.value) for f in answer.facts] == [(SourceField.PUBLISHER, "Harbour Times")]


def test_the_title_of_the_article_about_something(index: Index) -> None:
    answer = ask(index, "What is the headline of the article about herring quotas?")
    [fact] = answer.facts
    assert fact.value == "Ministers meet over fishing quotas"
    assert "Ministers meet over fishing quotas — title of [1]" in render_text(answer)


@pytest.mark.parametrize(
    "question",
    [
        "Who led the delegation from Norway?",
        "Who wrote the letter to the harbour board?",  # wrote, but no article
        "When did the strike end?",
        "Which city did the ministers meet in?",
        "What did the board publish about wages?",
        "Who reported the strike to the board?",
    ],
)
def test_a_question_about_events_is_never_one_about_an_article(index: Index, question: str) -> None:
    assert index.parse(question).about is None
    assert ask(index, question).facts == ()


def test_an_article_question_matching_no_article_goes_the_ordinary_way(index: Index) -> None:
    # Asks about an article, but none is about elections: declined as any question is.
    answer = ask(index, "Who wrote the article about the election results?")
    assert answer.facts == () and not answer.answered
