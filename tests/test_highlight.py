"""What is bolded in a quote: what answers the question, never the question's own words."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.qa.highlight import Span, answer_spans, person_names
from bot.search.analyzer import default_analyzer

CHASE = (
    "Michael S. Chase, deputy assistant secretary of defense for China, Taiwan and Mongolia, "
    "led the U.S. delegation in hosting Chinese army Maj. Gen. Song Yanchao, deputy director "
    "of China's Military Commission Office for International Military Cooperation."
)


def spans(question: str, text: str) -> list[Span]:
    """The spans a card bolds in `text` for `question`, analysed as the answer path does."""
    query = default_analyzer().analyse_question(question, lambda term: 1.0)
    return answer_spans(query.kind, frozenset(query.counts), text)


def marked(question: str, text: str) -> list[str]:
    return [text[start:end] for start, end in spans(question, text)]


def test_who_marks_the_names_the_question_does_not_contain() -> None:
    assert marked("who led the Chinese delegation?", CHASE) == ["Michael S. Chase", "Song Yanchao"]


def test_who_leaves_out_titles_offices_places_and_possessives() -> None:
    text = (
        "The meeting included U.S. Secretary of State Antony Blinken, officials from North "
        "Korea and Defense Secretary Lloyd Austin's aides."
    )
    assert marked("who attended the meeting?", text) == ["Antony Blinken", "Lloyd Austin"]


def test_who_does_not_mark_a_name_the_question_holds() -> None:
    assert marked("who is Song Yanchao?", CHASE) == ["Michael S. Chase"]


def test_where_marks_places() -> None:
    text = "The ambassador arrived at JFK Airport in New York City on May 23, 2023."
    assert marked("where did the ambassador arrive?", text) == ["JFK Airport", "New York City"]


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("The talks were last held in September 2021.", ["September 2021"]),
        ("They met in California on November 15, 2023.", ["November 15, 2023"]),
        ("It happened on 4 March 2024 and on 2024-03-05.", ["4 March 2024", "2024-03-05"]),
    ],
)
def test_when_marks_the_date(text: str, dates: list[str]) -> None:
    assert marked("when were the talks held?", text) == dates


def test_a_lone_year_is_never_marked() -> None:
    text = "Pelosi visited Taiwan in the summer of 2022 and 1,500 people protested."
    assert marked("when did Pelosi visit Taiwan?", text) == []
    assert marked("how many people protested?", text) == ["1,500 people"]


def test_how_many_marks_the_number_and_what_it_counts() -> None:
    text = "The talks lasted for about 90 minutes in 2023, with a dozen officials and 40% more."
    assert marked("how long did the talks last?", text) == ["90 minutes", "dozen", "40%"]


def test_how_many_skips_the_questions_own_number() -> None:
    assert marked("how many of the 90 minutes?", "About 90 minutes, 12 speeches.") == [
        "12 speeches"
    ]


@pytest.mark.parametrize(
    "question",
    ["what was discussed?", "why did the talks stop?", "the", "", "Chinese delegation"],
)
def test_nothing_is_marked_when_the_question_asks_for_no_kind_of_span(question: str) -> None:
    assert marked(question, CHASE) == []


def test_common_words_are_never_marked() -> None:
    text = "The talks were held. It was one of many. They said so."
    for question in ("who spoke?", "where was it?", "how many were there?", "when was it?"):
        assert marked(question, text) == []


def test_person_names() -> None:
    assert person_names(CHASE) == ["Michael S. Chase", "Song Yanchao"]


@given(st.text(max_size=300), st.text(max_size=100))
def test_spans_are_in_order_within_the_text_and_never_overlap(text: str, asked: str) -> None:
    for question in (f"who {asked}?", f"when {asked}?", f"how many {asked}?", f"where {asked}"):
        found = spans(question, text)
        assert all(0 <= start < end <= len(text) for start, end in found)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(found))
